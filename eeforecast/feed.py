"""Reading IRCC's Express Entry rounds feed into tidy frames.

IRCC publishes every round of invitations in one JSON file (see ``data/raw/README.md``): every value
a string, counts with thousands separators, dates and times in free text, pool snapshots in CRS bands
repeated across the rounds of a week, all-zero bands where no snapshot was published. This module is
the only place that knows those quirks. :data:`FIELDS` is the one map from IRCC's field names to ours;
:func:`read_feed` turns a feed into a :class:`Feed` of tidy frames; :func:`update` fetches the live feed.

Data-quality findings that do not stop the reading (a subtotal that disagrees with its bands, a
snapshot republished with other numbers, a snapshot dated after its round) are collected in
:attr:`Feed.issues` and emitted as :class:`FeedWarning`.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import config
from ._dates import as_day as _as_day
from ._io import atomic_path, atomic_write
from .categories import categorize
from .errors import EEForecastError, FeedError, UpdateError

__all__ = [
    "BANDS",
    "FIELDS",
    "Feed",
    "FeedError",
    "FeedWarning",
    "default_source",
    "load_feed",
    "parse_feed",
    "read_feed",
    "update",
    "write_processed",
]

#: IRCC field name -> our column name (rounds).
FIELDS: dict[str, str] = {
    "drawNumber": "draw_number",
    "drawDate": "date",
    "drawName": "name",
    "drawSize": "invitations",
    "drawCRS": "cutoff",
    "drawCutOff": "tie_break",
    "drawText2": "programs",
    "drawDistributionAsOn": "distribution_as_of",
}

#: Fields a round must have.
REQUIRED = ("drawNumber", "drawDate", "drawName", "drawSize", "drawCRS")

#: The 15 leaf bands of a pool snapshot, ascending, with IRCC's field for each [CRS points].
LEAF_FIELDS: dict[tuple[int, int], str] = {
    (0, 300): "dd17",
    (301, 350): "dd16",
    (351, 400): "dd15",
    (401, 410): "dd14",
    (411, 420): "dd13",
    (421, 430): "dd12",
    (431, 440): "dd11",
    (441, 450): "dd10",
    (451, 460): "dd8",
    (461, 470): "dd7",
    (471, 480): "dd6",
    (481, 490): "dd5",
    (491, 500): "dd4",
    (501, 600): "dd2",
    (601, 1200): "dd1",
}
BANDS: list[tuple[int, int]] = list(LEAF_FIELDS)

#: IRCC subtotal field -> the leaf fields it should equal the sum of.
SUBTOTALS: dict[str, tuple[str, ...]] = {
    "dd3": ("dd4", "dd5", "dd6", "dd7", "dd8"),  # 451-500
    "dd9": ("dd10", "dd11", "dd12", "dd13", "dd14"),  # 401-450
    "dd18": tuple(LEAF_FIELDS.values()),  # total
}

ROUND_COLUMNS = [
    "draw_number",
    "date",
    "name",
    "category",
    "invitations",
    "cutoff",
    "tie_break",
    "programs",
    "distribution_as_of",
]

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


#: A round's pool snapshot dated more days before it than this is reported (at most 20 days
#: in the bundled feed: #298 of 2024-06-19 carried the snapshot of 2024-05-30) [days].
STALE_SNAPSHOT_DAYS = 60


class FeedWarning(UserWarning):
    """A data-quality finding in an IRCC feed that did not stop the reading."""


# --- parsing of single values -----------------------------------------------------------------


def parse_count(text: object, *, where: str) -> int:
    """Parse an IRCC count such as ``"27,332"`` or ``" 1 500 "`` [candidates].

    Raises :class:`FeedError` naming ``where`` when the text is not a non-negative whole number.

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


# --- the feed ---------------------------------------------------------------------------------


