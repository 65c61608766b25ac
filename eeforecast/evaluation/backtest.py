"""Rolling-origin backtest of the cutoff models in one call (:func:`cross_validation`).

At every origin the models see only the rounds and pool snapshots dated on or before it and
forecast the category's next ``horizon`` rounds (:mod:`eeforecast.forecast.rolling`); the forecasts
are compared with what happened. Every round counts once per step and category, and an error is a
subtraction: ``actual - <model>``. Intervals are calibrated at each origin from the residuals known
then (:func:`eeforecast.forecast.calibrate`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import Executor

import pandas as pd

from ..checks import LEVELS, MAX_HORIZON, as_day, as_levels, as_slugs, as_whole
from ..data import Feed, FeedWarning, as_feed
from ..errors import ParameterError
from ..forecast import (
    DEFAULT_MODELS,
    Structural,
    auto_candidates,
    calibrate,
    check_models,
    raw_backtest,
)
from .metrics import schedule_accuracy, summarize, targets
from .results import write_headline, write_page, write_summary

__all__ = ["backtest_markdown", "cross_validation", "main"]


def cross_validation(
    source: Feed | str | os.PathLike | None = None,
    *,
    start: object = "2023-01-01",
    end: object = None,
    horizon: int = 3,
    models: Sequence | None = None,
    auto_from: Sequence[str] | None = None,
    levels: Sequence[int] = LEVELS,
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
    source : Feed, path or None
        The feed (None: the default feed).
    start, end : date-like
        Rounds dated after ``start`` and on or before ``end`` (default: the last round) are
        targets; the feed is cut at ``end``.
    horizon : int
        Rounds ahead per origin [rounds].
    models : sequence of CutoffModel, optional
        Default :data:`eeforecast.forecast.DEFAULT_MODELS`; ``naive`` is always added.
    auto_from : sequence of str, optional
        The models ``auto`` may choose among (default: the package's own models in
        ``models``; a custom model joins the choice only when named here).
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
        error comes from not knowing the schedule (the backtest results page).

    Returns
    -------
    pandas.DataFrame
        ``origin, category, step, date, actual`` [CRS points], the schedule columns
        ``invitations`` (forecast), ``expected_date``, ``actual_invitations`` and
        ``last_invitations`` [candidates], a column per model and ``auto`` with
        ``<model>_lo_<L>``, ``<model>_hi_<L>`` [CRS points], and ``auto_model``.

    Examples
    --------
    >>> cv = cross_validation(start="2025-09-01", categories=["cec"], horizon=1,
    ...                       models=[], n_jobs=1)
    >>> bool((cv["date"] - cv["origin"] == pd.Timedelta(days=1)).all())  # the evening before
    True
    """
    horizon = as_whole(horizon, "horizon", maximum=MAX_HORIZON)
    warmup_days = as_whole(warmup_days, "warmup_days", minimum=0)
    categories = as_slugs(categories)
    levels = as_levels(levels)
    models = check_models(models)
    candidates = auto_candidates(models, auto_from)
    feed = as_feed(source)
    start_day = as_day(start, "start")
    if end is not None and as_day(end, "end") <= start_day:
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
    wide = calibrate(raw, levels, calibrate=calibrate_intervals, candidates=candidates)
    keep = wide["origin"] >= start_day
    if not keep.any():
        raise ParameterError(f"no round to backtest between {start} and {end or 'the last round'}")
    return wide[keep].reset_index(drop=True)


def _md_table(frame: pd.DataFrame, formats: dict[str, str]) -> list[str]:
    """A Markdown table of ``frame`` with per-column format specs (text left, numbers right)."""
    cols = list(frame.columns)
    head = "| " + " | ".join(cols) + " |"
    align = "|" + "|".join("---:" if c in formats else "---" for c in cols) + "|"
    rows = []
    for rec in frame.to_dict("records"):
        cells = []
        for c in cols:
            v = rec[c]
            cells.append("-" if pd.isna(v) else format(v, formats[c]) if c in formats else str(v))
        rows.append("| " + " | ".join(cells) + " |")
    return [head, align, *rows]


