"""Forecasting the next rounds of each category: dates, sizes and cutoffs, with calibrated intervals.

The pipeline, in the order a newcomer reads it:

1. :func:`category_history` cuts one category's rounds out of a feed, as known on the origin day,
   inside a recent window (regimes change: see Notes).
2. :func:`schedule_category` forecasts the category's next round dates and sizes (gap and size
   models); :func:`forecast_schedule` does it for every active category over a span of days.
3. Cutoff models are specifications (:class:`Naive`, :class:`WindowMean`, :class:`Drift`,
   :class:`ETS`, :class:`AR`, :class:`ARIMA`, :class:`Combination`, :class:`Structural`, and the
   :data:`EXPERIMENTAL_MODELS` that lost in the backtest: :class:`HuberLevel`,
   :class:`SnapshotQuantile`, :class:`SnapshotChange`); ``model.fit(history)`` returns a fitted
   model whose ``forecast(future)`` gives a point forecast and a standard deviation per step
   [CRS points], ``summary()`` and ``to_frame()``. :func:`count_above` and
   :func:`score_for_count` read a banded pool snapshot as a tail curve (pure lookups).
4. :func:`calibrate` turns raw forecasts into calibrated intervals (conformal-style, from the
   backtest residuals known before each origin) and picks the model for each category by its
   backtest error, never by in-sample fit (the ``auto`` model).
5. :func:`forecast` runs it all at one as-of day and returns a :class:`ForecastResult`;
   :func:`backlog` projects the pool above score thresholds on the forecast schedule.

The rolling-origin evaluation lives in :mod:`eeforecast.backtest`; :func:`forecast` uses the same
machinery on the rounds before the as-of day to choose models and size intervals.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from ._dates import as_day as _as_day
from ._random import as_generator
from .errors import ParameterError

__all__ = [
    "AR",
    "ARIMA",
    "DEFAULT_LEVELS",
    "DEFAULT_MODELS",
    "EXPERIMENTAL_MODELS",
    "ETS",
    "REGIME_START",
    "Structural",
    "Drift",
    "ForecastResult",
    "Future",
    "History",
    "Combination",
    "HuberLevel",
    "Naive",
    "SnapshotChange",
    "SnapshotQuantile",
    "WindowMean",
    "BacklogResult",
    "active_categories",
    "backlog",
    "calibrate",
    "category_history",
    "count_above",
    "cutoff_by_size",
    "forecast",
    "forecast_schedule",
    "gap_days",
    "schedule_category",
    "score_for_count",
]

#: Job-offer (LMIA) points were removed from the CRS on this day: cutoffs before and after differ.
REGIME_START = pd.Timestamp("2025-03-25")
#: Interval levels produced when none are requested [%].
DEFAULT_LEVELS: tuple[int, ...] = (80, 95)
#: A category is active when it held a round in this many days before the origin [days].
ACTIVE_DAYS = 365
#: Standard deviation used when a category has too few rounds to estimate one [CRS points].
FALLBACK_SD = 20.0
#: No forecast standard deviation is smaller than this (cutoffs are whole points) [CRS points].
MIN_SD = 1.0
#: Highest CRS score: forecast cutoffs and interval bounds are clipped to 0..MAX_SCORE [CRS points].
MAX_SCORE = 1200
#: A category's own median gap is trusted only with at least this many gaps [gaps].
MIN_GAPS = 4
#: A category with few gaps is paced over at least this many days since its first round [days].
MIN_PACE_DAYS = 90
#: No two forecast rounds of one category are closer than this [days].
MIN_GAP_DAYS = 7.0
#: Gap assumed when no category held two rounds in the year before the origin [days].
DEFAULT_GAP_DAYS = 14.0


# --- histories: one category's rounds as known on the origin day -----------------------------


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
        ``(n, 15)``: candidates per band (:data:`eeforecast.feed.BANDS`) in the latest snapshot
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


def _feed_at(feed, as_of=None):
    """The feed cut at ``as_of`` from a :class:`~eeforecast.feed.Feed`, a path or None (the
    bundled feed); anything else is a :class:`ParameterError` naming ``feed``."""
    import os

    from .feed import Feed, load_feed

    if feed is None or isinstance(feed, str | os.PathLike):
        return load_feed(feed, as_of=as_of)
    if not isinstance(feed, Feed):
        raise ParameterError(
            f"feed: expected an eeforecast.feed.Feed, a path or None, got {type(feed).__name__}"
        )
    return feed.truncate(as_of) if as_of is not None else feed


def _whole(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int, or a :class:`ParameterError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ParameterError(f"{name}: expected a whole number >= {minimum}, got {value!r}")
    return int(value)


def _slugs(categories, name: str = "categories") -> list[str] | None:
    """A list of category slugs (None stays None); a bare string is refused, not spelt out."""
    if categories is None:
        return None
    if isinstance(categories, str):
        raise ParameterError(
            f"{name}: expected a list of category slugs, got the string {categories!r} "
            f"(write [{categories!r}])"
        )
    return list(categories)


def _origin(feed) -> pd.Timestamp:
    """The day a feed describes: its ``as_of``, else its latest round or snapshot."""
    if feed.as_of is not None:
        return pd.Timestamp(feed.as_of)
    days = [feed.rounds["date"].max()]
    if len(feed.snapshots):
        days.append(feed.snapshots["as_of"].max())
    days = [d for d in days if pd.notna(d)]
    if not days:
        raise ParameterError("feed: it holds no round and no pool snapshot")
    return pd.Timestamp(max(days))


def _published(feed, day=None) -> np.ndarray:
    """Days of the snapshots published by ``day``: carried by a round dated on or before it
    (IRCC publishes a snapshot with its round), so next week's snapshot is never seen."""
    r = feed.rounds if day is None else feed.rounds[feed.rounds["date"] <= day]
    return r["distribution_as_of"].dropna().unique()


def _snapshot_above(feed, thresholds: Sequence[int], day=None) -> pd.DataFrame:
    """Candidates above each threshold in every snapshot published by ``day``: index ``as_of``,
    a column per S."""
    snaps = feed.snapshots
    published = _published(feed, day)
    snaps = snaps[snaps["as_of"].isin(published)]
    if not len(snaps) or not thresholds:
        return pd.DataFrame(
            columns=[f"log_above_{s}" for s in thresholds], index=pd.DatetimeIndex([], name="as_of")
        )
    out = {}
    for s in thresholds:
        part = snaps[snaps["band_lo"] > s]
        out[f"log_above_{s}"] = np.log1p(part.groupby("as_of")["candidates"].sum())
    return pd.DataFrame(out).sort_index()


def _published_bands(feed, day=None) -> pd.DataFrame:
    """Every snapshot published by ``day`` as one row of 15 band counts (index ``as_of``,
    columns the bands' lower scores, ascending) [candidates]."""
    snaps = feed.snapshots
    published = _published(feed, day)
    snaps = snaps[snaps["as_of"].isin(published)]
    if not len(snaps):
        return pd.DataFrame(index=pd.DatetimeIndex([], name="as_of"))
    from .feed import BANDS

    table = snaps.pivot_table(index="as_of", columns="band_lo", values="candidates", aggfunc="sum")
    return table.reindex(columns=[lo for lo, _ in BANDS], fill_value=0.0).sort_index()


