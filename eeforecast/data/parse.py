"""Reading IRCC's rounds feed: every quirk of its values and layout in one place.

IRCC's feed has every value a string, counts with thousands separators, dates and times in free
text, pool snapshots in CRS bands repeated across the rounds of a week and all-zero bands where no
snapshot was published (see ``data/raw/README.md``). :func:`parse_count`, :func:`parse_date` and
:func:`parse_timestamp` read single values; :func:`parse_feed` turns a whole feed into a
:class:`~eeforecast.data.feed.Feed` of tidy frames.

Data-quality findings that do not stop the reading (a subtotal that disagrees with its bands, a
snapshot republished with other numbers, a snapshot dated after its round) are collected in
:attr:`Feed.issues` and emitted as :class:`~eeforecast.data.feed.FeedWarning`.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
import warnings

import numpy as np
import pandas as pd

from ..checks import FIRST_DAY, LAST_DAY, MAX_COUNT
from ..errors import FeedError
from ..scores import BANDS
from .categories import categorize
from .feed import (
    LEAF_FIELDS,
    REQUIRED,
    ROUND_COLUMNS,
    STALE_SNAPSHOT_DAYS,
    SUBTOTALS,
    Feed,
    SnapshotRevision,
)

__all__ = ["parse_count", "parse_date", "parse_feed", "parse_timestamp"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}


#: An ISO day, not inside a longer run of digits ("12025-12-17" and "2025-12-170" are no day).
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")

#: A count as text: plain digits, or digits grouped by threes with one kind of separator
#: (",", a space, a no-break space or a narrow no-break space), optionally ".0"/".00" after it.
_COUNT = re.compile(r"\+?(\d+|\d{1,3}(?P<sep>[, \u00a0\u202f])\d{3}(?:(?P=sep)\d{3})*)(\.0+)?")

#: Days after a round's day that its tie-break time may fall on without a finding [days].
TIE_BREAK_SLACK_DAYS = 2

#: More digits than any plausible count has: refused before converting [digits].
_MAX_DIGITS = 30


_TEXT_DATE = re.compile(r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b[\s,.]*(\d{4})?", re.IGNORECASE)


_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def parse_count(text: object, *, where: str) -> int:
    """Parse an IRCC count such as ``"27,332"`` or ``" 1 500 "`` [candidates].

    A thousands separator must group the digits by threes (``"1,5"``, ``"12,34"``, ``",1500"``
    and ``"1,,500"`` are refused, not read as 15, 1234 or 1500); a JSON number must be whole; a
    count above :data:`eeforecast.checks.MAX_COUNT` is refused as implausible. Raises
    :class:`~eeforecast.errors.FeedError` naming ``where`` when the text is not such a count.

    Examples
    --------
    >>> parse_count("27,332", where="round #176, drawSize")
    27332
    >>> parse_count("1,5", where="round #388, field 'drawSize'")
    Traceback (most recent call last):
    ...
    eeforecast.errors.FeedError: round #388, field 'drawSize': expected a whole number, got '1,5'
    """
    if isinstance(text, bool) or not isinstance(text, str | int | float | np.integer | np.floating):
        raise FeedError(f"{where}: expected a count, got {_kind(text)}")
    if isinstance(text, int | np.integer):
        value = int(text)
    elif isinstance(text, float | np.floating):
        text = float(text)
        if not (math.isfinite(text) and text == int(text)):
            raise FeedError(f"{where}: expected a whole number, got {text!r}")
        value = int(text)
    else:
        cleaned = text.strip()
        if sum(c.isdigit() for c in cleaned) > _MAX_DIGITS:
            raise FeedError(
                f"{where}: implausible count of {sum(c.isdigit() for c in cleaned):,} digits "
                f"(at most {MAX_COUNT:,} candidates)"
            )
        if re.fullmatch(r"\+?\d{1,3}(\.\d{3})+", cleaned):
            raise FeedError(
                f"{where}: ambiguous number {text!r} (a dot as thousands separator? IRCC writes "
                "1,500)"
            )
        match = _COUNT.fullmatch(cleaned)
        if not match:
            raise FeedError(f"{where}: expected a whole number, got {_clip(text)!r}")
        value = int(re.sub(r"\D", "", match.group(1)))
    if value < 0:
        raise FeedError(f"{where}: expected a non-negative count, got {_clip(text)!r}")
    if value > MAX_COUNT:
        raise FeedError(
            f"{where}: implausible count {_clip(value)} (more than {MAX_COUNT:,} candidates)"
        )
    return value


def _clip(value: object) -> object:
    """A value short enough for an error line."""
    text = f"{value:,}" if isinstance(value, int) else str(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text):,} characters)"


def _kind(value: object) -> str:
    """How a JSON value is named in an error: ``a list``, ``true``, ``an object``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return repr(_clip(value))


