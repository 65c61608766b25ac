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

import numpy as np
import pandas as pd

from ..checks import LEVELS, MAX_HORIZON, as_day, as_levels, as_slugs, as_whole
from ..data import Feed, FeedWarning, as_feed
from ..errors import ParameterError
from ..forecast import (
    DEFAULT_MODELS,
    SizeMixture,
    Structural,
    auto_candidates,
    calibrate,
    check_models,
    raw_backtest,
)
from .metrics import crps_table, schedule_accuracy, summarize, targets
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
    select_by: str = "crps",
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
    select_by : {"crps", "mae"}
        What ``auto`` is chosen by (:func:`eeforecast.forecast.calibrate`).

    Returns
    -------
    pandas.DataFrame
        ``origin, category, step, date, actual`` [CRS points], the schedule columns
        ``invitations`` (forecast), ``expected_date``, ``actual_invitations`` and
        ``last_invitations`` [candidates], a column per model and ``auto`` with
        ``<model>_lo_<L>``, ``<model>_hi_<L>`` and ``<model>_crps`` [CRS points], and
        ``auto_model``.

    Examples
    --------
    >>> cv = cross_validation(start="2025-09-01", categories=["cec"], horizon=1,
    ...                       models=[], n_jobs=1)
    >>> bool((cv["date"] - cv["origin"] == pd.Timedelta(days=1)).all())  # the evening before
    True
    """
    levels = as_levels(levels)
    if select_by not in ("crps", "mae"):
        raise ParameterError(f"select_by: 'crps' or 'mae', got {select_by!r}")
    raw, candidates, start_day = _raw(
        source, start=start, end=end, horizon=horizon, models=models, auto_from=auto_from,
        categories=categories, warmup_days=warmup_days, n_jobs=n_jobs, executor=executor,
        progress=progress, history_kw=history_kw, known_schedule=known_schedule,
    )  # fmt: skip
    return _calibrated(
        raw, start_day, levels=levels, calibrate_intervals=calibrate_intervals,
        candidates=candidates, select_by=select_by, what=(start, end),
    )  # fmt: skip


def _raw(
    source, *, start, end, horizon, models, auto_from, categories, warmup_days, n_jobs, executor,
    progress, history_kw, known_schedule,
):  # fmt: skip
    """The raw forecasts of :func:`cross_validation` (warm-up included), the ``auto``
    candidates and the first origin kept."""
    horizon = as_whole(horizon, "horizon", maximum=MAX_HORIZON)
    warmup_days = as_whole(warmup_days, "warmup_days", minimum=0)
    categories = as_slugs(categories)
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
    return raw, candidates, start_day


def _calibrated(
    raw, start_day, *, levels=LEVELS, calibrate_intervals=True, candidates=None,
    select_by="crps", what=("", None),
) -> pd.DataFrame:  # fmt: skip
    """:func:`calibrate` the raw forecasts and keep the origins from ``start_day``."""
    levels = as_levels(levels)
    wide = calibrate(
        raw, levels, calibrate=calibrate_intervals, candidates=candidates, select_by=select_by
    )
    keep = wide["origin"] >= start_day
    if not keep.any():
        raise ParameterError(
            f"no round to backtest between {what[0]} and {what[1] or 'the last round'}"
        )
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


def _crps_pivot(table: pd.DataFrame, value: str) -> pd.DataFrame:
    out = table.pivot_table(index=["category", "step"], columns="model", values=value)
    out.columns.name = None
    return out.reset_index()


def backtest_markdown(
    cv: pd.DataFrame,
    known: pd.DataFrame | None,
    seconds: float,
    *,
    by_mae: pd.DataFrame | None = None,
    sizemix: pd.DataFrame | None = None,
    sizemix_seconds: float | None = None,
    sizemix_known: pd.DataFrame | None = None,
) -> str:
    """The backtest results page: ``auto`` against naive per category and step (MAE) and
    against ``naive_emp`` (CRPS), every model at step 1, the schedule models, the choice by
    CRPS against the choice by MAE (``by_mae``), the size mixture (``sizemix``: a backtest of
    :class:`~eeforecast.forecast.SizeMixture` on the same rounds; ``sizemix_known``: the same at
    step 1 told each round's actual date) and the known-schedule diagnostic."""
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
        "origin by the CRPS of its past step-1 forecasts; naive is the category's previous "
        "cutoff. MAE and CRPS in CRS points. Written by `make backtest` "
        f"({seconds:.0f} s).",
        "",
        "## Step 1: auto against naive",
        "",
    ]
    goal = goal.rename(columns={"n": "rounds", "mae": "auto MAE", "mae_naive": "naive MAE"})
    fmt = {"rounds": "d", "auto MAE": ".1f", "naive MAE": ".1f", "skill": "+.0%"}
    fmt.update({c: ".0%" for c in goal.columns if c.startswith("coverage_")})
    keep = [c for c in goal.columns if c not in ("flat", "ok") and not c.startswith("crps")]
    lines += _md_table(goal[keep], fmt)
    lines += [
        "",
        "*skill* = 1 - auto MAE / naive MAE (positive: better than naive); *coverage_L*: share "
        "of the actual cutoffs inside the calibrated L% interval. Categories with at least 8 "
        "step-1 rounds.",
        "",
        "## The whole distribution: CRPS against naive with its own errors",
        "",
        "The continuous ranked probability score scores the whole predictive distribution "
        "(for a point forecast it is the absolute error; lower is better). A model that gives a "
        "mean and an sd is read as the normal whose 80% interval is its calibrated one; "
        "*naive_emp* is naive's point with the category's own past step-k naive errors as its "
        "distribution (the last 40 in the 3 years before the origin; exact ensemble CRPS). "
        "*crps_skill* = 1 - CRPS(auto) / CRPS(naive_emp); the target is a skill above 0 in "
        "every category with at least 8 step-1 rounds. WIS: the weighted interval score of the "
        "point and the 80% and 95% intervals (compare WIS with WIS).",
        "",
    ]
    table = crps_table(cv)
    if not table.empty:
        table = table.assign(ok=table["ok"].map({True: "yes", False: "**no**"}))
        lines += _md_table(
            table.rename(columns={"crps_naive_emp": "naive_emp CRPS", "wis_naive_emp": "naive_emp WIS",
                                  "crps": "auto CRPS", "wis": "auto WIS", "ok": "skill > 0"}),
            {"step": "d", "n": "d", "auto CRPS": ".1f", "naive_emp CRPS": ".1f", "auto WIS": ".1f",
             "naive_emp WIS": ".1f", "crps_skill": "+.0%"},
        )  # fmt: skip
    if by_mae is not None:
        mae_table = crps_table(by_mae)
        if not table.empty and not mae_table.empty:
            both = table[["category", "step", "n", "crps", "crps_naive_emp"]].merge(
                mae_table[["category", "step", "crps"]].rename(columns={"crps": "by_mae"}),
                on=["category", "step"],
            )
            both = both.rename(columns={"crps": "auto by CRPS", "by_mae": "auto by MAE",
                                        "crps_naive_emp": "naive_emp"})  # fmt: skip
            lines += [
                "",
                "### Choosing auto by CRPS or by MAE",
                "",
                "The CRPS of *auto* chosen by the CRPS of its recent step-1 forecasts (the rule "
                "in use) and by their absolute error (the rule before), same forecasts and "
                "margin.",
                "",
            ]
            lines += _md_table(
                both, {"step": "d", "n": "d", "auto by CRPS": ".1f", "auto by MAE": ".1f",
                       "naive_emp": ".1f"},
            )  # fmt: skip
    lines += ["", "## By step (all categories)", ""]
    by_step = summarize(cv, by=("step",), models=["auto", "naive", "naive_emp"])
    cov = [c for c in by_step.columns if c.startswith("coverage_")]
    lines += _md_table(
        by_step[["model", "step", "n", "mae", "crps", *cov]],
        {"step": "d", "n": "d", "mae": ".1f", "crps": ".1f", **{c: ".0%" for c in cov}},
    )
    step1 = summarize(cv[cv["step"] == 1], by=("category",))
    for value, title in (("mae", "MAE"), ("crps", "CRPS")):
        pivot = step1.pivot_table(index="category", columns="model", values=value).reset_index()
        pivot.columns.name = None
        lines += ["", f"## Every model at step 1 ({title})", ""]
        lines += _md_table(pivot, {c: ".1f" for c in pivot.columns if c != "category"})
    if sizemix is not None:
        lines += _sizemix_section(cv, sizemix, sizemix_seconds, sizemix_known)
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