def _tail_knots(bands: np.ndarray, band_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ``log(1 + candidates at or above them)`` at the band edges (and 1201, where
    nobody is), ascending in score."""
    counts = np.asarray(bands, dtype=float)
    above = np.cumsum(counts[::-1])[::-1]  # at or above each band's lower score
    scores = np.concatenate([np.asarray(band_lo, dtype=float), [1201.0]])
    return scores, np.log1p(np.concatenate([above, [0.0]]))


def count_above(bands, band_lo, score) -> np.ndarray:
    """Candidates at or above ``score`` in a banded snapshot [candidates].

    Parameters
    ----------
    bands : array-like, shape (15,)
        Candidates per band [candidates].
    band_lo : array-like, shape (15,)
        The bands' lowest scores, ascending [CRS points].
    score : float or array-like
        Scores [CRS points].

    Notes
    -----
    Inside a band the count at or above a score is interpolated log-linearly between the band's
    edges: an exponential tail (the density falls by a constant factor per point across the
    band). Exact at the band edges.

    Examples
    --------
    >>> lo = [0, 301, 351, 401, 411, 421, 431, 441, 451, 461, 471, 481, 491, 501, 601]
    >>> bands = [0] * 13 + [99, 0]
    >>> [round(float(count_above(bands, lo, s)), 6) for s in (501, 551, 601)]
    [99.0, 9.0, 0.0]
    >>> round(float(score_for_count(bands, lo, 9)), 6)
    551.0
    """
    x, logn = _tail_knots(bands, band_lo)
    return np.expm1(np.interp(np.asarray(score, dtype=float), x, logn))


def score_for_count(bands, band_lo, count) -> np.ndarray:
    """The score at which ``count`` candidates are at or above it (inverse of
    :func:`count_above`) [CRS points]; counts beyond the pool give its lowest score."""
    x, logn = _tail_knots(bands, band_lo)
    # decreasing in score: reverse, and break ties of empty bands so xp strictly increases
    xp = logn[::-1] + np.arange(len(logn)) * 1e-12
    return np.interp(np.log1p(np.asarray(count, dtype=float)), xp, x[::-1])


def active_categories(feed, as_of=None, days: int = ACTIVE_DAYS) -> list[str]:
    """Categories with a round in the ``days`` days up to ``as_of`` (default: the feed's day).

    Examples
    --------
    >>> from eeforecast.feed import load_feed
    >>> active_categories(load_feed(as_of="2025-12-17"))
    ['cec', 'education', 'french', 'healthcare', 'pnp', 'trades']
    """
    day = _origin(feed) if as_of is None else _as_day(as_of, "as_of")
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
    feed : eeforecast.feed.Feed
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
    day = _origin(feed) if as_of is None else _as_day(as_of, "as_of")
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
        start = _as_day(regime_start, "regime_start")
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
        table = _published_bands(feed, day)
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


def gap_days(
    history: History,
    k_gap: int = 6,
    *,
    min_gaps: int = MIN_GAPS,
    min_days: float = MIN_GAP_DAYS,
) -> float:
    """Expected days between the category's next rounds (the gap model) [days].

    The median of the category's last ``k_gap`` gaps in the look-back window. With fewer than
    ``min_gaps`` gaps the category's own median is not trusted: the gap is then the larger of
    ``history.default_gap`` (the median gap of every category's rounds in the past year) and
    the category's own pace, the days since its first round of the past year (at least
    :data:`MIN_PACE_DAYS`) over its number of rounds in that year. Never less than ``min_days``.
    See :func:`schedule_category`.

    Notes
    -----
    The pace floor keeps a category that held one or two rounds from being planned every few
    weeks: from monthly origins 2023-07..2024-12, the 12-month round counts of the forecast
    schedule missed the actual ones by 13.5 rounds per category and origin without it (15
    agriculture rounds planned a year where 0 or 1 came) and by 6.1 with it (README, *Forecast
    accuracy*).
    """
    gaps = history.gaps_all[-k_gap:]
    if len(gaps) >= min_gaps:
        return max(float(np.median(gaps)), float(min_days))
    dates = pd.DatetimeIndex(history.dates)
    recent = dates[dates > history.as_of - pd.Timedelta(days=ACTIVE_DAYS)]
    pace = ACTIVE_DAYS
    if len(recent):
        pace = max((history.as_of - recent.min()).days, MIN_PACE_DAYS) / len(recent)
    return max(float(history.default_gap), pace, float(min_days))


# --- schedule: when the next rounds come and how large they are ------------------------------


def _next_weekday(day: pd.Timestamp) -> pd.Timestamp:
    while day.day_of_week >= 5:
        day = day + pd.Timedelta(days=1)
    return day


def schedule_category(history: History, steps: int, *, k_gap: int = 6, k_size: int = 1) -> Future:
    """Forecast the dates and sizes of a category's next ``steps`` rounds.

    Parameters
    ----------
    history : History
        The category's known rounds.
    steps : int
        Number of rounds to schedule.
    k_gap, k_size : int
        Number of recent gaps [days] and sizes [candidates] whose median is used.

    Returns
    -------
    Future

    Notes
    -----
    Gap model: rounds come every ``g`` days, ``g`` the median of the last ``k_gap`` gaps in the
    look-back window (:func:`gap_days`). A new category's first gaps say little (the first two
    French rounds of 2023 were days apart, which would plan 36 rounds in 26 weeks), so with fewer
    than :data:`MIN_GAPS` gaps the median gap of every category's rounds in the year before the
    origin is used instead, and no gap is shorter than :data:`MIN_GAP_DAYS` (7 days) whatever the
    history says; the first forecast round is ``g`` days after the last one, or the day after
    the origin when that is already past (an overdue round is expected at once), the next ones
    every ``g`` days after it, each moved to Monday when it falls on a weekend. Size model: the
    median of the last ``k_size`` sizes, by default the last size: IRCC keeps a size for a while,
    and in the 2023-2025 rounds repeating it beat the median of the last 2 to 6 for CEC, French,
    general and healthcare (PNP sizes are better predicted by the median of 3). The gap median is
    robust to a single unusual pause.
    """
    if steps < 1:
        raise ParameterError(f"horizon: must be at least 1, got {steps}")
    g = gap_days(history, k_gap)
    last = pd.Timestamp(history.dates[-1])
    first = last + pd.Timedelta(days=round(g))
    if first <= history.as_of:  # overdue: expected on the next day
        first = history.as_of + pd.Timedelta(days=1)
    dates = pd.DatetimeIndex(
        [_next_weekday(first + pd.Timedelta(days=round(i * g))) for i in range(steps)]
    )
    size = float(np.median(history.sizes_all[-k_size:]))
    return future_of(history, dates, np.full(steps, size))


def future_of(history: History, dates, invitations) -> Future:
    """The :class:`Future` of a category's rounds held on given days with given sizes.

    Parameters
    ----------
    history : History
        The category's known rounds.
    dates : sequence of date-like
        Days of the next rounds, increasing, after the history's last round.
    invitations : sequence of float
        Their sizes, one per day [candidates].

    Returns
    -------
    Future
        With the gaps [days] and the regressors of ``history`` for those rounds.

    Notes
    -----
    :func:`schedule_category` calls it with forecast dates and sizes; a what-if or the
    ``known_schedule`` diagnostic of :func:`eeforecast.backtest.cross_validation` with given ones.
    """
    dates = pd.DatetimeIndex(dates)
    inv = np.asarray(invitations, dtype=float)
    if len(inv) != len(dates) or not len(dates):
        raise ParameterError(
            f"invitations: {len(inv)} sizes for {len(dates)} dates (need one per round, >= 1)"
        )
    if not (np.isfinite(inv).all() and (inv >= 1).all()):
        raise ParameterError(f"invitations: expected sizes >= 1, got {inv.tolist()}")
    if dates[0] <= pd.Timestamp(history.dates[-1]) or not dates.is_monotonic_increasing:
        raise ParameterError(
            f"dates: expected increasing days after the last {history.category} round "
            f"({pd.Timestamp(history.dates[-1]):%Y-%m-%d})"
        )
    steps = len(dates)
    last = pd.Timestamp(history.dates[-1])
    prev = np.concatenate([[last.to_datetime64()], dates.to_numpy()[:-1]])
    gap = (dates.to_numpy() - prev).astype("timedelta64[D]").astype(float)
    exog = {"log_invitations": np.log(np.maximum(inv, 1.0)), "log_gap": np.log1p(gap)}
    for name in history.exog:
        if name.startswith("log_above_"):
            # the latest snapshot known at the origin holds for every future round
            exog[name] = np.full(steps, history.latest_exog.get(name, np.nan))
    return Future(dates=dates, invitations=inv, gap=gap, exog=exog)


def size_quantiles(history: History, levels: Sequence[int], k: int = 12) -> dict[str, float]:
    """Empirical interval of the next round size from the last ``k`` sizes [candidates]."""
    sizes = history.sizes_all[-k:]
    out = {}
    for level in levels:
        a = (100 - level) / 200
        out[f"invitations_lo_{level}"] = float(np.quantile(sizes, a))
        out[f"invitations_hi_{level}"] = float(np.quantile(sizes, 1 - a))
    return out


def forecast_schedule(
    feed,
    as_of=None,
    horizon_days: int = 91,
    categories: Sequence[str] | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
) -> pd.DataFrame:
    """The expected rounds of every active category in the ``horizon_days`` after ``as_of``.

    Parameters
    ----------
    feed : eeforecast.feed.Feed
        The feed (cut at ``as_of`` here).
    as_of : date-like, optional
        Origin day (default: the feed's day).
    horizon_days : int
        Span to schedule [days].
    categories : sequence of str, optional
        Categories to schedule (default: the active ones).
    levels : sequence of int
        Interval levels for the sizes [%].

    Returns
    -------
    pandas.DataFrame
        ``date, category, invitations, invitations_lo_<L>, invitations_hi_<L>``, sorted by date,
        one row per expected round [candidates].

    Notes
    -----
    Each category's rounds follow :func:`schedule_category`: one every :func:`gap_days` days, a
    gap that is the median of its last 6 gaps, or, for a category with fewer than
    :data:`MIN_GAPS` gaps, the median gap of every category's rounds in the past year; never less
    than :data:`MIN_GAP_DAYS` days, so a span of ``D`` days holds at most ``D / 7 + 1`` rounds of
    a category. Sizes: the category's last size, with empirical intervals from its last 12.

    Examples
    --------
    >>> from eeforecast.feed import load_feed
    >>> s = forecast_schedule(load_feed(), as_of="2025-12-17", horizon_days=30)
    >>> list(s.columns[:3])
    ['date', 'category', 'invitations']
    """
    if horizon_days < 1:
        raise ParameterError(f"horizon_days: must be at least 1, got {horizon_days}")
    levels = _check_levels(levels)
    feed = feed.truncate(as_of) if as_of is not None else feed
    day = _origin(feed)
    cats = list(categories) if categories else active_categories(feed, day)
    end = day + pd.Timedelta(days=horizon_days)
    rows = []
    for cat in cats:
        hist = category_history(feed, cat, as_of=day, thresholds=())
        g = gap_days(hist)
        steps = max(1, int(horizon_days / g) + 2)
        fut = schedule_category(hist, steps)
        q = size_quantiles(hist, levels)
        for date, inv in zip(fut.dates, fut.invitations, strict=True):
            if date <= end:
                rows.append({"date": date, "category": cat, "invitations": inv, **q})
    cols = ["date", "category", "invitations"] + [
        f"invitations_{side}_{lv}" for lv in levels for side in ("lo", "hi")
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["date", "category"], kind="stable").reset_index(drop=True)


# --- cutoff models -----------------------------------------------------------------------------


class FittedModel:
    """A cutoff model fitted to one category's history."""

    name = "model"

    def __init__(self, spec, history: History):
        self.spec = spec
        self.history = history
        self.params: dict[str, float] = {}
        self.note = ""

    def forecast(self, future: Future) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts [CRS points] and their standard deviations [CRS points], per step."""
        raise NotImplementedError

    def summary(self) -> str:
        """A readable account of the fit."""
        h = self.history
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        first = pd.Timestamp(h.dates[0])
        last = pd.Timestamp(h.dates[-1])
        text = (
            f"{self.spec.name} for {h.category}: {h.n} rounds {first:%Y-%m-%d}..{last:%Y-%m-%d}"
            f" (as of {h.as_of:%Y-%m-%d})"
        )
        if params:
            text += f"; {params}"
        if self.note:
            text += f"; {self.note}"
        return text

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters as a tidy frame: ``model, category, as_of, parameter, value``."""
        return pd.DataFrame(
            {
                "model": self.spec.name,
                "category": self.history.category,
                "as_of": self.history.as_of,
                "parameter": list(self.params),
                "value": list(self.params.values()),
            }
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary()}>"


def _diff_sd(y: np.ndarray) -> float:
    d = np.diff(y)
    return max(float(np.std(d, ddof=1)), MIN_SD) if len(d) >= 3 else FALLBACK_SD


class _Const(FittedModel):
    def __init__(self, spec, history, mean, sd_fn):
        super().__init__(spec, history)
        self._mean = mean
        self._sd_fn = sd_fn

    def forecast(self, future):
        h = np.arange(1, future.steps + 1, dtype=float)
        return self._mean(h), self._sd_fn(h)


def _level_fit(spec, history, level: float, sd: float) -> _Const:
    """A fitted model forecasting a constant ``level`` with a constant ``sd`` [CRS points]."""
    fitted = _Const(spec, history, lambda h: np.full(len(h), level), lambda h: np.full(len(h), sd))
    fitted.params = {"level": level, "sd": sd}
    return fitted


@dataclass(frozen=True)
class Naive:
    """The category's previous cutoff.

    Notes
    -----
    Assumes the cutoff is a random walk between the category's rounds: the standard deviation at
    step ``h`` is ``sd(diff(y)) * sqrt(h)`` over the window [CRS points].
    """

    name: str = "naive"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        sd = _diff_sd(y)
        fitted = _Const(self, history, lambda h: np.full(len(h), y[-1]), lambda h: sd * np.sqrt(h))
        fitted.params = {"last": y[-1], "sd": sd}
        return fitted


@dataclass(frozen=True)
class WindowMean:
    """The mean of the category's last ``k`` cutoffs.

    Notes
    -----
    Assumes the cutoff fluctuates around a level that moves slowly; the standard deviation is
    that of the window's cutoffs around their ``k``-round moving mean, times ``sqrt(1 + 1/k)``.
    """

    k: int = 3
    name: str = "mean3"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        k = min(self.k, len(y))
        level = float(np.mean(y[-k:]))
        if len(y) > k + 2:
            roll = np.convolve(y, np.ones(k) / k, mode="valid")[:-1]
            sd = float(np.std(y[k:] - roll, ddof=1))
        else:
            sd = _diff_sd(y)
        sd = max(sd, MIN_SD)
        return _level_fit(self, history, level, sd)


@dataclass(frozen=True)
class Drift:
    """The previous cutoff plus the window's average change per round.

    Notes
    -----
    Random walk with drift: ``y[-1] + h * (y[-1] - y[0]) / (n - 1)``; standard deviation
    ``sd(diff(y)) * sqrt(h * (1 + h / (n - 1)))`` [CRS points].
    """

    name: str = "drift"
    min_obs: int = 2

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1) if n >= 2 else 0.0
        sd = _diff_sd(y)
        m = max(n - 1, 1)
        fitted = _Const(
            self,
            history,
            lambda h: y[-1] + h * slope,
            lambda h: sd * np.sqrt(h * (1 + h / m)),
        )
        fitted.params = {"slope": slope, "sd": sd}
        return fitted


@dataclass(frozen=True)
class HuberLevel:
    """A robust level: the Huber M-estimate of the location of the last ``k`` cutoffs.

    Notes
    -----
    Like :class:`WindowMean`, but a cutoff far from the others (an unusually small PNP round,
    say) is down-weighted instead of pulling the level: statsmodels' ``RLM`` with Huber's
    ``t = 1.345`` norm and a MAD scale, on a constant. The standard deviation is that robust
    scale times ``sqrt(1 + 1/k)`` [CRS points]. When the window's cutoffs have no spread (MAD of
    zero) the level is their median.
    """

    k: int = 6
    name: str = "huber"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff[-self.k :]
        k = len(y)
        mad = float(np.median(np.abs(y - np.median(y)))) * 1.4826
        if k < 3 or mad < 1e-9:
            level = float(np.median(y))
            sd = _diff_sd(history.cutoff)
        else:
            import statsmodels.api as sm

            with _quiet():
                res = sm.RLM(y, np.ones((k, 1)), M=sm.robust.norms.HuberT()).fit()
            level = float(res.params[0])
            sd = float(res.scale)
            if not (np.isfinite(level) and np.isfinite(sd)):
                return _NaiveFallback(self, history, "robust fit failed")
        sd = max(sd * math.sqrt(1 + 1 / k), MIN_SD)
        return _level_fit(self, history, level, sd)


@dataclass(frozen=True)
class SnapshotQuantile:
    """The score at which the latest snapshot holds the round's share of candidates.

    Parameters
    ----------
    k : int
        The category's share is the median over its last ``k`` rounds with a snapshot.

    Notes
    -----
    Each past round ``i`` of the category invited ``n_i`` candidates down to cutoff ``c_i``; the
    snapshot published with it held ``A_i(c_i)`` candidates at or above ``c_i`` (all programs;
    :func:`count_above`, exponential tail inside a band). Their ratio ``f_i = n_i / A_i(c_i)`` is
    the share of the pool's top that the category's rounds reach (its eligible fraction, times
    the part not taken by other rounds since the snapshot). With ``f`` the geometric median of
    the last ``k`` ratios, the next round of expected size ``n`` is forecast at the score where
    the latest snapshot known at the origin holds ``n / f`` candidates at or above it
    (:func:`score_for_count`): a pure lookup, no pool engine. With an unchanged pool, size and
    share it repeats the last cutoff; a pool whose top grew since, or a larger round, moves it
    along the pool's distribution. Every step uses the same snapshot. The standard deviation is
    that of :class:`Naive` (calibration rescales it). Without a snapshot: the naive forecast.
    """

    k: int = 3
    name: str = "snap"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        from .feed import BANDS

        bands = history.snap_bands
        if bands is None or history.latest_bands is None:
            return _NaiveFallback(self, history, "no pool snapshot before the origin")
        ok = np.flatnonzero(np.isfinite(bands).all(axis=1))[-self.k :]
        if not len(ok):
            return _NaiveFallback(self, history, "no round with a pool snapshot")
        lo = np.array([b[0] for b in BANDS], dtype=float)
        above = np.array(
            [float(count_above(bands[i], lo, history.cutoff[i])) for i in ok], dtype=float
        )
        share = history.invitations[ok] / np.maximum(above, 1.0)
        f = float(np.exp(np.median(np.log(share))))
        return _SnapshotFit(self, history, f, lo)


class _SnapshotFit(FittedModel):
    def __init__(self, spec, history, share, band_lo):
        super().__init__(spec, history)
        self.share = share
        self.band_lo = band_lo
        self._naive = Naive().fit(history)
        self.params = {"share": share}

    def forecast(self, future):
        _, sd = self._naive.forecast(future)
        need = np.maximum(future.invitations, 1.0) / self.share
        mean = score_for_count(self.history.latest_bands, self.band_lo, need)
        return np.asarray(mean, dtype=float), sd


@dataclass(frozen=True)
class SnapshotChange:
    """The previous cutoff moved by the pool's change since it and by the size change.

    Notes
    -----
    For consecutive rounds ``i - 1, i`` of the category: ``x_i = log A_i(c_{i-1}) - log
    A_{i-1}(c_{i-1})``, the change in the log number of candidates at or above the previous
    cutoff between the snapshots published with the two rounds (:func:`count_above`), and
    ``z_i = log(n_i / n_{i-1})``, the log size ratio. The model is the regression through the
    origin ``c_i - c_{i-1} = b_1 x_i + b_2 z_i + e_i`` fitted by least squares on the window's
    pairs; the forecast is ``c_last + b_1 x + b_2 log(n / n_last)`` with ``x`` measured on the
    latest snapshot known at the origin and ``n`` the size model's forecast (the last size by
    default, so ``z = 0``). A top of the pool that grew since the last round pushes the cutoff
    up; a larger round pulls it down. Every step gets the step-1 shift. The standard deviation
    is the residual one times ``sqrt(h)``. With fewer than ``min_obs`` pairs: the naive forecast.
    """

    name: str = "snapchg"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:
        from .feed import BANDS

        bands = history.snap_bands
        if bands is None or history.latest_bands is None:
            return _NaiveFallback(self, history, "no pool snapshot before the origin")
        lo = np.array([b[0] for b in BANDS], dtype=float)
        y = history.cutoff
        rows = []
        for i in range(1, history.n):
            if not (np.isfinite(bands[i]).all() and np.isfinite(bands[i - 1]).all()):
                continue
            a_now = float(count_above(bands[i], lo, y[i - 1]))
            a_then = float(count_above(bands[i - 1], lo, y[i - 1]))
            x = math.log1p(a_now) - math.log1p(a_then)
            z = math.log(max(history.invitations[i], 1.0) / max(history.invitations[i - 1], 1.0))
            rows.append((x, z, y[i] - y[i - 1]))
        if len(rows) < self.min_obs:
            return _NaiveFallback(self, history, f"{len(rows)} < {self.min_obs} round pairs")
        X = np.array([r[:2] for r in rows])
        d = np.array([r[2] for r in rows])
        beta, *_ = np.linalg.lstsq(X, d, rcond=None)
        resid = d - X @ beta
        sd = max(float(np.sqrt(np.sum(resid**2) / max(len(d) - 2, 1))), MIN_SD)
        ok = np.flatnonzero(np.isfinite(bands).all(axis=1))
        if not len(ok) or ok[-1] != history.n - 1:
            return _NaiveFallback(self, history, "the last round has no pool snapshot")
        x_now = math.log1p(float(count_above(history.latest_bands, lo, y[-1]))) - math.log1p(
            float(count_above(bands[-1], lo, y[-1]))
        )
        fitted = _ChangeFit(self, history, beta, x_now, sd)
        fitted.params = {"b_pool": float(beta[0]), "b_size": float(beta[1]), "x": x_now, "sd": sd}
        return fitted


class _ChangeFit(FittedModel):
    def __init__(self, spec, history, beta, x_now, sd):
        super().__init__(spec, history)
        self.beta, self.x_now, self.sd = beta, x_now, sd

    def forecast(self, future):
        h = np.arange(1, future.steps + 1, dtype=float)
        last = self.history.cutoff[-1]
        z = np.log(np.maximum(future.invitations, 1.0) / max(self.history.invitations[-1], 1.0))
        mean = last + self.beta[0] * self.x_now + self.beta[1] * z
        return mean, self.sd * np.sqrt(h)


class _NaiveFallback(FittedModel):
    def __init__(self, spec, history, reason):
        super().__init__(spec, history)
        self._inner = Naive().fit(history)
        self.note = f"naive fallback ({reason})"

    def forecast(self, future):
        return self._inner.forecast(future)


@contextlib.contextmanager
def _quiet():
    """Silence statsmodels' convergence and estimation chatter inside the block (only there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True)
class ETS:
    """Exponential smoothing (statsmodels ``ETSModel``, additive errors).

    Parameters
    ----------
    trend : bool
        Add a damped additive trend (used only with at least ``min_obs_trend`` rounds).

    Notes
    -----
    Simple exponential smoothing weights recent rounds geometrically (the smoothing weight is
    estimated by maximum likelihood); with ``trend`` a damped trend lets a run of falling cutoffs
    continue for a few rounds. Intervals come from the model's analytic forecast variance. With
    fewer than ``min_obs`` rounds the naive forecast is used.
    """

    trend: bool = False
    name: str = "ets"
    min_obs: int = 5
    min_obs_trend: int = 12

    def fit(self, history: History) -> FittedModel:
        if history.n < self.min_obs:
            return _NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        loc, scale = _standardize(history.cutoff)
        y = pd.Series((history.cutoff - loc) / scale)
        trend = "add" if self.trend and history.n >= self.min_obs_trend else None
        try:
            with _quiet():
                res = ETSModel(y, error="add", trend=trend, damped_trend=trend is not None).fit(
                    disp=False
                )
        except (ValueError, np.linalg.LinAlgError) as exc:
            return _NaiveFallback(self, history, f"fit failed: {exc}")
        fitted = _Statsmodels(self, history, res, kind="ets", loc=loc, scale=scale)
        fitted.params = {k: float(v) for k, v in zip(res.param_names, res.params, strict=True)}
        return fitted


@dataclass(frozen=True)
class ARIMA:
    """ARIMA / regression with ARIMA errors (statsmodels ``SARIMAX``) on the round-indexed series.

    Parameters
    ----------
    order : tuple of int
        ``(p, d, q)``.
    exog : tuple of str
        Regressors among ``log_invitations``, ``log_gap``, ``log_above_<S>`` (see
        :class:`History`); columns that do not vary in the window are dropped.
    name : str
        Column name in frames.

    Notes
    -----
    With ``d = 0`` a constant is estimated: the cutoff reverts to the window's level, shifted by
    the regressors (a larger round reaches lower scores; a longer gap lets the pool refill).
    Future regressors come from the schedule models (expected size and gap) and the latest
    snapshot known at the origin. With fewer than ``min_obs`` rounds the naive forecast is used.
    """

    order: tuple[int, int, int] = (0, 1, 1)
    exog: tuple[str, ...] = ()
    name: str = "arima"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:
        if history.n < self.min_obs:
            return _NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        cols, mean, scale = _exog_columns(history, self.exog)
        X = _exog_matrix(history.exog, cols, mean, scale)
        trend = "c" if self.order[1] == 0 else "n"
        loc, sd_y = _standardize(history.cutoff)
        try:
            with _quiet():
                res = SARIMAX(
                    (history.cutoff - loc) / sd_y, exog=X, order=self.order, trend=trend
                ).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError) as exc:
            return _NaiveFallback(self, history, f"fit failed: {exc}")
        if not np.isfinite(res.params).all():
            return _NaiveFallback(self, history, "non-finite parameters")
        fitted = _Statsmodels(
            self, history, res, kind="arima", exog=(cols, mean, scale), loc=loc, scale=sd_y
        )
        rename = {f"x{i + 1}": c for i, c in enumerate(cols)}
        fitted.params = {
            rename.get(k, k): float(v) for k, v in zip(res.param_names, res.params, strict=True)
        }
        return fitted


@dataclass(frozen=True)
class AR:
    """Autoregression with optional regressors, by conditional least squares (statsmodels
    ``AutoReg``).

    Parameters
    ----------
    lags : int
        Autoregressive order ``p``.
    exog : tuple of str
        Regressors among ``log_invitations``, ``log_gap``, ``log_above_<S>`` (see
        :class:`History`); columns that do not vary in the window are dropped.
    name : str
        Column name in frames.

    Notes
    -----
    ``y[t] = c + phi_1 y[t-1] + ... + phi_p y[t-p] + beta' x[t] + e[t]``: with ``|phi| < 1`` the
    cutoff reverts to the window's level (shifted by the regressors: a larger round reaches lower
    scores, a longer gap lets the pool refill). Least squares instead of the exact likelihood of
    :class:`ARIMA` makes it about fifty times faster, which matters in the rolling-origin
    backtest. Forecast standard deviations are the model's (innovation variance propagated through
    the AR recursion, parameter uncertainty ignored). With fewer than ``min_obs`` rounds the naive
    forecast is used.
    """

    lags: int = 1
    exog: tuple[str, ...] = ()
    name: str = "ar1"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:
        if history.n < max(self.min_obs, self.lags + 3 + len(self.exog)):
            return _NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.ar_model import AutoReg

        cols, mean, scale = _exog_columns(history, self.exog)
        X = _exog_matrix(history.exog, cols, mean, scale)
        loc, sd_y = _standardize(history.cutoff)
        try:
            with _quiet():
                res = AutoReg(
                    (history.cutoff - loc) / sd_y, lags=self.lags, trend="c", exog=X
                ).fit()
        except (ValueError, np.linalg.LinAlgError) as exc:
            return _NaiveFallback(self, history, f"fit failed: {exc}")
        if not np.isfinite(res.params).all():
            return _NaiveFallback(self, history, "non-finite parameters")
        fitted = _Statsmodels(
            self, history, res, kind="autoreg", exog=(cols, mean, scale), loc=loc, scale=sd_y
        )
        names = ["const"] + [f"ar.L{i}" for i in range(1, self.lags + 1)] + list(cols)
        fitted.params = {k: float(v) for k, v in zip(names, res.params, strict=True)}
        return fitted


def _exog_columns(history: History, names) -> tuple[list, list, list]:
    """The regressors that vary in the window, with their means and standard deviations."""
    cols, mean, scale = [], [], []
    for name in names:
        if name not in history.exog:
            raise ParameterError(f"exog: unknown regressor {name!r}")
        x = history.exog[name]
        if np.isfinite(x).all() and np.std(x) > 1e-9:
            cols.append(name)
            mean.append(float(np.mean(x)))
            scale.append(float(np.std(x)))
    return cols, mean, scale


def _exog_matrix(exog: dict, cols, mean, scale) -> np.ndarray | None:
    """Standardised regressor matrix (unknown future values are set to their mean, 0)."""
    if not cols:
        return None
    X = np.column_stack([(exog[c] - m) / s for c, m, s in zip(cols, mean, scale, strict=True)])
    return np.where(np.isfinite(X), X, 0.0)


def _standardize(y: np.ndarray) -> tuple[float, float]:
    """Location and scale that put a cutoff series near 0 +- 1 (the optimisers converge faster
    and more reliably there; forecasts are transformed back)."""
    loc = float(np.mean(y))
    scale = float(np.std(y))
    return loc, scale if scale > 1e-9 else 1.0


class _Statsmodels(FittedModel):
    def __init__(self, spec, history, res, kind, exog=((), (), ()), loc=0.0, scale=1.0):
        super().__init__(spec, history)
        self.loc = loc
        self.scale = scale
        self.res = res
        self.kind = kind
        self.exog_cols = exog

    def forecast(self, future):
        steps = future.steps
        with _quiet():
            if self.kind == "ets":
                n = self.history.n
                pred = self.res.get_prediction(start=n, end=n + steps - 1)
                mean = np.asarray(pred.predicted_mean, dtype=float)
                sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
            else:
                X = _exog_matrix(future.exog, *self.exog_cols)
                if self.kind == "autoreg":
                    n = self.history.n
                    pred = self.res.get_prediction(start=n, end=n + steps - 1, exog_oos=X)
                    mean = np.asarray(pred.predicted_mean, dtype=float)
                    sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
                else:
                    pred = self.res.get_forecast(steps, exog=X)
                    mean = np.asarray(pred.predicted_mean, dtype=float)
                    sd = np.asarray(pred.se_mean, dtype=float)
        if not (np.isfinite(mean).all() and np.isfinite(sd).all()):
            return Naive().fit(self.history).forecast(future)
        return self.loc + self.scale * mean, np.maximum(self.scale * sd, MIN_SD)


@dataclass(frozen=True)
class Combination:
    """The average of other models' forecasts.

    Parameters
    ----------
    members : tuple of model specifications
        The models averaged (equal weights).

    Notes
    -----
    Averaging forecasts with different errors cancels part of them; equal weights are hard to
    beat when the error history is short. The standard deviation is the root mean of the members'
    variances (assumes perfectly correlated errors: conservative before calibration). In
    :func:`raw_forecasts` the members' fits are shared with their own columns.
    """

    members: tuple = ()
    name: str = "combo"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        return _Combined(self, history, [m.fit(history) for m in self.members])

    def combine(self, forecasts: Sequence[tuple[np.ndarray, np.ndarray]]):
        """Combine members' ``(mean, sd)`` pairs into one."""
        means = np.array([f[0] for f in forecasts])
        sds = np.array([f[1] for f in forecasts])
        return means.mean(axis=0), np.sqrt((sds**2).mean(axis=0))


