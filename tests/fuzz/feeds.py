"""A seeded generator of mutated IRCC feeds, by class, each case with an oracle.

The generator knows IRCC's format only (``data/raw/README.md``): ``{"classes": ..., "rounds": [...]}``,
newest round first, every value a string, counts with thousands separators, bands dd1..dd18.

Oracles (what a correct reader must do with the feed):

``error``          refuse it: exit status 2 and one error line
``finding``        read it but report a data-quality finding (a warning line), or refuse it
``same``           give exactly the output of the unmutated feed (e.g. shuffled rounds)
``same-or-error``  give the output of the unmutated feed, or refuse it (e.g. ``6000`` as a JSON
                   number where IRCC writes ``"6,000"``: reading it as 6000 and refusing are both
                   fine, reading it as anything else is not)
``any-clean``      a valid result or a clean error

A case may also carry ``mention``: a regex the error line must match when the feed is refused (to
catch misleading messages).

Bases: ``small`` is the newest :data:`SMALL` rounds of the bundled feed (cheap to parse; the
default for the bulk of the cases), ``full`` all 389 rounds (for forecast/simulate).

>>> cases = catalogue(seed=1, n_random=0)
>>> len({c.id for c in cases}) == len(cases)
True
>>> sorted({c.oracle for c in cases})
['any-clean', 'error', 'finding', 'same', 'same-or-error']
"""

from __future__ import annotations

import bz2
import codecs
import copy
import functools
import gzip
import io
import json
import lzma
import random
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Rounds in the ``small`` base (the newest ones: all 2025 rounds carry a pool snapshot).
SMALL = 40

ORACLES = ("error", "finding", "same", "same-or-error", "any-clean")

LEAVES = [
    "dd1", "dd2", "dd4", "dd5", "dd6", "dd7", "dd8", "dd10",
    "dd11", "dd12", "dd13", "dd14", "dd15", "dd16", "dd17",
]  # fmt: skip
SUBTOTALS = ["dd3", "dd9", "dd18"]
BANDS = LEAVES + SUBTOTALS
COUNT_FIELDS = ["drawSize", "drawCRS", *BANDS]
REQUIRED = ["drawNumber", "drawDate", "drawName", "drawSize", "drawCRS"]
IGNORED = ["drawNumberURL", "mitext", "DrawText1", "drawDateTime"]  # not read by the package


def bundled_path() -> Path:
    """The bundled IRCC feed (newest ``ee_rounds_snapshot_*.json`` in ``data/raw``)."""
    found = sorted((REPO / "data" / "raw").glob("ee_rounds_snapshot_*.json"))
    if not found:
        raise FileNotFoundError(f"no ee_rounds_snapshot_*.json in {REPO / 'data' / 'raw'}")
    return found[-1]


@functools.lru_cache(maxsize=1)
def _bundled_text() -> str:
    return bundled_path().read_text(encoding="utf-8")


@functools.lru_cache(maxsize=4)
def _base(name: str) -> str:
    doc = json.loads(_bundled_text())
    if name == "small":
        doc["rounds"] = doc["rounds"][:SMALL]
    elif name != "full":
        raise ValueError(f"unknown base {name!r}")
    return json.dumps(doc, ensure_ascii=False, indent=1)


def base_doc(name: str = "small") -> dict:
    """A fresh (mutable) copy of a base feed."""
    return json.loads(_base(name))


def base_bytes(name: str = "small") -> bytes:
    """The unmutated base feed as written by :func:`dump` (the reference for ``same``)."""
    return dump(base_doc(name))


def dump(doc: object, **kwargs) -> bytes:
    kwargs.setdefault("ensure_ascii", False)
    kwargs.setdefault("indent", 1)
    return json.dumps(doc, **kwargs).encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class FeedCase:
    """One mutated feed.

    ``build(base)`` returns the payload (bytes) built on base ``small`` or ``full``.
    ``heavy``: needs a subprocess (memory, size or time) even for the cheap commands.
    """

    cls: str
    id: str
    oracle: str
    build: Callable[[str], bytes] = field(repr=False, compare=False)
    note: str = ""
    mention: str | None = None
    heavy: bool = False

    def payload(self, base: str = "small") -> bytes:
        return self.build(base)


# --- helpers ------------------------------------------------------------------------------------


def _edit(fn: Callable[[dict], object], **dump_kwargs) -> Callable[[str], bytes]:
    """A builder applying ``fn`` to a fresh copy of the base (``fn`` may return a new doc)."""

    def build(base: str) -> bytes:
        doc = base_doc(base)
        out = fn(doc)
        return dump(doc if out is None else out, **dump_kwargs)

    return build


def _raw(fn: Callable[[bytes], bytes]) -> Callable[[str], bytes]:
    """A builder transforming the bytes of the unmutated base."""
    return lambda base: fn(base_bytes(base))


def _set(index: int, name: str, value: object) -> Callable[[dict], None]:
    def fn(doc):
        doc["rounds"][index][name] = value

    return fn


def _setter(index: int, name: str, make: Callable[[object], object]) -> Callable[[dict], None]:
    """Set a field from its original value."""

    def fn(doc):
        doc["rounds"][index][name] = make(doc["rounds"][index][name])

    return fn


def _drop(index: int, name: str) -> Callable[[dict], None]:
    def fn(doc):
        doc["rounds"][index].pop(name, None)

    return fn


def _count(text: str) -> int:
    return int(str(text).replace(",", ""))


def nested(depth: int, leaf: object = "x", kind: str = "list") -> str:
    """JSON text of ``leaf`` nested ``depth`` levels deep (built as text: no recursion)."""
    inner = json.dumps(leaf)
    if kind == "list":
        return "[" * depth + inner + "]" * depth
    return '{"a":' * depth + inner + "}" * depth


def _splice(placeholder: str, text: str, build: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """Replace the JSON string ``"placeholder"`` in the built payload by raw JSON ``text``."""
    marker = json.dumps(placeholder).encode()

    def out(base: str) -> bytes:
        payload = build(base)
        assert marker in payload, placeholder
        return payload.replace(marker, text.encode(), 1)

    return out


def _arabic(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))


