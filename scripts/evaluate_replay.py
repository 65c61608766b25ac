"""Multi-round replay: simulate the ACTUAL rounds of the next months from the pool at an origin.

For each origin (quarterly, ``--start``..``--end``) the pool is fitted on the feed cut at the
origin (:func:`eeforecast.pool.fit_pool` on ``feed.truncate(origin)``); the rounds actually held
in the next ``--months`` months (their dates, categories and actual invitations) are simulated
with :func:`eeforecast.simulate.replay` (deterministic path, and ``--paths`` Monte Carlo paths
for the 80% and 95% intervals, with parameter uncertainty and, for comparison, with inflow noise
only), and the simulated cutoffs are compared with the actual ones. Naive = the
category's last cutoff on or before the origin. Nothing after the origin enters the model; the
actual sizes and dates do (the test is the pool dynamics: sub-pools emptied and refilled over
many rounds), so this is not a forecast of the schedule.

Writes the per-round table to ``reports/replay_eval.csv`` and, with ``--write-readme``, the
tables into the README section "## Multi-round replay".

Usage: ``python scripts/evaluate_replay.py [--source F] [--start D] [--end D] [--months 6]
[--paths 200] [--seed S] [--write-readme]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import pandas as pd
from _readme import write_section

from eeforecast import config
from eeforecast._io import atomic_write
from eeforecast.feed import FeedWarning, load_feed
from eeforecast.simulate import replay, replay_summary

SECTION = "## Multi-round replay"
AFTER = "## Conditional cutoff accuracy"


COLS = ("lo_80", "hi_80", "lo_95", "hi_95")


def run(feed, origins, months: int, paths: int, seed: int) -> pd.DataFrame:
    """Deterministic replays with the Monte Carlo intervals: ``lo_80 ... hi_95`` with parameter
    uncertainty, ``inflow_lo_80 ...`` with inflow noise only (same seed)."""
    from eeforecast.pool import fit_pool

    frames = []
    for k, origin in enumerate(origins):
        model = fit_pool(feed.truncate(origin), as_of=origin)
        det = replay(feed, origin, months, model=model)
        if det.empty:
            continue
        for prefix, uncertain in (("", True), ("inflow_", False)):
            mc = replay(
                feed,
                origin,
                months,
                n_paths=paths,
                rng=seed + k,
                model=model,
                parameter_uncertainty=uncertain,
            )
            for col in COLS:
                det[prefix + col] = mc[col].to_numpy()
        frames.append(det)
    return pd.concat(frames, ignore_index=True)


def inflow_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the inflow-noise-only intervals as ``lo_80 ... hi_95``."""
    out = frame.drop(columns=list(COLS))
    return out.rename(columns={"inflow_" + c: c for c in COLS})


def short_table(feed, origins, months: int) -> pd.DataFrame:
    """Deterministic replays of only the first ``months`` months: the room assumption then sees
    only those rounds, so this differs slightly from the first months of the long replay."""
    frame = pd.concat([replay(feed, o, months) for o in origins], ignore_index=True)
    return replay_summary(frame, split=months)


