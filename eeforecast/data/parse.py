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

import json
import re
import warnings

import numpy as np
import pandas as pd

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


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


_TEXT_DATE = re.compile(r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?\b[\s,.]*(\d{4})?", re.IGNORECASE)


_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?", re.IGNORECASE)


def parse_count(text: object, *, where: str) -> int:
    """Parse an IRCC count such as ``"27,332"`` or ``" 1 500 "`` [candidates].

    Raises :class:`~eeforecast.errors.FeedError` naming ``where`` when the text is not a non-negative whole number.

    Examples
    --------
    >>> parse_count("27,332", where="round #176, drawSize")
    27332
    """
    if isinstance(text, bool):
        raise FeedError(f"{where}: expected a count, got {text!r}")
    if isinstance(text, int):
        value = text
    else:
        cleaned = re.sub(r"[,\s\u00a0\u202f]", "", str(text))
        if re.fullmatch(r"\+?\d{1,3}(\.\d{3})+", cleaned):
            raise FeedError(
                f"{where}: ambiguous number {text!r} (a dot as thousands separator? IRCC writes "
                "1,500)"
            )
        if not re.fullmatch(r"\+?\d+(\.0+)?", cleaned):
            raise FeedError(f"{where}: expected a whole number, got {text!r}")
        value = int(float(cleaned)) if "." in cleaned else int(cleaned)
    if value < 0:
        raise FeedError(f"{where}: expected a non-negative count, got {text!r}")
    return value


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
    parts = _date_parts(str(text))
    if parts is None or parts[0] is None:
        raise FeedError(f"{where}: cannot read a date from {text!r}")
    try:
        return pd.Timestamp(year=parts[0], month=parts[1], day=parts[2])
    except ValueError as exc:
        raise FeedError(f"{where}: invalid date {text!r} ({exc})") from None


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
    text = " ".join(str(text).split())
    if not text:
        return pd.NaT
    parts = _date_parts(text)
    if parts is None:
        raise FeedError(f"{where}: cannot read a date from {text!r}")
    year, month, day = parts
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
        return pd.Timestamp(
            year=year, month=month, day=day, hour=hour, minute=minute, second=second, tz="UTC"
        )
    except ValueError as exc:
        raise FeedError(f"{where}: invalid date/time {text!r} ({exc})") from None


def _round_label(raw: dict, index: int) -> str:
    number = raw.get("drawNumber") if isinstance(raw, dict) else None
    return (
        f"round #{str(number).strip()}" if number not in (None, "") else f"round at index {index}"
    )


def _parse_round(raw: object, index: int, issues: list) -> tuple[dict, dict | None]:
    """One IRCC round -> (our round record, its snapshot record or None); findings are appended
    to ``issues`` as ``(text, kind)`` (:data:`eeforecast.data.feed.KINDS`)."""
    if not isinstance(raw, dict):
        raise FeedError(f"round at index {index}: expected an object, got {type(raw).__name__}")
    label = _round_label(raw, index)
    for name in REQUIRED:
        if name not in raw or raw[name] is None:
            raise FeedError(f"{label}: missing field {name!r}")
    number = str(raw["drawNumber"]).strip()
    if not number:
        raise FeedError(f"round at index {index}: empty field 'drawNumber'")
    date_text = str(raw["drawDate"]).strip()
    if not date_text and raw.get("drawDateFull"):
        date_text = str(raw["drawDateFull"])
    date = parse_date(date_text, where=f"{label}, field 'drawDate'")
    record = {
        "draw_number": number,
        "date": date,
        "name": " ".join(str(raw["drawName"]).split()),
        "invitations": parse_count(raw["drawSize"], where=f"{label}, field 'drawSize'"),
        "cutoff": parse_count(raw["drawCRS"], where=f"{label}, field 'drawCRS'"),
        "tie_break": parse_timestamp(
            raw.get("drawCutOff") or "", reference=date, where=f"{label}, field 'drawCutOff'"
        ),
        "programs": " ".join(str(raw.get("drawText2") or "").split()),
    }
    if not record["name"]:
        raise FeedError(f"{label}: empty field 'drawName' (the round type)")
    if record["invitations"] == 0:
        issues.append((f"{label}: field 'drawSize' is 0 (a round that invited nobody?)", "warning"))
    if record["cutoff"] > 1200:
        raise FeedError(f"{label}, field 'drawCRS': CRS score {record['cutoff']} is above 1200")
    record["category"] = categorize(record["name"])

    present = [name for name in LEAF_FIELDS.values() if name in raw]
    as_of_text = str(raw.get("drawDistributionAsOn") or "").strip()
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
