"""The odds backtest's results page and command (``make odds-backtest``)."""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from ..checks import as_day
from ..data import FeedWarning, as_feed
from .odds_history import (
    BASELINES,
    CALIBRATED,
    FORECASTERS,
    odds_backtest,
    odds_summary,
    reliability,
    window_key,
)
from .results import write_page, write_summary

__all__ = ["TARGET_WINDOWS", "WINDOWS", "main", "odds_markdown"]


#: The windows of ``make odds-backtest``: the targets' and the report's longest span.
WINDOWS = ("3m", "6m", "12m")


#: The windows the targets are set on (the others are reported beside them).
TARGET_WINDOWS = ("3m", "6m")


#: The forecasters measured against the baselines (``auto`` besides).
SCORED = tuple(f for f in FORECASTERS if f not in BASELINES)


def _fmt(v, spec: str) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, spec)


def _interval(row: dict, diff: str, lo: str, hi: str) -> str:
    """A Brier difference and its interval, ``+0.012 [-0.003, +0.020]`` ("-" when missing)."""
    d = row.get(diff, np.nan)
    if d is None or np.isnan(d):
        return "-"
    return f"{d:+.3f} [{row[lo]:+.3f}, {row[hi]:+.3f}]"


def _brier_table(summary: pd.DataFrame, grid: str) -> list[str]:
    names = [f for f in (*FORECASTERS, "auto") if f in summary.columns]
    diffs = [f for f in (*SCORED, "auto") if f"{f}_diff" in summary.columns]
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
        cells += [_interval(r, f"{f}_diff", f"{f}_lo", f"{f}_hi") for f in diffs]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _baseline_wins(summary: pd.DataFrame, grid: str) -> list[str]:
    out = []
    for r in summary[summary["grid"] == grid].to_dict("records"):
        best = r["best_baseline"]
        scored = [f for f in (*SCORED, "auto") if not np.isnan(r.get(f, np.nan))]
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


def _vs_model(summary: pd.DataFrame) -> list[str]:
    """The calibrated forecasters against *model*: Brier difference and bootstrap interval."""
    names = [f for f in CALIBRATED if f"{f}_vs_model" in summary.columns]
    lines = ["", "## Calibrated against *model* (Brier difference, 90% interval)", "",
             "| category | W | grid | " + " | ".join(f"{f} - model" for f in names) + " |",
             "|---|---|---|" + "---|" * len(names)]  # fmt: skip
    for r in summary.sort_values(
        ["grid", "category", "window"], key=window_key, kind="stable"
    ).to_dict("records"):
        cells = [r["category"], r["window"], r["grid"]]
        cells += [_interval(r, f"{f}_vs_model", f"{f}_vs_model_lo", f"{f}_vs_model_hi")
                  for f in names]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Negative: the calibration lowered the Brier score; an interval that excludes 0 "
              "is a difference the origins can tell apart."]  # fmt: skip
    return lines