class _Combined(FittedModel):
    def __init__(self, spec, history, fitted):
        super().__init__(spec, history)
        self.fitted = fitted
        self.note = "mean of " + ", ".join(m.spec.name for m in fitted)

    def forecast(self, future):
        return self.spec.combine([f.forecast(future) for f in self.fitted])


_POOL_CACHE: dict = {}


def _pool_model(feed, day: pd.Timestamp):
    """The pool model fitted on ``feed`` as of ``day`` (cached per feed content and day)."""
    from .pool import fit_pool

    key = (
        day,
        len(feed.rounds),
        pd.Timestamp(feed.rounds["date"].max()),
        len(feed.snapshots),
        pd.Timestamp(feed.snapshots["as_of"].max()) if len(feed.snapshots) else None,
    )
    if key not in _POOL_CACHE:
        if len(_POOL_CACHE) >= 8:
            _POOL_CACHE.pop(next(iter(_POOL_CACHE)))
        with _quiet():
            _POOL_CACHE[key] = fit_pool(feed, as_of=day)
    return _POOL_CACHE[key]


@dataclass(frozen=True)
class Structural:
    """Forecast sizes and dates, then ask the pool engine for the cutoff.

    Notes
    -----
    The pool model (:func:`eeforecast.pool.fit_pool`) is fitted on the feed as of the origin.
    Every active category's expected rounds (:func:`forecast_schedule`) up to the last forecast
    date are simulated on it deterministically (:func:`eeforecast.simulate.simulate_feed`, which
    first replays the rounds held since the latest snapshot); this category's rounds use the
    dates and sizes of ``future``. The cutoff of each is the forecast. The spread is that of
    :class:`Naive` (calibration rescales it). Assumes the schedule forecast is right: an
    unexpected large round moves the cutoff that this model cannot see coming. It is slow
    (one pool fit per origin), so it is not among :data:`DEFAULT_MODELS`; add it explicitly.
    """

    name: str = "structural"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        feed = history.feed
        if feed is None or not len(feed.snapshots):
            return _NaiveFallback(self, history, "no pool snapshot before the origin")
        try:
            model = _pool_model(feed, history.as_of)
        except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
            return _NaiveFallback(self, history, f"pool fit failed: {exc}")
        state = model.state()
        if history.category != "general" and history.category not in state.eligible:
            return _NaiveFallback(self, history, "the pool model has no eligible estimate")
        return _StructuralFit(self, history, model)


