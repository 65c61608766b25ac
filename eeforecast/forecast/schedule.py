"""The round schedule: when a category's next rounds come and how large they are."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..checks import LEVELS, as_day, as_levels, as_whole
from ..data import Feed, as_feed
from ..errors import ParameterError
from ..simulate import Invitations, Round, Schedule
from .history import ACTIVE_DAYS, Future, History, active_categories, category_history

__all__ = [
    "K_SIZES",
    "MIN_GAPS",
    "MIN_GAP_DAYS",
    "MIN_PACE_DAYS",
    "forecast_schedule",
    "future_of",
    "gap_days",
    "next_round_day",
    "recent_rounds",
    "schedule_category",
    "size_quantiles",
    "with_recent_pace",
]

#: A category's own median gap is trusted only with at least this many gaps [gaps].
MIN_GAPS = 4


#: A category with few gaps is paced over at least this many days since its first round [days].
MIN_PACE_DAYS = 90


#: No two forecast rounds of one category are closer than this [days].
MIN_GAP_DAYS = 7.0


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
    weeks on the strength of the other categories' gaps.
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
    median of the last ``k_size`` sizes, by default the last size: IRCC keeps a size for a while.
    The gap median is robust to a single unusual pause.
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
    ``known_schedule`` diagnostic of :func:`eeforecast.evaluation.cross_validation` with given ones.
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
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    days: int = 91,
    categories: Sequence[str] | None = None,
    levels: Sequence[int] = LEVELS,
    include_stale: bool = False,
) -> pd.DataFrame:
    """The expected rounds of every active category in the ``days`` after ``as_of``.

    Parameters
    ----------
    source : Feed, path or None
        The feed (cut at ``as_of`` here; None: the default feed).
    as_of : date-like, optional
        Origin day (default: the feed's day).
    days : int
        Span to schedule [days].
    categories : sequence of str, optional
        Categories to schedule (default: the active ones).
    levels : sequence of int
        Interval levels for the sizes [%].
    include_stale : bool
        Also schedule the stale categories (with past rounds but none in the last
        :data:`ACTIVE_DAYS` days), which are left out by default.

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
    a category. Sizes: the category's last size, with empirical intervals from its last 12;
    PNP in the invite-all regime (:func:`eeforecast.pool.nominee_model`): the nominations
    accumulated since the previous round, the nominee inflow per day times the gap, with the
    inflow's log error for the intervals.

    Examples
    --------
    >>> s = forecast_schedule(as_of="2025-12-17", days=30)
    >>> list(s.columns[:3])
    ['date', 'category', 'invitations']
    """
    days = as_whole(days, "days")
    levels = as_levels(levels)
    feed = as_feed(source, as_of=as_of)
    day = feed.day
    cats = list(categories) if categories else active_categories(feed, as_of=day)
    if include_stale and not categories:
        known = feed.rounds[feed.rounds["date"] <= day]["category"].unique()
        cats = sorted(set(cats) | set(known))
    end = day + pd.Timedelta(days=days)
    rows = []
    for cat in cats:
        hist = category_history(feed, cat, as_of=day, thresholds=())
        g = gap_days(hist)
        steps = max(1, int(days / g) + 2)
        fut = schedule_category(hist, steps)
        q = size_quantiles(hist, levels)
        sizes = fut.invitations
        nominees = _invite_all(feed, day) if cat == "pnp" else None
        if nominees is not None:  # the stock: nominations since the previous round
            prev = np.concatenate([[pd.Timestamp(hist.dates[-1]).value], fut.dates.asi8[:-1]])
            gaps = (fut.dates.asi8 - prev) / 86_400e9
            sizes = np.maximum(np.round(nominees.inflow_rate * gaps), 1.0)
        for date, inv in zip(fut.dates, sizes, strict=True):
            if date <= end:
                if nominees is not None:
                    sd = nominees.inflow_log_sd
                    q = {
                        f"invitations_{side}_{lv}": float(inv * np.exp(sign * _z(lv) * sd))
                        for lv in levels
                        for side, sign in (("lo", -1), ("hi", 1))
                    }
                rows.append({"date": date, "category": cat, "invitations": inv, **q})
    cols = ["date", "category", "invitations"] + [
        f"invitations_{side}_{lv}" for lv in levels for side in ("lo", "hi")
    ]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["date", "category"], kind="stable").reset_index(drop=True)


def _z(level: int) -> float:
    """The standard normal quantile of a central interval of ``level`` % [-]."""
    from scipy.special import ndtri  # scipy is heavy: imported where used

    return float(ndtri(0.5 + level / 200))


def _invite_all(feed: Feed, day: pd.Timestamp):
    """The nominee model when PNP rounds invite every nominee (with an inflow estimate), else
    None."""
    from ..pool import nominee_model  # the pool stage: imported where used

    try:
        model = nominee_model(feed, as_of=day)
    except ParameterError:  # no snapshot published: no regime evidence
        return None
    ok = model.invite_all and np.isfinite(model.inflow_rate) and np.isfinite(model.inflow_log_sd)
    return model if ok else None


def next_round_day(
    source: Feed | str | os.PathLike | None, category: str, *, as_of: object = None
) -> pd.Timestamp:
    """The day the schedule model expects the category's next round (:func:`schedule_category`).

    Raises
    ------
    ParameterError
        The category has no round on or before ``as_of``.
    """
    feed = as_feed(source, as_of=as_of)
    history = category_history(feed, category, as_of=feed.day, thresholds=())
    return schedule_category(history, 1).dates[0]


#: Each round at a category's recent pace draws its size from the category's last this many
#: round sizes [rounds].
K_SIZES = 12


def recent_rounds(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    end: object,
    categories: Sequence[str] | None = None,
    k_sizes: int = K_SIZES,
) -> list[Round]:
    """The rounds of :func:`forecast_schedule` from ``as_of`` to ``end``, as engine rounds.

    Parameters
    ----------
    source : Feed, path or None
        The feed (cut at ``as_of``).
    as_of : date-like, optional
        Origin day (default: the feed's day).
    end : date-like
        Last day of the rounds.
    categories : sequence of str, optional
        Categories to schedule (default: the active ones; an empty list gives no round).
    k_sizes : int
        Each round's size is drawn, with equal probabilities, from the category's last
        ``k_sizes`` round sizes [rounds] (the expected path uses their mean); PNP rounds in the
        invite-all regime invite every nominee on the path (``"all"``).

    Returns
    -------
    list of Round
        In date order, after ``as_of`` and up to ``end``.
    """
    feed = as_feed(source, as_of=as_of)
    day, last = feed.day, as_day(end, "end")
    if categories is not None and not len(categories):
        return []
    days = max((last - day).days, 1)
    plan = forecast_schedule(feed, as_of=day, days=days, categories=categories, levels=())
    plan = plan[(plan["date"] > day) & (plan["date"] <= last)]
    k = as_whole(k_sizes, "k_sizes")
    sizes = {
        c: category_history(feed, c, as_of=day, thresholds=()).sizes_all[-k:]
        for c in plan["category"].unique()
    }
    invite_all = "pnp" in sizes and _invite_all(feed, day) is not None
    rounds = []
    for row in plan.itertuples(index=False):
        if invite_all and row.category == "pnp":  # every nominee in the pool on the path
            spec = Invitations("all", ())
        else:
            recent = tuple(float(max(1, int(v))) for v in np.atleast_1d(sizes[row.category]))
            equal = tuple(1 / len(recent) for _ in recent)
            spec = Invitations("choice", (("values", recent), ("p", equal)))
        rounds.append(Round(pd.Timestamp(row.date), row.category, spec))
    return rounds


def with_recent_pace(
    schedule: Schedule,
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    end: object = None,
    known: Sequence[str] | None = None,
) -> tuple[Schedule, tuple[str, ...]]:
    """A schedule with ``fill="recent"`` made explicit: the categories it leaves out keep their
    recent pace.

    Parameters
    ----------
    schedule : Schedule
        The scenario. Without ``fill`` it is returned as it is.
    source : Feed, path or None
        The feed (cut at ``as_of``).
    as_of : date-like, optional
        The day of the question (default: the feed's day).
    end : date-like, optional
        Last day of the filled rounds (default: the schedule's last day, ``Schedule.end``).
    known : sequence of str, optional
        Categories the pool model has an estimate for (``PoolState.eligible``); others are not
        filled (a :class:`UserWarning` names them).

    Returns
    -------
    schedule : Schedule
        The scenario plus the filled rounds (explicit rounds marked ``filled``), ``fill=None``.
    filled : tuple of str
        The categories filled in.

    Notes
    -----
    Filled: every category with a round in the year before ``as_of``
    (:func:`eeforecast.forecast.active_categories`) that the scenario mentions in no round,
    rule or budget. Their rounds are those of :func:`recent_rounds`: the forecast schedule's
    dates (their recent gap) and sizes drawn from their last :data:`K_SIZES` sizes, the same
    rounds the forecast projection (:func:`eeforecast.projection.project`) simulates.
    """
    if not isinstance(schedule, Schedule):
        raise ParameterError(f"schedule: expected a Schedule, got {type(schedule).__name__}")
    if schedule.fill is None:
        return schedule, ()
    feed = as_feed(source, as_of=as_of)
    last = schedule.end if end is None else as_day(end, "end")
    if last is None:
        raise ParameterError("schedule: fill='recent' needs an end day (the schedule has no round)")
    left = [c for c in active_categories(feed, as_of=feed.day) if c not in schedule.categories]
    if known is not None:
        unknown = [c for c in left if c != "general" and c not in set(known)]
        if unknown:
            warnings.warn(
                f"fill: no pool estimate for {', '.join(unknown)}: their recent rounds are not "
                "simulated",
                UserWarning,
                stacklevel=2,
            )
        left = [c for c in left if c not in unknown]
    filled = [
        Round(r.date, r.category, r.invitations, filled=True)
        for r in recent_rounds(feed, as_of=feed.day, end=last, categories=left)
    ]
    out = replace(schedule, rounds=schedule.rounds + tuple(filled), fill=None)
    return out, tuple(dict.fromkeys(r.category for r in filled))