def _fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


# --- value pools: (slug, oracle, make(original) -> new value, note) ------------------------------

Value = tuple[str, str, Callable[[object], object], str]


def _number_values(field_name: str) -> list[Value]:
    """Reformattings and malformations of a count field."""
    same = [
        ("plain", "same", lambda v: str(_count(v)), "no thousands separator"),
        ("grouped", "same", lambda v: f"{_count(v):,}", "IRCC's form"),
        ("space-groups", "same", lambda v: f"{_count(v):,}".replace(",", " "), "1 500"),
        ("nbsp-groups", "same", lambda v: f"{_count(v):,}".replace(",", "\u00a0"), ""),
        ("nnbsp-groups", "same", lambda v: f"{_count(v):,}".replace(",", "\u202f"), ""),
        ("padded", "same", lambda v: f"  {v}\t\n", "stray spaces"),
    ]
    same_or_error = [
        ("json-int", "same-or-error", lambda v: _count(v), "a JSON number"),
        ("json-float", "same-or-error", lambda v: float(_count(v)), "a JSON number 6000.0"),
        ("dot-zero", "same-or-error", lambda v: f"{_count(v)}.0", ""),
        ("plus", "same-or-error", lambda v: f"+{_count(v)}", ""),
        ("leading-zeros", "same-or-error", lambda v: f"00{_count(v)}", ""),
        ("arabic-digits", "same-or-error", lambda v: _arabic(str(_count(v))), "Arabic-Indic"),
        ("fullwidth-digits", "same-or-error", lambda v: _fullwidth(str(_count(v))), ""),
        ("grouped-dot-zeros", "same-or-error", lambda v: f"{_count(v):,}.00", ""),
    ]
    error = [
        ("comma-2", "error", lambda v: "1,5", "'1,5' is not a count (read as 15?)"),
        ("comma-2x2", "error", lambda v: "12,34", "read as 1234?"),
        ("comma-lead", "error", lambda v: f",{_count(v)}", ""),
        (
            "comma-double",
            "error",
            lambda v: f"{_count(v) // 1000 or 1},,{_count(v) % 1000:03d}",
            "",
        ),
        ("comma-trail", "error", lambda v: f"{_count(v)},", ""),
        ("comma-misplaced", "error", lambda v: _misgroup(_count(v)), "groups not of three"),
        (
            "comma-4group",
            "error",
            lambda v: f"{_count(v) // 10000 or 1},{_count(v) % 10000:04d}",
            "",
        ),
        ("space-2", "error", lambda v: "1 5", "'1 5': read as 15?"),
        ("dot-thousands", "error", lambda v: "1.500", "ambiguous"),
        ("fraction", "error", lambda v: f"{_count(v)}.5", ""),
        ("negative", "error", lambda v: f"-{_count(v)}", ""),
        ("exponent", "error", lambda v: "1e3", ""),
        ("hex", "error", lambda v: f"0x{_count(v):x}", ""),
        ("empty", "error", lambda v: "", ""),
        ("blank", "error", lambda v: "   ", ""),
        ("nan-text", "error", lambda v: "NaN", ""),
        ("inf-text", "error", lambda v: "Infinity", ""),
        ("na-text", "error", lambda v: "n/a", ""),
        ("unit", "error", lambda v: f"{v} candidates", ""),
        ("range", "error", lambda v: f"{_count(v)}-{_count(v) + 1}", ""),
        ("nul", "error", lambda v: f"{_count(v)}\u0000", ""),
        ("json-true", "error", lambda v: True, ""),
        ("json-false", "error", lambda v: False, ""),
        ("json-object", "error", lambda v: {"value": v}, ""),
        ("json-list", "error", lambda v: [v], "a list holding the count"),
        ("json-empty-list", "error", lambda v: [], ""),
        ("json-fraction", "error", lambda v: _count(v) + 0.5, ""),
        ("json-negative", "error", lambda v: -_count(v) - 1, ""),
        ("json-nan", "error", lambda v: float("nan"), "a bare NaN in the file"),
        ("json-inf", "error", lambda v: float("inf"), "a bare Infinity"),
    ]
    if field_name == "drawCRS":
        error.append(("crs-comma", "error", lambda v: "3,99", "drawCRS '3,99' read as 399?"))
    return same + same_or_error + error


def _misgroup(n: int) -> str:
    digits = str(max(n, 10))
    return digits[:-2] + "," + digits[-2:]  # 6000 -> "60,00"


