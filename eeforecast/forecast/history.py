"""One category's rounds as known on an origin day (:class:`History`), and what is assumed about
its next rounds (:class:`Future`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..checks import as_day
from ..data import Feed
from ..errors import ParameterError

__all__ = [
    "ACTIVE_DAYS",
    "DEFAULT_GAP_DAYS",
    "REGIME_START",
    "Future",
    "History",
    "active_categories",
    "category_history",
]

#: Job-offer (LMIA) points were removed from the CRS on this day: cutoffs before and after differ.
REGIME_START = pd.Timestamp("2025-03-25")


#: A category is active when it held a round in this many days before the origin [days].
ACTIVE_DAYS = 365


#: Gap assumed when no category held two rounds in the year before the origin [days].
DEFAULT_GAP_DAYS = 14.0


@dataclass(frozen=True)
class History:
    """One category's rounds known on ``as_of``, inside the modelling window.

    Attributes
    ----------
    category : str
        Category slug.
    as_of : pandas.Timestamp
        The origin: only rounds and snapshots dated on or before it were used.
    dates : numpy.ndarray of datetime64[ns]
        Round dates in the window, ascending.
    cutoff : numpy.ndarray of float
        Cutoff of each round [CRS points].
    invitations : numpy.ndarray of float
        Invitations of each round [candidates].
    gap : numpy.ndarray of float
        Days since the category's previous round (the first round of a category gets the median
        gap) [days].
    exog : dict[str, numpy.ndarray]
        Candidate regressors, one value per round: ``log_invitations``, ``log_gap`` and
        ``log_above_<S>`` (log candidates above score S in the latest snapshot before the round).
    gaps_all, sizes_all : numpy.ndarray
        Gaps [days] and sizes [candidates] of the category's rounds in the look-back window (used
        by the schedule models, which ignore the regime cut).
    default_gap : float
        The median gap between consecutive rounds of one category, over every category's rounds
        in the year before the origin (:data:`DEFAULT_GAP_DAYS` when there are none): the gap
        model's fallback for a category with few rounds [days].
    snapshot_as_of : pandas.Timestamp or None
        Day of the latest pool snapshot known at the origin.
    latest_exog : dict[str, float]
        The snapshot regressors (``log_above_<S>``) in that latest snapshot; future rounds get
        these values.
    snap_bands : numpy.ndarray or None
        ``(n, 15)``: candidates per band (:data:`eeforecast.scores.BANDS`) in the latest snapshot
        published on or before each round (the one IRCC published with it); NaN rows when none
        [candidates].
    latest_bands : numpy.ndarray or None
        ``(15,)``: the latest snapshot known at the origin [candidates].
    feed : object
        The feed truncated at ``as_of`` (for structural models); excluded from comparisons.
    """

    category: str
    as_of: pd.Timestamp
    dates: np.ndarray
    cutoff: np.ndarray
    invitations: np.ndarray
    gap: np.ndarray
    exog: dict[str, np.ndarray]
    gaps_all: np.ndarray
    sizes_all: np.ndarray
    default_gap: float = DEFAULT_GAP_DAYS
    snapshot_as_of: pd.Timestamp | None = None
    latest_exog: dict[str, float] = field(default_factory=dict)
    snap_bands: np.ndarray | None = field(default=None, repr=False, compare=False)
    latest_bands: np.ndarray | None = field(default=None, repr=False, compare=False)
    feed: object = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of rounds in the window."""
        return len(self.cutoff)

    def key(self) -> tuple:
        """A hashable identity of the data a model sees (for caching fits)."""
        last = pd.Timestamp(self.dates[-1]) if self.n else None
        snap = self.snapshot_as_of
        return (self.category, self.n, last, float(self.cutoff.sum()) if self.n else 0.0, snap)