class SnapshotRevision(NamedTuple):
    """A pool snapshot as one round published it before a later round republished it changed.

    ``as_of`` the snapshot's date; ``published`` and ``until`` the dates of the round that gave
    this version and of the one that replaced it; ``leaves`` the 15 leaf bands in
    :data:`BANDS` order [candidates]; ``total`` IRCC's total for it [candidates].
    """

    as_of: pd.Timestamp
    published: pd.Timestamp
    until: pd.Timestamp
    leaves: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class Feed:
    """IRCC's rounds feed as tidy frames.

    Attributes
    ----------
    rounds : pandas.DataFrame
        One row per round, sorted by ``date`` then ``draw_number``: ``draw_number`` (text, "91a"
        exists), ``date``, ``name`` (IRCC's round type), ``category`` (our slug),
        ``invitations`` [candidates], ``cutoff`` [CRS points], ``tie_break`` (UTC; NaT where IRCC
        gives none), ``programs``, ``distribution_as_of`` (day of the pool snapshot published with
        the round; NaT where none was published).
    snapshots : pandas.DataFrame
        Tidy pool snapshots, one row per (``as_of``, band) over the 15 leaf bands:
        ``as_of, band_lo, band_hi, candidates`` [candidates]. Unpublished (all-zero) snapshots are
        absent.
    totals : pandas.DataFrame
        ``as_of, total, leaves_total``: IRCC's published total and the sum of the leaf bands
        [candidates]; the leaves are authoritative.
    as_of : pandas.Timestamp or None
        The day the feed was cut at (see :meth:`truncate`), or None.
    source : str
        Where the feed was read from.
    issues : tuple of str
        Data-quality findings (each names the round).
    issue_dates : tuple of pandas.Timestamp
        The date of the round each finding comes from (:meth:`truncate` keeps the findings of
        the rounds it keeps).
    revisions : tuple of SnapshotRevision
        Earlier versions of snapshots that a later round republished with other numbers;
        :meth:`truncate` puts back the version that was public on its day.
    """

    rounds: pd.DataFrame
    snapshots: pd.DataFrame
    totals: pd.DataFrame
    as_of: pd.Timestamp | None = None
    source: str = ""
    issues: tuple[str, ...] = field(default=())
    issue_dates: tuple[pd.Timestamp, ...] = field(default=())
    revisions: tuple[SnapshotRevision, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.issue_dates) not in (0, len(self.issues)):
            raise FeedError(
                f"issue_dates: {len(self.issue_dates)} dates for {len(self.issues)} issues"
            )
        if self.issues and not self.issue_dates:  # undated findings are kept by truncate
            object.__setattr__(self, "issue_dates", (pd.NaT,) * len(self.issues))

    def truncate(self, as_of: object) -> Feed:
        """The feed as it stood on ``as_of``.

        Keeps the rounds dated on or before ``as_of`` and the pool snapshots whose
        ``distribution_as_of`` is on or before it *and* that one of those rounds carries: IRCC
        publishes a snapshot (taken a day or a few before a round) with the round, so a snapshot
        dated before ``as_of`` but published with a later round was not known yet. This makes
        ``load_feed(path, as_of=d)`` equal to reading the feed as it was downloaded on day ``d``,
        except a snapshot dated after the day, which the feed reports as a finding (IRCC has
        published a round with a pool snapshot dated after the round): a file downloaded that day
        holds it, but no snapshot dated after ``as_of`` is kept here, so nothing from the future
        is used. ``None`` returns the feed unchanged.
        """
        if as_of is None:
            return self
        day = _as_day(as_of, "as_of")
        rounds = self.rounds[self.rounds["date"] <= day].reset_index(drop=True)
        carried = rounds["distribution_as_of"].dropna().unique()
        known = self.snapshots["as_of"].isin(carried) & (self.snapshots["as_of"] <= day)
        snapshots = self.snapshots[known].reset_index(drop=True)
        totals = self.totals[
            self.totals["as_of"].isin(carried) & (self.totals["as_of"] <= day)
        ].reset_index(drop=True)
        for rev in self.revisions:  # the version public on ``day``, if a later one replaced it
            if rev.published <= day < rev.until:
                snapshots.loc[snapshots["as_of"] == rev.as_of, "candidates"] = np.asarray(
                    rev.leaves, dtype=float
                )
                totals.loc[totals["as_of"] == rev.as_of, ["total", "leaves_total"]] = [
                    int(rev.total),
                    int(sum(rev.leaves)),
                ]
        kept = [
            (i, d)
            for i, d in zip(self.issues, self.issue_dates, strict=True)
            if pd.isna(d) or d <= day
        ]
        return replace(
            self,
            rounds=rounds,
            snapshots=snapshots,
            totals=totals,
            as_of=day,
            issues=tuple(i for i, _ in kept),
            issue_dates=tuple(d for _, d in kept),
            revisions=tuple(r for r in self.revisions if r.until <= day),
        )

    def snapshot(self, on_or_before: object = None) -> pd.DataFrame:
        """The 15 band rows of the latest snapshot on or before a day (default: the latest).

        Raises :class:`FeedError` if no snapshot was published by then.
        """
        snaps = self.snapshots
        if on_or_before is not None:
            snaps = snaps[snaps["as_of"] <= _as_day(on_or_before, "on_or_before")]
        if snaps.empty:
            when = f" on or before {on_or_before}" if on_or_before is not None else ""
            raise FeedError(f"no pool snapshot was published{when}")
        latest = snaps["as_of"].max()
        return snaps[snaps["as_of"] == latest].reset_index(drop=True)

    def __repr__(self) -> str:
        first = self.rounds["date"].min()
        last = self.rounds["date"].max()
        span = f"{first:%Y-%m-%d}..{last:%Y-%m-%d}" if len(self.rounds) else "empty"
        n_snap = self.snapshots["as_of"].nunique()
        cut = f", as_of={self.as_of:%Y-%m-%d}" if self.as_of is not None else ""
        return f"Feed({len(self.rounds)} rounds {span}, {n_snap} pool snapshots{cut})"