def backtest_markdown(cv: pd.DataFrame, known: pd.DataFrame | None, seconds: float) -> str:
    """The backtest results page: ``auto`` against naive per category and step, every model at
    step 1, the schedule models, and the known-schedule diagnostic."""
    first, last = cv["origin"].min(), cv["origin"].max()
    goal = targets(cv)
    lines = [
        "# Forecast accuracy (rolling-origin backtest)",
        "",
        f"Every round from {first + pd.Timedelta(days=1):%Y-%m-%d} to "
        f"{last + pd.Timedelta(days=1):%Y-%m-%d} forecast from the evening before (step 1) and "
        "from one and two rounds earlier (steps 2 and 3), each origin seeing only the data "
        "published by then (`eeforecast.evaluation.cross_validation`). The forecast does not "
        "know the round's size. *auto* is the model the backtest chose for the category at each "
        "origin from its past step-1 errors; naive is the category's previous cutoff. MAE in "
        f"CRS points. Written by `make backtest` ({seconds:.0f} s).",
        "",
        "## Step 1: auto against naive",
        "",
    ]
    goal = goal.rename(columns={"n": "rounds", "mae": "auto MAE", "mae_naive": "naive MAE"})
    fmt = {"rounds": "d", "auto MAE": ".1f", "naive MAE": ".1f", "skill": "+.0%"}
    fmt.update({c: ".0%" for c in goal.columns if c.startswith("coverage_")})
    lines += _md_table(goal.drop(columns=["flat", "ok"]), fmt)
    lines += [
        "",
        "*skill* = 1 - auto MAE / naive MAE (positive: better than naive); *coverage_L*: share "
        "of the actual cutoffs inside the calibrated L% interval. Categories with at least 8 "
        "step-1 rounds.",
        "",
        "## By step (all categories)",
        "",
    ]
    by_step = summarize(cv, by=("step",), models=["auto", "naive"])
    cov = [c for c in by_step.columns if c.startswith("coverage_")]
    lines += _md_table(
        by_step[["model", "step", "n", "mae", *cov]],
        {"step": "d", "n": "d", "mae": ".1f", **{c: ".0%" for c in cov}},
    )
    step1 = summarize(cv[cv["step"] == 1], by=("category",))
    pivot = step1.pivot_table(index="category", columns="model", values="mae").reset_index()
    pivot.columns.name = None
    lines += ["", "## Every model at step 1 (MAE)", ""]
    lines += _md_table(pivot, {c: ".1f" for c in pivot.columns if c != "category"})
    sched = schedule_accuracy(cv[cv["step"] == 1])
    lines += ["", "## The schedule models at step 1", ""]
    lines += _md_table(
        sched,
        {"n": "d", "size_mae": ",.0f", "size_mae_naive": ",.0f", "date_mae": ".1f",
         "date_bias": "+.1f"},
    )  # fmt: skip
    lines += [
        "",
        "*size_mae*: error of the forecast round size [candidates] (*naive*: the last size); "
        "*date_mae*, *date_bias*: error of the expected date [days].",
    ]
    if known is not None:
        k1 = summarize(known[known["step"] == 1], by=("category",))
        k1 = k1[k1["model"] != "auto"]
        best = k1.loc[k1.groupby("category")["mae"].idxmin(), ["category", "model", "mae"]]
        naive = k1[k1["model"] == "naive"].set_index("category")["mae"]
        best = best.assign(naive=best["category"].map(naive))
        best = best.rename(columns={"model": "best model", "mae": "its MAE", "naive": "naive MAE"})
        lines += [
            "",
            "## Diagnostic: told each round's actual size and date",
            "",
            "The same backtest with every model given the actual date and size of the round it "
            "forecasts (`--known-schedule`), information IRCC publishes only with the round. It "
            "is not a forecast: it measures how much of the error comes from not knowing the "
            "size.",
            "",
        ]
        lines += _md_table(best, {"its MAE": ".1f", "naive MAE": ".1f"})
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make backtest``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m eeforecast.evaluation.backtest",
        description="Rolling-origin backtest of the cutoff models, and its results page.",
    )
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--horizon", type=int, default=3)
    parser.add_argument("--structural", action="store_true", help="add the structural model")
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    models = DEFAULT_MODELS + ((Structural(),) if args.structural else ())
    t0 = time.perf_counter()
    cv = cross_validation(args.source, start=args.start, horizon=args.horizon, models=models)
    known = cross_validation(
        args.source, start=args.start, horizon=1, models=models, known_schedule=True
    )
    seconds = time.perf_counter() - t0
    goal = targets(cv)
    with pd.option_context("display.width", 160, "display.max_columns", None):
        print(goal.round(3).to_string(index=False))
    if args.write_results:
        print(write_page("backtest", backtest_markdown(cv, known, seconds)))
        write_summary("backtest", goal)
        write_headline()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