def _text(value: object, *, where: str) -> str:
    """A text field: a JSON string (spaces collapsed); other JSON types are refused, not turned
    into text (``false`` is no round type), and so is text that cannot be written out (a lone
    surrogate escape such as ``\\ud800``)."""
    if not isinstance(value, str):
        raise FeedError(f"{where}: expected text, got {_kind(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FeedError(
            f"{where}: invalid text (an unpaired surrogate escape at character {exc.start})"
        ) from None
    return " ".join(value.split())


def _implausible(text: object, where: str) -> FeedError:
    """The error for a day outside :data:`eeforecast.checks.FIRST_DAY` .. ``LAST_DAY``."""
    return FeedError(
        f"{where}: implausible date {_clip(text)!r} (eeforecast reads days from "
        f"{FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d})"
    )


def _date_parts(text: str) -> tuple[int | None, int, int] | None:
    """(year or None, month, day) from an ISO or a free-text English date, else None."""
    iso = _ISO_DATE.search(text)
    if iso:
        return int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    for match in _TEXT_DATE.finditer(text):
        month = _MONTHS.get(match.group(1).lower())
        if month is not None:
            year = int(match.group(3)) if match.group(3) else None
            return year, month, int(match.group(2))
    return None


def parse_date(text: object, *, where: str) -> pd.Timestamp:
    """Parse a day such as ``"2025-12-17"``, ``"December 17, 2025"`` or ``"March 02. 2024"``.

    Examples
    --------
    >>> parse_date("March 02. 2024", where="x")
    Timestamp('2024-03-02 00:00:00')
    """
    if not isinstance(text, str):
        raise FeedError(f"{where}: expected a date as text, got {_kind(text)}")
    parts = _date_parts(text)
    if parts is None or parts[0] is None:
        raise FeedError(f"{where}: cannot read a date from {_clip(text)!r}")
    try:
        day = _dt.date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise FeedError(f"{where}: invalid date {_clip(text)!r} ({exc})") from None
    if not FIRST_DAY.date() <= day <= LAST_DAY.date():
        raise _implausible(text, where)
    return pd.Timestamp(day)


def parse_timestamp(text: object, *, reference: pd.Timestamp, where: str) -> pd.Timestamp:
    """Parse IRCC's free-text UTC times, e.g. ``"June 4th 2025 at 12:35:37 UTC"``.

    Handles ordinal days, missing commas or spaces (``"at12:48:30"``), a redundant ISO date
    (``"August 15, 2024 at 2024-08-15 15:11:54 UTC"``), 24-hour times with a stray ``AM``/``PM``
    (``"15:48:39 AM UTC"``: the 24-hour reading wins), a missing year (``"October 7 at 16:38:21"``:
    the latest such day on or before ``reference``) and a missing ``UTC`` (UTC is assumed).
    Returns NaT for blank text.

    Examples
    --------
    >>> parse_timestamp("October 7 at 16:38:21 UTC", reference=pd.Timestamp("2021-10-27"), where="x")
    Timestamp('2021-10-07 16:38:21+0000', tz='UTC')
    """
    if text is None:
        return pd.NaT
    if not isinstance(text, str):
        raise FeedError(f"{where}: expected a time as text, got {_kind(text)}")
    text = " ".join(text.split())
    if not text:
        return pd.NaT
    parts = _date_parts(text)
    if parts is None:
        raise FeedError(f"{where}: cannot read a date from {_clip(text)!r}")
    year, month, day = parts
    if year is not None and not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise _implausible(text, where)  # FIRST_DAY and LAST_DAY are a year's first and last
    # Look for the time after the date so that "2024-08-15 15:11:54" reads its time part.
    time_match = None
    for candidate in _TIME.finditer(text):
        time_match = candidate
    hour = minute = second = 0
    if time_match:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
        second = int(time_match.group(3) or 0)
        meridiem = (time_match.group(4) or "").lower().replace(".", "")
        if meridiem == "pm" and hour < 12:
            hour += 12
        elif meridiem == "am" and hour == 12:
            hour = 0
    try:
        if year is None:
            year = reference.year
            if pd.Timestamp(year=year, month=month, day=day) > reference:
                year -= 1
        stamp = pd.Timestamp(
            year=year, month=month, day=day, hour=hour, minute=minute, second=second, tz="UTC"
        )
    except ValueError as exc:
        raise FeedError(f"{where}: invalid date/time {_clip(text)!r} ({exc})") from None
    return stamp


