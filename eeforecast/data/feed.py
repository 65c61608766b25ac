"""The tidy form of IRCC's Express Entry rounds feed: :class:`Feed` and the field map.

IRCC publishes every round of invitations in one JSON file (see ``data/raw/README.md``). This module
holds the one map from IRCC's field names to ours (:data:`FIELDS`, :data:`LEAF_FIELDS`,
:data:`SUBTOTALS`) and the :class:`Feed` the reader (:mod:`eeforecast.data.parse`) produces: rounds,
pool snapshots and totals as tidy frames, the data-quality findings, and the as-of rule
(:meth:`Feed.truncate`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..checks import as_day, as_model_day
from ..errors import FeedError
from ..scores import BANDS

__all__ = [
    "FIELDS",
    "LEAF_FIELDS",
    "REQUIRED",
    "ROUND_COLUMNS",
    "STALE_SNAPSHOT_DAYS",
    "SUBTOTALS",
    "Feed",
    "FeedNote",
    "FeedWarning",
    "KINDS",
    "SnapshotRevision",
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


#: IRCC's field for each of the 15 leaf bands of a pool snapshot (:data:`eeforecast.scores.BANDS`).
LEAF_FIELDS: dict[tuple[int, int], str] = dict(
    zip(
        BANDS,
        ("dd17", "dd16", "dd15", "dd14", "dd13", "dd12", "dd11", "dd10", "dd8", "dd7", "dd6",
         "dd5", "dd4", "dd2", "dd1"),
        strict=True,
    )
)  # fmt: skip

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


#: A round's pool snapshot dated more days before it than this is reported, as a likely date
#: typo: IRCC takes its snapshots a few days before the round that publishes them [days].
STALE_SNAPSHOT_DAYS = 60


class FeedWarning(UserWarning):
    """A data-quality finding in an IRCC feed that did not stop the reading."""


class FeedNote(FeedWarning):
    """A finding that does not change what is read (a subtotal that disagrees with its bands,
    which are used; the same band counts given under two dates). The command line prints these
    only with ``--verbose``."""


#: The kinds of findings: ``warning`` may change what is read, ``note`` does not.
KINDS = {"warning": FeedWarning, "note": FeedNote}


class SnapshotRevision(NamedTuple):
    """A pool snapshot as one round published it before a later round republished it changed.

    ``as_of`` the snapshot's date; ``published`` and ``until`` the dates of the round that gave
    this version and of the one that replaced it; ``leaves`` the 15 leaf bands in
    :data:`eeforecast.scores.BANDS` order [candidates]; ``total`` IRCC's total for it [candidates].
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
    issue_kinds : tuple of str
        ``"warning"`` for a finding that may change what is read, ``"note"`` for one that does
        not (``KINDS``).
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
    issue_kinds: tuple[str, ...] = field(default=())
    revisions: tuple[SnapshotRevision, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.issue_dates) not in (0, len(self.issues)):
            raise FeedError(
                f"issue_dates: {len(self.issue_dates)} dates for {len(self.issues)} issues"
            )
        if self.issues and not self.issue_dates:  # undated findings are kept by truncate
            object.__setattr__(self, "issue_dates", (pd.NaT,) * len(self.issues))
        if len(self.issue_kinds) not in (0, len(self.issues)):
            raise FeedError(
                f"issue_kinds: {len(self.issue_kinds)} kinds for {len(self.issues)} issues"
            )
        if self.issues and not self.issue_kinds:  # a finding of unknown kind is a warning
            object.__setattr__(self, "issue_kinds", ("warning",) * len(self.issues))

    def warn(self, stacklevel: int = 2) -> None:
        """Emit every finding: a :class:`FeedWarning`, or a :class:`FeedNote` for those that do
        not change what is read."""
        for issue, kind in zip(self.issues, self.issue_kinds, strict=True):
            warnings.warn(issue, KINDS.get(kind, FeedWarning), stacklevel=stacklevel + 1)

    @property
    def day(self) -> pd.Timestamp:
        """The day the feed describes: its ``as_of`` when cut, else its latest round or snapshot.

        Raises :class:`~eeforecast.errors.FeedError` for a feed with neither.
        """
        if self.as_of is not None:
            return pd.Timestamp(self.as_of)
        days = [self.rounds["date"].max()]
        if len(self.snapshots):
            days.append(self.snapshots["as_of"].max())
        days = [d for d in days if pd.notna(d)]
        if not days:
            raise FeedError(f"{self.source or 'feed'}: it holds no round and no pool snapshot")
        return pd.Timestamp(max(days))

    def truncate(self, *, as_of: object) -> Feed:
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
        day = as_model_day(as_of, "as_of")
        rounds = self.rounds[self.rounds["date"] <= day].reset_index(drop=True)
        carried = rounds["distribution_as_of"].dropna().unique()
        known = self.snapshots["as_of"].isin(carried) & (self.snapshots["as_of"] <= day)
        snapshots = self.snapshots[known].reset_index(drop=True)
        totals = self.totals[
            self.totals["as_of"].isin(carried) & (self.totals["as_of"] <= day)
        ].reset_index(drop=True)
        for rev in self.revisions:  # the version public on ``day``, if a later one replaced it
            rows = snapshots["as_of"] == rev.as_of
            # a snapshot dated after ``day`` was cut above, even if a round carried it by then
            if rev.published <= day < rev.until and rows.any():
                snapshots.loc[rows, "candidates"] = np.asarray(rev.leaves, dtype=float)
                totals.loc[totals["as_of"] == rev.as_of, ["total", "leaves_total"]] = [
                    int(rev.total),
                    int(sum(rev.leaves)),
                ]
        kept = [
            (i, d, k)
            for i, d, k in zip(self.issues, self.issue_dates, self.issue_kinds, strict=True)
            if pd.isna(d) or d <= day
        ]
        return replace(
            self,
            rounds=rounds,
            snapshots=snapshots,
            totals=totals,
            as_of=day,
            issues=tuple(i for i, _, _ in kept),
            issue_dates=tuple(d for _, d, _ in kept),
            issue_kinds=tuple(k for _, _, k in kept),
            revisions=tuple(r for r in self.revisions if r.until <= day),
        )

    def published(self, on_or_before: object = None) -> np.ndarray:
        """Days of the pool snapshots published by a day (default: all): those carried by a
        round dated on or before it (IRCC publishes a snapshot with its round, so next week's
        snapshot is never seen)."""
        r = self.rounds
        if on_or_before is not None:
            r = r[r["date"] <= as_day(on_or_before, "on_or_before")]
        return r["distribution_as_of"].dropna().unique()

    def bands(self, on_or_before: object = None) -> pd.DataFrame:
        """The snapshots published by a day (:meth:`published`) as one row of 15 band counts:
        index ``as_of`` (ascending), columns the bands' lowest scores [candidates]; empty when
        none was published."""
        snaps = self.snapshots[self.snapshots["as_of"].isin(self.published(on_or_before))]
        if not len(snaps):
            return pd.DataFrame(index=pd.DatetimeIndex([], name="as_of"))
        columns = [lo for lo, _ in BANDS]
        n = len(BANDS)
        days = snaps["as_of"].to_numpy()
        # the reader's layout (15 rows per day, bands in order, days ascending): a reshape,
        # linear in the snapshots (a pivot per call made a rolling backtest on a long feed slow)
        if (
            len(snaps) % n == 0
            and np.array_equal(snaps["band_lo"].to_numpy(), np.tile(columns, len(snaps) // n))
            and (days[::n] == days.reshape(-1, n).T).all()
            and (days[n::n] > days[:-n:n]).all()
        ):
            return pd.DataFrame(
                snaps["candidates"].to_numpy(dtype=float).reshape(-1, n),
                index=pd.DatetimeIndex(days[::n], name="as_of"),
                columns=pd.Index(columns, name="band_lo"),
            )
        table = snaps.pivot_table(
            index="as_of", columns="band_lo", values="candidates", aggfunc="sum"
        )
        return table.reindex(columns=columns, fill_value=0.0).sort_index()

    def snapshot(self, on_or_before: object = None) -> pd.DataFrame:
        """The 15 band rows of the latest snapshot on or before a day (default: the latest).

        Raises :class:`~eeforecast.errors.FeedError` if no snapshot was published by then.
        """
        snaps = self.snapshots
        if on_or_before is not None:
            snaps = snaps[snaps["as_of"] <= as_day(on_or_before, "on_or_before")]
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
