"""Multi-round replay: simulate the ACTUAL rounds of the next months from the pool at an origin.

For each origin the pool is fitted on the feed cut at the origin; the rounds actually held in the
next months (their dates, categories and actual invitations) are simulated in sequence
(:func:`eeforecast.simulate.calibration.replay`: the deterministic path, and Monte Carlo paths for
the intervals), and the simulated cutoffs compared with the actual ones (:func:`replay_summary`).
Naive = the category's last cutoff on or before the origin. Nothing after the origin enters the
model; the actual sizes and dates do: the test is the pool dynamics, sub-pools emptied and
refilled over many rounds, not the schedule. The Monte Carlo intervals are reported as simulated
and as ``simulate_feed(..., calibrate=True)`` returns them at the origin (calibrated on the
replays of earlier origins whose windows had ended by the origin).

``python -m eeforecast.evaluation.multiround`` (``make replay``) prints the tables, writes the rows to
``reports/replay_eval.csv`` and, with ``--write-results``, the page ``docs/results/replay.md``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from .. import config
from ..checks import LEVELS, as_day
from ..data import FeedWarning, as_feed
from ..files import atomic_write
from ..pool import cached_fit
from ..scores import N_SCORES
from ..simulate.calibration import CALIBRATION_YEARS, replay
from .results import write_page

__all__ = [
    "evaluate_replay",
    "main",
    "replay",
    "replay_markdown",
    "replay_summary",
]


def replay_summary(frame: pd.DataFrame, split: int = 3) -> pd.DataFrame:
    """Error of a :func:`replay` frame (or several concatenated) per category and horizon.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of :func:`replay` (``category, months_ahead, actual, simulated, naive`` and,
        optionally, ``lo_80, hi_80, lo_95, hi_95``).
    split : int
        Rounds up to ``split`` months ahead form the first horizon group, later ones the second
        [months].

    Returns
    -------
    pandas.DataFrame
        Index ``(category, ahead)`` with ``ahead`` like ``"1-3"`` / ``"4-6"``; columns
        ``rounds, mae, naive_mae, bias`` [CRS points] and ``coverage_80``, ``coverage_95``
        (share of actual cutoffs inside ``lo_80..hi_80`` / ``lo_95..hi_95``, NaN without
        intervals) [fraction]; with the calibrated intervals of :func:`evaluate_replay`, also
        ``cal_coverage_80``, ``cal_coverage_95`` (inside ``cal_lo_80..cal_hi_80`` ...)
        [fraction]. A simulated cutoff
        of 1201 (nobody left to invite) counts as 1201. Rounds without a naive guess (a
        category's first round) are left out.

    Examples
    --------
    >>> f = pd.DataFrame({"category": ["cec", "cec"], "months_ahead": [1, 6],
    ...                   "actual": [520, 530], "simulated": [522, 520], "naive": [525, 525]})
    >>> replay_summary(f)[["rounds", "mae", "bias"]].to_dict("index")
    {('cec', '1-3'): {'rounds': 1, 'mae': 2.0, 'bias': 2.0}, ('cec', '4-6'): {'rounds': 1, 'mae': 10.0, 'bias': -10.0}}
    """
    f = frame.dropna(subset=["naive"]).copy()
    sim = f["simulated"].fillna(N_SCORES).astype(float)
    top = int(f["months_ahead"].max()) if len(f) else split
    f["ahead"] = [f"1-{split}" if m <= split else f"{split + 1}-{top}" for m in f["months_ahead"]]
    f["err"] = sim - f["actual"]
    f["nerr"] = f["naive"] - f["actual"]
    cover = {}
    for prefix in ("", "cal_"):
        for level in LEVELS:
            lo, hi = f"{prefix}lo_{level}", f"{prefix}hi_{level}"
            if {lo, hi} <= set(f.columns):
                inside = (f["actual"] >= f[lo]) & (f["actual"] <= f[hi])
                f[f"{prefix}cov{level}"] = inside.astype(float).where(f[lo].notna())
            elif prefix:
                continue
            else:
                f[f"cov{level}"] = np.nan
            cover[f"{prefix}coverage_{level}"] = (f"{prefix}cov{level}", "mean")
    out = f.groupby(["category", "ahead"]).agg(
        rounds=("err", "size"),
        mae=("err", lambda e: float(e.abs().mean())),
        naive_mae=("nerr", lambda e: float(e.abs().mean())),
        bias=("err", "mean"),
        **cover,
    )
    return out


_COLS = tuple(f"{side}_{level}" for level in LEVELS for side in ("lo", "hi"))


def evaluate_replay(
    source=None,
    *,
    start: object = "2024-01-01",
    end: object = "2025-09-30",
    months: int = 6,
    n_paths: int = 200,
    seed: int = 20251217,
) -> pd.DataFrame:
    """Replays from the quarterly origins in ``start..end``.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the bundled one).
    start, end : date-like
        First and last day of the origins (first days of a quarter in between).
    months : int
        Replay length [months].
    n_paths : int
        Monte Carlo paths per replay [paths].
    seed : int
        Seed of the ``k``-th origin's Monte Carlo: ``seed + k``.

    Returns
    -------
    pandas.DataFrame
        The deterministic rows of :func:`eeforecast.simulate.calibration.replay` with the
        Monte Carlo intervals ``lo_<L>, hi_<L>`` (parameter uncertainty: what
        :func:`eeforecast.simulate.simulate_feed` returns), ``inflow_lo_<L> ...`` (inflow noise
        only) and ``cal_lo_<L>, cal_hi_<L>``: what ``simulate_feed(..., calibrate=True)``
        returns at the origin, with the ``lo_<L>`` paths [CRS points], and ``calibrated``
        (False: the row's category and bucket had too few replayed scores at the origin and kept
        its simulated interval).
    """
    feed = as_feed(source)
    frames = []
    origins = pd.date_range(as_day(start, "start"), as_day(end, "end"), freq="QS")
    for k, origin in enumerate(origins):
        pool = cached_fit(feed.truncate(as_of=origin), as_of=origin)
        det = replay(feed, origin, months, pool=pool)
        if det.empty:
            continue
        full = replay(
            feed, origin, months, n_paths=n_paths, rng=seed + k, pool=pool, calibrate=True
        )
        inflow = replay(
            feed, origin, months, n_paths=n_paths, rng=seed + k, pool=pool,
            parameter_uncertainty=False,
        )  # fmt: skip
        det["calibrated"] = full["calibrated"].to_numpy()
        for col in _COLS:
            det[col] = full[col].to_numpy()
            det["cal_" + col] = full["cal_" + col].to_numpy()
            det["inflow_" + col] = inflow[col].to_numpy()
        frames.append(det)
    return pd.concat(frames, ignore_index=True)


def _inflow_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the inflow-noise-only intervals as ``lo_80 ... hi_95``."""
    out = frame.drop(columns=[c for c in frame.columns if c in _COLS or c.startswith("cal")])
    return out.rename(columns={"inflow_" + c: c for c in _COLS})