def _round_label(raw: dict, index: int) -> str:
    number = raw.get("drawNumber") if isinstance(raw, dict) else None
    if isinstance(number, str) and number.strip() and len(number) <= 40:
        return f"round #{number.strip()}"
    if isinstance(number, int) and not isinstance(number, bool) and len(str(number)) <= 40:
        return f"round #{number}"
    return f"round at index {index}"


def _draw_number(value: object, *, where: str) -> str:
    """drawNumber as text: IRCC writes ``"388"`` or ``"91a"``; a whole JSON number (``388`` or
    ``388.0``) is read as its digits; other types are refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return _text(value, where=where)


def _parse_round(raw: object, index: int, issues: list) -> tuple[dict, dict | None]:
    """One IRCC round -> (our round record, its snapshot record or None); findings are appended
    to ``issues`` as ``(text, kind)`` (:data:`eeforecast.data.feed.KINDS`)."""
    if not isinstance(raw, dict):
        raise FeedError(f"round at index {index}: expected an object, got {type(raw).__name__}")
    label = _round_label(raw, index)
    for name in REQUIRED:
        if name not in raw or raw[name] is None:
            raise FeedError(f"{label}: missing field {name!r}")
    number = _draw_number(raw["drawNumber"], where=f"round at index {index}, field 'drawNumber'")
    if not number:
        raise FeedError(f"round at index {index}: empty field 'drawNumber'")
    date_text = raw["drawDate"]
    if isinstance(date_text, str) and not date_text.strip() and raw.get("drawDateFull"):
        date_text = raw["drawDateFull"]
    date = parse_date(date_text, where=f"{label}, field 'drawDate'")
    programs = raw.get("drawText2")
    record = {
        "draw_number": number,
        "date": date,
        "name": _text(raw["drawName"], where=f"{label}, field 'drawName'"),
        "invitations": parse_count(raw["drawSize"], where=f"{label}, field 'drawSize'"),
        "cutoff": parse_count(raw["drawCRS"], where=f"{label}, field 'drawCRS'"),
        "tie_break": parse_timestamp(
            raw.get("drawCutOff"), reference=date, where=f"{label}, field 'drawCutOff'"
        ),
        "programs": ""
        if programs is None
        else _text(programs, where=f"{label}, field 'drawText2'"),
    }
    if not record["name"]:
        raise FeedError(f"{label}: empty field 'drawName' (the round type)")
    if record["invitations"] == 0:
        issues.append((f"{label}: field 'drawSize' is 0 (a round that invited nobody?)", "warning"))
    if record["cutoff"] > 1200:
        raise FeedError(f"{label}, field 'drawCRS': CRS score {record['cutoff']} is above 1200")
    record["category"] = categorize(record["name"])
    # IRCC's tie-break times are in UTC and can fall on the day after the round (#139): only a
    # time more than TIE_BREAK_SLACK_DAYS after the round's day is reported
    if (
        pd.notna(record["tie_break"])
        and (record["tie_break"].tz_localize(None) - date).days > TIE_BREAK_SLACK_DAYS
    ):
        issues.append(
            (
                f"{label}: tie-break time (drawCutOff) {record['tie_break']:%Y-%m-%d %H:%M} UTC "
                f"is after the round ({date:%Y-%m-%d})",
                "warning",
            )
        )

    present = [name for name in LEAF_FIELDS.values() if name in raw]
    as_of_text = raw.get("drawDistributionAsOn")
    if as_of_text is None:
        as_of_text = ""
    if isinstance(as_of_text, str):
        as_of_text = as_of_text.strip()
    snapshot = None
    if present:
        missing = [name for name in LEAF_FIELDS.values() if name not in raw]
        if missing:
            raise FeedError(f"{label}: missing field {missing[0]!r} (pool band)")
        counts = {
            name: parse_count(raw[name], where=f"{label}, field {name!r}")
            for name in (*LEAF_FIELDS.values(), *SUBTOTALS)
            if name in raw
        }
        leaves = [counts[LEAF_FIELDS[band]] for band in BANDS]
        if sum(leaves) > 0:
            if not as_of_text:
                raise FeedError(f"{label}: pool bands given but field 'drawDistributionAsOn' empty")
            as_of = parse_date(as_of_text, where=f"{label}, field 'drawDistributionAsOn'")
            for subtotal, parts in SUBTOTALS.items():
                if subtotal in counts and counts[subtotal] != sum(counts[p] for p in parts):
                    issues.append(
                        (
                            f"{label}: subtotal {subtotal} = {counts[subtotal]:,} but its bands "
                            f"add to {sum(counts[p] for p in parts):,}; the bands are used",
                            "note",
                        )
                    )
            if as_of > date:
                issues.append(
                    (
                        f"{label}: pool snapshot dated {as_of:%Y-%m-%d}, after the round "
                        f"({date:%Y-%m-%d})",
                        "warning",
                    )
                )
            elif (date - as_of).days > STALE_SNAPSHOT_DAYS:
                issues.append(
                    (
                        f"{label}: pool snapshot dated {as_of:%Y-%m-%d}, {(date - as_of).days} "
                        f"days before the round ({date:%Y-%m-%d}); a date typo?",
                        "warning",
                    )
                )
            snapshot = {
                "as_of": as_of,
                "leaves": leaves,
                "total": counts.get("dd18", sum(leaves)),
                "label": label,
            }
    record["distribution_as_of"] = snapshot["as_of"] if snapshot else pd.NaT
    return record, snapshot


def parse_feed(payload: str | bytes | dict, *, source: str = "<feed>") -> Feed:
    """Parse an IRCC-format feed (JSON text, bytes or the decoded object) into a :class:`Feed`.

    Raises
    ------
    FeedError
        Not JSON, truncated, no ``rounds`` list, a round without a required field, a count that is
        not a number, a duplicate round number or a date that cannot be read. The message names the
        round and field.
    """
    if isinstance(payload, bytes | bytearray):
        try:
            payload = payload.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            hint = ""
            if bytes(payload[:2]) == b"\x1f\x8b":
                hint = "; it is gzip-compressed: decompress it first (gunzip)"
            elif bytes(payload[:4]) in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
                hint = "; it looks like UTF-32: save it as UTF-8"
            elif bytes(payload[:2]) in (b"\xff\xfe", b"\xfe\xff"):
                hint = "; it looks like UTF-16: save it as UTF-8"
            raise FeedError(
                f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start}){hint}"
            ) from None
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise FeedError(
                f"{source}: not valid JSON (truncated or corrupt?): {exc.msg} at line "
                f"{exc.lineno} column {exc.colno}"
            ) from None
        except RecursionError:
            raise FeedError(
                f"{source}: JSON nested deeper than Python can read (no feed needs more than "
                "3 levels)"
            ) from None
        except ValueError:  # a JSON number of more than 4,300 digits
            raise FeedError(
                f"{source}: a JSON number of more than 4,300 digits (no count has more than 8)"
            ) from None
    if not isinstance(payload, dict) or "rounds" not in payload:
        raise FeedError(f"{source}: no 'rounds' list (is this IRCC's Express Entry rounds feed?)")
    raw_rounds = payload["rounds"]
    if not isinstance(raw_rounds, list):
        raise FeedError(f"{source}: 'rounds' is a {type(raw_rounds).__name__}, expected a list")

    # key -> (earliest round's date, text, kind)
    found: dict[str, tuple[pd.Timestamp, str, str]] = {}

    def note(key: str, day: pd.Timestamp, kind: str, text: str | None = None) -> None:
        """Record a finding once, dated (and worded) by the earliest round that shows it."""
        if key not in found or day < found[key][0]:
            found[key] = (day, key if text is None else text, kind)

    today = pd.Timestamp.now().normalize()
    records, versions, seen = [], {}, {}
    for index, raw in enumerate(raw_rounds):
        issues: list[tuple[str, str]] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            record, snapshot = _parse_round(raw, index, issues)
        number, day = record["draw_number"], record["date"]
        if number in seen:
            raise FeedError(
                f"round #{number}: duplicate round number (indexes {seen[number]} and {index})"
            )
        seen[number] = index
        records.append(record)
        if day > today:
            issues.append(
                (
                    f"round #{number}: dated {day:%Y-%m-%d}, after today ({today:%Y-%m-%d}); "
                    "a typo?",
                    "warning",
                )
            )
        for text, kind in issues:
            note(text, day, kind)
        for warning in caught:  # new round types: said once, naming the type's first round
            note(str(warning.message), day, "warning", f"round #{number}: {warning.message}")
        if snapshot is not None:
            versions.setdefault(snapshot["as_of"], []).append({**snapshot, "date": day, "i": index})
    snapshots, revisions = {}, []
    for as_of, carried in versions.items():
        # in publication order (IRCC lists the newest round first, so a later index is older)
        carried.sort(key=lambda v: (v["date"], -v["i"]))
        distinct = [carried[0]]
        for version in carried[1:]:
            if (version["leaves"], version["total"]) != (
                distinct[-1]["leaves"],
                distinct[-1]["total"],
            ):
                note(
                    f"{version['label']}: pool snapshot of {as_of:%Y-%m-%d} differs from the one "
                    f"given with {distinct[-1]['label']}; each is used from its round's date on",
                    version["date"],
                    "warning",
                )
                distinct.append(version)
        for old, new in zip(distinct[:-1], distinct[1:], strict=False):
            revisions.append(
                SnapshotRevision(
                    as_of, old["date"], new["date"], tuple(old["leaves"]), old["total"]
                )
            )
        snapshots[as_of] = distinct[-1]
    # the same band counts under two dates: IRCC republished a snapshot under a new date
    days = sorted(snapshots)
    for before, after in zip(days[:-1], days[1:], strict=True):
        if snapshots[before]["leaves"] == snapshots[after]["leaves"]:
            note(
                f"{snapshots[after]['label']}: pool snapshot of {after:%Y-%m-%d} has the same "
                f"band counts as that of {before:%Y-%m-%d} (given with "
                f"{snapshots[before]['label']}); both are kept",
                max(snapshots[before]["date"], snapshots[after]["date"]),  # known once both are
                "note",
            )

    # a round that invites more candidates than the largest pool the feed publishes: implausible
    largest = max((sum(s["leaves"]) for s in snapshots.values()), default=0)
    if largest:
        for record in records:
            if record["invitations"] > largest:
                note(
                    f"round #{record['draw_number']}: field 'drawSize' is "
                    f"{record['invitations']:,}, more than the largest pool the feed publishes "
                    f"({largest:,} candidates); a typo?",
                    record["date"],
                    "warning",
                )
    rounds = pd.DataFrame.from_records(records, columns=ROUND_COLUMNS)
    rounds = _tidy_rounds(rounds)
    snap_frame, totals = _tidy_snapshots(snapshots)
    # by (round date, text): the same order whatever day the file was cut on
    ordered = sorted(found.values())
    feed = Feed(
        rounds,
        snap_frame,
        totals,
        source=source,
        issues=tuple(text for _, text, _ in ordered),
        issue_dates=tuple(day for day, _, _ in ordered),
        issue_kinds=tuple(kind for _, _, kind in ordered),
        revisions=tuple(revisions),
    )
    feed.warn(stacklevel=3)
    return feed


def _tidy_rounds(rounds: pd.DataFrame) -> pd.DataFrame:
    rounds = rounds.astype(
        {
            "draw_number": str,
            "name": str,
            "category": str,
            "programs": str,
            "invitations": "int64",
            "cutoff": "int64",
        }
    )
    rounds["date"] = pd.to_datetime(rounds["date"]).astype("datetime64[ns]")
    rounds["distribution_as_of"] = pd.to_datetime(rounds["distribution_as_of"]).astype(
        "datetime64[ns]"
    )
    rounds["tie_break"] = pd.to_datetime(rounds["tie_break"], utc=True).astype(
        "datetime64[ns, UTC]"
    )
    # Sort by date, then by the number part of the round number ("91a" after "90").
    number = rounds["draw_number"].str.extract(r"^(\d+)", expand=False).astype(float)
    order = np.lexsort(
        (rounds["draw_number"].to_numpy(), number.fillna(-1).to_numpy(), rounds["date"].to_numpy())
    )
    return rounds.iloc[order].reset_index(drop=True)


def _tidy_snapshots(snapshots: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    days = sorted(snapshots)
    lo = np.array([band[0] for band in BANDS])
    hi = np.array([band[1] for band in BANDS])
    n = len(BANDS)
    frame = pd.DataFrame(
        {
            "as_of": np.repeat(np.array(days, dtype="datetime64[ns]"), n),
            "band_lo": np.tile(lo, len(days)),
            "band_hi": np.tile(hi, len(days)),
            "candidates": np.array([snapshots[d]["leaves"] for d in days], dtype=float).reshape(-1),
        }
    )
    frame["as_of"] = frame["as_of"].astype("datetime64[ns]")
    totals = pd.DataFrame(
        {
            "as_of": pd.Series(days, dtype="datetime64[ns]"),
            "total": np.array([snapshots[d]["total"] for d in days], dtype="int64"),
            "leaves_total": np.array([sum(snapshots[d]["leaves"]) for d in days], dtype="int64"),
        }
    )
    return frame, totals
