"""What a candidate's odds are checked against: the exact historical outcome, the score grids,
and the simple forecasters beside the package's model (:mod:`eeforecast.evaluation`'s odds
backtest).

A candidate at score ``s`` in category ``c`` was invited within ``(o, o + W]`` iff some round of
``c``, or a general round, in that window had a cutoff at or below ``s`` (:func:`odds_outcome`).
The forecasters: ``last`` (invited iff ``s`` is at least the last cutoff), ``clim`` (the share of
past windows whose lowest cutoff was at or below ``s``), ``anchor`` (the last cutoff moved by the
past windows' changes) and, for PNP, ``evt`` (the lowest nominee of a window as the minimum of
its invitations).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..checks import as_day, as_generator, as_span
from ..odds_calibration import eligible_rounds, window_lowest
from ..pool.nominees import fit_nominee_tail
from ..projection import ELIGIBLE_FLOOR
from ..scores import MAX_SCORE

__all__ = [
    "ANCHOR_HALF_LIFE",
    "FOCUS_DAYS",
    "FOCUS_MARGIN",
    "FOCUS_STEP",
    "PAST_STEP_DAYS",
    "PAST_YEARS",
    "TAIL_LATTICE",
    "anchor_odds",
    "clim_odds",
    "eligible_rounds",
    "focus_grid",
    "last_odds",
    "odds_outcome",
    "pnp_evt_odds",
    "tail_grid",
]

#: Lattice step of the focus grid per category (5 for the categories whose cutoffs move a few
#: points per round, 10 otherwise) [CRS points].
FOCUS_STEP = {"cec": 5, "general": 5}


#: The focus grid spans the eligible cutoffs of the year before the origin, widened by this
#: margin on both sides [CRS points].
FOCUS_MARGIN = 20


#: Days before the origin whose eligible cutoffs span the focus grid [days].
FOCUS_DAYS = 365


#: The tail grid: this lattice [CRS points] outside the focus grid's span.
TAIL_LATTICE = np.arange(300, 901, 25)


#: Past windows start every this many days (``clim``, ``anchor``) [days].
PAST_STEP_DAYS = 7


#: ``clim`` and ``anchor`` look back this many years of past windows [years].
PAST_YEARS = 3


#: ``anchor`` weights a past window by one half per this many days of age [days].
ANCHOR_HALF_LIFE = 365.0


def _last_before(dates: np.ndarray, cutoffs: np.ndarray, day) -> float:
    """Cutoff of the last round dated on or before ``day``; NaN when there is none."""
    k = np.searchsorted(dates, np.datetime64(pd.Timestamp(day)), side="right")
    return float(cutoffs[k - 1]) if k else np.nan


def odds_outcome(rounds: pd.DataFrame, category: str, origin, window: str, scores) -> np.ndarray:
    """What happened: 1.0 for the scores a round of ``category`` or a general round dated in
    ``(origin, origin + window]`` reached (cutoff at or below the score), else 0.0.

    Examples
    --------
    >>> rounds = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-03-01"]),
    ...     "category": ["cec", "general"], "invitations": [1000, 500], "cutoff": [520, 540]})
    >>> odds_outcome(rounds, "cec", "2024-01-15", "1m", [515, 520, 545]).tolist()
    [0.0, 1.0, 1.0]
    """
    origin = as_day(origin, "origin")
    dates, cutoffs = eligible_rounds(rounds, category)
    low = window_lowest(dates, cutoffs, origin, origin + as_span(window, "window"))
    return (np.asarray(scores, dtype=float) >= low).astype(float)


def _lattice(lo: float, hi: float, step: int, floor: int) -> np.ndarray:
    lo = max(lo, floor)
    first = int(np.ceil(lo / step) * step)
    return np.arange(first, int(min(hi, MAX_SCORE)) + 1, step, dtype=int)


def _focus_span(rounds: pd.DataFrame, category: str, origin) -> tuple[float, float] | None:
    origin = as_day(origin, "origin")
    dates, cutoffs = eligible_rounds(rounds[rounds["date"] <= origin], category)
    since = np.datetime64(origin - pd.Timedelta(days=FOCUS_DAYS))
    recent = cutoffs[dates > since]
    floor = ELIGIBLE_FLOOR.get(category, 0)
    recent = recent[recent >= floor]  # a general round below 601 says nothing of a nominee
    if not len(recent):
        return None
    return float(recent.min()) - FOCUS_MARGIN, float(recent.max()) + FOCUS_MARGIN


def focus_grid(rounds: pd.DataFrame, category: str, origin) -> np.ndarray:
    """The scores where the outcome is uncertain, as known at ``origin``.

    The lattice (:data:`FOCUS_STEP`, else 10 points) spanning the cutoffs of the category's and
    the general rounds of the :data:`FOCUS_DAYS` days before the origin, widened by
    :data:`FOCUS_MARGIN` on both sides, and not below the category's floor (601 for ``pnp``)
    [CRS points]. Empty when no eligible round was held in that year.

    Examples
    --------
    >>> rounds = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-03-01"]),
    ...     "category": ["cec", "general"], "invitations": [1000, 500], "cutoff": [522, 541]})
    >>> grid = focus_grid(rounds, "cec", "2024-06-01")
    >>> int(grid[0]), int(grid[-1]), int(grid[1] - grid[0])
    (505, 560, 5)
    """
    span = _focus_span(rounds, category, origin)
    if span is None:
        return np.empty(0, dtype=int)
    step = FOCUS_STEP.get(category, 10)
    return _lattice(*span, step, ELIGIBLE_FLOOR.get(category, 0))


def tail_grid(rounds: pd.DataFrame, category: str, origin) -> np.ndarray:
    """The scores far from any recent cutoff: :data:`TAIL_LATTICE` outside the focus grid's
    span (and not below the category's floor) [CRS points]. It checks that the odds are near
    certain where the outcome was (a far tail of 0.25 at CRS 300 is a miss the focus grid does
    not see)."""
    span = _focus_span(rounds, category, origin)
    lattice = TAIL_LATTICE[TAIL_LATTICE >= ELIGIBLE_FLOOR.get(category, 0)]
    if span is None:
        return lattice.astype(int)
    return lattice[(lattice < span[0]) | (lattice > span[1])].astype(int)


def last_odds(rounds: pd.DataFrame, category: str, origin, scores) -> np.ndarray:
    """Baseline ``last``: 1 for the scores at or above the cutoff of the last round of the
    category or general on or before ``origin``, else 0 (NaN without such a round)."""
    dates, cutoffs = eligible_rounds(rounds, category)
    last = _last_before(dates, cutoffs, as_day(origin, "origin"))
    scores = np.asarray(scores, dtype=float)
    return np.full(scores.shape, np.nan) if np.isnan(last) else (scores >= last).astype(float)


def _past_starts(origin: pd.Timestamp, window: str) -> pd.DatetimeIndex:
    """Starts of the past windows of length ``window`` that had ended by ``origin`` (weekly,
    :data:`PAST_YEARS` back)."""
    first = origin - pd.DateOffset(years=PAST_YEARS)
    last = origin - as_span(window, "window")
    if last < first:
        return pd.DatetimeIndex([])
    return pd.date_range(first, last, freq=f"{PAST_STEP_DAYS}D")


def clim_odds(rounds: pd.DataFrame, category: str, origin, window: str, scores) -> np.ndarray:
    """Baseline ``clim``: the share of past windows of the same length (starting every
    :data:`PAST_STEP_DAYS` days in the :data:`PAST_YEARS` years before ``origin``, ended by it)
    whose lowest eligible cutoff was at or below each score (NaN without past windows)."""
    origin = as_day(origin, "origin")
    dates, cutoffs = eligible_rounds(rounds[rounds["date"] <= origin], category)
    span = as_span(window, "window")
    starts = _past_starts(origin, window)
    scores = np.asarray(scores, dtype=float)
    if not len(starts):
        return np.full(scores.shape, np.nan)
    lows = np.array([window_lowest(dates, cutoffs, t, t + span) for t in starts])
    return (lows[None, :] <= scores[:, None]).mean(axis=1)


def anchor_odds(
    rounds: pd.DataFrame,
    category: str,
    origin,
    window: str,
    scores,
    *,
    half_life: float = ANCHOR_HALF_LIFE,
) -> np.ndarray:
    """``anchor``: the last eligible cutoff moved by the past windows' changes.

    Over the past windows of :func:`clim_odds`, ``d_t`` = (lowest eligible cutoff in ``(t, t +
    W]``) - (last eligible cutoff on or before ``t``), +inf for a window without a round. The
    probability at ``s`` is the share of windows with ``last + d_t <= s``, weighted by one half
    per ``half_life`` days of age [days]. It is naive with its own empirical errors, for the
    window's minimum (NaN without a past round or window).
    """
    origin = as_day(origin, "origin")
    dates, cutoffs = eligible_rounds(rounds[rounds["date"] <= origin], category)
    span = as_span(window, "window")
    scores = np.asarray(scores, dtype=float)
    last = _last_before(dates, cutoffs, origin)
    change, weight = [], []
    for t in _past_starts(origin, window):
        before = _last_before(dates, cutoffs, t)
        if np.isnan(before):
            continue
        change.append(window_lowest(dates, cutoffs, t, t + span) - before)
        weight.append(0.5 ** ((origin - t).days / half_life))
    if np.isnan(last) or not change:
        return np.full(scores.shape, np.nan)
    change, weight = np.array(change), np.array(weight)
    hit = (last + change[None, :]) <= scores[:, None]
    return (hit * weight).sum(axis=1) / weight.sum()


def _pnp_inflow(dates: np.ndarray, sizes: np.ndarray, day, k: int = 4):
    """Nominee inflow rate (the last ``k`` PNP sizes over the days they span) and the day of
    the last PNP round on or before ``day`` [candidates per day]; (NaN, None) with too few."""
    n = np.searchsorted(dates, np.datetime64(pd.Timestamp(day)), side="right")
    if n < k + 1:
        return np.nan, None
    days = (dates[n - 1] - dates[n - 1 - k]) / np.timedelta64(1, "D")
    return float(sizes[n - k : n].sum()) / max(float(days), 1.0), pd.Timestamp(dates[n - 1])


def pnp_evt_odds(
    rounds: pd.DataFrame,
    origin,
    window: str,
    scores,
    *,
    rng=None,
    lookback_days: int = 730,
    half_life: float = 180.0,
    n_draws: int = 400,
) -> np.ndarray:
    """``evt`` (PNP only): the lowest PNP cutoff of the window as the lowest of the nominees
    invited in it.

    In the invite-all regime a PNP round cuts at the lowest score of the nominees it invites,
    so the window's lowest PNP cutoff is that of all the nominees invited in the window:
    ``P(min <= s) = 1 - exp(-N_W exp((s - mu) / sigma))`` (:class:`eeforecast.pool.NomineeTail`, fitted on the PNP rounds of the ``lookback_days`` before ``origin``, weights
    halving every ``half_life`` days, mixed over its parameter uncertainty). ``N_W`` = the
    nominee inflow (the last 4 PNP sizes over their span) x (days since the last PNP round +
    the window's days), log-normal with the root mean square log error of that forecast over
    past windows (weekly starts, 2 years, ended by ``origin``; 0.7 with fewer than 5). A
    general round invites every nominee (its cutoff is below 601): when one was held in the 90
    days before ``origin``, the probability of one in the window (the share of the past year's
    windows holding one) is added as an independent chance. NaN with fewer than 4 PNP rounds
    in the look-back.
    """
    origin = as_day(origin, "origin")
    gen = as_generator(rng)
    scores = np.asarray(scores, dtype=float)
    known = rounds[(rounds["date"] <= origin) & (rounds["invitations"] > 0)]
    pnp = known[known["category"] == "pnp"].sort_values("date", kind="stable")
    past = pnp[pnp["date"] > origin - pd.Timedelta(days=lookback_days)]
    if len(past) < 4:
        return np.full(scores.shape, np.nan)
    age = (origin - past["date"]).dt.days.to_numpy(dtype=float)
    tail = fit_nominee_tail(past["cutoff"], past["invitations"], 0.5 ** (age / half_life))
    dates = pnp["date"].to_numpy(dtype="datetime64[ns]")
    sizes = pnp["invitations"].to_numpy(dtype=float)
    span = as_span(window, "window")
    rate, last_day = _pnp_inflow(dates, sizes, origin)
    if not np.isfinite(rate):
        return np.full(scores.shape, np.nan)
    errors = []
    for t in pd.date_range(origin - pd.DateOffset(years=2), origin - span, freq="7D"):
        r_t, l_t = _pnp_inflow(dates, sizes, t)
        if not np.isfinite(r_t):
            continue
        end = t + span
        inside = (dates > np.datetime64(t)) & (dates <= np.datetime64(end))
        actual = sizes[inside].sum()
        guess = r_t * ((t - l_t).days + (end - t).days)
        if actual > 0 and guess > 0:
            errors.append(np.log(actual / guess))
    sd = float(np.sqrt(np.mean(np.square(errors)))) if len(errors) >= 5 else 0.7
    n_w = rate * ((origin - last_day).days + ((origin + span) - origin).days)
    draws = np.exp(np.log(max(n_w, 1.0)) + sd * gen.standard_normal(n_draws))
    p = tail.min_cdf(scores, draws, rng=gen, n_draws=n_draws)
    general = known[known["category"] == "general"]
    if len(general) and (origin - general["date"].max()).days <= 90:
        g_dates = general["date"].to_numpy(dtype="datetime64[ns]")
        starts = pd.date_range(origin - pd.DateOffset(years=1), origin - span, freq="7D")
        held = [
            ((g_dates > np.datetime64(t)) & (g_dates <= np.datetime64(t + span))).any()
            for t in starts
        ]
        share = float(np.mean(held)) if held else 1.0
        p = 1 - (1 - p) * (1 - share)
    return p