@dataclass(frozen=True)
class Future:
    """What is assumed about the next ``len(dates)`` rounds of a category.

    Attributes
    ----------
    dates : pandas.DatetimeIndex
        Expected round dates.
    invitations : numpy.ndarray
        Expected invitations [candidates].
    gap : numpy.ndarray
        Days since the previous round (the first one counts from the last known round) [days].
    exog : dict[str, numpy.ndarray]
        The regressors of :class:`History` for these rounds.
    """

    dates: pd.DatetimeIndex
    invitations: np.ndarray
    gap: np.ndarray
    exog: dict[str, np.ndarray]

    @property
    def steps(self) -> int:
        return len(self.dates)


def _snapshot_above(feed: Feed, thresholds: Sequence[int], day=None) -> pd.DataFrame:
    """``log(1 + candidates above each threshold)`` in every snapshot published by ``day``:
    index ``as_of``, a column ``log_above_<S>`` per threshold."""
    table = feed.bands(day)
    if not len(table) or not thresholds:
        return pd.DataFrame(
            columns=[f"log_above_{s}" for s in thresholds], index=pd.DatetimeIndex([], name="as_of")
        )
    out = {
        f"log_above_{s}": np.log1p(table.loc[:, table.columns > s].sum(axis=1)) for s in thresholds
    }
    return pd.DataFrame(out).sort_index()


def active_categories(feed, as_of=None, days: int = ACTIVE_DAYS) -> list[str]:
    """Categories with a round in the ``days`` days up to ``as_of`` (default: the feed's day).

    Examples
    --------
    >>> from eeforecast.data import load_feed
    >>> active_categories(load_feed(as_of="2025-12-17"))
    ['cec', 'education', 'french', 'healthcare', 'pnp', 'trades']
    """
    day = feed.day if as_of is None else as_day(as_of, "as_of")
    r = feed.rounds
    recent = r[(r["date"] <= day) & (r["date"] > day - pd.Timedelta(days=days))]
    return sorted(recent["category"].unique().tolist())