def _date_values(field_name: str) -> list[Value]:
    """Values for a date field (drawDate, drawDistributionAsOn)."""

    def iso(v):
        text = str(v)
        for fmt in ("%Y-%m-%d", "%B %d, %Y"):
            try:
                from datetime import datetime

                return datetime.strptime(text.strip(), fmt).date()
            except ValueError:
                continue
        raise ValueError(text)

    def shift(days):
        from datetime import timedelta

        return lambda v: (iso(v) + timedelta(days=days)).isoformat()

    out: list[Value] = [
        ("iso", "same", lambda v: iso(v).isoformat(), "ISO form"),
        ("long", "same", lambda v: f"{iso(v):%B} {iso(v).day}, {iso(v).year}", "IRCC's long form"),
        ("padded", "same", lambda v: f"  {v} ", ""),
        ("with-time", "same-or-error", lambda v: f"{iso(v).isoformat()}T00:00:00", ""),
        ("abbrev-month", "same-or-error", lambda v: f"{iso(v):%b} {iso(v).day}, {iso(v).year}", ""),
        ("ordinal", "same-or-error", lambda v: f"{iso(v):%B} {iso(v).day}th, {iso(v).year}", ""),
        ("year-extra-digit", "error", lambda v: "1" + iso(v).isoformat(), "12025-12-17"),
        ("day-extra-digit", "error", lambda v: iso(v).isoformat() + "0", "2025-12-170"),
        (
            "month-extra-digit",
            "error",
            lambda v: iso(v).isoformat().replace("-", "-0", 1) + "",
            "2025-012-17",
        ),
        (
            "year-5-digits",
            "error",
            lambda v: "2" + iso(v).isoformat().replace("2", "0", 1),
            "20255-12-17 style",
        ),
        ("trailing-junk", "any-clean", lambda v: iso(v).isoformat() + "x", ""),
        ("month-13", "error", lambda v: f"{iso(v).year}-13-01", ""),
        ("feb-30", "error", lambda v: f"{iso(v).year}-02-30", ""),
        ("day-0", "error", lambda v: f"{iso(v).year}-01-00", ""),
        ("year-0", "error", lambda v: "0000-01-01", ""),
        ("dmy-slash", "error", lambda v: f"{iso(v):%d/%m/%Y}", "17/12/2025"),
        ("mdy-slash", "error", lambda v: f"{iso(v):%m/%d/%Y}", "12/17/2025: ambiguous"),
        ("compact", "error", lambda v: f"{iso(v):%Y%m%d}", "20251217"),
        (
            "empty",
            "same-or-error" if field_name == "drawDate" else "error",
            lambda v: "",
            "drawDate blank: drawDateFull holds the day" if field_name == "drawDate" else "",
        ),
        ("words", "error", lambda v: "tomorrow", ""),
        ("year-month", "error", lambda v: f"{iso(v):%Y-%m}", ""),
        ("json-list", "error", lambda v: [v], "a list holding the date"),
        ("json-object", "error", lambda v: {"date": v}, ""),
        ("json-number", "error", lambda v: int(f"{iso(v):%Y%m%d}"), ""),
        ("json-true", "error", lambda v: True, ""),
        # implausible / out of range: refuse or report
        ("year-1", "finding", lambda v: "0001-01-01", "year 1 (outside pandas' range)"),
        ("year-1677", "finding", lambda v: "1677-09-21", "just outside pandas' range"),
        ("year-1677-in", "finding", lambda v: "1677-09-22", "just inside pandas' range"),
        ("year-1900", "finding", lambda v: "1900-06-30", "before Express Entry (2015)"),
        ("year-2262-in", "finding", lambda v: "2262-04-11", "just inside pandas' range, future"),
        ("year-2262", "finding", lambda v: "2262-04-12", "just outside pandas' range"),
        ("year-9999", "finding", lambda v: "9999-12-31", ""),
        ("year-2099", "finding", lambda v: "2099-06-30", "far future"),
        ("year-5-digit-20255", "finding", lambda v: "20255-12-17", "5-digit year"),
    ]
    if field_name == "drawDistributionAsOn":
        out += [
            ("after-round", "finding", shift(+30), "snapshot dated after its round"),
            ("stale", "finding", shift(-200), "snapshot 200 days before its round"),
        ]
        out = [v for v in out if v[0] not in ("year-2099",)]  # "after-round" covers it
    return out


def _cutoff_values() -> list[Value]:
    """Values for drawCutOff (the tie-break time, free text)."""
    return [
        ("blank", "any-clean", lambda v: "", "no tie-break"),
        ("garbage", "any-clean", lambda v: "n/a", ""),
        ("iso", "same-or-error", lambda v: "2025-08-24 23:43:05 UTC", ""),
        ("year-1", "any-clean", lambda v: "January 1, 0001 at 00:00:00 UTC", ""),
        ("year-1677", "any-clean", lambda v: "September 21, 1677 at 00:00:00 UTC", ""),
        ("year-9999", "any-clean", lambda v: "December 31, 9999 at 23:59:59 UTC", ""),
        ("bad-time", "any-clean", lambda v: "August 24, 2025 at 25:61:99 UTC", ""),
        ("after-round", "finding", lambda v: "December 31, 2025 at 10:00:00 UTC",
         "tie-break time after the round itself"),
        ("json-false", "error", lambda v: False, "a boolean is not a time (read as blank?)"),
        ("json-zero", "error", lambda v: 0, "read as blank?"),
        ("json-empty-list", "error", lambda v: [], "read as blank?"),
        ("json-object", "error", lambda v: {"t": v}, ""),
        ("json-list", "error", lambda v: [v], ""),
    ]  # fmt: skip


def _type_values(field_name: str) -> list[Value]:
    """Wrong JSON types in a field."""

    def intlike(v):
        return int(str(v).replace(",", ""))

    if field_name == "drawNumber":
        return [
            ("json-int", "same-or-error", lambda v: intlike(v), ""),
            ("json-float", "same-or-error", lambda v: float(intlike(v)), "388.0 read as '388.0'?"),
            ("json-true", "error", lambda v: True, ""),
            ("json-false", "error", lambda v: False, ""),
            ("json-object", "error", lambda v: {"n": v}, ""),
            ("json-list", "error", lambda v: [v], ""),
            ("json-null", "error", lambda v: None, ""),
            ("padded", "same", lambda v: f" {v} ", ""),
        ]
    if field_name in ("drawName", "drawText2"):
        return [
            ("json-true", "error", lambda v: True, "a boolean as the round type"),
            ("json-false", "error", lambda v: False, "category 'false'?"),
            ("json-object", "error", lambda v: {"name": v}, ""),
            ("json-list", "error", lambda v: [v], ""),
            ("json-number", "error", lambda v: 5, ""),
            ("json-null", "error" if field_name == "drawName" else "any-clean", lambda v: None, ""),
        ]
    return []


# --- classes ------------------------------------------------------------------------------------

#: Positions a deterministic case mutates: the newest round (seen by pool/forecast), the second
#: (shares the newest snapshot) and an older one.
POSITIONS = {"newest": 0, "second": 1, "older": 17}


