"""Rolling-origin backtest of a candidate's odds (:func:`odds_backtest`).

The odds of a candidate at score ``s`` in category ``c`` within a window ``W`` can be checked
exactly against history: she was invited iff some round of ``c``, or a general round, dated in
``(o, o + W]`` had a cutoff at or below ``s`` (ties count as invited). At monthly origins ``o``
every forecaster sees only the feed as it stood on ``o`` and gives a probability for each score
of a grid; the Brier score compares them. :func:`odds_summary` tabulates it with bootstrap
intervals against the better of two baselines, :func:`reliability` checks the probabilities
against the observed frequencies, and ``python -m eeforecast.evaluation.odds_history
--write-results`` (``make odds-backtest``) writes the results page.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..checks import as_day, as_generator, as_n_paths, as_slugs, as_span, as_whole
from ..data import Feed, FeedWarning, as_feed
from ..errors import ParameterError
from ..pool.nominees import fit_nominee_tail
from ..progress import bar as progress_bar
from ..projection import ELIGIBLE_FLOOR, project
from ..scores import MAX_SCORE

__all__ = [
    "FOCUS_DAYS",
    "FOCUS_MARGIN",
    "FOCUS_STEP",
    "PAST_STEP_DAYS",
    "PAST_YEARS",
    "TAIL_LATTICE",
    "BASELINES",
    "ODDS_CATEGORIES",
    "FORECASTERS",
    "anchor_odds",
    "clim_odds",
    "eligible_rounds",
    "focus_grid",
    "last_odds",
    "main",
    "odds_backtest",
    "odds_markdown",
    "odds_outcome",
    "odds_summary",
    "pnp_evt_odds",
    "reliability",
    "tail_grid",
]

#: The categories backtested by default: those of the issue's target, and healthcare.
ODDS_CATEGORIES = ("cec", "french", "pnp", "healthcare")
#: The forecasters of the frame, in its column order (``auto`` is added after them).
FORECASTERS = ("model", "last", "clim", "anchor", "evt")
#: The two baselines every forecaster is measured against.
BASELINES = ("last", "clim")
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


# --- the outcome and the grids ------------------------------------------------------------------


def eligible_rounds(rounds: pd.DataFrame, category: str) -> tuple[np.ndarray, np.ndarray]:
    """Dates and cutoffs of the rounds a candidate of ``category`` can be invited in: its own
    and the general rounds (a round that invited nobody does not count), by date."""
    r = rounds[rounds["category"].isin([category, "general"]) & (rounds["invitations"] > 0)]
    r = r.sort_values("date", kind="stable")
    return r["date"].to_numpy(dtype="datetime64[ns]"), r["cutoff"].to_numpy(dtype=float)


def _window_min(dates: np.ndarray, cutoffs: np.ndarray, start, end) -> float:
    """Lowest cutoff of the rounds dated in ``(start, end]``; inf when there is none."""
    lo = np.searchsorted(dates, np.datetime64(pd.Timestamp(start)), side="right")
    hi = np.searchsorted(dates, np.datetime64(pd.Timestamp(end)), side="right")
    return float(cutoffs[lo:hi].min()) if hi > lo else np.inf


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
    low = _window_min(dates, cutoffs, origin, origin + as_span(window, "window"))
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


# --- the forecasters ----------------------------------------------------------------------------


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
    lows = np.array([_window_min(dates, cutoffs, t, t + span) for t in starts])
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
        change.append(_window_min(dates, cutoffs, t, t + span) - before)
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


# --- the backtest -------------------------------------------------------------------------------


def _grids(grid, rounds, category, origin) -> dict[str, np.ndarray]:
    names = (grid,) if isinstance(grid, str) else grid
    if isinstance(names, Mapping):
        return {"custom": np.asarray(names.get(category, ()), dtype=int)}
    out = {}
    for name in names:
        if name == "focus":
            out[name] = focus_grid(rounds, category, origin)
        elif name == "tail":
            out[name] = tail_grid(rounds, category, origin)
        else:
            raise ParameterError(
                f"grid: 'focus', 'tail', a list of them or a mapping category -> scores, got "
                f"{name!r}"
            )
    return out


def _model_odds(feed: Feed, origin, span: str, n_paths, rng):
    """The package's projection at ``origin`` on the feed cut there, or None when no round is
    expected (the odds are then 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return project(feed.truncate(as_of=origin), as_of=origin, span=span, n_paths=n_paths,
                           rng=rng)  # fmt: skip
        except ParameterError:
            return None


def _auto(frame: pd.DataFrame, select_window: int, min_select: int, margin: float, default: str):
    """``auto`` per (category, window, grid) at each origin: the forecaster with the lowest
    Brier score over the cells of the last ``select_window`` origins whose windows had ended by
    it (at least ``min_select`` of them, else ``default``), kept at ``default`` unless better
    by more than ``margin``."""
    frame = frame.copy()
    frame["auto"] = np.nan
    frame["auto_model"] = default
    sq = {f: (frame[f] - frame["outcome"]) ** 2 for f in FORECASTERS if f in frame}
    for (_, window, _), part in frame.groupby(["category", "window", "grid"], sort=False):
        span = as_span(window, "window")
        ends = part["origin"] + span
        cands = [f for f in FORECASTERS if f in part and part[f].notna().any()]
        for o in sorted(part["origin"].unique()):
            o = pd.Timestamp(o)
            here = part.index[part["origin"] == o]
            done = part[ends <= o]
            ended = sorted(done["origin"].unique())[-select_window:]
            pick = default
            if len(ended) >= min_select:
                cells = done.index[done["origin"].isin(ended)]
                avail = [f for f in cands if frame.loc[here, f].notna().all()]
                briers = {
                    f: float(sq[f][cells].mean()) for f in avail if sq[f][cells].notna().all()
                }
                if briers:
                    best = min(briers, key=lambda f: (briers[f], FORECASTERS.index(f)))
                    ref = briers.get(default, np.inf)
                    pick = best if briers[best] < (1 - margin) * ref else default
            if frame.loc[here, pick].isna().any():
                pick = "last"
            frame.loc[here, "auto"] = frame.loc[here, pick]
            frame.loc[here, "auto_model"] = pick
    return frame


def odds_backtest(
    source: Feed | str | os.PathLike | None = None,
    *,
    start: object = "2023-01-01",
    end: object = None,
    windows: Sequence[str] = ("3m", "6m"),
    categories: Sequence[str] | None = None,
    grid: str | Sequence[str] | Mapping = "focus",
    n_paths: int | None = 300,
    rng: int | np.random.Generator | None = 20251217,
    warmup_months: int = 12,
    select_window: int = 12,
    min_select: int = 6,
    margin: float = 0.1,
    default: str = "model",
    progress: bool | None = None,
) -> pd.DataFrame:
    """The odds of every forecaster at monthly origins against what happened.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed).
    start, end : date-like
        Origins are the first day of every month from ``start``; a window is scored from an
        origin when it ends by ``end`` (default: the feed's last round).
    windows : sequence of str
        Windows ``W`` (typed spans, :func:`eeforecast.checks.as_span`).
    categories : sequence of str, optional
        Default :data:`ODDS_CATEGORIES`. A candidate of a category is eligible for its rounds and
        the general rounds.
    grid : "focus", "tail", a list of them, or a mapping category -> scores
        The scores of each origin (:func:`focus_grid`, :func:`tail_grid`) [CRS points].
    n_paths : int or None
        Monte Carlo paths of the package's projection per origin [paths].
    rng : int, numpy.random.Generator or None
        Randomness; origin ``k`` gets the ``k``-th stream spawned from it (split in two: the
        projection's and ``evt``'s).
    warmup_months : int
        Origins in the months before ``start`` are run too (and dropped) so that ``auto`` has
        ended windows at the first origin [months].
    select_window, min_select, margin, default
        The ``auto`` choice (see Notes).
    progress : bool or None
        Progress bar on stderr (None: only on a terminal).

    Returns
    -------
    pandas.DataFrame
        One row per ``origin, window, category, grid, score`` [CRS points]: ``outcome`` (1.0
        if invited), a probability per forecaster of :data:`FORECASTERS` (``evt`` for ``pnp``
        only, NaN elsewhere) and ``auto`` [fraction 0..1], ``auto_model``, and ``model_dry``
        (the share of the projection's paths in which a round of the category ran out of
        eligible candidates within the window) [fraction].

    Notes
    -----
    Every forecaster sees only ``feed.truncate(as_of=origin)``:

    - ``model``: :func:`eeforecast.projection.project` (pool fitted at the origin, forecast
      schedule over the longest window), ``Projection.probability(scores, [category], W)``;
    - ``last`` and ``clim``: the baselines (:func:`last_odds`, :func:`clim_odds`);
    - ``anchor`` (:func:`anchor_odds`) and, for PNP, ``evt`` (:func:`pnp_evt_odds`);
    - ``auto``: per category, window and grid, the forecaster with the lowest Brier score over
      the last ``select_window`` origins whose windows had ended by the origin (at least
      ``min_select``; before that ``default``), kept at ``default`` unless another is better by
      more than ``margin`` (the rule of the cutoff ``auto``).
    """
    feed = as_feed(source)
    start = as_day(start, "start")
    last_day = feed.rounds["date"].max() if end is None else as_day(end, "end")
    feed = feed.truncate(as_of=last_day)
    spans = {w: as_span(w, "windows") for w in windows}
    if not spans:
        raise ParameterError("windows: at least one, e.g. ('3m', '6m')")
    longest = max(spans, key=lambda w: pd.Timestamp("2000-01-01") + spans[w])
    shortest = min(spans, key=lambda w: pd.Timestamp("2000-01-01") + spans[w])
    categories = as_slugs(categories) or ODDS_CATEGORIES
    n_paths = as_n_paths(n_paths)
    warmup_months = as_whole(warmup_months, "warmup_months", minimum=0)
    first = start - pd.DateOffset(months=warmup_months)
    origins = [
        o for o in pd.date_range(first, last_day, freq="MS") if o + spans[shortest] <= last_day
    ]
    if not any(o >= start for o in origins):
        raise ParameterError(
            f"start: no monthly origin from {start:%Y-%m-%d} has its {shortest} window ending by "
            f"{last_day:%Y-%m-%d}"
        )
    streams = [g.spawn(2) for g in as_generator(rng).spawn(len(origins))]
    truth = feed.rounds
    rows = []
    bar = progress_bar(len(origins), desc="odds backtest", unit="origin", show=progress)
    try:
        for k, origin in enumerate(origins):
            known = truth[truth["date"] <= origin]
            model_rng, evt_rng = streams[k]
            proj = _model_odds(feed, origin, longest, n_paths, model_rng)
            for cat in categories:
                for name, scores in _grids(grid, known, cat, origin).items():
                    if not len(scores):
                        continue
                    for w in windows:
                        if origin + spans[w] > last_day:  # not over yet: no outcome
                            continue
                        out = {
                            "outcome": odds_outcome(truth, cat, origin, w, scores),
                            "last": last_odds(known, cat, origin, scores),
                            "clim": clim_odds(known, cat, origin, w, scores),
                            "anchor": anchor_odds(known, cat, origin, w, scores),
                            "evt": pnp_evt_odds(known, origin, w, scores, rng=evt_rng)
                            if cat == "pnp"
                            else np.full(len(scores), np.nan),
                        }
                        if proj is None:
                            out["model"], dry = np.zeros(len(scores)), 0.0
                        else:
                            out["model"] = proj.probability(scores, [cat], w)
                            dry = proj.exhausted_share(cat, w)
                        rows.append(
                            pd.DataFrame(
                                {
                                    "origin": origin,
                                    "window": w,
                                    "category": cat,
                                    "grid": name,
                                    "score": scores,
                                    **{f: out[f] for f in ("outcome", *FORECASTERS)},
                                    "model_dry": dry,
                                }
                            )
                        )
            bar.update(1)
    finally:
        bar.close()
    frame = pd.concat(rows, ignore_index=True)
    frame = _auto(frame, select_window, min_select, margin, default)
    frame = frame[frame["origin"] >= start].reset_index(drop=True)
    cols = ["origin", "window", "category", "grid", "score", "outcome", *FORECASTERS, "auto",
            "auto_model", "model_dry"]  # fmt: skip
    return frame[cols]


# --- scores -------------------------------------------------------------------------------------


def _brier(part: pd.DataFrame, col: str) -> float:
    d = part[[col, "outcome"]].dropna()
    return float(((d[col] - d["outcome"]) ** 2).mean()) if len(d) else np.nan


def _block_interval(
    part: pd.DataFrame, col: str, ref: str, *, block: int, n_boot: int, gen, level: float
) -> tuple[float, float]:
    """Moving-block bootstrap interval of the mean per-origin Brier difference ``col - ref``."""
    d = part.dropna(subset=[col, ref])
    if d.empty:
        return np.nan, np.nan
    diff = (d[col] - d["outcome"]) ** 2 - (d[ref] - d["outcome"]) ** 2
    per = diff.groupby(d["origin"]).mean().sort_index().to_numpy()
    n = len(per)
    if n < 2:
        return np.nan, np.nan
    b = min(block, n)
    starts = np.arange(n - b + 1)
    reps = int(np.ceil(n / b))
    picks = gen.choice(starts, size=(n_boot, reps))
    idx = (picks[..., None] + np.arange(b)).reshape(n_boot, -1)[:, :n]
    stats = per[idx].mean(axis=1)
    a = (1 - level) / 2
    return float(np.quantile(stats, a)), float(np.quantile(stats, 1 - a))


def odds_summary(
    frame: pd.DataFrame,
    *,
    block: int = 6,
    n_boot: int = 2000,
    level: float = 0.9,
    rng: int | np.random.Generator | None = 0,
) -> pd.DataFrame:
    """Brier score per category, window and grid, against the better baseline.

    Parameters
    ----------
    frame : pandas.DataFrame
        :func:`odds_backtest`'s frame.
    block : int
        Block length of the moving-block bootstrap over origins (overlapping windows make
        neighbouring origins dependent) [origins].
    n_boot : int
        Bootstrap resamples.
    level : float
        Level of the intervals [fraction].
    rng : int, numpy.random.Generator or None
        Randomness of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Per ``category, window, grid``: ``origins``, ``cells``, ``base_rate`` (share of cells
        invited), the Brier score of every forecaster present and ``auto`` (lower is better),
        ``best_baseline`` (the baseline with the lower Brier score), and per non-baseline
        forecaster ``<f>_diff`` (its Brier minus the best baseline's), ``<f>_lo``, ``<f>_hi``
        (the bootstrap interval of that difference) and ``<f>_wins`` (Brier below both
        baselines').
    """
    gen = as_generator(rng)
    names = [f for f in (*FORECASTERS, "auto") if f in frame.columns]
    rows = []
    for (cat, w, g), part in frame.groupby(["category", "window", "grid"], sort=True):
        row = {"category": cat, "window": w, "grid": g, "origins": part["origin"].nunique(),
               "cells": len(part), "base_rate": float(part["outcome"].mean())}  # fmt: skip
        for f in names:
            row[f] = _brier(part, f) if part[f].notna().any() else np.nan
        best = min(BASELINES, key=lambda b: (row[b], BASELINES.index(b)))
        row["best_baseline"] = best
        for f in names:
            if f in BASELINES or np.isnan(row[f]):
                continue
            lo, hi = _block_interval(part, f, best, block=block, n_boot=n_boot, gen=gen,
                                     level=level)  # fmt: skip
            row[f"{f}_diff"] = row[f] - row[best]
            row[f"{f}_lo"], row[f"{f}_hi"] = lo, hi
            row[f"{f}_wins"] = bool(row[f] < min(row[b] for b in BASELINES))
        rows.append(row)
    return pd.DataFrame(rows)


#: Forecast bins of :func:`reliability` [fraction].
RELIABILITY_BINS = (0.0, 0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1.0)


def reliability(
    frame: pd.DataFrame,
    forecaster: str = "model",
    by: Sequence[str] = ("window",),
    bins: Sequence[float] = RELIABILITY_BINS,
) -> pd.DataFrame:
    """Reliability table: the observed share of invitations per bin of forecast probability.

    Returns
    -------
    pandas.DataFrame
        Per ``<by>`` and bin (``[lo, hi)``, the last closed): ``bin``, ``cells``, ``forecast``
        (mean probability) and ``observed`` (share invited) [fraction]. A reliable forecaster
        has ``observed`` close to ``forecast`` in every bin.
    """
    if forecaster not in frame.columns:
        raise ParameterError(f"reliability: no forecaster {forecaster!r} in the frame")
    d = frame.dropna(subset=[forecaster])
    edges = np.asarray(bins, dtype=float)
    idx = np.clip(np.searchsorted(edges, d[forecaster].to_numpy(), side="right") - 1, 0,
                  len(edges) - 2)  # fmt: skip
    labels = np.array([f"[{a:.2f}, {b:.2f}{']' if i == len(edges) - 2 else ')'}"
                       for i, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))])  # fmt: skip
    d = d.assign(bin=labels[idx], _order=idx)
    out = (
        d.groupby([*by, "_order", "bin"], sort=True)
        .agg(cells=("outcome", "size"), forecast=(forecaster, "mean"), observed=("outcome", "mean"))
        .reset_index()
        .drop(columns="_order")
    )
    return out


