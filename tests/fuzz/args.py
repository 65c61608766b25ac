"""Bad (and borderline) command-line arguments, per subcommand, each with an oracle.

Every argv is built with :func:`fuzz.surface.argv` (flags in one table). Oracles are those of
:mod:`fuzz.feeds` (``error``: must be refused with one line; ``any-clean``: a result or a clean
error), plus optional ``mention`` (a regex the error line must match), ``forbid`` (a regex the
output must not match, e.g. a count wrapped to a negative number) and ``fail_within`` (a refusal
must come that fast [s]).

``heavy`` cases run in a subprocess (they may hang in compiled code or eat memory); the others can
run in-process. ``update`` cases never run in-process (they write the live feed).

>>> cases = catalogue()
>>> len({c.id for c in cases}) == len(cases)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from .feeds import bundled_path
from .surface import FLAGS, argv

#: An error line must not blame the data for a date it cannot represent.
NOT_SNAPSHOT = r"^(?!.*no pool snapshot)"

#: A wrapped 64-bit count (or any huge negative number) in the output.
NEGATIVE_WRAP = r"-9223372036854775808|-\d{12,}"

DIGITS_400 = "9" * 400


@dataclass(frozen=True)
class ArgCase:
    cls: str
    id: str
    argv: tuple[str, ...]
    oracle: str = "error"
    mention: str | None = None
    forbid: str | None = None
    fail_within: float | None = None
    heavy: bool = False
    timeout: float = 60.0
    note: str = ""
    #: run in a subprocess whatever ``heavy`` says (update, data, report: they write files)
    subprocess_only: bool = False


def _src() -> str:
    return str(bundled_path())


def _case(cls, cid, command, oracle="error", *, base=True, **kw) -> ArgCase:
    """An argument case; ``source`` defaults to the bundled feed (``update`` has none)."""
    opts = {k: v for k, v in kw.items() if k in _OPTION_NAMES}
    meta = {k: v for k, v in kw.items() if k not in _OPTION_NAMES}
    if command != "update":
        opts.setdefault("source", _src())
    return ArgCase(
        f"args:{cls}",
        f"args/{command}/{cid}",
        tuple(argv(command, base=base, **opts)),
        oracle,
        subprocess_only=command in ("update", "data", "report"),
        **meta,
    )


_OPTION_NAMES = set(FLAGS)

AS_OF_BAD = [("feb-30", "2025-02-30"), ("no-pad", "2025-1-1"), ("slash", "03/04/2024"),
             ("empty", ""), ("with-time", "2025-06-30T00:00"), ("words", "yesterday")]  # fmt: skip
AS_OF_EDGE = [("year-1", "0001-01-01"), ("year-1677", "1677-09-21"), ("year-2262", "2262-04-12"),
              ("year-9999", "9999-12-31"), ("before-first-round", "2015-01-30"),
              ("far-future", "2099-01-01"), ("padded", " 2025-06-30 ")]  # fmt: skip

DATA_COMMANDS = ["rounds", "pool", "simulate", "forecast", "backtest", "backlog", "odds", "by-size"]


def _common() -> list[ArgCase]:
    out = []
    for command in DATA_COMMANDS + ["data"]:
        for slug, value in AS_OF_BAD:
            out.append(_case("common", f"as-of/{slug}", command, "error", as_of=value))
        for slug, value in AS_OF_EDGE:
            # before the first round nothing exists: a clean error (or empty rounds); far in the
            # future: the latest data. Either way the message must not blame the day itself
            # wrongly (see notes in the catalogue).
            mention = NOT_SNAPSHOT if value[:4] in ("2262", "9999") else None
            out.append(
                _case("common", f"as-of/{slug}", command, "any-clean", as_of=value, timeout=120,
                      mention=mention)
            )  # fmt: skip
        out.append(_case("common", "source/missing", command, source="/nonexistent/feed.json"))
        out.append(_case("common", "source/empty-path", command, source=""))
        if command != "data":
            out.append(_case("common", "format/xml", command, "error", format="xml"))
            out.append(_case("common", "format/upper", command, "error", format="CSV"))
    return out


def _rounds() -> list[ArgCase]:
    return [
        _case("rounds", "category/unknown", "rounds", category="atlantis"),
        _case("rounds", "category/empty", "rounds", category=""),
        _case("rounds", "category/upper", "rounds", "any-clean", category="CEC"),
        _case("rounds", "category/many", "rounds", "any-clean", category=tuple(["cec"] * 1000)),
    ]


def _simulate() -> list[ArgCase]:
    draws = [
        ("zero", "cec:0", "error", {}),
        ("negative", "cec:-1", "error", {}),
        ("words", "cec:abc", "error", {}),
        ("no-category", ":100", "error", {}),
        ("no-count", "cec:", "error", {}),
        ("no-colon", "cec", "error", {}),
        ("fraction", "cec:3.5", "error", {}),
        ("exponent", "cec:1e3", "error", {}),
        ("bad-day", "cec:100@soon", "error", {}),
        ("feb-30", "cec:100@2025-02-30", "error", {}),
        ("400-digits", f"cec:{DIGITS_400}", "error", {"note": "a 400-digit count"}),
        ("int64-plus-1", "cec:9223372036854775808", "any-clean", {"forbid": NEGATIVE_WRAP}),
        ("int64-max", "cec:9223372036854775807", "any-clean", {"forbid": NEGATIVE_WRAP}),
        ("1e20", "cec:100000000000000000000", "any-clean", {"forbid": NEGATIVE_WRAP}),
        ("thousands", "cec:1,000", "any-clean", {}),
        ("underscore", "cec:1_000", "any-clean", {}),
        ("arabic-digits", "cec:١٠٠٠", "any-clean", {}),
        ("upper", "CEC:1000", "any-clean", {}),
        ("unknown-category", "atlantis:100", "any-clean", {}),
        ("bad-slug", "c e c:100", "error", {}),
        ("spaces", " cec : 100 ", "any-clean", {}),
        ("two-ats", "cec:100@2026-01-01@2026-02-01", "error", {}),
        ("day-9999", "cec:100@9999-12-31", "any-clean", {"timeout": 120, "mention": NOT_SNAPSHOT}),
        ("day-2262", "cec:100@2262-04-12", "any-clean", {"mention": NOT_SNAPSHOT}),
        ("day-year-1", "cec:100@0001-01-01", "any-clean", {}),
        ("day-before-as-of", "cec:100@2020-01-01", "any-clean", {}),
        ("bigger-than-pool", "cec:10000000", "any-clean", {}),
        ("bigger-than-float", "cec:" + "9" * 310, "error", {}),
    ]
    out = [
        _case("simulate", f"draw/{slug}", "simulate", oracle, draw=value, **meta)
        for slug, value, oracle, meta in draws
    ]
    out += [
        _case("simulate", "no-draw", "simulate", base=False, format="csv"),
        _case(
            "simulate",
            "many-draws",
            "simulate",
            "any-clean",
            draw=[f"cec:100@2026-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(300)],
            timeout=120,
            heavy=True,
        ),  # fmt: skip
        _case("simulate", "paths/zero", "simulate", paths="0"),
        _case("simulate", "paths/negative", "simulate", paths="-1"),
        _case("simulate", "paths/exponent", "simulate", paths="1e3"),
        _case(
            "simulate",
            "paths/1e8",
            "simulate",
            "any-clean",
            paths="100000000",
            heavy=True,
            timeout=60,
            note="100 million paths: refuse, or finish, in a minute",
        ),  # fmt: skip
        _case(
            "simulate",
            "paths/int64",
            "simulate",
            "any-clean",
            paths="9223372036854775807",
            heavy=True,
            timeout=60,
        ),  # fmt: skip
        _case("simulate", "seed/negative", "simulate", "any-clean", seed="-1", paths="20"),
        _case("simulate", "seed/2^64", "simulate", "any-clean", seed=str(2**64), paths="20"),
        _case("simulate", "seed/2^200", "simulate", "any-clean", seed=str(2**200), paths="20"),
        _case("simulate", "seed/words", "simulate", seed="abc"),
        _case(
            "simulate",
            "schedule/missing",
            "simulate",
            base=False,
            format="csv",
            schedule="/nonexistent/plan.toml",
        ),  # fmt: skip
    ]
    return out


def _forecast() -> list[ArgCase]:
    out = []
    for command in ("forecast", "backtest"):
        extra = {"timeout": 180} if command == "backtest" else {}
        out += [
            _case(command, "horizon/zero", command, horizon="0"),
            _case(command, "horizon/negative", command, horizon="-1"),
            _case(
                command,
                "horizon/1000",
                command,
                "any-clean",
                horizon="1000",
                heavy=True,
                timeout=180,
            ),  # fmt: skip
            _case(
                command,
                "horizon/1e20",
                command,
                "any-clean",
                horizon="100000000000000000000",
                heavy=True,
                timeout=180,
            ),  # fmt: skip
            _case(command, "level/zero", command, level=("0",)),
            _case(command, "level/100", command, level=("100",)),
            _case(command, "level/negative", command, level=("-5",)),
            _case(command, "level/fraction", command, level=("99.5",)),
            _case(command, "level/dup", command, "any-clean", level=("80", "80"), **extra),
            _case(command, "jobs/zero", command, "any-clean", jobs="0", **extra),
            _case(command, "jobs/negative", command, "any-clean", jobs="-1", **extra),
            _case(
                command, "jobs/1000", command, "any-clean", jobs="1000", heavy=True, timeout=240
            ),  # fmt: skip
            _case(command, "category/unknown", command, category="atlantis"),
            _case(command, "category/empty", command, category=""),
            _case(command, "category/inactive", command, "any-clean", category="stem", **extra),
        ]
    out += [
        _case("backtest", "start/after-end", "backtest", start="2025-06-01", end="2024-01-01"),
        _case("backtest", "start/future", "backtest", "any-clean", start="2030-01-01"),
        _case(
            "backtest",
            "start/year-1",
            "backtest",
            "any-clean",
            start="0001-01-01",
            heavy=True,
            timeout=300,
        ),  # fmt: skip
        _case("backtest", "end/year-9999", "backtest", "any-clean", end="9999-12-31", timeout=180),
        _case("backtest", "start/bad", "backtest", start="2025-13-01"),
    ]
    return out


def _backlog() -> list[ArgCase]:
    return [
        _case("backlog", "weeks/zero", "backlog", weeks="0"),
        _case("backlog", "weeks/negative", "backlog", weeks="-1"),
        _case(
            "backlog",
            "weeks/one",
            "backlog",
            "any-clean",
            weeks="1",
            mention=r"^(?!.*no active category)",
            note="a one-week projection: a result, or a message that says why",
        ),  # fmt: skip
        _case(
            "backlog",
            "weeks/two",
            "backlog",
            "any-clean",
            weeks="2",
            mention=r"^(?!.*no active category)",
        ),  # fmt: skip
        _case(
            "backlog", "weeks/10000", "backlog", "any-clean", weeks="10000", heavy=True, timeout=120
        ),  # fmt: skip
        _case(
            "backlog", "weeks/1e12", "backlog", "any-clean", weeks="1000000000000", heavy=True
        ),  # fmt: skip
        _case("backlog", "threshold/negative", "backlog", threshold=("-1",)),
        _case("backlog", "threshold/1201", "backlog", threshold=("1201",)),
        _case("backlog", "threshold/huge", "backlog", threshold=("99999999999999999999",)),
        _case("backlog", "threshold/zero", "backlog", "any-clean", threshold=("0",)),
        _case(
            "backlog",
            "threshold/many",
            "backlog",
            "any-clean",
            threshold=tuple(str(s) for s in range(0, 1201, 3)),
        ),  # fmt: skip
        _case("backlog", "paths/zero", "backlog", paths="0"),
        _case("backlog", "paths/1e8", "backlog", "any-clean", paths="100000000", heavy=True),
        _case("backlog", "seed/negative", "backlog", "any-clean", seed="-1"),
    ]


def _odds() -> list[ArgCase]:
    within_bad = [("empty", ""), ("zero", "0m"), ("negative", "-3m"), ("unit", "3x"),
                  ("nan", "nanm"), ("words", "soon"), ("no-unit", "6")]  # fmt: skip
    within_edge = [("fraction", "1.5m"), ("space", "3 m"), ("upper", "6M"), ("years", "2y"),
                   ("1e9-months", "999999999m"), ("20-digit-months", "99999999999999999999m"),
                   ("days-1", "1d"), ("weeks-10000", "10000w")]  # fmt: skip
    out = [
        _case("odds", "score/negative", "odds", score="-1"),
        _case("odds", "score/1201", "odds", score="1201"),
        _case("odds", "score/huge", "odds", score="1" + "0" * 30),
        _case("odds", "score/words", "odds", score="abc"),
        _case("odds", "score/fraction", "odds", score="480.5"),
        _case("odds", "category/unknown", "odds", category="atlantis"),
        _case("odds", "category/bad-slug", "odds", category="C E C"),
        _case("odds", "paths/zero", "odds", paths="0"),
        _case("odds", "paths/1e8", "odds", "any-clean", paths="100000000", heavy=True),
        _case("odds", "seed/negative", "odds", "any-clean", seed="-1"),
    ]
    out += [_case("odds", f"within/{s}", "odds", within=v) for s, v in within_bad]
    out += [
        _case("odds", f"within/{s}", "odds", "any-clean", within=v, heavy="9999" in v, timeout=120)
        for s, v in within_edge
    ]
    return out


def _by_size() -> list[ArgCase]:
    return [
        _case("by-size", "size/zero", "by-size", size=("0",)),
        _case("by-size", "size/negative", "by-size", size=("-1",)),
        _case(
            "by-size",
            "size/1e30",
            "by-size",
            "any-clean",
            size=("1" + "0" * 30,),
            forbid=NEGATIVE_WRAP,
        ),  # fmt: skip
        _case(
            "by-size",
            "size/int64-plus-1",
            "by-size",
            "any-clean",
            size=("9223372036854775808",),
            forbid=NEGATIVE_WRAP,
        ),  # fmt: skip
        _case("by-size", "size/exponent", "by-size", size=("1e30",)),
        _case("by-size", "size/bigger-than-pool", "by-size", "any-clean", size=("10000000",)),
        _case("by-size", "size/default", "by-size", "any-clean", size=None),
        _case("by-size", "date/bad", "by-size", date="2025-02-30"),
        _case(
            "by-size",
            "date/year-9999",
            "by-size",
            "any-clean",
            date="9999-12-31",
            mention=NOT_SNAPSHOT,
        ),
        _case("by-size", "date/year-1", "by-size", "any-clean", date="0001-01-01"),
        _case("by-size", "date/past", "by-size", "any-clean", date="2016-01-01"),
        _case("by-size", "category/unknown", "by-size", category="atlantis"),
        _case("by-size", "category/inactive", "by-size", "any-clean", category="stem"),
        _case("by-size", "paths/zero", "by-size", paths="0"),
    ]


def _update() -> list[ArgCase]:
    """Arguments of ``update`` that a correct tool refuses before any network access.

    Runs with ``www.canada.ca`` mapped to 127.0.0.1 (nothing listens on 443: connection refused),
    so nothing leaves the machine; :mod:`fuzz.updates` has the cases with a server.
    """
    urls = [
        ("bad-ipv6", "https://[bad/x", "error"),
        ("http", "http://www.canada.ca/x.json", "error"),
        ("ftp", "ftp://www.canada.ca/x.json", "error"),
        ("file", "file:///etc/passwd", "error"),
        ("empty", "", "error"),
        ("no-scheme", "www.canada.ca/x.json", "error"),
        ("foreign", "https://example.org/x.json", "error"),
        ("userinfo-trick", "https://www.canada.ca@example.org/x.json", "error"),
        ("trailing-dot", "https://www.canada.ca./x.json", "any-clean"),
        ("port-out-of-range", "https://www.canada.ca:99999/x.json", "error"),
        ("port-words", "https://www.canada.ca:abc/x.json", "error"),
        ("upper-case", "HTTPS://WWW.CANADA.CA/x.json", "any-clean"),
        ("newline", "https://www.canada.ca/x.json\nHost: example.org", "error"),
        ("space", "https://www.canada.ca/x y.json", "any-clean"),
        ("nul", "https://www.canada.ca/x\x00.json", "error"),
    ]
    out = [
        _case("update", f"url/{slug}", "update", oracle, url=value, timeout=30)
        for slug, value, oracle in urls
        if "\x00" not in value  # argv cannot hold NUL
    ]
    for slug, value in [("zero", "0"), ("negative", "-1"), ("inf", "inf"), ("nan", "nan"),
                        ("tiny", "1e-9"), ("huge", "1e308"), ("words", "soon")]:  # fmt: skip
        out.append(_case("update", f"timeout/{slug}", "update", "error", net_timeout=value,
                         mention=r"(?i)timeout"))  # fmt: skip
    for slug, value in [("zero", "0"), ("negative", "-1"), ("words", "lots")]:
        out.append(_case("update", f"max-bytes/{slug}", "update", "error", max_bytes=value,
                         mention=r"(?i)max.bytes|bytes"))  # fmt: skip
    return out


def _global() -> list[ArgCase]:
    def raw(cid, args, oracle="error", **meta):
        return ArgCase("args:global", f"args/global/{cid}", tuple(args), oracle, **meta)

    return [
        raw("no-command", []),
        raw("unknown-command", ["frobnicate"]),
        raw("unknown-option", ["rounds", "--frobnicate"]),
        raw("option-without-value", ["rounds", "--as-of"]),
        raw("format-without-value", ["rounds", "--format"]),
        raw("version", ["--version"], "any-clean"),
        raw("double-dash", ["rounds", "--", "--format"]),
        raw("abbreviated-option", ["rounds", "--form", "csv", "--source", _src()], "any-clean"),
    ]


def catalogue() -> list[ArgCase]:
    cases = (
        _common() + _rounds() + _simulate() + _forecast() + _backlog() + _odds() + _by_size()
        + _update() + _global()
    )  # fmt: skip
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise AssertionError(f"duplicate argument case ids: {dup[:5]}")
    return cases