def category_history(
    feed,
    category: str,
    *,
    as_of=None,
    lookback_days: int = 1095,
    regime_start: pd.Timestamp | str | None = REGIME_START,
    min_regime_obs: int = 8,
    max_obs: int = 60,
    thresholds: Sequence[int] = (500,),
) -> History:
    """The rounds of ``category`` known on ``as_of`` inside the modelling window.

    Parameters
    ----------
    feed : eeforecast.data.Feed
        The feed; rounds and snapshots dated after ``as_of`` are ignored.
    category : str
        Category slug.
    as_of : date-like, optional
        Origin day (default: the feed's as-of day or its latest data).
    lookback_days : int
        Keep rounds in this many days before the origin [days]. Older levels (CEC-only rounds of
        2020-21, say) do not leak into today's.
    regime_start : date-like or None
        When the origin is on or after it and the category has at least ``min_regime_obs`` rounds
        since, only those rounds are kept (the CRS changed on that day).
    min_regime_obs : int
        See ``regime_start``.
    max_obs : int
        Keep at most this many most recent rounds.
    thresholds : sequence of int
        Scores S for the ``log_above_<S>`` regressors [CRS points].

    Returns
    -------
    History

    Raises
    ------
    ParameterError
        When the category has no round on or before the origin.

    Notes
    -----
    Regimes: CEC-only rounds in 2020-21, category rounds from 2023, job-offer points removed on
    2025-03-25, categories added and retired. Only the category's own rounds are used (no level
    leaks between categories), only the last ``lookback_days`` of them, and after
    ``regime_start`` only the rounds since it once there are enough of them. A category whose last
    round is older than the window keeps that one round, so the naive forecast exists. A round
    that invited nobody (``invitations`` 0, reported by the feed reader) is left out.
    """
    day = feed.day if as_of is None else as_day(as_of, "as_of")
    r = feed.rounds
    # a round that invited nobody (drawSize 0, a finding of the feed) is no size or cutoff
    rows = r[(r["category"] == category) & (r["date"] <= day) & (r["invitations"] > 0)]
    if rows.empty:
        raise ParameterError(
            f"category {category!r}: no round on or before {day:%Y-%m-%d} to forecast from"
        )
    dates = rows["date"].to_numpy()
    gaps = np.diff(dates).astype("timedelta64[D]").astype(float)
    gaps = np.concatenate([[np.nan], gaps])
    recent = rows["date"] > day - pd.Timedelta(days=lookback_days)
    keep = recent.to_numpy().copy()
    if regime_start is not None:
        start = as_day(regime_start, "regime_start")
        post = keep & (rows["date"] >= start).to_numpy()
        if day >= start and post.sum() >= min_regime_obs:
            keep = post
    if not keep.any():
        keep[-1] = True  # the last round, however old: the naive forecast still exists
    idx = np.flatnonzero(keep)[-max_obs:]
    window_gaps = gaps[np.flatnonzero(recent.to_numpy())]
    window_gaps = window_gaps[np.isfinite(window_gaps)]
    med_gap = float(np.median(window_gaps)) if len(window_gaps) else 14.0
    gap = np.where(np.isfinite(gaps[idx]), gaps[idx], med_gap)
    inv = rows["invitations"].to_numpy(dtype=float)[idx]
    exog = {
        "log_invitations": np.log(np.maximum(inv, 1.0)),
        "log_gap": np.log1p(gap),
    }
    snapshot_as_of = None
    latest_exog: dict[str, float] = {}
    if thresholds:
        above = _snapshot_above(feed, thresholds, day)
        above = above[above.index <= day]
        snap_day = rows["distribution_as_of"].to_numpy()[idx]
        for col in above.columns:
            values = np.full(len(idx), np.nan)
            if len(above):
                pos = above.index.searchsorted(
                    np.where(pd.isna(snap_day), dates[idx], snap_day), side="right"
                )
                ok = pos > 0
                values[ok] = above[col].to_numpy()[pos[ok] - 1]
            exog[col] = values
        snapshot_as_of = above.index.max() if len(above) else None
        latest_exog = {
            col: float(above[col].iloc[-1]) if len(above) else np.nan for col in above.columns
        }
    snap_bands = latest_bands = None
    if thresholds:
        table = feed.bands(day)
        table = table[table.index <= day]
        snap_bands = np.full((len(idx), table.shape[1]), np.nan)
        if len(table):
            snap_day = rows["distribution_as_of"].to_numpy()[idx]
            pos = table.index.searchsorted(
                np.where(pd.isna(snap_day), dates[idx], snap_day), side="right"
            )
            ok = pos > 0
            snap_bands[ok] = table.to_numpy(dtype=float)[pos[ok] - 1]
            latest_bands = table.to_numpy(dtype=float)[-1]
    sizes_all = rows["invitations"].to_numpy(dtype=float)[recent.to_numpy()]
    if not len(sizes_all):
        sizes_all = rows["invitations"].to_numpy(dtype=float)[-1:]
    return History(
        category=category,
        as_of=day,
        dates=dates[idx],
        cutoff=rows["cutoff"].to_numpy(dtype=float)[idx],
        invitations=inv,
        gap=gap,
        exog=exog,
        gaps_all=window_gaps,
        sizes_all=sizes_all,
        default_gap=_pooled_gap(r, day),
        snapshot_as_of=snapshot_as_of,
        latest_exog=latest_exog,
        snap_bands=snap_bands,
        latest_bands=latest_bands,
        feed=feed,
    )


def _pooled_gap(rounds: pd.DataFrame, day: pd.Timestamp, days: int = ACTIVE_DAYS) -> float:
    """Median gap between consecutive rounds of one category, over all categories, for the
    rounds dated in the ``days`` days up to ``day`` [days]."""
    r = rounds[rounds["date"] <= day]
    if r.empty:
        return DEFAULT_GAP_DAYS
    gaps = r.groupby("category", sort=False)["date"].diff().dt.days
    recent = (r["date"] > day - pd.Timedelta(days=days)).to_numpy()
    gaps = gaps.to_numpy(dtype=float)[recent]
    gaps = gaps[np.isfinite(gaps)]
    return float(np.median(gaps)) if len(gaps) else DEFAULT_GAP_DAYS