# --- the results page ---------------------------------------------------------------------------


def _fmt(v, spec: str) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)


def _brier_table(summary: pd.DataFrame, grid: str) -> list[str]:
    names = [f for f in (*FORECASTERS, "auto") if f in summary.columns]
    diffs = [f for f in ("model", "anchor", "evt", "auto") if f"{f}_diff" in summary.columns]
    head = ["category", "W", "origins", "cells", "base rate", *names, "best baseline"]
    head += [f"{f} - best (90%)" for f in diffs]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * 2 + ["---:"] * (len(head) - 3) + ["---"]) + "|"]  # fmt: skip
    lines[-1] = "|---|---|" + "---:|" * (3 + len(names)) + "---|" + "---|" * len(diffs)
    for r in summary[summary["grid"] == grid].to_dict("records"):
        best = min(r[b] for b in BASELINES)
        cells = [r["category"], r["window"], str(r["origins"]), f"{r['cells']:,}",
                 f"{r['base_rate']:.2f}"]  # fmt: skip
        for f in names:
            text = _fmt(r[f], ".3f")
            if f not in BASELINES and not np.isnan(r[f]) and r[f] < best:
                text = f"**{text}**"
            cells.append(text)
        cells.append(r["best_baseline"])
        for f in diffs:
            d = r.get(f"{f}_diff", np.nan)
            cells.append(
                "-" if d is None or np.isnan(d)
                else f"{d:+.3f} [{r[f'{f}_lo']:+.3f}, {r[f'{f}_hi']:+.3f}]"
            )  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _baseline_wins(summary: pd.DataFrame, grid: str) -> list[str]:
    out = []
    for r in summary[summary["grid"] == grid].to_dict("records"):
        best = r["best_baseline"]
        scored = [f for f in ("model", "anchor", "evt", "auto") if not np.isnan(r.get(f, np.nan))]
        losers = [f"{f} {r[f]:.4f}" for f in scored if r[f] > r[best] + 1e-12]
        ties = [f for f in scored if abs(r[f] - r[best]) <= 1e-12]
        if losers or ties:
            text = f"- {r['category']} {r['window']}: {best} ({r[best]:.4f})"
            if losers:
                text += " beats " + ", ".join(losers)
            if ties:
                text += (" and" if losers else "") + " ties with " + ", ".join(ties)
            out.append(text)
    return out or ["- none"]