def _numbers() -> Iterator[FeedCase]:
    for fname in ["drawSize", "drawCRS", "dd2", "dd18"]:
        for slug, oracle, make, note in _number_values(fname):
            for where in ("newest",) if fname != "drawSize" else ("newest", "older"):
                yield FeedCase(
                    "numbers",
                    f"numbers/{fname}/{slug}/{where}",
                    oracle,
                    _edit(_setter(POSITIONS[where], fname, make)),
                    note=f"{fname}: {note}".rstrip(": "),
                )


def _dates() -> Iterator[FeedCase]:
    for fname in ["drawDate", "drawDistributionAsOn"]:
        for slug, oracle, make, note in _date_values(fname):
            yield FeedCase(
                "dates",
                f"dates/{fname}/{slug}",
                oracle,
                _edit(_setter(0, fname, make)),
                note=f"{fname}: {note}".rstrip(": "),
            )
    for slug, oracle, make, note in _cutoff_values():
        yield FeedCase(
            "dates", f"dates/drawCutOff/{slug}", oracle, _edit(_setter(0, "drawCutOff", make)),
            note=f"drawCutOff: {note}".rstrip(": "),
        )  # fmt: skip
    # drawDate blank: the long form drawDateFull is used
    yield FeedCase(
        "dates", "dates/drawDate/blank-full-used", "same", _edit(_set(0, "drawDate", "")),
        note="drawDate blank, drawDateFull holds the day",
    )  # fmt: skip

    def disagree(doc):
        doc["rounds"][0]["drawDateFull"] = "January 1, 2020"

    yield FeedCase(
        "dates", "dates/drawDateFull/disagrees", "any-clean", _edit(disagree),
        note="drawDateFull names another day than drawDate",
    )  # fmt: skip


def _types() -> Iterator[FeedCase]:
    for fname in ["drawNumber", "drawName", "drawText2"]:
        for slug, oracle, make, note in _type_values(fname):
            yield FeedCase(
                "types", f"types/{fname}/{slug}", oracle, _edit(_setter(0, fname, make)),
                note=f"{fname}: {note}".rstrip(": "),
            )  # fmt: skip
    for name, value in [("null", None), ("list", []), ("string", "rounds"), ("number", 388),
                        ("true", True), ("empty-object", {})]:  # fmt: skip
        yield FeedCase("types", f"types/document/{name}", "error", _raw(lambda b, v=value: dump(v)))
        yield FeedCase(
            "types", f"types/rounds/{name}", "any-clean" if value == [] else "error",
            _edit(lambda d, v=value: {**d, "rounds": v}),
        )  # fmt: skip
        if value != []:
            yield FeedCase(
                "types", f"types/round/{name}", "error",
                _edit(lambda d, v=value: d["rounds"].insert(1, v)),
            )  # fmt: skip
    yield FeedCase(
        "types", "types/rounds/missing", "error", _edit(lambda d: {"classes": d["classes"]})
    )
    yield FeedCase(
        "types", "types/rounds/key-case", "error", _edit(lambda d: {"Rounds": d["rounds"]})
    )


def _nesting() -> Iterator[FeedCase]:
    for depth in [2, 50, 200, 900, 1000, 1100, 5000, 20000, 100000, 1000000]:
        heavy = depth > 100000
        for kind in ("list", "object"):
            ignored = _splice(
                "@NEST@", nested(depth, "x", kind), _edit(_set(0, "mitext", "@NEST@"))
            )
            yield FeedCase(
                "nesting", f"nesting/ignored-field/{kind}/{depth}", "same-or-error", ignored,
                note=f"{kind}s nested {depth} deep in an ignored field (mitext)", heavy=heavy,
            )  # fmt: skip
        top = _splice("@NEST@", nested(depth), _edit(lambda d: {**d, "extra": "@NEST@"}))
        yield FeedCase(
            "nesting", f"nesting/top-level-key/{depth}", "same-or-error", top,
            note=f"an unknown top-level key nested {depth} deep", heavy=heavy,
        )  # fmt: skip
        yield FeedCase(
            "nesting", f"nesting/drawName/{depth}", "error",
            _splice("@NEST@", nested(depth, "Canadian Experience Class"),
                    _edit(_set(0, "drawName", "@NEST@"))),
            note=f"the round type nested {depth} deep in lists", heavy=heavy,
        )  # fmt: skip
        yield FeedCase(
            "nesting", f"nesting/drawSize/{depth}", "error",
            _splice("@NEST@", nested(depth, "6,000"), _edit(_set(0, "drawSize", "@NEST@"))),
            heavy=heavy,
        )  # fmt: skip
        yield FeedCase(
            "nesting", f"nesting/rounds-list/{depth}", "error",
            _splice("@NEST@", nested(depth, []), _edit(lambda d: {**d, "rounds": "@NEST@"})),
            heavy=heavy,
        )  # fmt: skip


