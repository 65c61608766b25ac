"""Rolling-origin backtest of a candidate's odds (:func:`odds_backtest`) and its scores.

At monthly origins ``o`` every forecaster sees only the feed as it stood on ``o`` and gives a
probability for each score of a grid (:mod:`eeforecast.evaluation.odds_baselines` has the
outcome, the grids and the simple forecasters); the Brier score compares them.
:func:`odds_summary` tabulates it with bootstrap intervals against the better of two baselines,
:func:`reliability` checks the probabilities against the observed frequencies, and ``make
odds-backtest`` writes the results page (:mod:`eeforecast.evaluation.odds_page`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..checks import as_day, as_generator, as_n_paths, as_slugs, as_span, as_whole
from ..data import Feed, as_feed
from ..errors import ParameterError
from ..odds_calibration import lowest_cutoffs, odds_residuals, regime_of
from ..progress import bar as progress_bar
from ..projection import project
from .odds_baselines import (
    anchor_odds,
    clim_odds,
    focus_grid,
    last_odds,
    odds_outcome,
    pnp_evt_odds,
    tail_grid,
)

__all__ = [
    "AUTO_CANDIDATES",
    "BASELINES",
    "CALIBRATED",
    "FORECASTERS",
    "ODDS_CATEGORIES",
    "RELIABILITY_BINS",
    "odds_backtest",
    "odds_summary",
    "reliability",
    "window_key",
]

#: The categories backtested by default: CEC, French and PNP (the categories the odds target
#: names) and healthcare.
ODDS_CATEGORIES = ("cec", "french", "pnp", "healthcare")


#: The forecasters of the frame, in its column order (``auto`` is added after them).
FORECASTERS = ("model", "calibrated", "calibrated_median", "last", "clim", "anchor", "evt")


#: The forecasters calibrated on ``model``'s past errors.
CALIBRATED = ("calibrated", "calibrated_median")


#: The forecasters ``auto`` chooses from.
AUTO_CANDIDATES = ("model", "last", "clim", "anchor", "evt")


#: The two baselines every forecaster is measured against.
BASELINES = ("last", "clim")


def window_key(column: pd.Series) -> pd.Series:
    """Sort key of ``DataFrame.sort_values``: a ``window`` column by the length of its spans
    (3m before 12m), any other column as it is."""
    if column.name != "window":
        return column
    day = pd.Timestamp("2000-01-01")
    return column.map(lambda w: (day + as_span(w, "window")).value)


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
    sq = {f: (frame[f] - frame["outcome"]) ** 2 for f in AUTO_CANDIDATES if f in frame}
    for (_, window, _), part in frame.groupby(["category", "window", "grid"], sort=False):
        span = as_span(window, "window")
        ends = part["origin"] + span
        cands = [f for f in AUTO_CANDIDATES if f in part and part[f].notna().any()]
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
                    best = min(briers, key=lambda f: (briers[f], AUTO_CANDIDATES.index(f)))
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
        only, NaN elsewhere) and ``auto`` [fraction 0..1], ``auto_model``, ``model_dry``
        (the share of the projection's paths in which a round of the category ran out of
        eligible candidates within the window) [fraction], ``calibrated_n`` (the residuals
        ``calibrated`` had) [residuals] and ``calibrated_used`` (False where it fell back to
        ``model``).

    Notes
    -----
    Every forecaster sees only ``feed.truncate(as_of=origin)``:

    - ``model``: :func:`eeforecast.projection.project` (pool fitted at the origin, forecast
      schedule over the longest window), ``Projection.probability(scores, [category], W)``;
    - ``calibrated``: ``model``'s median lowest eligible cutoff plus the residuals of the
      earlier origins of this run whose windows had ended by the origin
      (:func:`eeforecast.odds_calibration.odds_residuals`, the rule of
      ``odds(..., calibrate=True)``); ``model`` where there are too few;
    - ``last`` and ``clim``: the baselines (:func:`last_odds`, :func:`clim_odds`);
    - ``anchor`` (:func:`anchor_odds`) and, for PNP, ``evt`` (:func:`pnp_evt_odds`);
    - ``auto``: per category, window and grid, the forecaster of :data:`AUTO_CANDIDATES` with
      the lowest Brier score over
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
    medians: dict = {(c, w): {} for c in categories for w in windows}
    bar = progress_bar(len(origins), desc="odds backtest", unit="origin", show=progress)
    try:
        for k, origin in enumerate(origins):
            known = truth[truth["date"] <= origin]
            model_rng, evt_rng = streams[k]
            proj = _model_odds(feed, origin, longest, n_paths, model_rng)
            for cat in categories:
                for w in windows:
                    # no projection: no round expected, nobody invited on any path
                    low = lowest_cutoffs(proj, [cat], w) if proj is not None else np.array([np.inf])
                    medians[cat, w][origin] = (
                        (float(np.median(low)), regime_of(proj, [cat]), low)
                        if proj is not None
                        else (np.inf, None, low)
                    )
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
                        med, regime, low = medians[cat, w][origin]
                        cal = odds_residuals(known, medians[cat, w], categories=cat, within=w,
                                             as_of=origin, regime=regime or ())  # fmt: skip
                        model = out["model"]
                        out["calibrated"] = cal.probability(low, scores, simulated=model)
                        out["calibrated_median"] = (
                            cal.probability(med, scores, simulated=model)
                            if np.isfinite(med)
                            else model
                        )
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
                                    "calibrated_n": len(cal.residuals),
                                    "calibrated_used": cal.usable and proj is not None,
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
            "auto_model", "model_dry", "calibrated_n", "calibrated_used"]  # fmt: skip
    return frame[cols]


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
        baselines'); per calibrated forecaster (:data:`CALIBRATED`) ``<f>_vs_model`` (its Brier
        minus ``model``'s) with ``<f>_vs_model_lo``, ``<f>_vs_model_hi`` (from a stream of its
        own, so the intervals against the baseline do not move).
    """
    gen = as_generator(rng)
    vs_gen = gen.spawn(1)[0]
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
        for f in CALIBRATED:
            if f not in names or "model" not in names or np.isnan(row[f]):
                continue
            lo, hi = _block_interval(part, f, "model", block=block, n_boot=n_boot, gen=vs_gen,
                                     level=level)  # fmt: skip
            row[f"{f}_vs_model"] = row[f] - row["model"]
            row[f"{f}_vs_model_lo"], row[f"{f}_vs_model_hi"] = lo, hi
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    order = ["category", "window", "grid"]
    return out.sort_values(order, key=window_key, kind="stable").reset_index(drop=True)


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
    return out.sort_values([*by], key=window_key, kind="stable").reset_index(drop=True)