class _StructuralFit(FittedModel):
    def __init__(self, spec, history, model):
        super().__init__(spec, history)
        self.model = model
        self._naive = Naive().fit(history)

    def forecast(self, future):
        from .simulate import Round, simulate_feed

        h = self.history
        state = self.model.state()
        horizon = max(1, (future.dates[-1] - h.as_of).days)
        sched = forecast_schedule(h.feed, h.as_of, horizon_days=horizon, levels=())
        rounds = [
            Round.make(row.date, row.category, max(1, int(round(row.invitations))))
            for row in sched.itertuples(index=False)
            if row.category != h.category
            and (row.category == "general" or row.category in state.eligible)
        ]
        mine = [
            Round.make(d, h.category, max(1, int(round(n))))
            for d, n in zip(future.dates, future.invitations, strict=True)
        ]
        order = sorted(
            [(r.date, 1, i, r) for i, r in enumerate(rounds)]
            + [(r.date, 0, i, r) for i, r in enumerate(mine)],
            key=lambda t: t[:3],
        )
        with _quiet():
            res = simulate_feed(self.model, [t[3] for t in order], as_of=h.as_of)
        frame = res.to_frame()
        cut = frame.loc[frame["category"] == h.category, "cutoff"].to_numpy(dtype=float)
        _, sd = self._naive.forecast(future)
        if len(cut) != future.steps or not np.isfinite(cut).all():
            return self._naive.forecast(future)
        return cut, sd