def markdown(
    table: pd.DataFrame,
    short: pd.DataFrame,
    frame: pd.DataFrame,
    args,
    seconds: float,
    before: pd.DataFrame | None = None,
) -> str:
    lines = [
        SECTION,
        "",
        f"Over many rounds: from the pool fitted at an origin (quarterly, {args.start} to "
        f"{args.end}: `fit_pool(feed.truncate(origin))`), the rounds actually held in the next "
        f"{args.months} months (actual dates, categories and sizes) are simulated in sequence "
        "(`eeforecast.simulate.replay`: deterministic path, and "
        f"{args.paths} Monte Carlo paths, seed {args.seed} + origin number, for the intervals) "
        "and the simulated cutoffs compared with the actual ones. Naive = the category's last "
        "cutoff at the origin. Errors in CRS points (bias = simulated - actual); coverage = "
        "share of actual cutoffs inside the simulated 80% / 95% interval (the sizes are "
        "given). *Before*: inflow noise only (`parameter_uncertainty=False`, as in earlier "
        "versions); *after*: with parameter uncertainty (the default; `fit_pool`, assumption "
        "9: per path the sub-pool levels, refill rates, nominee scores and nominee inflow are "
        "drawn with sds estimated at the origin). "
        "`make replay` runs `scripts/evaluate_replay.py`, which prints these tables, writes "
        "`reports/replay_eval.csv` and, with `--write-readme`, rewrites this section.",
        "",
        "| category | months ahead | rounds | MAE | naive MAE | bias "
        "| 80% cov. before / after | 95% cov. before / after |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (cat, ahead), row in table.iterrows():
        old = before.loc[(cat, ahead)] if before is not None else row * float("nan")
        lines.append(
            f"| {cat} | {ahead} | {int(row['rounds'])} | {row['mae']:.1f} | "
            f"{row['naive_mae']:.1f} | {row['bias']:+.1f} | {old['coverage_80']:.0%} / "
            f"{row['coverage_80']:.0%} | {old['coverage_95']:.0%} / {row['coverage_95']:.0%} |"
        )
    lines += [
        "",
        f"Replaying only the next {args.short} months (deterministic; the room assumption of "
        "`simulate_feed` then sees only those rounds):",
        "",
        "| category | rounds | MAE | naive MAE | bias |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {cat} | {int(row['rounds'])} | {row['mae']:.1f} | {row['naive_mae']:.1f} | "
            f"{row['bias']:+.1f} |"
            for (cat, _), row in short.iterrows()
        ),
        "",
        "What it shows (read with the tables; the refill settings below were compared on these "
        "same origins, so they are not out of sample):",
        "",
        "- Between rounds the engine refills each category's sub-pool by the net inflow's "
        "eligible share and by *conversion* (candidates already in the pool turning eligible), "
        "at the larger of the fitted rate and the rate that sustains the category's recent "
        "invitations per day (`fit_pool`, assumption 6), capped at `conversion x 365 days` of a "
        "score; new nominees (601-1200) refill the PNP sub-pool only (assumption 7). Before "
        "this (engine without conversion, nominees joining every category at its refill "
        "share), with the same origins: French ran dry within two to three rounds of every "
        "origin (MAE 157 at 1-3 months and 271 at 4-6, bias -149 / -271), healthcare drifted "
        "77 points low at 4-6 months (MAE 80), and CEC's small rounds landed among the "
        "nominees (MAE 42 / 56 against naive 16 / 14, bias +34 / +46).",
        "- French now tracks the 2025 rounds and beats naive at 4-6 months; at 1-3 months it "
        "is about as good as naive (52 in the 6-month replay, 48 in the 3-month one, against "
        "51) and biased low: it still runs dry when IRCC draws a stock down faster than "
        "the recent pace refills it (6,500, 4,500 and 7,500 invitations within a month in "
        "2025-02/03: 0 for the third), and it was too high in late 2024 after the small "
        "rounds of 800-1,000.",
        "- Healthcare is too low at 4-6 months (bias -31): in the second half of 2025 IRCC "
        "invited about 90 a day in healthcare against about 16 a day in the first half, so a "
        "refill estimated from the pace before the origin is too small. The refill follows "
        "IRCC's recent pace; it cannot foresee a new one.",
        "- PNP: about as good as naive (better at 4-6 months, worse at 1-3) and biased high "
        "(+18 / +25): the simulated nominee band holds more candidates near 800 than the real "
        "one, whose cutoffs swing between 667 and 855. Two changes act here: new nominees no "
        "longer refill the CEC sub-pool (assumption 7), so only PNP rounds remove them, and "
        "the nominees' net inflow is capped at the PNP rounds' recent pace (assumption 8), "
        "because the snapshot-difference estimate was up to twice that pace in 2024-2025 and "
        "the excess piled up (without the cap: PNP MAE 46 / 64, general 157). Before both "
        "changes PNP was at 40 / 51, but only because CEC rounds took the surplus nominees.",
        "- General (9 rounds, all in early 2024, when nominees were invited in general rounds "
        "and PNP-only rounds were rare) loses clearly to naive (28 against 10, biased low): "
        "the cap set from the few PNP rounds of 2023 starves the nominee band. Before: 157, "
        "biased high, the nominee band overfull.",
        "- Coverage: with inflow noise only (before) the intervals were far too narrow, since "
        "they took the sub-pools and refill rates as known. "
        + coverage_note(frame)
        + " Not calibrated everywhere: French covers every round (80% intervals a few hundred "
        "points wide): its estimated refill sd (the quarter-to-quarter change of its pace, "
        "1.2-1.8 in log) acts on every interval of a 6-month path, so low draws run the "
        "sub-pool dry and high ones overfill it; the pace changes are lumpy (a few large "
        "rounds a quarter), which this estimator counts as refill uncertainty. CEC and "
        "general stay too narrow even with the per-path tilt of the 501-600 shape: below "
        "its recent cutoffs the model's CEC share is at its cap (the whole score, or 85% of "
        "it, at the origins checked), so a higher level or refill draw adds nobody there, "
        "and over several months the tilt of the starting pool matters less than the "
        "inflow's shape, which is not perturbed. Where the model is "
        "biased (PNP, general, healthcare at 4-6 months, trades) a spread centred on it "
        "covers less than nominal. The sds are in-sample scatter, chosen before these "
        "coverages were seen and not tuned on them.",
        "",
        f"Run time {seconds:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def coverage_note(frame: pd.DataFrame) -> str:
    """One sentence with the overall coverage before / after."""
    f = frame.dropna(subset=["naive"])
    parts = []
    for level in (80, 95):
        after = ((f["actual"] >= f[f"lo_{level}"]) & (f["actual"] <= f[f"hi_{level}"])).mean()
        old = (
            (f["actual"] >= f[f"inflow_lo_{level}"]) & (f["actual"] <= f[f"inflow_hi_{level}"])
        ).mean()
        parts.append(f"{level}%: {old:.0%} before, {after:.0%} after")
    width = (f["hi_80"] - f["lo_80"]).median()
    old_width = (f["inflow_hi_80"] - f["inflow_lo_80"]).median()
    return (
        f"Over all {len(f)} rounds, {'; '.join(parts)}; the median width of the 80% interval "
        f"went from {old_width:.0f} to {width:.0f} CRS points."
    )


def write_readme(text: str) -> None:
    write_section(SECTION, text, after=AFTER)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-09-30")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--short", type=int, default=3, help="months of the short replay")
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--csv", default=str(config.REPORTS_DIR / "replay_eval.csv"))
    args = parser.parse_args(argv)

    warnings.simplefilter("ignore", FeedWarning)
    feed = load_feed(args.source)
    origins = pd.date_range(args.start, args.end, freq="QS")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = run(feed, origins, args.months, args.paths, args.seed)
        short = short_table(feed, origins, args.short)
    seconds = time.perf_counter() - t0
    table = replay_summary(frame, split=3)
    before = replay_summary(inflow_only(frame), split=3)
    atomic_write(args.csv, frame.to_csv(index=False, lineterminator="\n"))
    pd.set_option("display.width", 120)
    print(
        f"Multi-round replay, {len(origins)} origins {args.start}..{args.end}, "
        f"{args.months} months, {len(frame)} rounds, {args.paths} paths, {seconds:.0f} s"
    )
    print(table.round(2).to_string())
    print("\nInflow noise only (parameter_uncertainty=False):")
    print(before[["coverage_80", "coverage_95"]].round(2).to_string())
    print(coverage_note(frame))
    print(f"\nReplaying only the next {args.short} months (deterministic):")
    print(short.drop(columns=["coverage_80", "coverage_95"]).round(2).to_string())
    if args.write_readme:
        write_readme(markdown(table, short, frame, args, seconds, before))
        print("README section updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