def odds_markdown(
    frame: pd.DataFrame, summary: pd.DataFrame, *, seconds: float, n_paths, feed_day
) -> str:
    """The odds backtest results page: Brier scores per category and window on both grids with
    bootstrap intervals, where a baseline wins, the targets, reliability, ``auto``'s picks and
    the projection's run-dry share."""
    first, last = frame["origin"].min(), frame["origin"].max()
    windows = list(dict.fromkeys(frame["window"]))
    lines = [
        "# Odds backtest",
        "",
        f"The probability that a candidate at score *s* in category *c* is invited within a "
        f"window *W*, forecast at the first of every month from {first:%Y-%m} to {last:%Y-%m} "
        f"(each window counted from the origins where it ends by {feed_day:%Y-%m-%d}: "
        + ", ".join(
            f"{w} to {frame.loc[frame['window'] == w, 'origin'].max():%Y-%m}" for w in windows
        )
        + "), each forecaster seeing only the feed as it stood on the origin. The outcome is exact: invited iff a "
        "round of *c* or a general round dated in (origin, origin + W] had a cutoff at or "
        "below *s* (ties count as invited). Brier score: the mean squared difference between "
        "the probability and the outcome over the cells (origin x score); lower is better. "
        f"Written by `make odds-backtest` ({seconds:.0f} s, {n_paths} paths per origin).",
        "",
        "Forecasters:",
        "",
        "- *model*: the package's odds (`eeforecast.projection.project` at the origin, the pool "
        "fitted on the data published by then; whatever model the package holds);",
        "- *last* (baseline): invited iff *s* is at least the cutoff of the last round of *c* or "
        "general before the origin;",
        "- *clim* (baseline): the share of the past windows of the same length (weekly starts, "
        "3 years, ended by the origin) whose lowest eligible cutoff was at or below *s*;",
        "- *anchor*: the last eligible cutoff moved by the past windows' changes (lowest "
        "cutoff of the window minus the last cutoff before it; weights halving yearly);",
        "- *evt* (PNP): the window's lowest PNP cutoff as the lowest of the nominees invited in "
        "it (exponential tail of nominee scores fitted on two years of PNP rounds, nominee "
        "inflow forecast with its past log error; general rounds invite every nominee);",
        "- *auto*: per category, window and grid, the forecaster with the lowest Brier score "
        "over the last 12 origins whose windows had ended (at least 6, else *model*), kept at "
        "*model* unless another is better by more than 10%.",
        "",
        "Grids (fixed before any score was seen, from data known at the origin): *focus*, the "
        "scores where the outcome is uncertain (the cutoffs of *c*'s and the general rounds of "
        "the year before the origin, +/-20, step 5 for CEC, 10 otherwise; PNP from 601); "
        "*tail*, the scores 300-900 (step 25) outside that span, where the outcome is nearly "
        "certain.",
        "",
        "## Brier score, focus grid",
        "",
        *_brier_table(summary, "focus"),
        "",
        "Bold: below both baselines. *f - best*: Brier of *f* minus that of the better baseline, "
        "with a 90% moving-block bootstrap interval over origins (blocks of 6; overlapping "
        "windows make neighbouring origins dependent), so an interval that excludes 0 is a "
        "difference the origins can tell apart.",
        "",
        "### Where a baseline wins (focus grid)",
        "",
        *_baseline_wins(summary, "focus"),
        "",
        "## Targets: Brier below both baselines (focus grid)",
        "",
        "| category | W | model | auto | best baseline |",
        "|---|---|---|---|---:|",
    ]
    focus = summary[summary["grid"] == "focus"]
    for r in focus.to_dict("records"):
        if r["category"] not in ("cec", "french", "pnp"):
            continue
        yes = {f: "yes" if r.get(f"{f}_wins") else "**no**" for f in ("model", "auto")}
        lines.append(
            f"| {r['category']} | {r['window']} | {yes['model']} ({r['model']:.3f}) | "
            f"{yes['auto']} ({r['auto']:.3f}) | {r['best_baseline']} {r[r['best_baseline']]:.3f} |"
        )
    if (summary["grid"] == "tail").any():
        lines += ["", "## Brier score, tail grid", "", *_brier_table(summary, "tail"), "",
                  "### Where a baseline wins (tail grid)", "", *_baseline_wins(summary, "tail")]  # fmt: skip
    f_focus = frame[frame["grid"] == "focus"]
    for name in ("model", "auto"):
        rel = reliability(f_focus, name, by=("window",))
        lines += ["", f"## Reliability of *{name}* (focus grid, categories pooled)", "",
                  "| W | forecast bin | cells | mean forecast | observed |", "|---|---|---:|---:|---:|"]  # fmt: skip
        for r in rel.to_dict("records"):
            lines.append(f"| {r['window']} | {r['bin']} | {r['cells']:,} | {r['forecast']:.3f} | "
                         f"{r['observed']:.3f} |")  # fmt: skip
    picks = (
        f_focus.drop_duplicates(["origin", "window", "category"])
        .groupby(["category", "window"])["auto_model"]
        .value_counts()
        .rename("origins")
        .reset_index()
    )
    lines += ["", "## What *auto* chose (focus grid, origins)", "", "| category | W | choices |",
              "|---|---|---|"]  # fmt: skip
    for (cat, w), part in picks.groupby(["category", "window"], sort=True):
        text = ", ".join(
            f"{m} {n}" for m, n in zip(part["auto_model"], part["origins"], strict=True)
        )
        lines.append(f"| {cat} | {w} | {text} |")
    dry = (
        f_focus.drop_duplicates(["origin", "window", "category"])
        .pivot_table(index="category", columns="window", values="model_dry", aggfunc="mean")
        .reindex(columns=windows)
    )
    lines += ["", "## The projection's rounds that ran dry", "",
              "Mean over origins of the share of the projection's paths in which a round of the "
              "category ran out of eligible candidates within the window (such a round invites "
              "everyone eligible, so *model*'s odds there reach the category's floor).", "",
              "| category | " + " | ".join(windows) + " |", "|---|" + "---:|" * len(windows)]  # fmt: skip
    for cat, r in dry.iterrows():
        lines.append(f"| {cat} | " + " | ".join(f"{v:.0%}" for v in r) + " |")
    lines += [
        "",
        "## Reading the PNP rows",
        "",
        "The outcome asks whether the cutoffs set by the other candidates reached *s*. In the "
        "invite-all regime of 2025 a nominee *in* the pool is invited at the next PNP round "
        "whatever her score (her presence moves the cutoff to her score), so for a real "
        "nominee the odds are those of a PNP round in the window. The PNP rows score the "
        "distribution of the window's lowest PNP cutoff, as the issue defines the check.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make odds-backtest``; returns the exit status."""
    from .results import write_page, write_summary

    parser = argparse.ArgumentParser(
        prog="python -m eeforecast.evaluation.odds_history",
        description="Rolling-origin backtest of the odds, and its results page.",
    )
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default=None)
    parser.add_argument("--n-paths", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument("--csv", default=None, help="write the per-cell frame to this CSV")
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    t0 = time.perf_counter()
    frame = odds_backtest(
        args.source, start=args.start, end=args.end, grid=("focus", "tail"),
        n_paths=args.n_paths, rng=args.seed,
    )  # fmt: skip
    summary = odds_summary(frame)
    seconds = time.perf_counter() - t0
    cols = ["category", "window", "grid", "base_rate", *FORECASTERS, "auto", "best_baseline"]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(summary[cols].round(3).to_string(index=False))
    if args.csv:
        frame.to_csv(args.csv, index=False)
    if args.write_results:
        feed_day = as_feed(args.source).rounds["date"].max() if args.end is None else as_day(
            args.end, "end")  # fmt: skip
        print(write_page("odds", odds_markdown(frame, summary, seconds=seconds,
                                               n_paths=args.n_paths, feed_day=feed_day)))  # fmt: skip
        write_summary("odds", summary)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