_AR1 = AR(name="ar1")
_ARX = AR(exog=("log_invitations", "log_gap"), name="arx")

#: The models every forecast and backtest runs (baselines first). ``ar1`` and ``arx`` are
#: ARIMA(1, 0, 0) models (the second with regressors) fitted by least squares; the exact-likelihood
#: :class:`ARIMA` versions are as accurate in the backtest and three times slower.
DEFAULT_MODELS: tuple = (
    Naive(),
    WindowMean(k=3),
    Drift(),
    ETS(),
    _AR1,
    _ARX,
    Combination(members=(Naive(), ETS(), _AR1, _ARX)),
)
#: Models tried in the 2023-2025 backtest and left out of the defaults because they lost to
#: naive or to ``combo`` (README, *Forecast accuracy*); pass them in ``models=`` to rerun them.
EXPERIMENTAL_MODELS: tuple = (HuberLevel(), SnapshotQuantile(), SnapshotChange())
BASELINES = ("naive", "mean3", "drift")
#: The model the ``auto`` choice falls back to and keeps unless another is clearly better.
DEFAULT_CHOICE = "combo"


def _check_models(models) -> tuple:
    models = tuple(DEFAULT_MODELS if models is None else models)
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ParameterError(f"models: names must be unique, got {names}")
    if "naive" not in names:
        models = (Naive(),) + models
    if "auto" in names:
        raise ParameterError("models: 'auto' is reserved for the backtest-selected model")
    return models


def _check_levels(levels) -> tuple[int, ...]:
    out = []
    for lv in levels or ():
        try:
            value = int(lv)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"level: not a whole percentage: {lv!r}") from exc
        if not 0 < value < 100 or value != float(lv):
            raise ParameterError(f"level: must be a whole percentage in 1..99, got {lv!r}")
        out.append(value)
    return tuple(sorted(set(out)))


# --- raw forecasts at one origin ---------------------------------------------------------------


def _fit(model, history: History, cache: dict | None):
    key = (model, history.key())
    fitted = cache.get(key) if cache is not None else None
    if fitted is None:
        fitted = model.fit(history)
        if cache is not None:
            cache[key] = fitted
    return fitted


def raw_forecasts(
    feed,
    origin,
    categories: Sequence[str],
    horizon: int,
    models: Sequence,
    *,
    actual: pd.DataFrame | None = None,
    cache: dict | None = None,
    history_kw: dict | None = None,
    known_schedule: bool = False,
) -> list[dict]:
    """Uncalibrated forecasts of every model for the next ``horizon`` rounds of each category.

    ``feed`` is cut at ``origin`` here. With ``actual`` (the full rounds frame) the rows carry the
    actual dates and cutoffs of the rounds that followed (backtest); otherwise the expected dates.
    ``known_schedule`` (a diagnostic, needs ``actual``) gives the models the actual dates and
    sizes of those rounds instead of the schedule forecast: information IRCC publishes only with
    the round, so its errors are not forecast errors.
    A category that is not active at the origin (no round in the :data:`ACTIVE_DAYS` days before
    it: general before its July 2022 restart, CEC before May 2024) is skipped, as
    :func:`forecast` refuses it: its stale level would be scored as if it had been forecast.
    Returns records ``origin, category, step, date, actual, invitations, expected_date,
    actual_invitations, last_invitations, model, mean, sd`` (``invitations`` and
    ``expected_date`` are the schedule models' forecasts; ``actual_invitations`` is NaN outside a
    backtest).
    """
    origin = _as_day(origin, "origin")
    if known_schedule and actual is None:
        raise ParameterError("known_schedule: needs the actual rounds (a backtest)")
    view = feed.truncate(origin)
    records = []
    for cat in categories:
        try:
            hist = category_history(view, cat, as_of=origin, **(history_kw or {}))
        except ParameterError:
            continue
        if pd.Timestamp(hist.dates[-1]) <= origin - pd.Timedelta(days=ACTIVE_DAYS):
            continue  # dormant at the origin: not forecast
        fut = schedule_category(hist, horizon)
        dates = list(fut.dates)
        truth = [np.nan] * horizon
        sizes = [np.nan] * horizon
        if actual is not None:
            later = actual[(actual["category"] == cat) & (actual["date"] > origin)]
            nxt = later[later["invitations"] > 0].head(horizon)  # a 0-size round is no target
            if nxt.empty:
                continue
            dates = list(nxt["date"]) + [pd.NaT] * (horizon - len(nxt))
            truth = list(nxt["cutoff"].astype(float)) + [np.nan] * (horizon - len(nxt))
            sizes = list(nxt["invitations"].astype(float)) + [np.nan] * (horizon - len(nxt))
            if known_schedule:  # steps past the feed's end are padded weekly; never scored
                pad = [nxt["date"].iloc[-1] + pd.Timedelta(weeks=j + 1) for j in range(horizon)]
                fut = future_of(
                    hist,
                    list(nxt["date"]) + pad[: horizon - len(nxt)],
                    [s if np.isfinite(s) else sizes[len(nxt) - 1] for s in sizes],
                )
        done: dict = {}
        for model in sorted(models, key=lambda m: isinstance(m, Combination)):
            if isinstance(model, Combination):
                parts = [
                    done[m.name] if m.name in done else _fit(m, hist, cache).forecast(fut)
                    for m in model.members
                ]
                mean, sd = model.combine(parts)
            else:
                mean, sd = _fit(model, hist, cache).forecast(fut)
            done[model.name] = (mean, sd)
        for model in models:
            mean, sd = done[model.name]
            for i in range(horizon):
                if actual is not None and pd.isna(dates[i]):
                    continue
                records.append(
                    {
                        "origin": origin,
                        "category": cat,
                        "step": i + 1,
                        "date": dates[i],
                        "actual": truth[i],
                        "invitations": float(fut.invitations[i]),
                        "expected_date": fut.dates[i],
                        "actual_invitations": sizes[i],
                        "last_invitations": float(hist.invitations[-1]),
                        "model": model.name,
                        "mean": float(mean[i]),
                        "sd": float(sd[i]),
                    }
                )
    return records


# --- calibration and model choice -------------------------------------------------------------

#: Columns of a backtest frame that describe the round rather than a model's forecast.
SCHEDULE_COLUMNS = (
    "date",
    "actual",
    "invitations",
    "expected_date",
    "actual_invitations",
    "last_invitations",
)


def _conformal_q(scores: np.ndarray, level: int) -> float:
    n = len(scores)
    k = math.ceil((n + 1) * level / 100)
    s = np.sort(scores)
    if k > n:  # too few scores for a finite quantile: extrapolate the largest by a Gaussian ratio
        z = stats.norm.ppf(0.5 + level / 200)
        z_n = stats.norm.ppf(0.5 + (n / (n + 1)) / 2)
        return float(s[-1] * z / z_n)
    return float(s[k - 1])