def _huge() -> Iterator[FeedCase]:
    big = [
        ("int64-max", "9223372036854775807", "finding"),
        ("int64-max-plus-1", "9223372036854775808", "finding"),
        ("20-digits", "99999999999999999999", "finding"),
        ("grouped-20-digits", "99,999,999,999,999,999,999", "finding"),
        ("4300-digits", "9" * 4300, "finding"),
        ("4301-digits", "9" * 4301, "finding"),
        ("100k-digits", "9" * 100_000, "finding"),
    ]
    for fname in ["drawSize", "dd2", "dd18", "drawCRS"]:
        for slug, text, oracle in big:
            if fname == "drawCRS":
                oracle = "error"  # above 1200
            yield FeedCase(
                "huge", f"huge/{fname}/{slug}", oracle, _edit(_set(0, fname, text)),
                note=f"{fname} = {text[:24]}{'...' if len(text) > 24 else ''} ({len(text)} digits)",
            )  # fmt: skip
    for slug, raw in [("json-int-20-digits", "99999999999999999999"),
                      ("json-int-5000-digits", "9" * 5000),
                      ("json-float-1e308", "1e308"), ("json-float-1e400", "1e400"),
                      ("json-int-neg-20-digits", "-99999999999999999999")]:  # fmt: skip
        yield FeedCase(
            "huge", f"huge/drawSize/{slug}",
            "error" if "float" in slug or "neg" in slug else "finding",
            _splice("@BIG@", raw, _edit(_set(0, "drawSize", "@BIG@"))),
            note=f"drawSize as a bare JSON number {raw[:24]}",
        )  # fmt: skip

    def all_bands(value):
        def fn(doc):
            for name in LEAVES:
                doc["rounds"][0][name] = value
            doc["rounds"][0]["dd18"] = f"{15 * _count(value):,}"
            doc["rounds"][0]["dd3"] = f"{5 * _count(value):,}"
            doc["rounds"][0]["dd9"] = f"{5 * _count(value):,}"

        return fn

    yield FeedCase(
        "huge", "huge/bands/sum-beyond-int64", "finding",
        _edit(all_bands("900,000,000,000,000,000")),
        note="every band 9e17: each fits in int64, their sum does not",
    )  # fmt: skip
    yield FeedCase(
        "huge", "huge/drawNumber/5000-digits", "any-clean", _edit(_set(0, "drawNumber", "9" * 5000))
    )
    yield FeedCase(
        "huge", "huge/drawName/1MB", "any-clean", _edit(_set(0, "drawName", "General " * 131072)),
        note="a 1 MB round type",
    )  # fmt: skip
    yield FeedCase(
        "huge", "huge/ignored/10MB", "same", _edit(_set(0, "mitext", "x" * 10_000_000)),
        note="10 MB in an ignored field",
    )  # fmt: skip
    yield FeedCase(
        "huge", "huge/rounds/unknown-fields-1000", "same",
        _edit(lambda d: [r.update({f"x{i}": str(i) for i in range(1000)}) for r in d["rounds"]]
              and None),
        note="1000 unknown fields per round",
    )  # fmt: skip


def _padding(size: int) -> Callable[[bytes], bytes]:
    return lambda b: b[:-1] + b" " * size + b[-1:]