def _calibration_use(frame: pd.DataFrame) -> list[str]:
    """Per category and window: the origins where *calibrated* had enough residuals, and the
    mean number of residuals."""
    per = frame.drop_duplicates(["origin", "window", "category"])
    lines = ["", "## The residuals behind *calibrated* (focus grid, origins)", "",
             "Origins where *calibrated* had at least 6 residuals (else it is *model*), and the "
             "mean number of residuals per origin. The residuals come from this run's origins "
             "only (the warm-up months before the first origin included), so a long window has "
             "fewer of them than the look-back of 24 months gives the product on a day.", "",
             "| category | W | origins calibrated | mean residuals |", "|---|---|---:|---:|"]  # fmt: skip
    per = per.sort_values(["category", "window"], key=window_key, kind="stable")
    for (cat, w), part in per.groupby(["category", "window"], sort=False):
        lines.append(
            f"| {cat} | {w} | {int(part['calibrated_used'].sum())} of {len(part)} | "
            f"{part['calibrated_n'].mean():.1f} |"
        )
    return lines


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
        "- *calibrated*: *model* calibrated on its own past errors "
        "(`eeforecast.odds.odds(..., calibrate=True)`): at the monthly origins of the 24 months before "
        "the origin whose windows had ended by it, the residual is the actual lowest eligible "
        "cutoff of the window (no eligible round: never invited) minus *model*'s median "
        "simulated lowest cutoff; the probability at *s* is the share of the pairs (simulated "
        "path, residual) whose lowest cutoff plus residual is at or below *s*. Only origins in "
        "the same PNP regime (invite-all or not) count; with fewer than 6 residuals it is "
        "*model*;",
        "- *calibrated_median*: the same residuals added to *model*'s median lowest cutoff "
        "instead of to every path (a split-conformal predictive distribution around the median);",
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
        "*model* unless another is better by more than 10%; it chooses among *model*, the "
        "baselines, *anchor* and *evt*, not the calibrated forecasters.",
        "",
        "The two calibrated forecasters were both computed on these origins and the product "
        "uses *calibrated*, the better of the two here, so its lead over *calibrated_median* "
        "is not out of sample; the residuals themselves only come from windows that had ended "
        "by each origin.",
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
        f"The targets are set on {' and '.join(TARGET_WINDOWS)}; the other windows are in the "
        "Brier tables above.",
        "",
        "| category | W | model | calibrated | auto | best baseline |",
        "|---|---|---|---|---|---:|",
    ]
    focus = summary[summary["grid"] == "focus"]
    for r in focus.to_dict("records"):
        if r["category"] not in ("cec", "french", "pnp") or r["window"] not in TARGET_WINDOWS:
            continue
        yes = {
            f: "yes" if r.get(f"{f}_wins") else "**no**" for f in ("model", "calibrated", "auto")
        }
        lines.append(
            f"| {r['category']} | {r['window']} | {yes['model']} ({r['model']:.4f}) | "
            f"{yes['calibrated']} ({r['calibrated']:.4f}) | {yes['auto']} ({r['auto']:.4f}) | "
            f"{r['best_baseline']} {r[r['best_baseline']]:.4f} |"
        )
    lines += _vs_model(summary)
    if (summary["grid"] == "tail").any():
        lines += ["", "## Brier score, tail grid", "", *_brier_table(summary, "tail"), "",
                  "### Where a baseline wins (tail grid)", "", *_baseline_wins(summary, "tail")]  # fmt: skip
    f_focus = frame[frame["grid"] == "focus"]
    for name in ("model", "calibrated", "auto"):
        rel = reliability(f_focus, name, by=("window",))
        lines += ["", f"## Reliability of *{name}* (focus grid, categories pooled)", "",
                  "| W | forecast bin | cells | mean forecast | observed |", "|---|---|---:|---:|---:|"]  # fmt: skip
        for r in rel.to_dict("records"):
            lines.append(f"| {r['window']} | {r['bin']} | {r['cells']:,} | {r['forecast']:.3f} | "
                         f"{r['observed']:.3f} |")  # fmt: skip
    lines += _calibration_use(f_focus)
    picks = (
        f_focus.drop_duplicates(["origin", "window", "category"])
        .groupby(["category", "window"])["auto_model"]
        .value_counts()
        .rename("origins")
        .reset_index()
    )
    lines += ["", "## What *auto* chose (focus grid, origins)", "", "| category | W | choices |",
              "|---|---|---|"]  # fmt: skip
    picks = picks.sort_values(["category", "window"], key=window_key, kind="stable")
    for (cat, w), part in picks.groupby(["category", "window"], sort=False):
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
        "distribution of the window's lowest PNP cutoff, the check defined above.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make odds-backtest``; returns the exit status."""

    parser = argparse.ArgumentParser(
        prog="python -m eeforecast.evaluation.odds_history",
        description="Rolling-origin backtest of the odds, and its results page.",
    )
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2023-01-01")
    parser.add_argument("--end", default=None)
    parser.add_argument("--n-paths", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument(
        "--windows", nargs="+", default=list(WINDOWS), help="windows, e.g. 3m 6m 12m"
    )
    parser.add_argument("--csv", default=None, help="write the per-cell frame to this CSV")
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    t0 = time.perf_counter()
    frame = odds_backtest(
        args.source, start=args.start, end=args.end, windows=args.windows,
        grid=("focus", "tail"), n_paths=args.n_paths, rng=args.seed,
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