def calibrate(
    raw: pd.DataFrame,
    levels: Sequence[int] = DEFAULT_LEVELS,
    *,
    calibrate: bool = True,
    window: int = 40,
    min_scores: int = 8,
    select_window: int = 30,
    min_select: int = 8,
    margin: float = 0.1,
    default: str = DEFAULT_CHOICE,
) -> pd.DataFrame:
    """Calibrated intervals for every model and the backtest-chosen ``auto`` model.

    Parameters
    ----------
    raw : pandas.DataFrame
        Long raw forecasts (:func:`raw_forecasts` records): ``origin, category, step, date,
        actual, invitations, model, mean, sd``.
    levels : sequence of int
        Interval levels [%].
    calibrate : bool
        False keeps the models' own Gaussian intervals (``mean +- z * sd``).
    window : int
        Number of most recent normalised residuals of the (model, category) at steps ``1..k``
        used for step ``k`` [forecasts].
    min_scores : int
        Fewer residuals than this in the category at steps ``1..k``: use those of all categories
        in ``raw`` at those steps (normalised, so no level leaks between categories); fewer
        still: the Gaussian interval.
    select_window, min_select : int
        The ``auto`` model of a category at an origin is the model with the lowest mean absolute
        error over the category's last ``select_window`` evaluated step-1 forecasts (the next
        round); with fewer than ``min_select`` of them, ``default``. One model serves all steps.
    margin : float
        ``default`` is kept unless another model's MAE is lower by more than this fraction
        (choosing on a short, noisy error history otherwise chases luck).
    default : str
        Model used before enough backtest errors exist (falls back to ``naive`` when absent).

    Returns
    -------
    pandas.DataFrame
        Wide: ``origin, category, step, date, actual, invitations`` (and the other
        :data:`SCHEDULE_COLUMNS` present in ``raw``), then per model ``<m>,
        <m>_lo_<L>, <m>_hi_<L>``, then ``auto, auto_lo_<L>, auto_hi_<L>, auto_model``.

    Notes
    -----
    Conformal-style calibration: each forecast's normalised residual ``|actual - mean| / sd`` is a
    score. At an origin, the scores of forecasts at steps ``1..k`` whose rounds had already
    happened (``date <= origin``) are the calibration set of step ``k``; the interval is ``mean
    +- q * sd`` with ``q`` the ``ceil((n + 1) L / 100)``-th smallest score. It assumes the recent
    scores are exchangeable with the coming one: the intervals widen when a model has been
    surprised lately. The scores are divided by each step's own sd, so the steps share one
    scale; pooling the earlier steps in keeps the set recent (a step-3 forecast is scored three
    rounds after it was made, a step-1 forecast the next day) and large, which took the step-3
    coverage of the 2023-2025 backtest from 72% / 83% to 77% / 93% at 80% / 95% nominal
    (step 1 unchanged; README, *Forecast accuracy*). The half-width at step ``k`` is then raised
    to that of step ``k - 1`` from the same origin where it is smaller (a later round is never
    more certain: with few recent residuals a step-3 interval could come out narrower than the
    step-1 one). Only information available at the origin is
    used, so the backtest of these intervals is honest. Calibration of step ``k`` uses steps
    ``1..k`` only and the choice uses step-1 errors only, so step ``k``'s forecast and interval
    do not depend on how many steps ``raw`` holds; they depend on the other categories only
    through the pooled scores of a category with fewer than ``min_scores``.
    """
    levels = _check_levels(levels)
    if raw.empty:
        raise ParameterError("calibrate: no forecasts to calibrate")
    keys = ["origin", "category", "step"]
    base = (
        raw.drop_duplicates(keys)[keys + [c for c in SCHEDULE_COLUMNS if c in raw.columns]]
        .sort_values(keys)
        .reset_index(drop=True)
    )
    models = list(dict.fromkeys(raw["model"]))
    if default not in models:
        default = "naive" if "naive" in models else models[0]
    out = base.copy()
    origin = base["origin"].to_numpy()
    date = base["date"].to_numpy()
    cat = base["category"].to_numpy()
    actual = base["actual"].to_numpy(dtype=float)
    known = np.isfinite(actual)
    step = base["step"].to_numpy(dtype=int)
    zs = {lv: stats.norm.ppf(0.5 + lv / 200) for lv in levels}

    def _by_date(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(mask)
        idx = idx[np.argsort(date[idx], kind="stable")]
        return idx, date[idx]

    # calibration sets per (category, step) and per step (all categories): steps 1..k, by date
    sets: dict = {}
    for k in np.unique(step):
        at_k = known & (step <= k)
        sets[("*", k)] = _by_date(at_k)
        for c in np.unique(cat[step == k]):
            sets[(c, k)] = _by_date(at_k & (cat == c))

    def _calibration_rows(i: int) -> np.ndarray | None:
        """Rows whose scores calibrate row ``i``: its category's last ``window`` at steps up to
        its step known at its origin, else all categories', else None (Gaussian)."""
        for key in ((cat[i], step[i]), ("*", step[i])):
            idx, days = sets[key]
            n = int(np.searchsorted(days, origin[i], side="right"))
            if n >= min_scores:
                return idx[max(0, n - window) : n]
        return None

    calib_rows = [_calibration_rows(i) for i in range(len(base))] if calibrate else []
    abs_err = {}
    for m in models:
        part = raw[raw["model"] == m].set_index(keys).reindex(pd.MultiIndex.from_frame(base[keys]))
        mean = part["mean"].to_numpy(dtype=float)
        sd = part["sd"].to_numpy(dtype=float)
        out[m] = mean
        err = np.abs(actual - mean)
        abs_err[m] = err
        score = err / sd
        q = {lv: np.full(len(base), zs[lv]) for lv in levels}
        for i, rows in enumerate(calib_rows):
            if rows is None:
                continue
            for lv in levels:
                q[lv][i] = _conformal_q(score[rows], lv)
        for lv in levels:
            # a later round is never more certain than an earlier one: the half-width at step k
            # is at least that of step k - 1 from the same origin
            half = pd.Series(q[lv] * sd).groupby([origin, cat]).cummax().to_numpy()
            out[f"{m}_lo_{lv}"] = mean - half
            out[f"{m}_hi_{lv}"] = mean + half
    # auto: per (origin, category), the model with the lowest recent step-1 backtest MAE
    chosen = np.full(len(base), default, dtype=object)
    for c in np.unique(cat):
        idx, days = _by_date(known & (step == 1) & (cat == c))
        mine = cat == c
        for o in np.unique(origin[mine]):
            n = int(np.searchsorted(days, o, side="right"))
            if n < min_select:
                continue
            last = idx[max(0, n - select_window) : n]
            maes = {m: float(np.mean(abs_err[m][last])) for m in models}
            best = min(maes, key=lambda m: (maes[m], models.index(m)))
            if maes[best] >= (1 - margin) * maes[default]:
                best = default
            chosen[mine & (origin == o)] = best
    out["auto_model"] = chosen
    for col in ["", *[f"_{s}_{lv}" for lv in levels for s in ("lo", "hi")]]:
        values = np.empty(len(base))
        for m in models:
            sel = chosen == m
            values[sel] = out.loc[sel, f"{m}{col}"].to_numpy()
        out[f"auto{col}"] = values
    return out


# --- the forecast ------------------------------------------------------------------------------


@dataclass
class ForecastResult:
    """Forecasts of the next rounds of each category at one as-of day.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The origin.
    levels : tuple of int
        Interval levels [%].
    table : pandas.DataFrame
        ``category, step, date, cutoff, cutoff_lo_<L>, cutoff_hi_<L>, ..., invitations, model``:
        the ``auto`` model's forecasts (the model named in ``model``).
    models : pandas.DataFrame
        Every model's calibrated forecasts, wide (as :func:`calibrate` returns them).
    backtest : pandas.DataFrame
        The rolling-origin backtest before ``as_of`` used to choose models and calibrate.
    selection : pandas.DataFrame
        Per category: the chosen model and each model's recent backtest MAE [CRS points].
    """

    as_of: pd.Timestamp
    levels: tuple[int, ...]
    table: pd.DataFrame
    models: pd.DataFrame
    backtest: pd.DataFrame
    selection: pd.DataFrame

    def forecast(self) -> pd.DataFrame:
        """The forecast table (a copy)."""
        return self.table.copy()

    def to_frame(self, which: str = "forecast") -> pd.DataFrame:
        """``forecast`` (default), ``models``, ``backtest`` or ``selection`` as a DataFrame."""
        frames = {
            "forecast": self.table,
            "models": self.models,
            "backtest": self.backtest,
            "selection": self.selection,
        }
        if which not in frames:
            raise ParameterError(f"which: one of {sorted(frames)}, got {which!r}")
        return frames[which].copy()

    def summary(self) -> str:
        """A readable summary: per category the chosen model and the next round's forecast."""
        lines = [f"Cutoff forecast as of {self.as_of:%Y-%m-%d} (levels {list(self.levels)})"]
        lv = self.levels[0] if self.levels else None
        for _, row in self.table[self.table["step"] == 1].iterrows():
            band = ""
            if lv is not None:
                band = f" [{row[f'cutoff_lo_{lv}']:.0f}, {row[f'cutoff_hi_{lv}']:.0f}] {lv}%"
            lines.append(
                f"  {row['category']:<11} {row['date']:%Y-%m-%d} ~{row['invitations']:.0f} "
                f"invitations: cutoff {row['cutoff']:.0f}{band} ({row['model']})"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _selection_table(cv: pd.DataFrame, models, as_of, select_window: int) -> pd.DataFrame:
    """Per category, each model's MAE over its last ``select_window`` step-1 forecasts (the
    errors :func:`calibrate` chooses ``auto`` by) [CRS points]."""
    rows = []
    if cv.empty:  # no evaluated forecast yet (e.g. a category without rounds in the window)
        return pd.DataFrame()
    known = cv[np.isfinite(cv["actual"].astype(float)) & (cv["date"] <= as_of) & (cv["step"] == 1)]
    for cat, part in known.groupby("category", sort=True):
        part = part.sort_values("date", kind="stable").tail(select_window)
        row = {"category": cat, "n": len(part)}
        for m in models:
            row[f"mae_{m}"] = float(np.mean(np.abs(part["actual"] - part[m])))
        rows.append(row)
    return pd.DataFrame(rows)


def forecast(
    feed=None,
    as_of=None,
    *,
    horizon: int = 3,
    categories: Sequence[str] | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    models: Sequence | None = None,
    calibration_days: int = 730,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> ForecastResult:
    """Forecast the next ``horizon`` rounds of each active category, with calibrated intervals.

    Parameters
    ----------
    feed : eeforecast.feed.Feed, optional
        The feed (default: the bundled one). It is cut at ``as_of``.
    as_of : date-like, optional
        Origin day; step 1 is each category's first round after it.
    horizon : int
        Rounds per category [rounds].
    categories : sequence of str, optional
        Categories to forecast among the active ones, those with a round in the 12 months before
        ``as_of`` (default: all of them).
    levels : sequence of int
        Interval levels [%].
    models : sequence of model specifications, optional
        Default :data:`DEFAULT_MODELS`.
    calibration_days : int
        The rolling-origin backtest over this many days before ``as_of`` chooses each category's
        model and calibrates the intervals [days]. It always covers every active category, so
        a category's forecast does not depend on which others are requested.
    n_jobs : int or None
        Processes for that backtest (None: all cores).
    progress : bool or None
        Show a progress bar (None: only on a terminal).

    Returns
    -------
    ForecastResult

    Raises
    ------
    ParameterError
        For a requested category that is not active on ``as_of`` (named, with its last round),
        a horizon below 1 or a bad level.

    Notes
    -----
    Step ``k``'s forecast and interval depend only on the feed, ``as_of``, the models and
    ``calibration_days``: not on ``horizon`` (as long as it reaches ``k``) nor on the other
    requested categories. The calibration backtest runs over all active categories, intervals
    are calibrated per step on the residuals of steps up to it (pooling categories only for one
    with fewer than 8 of them) and ``auto`` is chosen per category from step-1 errors (:func:`calibrate`).

    Examples
    --------
    >>> from eeforecast.feed import load_feed
    >>> res = forecast(load_feed(), as_of="2025-06-30", categories=["cec"], horizon=2)
    >>> res.table[["category", "step"]].values.tolist()
    [['cec', 1], ['cec', 2]]
    """
    from . import backtest as bt

    horizon = _whole(horizon, "horizon")
    calibration_days = _whole(calibration_days, "calibration_days")
    categories = _slugs(categories)
    levels = _check_levels(levels)
    models = _check_models(models)
    feed = _feed_at(feed, as_of)
    day = _origin(feed)
    active = active_categories(feed, day)
    if categories:
        last_round = feed.rounds.groupby("category")["date"].max()
        for c in categories:
            if c not in last_round.index:
                raise ParameterError(f"category {c!r}: no round of it on or before {day:%Y-%m-%d}")
            if c not in active:
                raise ParameterError(
                    f"category {c!r}: not active on {day:%Y-%m-%d} (its last round was "
                    f"{last_round[c]:%Y-%m-%d}; active means a round in the {ACTIVE_DAYS} days "
                    "before the as-of day)"
                )
        cats = list(dict.fromkeys(categories))
    else:
        cats = active
    if not cats:
        raise ParameterError(f"as_of {day:%Y-%m-%d}: no category held a round in the last year")
    # every active category, whatever was requested: the pooled calibration of a category with
    # few residuals must not depend on the request (calibration and choice are per step)
    raw_past = bt.raw_backtest(
        feed,
        start=day - pd.Timedelta(days=calibration_days),
        end=day,
        horizon=horizon,
        models=models,
        categories=active,
        n_jobs=n_jobs,
        progress=progress,
    )
    raw_now = pd.DataFrame(raw_forecasts(feed, day, active, horizon, models))
    raw = pd.concat([raw_past, raw_now], ignore_index=True)
    wide = calibrate(raw, levels)
    wide = wide[wide["category"].isin(cats)]
    now = wide[wide["origin"] == day].reset_index(drop=True)
    past = wide[wide["origin"] < day].reset_index(drop=True)
    table = pd.DataFrame(
        {
            "category": now["category"],
            "step": now["step"].astype(int),
            "date": pd.to_datetime(now["date"]),
            "cutoff": now["auto"].clip(0, MAX_SCORE),
        }
    )
    for lv in levels:  # a Gaussian interval can reach past the CRS scale: clip it
        table[f"cutoff_lo_{lv}"] = now[f"auto_lo_{lv}"].clip(0, MAX_SCORE)
        table[f"cutoff_hi_{lv}"] = now[f"auto_hi_{lv}"].clip(0, MAX_SCORE)
    table["invitations"] = now["invitations"].round().astype("int64")
    table["model"] = now["auto_model"]
    order = {c: i for i, c in enumerate(cats)}
    table = table.sort_values(
        ["category", "step"], key=lambda s: s.map(order) if s.name == "category" else s
    ).reset_index(drop=True)
    names = [m.name for m in models]
    selection = _selection_table(past, names, day, 30)
    if not selection.empty:
        chosen = now.drop_duplicates("category").set_index("category")["auto_model"]
        selection.insert(1, "chosen", selection["category"].map(chosen))
    return ForecastResult(
        as_of=day, levels=levels, table=table, models=now, backtest=past, selection=selection
    )


# --- backlog: the pool above thresholds over the coming weeks ----------------------------------


# --- the next cutoff by the size of the round -------------------------------------------------

#: Quantiles of the past year's round sizes that :func:`cutoff_by_size` asks about by default.
SIZE_QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


def cutoff_by_size(
    feed,
    category: str,
    sizes: Sequence[int] | None = None,
    as_of: object = None,
    *,
    date: object = None,
    model=None,
    n_paths: int = 1000,
    rng: int | np.random.Generator | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    room: bool = True,
) -> pd.DataFrame:
    """The cutoff of the category's next round at each of several sizes (a what-if table).

    The round's size moves its cutoff more than anything else a forecast can know, and IRCC
    publishes it only with the round (README, *Forecast accuracy*): this table gives the pool
    engine's answer (:func:`eeforecast.simulate.conditional_cutoff`) for each size an analyst
    may expect.

    Parameters
    ----------
    feed : eeforecast.feed.Feed or None
        The rounds and snapshots (default: the bundled feed).
    category : str
        Category slug of the round; it must be active (a round in the :data:`ACTIVE_DAYS` days
        before ``as_of``).
    sizes : sequence of int, optional
        Invitations to ask about [candidates]. Default: the smallest, quartiles and largest of
        the category's round sizes of the past :data:`ACTIVE_DAYS` days, rounded to 50 within
        that range (duplicates dropped).
    as_of : date-like, optional
        What is known (default: the feed's last day).
    date : date-like, optional
        Day of the round (default: the category's next expected round,
        :func:`schedule_category`; the pool gains its inflow until then).
    model : eeforecast.pool.PoolModel, optional
        The pool model fitted on ``feed`` as of the same day (saves the fit); one fitted as of
        another day is refused.
    n_paths : int
        Monte Carlo paths per size; 1 gives the deterministic expected path, without intervals
        [paths].
    rng : int, numpy.random.Generator or None
        Seed. Every size uses the same draws (common random numbers), so the cutoffs of two
        sizes differ by the size alone.
    levels : sequence of int
        Interval levels [%].
    room : bool
        See :func:`eeforecast.simulate.simulate_feed`.

    Returns
    -------
    pandas.DataFrame
        One row per size, ascending: ``category, date, invitations`` [candidates], ``cutoff``
        and ``cutoff_lo_<L>, cutoff_hi_<L>`` [CRS points] (median and interval over paths),
        ``invited`` (median over paths) [candidates], below ``invitations`` when the round ran
        out of eligible candidates in most paths, and ``exhausted_share``, the share of paths in
        which it ran out [fraction] (such a round invites everybody eligible: its cutoff on that
        path is the lowest score among them).

    Raises
    ------
    ParameterError
        An unknown or inactive category, a size below 1, ``n_paths`` below 1, a ``model``
        fitted as of another day.

    Warns
    -----
    UserWarning
        A size larger than the eligible candidates left, or larger than the category's largest
        round of the past year (the room assumption then makes the answer an extrapolation).
    eeforecast.pool.ThinPoolWarning
        The category's sub-pool rests on too few past rounds.

    Notes
    -----
    Assumes this round is the next one: no other round is held between ``as_of`` and ``date``.
    The model behind it predicted the 2024-2025 cutoffs from the day before each round, given
    its actual size, with a mean absolute error of 3.5 CRS points for CEC, 17.9 for French, 9.4
    for healthcare and 32.7 for PNP; naive (the previous cutoff) did better for general rounds
    (README, *Conditional cutoff accuracy*).
    """
    from .pool import ThinPoolWarning, fit_pool
    from .simulate import conditional_cutoff

    feed = _feed_at(feed, as_of)
    day = _origin(feed)
    if category not in active_categories(feed, day):
        raise ParameterError(
            f"category {category!r}: no round of it in the {ACTIVE_DAYS} days before {day:%Y-%m-%d}"
        )
    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < 1:
        raise ParameterError(f"n_paths: expected a whole number >= 1, got {n_paths!r}")
    levels = _check_levels(levels)
    r = feed.rounds
    past = r.loc[
        (r["category"] == category)
        & (r["date"] > day - pd.Timedelta(days=ACTIVE_DAYS))
        & (r["invitations"] > 0),
        "invitations",
    ].to_numpy(dtype=float)
    if sizes is None:
        rounded = np.round(np.quantile(past, SIZE_QUANTILES) / 50) * 50
        sizes = np.clip(rounded, past.min(), past.max())
    given = [sizes] if np.ndim(sizes) == 0 else list(sizes)
    if not given or not all(
        isinstance(n, int | np.integer | float) and not isinstance(n, bool) and n == int(n) >= 1
        for n in given
    ):
        raise ParameterError(f"sizes: expected whole numbers >= 1, got {given!r}")
    sizes = sorted({int(n) for n in given})
    if model is None:
        model = fit_pool(feed, as_of=day)
    elif getattr(model, "as_of", day) != day:
        raise ParameterError(
            f"model: fitted as of {pd.Timestamp(model.as_of):%Y-%m-%d}, not as of "
            f"{day:%Y-%m-%d} (a later fit would see the future)"
        )
    history = category_history(feed, category, as_of=day, thresholds=())
    when = schedule_category(history, 1).dates[0] if date is None else _as_day(date, "date")
    if room and sizes[-1] > past.max():
        warnings.warn(
            f"by-size: {category} size {sizes[-1]:,} is above the category's largest round of "
            f"the past year ({past.max():,.0f}); the room assumption scales its sub-pool up to "
            "fit, so that cutoff is an extrapolation",
            UserWarning,
            stacklevel=2,
        )
    # one seed for every size (common random numbers): an int seed is used as given
    seed = rng if isinstance(rng, int | np.integer) else None
    if seed is None:
        seed = int(as_generator(rng).integers(2**63))
    else:
        as_generator(rng)  # a negative or boolean seed is refused here
    rows = []
    for i, n in enumerate(sizes):
        with warnings.catch_warnings():
            if i:  # said once, with the first size
                warnings.simplefilter("ignore", ThinPoolWarning)
            res = conditional_cutoff(
                model,
                category,
                n,
                as_of=day,
                date=when,
                room=room,
                n_paths=None if n_paths == 1 else int(n_paths),
                rng=seed,
            )
        res.warn_shortfalls()
        row = res.to_frame(levels, replayed=True).iloc[-1]
        keep = ["category", "date", "invitations", "cutoff"]
        keep += [c for c in row.index if c.startswith(("cutoff_lo_", "cutoff_hi_"))]
        short = res.invited[:, -1] < res.requested[:, -1] - 0.5
        rows.append(
            {
                **row[keep].to_dict(),
                "invited": float(np.median(res.invited[:, -1])),
                "exhausted_share": float(np.mean(short)),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class BacklogResult:
    """Projected pool and backlog above score thresholds, from the forecast round schedule.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Origin.
    weekly : pandas.DataFrame
        One row per week: ``week, date, rounds`` (forecast rounds held so far), ``invited``
        (their invitations so far), ``pool, pool_lo_<L>, pool_hi_<L>, above_<S>,
        above_<S>_lo_<L>, above_<S>_hi_<L>`` [candidates] (medians and quantiles over Monte Carlo
        paths at the week's end).
    clearance : pandas.DataFrame
        Per threshold: ``threshold, above_now`` [candidates], ``pace_per_week`` (net fall of the
        candidates above it per week over the projection, from now to the last week's end as
        ``weekly`` reads it; negative = growing) [candidates/week] and
        ``weeks_to_clear`` with ``_lo_<L>/_hi_<L>`` [weeks] (inf when the backlog does not fall):
        the central figure is ``above_now / pace_per_week`` (medians over paths), the interval
        the quantiles of the paths' own ratios.
    schedule : pandas.DataFrame
        The forecast rounds simulated (:func:`forecast_schedule`).
    """

    as_of: pd.Timestamp
    weekly: pd.DataFrame
    clearance: pd.DataFrame
    schedule: pd.DataFrame

    def summary(self) -> str:
        """Readable summary: the schedule size and the time to clear each threshold."""
        lines = [
            f"Backlog projection as of {self.as_of:%Y-%m-%d}: {len(self.schedule)} forecast rounds "
            f"over {len(self.weekly)} weeks"
        ]
        for row in self.clearance.itertuples(index=False):
            weeks = (
                "not falling"
                if not np.isfinite(row.weeks_to_clear)
                else (f"~{row.weeks_to_clear:.0f} weeks to clear")
            )
            lines.append(
                f"  above {row.threshold}: {row.above_now:,.0f} now, net "
                f"{row.pace_per_week:,.0f}/week -> {weeks}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def backlog(
    feed=None,
    as_of=None,
    *,
    weeks: int = 26,
    thresholds: Sequence[int] = (500,),
    n_paths: int = 400,
    rng: int | np.random.Generator | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    k_sizes: int = 12,
) -> BacklogResult:
    """Project the pool total and the candidates above ``thresholds`` over the coming weeks.

    Parameters
    ----------
    feed : eeforecast.feed.Feed, optional
        The feed (default: the bundled one), cut at ``as_of``.
    as_of : date-like, optional
        Origin day.
    weeks : int
        Weeks to project [weeks].
    thresholds : sequence of int
        Scores S: candidates at or above S are counted [CRS points].
    n_paths : int
        Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness (inflow and round sizes), converted once with ``numpy.random.default_rng``.
    levels : sequence of int
        Interval levels [%].
    k_sizes : int
        Each forecast round's size is drawn from the category's last ``k_sizes`` sizes.

    Returns
    -------
    BacklogResult

    Notes
    -----
    The schedule is :func:`forecast_schedule` (each active category's rounds at its recent pace).
    The pool engine (:func:`eeforecast.simulate.simulate_feed`) starts from the latest snapshot,
    replays the rounds since, then runs the schedule with random net inflow and sizes drawn from
    each category's recent sizes. A week's values are those after its last round plus the
    expected net inflow from that round to the week's end (the Monte Carlo spread of that last
    stretch is not added). The time to clear a threshold is, per path, the
    candidates above it now divided by its average net fall per week over the projection; it
    assumes today's pace (schedule and inflow) continues.
    """
    from .simulate import Invitations, Round, simulate_feed

    if weeks < 1:
        raise ParameterError(f"weeks: must be at least 1, got {weeks}")
    if n_paths < 2:
        raise ParameterError(f"n_paths: must be at least 2 for intervals, got {n_paths}")
    thresholds = tuple(sorted({int(t) for t in thresholds}))
    for t in thresholds:
        if not 0 <= t <= 1200:
            raise ParameterError(f"threshold: must be a CRS score 0..1200, got {t}")
    if not thresholds:
        raise ParameterError("threshold: give at least one score")
    levels = _check_levels(levels)
    feed = _feed_at(feed, as_of)
    day = _origin(feed)
    model = _pool_model(feed, day)
    for note in getattr(model, "notes", ()):  # e.g. one snapshot only: the pool is held flat
        warnings.warn(note, UserWarning, stacklevel=2)
    state = model.state()
    sched = forecast_schedule(feed, day, horizon_days=7 * weeks, levels=())
    sched = sched[
        (sched["category"] == "general") | sched["category"].isin(list(state.eligible))
    ].reset_index(drop=True)
    if sched.empty:
        raise ParameterError(f"as_of {day:%Y-%m-%d}: no round to project (no active category)")
    sizes = {
        c: category_history(feed, c, as_of=day, thresholds=()).sizes_all[-k_sizes:]
        for c in sched["category"].unique()
    }
    rounds = []
    for row in sched.itertuples(index=False):
        vals = tuple(float(max(1, int(v))) for v in sizes[row.category])
        spec = Invitations("choice", (("values", vals), ("p", tuple(1 / len(vals) for _ in vals))))
        rounds.append(Round(pd.Timestamp(row.date), row.category, spec))
    with _quiet():
        res = simulate_feed(
            model, rounds, as_of=day, n_paths=n_paths, rng=rng, thresholds=thresholds
        )
    keep = np.array([not r.replayed for r in res.rounds], dtype=bool)
    dates = pd.DatetimeIndex([r.date for r in res.rounds])[keep]
    pool = res.pool[:, keep]
    above = {t: res.above[t][:, keep] for t in thresholds}
    invited = res.invited[:, keep]
    # the state at the start: before the first forecast round (after replayed ones)
    n_rep = int((~keep).sum())
    total0 = res.pool[:, n_rep - 1] if n_rep else res.start_pool
    above0 = {}
    for t in thresholds:
        if n_rep:
            above0[t] = res.above[t][:, n_rep - 1]
        else:
            above0[t] = np.repeat(float(state.total[t:].sum()), res.n_paths)
    inflow_total = float(np.sum(state.inflow))  # expected net inflow [candidates/day]
    inflow_above = {t: float(np.sum(state.inflow[t:])) for t in thresholds}
    last_known = max(day, pd.Timestamp(state.as_of))
    rows = []
    for w in range(1, weeks + 1):
        end = day + pd.Timedelta(days=7 * w)
        idx = np.flatnonzero(dates <= end)
        row = {"week": w, "date": end, "rounds": len(idx)}
        row["invited"] = float(np.median(invited[:, idx].sum(axis=1))) if len(idx) else 0.0
        # after the week's last round, add the expected net inflow up to the week's end
        since = (end - (dates[idx[-1]] if len(idx) else last_known)).days
        cols = {"pool": (pool[:, idx[-1]] if len(idx) else total0) + inflow_total * since}
        for t in thresholds:
            base = above[t][:, idx[-1]] if len(idx) else above0[t]
            cols[f"above_{t}"] = np.maximum(base + inflow_above[t] * since, 0.0)
        for name, values in cols.items():
            row[name] = float(np.median(values))
            for lv in levels:
                a = (100 - lv) / 200
                row[f"{name}_lo_{lv}"] = float(np.quantile(values, a))
                row[f"{name}_hi_{lv}"] = float(np.quantile(values, 1 - a))
        rows.append(row)
    weekly = pd.DataFrame(rows)
    clear = []
    for t in thresholds:
        # the pace is the fall over the whole projection, as its last week reads it (after the
        # last round, the net inflow up to the horizon's end is added back, as in ``weekly``)
        last = (
            np.maximum(above[t][:, idx[-1]] + inflow_above[t] * since, 0.0)
            if len(idx)
            else (above0[t] + inflow_above[t] * since)
        )
        pace = (above0[t] - last) / weeks  # net fall per week, per path
        with np.errstate(divide="ignore", invalid="ignore"):
            wk = np.where(pace > 0, above0[t] / pace, np.inf)
        now, fall = float(np.median(above0[t])), float(np.median(pace))
        row = {
            "threshold": t,
            "above_now": now,
            "pace_per_week": fall,
            # the central figure is the two medians' ratio, so it never contradicts the pace
            "weeks_to_clear": now / fall if fall > 0 else np.inf,
        }
        for lv in levels:
            a = (100 - lv) / 200
            row[f"weeks_to_clear_lo_{lv}"] = float(np.quantile(wk, a, method="inverted_cdf"))
            row[f"weeks_to_clear_hi_{lv}"] = float(np.quantile(wk, 1 - a, method="inverted_cdf"))
        clear.append(row)
    return BacklogResult(as_of=day, weekly=weekly, clearance=pd.DataFrame(clear), schedule=sched)