def _encodings() -> Iterator[FeedCase]:
    def reenc(codec: str, bom: bytes = b""):
        return _raw(lambda b: bom + b.decode("utf-8").encode(codec))

    items = [
        ("utf8-bom", "same", _raw(lambda b: codecs.BOM_UTF8 + b), ""),
        ("crlf", "same", _raw(lambda b: b.replace(b"\n", b"\r\n")), ""),
        ("cr-only", "same", _raw(lambda b: b.replace(b"\n", b"\r")), "old Mac line ends"),
        ("minified", "same", _edit(lambda d: None, indent=None, separators=(",", ":")), ""),
        ("indent-8", "same", _edit(lambda d: None, indent=8), "IRCC re-indents the file"),
        ("ascii-escaped", "same", _edit(lambda d: None, ensure_ascii=True), "\\u escapes"),
        ("tabs-indent", "same", _edit(lambda d: None, indent="\t"), ""),
        ("pad-1MB", "same", _raw(_padding(1 << 20)), "1 MB of trailing spaces inside"),
        ("pad-50MB", "same", _raw(_padding(50 << 20)), "50 MB of spaces"),
        ("utf16-le-bom", "error", reenc("utf-16-le", codecs.BOM_UTF16_LE), ""),
        ("utf16-be-bom", "error", reenc("utf-16-be", codecs.BOM_UTF16_BE), ""),
        ("utf16-le", "error", reenc("utf-16-le"), "no BOM"),
        ("utf32-le-bom", "error", reenc("utf-32-le", codecs.BOM_UTF32_LE), ""),
        ("utf32-be-bom", "error", reenc("utf-32-be", codecs.BOM_UTF32_BE), ""),
        ("gzip", "error", _raw(lambda b: gzip.compress(b, mtime=0)), ""),
        ("bzip2", "error", _raw(bz2.compress), ""),
        ("xz", "error", _raw(lzma.compress), ""),
        ("zip", "error", _raw(_zip), ""),
        ("empty", "error", _raw(lambda b: b""), ""),
        ("whitespace", "error", _raw(lambda b: b" \n\t "), ""),
        ("nul-bytes", "error", _raw(lambda b: b"\x00" * 1000), ""),
        ("nul-inside", "error", _raw(lambda b: b[:200] + b"\x00" + b[200:]), ""),
        ("null-doc", "error", _raw(lambda b: b"null"), ""),
        ("trunc-1", "error", _raw(lambda b: b[:1]), ""),
        ("trunc-half", "error", _raw(lambda b: b[: len(b) // 2]), ""),
        ("trunc-last-byte", "error", _raw(lambda b: b[:-1]), ""),
        ("trailing-garbage", "error", _raw(lambda b: b + b"garbage"), ""),
        ("two-documents", "error", _raw(lambda b: b + b), ""),
        ("js-comment", "error", _raw(lambda b: b"// IRCC\n" + b), ""),
        ("single-quotes", "error", _raw(lambda b: b.replace(b'"drawNumber"', b"'drawNumber'", 1)), ""),
        ("trailing-comma", "error", _raw(lambda b: b.replace(b"}\n ]", b"},\n ]", 1)), ""),
        ("html-page", "error", _raw(lambda b: b"<!DOCTYPE html><html><body>Not found</body></html>"),
         "a captive portal or error page"),
        ("latin1-text", "error", _latin1, "Latin-1 bytes"),
        ("cp1252-quotes", "error", _cp1252, "Windows-1252 curly quotes"),
        ("invalid-utf8-ignored", "error", _raw(lambda b: b.replace(b'"mitext": "', b'"mitext": "\xff\xfe', 1)),
         "invalid UTF-8 in an ignored field"),
        ("overlong-utf8", "error", _raw(lambda b: b.replace(b'"drawNumber": "388"', b'"drawNumber": "38\xc0\xb8"', 1)), ""),
        ("lone-surrogate-name", "any-clean",
         _edit(_set(0, "drawName", "Canadian Experience Class \ud800"), ensure_ascii=True),
         "a lone surrogate escape \\ud800 in the round type"),
        ("lone-surrogate-ignored", "same-or-error", _edit(_set(0, "mitext", "\udc80"), ensure_ascii=True), ""),
        ("control-chars-name", "any-clean", _edit(_set(0, "drawName", "Canadian\x1b[2J\x07 Experience Class")),
         "ANSI escape and BEL in the round type"),
        ("newline-in-name", "any-clean", _edit(_set(0, "drawName", "Canadian Experience\nClass")), ""),
        ("rtl-override", "any-clean", _edit(_set(0, "drawName", "\u202eCanadian Experience Class")), ""),
        ("nan-literal", "error", _splice("@N@", "NaN", _edit(_set(0, "drawSize", "@N@"))), "bare NaN"),
        ("infinity-literal", "error", _splice("@N@", "-Infinity", _edit(_set(0, "drawCRS", "@N@"))), ""),
        ("duplicate-key", "any-clean", _raw(lambda b: b.replace(b'"drawSize": "6,000"', b'"drawSize": "6,000", "drawSize": "1"', 1)),
         "a key twice in one round (JSON: the last wins)"),
    ]  # fmt: skip
    for slug, oracle, build, note in items:
        mention = None
        if slug.startswith("utf32"):
            mention = r"^(?!.*UTF-16)"  # must not call UTF-32 UTF-16
        yield FeedCase(
            "encoding", f"encoding/{slug}", oracle, build, note=note, mention=mention,
            heavy=slug == "pad-50MB",
        )  # fmt: skip


def _zip(b: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("ee_rounds_123_en.json", date_time=(2025, 12, 17, 0, 0, 0))
        zf.writestr(info, b)
    return buf.getvalue()


def _latin1(base: str) -> bytes:
    doc = base_doc(base)
    doc["rounds"][0]["drawText2"] = "Programme des travailleurs qualifiés (fédéral)"
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("latin-1")


def _cp1252(base: str) -> bytes:
    doc = base_doc(base)
    doc["rounds"][0]["drawName"] = "Canadian Experience Class \u201cCEC\u201d"
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("cp1252")


def _structure() -> Iterator[FeedCase]:
    for name in REQUIRED:
        yield FeedCase("structure", f"structure/missing/{name}", "error", _edit(_drop(0, name)))
        yield FeedCase("structure", f"structure/null/{name}", "error", _edit(_set(0, name, None)))
    yield FeedCase(
        "structure", "structure/empty/drawName", "error", _edit(_set(0, "drawName", " "))
    )
    yield FeedCase(
        "structure", "structure/empty/drawNumber", "error", _edit(_set(0, "drawNumber", ""))
    )
    for name in ["drawCutOff", "drawText2", "drawDateFull", *IGNORED]:
        yield FeedCase(
            "structure", f"structure/missing-optional/{name}", "any-clean", _edit(_drop(0, name))
        )
    yield FeedCase("structure", "structure/missing-band/dd5", "error", _edit(_drop(0, "dd5")))
    yield FeedCase(
        "structure", "structure/missing-subtotal/dd18", "any-clean", _edit(_drop(0, "dd18"))
    )

    def no_bands(doc):
        for name in BANDS:
            doc["rounds"][0].pop(name, None)

    yield FeedCase("structure", "structure/no-bands/newest", "any-clean", _edit(no_bands))

    def zero_bands(doc):
        for name in BANDS:
            doc["rounds"][0][name] = "0"
        doc["rounds"][1].update({name: "0" for name in BANDS})

    yield FeedCase(
        "structure", "structure/zero-bands/newest-two", "any-clean", _edit(zero_bands),
        note="the newest snapshot all zero (not published)",
    )  # fmt: skip
    yield FeedCase(
        "structure", "structure/bands-without-date", "error",
        _edit(_set(0, "drawDistributionAsOn", "")),
    )  # fmt: skip
    yield FeedCase("structure", "structure/extra-field", "same", _edit(_set(0, "drawFoo", "bar")))
    yield FeedCase(
        "structure", "structure/extra-band-dd19", "same-or-error", _edit(_set(0, "dd19", "5"))
    )
    yield FeedCase(
        "structure", "structure/extra-top-key", "same", _edit(lambda d: {**d, "meta": {"v": 2}})
    )
    yield FeedCase(
        "structure", "structure/no-classes", "same", _edit(lambda d: {"rounds": d["rounds"]})
    )
    yield FeedCase(
        "structure", "structure/empty-rounds", "any-clean", _edit(lambda d: {**d, "rounds": []})
    )
    yield FeedCase("structure", "structure/round-empty-object", "error",
                   _edit(lambda d: d["rounds"].insert(3, {})))  # fmt: skip
    for sub, delta in [("dd3", 1), ("dd9", -1), ("dd18", 1000)]:
        # a subtotal (dd3, dd9) that disagrees with its bands changes nothing read (the bands
        # are used): the reader records it as a note, printed with --verbose and written to
        # issues.txt, as for IRCC's own round #247; so the output must equal the unmutated
        # feed's. A changed total (dd18) makes the snapshot differ from the one an older round
        # carries: a finding.
        yield FeedCase(
            "structure", f"structure/subtotal-mismatch/{sub}",
            "finding" if sub == "dd18" else "same",
            _edit(_setter(0, sub, lambda v, k=delta: f"{_count(v) + k:,}")),
            note="a subtotal that disagrees with its bands: a note (--verbose), the bands used",
        )  # fmt: skip

    # the newest two rounds (#388, #387) carry the same snapshot (December 14, 2025)
    def republish(doc):
        doc["rounds"][0]["dd5"] = f"{_count(doc['rounds'][0]['dd5']) + 7:,}"

    yield FeedCase(
        "structure", "structure/snapshot-republished-changed", "finding", _edit(republish),
        note="#388 republishes #387's snapshot with other numbers",
    )  # fmt: skip

    def after_round(doc):
        doc["rounds"][1]["drawDistributionAsOn"] = "December 17, 2025"  # #387 is of 12-16
        doc["rounds"][0]["drawDistributionAsOn"] = "December 17, 2025"

    yield FeedCase(
        "structure", "structure/snapshot-after-round", "finding", _edit(after_round),
        note="a snapshot dated after the round that carries it",
    )  # fmt: skip

    def after_and_republished(doc):
        after_round(doc)
        republish(doc)

    yield FeedCase(
        "structure", "structure/snapshot-after-round-republished", "finding",
        _edit(after_and_republished),
        note="a snapshot dated after its first round, republished with other numbers",
    )  # fmt: skip

    def after_and_republished_older(doc):
        # rounds 12-14 (#376 2025-10-29, #375 10-28, #374 10-27) share October 26
        for i in (12, 13, 14):
            doc["rounds"][i]["drawDistributionAsOn"] = "October 28, 2025"
        doc["rounds"][12]["dd2"] = f"{_count(doc['rounds'][12]['dd2']) + 1:,}"

    yield FeedCase(
        "structure", "structure/snapshot-after-round-republished/older", "finding",
        _edit(after_and_republished_older),
    )  # fmt: skip

    def same_counts(doc):
        for name in BANDS:
            doc["rounds"][3][name] = doc["rounds"][0][name]

    yield FeedCase(
        "structure", "structure/same-counts-two-dates", "finding", _edit(same_counts),
        note="#385's snapshot (Dec 7) given the band counts of Dec 14",
    )  # fmt: skip
    yield FeedCase(
        "structure", "structure/negative-band", "error", _edit(_set(0, "dd17", "-8,069"))
    )


def _order() -> Iterator[FeedCase]:
    for seed in range(3):
        yield FeedCase(
            "order", f"order/shuffle/{seed}", "same",
            _edit(lambda d, s=seed: random.Random(s).shuffle(d["rounds"])),
        )  # fmt: skip
    yield FeedCase("order", "order/reverse", "same", _edit(lambda d: d["rounds"].reverse()))
    yield FeedCase(
        "order", "order/rotate", "same",
        _edit(lambda d: {**d, "rounds": d["rounds"][5:] + d["rounds"][:5]}),
    )  # fmt: skip
    yield FeedCase(
        "order", "order/duplicate-round", "error",
        _edit(lambda d: d["rounds"].insert(5, copy.deepcopy(d["rounds"][5]))),
    )  # fmt: skip

    def dup_number(doc):
        doc["rounds"][3]["drawNumber"] = doc["rounds"][4]["drawNumber"]

    yield FeedCase("order", "order/duplicate-number", "error", _edit(dup_number))

    def dup_padded(doc):
        doc["rounds"][3]["drawNumber"] = " " + doc["rounds"][4]["drawNumber"] + " "

    yield FeedCase("order", "order/duplicate-number-padded", "error", _edit(dup_padded))

    def dup_case(doc):
        doc["rounds"][3]["drawNumber"] = "91A"
        doc["rounds"][4]["drawNumber"] = "91a"

    yield FeedCase("order", "order/number-case", "any-clean", _edit(dup_case))
    for label in ["0", "-1", "abc", "388b", "1e3", "٣٨٨"]:
        yield FeedCase(
            "order", f"order/number/{label}", "any-clean", _edit(_set(2, "drawNumber", label))
        )

    def swap_numbers(doc):
        a, b = doc["rounds"][2], doc["rounds"][8]
        a["drawNumber"], b["drawNumber"] = b["drawNumber"], a["drawNumber"]

    yield FeedCase("order", "order/numbers-disagree-with-dates", "any-clean", _edit(swap_numbers))

    def same_day(doc):
        doc["rounds"][1]["drawDate"] = doc["rounds"][0]["drawDate"]

    yield FeedCase("order", "order/two-rounds-same-day", "any-clean", _edit(same_day))


def _sizes() -> Iterator[FeedCase]:
    items = [
        ("drawSize", "0", "finding", "a round that invited nobody"),
        ("drawSize", "1,000,000", "finding", "four times the whole pool"),
        ("drawSize", "100,000,000,000", "finding", "1e11 invitations"),
        ("drawSize", "1", "any-clean", ""),
        ("drawSize", "30,000", "any-clean", "above the largest round ever (27,332)"),
        ("drawCRS", "0", "any-clean", ""),
        ("drawCRS", "1200", "any-clean", ""),
        ("drawCRS", "1201", "error", "above the CRS maximum"),
        ("drawCRS", "9,999", "error", ""),
        ("dd1", "1,000,000,000", "finding", "a billion candidates in one band"),
        ("dd18", "0", "finding", "total 0 beside non-zero bands"),
    ]
    for fname, value, oracle, note in items:
        yield FeedCase(
            "sizes", f"sizes/{fname}/{value}", oracle, _edit(_set(0, fname, value)), note=note
        )

    def all_ones(doc):
        for name in LEAVES:
            doc["rounds"][0][name] = "1"
        doc["rounds"][0].update({"dd3": "5", "dd9": "5", "dd18": "15"})
        doc["rounds"][1].update({name: doc["rounds"][0][name] for name in BANDS})

    yield FeedCase("sizes", "sizes/bands/all-one", "any-clean", _edit(all_ones))


def _volume() -> Iterator[FeedCase]:
    yield FeedCase(
        "volume", "volume/one-round", "any-clean", _edit(lambda d: {**d, "rounds": d["rounds"][:1]})
    )
    yield FeedCase(
        "volume",
        "volume/two-rounds",
        "any-clean",
        _edit(lambda d: {**d, "rounds": d["rounds"][:2]}),
    )
    yield FeedCase(
        "volume", "volume/oldest-round-only", "any-clean",
        lambda base: dump({"rounds": base_doc("full")["rounds"][-1:]}),
    )  # fmt: skip
    for n in (5_000, 34_000):
        yield FeedCase(
            "volume", f"volume/{n}-rounds", "any-clean", functools.partial(many_rounds, n),
            note=f"{n:,} rounds, about {n // 3975 + 1} a day over 2015-2025", heavy=True,
        )  # fmt: skip


def many_rounds(n: int, base: str = "full") -> bytes:
    """``n`` plausible rounds between 2015-01-31 and 2025-12-17, newest first; one pool snapshot
    per day (on that day's first round), each day's band counts a little different."""
    from datetime import date, timedelta

    src = base_doc("full")["rounds"]
    first, last = date(2015, 1, 31), date(2025, 12, 17)
    span = (last - first).days
    rounds = []
    for i in range(n):
        proto = copy.deepcopy(src[i % 100])
        day = first + timedelta(days=i * span // n)
        proto["drawNumber"] = str(i + 1)
        proto["drawDate"] = day.isoformat()
        proto["drawDateFull"] = f"{day:%B} {day.day}, {day.year}"
        proto["drawCutOff"] = ""
        first_of_day = i == 0 or (first + timedelta(days=(i - 1) * span // n)) != day
        if first_of_day:
            k = (day - first).days
            snap = day - timedelta(days=1)
            leaves = {name: 1000 + (k * 7 + j * 13) % 977 for j, name in enumerate(LEAVES)}
            proto.update({name: f"{v:,}" for name, v in leaves.items()})
            proto["dd3"] = f"{sum(leaves[x] for x in ('dd4', 'dd5', 'dd6', 'dd7', 'dd8')):,}"
            proto["dd9"] = f"{sum(leaves[x] for x in ('dd10', 'dd11', 'dd12', 'dd13', 'dd14')):,}"
            proto["dd18"] = f"{sum(leaves.values()):,}"
            proto["drawDistributionAsOn"] = f"{snap:%B} {snap.day}, {snap.year}"
        else:
            proto.update({name: "0" for name in BANDS})
            proto["drawDistributionAsOn"] = ""
        rounds.append(proto)
    rounds.reverse()
    return dump({"classes": "wb-tables", "rounds": rounds}, indent=None)


CLASSES: dict[str, Callable[[], Iterator[FeedCase]]] = {
    "numbers": _numbers,
    "dates": _dates,
    "types": _types,
    "nesting": _nesting,
    "huge": _huge,
    "encoding": _encodings,
    "structure": _structure,
    "order": _order,
    "sizes": _sizes,
    "volume": _volume,
}


# --- seeded random variants ------------------------------------------------------------------------


def _random_cases(seed: int, n: int) -> Iterator[FeedCase]:
    """``n`` seeded variants: a random value of a class's pool put in a random round and field,
    or a random reordering. Ids carry the seed and the draw's index."""
    rng = random.Random(seed)
    for k in range(n):
        kind = rng.choices(
            ["numbers", "dates", "types", "order", "multi"], weights=[5, 3, 1, 1, 1]
        )[0]
        index = rng.randrange(SMALL)
        if kind == "numbers":
            fname = rng.choice(COUNT_FIELDS)
            slug, oracle, make, note = rng.choice(_number_values(fname))
            build = _edit(_setter(index, fname, make))
            cid = f"random/{seed}/{k}/numbers/{fname}/{slug}/r{index}"
            if fname in BANDS and oracle in ("same", "same-or-error") and index not in (0, 1):
                # a reformatted band in a round sharing its snapshot is still the same counts
                pass
        elif kind == "dates":
            fname = rng.choice(["drawDate", "drawDistributionAsOn"])
            slug, oracle, make, note = rng.choice(_date_values(fname))
            if slug in ("after-round", "stale") or oracle == "finding":
                index = 0  # keeps the case's meaning simple (no shared-snapshot side effects)
            build = _edit(_setter(index, fname, make))
            cid = f"random/{seed}/{k}/dates/{fname}/{slug}/r{index}"
        elif kind == "types":
            fname = rng.choice(["drawNumber", "drawName", "drawText2"])
            slug, oracle, make, note = rng.choice(_type_values(fname))
            build = _edit(_setter(index, fname, make))
            cid = f"random/{seed}/{k}/types/{fname}/{slug}/r{index}"
        elif kind == "order":
            s = rng.randrange(1 << 30)
            oracle, note = "same", "shuffled rounds"
            build = _edit(lambda d, s=s: random.Random(s).shuffle(d["rounds"]))
            cid = f"random/{seed}/{k}/order/shuffle-{s}"
            fname = "rounds"
        else:  # several same-value reformattings at once: must read the same
            picks = []
            for _ in range(rng.randint(2, 6)):
                i = rng.randrange(SMALL)
                fname = rng.choice(COUNT_FIELDS)
                slug, _o, make, _n = rng.choice(
                    [v for v in _number_values(fname) if v[1] == "same"]
                )
                picks.append((i, fname, make, slug))

            def build_multi(doc, picks=tuple(picks)):
                for i, fname, make, _slug in picks:
                    doc["rounds"][i][fname] = make(doc["rounds"][i][fname])

            build = _edit(build_multi)
            oracle, note = "same", "several counts reformatted (same values)"
            cid = f"random/{seed}/{k}/multi/" + "+".join(f"{f}:{s}@{i}" for i, f, _m, s in picks)
            kind = "numbers"
        yield FeedCase(kind, cid, oracle, build, note=note)


def catalogue(seed: int = 20251217, n_random: int = 700, classes=None) -> list[FeedCase]:
    """The deterministic cases of every class, then ``n_random`` seeded random variants."""
    cases: list[FeedCase] = []
    for name, gen in CLASSES.items():
        if classes is None or name in classes:
            cases.extend(gen())
    if classes is None or set(classes) & {"numbers", "dates", "types", "order"}:
        cases.extend(
            c for c in _random_cases(seed, n_random) if classes is None or c.cls in classes
        )
    ids = [c.id for c in cases]
    dup = {i for i in ids if ids.count(i) > 1} if len(set(ids)) != len(ids) else set()
    if dup:
        raise AssertionError(f"duplicate case ids: {sorted(dup)[:5]}")
    for c in cases:
        assert c.oracle in ORACLES, c
    return cases