_NAMES = {"inflow_": "inflow only", "": "full", "cal_": "calibrated"}


def _shares(frame: pd.DataFrame, prefixes) -> list[str]:
    """Per level, the share of actual cutoffs inside each kind of interval, as text."""
    parts = []
    for level in LEVELS:
        inside = [
            ((frame["actual"] >= frame[f"{p}lo_{level}"])
             & (frame["actual"] <= frame[f"{p}hi_{level}"])).mean()
            for p in prefixes
        ]  # fmt: skip
        shares = ", ".join(f"{v:.0%} {_NAMES[p]}" for p, v in zip(prefixes, inside, strict=True))
        parts.append(f"{level}%: {shares}")
    return parts


def replay_markdown(
    frame: pd.DataFrame,
    *,
    months: int,
    n_paths: int,
    seed: int,
    seconds: float,
) -> str:
    """The results page: error and coverage per category and months ahead."""
    table = replay_summary(frame, split=3)
    before = replay_summary(_inflow_only(frame), split=3)
    origins = frame["origin"].drop_duplicates()
    lines = [
        "# Multi-round replay",
        "",
        f"From the pool fitted at each of {len(origins)} quarterly origins "
        f"({origins.min():%Y-%m-%d} to {origins.max():%Y-%m-%d}), the rounds actually held in "
        f"the next {months} months (their actual dates, categories and sizes) are simulated in "
        "sequence (`eeforecast.evaluation.replay`) and the simulated cutoffs compared with the "
        "actual ones. Naive = the category's last cutoff at the origin. Errors in CRS points "
        "(bias = simulated - actual); coverage = share of the actual cutoffs inside the "
        f"simulated interval ({n_paths} Monte Carlo paths, seed {seed} + origin number; "
        "*inflow only*: the net inflow drawn alone, *full*: the parameters too, as "
        "`simulate_feed` returns by default, *calibrated*: what "
        "`simulate_feed(..., calibrate=True)` returns at the origin, the full interval "
        "widened by the replays of the quarterly origins of the "
        f"{CALIBRATION_YEARS} years before whose windows had ended by the origin, per category "
        "and months-ahead bucket, or kept as simulated where a category has too few replayed "
        f"rounds). Written by `make replay` ({seconds:.0f} s).",
        "",
        "| category | months ahead | rounds | calibrated rounds | MAE | naive MAE | bias "
        "| 80% coverage (inflow only / full / calibrated) "
        "| 95% coverage (inflow only / full / calibrated) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    f = frame.dropna(subset=["naive"]).copy()
    f["ahead"] = [
        "1-3" if m <= 3 else f"4-{int(f['months_ahead'].max())}" for m in f["months_ahead"]
    ]
    widened = f.groupby(["category", "ahead"])["calibrated"].sum()
    for (cat, ahead), row in table.iterrows():
        old = before.loc[(cat, ahead)]
        cells = [
            " / ".join(
                f"{v:.0%}"
                for v in (old[f"coverage_{lv}"], row[f"coverage_{lv}"], row[f"cal_coverage_{lv}"])
            )  # fmt: skip
            for lv in LEVELS
        ]
        lines.append(
            f"| {cat} | {ahead} | {int(row['rounds'])} | {int(widened.loc[(cat, ahead)])} | "
            f"{row['mae']:.1f} | "
            f"{row['naive_mae']:.1f} | {row['bias']:+.1f} | {cells[0]} | {cells[1]} |"
        )
    parts = _shares(f, ("inflow_", "", "cal_"))
    width = {p: (f[f"{p}hi_80"] - f[f"{p}lo_80"]).median() for p in ("inflow_", "", "cal_")}
    lines += [
        "",
        f"All {len(f)} rounds: {'; '.join(parts)}; median width of the 80% interval "
        f"{width['inflow_']:.0f} (inflow only), {width['']:.0f} (full) and {width['cal_']:.0f} "
        f"(calibrated) CRS points. Only the {int(f['calibrated'].sum())} rounds whose category "
        "and months-ahead bucket had enough replayed scores at the origin are calibrated "
        "(*calibrated rounds*); the others keep the full interval, flagged. On the calibrated "
        f"rounds alone: {'; '.join(_shares(f[f['calibrated']], ('', 'cal_')))}.",
        "",
        "Coverage by origin is far from independent: a category's misses from one origin share "
        "its sub-pool's error, so a cell's coverage rests on a few origins, and it moves by a "
        "round or two with the Monte Carlo seed.",
        "",
        "The pool model's settings were compared on these same origins, so these figures are "
        "not fully out of sample. The calibration takes its score, window and minimum from the "
        "forecast calibration, but it was designed with these replays in view.",
        "",
        "The *full* interval is what a simulation of given rounds returns by default "
        "(`simulate_feed`, scenarios); the *calibrated* one is what they return with "
        "`calibrate=True` (`--calibrated` on the command line), computed at each origin by "
        "that same function.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make replay``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m eeforecast.evaluation.multiround", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default="2025-09-30")
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    parser.add_argument("--csv", default=str(config.REPORTS_DIR / "replay_eval.csv"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = evaluate_replay(
            args.source, start=args.start, end=args.end, months=args.months,
            n_paths=args.paths, seed=args.seed,
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    atomic_write(args.csv, frame.to_csv(index=False, lineterminator="\n"))
    print(f"Multi-round replay, {frame['origin'].nunique()} origins, {args.months} months, "
          f"{len(frame)} rounds, {args.paths} paths, {seconds:.0f} s")  # fmt: skip
    with pd.option_context("display.width", 160):
        print(replay_summary(frame, split=3).round(2).to_string())
    if args.write_results:
        text = replay_markdown(
            frame, months=args.months, n_paths=args.paths, seed=args.seed, seconds=seconds,
        )  # fmt: skip
        print(write_page("replay", text))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