def _round_label(raw: dict, index: int) -> str:
    number = raw.get("drawNumber") if isinstance(raw, dict) else None
    return (
        f"round #{str(number).strip()}" if number not in (None, "") else f"round at index {index}"
    )


def _parse_round(raw: object, index: int, issues: list[str]) -> tuple[dict, dict | None]:
    """One IRCC round -> (our round record, its snapshot record or None)."""
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
        issues.append(f"{label}: field 'drawSize' is 0 (a round that invited nobody?)")
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
                        f"{label}: subtotal {subtotal} = {counts[subtotal]:,} but its bands add "
                        f"to {sum(counts[p] for p in parts):,}; the bands are used"
                    )
            if as_of > date:
                issues.append(
                    f"{label}: pool snapshot dated {as_of:%Y-%m-%d}, after the round "
                    f"({date:%Y-%m-%d})"
                )
            elif (date - as_of).days > STALE_SNAPSHOT_DAYS:
                issues.append(
                    f"{label}: pool snapshot dated {as_of:%Y-%m-%d}, {(date - as_of).days} days "
                    f"before the round ({date:%Y-%m-%d}); a date typo?"
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

    found: dict[str, tuple[pd.Timestamp, str]] = {}  # key -> (earliest round's date, text)

    def note(key: str, day: pd.Timestamp, text: str | None = None) -> None:
        """Record a finding once, dated (and worded) by the earliest round that shows it."""
        if key not in found or day < found[key][0]:
            found[key] = (day, key if text is None else text)

    today = pd.Timestamp.now().normalize()
    records, versions, seen = [], {}, {}
    for index, raw in enumerate(raw_rounds):
        issues: list[str] = []
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
                f"round #{number}: dated {day:%Y-%m-%d}, after today ({today:%Y-%m-%d}); a typo?"
            )
        for issue in issues:
            note(issue, day)
        for warning in caught:  # new round types: said once, naming the type's first round
            note(str(warning.message), day, f"round #{number}: {warning.message}")
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
        issues=tuple(text for _, text in ordered),
        issue_dates=tuple(day for day, _ in ordered),
        revisions=tuple(revisions),
    )
    for issue in feed.issues:
        warnings.warn(issue, FeedWarning, stacklevel=2)
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