def _sizemix_section(
    cv: pd.DataFrame, sizemix: pd.DataFrame, seconds: float | None, known: pd.DataFrame | None
) -> list:
    """The size mixture against naive_emp and auto on the rounds both backtests scored, and at
    step 1 with the actual dates (``known``)."""
    keys = ["origin", "category", "step"]
    cols = ["sizemix", "sizemix_crps", "sizemix_lo_80", "sizemix_hi_80"]
    both = cv.merge(sizemix[keys + cols], on=keys, how="inner")
    both = both[np.isfinite(both["actual"])]
    counts = both[both["step"] == 1].groupby("category").size()
    both = both[both["category"].isin(counts[counts >= 8].index) & (both["step"] <= 3)]
    rows = []
    for (cat, step), part in both.groupby(["category", "step"], sort=True):
        base = part["naive_emp_crps"].mean()
        inside = (part["actual"] >= part["sizemix_lo_80"]) & (
            part["actual"] <= part["sizemix_hi_80"]
        )
        rows.append({
            "category": cat, "step": step, "n": len(part),
            "sizemix CRPS": part["sizemix_crps"].mean(), "auto CRPS": part["auto_crps"].mean(),
            "naive_emp CRPS": part["naive_emp_crps"].mean(),
            "skill": 1 - part["sizemix_crps"].mean() / base if base > 0 else np.nan,
            "sizemix MAE": (part["sizemix"] - part["actual"]).abs().mean(),
            "naive MAE": (part["naive"] - part["actual"]).abs().mean(),
            "coverage_80": inside.mean(),
        })  # fmt: skip
    took = f" ({seconds:.0f} s)" if seconds is not None else ""
    lines = [
        "",
        "## The size mixture (opt-in)",
        "",
        "`SizeMixture` (`--sizemix`): the pool engine's cutoff for the category's next rounds "
        "on the pool fitted at the origin, the first round run at five sizes (the 10th, 30th, "
        "..., 90th percentiles of the category's last 12 sizes) with common random numbers and "
        "the later rounds drawing their sizes from the last 12, 100 paths per size; the other "
        "categories' forecast rounds in between. Its forecast is the ensemble (exact CRPS, its "
        f"own quantiles as intervals; median as the point). It is not an *auto* candidate here"
        f"{took}.",
        "",
    ]
    table = pd.DataFrame(rows)
    if rows and known is not None:
        told = known[np.isfinite(known["actual"]) & (known["step"] == 1)]
        told = told.merge(both[both["step"] == 1][keys], on=keys)  # the same rounds
        means = told.groupby("category")["sizemix_crps"].mean()
        table["CRPS, actual date"] = [
            means.get(c, np.nan) if st == 1 else np.nan
            for c, st in zip(table["category"], table["step"], strict=True)
        ]
    if rows:
        lines += _md_table(
            table,
            {"step": "d", "n": "d", "sizemix CRPS": ".1f", "auto CRPS": ".1f",
             "naive_emp CRPS": ".1f", "skill": "+.0%", "sizemix MAE": ".1f", "naive MAE": ".1f",
             "coverage_80": ".0%", "CRPS, actual date": ".1f"},
        )  # fmt: skip
        lines += [
            "",
            "*skill* = 1 - CRPS(sizemix) / CRPS(naive_emp). *CRPS, actual date*: the size "
            "mixture at step 1 told the round's actual date (not its size), a diagnostic: the "
            "backtest's origins are the eves of actual rounds, so the schedule model's date is "
            "never early, and the days it is late add inflow and other categories' rounds.",
        ]
    return lines


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
    parser.add_argument(
        "--sizemix", action="store_true",
        help="also backtest the size mixture (slow: a pool fit per origin; not an auto choice)",
    )  # fmt: skip
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    models = DEFAULT_MODELS + ((Structural(),) if args.structural else ())
    t0 = time.perf_counter()
    kw = dict(start=args.start, end=None, horizon=args.horizon, models=models, auto_from=None,
              categories=None, warmup_days=365, n_jobs=None, executor=None, progress=None,
              history_kw=None, known_schedule=False)  # fmt: skip
    raw, candidates, start_day = _raw(args.source, **kw)
    cv = _calibrated(raw, start_day, candidates=candidates)
    by_mae = _calibrated(raw, start_day, candidates=candidates, select_by="mae")
    known = cross_validation(
        args.source, start=args.start, horizon=1, models=models, known_schedule=True
    )
    seconds = time.perf_counter() - t0
    sizemix = sizemix_seconds = sizemix_known = None
    if args.sizemix:
        t1 = time.perf_counter()
        sizemix = cross_validation(
            args.source, start=args.start, horizon=args.horizon, models=[SizeMixture()]
        )
        sizemix_seconds = time.perf_counter() - t1
        sizemix_known = cross_validation(
            args.source, start=args.start, horizon=1, models=[SizeMixture()], known_schedule=True
        )
    goal = targets(cv)
    with pd.option_context("display.width", 160, "display.max_columns", None):
        print(goal.round(3).to_string(index=False))
        print(crps_table(cv).round(3).to_string(index=False))
    if args.write_results:
        page = backtest_markdown(cv, known, seconds, by_mae=by_mae, sizemix=sizemix,
                                 sizemix_seconds=sizemix_seconds,
                                 sizemix_known=sizemix_known)  # fmt: skip
        print(write_page("backtest", page))
        write_summary("backtest", goal)
        write_summary("backtest_crps", crps_table(cv))
        write_headline()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
