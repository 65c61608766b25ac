"""The rolling origin: every model's raw forecasts at one origin (:func:`raw_forecasts`) and at
every origin of a span (:func:`raw_backtest`).

At every origin the models see only the rounds and pool snapshots dated on or before it (the
as-of rule, :meth:`eeforecast.data.Feed.truncate`) and forecast each category's next ``horizon``
rounds. The origins are the days before each round of each category: step 1 is every round
forecast the evening before, step 2 the same rounds forecast one round earlier, and so on.
:func:`eeforecast.forecast.forecast` calibrates today's forecast on this backtest of the past
two years; :func:`eeforecast.evaluation.cross_validation` scores it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np
import pandas as pd

from ..checks import as_day
from ..errors import ParameterError
from ..progress import bar as progress_bar
from .calibration import SCHEDULE_COLUMNS
from .catalogue import check_models
from .history import ACTIVE_DAYS, History, category_history
from .models import Combination, ensemble_of, fit_model, forecast_model
from .schedule import future_of, schedule_category

__all__ = ["RAW_COLUMNS", "origins", "raw_backtest", "raw_forecasts"]

#: Columns of :func:`raw_backtest`: the forecast's keys, the round it targets, the model's answer.
#: ``draws`` holds the model's ensemble for the step (:data:`ENSEMBLE_METHOD`) or None.
RAW_COLUMNS = ["origin", "category", "step", *SCHEDULE_COLUMNS, "model", "mean", "sd", "draws"]


def _fit(model, history: History, cache: dict | None):
    key = (model, history.key())
    fitted = cache.get(key) if cache is not None else None
    if fitted is None:
        fitted = fit_model(model, history)
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
    actual_invitations, last_invitations, model, mean, sd, draws`` (``invitations`` and
    ``expected_date`` are the schedule models' forecasts; ``actual_invitations`` is NaN outside a
    backtest); ``draws`` is the model's ensemble for the step, or None.
    """
    origin = as_day(origin, "origin")
    if known_schedule and actual is None:
        raise ParameterError("known_schedule: needs the actual rounds (a backtest)")
    view = feed.truncate(as_of=origin)
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
        draws: dict = {}
        for model in sorted(models, key=lambda m: isinstance(m, Combination)):
            if isinstance(model, Combination):
                parts = [
                    done[m.name]
                    if m.name in done
                    else forecast_model(_fit(m, hist, cache), fut, m.name)
                    for m in model.members
                ]
                mean, sd = model.combine(parts)
            else:
                fitted = _fit(model, hist, cache)
                mean, sd = forecast_model(fitted, fut, model.name)
                draws[model.name] = ensemble_of(fitted, fut, model.name)
            done[model.name] = (mean, sd)
        for model in models:
            mean, sd = done[model.name]
            ens = draws.get(model.name)
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
                        "draws": None if ens is None else ens[i],
                    }
                )
    return records


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
    max_forecasts: int | None = None,
) -> pd.DataFrame:
    """Uncalibrated forecasts of every model at every origin (long frame, :data:`RAW_COLUMNS`).

    The feed is cut at ``end`` first, so no round after ``end`` is ever a target. Parameters are
    those of :func:`eeforecast.evaluation.cross_validation`, and ``max_forecasts``: when the
    origins hold more (origin, category) forecasts than this, every k-th origin is kept (the
    latest always), k the smallest that brings them within it (None: every origin).
    """
    models = check_models(models)
    end = as_day(end, "end") if end is not None else None
    feed = feed.truncate(as_of=end) if end is not None else feed
    start = as_day(start, "start")
    last = feed.rounds["date"].max() if end is None else end
    plan = list(origins(feed, start, last, categories).items())
    if not plan:
        return pd.DataFrame(columns=RAW_COLUMNS)
    if max_forecasts is not None:
        total = sum(len(cats) for _, cats in plan)
        if total > max_forecasts:
            step = -(-total // max_forecasts)
            plan = plan[::-1][::step][::-1]
    if n_jobs is None:
        n_jobs = min(os.cpu_count() or 1, 2)
    records: list[dict] = []
    bar = progress_bar(len(plan), desc="backtest", unit="origin", show=progress)
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