# --- entry points -----------------------------------------------------------------------------


def default_source() -> Path:
    """The feed read when no source is given.

    ``$EEFORECAST_FEED`` if set; else ``data/raw/ee_rounds_live.json`` when ``eeforecast update``
    has fetched one; else the bundled snapshot :data:`eeforecast.config.RAW_FEED`.
    """
    env = os.environ.get("EEFORECAST_FEED")
    if env:
        return Path(env)
    return config.LIVE_FEED if config.LIVE_FEED.exists() else config.RAW_FEED


def read_feed(source: str | os.PathLike | None = None) -> Feed:
    """Read an IRCC-format feed file (default: :func:`default_source`).

    Raises :class:`FeedError` if the file is missing or cannot be parsed.
    """
    path = Path(source) if source is not None else default_source()
    try:
        payload = path.read_bytes()
    except FileNotFoundError:
        raise FeedError(f"{path}: no such feed file") from None
    except IsADirectoryError:
        raise FeedError(f"{path}: is a folder, expected an IRCC-format JSON file") from None
    except OSError as exc:
        raise FeedError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_feed(payload, source=str(path))


_CACHE: dict[tuple[str, int, int], Feed] = {}


def load_feed(source: str | os.PathLike | None = None, as_of: object = None) -> Feed:
    """Read a feed (cached by path, size and modification time) and cut it at ``as_of``.

    Parameters
    ----------
    source : path, optional
        An IRCC-format JSON feed. Default: :func:`default_source`.
    as_of : str or pandas.Timestamp, optional
        Behave as if it were that day: keep rounds dated on or before it and pool snapshots whose
        ``distribution_as_of`` is on or before it and that were published by then (with one of
        those rounds); see :meth:`Feed.truncate`.

    Returns
    -------
    Feed
        Its frames are copies: editing them does not change what later calls return.

    Examples
    --------
    >>> feed = load_feed(as_of="2024-03-26")
    >>> last = feed.rounds.iloc[-1]
    >>> last["draw_number"], last["category"], int(last["invitations"]), int(last["cutoff"])
    ('291', 'french', 1500, 388)
    """
    path = Path(source) if source is not None else default_source()
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    feed = _CACHE.get(key) if key else None
    if feed is None:
        with warnings.catch_warnings():  # said below, for the rounds kept
            warnings.simplefilter("ignore", FeedWarning)
            feed = read_feed(path)
        if key:
            _CACHE.clear()
            _CACHE[key] = feed
    feed = feed.truncate(as_of)
    # the cached feed is shared: hand out copies of its frames so a caller's edits stay theirs
    feed = replace(
        feed,
        rounds=feed.rounds.copy(),
        snapshots=feed.snapshots.copy(),
        totals=feed.totals.copy(),
    )
    for issue in feed.issues:
        warnings.warn(issue, FeedWarning, stacklevel=2)
    return feed


def write_processed(feed: Feed, out_dir: str | os.PathLike | None = None) -> list[Path]:
    """Write the tidy frames as CSV files in ``out_dir`` (default ``data/processed``).

    Files: ``rounds.csv``, ``snapshots.csv`` (long: as_of, band_lo, band_hi, candidates),
    ``snapshot_totals.csv``, ``snapshots_wide.csv`` (one row per snapshot, one column per band) and
    ``issues.txt`` (the feed's data-quality findings, one a line). Counts are written as whole
    numbers when they are. Every file's content is built before the first is written, so a failure
    while building leaves all the old files in place; each file is then written atomically.

    Raises
    ------
    EEForecastError
        A file cannot be written (the files listed before it in the message were written).
    """
    out = Path(out_dir) if out_dir is not None else config.PROCESSED_DIR
    wide = feed.snapshots.assign(
        band=feed.snapshots["band_lo"].astype(str) + "-" + feed.snapshots["band_hi"].astype(str)
    ).pivot(index="as_of", columns="band", values="candidates")
    wide = wide.reindex(columns=[f"{lo}-{hi}" for lo, hi in BANDS]).reset_index()
    wide.columns.name = None
    frames = {
        "rounds.csv": feed.rounds,
        "snapshots.csv": feed.snapshots,
        "snapshot_totals.csv": feed.totals,
        "snapshots_wide.csv": wide,
    }
    contents = {
        name: _whole_counts(frame).to_csv(index=False, lineterminator="\n")
        for name, frame in frames.items()
    }
    contents["issues.txt"] = "".join(f"{issue}\n" for issue in feed.issues)
    paths: list[Path] = []
    for name, text in contents.items():
        try:
            paths.append(atomic_write(out / name, text))
        except OSError as exc:
            done = ", ".join(p.name for p in paths) or "none"
            raise EEForecastError(
                f"cannot write {exc.filename or out / name}: {exc.strerror or exc} "
                f"(files written before it: {done})"
            ) from None
    return paths


