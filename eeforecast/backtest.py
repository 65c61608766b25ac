"""Rolling-origin evaluation of the cutoff models, and the metrics table.

At every origin the models see only the rounds and pool snapshots dated on or before it (the same
rule as ``--as-of``: :meth:`eeforecast.feed.Feed.truncate` filters the in-memory frames) and forecast
the category's next ``horizon`` rounds; the forecasts are then compared with what happened.

The origins are the days before each round of each category: for a category, step 1 is every one of
its rounds forecast the evening before, step 2 the same rounds forecast one round earlier, and so on.
Every round therefore counts once per step and category, and an error is a subtraction:
``actual - <model>``.

:func:`cross_validation` runs it all in one call (statsforecast-style) and returns a tidy frame
``origin, category, step, date, actual, invitations`` with a column per model, its interval columns
``<model>_lo_<L>`` / ``<model>_hi_<L>``, and the backtest-chosen ``auto`` model. Intervals are
calibrated at each origin from the residuals known then (:func:`eeforecast.forecast.calibrate`).
:func:`summarize` turns that frame into MAE, RMSE, bias, coverage, width and skill against naive.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np
import pandas as pd

from .errors import ParameterError
from .forecast import (
    DEFAULT_LEVELS,
    SCHEDULE_COLUMNS,
    _as_day,
    _check_levels,
    _check_models,
    _feed_at,
    _slugs,
    _whole,
    calibrate,
    raw_forecasts,
)

__all__ = [
    "cross_validation",
    "origins",
    "raw_backtest",
    "schedule_accuracy",
    "summarize",
    "targets",
]

#: Columns of :func:`raw_backtest`: the forecast's keys, the round it targets, the model's answer.
RAW_COLUMNS = ["origin", "category", "step", *SCHEDULE_COLUMNS, "model", "mean", "sd"]


def origins(feed, start, end, categories: Sequence[str] | None = None) -> dict:
    """Backtest origins: the day before each round dated in ``(start, end]``.

    Returns
    -------
    dict
        ``origin -> [category, ...]``: the categories with a round on the day after the origin,
        in chronological order of origins.
    """
    r = feed.rounds
    sel = (r["date"] > start) & (r["date"] <= end)
    if categories:
        sel &= r["category"].isin(list(categories))
    out: dict = {}
    for date, cat in zip(r.loc[sel, "date"], r.loc[sel, "category"], strict=True):
        cats = out.setdefault(date - pd.Timedelta(days=1), [])
        if cat not in cats:
            cats.append(cat)
    return dict(sorted(out.items()))


def _run_chunk(
    feed, tasks, horizon, models, history_kw, known_schedule=False, cache: dict | None = None
) -> list[dict]:
    """Raw forecasts for ``tasks`` (origin, categories), sharing fitted histories via ``cache``."""
    cache = {} if cache is None else cache
    records: list[dict] = []
    for origin, cats in tasks:
        records.extend(
            raw_forecasts(
                feed,
                origin,
                cats,
                horizon,
                models,
                actual=feed.rounds,
                cache=cache,
                history_kw=history_kw,
                known_schedule=known_schedule,
            )
        )
    return records


def _progress(total: int, progress: bool | None, desc: str):
    from tqdm.auto import tqdm

    disable = (not sys.stderr.isatty()) if progress is None else not progress
    return tqdm(total=total, desc=desc, unit="origin", file=sys.stderr, disable=disable)


def raw_backtest(
    feed,
    start,
    end=None,
    *,
    horizon: int = 3,
    models: Sequence | None = None,
    categories: Sequence[str] | None = None,
    n_jobs: int | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
    history_kw: dict | None = None,
    known_schedule: bool = False,
) -> pd.DataFrame:
    """Uncalibrated forecasts of every model at every origin (long frame, :data:`RAW_COLUMNS`).

    The feed is cut at ``end`` first, so no round after ``end`` is ever a target. Parameters are
    those of :func:`cross_validation`.
    """
    models = _check_models(models)
    end = _as_day(end, "end") if end is not None else None
    feed = feed.truncate(end) if end is not None else feed
    start = _as_day(start, "start")
    last = feed.rounds["date"].max() if end is None else end
    plan = list(origins(feed, start, last, categories).items())
    if not plan:
        return pd.DataFrame(columns=RAW_COLUMNS)
    if n_jobs is None:
        n_jobs = min(os.cpu_count() or 1, 2)
    records: list[dict] = []
    bar = _progress(len(plan), progress, "backtest")
    try:
        if executor is None and (n_jobs <= 1 or len(plan) < 12):
            cache: dict = {}
            for task in plan:
                records.extend(
                    _run_chunk(feed, [task], horizon, models, history_kw, known_schedule, cache)
                )
                bar.update(1)
        else:
            own = executor is None
            pool = executor if executor is not None else ProcessPoolExecutor(max_workers=n_jobs)
            try:
                n_chunks = max(1, min(len(plan), 4 * max(n_jobs, 2)))
                # interleave origins so that every chunk gets a share of the long late series
                chunks = [plan[i::n_chunks] for i in range(n_chunks)]
                futures = [
                    pool.submit(
                        _run_chunk, feed, chunk, horizon, models, history_kw, known_schedule
                    )
                    for chunk in chunks
                ]
                for fut, chunk in zip(futures, chunks, strict=True):
                    records.extend(fut.result())
                    bar.update(len(chunk))
            finally:
                if own:
                    pool.shutdown()
    finally:
        bar.close()
    raw = pd.DataFrame(records, columns=RAW_COLUMNS)
    return raw.sort_values(["origin", "category", "step", "model"], kind="stable").reset_index(
        drop=True
    )


def cross_validation(
    feed=None,
    start="2023-01-01",
    end=None,
    *,
    horizon: int = 3,
    models: Sequence | None = None,
    levels: Sequence[int] = DEFAULT_LEVELS,
    categories: Sequence[str] | None = None,
    calibrate_intervals: bool = True,
    warmup_days: int = 365,
    n_jobs: int | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
    history_kw: dict | None = None,
    known_schedule: bool = False,
) -> pd.DataFrame:
    """Rolling-origin backtest of every model over the rounds dated in ``(start, end]``.

    Parameters
    ----------
    feed : eeforecast.feed.Feed, optional
        The feed (default: the bundled one).
    start, end : date-like
        Rounds dated after ``start`` and on or before ``end`` (default: the last round) are
        targets; the feed is cut at ``end``.
    horizon : int
        Rounds ahead per origin [rounds].
    models : sequence of model specifications, optional
        Default :data:`eeforecast.forecast.DEFAULT_MODELS`; ``naive`` is always added.
    levels : sequence of int
        Interval levels [%].
    categories : sequence of str, optional
        Only these categories.
    calibrate_intervals : bool
        Calibrate intervals on past residuals (True) or keep the models' Gaussian ones.
    warmup_days : int
        Forecasts from origins in the ``warmup_days`` before ``start`` are made too (and dropped
        from the result) so that calibration and model choice have residuals at the first
        origin [days].
    n_jobs : int or None
        Processes across origins (None: up to 2); ignored when ``executor`` is given.
    executor : concurrent.futures.Executor, optional
        Where to run chunks of origins (a ``ProcessPoolExecutor``, a dask client's executor).
    progress : bool or None
        Progress bar on stderr (None: only on a terminal).
    history_kw : dict, optional
        Window options passed to :func:`eeforecast.forecast.category_history`.
    known_schedule : bool
        Diagnostic, not a forecast: give every model the actual dates and sizes of the rounds
        it forecasts (IRCC publishes a round's size only with the round) instead of the schedule
        models' guesses. Comparing it with the default run measures how much of each model's
        error comes from not knowing the schedule (README, *Forecast accuracy*).

    Returns
    -------
    pandas.DataFrame
        ``origin, category, step, date, actual`` [CRS points], the schedule columns
        ``invitations`` (forecast), ``expected_date``, ``actual_invitations`` and
        ``last_invitations`` [candidates], a column per model and ``auto`` with
        ``<model>_lo_<L>``, ``<model>_hi_<L>`` [CRS points], and ``auto_model``.

    Examples
    --------
    >>> from eeforecast.feed import load_feed
    >>> cv = cross_validation(load_feed(), start="2025-09-01", categories=["cec"], horizon=1,
    ...                       models=[], n_jobs=1)
    >>> bool((cv["actual"] - cv["naive"]).abs().mean() >= 0)
    True
    """
    horizon = _whole(horizon, "horizon")
    warmup_days = _whole(warmup_days, "warmup_days", minimum=0)
    categories = _slugs(categories)
    levels = _check_levels(levels)
    feed = _feed_at(feed)
    start_day = _as_day(start, "start")
    if end is not None and _as_day(end, "end") <= start_day:
        raise ParameterError(f"end: {end} is not after start {start}")
    for c in categories or ():
        if c not in set(feed.rounds["category"]):
            raise ParameterError(f"category {c!r}: no round of it in the feed")
    raw = raw_backtest(
        feed,
        start_day - pd.Timedelta(days=warmup_days),
        end,
        horizon=horizon,
        models=models,
        categories=categories,
        n_jobs=n_jobs,
        executor=executor,
        progress=progress,
        history_kw=history_kw,
        known_schedule=known_schedule,
    )
    if raw.empty:
        raise ParameterError(f"no round to backtest between {start} and {end or 'the last round'}")
    wide = calibrate(raw, levels, calibrate=calibrate_intervals)
    keep = wide["origin"] >= start_day
    if not keep.any():
        raise ParameterError(f"no round to backtest between {start} and {end or 'the last round'}")
    return wide[keep].reset_index(drop=True)


def _model_names(cv: pd.DataFrame) -> list[str]:
    fixed = {"origin", "category", "step", "auto_model", *SCHEDULE_COLUMNS}
    return [c for c in cv.columns if c not in fixed and "_lo_" not in c and "_hi_" not in c]


def _levels(cv: pd.DataFrame, model: str) -> list[int]:
    prefix = f"{model}_lo_"
    return sorted(int(c[len(prefix) :]) for c in cv.columns if c.startswith(prefix))


def summarize(
    cv: pd.DataFrame, by: Sequence[str] = ("category", "step"), models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Accuracy of every model in a :func:`cross_validation` frame.

    Parameters
    ----------
    cv : pandas.DataFrame
        The backtest frame.
    by : sequence of str
        Grouping columns (``()`` for one row per model).
    models : sequence of str, optional
        Models to summarise (default: every model column, ``auto`` included).

    Returns
    -------
    pandas.DataFrame
        One row per model and group: ``model, <by>, n, mae, rmse, bias`` [CRS points],
        ``coverage_<L>`` [fraction], ``width_<L>`` [CRS points] and ``skill`` (``1 - mae /
        mae_naive`` on the same rounds; positive means better than naive). ``bias`` is the mean of
        ``forecast - actual``.
    """
    models = list(models) if models is not None else _model_names(cv)
    by = list(by)
    unknown = [c for c in [*by, *models] if c not in cv.columns]
    if unknown:
        raise ParameterError(
            f"summarize: no column {unknown[0]!r} in the backtest frame (group by origin, "
            "category, step or date; models are its model columns)"
        )
    data = cv[np.isfinite(cv["actual"])]
    groups = data.groupby(by, sort=True) if by else [((), data)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        mae_naive = float(np.mean(np.abs(part["naive"] - part["actual"])))
        for m in models:
            err = part[m] - part["actual"]
            row = {"model": m, **dict(zip(by, key, strict=True)), "n": len(part)}
            row["mae"] = float(np.mean(np.abs(err)))
            row["rmse"] = float(np.sqrt(np.mean(err**2)))
            row["bias"] = float(np.mean(err))
            for lv in _levels(cv, m):
                lo, hi = part[f"{m}_lo_{lv}"], part[f"{m}_hi_{lv}"]
                inside = (part["actual"] >= lo) & (part["actual"] <= hi)
                row[f"coverage_{lv}"] = float(np.mean(inside))
                row[f"width_{lv}"] = float(np.mean(hi - lo))
            row["skill"] = 1 - row["mae"] / mae_naive if mae_naive > 0 else np.nan
            rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values(["model", *by], kind="stable").reset_index(drop=True)


def targets(cv: pd.DataFrame, model: str = "auto", min_rounds: int = 8) -> pd.DataFrame:
    """Check the issue's targets for ``model`` per category at step 1.

    Returns one row per category with at least ``min_rounds`` step-1 rounds: ``n, mae, mae_naive,
    skill, flat`` (the actual cutoffs' standard deviation below 5 points), ``coverage_<L>`` and
    ``ok`` (MAE no worse than naive; better by 20% unless flat; every coverage within 10
    percentage points of nominal).
    """
    one = cv[(cv["step"] == 1) & np.isfinite(cv["actual"])]
    levels = _levels(cv, model)
    rows = []
    for cat, part in one.groupby("category", sort=True):
        if len(part) < min_rounds:
            continue
        mae = float(np.mean(np.abs(part[model] - part["actual"])))
        mae_naive = float(np.mean(np.abs(part["naive"] - part["actual"])))
        flat = float(np.std(part["actual"])) < 5
        skill = 1 - mae / mae_naive if mae_naive > 0 else 0.0
        row = {"category": cat, "n": len(part), "mae": mae, "mae_naive": mae_naive}
        row.update({"skill": skill, "flat": flat})
        ok = mae <= mae_naive + 1e-9 and (flat or skill >= 0.2)
        for lv in levels:
            inside = (part["actual"] >= part[f"{model}_lo_{lv}"]) & (
                part["actual"] <= part[f"{model}_hi_{lv}"]
            )
            row[f"coverage_{lv}"] = float(np.mean(inside))
            ok = ok and abs(row[f"coverage_{lv}"] - lv / 100) <= 0.10
        row["ok"] = ok
        rows.append(row)
    return pd.DataFrame(rows)


def schedule_accuracy(cv: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Accuracy of the schedule models (round sizes and dates) in a backtest frame.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n``, ``size_mae`` (the size model's error) and ``size_mae_naive`` (repeating
        the category's last size) [candidates], ``date_mae`` and ``date_bias`` (expected minus
        actual date) [days].
    """
    by = list(by)
    data = cv[np.isfinite(cv["actual_invitations"])]
    groups = data.groupby(by, sort=True) if by else [((), data)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        days = (part["expected_date"] - part["date"]).dt.days.astype(float)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "n": len(part),
                "size_mae": float(
                    np.mean(np.abs(part["invitations"] - part["actual_invitations"]))
                ),
                "size_mae_naive": float(
                    np.mean(np.abs(part["last_invitations"] - part["actual_invitations"]))
                ),
                "date_mae": float(np.mean(np.abs(days))),
                "date_bias": float(np.mean(days)),
            }
        )
    return pd.DataFrame(rows)
