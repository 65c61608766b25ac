"""Multi-round replay: simulate the ACTUAL rounds of the next months from the pool at an origin.

For each origin (quarterly, ``--start``..``--end``) the pool is fitted on the feed cut at the
origin (:func:`eeforecast.pool.fit_pool` on ``feed.truncate(origin)``); the rounds actually held
in the next ``--months`` months (their dates, categories and actual invitations) are simulated
with :func:`eeforecast.simulate.replay` (deterministic path, and ``--paths`` Monte Carlo paths
for the 80% interval), and the simulated cutoffs are compared with the actual ones. Naive = the
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

from eeforecast import config
from eeforecast._io import atomic_write
from eeforecast.feed import FeedWarning, load_feed
from eeforecast.simulate import replay, replay_summary

SECTION = "## Multi-round replay"
AFTER = "## Conditional cutoff accuracy"


def run(feed, origins, months: int, paths: int, seed: int) -> pd.DataFrame:
    frames = []
    for k, origin in enumerate(origins):
        det = replay(feed, origin, months)
        if det.empty:
            continue
        mc = replay(feed, origin, months, n_paths=paths, rng=seed + k)
        det["lo_80"], det["hi_80"] = mc["lo_80"].to_numpy(), mc["hi_80"].to_numpy()
        frames.append(det)
    return pd.concat(frames, ignore_index=True)


def markdown(table: pd.DataFrame, frame: pd.DataFrame, args, seconds: float) -> str:
    lines = [
        SECTION,
        "",
        f"Over many rounds: from the pool fitted at an origin (quarterly, {args.start} to "
        f"{args.end}: `fit_pool(feed.truncate(origin))`), the rounds actually held in the next "
        f"{args.months} months (actual dates, categories and sizes) are simulated in sequence "
        "(`eeforecast.simulate.replay`: deterministic path, and "
        f"{args.paths} Monte Carlo paths for the 80% interval) and the simulated cutoffs "
        "compared with the actual ones. Naive = the category's last cutoff at the origin. "
        "Errors in CRS points (bias = simulated - actual); coverage = share of actual "
        "cutoffs inside the simulated 80% interval (inflow noise only: the sizes are given). "
        "`make replay` runs `scripts/evaluate_replay.py`, which prints these tables, writes "
        "`reports/replay_eval.csv` and, with `--write-readme`, rewrites this section.",
        "",
        "| category | months ahead | rounds | MAE | naive MAE | bias | 80% coverage |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (cat, ahead), row in table.iterrows():
        lines.append(
            f"| {cat} | {ahead} | {int(row['rounds'])} | {row['mae']:.1f} | "
            f"{row['naive_mae']:.1f} | {row['bias']:+.1f} | {row['coverage_80']:.0%} |"
        )
    lines += [
        "",
        "What it shows (read with the table; the settings of the refill were compared on these "
        "same origins, so they are not out of sample):",
        "",
        "- Between rounds the engine refills each category's sub-pool by the net inflow's "
        "eligible share and by *conversion* (candidates already in the pool turning eligible), "
        "at the larger of the fitted rate and the rate that sustains the category's recent "
        "invitations per day (`fit_pool`, assumption 6), capped at `conversion x 365 days` of a "
        "score. Before this, the engine ignored conversion: the French sub-pool ran dry within "
        "two to three rounds of every origin (simulated cutoff 0, MAE 157 at 0-3 months and "
        "271 at 4-6 months, bias -149/-271) and healthcare drifted 77 points low at 4-6 "
        "months.",
        "- French still runs dry when IRCC draws a stock down faster than it refills: 6,500, "
        "4,500 and 7,500 invitations within a month (2025-02/03) and three 6,000 rounds in "
        "late 2025; and the 7,000 round of 2024-02-01 was larger than anything before it.",
        "- CEC and general lose clearly to naive: their small rounds land among the provincial "
        "nominees (601-1200). The simulated nominee band stays fuller than the real one "
        "between PNP rounds, so a 400-invitation CEC round (2024-11) or the early-2024 general "
        "rounds get cutoffs near 750-800 instead of 540. PNP is biased high for the same "
        "reason. The nominee inflow and its score shape, not the category refill, are what "
        "is wrong there.",
        "- Coverage far below 80% means the Monte Carlo spread (inflow noise only) is much "
        "narrower than the model's real error over months.",
        f"Run time {seconds:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    path = config.ROOT / "README.md"
    readme = path.read_text(encoding="utf-8") if path.exists() else ""
    if SECTION in readme:
        head, rest = readme.split(SECTION, 1)
        nxt = rest.find("\n## ")
        tail = rest[nxt + 1 :] if nxt >= 0 else ""
        readme = head + text + ("\n" + tail if tail else "")
    elif AFTER in readme:
        head, rest = readme.split(AFTER, 1)
        nxt = rest.find("\n## ")
        if nxt >= 0:
            readme = head + AFTER + rest[: nxt + 1] + "\n" + text + "\n" + rest[nxt + 1 :]
        else:
            readme = readme.rstrip("\n") + "\n\n" + text
    else:
        readme = readme.rstrip("\n") + "\n\n" + text
    atomic_write(path, readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-09-30")
    parser.add_argument("--months", type=int, default=6)
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
    seconds = time.perf_counter() - t0
    table = replay_summary(frame, split=3)
    atomic_write(args.csv, frame.to_csv(index=False, lineterminator="\n"))
    pd.set_option("display.width", 120)
    print(
        f"Multi-round replay, {len(origins)} origins {args.start}..{args.end}, "
        f"{args.months} months, {len(frame)} rounds, {args.paths} paths, {seconds:.0f} s"
    )
    print(table.round(2).to_string())
    if args.write_readme:
        write_readme(markdown(table, frame, args, seconds))
        print("README section updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