def _whole_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its float columns as int64 where every value is a whole number."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values.dtype):
            array = values.to_numpy()
            if np.isfinite(array).all() and (array == np.round(array)).all():
                out[column] = values.astype("int64")
    return out


Opener = Callable[..., object]

#: Bytes asked of the server per read while downloading [bytes].
_CHUNK = 65_536


def update(
    url: str = config.FEED_URL,
    *,
    dest: str | os.PathLike | None = None,
    timeout: float = 30.0,
    max_bytes: int = 20_000_000,
    allowed_hosts: frozenset[str] = config.ALLOWED_HOSTS,
    opener: Opener | None = None,
    force: bool = False,
) -> Path:
    """Download IRCC's live feed, validate it and atomically replace the local copy.

    The previous copy is kept beside it as ``*.previous.json`` (not rewritten when the download is
    byte-identical to it). On any failure nothing is replaced.

    Parameters
    ----------
    url : str
        Address of the feed; must be ``https`` on an allowed host.
    dest : path, optional
        Where to write (default :data:`eeforecast.config.LIVE_FEED`).
    timeout : float
        Limit on the whole download, from the request to the last byte [s]; also the limit on
        each network wait, so a stalled download stops after about twice this at most.
    max_bytes : int
        Refuse a payload larger than this [bytes].
    allowed_hosts : frozenset of str
        Hosts the feed (and any redirect) may come from.
    opener : callable, optional
        ``opener(request, timeout=...)`` returning a response with ``read(n)`` (and optionally
        ``read1(n)`` and ``geturl()``). Default: a :mod:`urllib.request` opener that checks
        every redirect (https, allowed host) *before* following it. Tests inject a stub.
    force : bool
        Keep a feed whose last round is dated before the last round of the feed it replaces
        (``dest`` if it exists and can be read, else the bundled
        :data:`eeforecast.config.RAW_FEED`). By default such a feed is refused.

    Returns
    -------
    pathlib.Path
        The updated file.

    Raises
    ------
    UpdateError
        Not https, host or redirect not allowed, network or HTTP failure, download slower than
        ``timeout``, payload too large, a payload that is not a valid feed, a feed older than the
        local one (without ``force``), or the file cannot be written.
    """
    _check_url(url, allowed_hosts)
    dest = Path(dest) if dest is not None else config.LIVE_FEED
    opener = opener or _default_opener(allowed_hosts)
    payload = _download(url, opener, timeout=timeout, max_bytes=max_bytes, hosts=allowed_hosts)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            feed = parse_feed(payload, source=url)
    except FeedError as exc:
        raise UpdateError(
            f"downloaded feed is invalid: {exc}; the local data is unchanged"
        ) from None
    if feed.rounds.empty:
        raise UpdateError(f"{url}: the feed holds no rounds; the local data is unchanged")
    if not force:
        _refuse_older(feed, dest)
    try:
        current = dest.read_bytes() if dest.is_file() else None
        if current == payload:
            return dest  # already up to date: keep the file, its time stamp and the previous copy
        if current is not None:
            with atomic_path(dest.with_name(dest.stem + ".previous.json")) as tmp:
                shutil.copy2(dest, tmp)
        with atomic_path(dest) as tmp:
            tmp.write_bytes(payload)
    except OSError as exc:
        where = exc.filename or dest
        raise UpdateError(
            f"cannot write {where}: {exc.strerror or exc}; {dest} is unchanged"
        ) from None
    return dest


def _download(
    url: str, opener: Opener, *, timeout: float, max_bytes: int, hosts: frozenset[str]
) -> bytes:
    """The body at ``url``, read in chunks under a limit on the total time and size."""
    request = urllib.request.Request(url, headers={"User-Agent": "eeforecast-update"})
    start = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    try:
        with opener(request, timeout=timeout) as response:
            final = response.geturl() if hasattr(response, "geturl") else url
            _check_url(final, hosts)
            read = getattr(response, "read1", None) or response.read
            while True:
                chunk = read(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise UpdateError(f"{url}: payload larger than {max_bytes:,} bytes; not saved")
                if time.monotonic() - start > timeout:
                    raise UpdateError(
                        f"cannot fetch {url}: the download took longer than the timeout of "
                        f"{timeout:g} s ({size:,} bytes read); the local data is unchanged"
                    )
            short = getattr(response, "length", None)  # http.client: bytes still announced
            if isinstance(short, int) and short > 0:
                raise UpdateError(
                    f"cannot fetch {url}: the connection closed after {size:,} bytes, {short:,} "
                    "more were announced; the local data is unchanged"
                )
    except UpdateError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # URLError, timeouts and HTTP errors are OSErrors; IncompleteRead and BadStatusLine are
        # http.client.HTTPExceptions.
        reason = " ".join(str(exc).split()) or type(exc).__name__  # on one line
        if isinstance(exc, http.client.HTTPException) and type(exc).__name__ not in reason:
            reason = f"{type(exc).__name__}: {reason}"
        raise UpdateError(f"cannot fetch {url}: {reason}; the local data is unchanged") from None
    return b"".join(chunks)


def _refuse_older(feed: Feed, dest: Path) -> None:
    """Raise UpdateError if ``feed`` ends before the feed it would replace."""
    reference = _last_round(dest) if dest.is_file() else None
    if reference is None and config.RAW_FEED.is_file():
        reference = _last_round(config.RAW_FEED)
    if reference is None:
        return
    path, label, day = reference
    last = feed.rounds.iloc[-1]
    if last["date"] < day:
        raise UpdateError(
            f"downloaded feed ends with round #{last['draw_number']} of {last['date']:%Y-%m-%d}, "
            f"before the last round of {path} (round {label} of {day:%Y-%m-%d}); it may be an "
            "old or partial copy, nothing was saved (use --force or force=True to keep it anyway)"
        )


def _last_round(path: Path) -> tuple[Path, str, pd.Timestamp] | None:
    """(path, "#number", date) of the last round of a readable feed, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            rounds = read_feed(path).rounds
    except FeedError:
        return None
    if rounds.empty:
        return None
    return path, f"#{rounds['draw_number'].iloc[-1]}", rounds["date"].iloc[-1]


class _RedirectGuard(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an https address on an allowed host; check before sending."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__()
        self.allowed_hosts = allowed_hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            _check_url(newurl, self.allowed_hosts)
        except UpdateError as exc:
            fp.close()
            raise UpdateError(f"redirect from {req.full_url!r}: {exc}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _default_opener(allowed_hosts: frozenset[str]) -> Opener:
    """``urlopen``'s handlers, with redirects checked before they are followed."""
    return urllib.request.build_opener(_RedirectGuard(allowed_hosts)).open


def _check_url(url: str, allowed_hosts: frozenset[str]) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https":
        raise UpdateError(f"refusing {url!r}: only https addresses are fetched")
    if parts.hostname not in allowed_hosts:
        raise UpdateError(
            f"refusing {url!r}: host {parts.hostname!r} is not in {sorted(allowed_hosts)}"
        )
