"""Multi-round replay: simulate the ACTUAL rounds of the next months from the pool at an origin.

For each origin the pool is fitted on the feed cut at the origin; the rounds actually held in the
next months (their dates, categories and actual invitations) are simulated in sequence
(:func:`replay`: the deterministic path, and Monte Carlo paths for the intervals), and the simulated
cutoffs compared with the actual ones (:func:`replay_summary`). Naive = the category's last cutoff
on or before the origin. Nothing after the origin enters the model; the actual sizes and dates do:
the test is the pool dynamics, sub-pools emptied and refilled over many rounds, not the schedule.

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
from ..pool import PoolModel, fit_pool
from ..scores import N_SCORES
from ..simulate import Invitations, Round, simulate_feed
from .results import write_page

__all__ = ["evaluate_replay", "main", "replay", "replay_markdown", "replay_summary"]


def replay(
    feed,
    origin: object,
    months: int = 6,
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    room: bool = True,
    pool: PoolModel | None = None,
    parameter_uncertainty: bool = True,
) -> pd.DataFrame:
    """Simulate the ACTUAL rounds held after ``origin`` from the pool as it stood on ``origin``.

    Parameters
    ----------
    feed : eeforecast.data.Feed
        The full feed: the pool is fitted on ``feed.truncate(as_of=origin)`` only; the rounds dated
        after ``origin`` (up to ``months`` later) give the schedule (date, category, actual
        invitations) and the actual cutoffs to compare with.
    origin : date-like
        Day the replay starts (everything known up to and including it).
    months : int
        Length of the replay [months].
    n_paths : int or None
        ``None``: the deterministic expected path; otherwise Monte Carlo paths (random inflow;
        the sizes are the actual ones) that give ``lo_80`` / ``hi_80``.
    rng : int, numpy.random.Generator or None
        Randomness for Monte Carlo.
    room : bool
        See :func:`eeforecast.simulate.simulate_feed`.
    pool : PoolModel, optional
        The pool fitted at ``origin`` (fitted here when omitted).
    parameter_uncertainty : bool
        See :func:`eeforecast.simulate.simulate` (Monte Carlo only).

    Returns
    -------
    pandas.DataFrame
        One row per replayed round: ``origin, date, category, invitations, months_ahead`` (1 =
        the first month after the origin) ``, actual, simulated, naive`` (the category's last
        cutoff on or before the origin) and, with paths, ``lo_80, hi_80, lo_95, hi_95``
        [CRS points]. Rounds
        of categories with no past rounds at the origin are left out of the simulation.

    Notes
    -----
    Nothing after ``origin`` enters the model: the actual sizes and dates of the later rounds
    are given (the question is how well the pool dynamics track reality, not how well the
    schedule is forecast). Errors therefore grow only through the sub-pools' depletion and
    refill and the inflow.
    """
    feed = as_feed(feed)
    origin = as_day(origin, "origin")
    end = origin + pd.DateOffset(months=int(months))
    if pool is None:
        pool = fit_pool(feed.truncate(as_of=origin), as_of=origin)
    past = pool.rounds
    future = feed.rounds[(feed.rounds["date"] > origin) & (feed.rounds["date"] <= end)]
    known = set(pool.categories) | {"general", "pnp"}
    future = future[future["category"].isin(known)].reset_index(drop=True)
    cols = ["origin", "date", "category", "invitations", "months_ahead", "actual", "simulated"]
    if future.empty:
        return pd.DataFrame(columns=[*cols, "naive"])
    rounds = [
        Round(
            pd.Timestamp(r.date),
            r.category,
            Invitations("fixed", (("value", float(r.invitations)),)),
        )
        for r in future.itertuples(index=False)
    ]
    res = simulate_feed(
        pool=pool,
        schedule=rounds,
        as_of=origin,
        room=room,
        n_paths=n_paths,
        rng=rng,
        parameter_uncertainty=parameter_uncertainty,
    )
    frame = res.to_frame()
    last = past.groupby("category")["cutoff"].last()
    ahead = ((future["date"] - origin).dt.days // 30.4375).astype(int) + 1
    out = pd.DataFrame(
        {
            "origin": origin,
            "date": future["date"],
            "category": future["category"],
            "invitations": future["invitations"].astype("int64"),
            "months_ahead": ahead.clip(upper=int(months)),
            "actual": future["cutoff"].astype("int64"),
            "simulated": frame["cutoff"].astype(float).to_numpy(),
            "naive": future["category"].map(last).astype(float).to_numpy(),
        }
    )
    if n_paths is not None and n_paths > 1:
        for level in LEVELS:
            for side in ("lo", "hi"):
                out[f"{side}_{level}"] = frame[f"cutoff_{side}_{level}"].astype(float).to_numpy()
    return out


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
        intervals) [fraction]. A simulated cutoff
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
    for level in LEVELS:
        lo, hi = f"lo_{level}", f"hi_{level}"
        if {lo, hi} <= set(f.columns):
            inside = (f["actual"] >= f[lo]) & (f["actual"] <= f[hi])
            f[f"cov{level}"] = inside.astype(float).where(f[lo].notna())
        else:
            f[f"cov{level}"] = np.nan
    out = f.groupby(["category", "ahead"]).agg(
        rounds=("err", "size"),
        mae=("err", lambda e: float(e.abs().mean())),
        naive_mae=("nerr", lambda e: float(e.abs().mean())),
        bias=("err", "mean"),
        coverage_80=("cov80", "mean"),
        coverage_95=("cov95", "mean"),
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
    """Replays from quarterly origins in ``start..end``: the deterministic rows of :func:`replay`
    with the Monte Carlo intervals ``lo_80 ... hi_95`` (parameter uncertainty) and
    ``inflow_lo_80 ...`` (inflow noise only, same seed ``seed + k`` at origin ``k``)."""
    feed = as_feed(source)
    frames = []
    origins = pd.date_range(as_day(start, "start"), as_day(end, "end"), freq="QS")
    for k, origin in enumerate(origins):
        pool = fit_pool(feed.truncate(as_of=origin), as_of=origin)
        det = replay(feed, origin, months, pool=pool)
        if det.empty:
            continue
        for prefix, uncertain in (("", True), ("inflow_", False)):
            mc = replay(
                feed, origin, months, n_paths=n_paths, rng=seed + k, pool=pool,
                parameter_uncertainty=uncertain,
            )  # fmt: skip
            for col in _COLS:
                det[prefix + col] = mc[col].to_numpy()
        frames.append(det)
    return pd.concat(frames, ignore_index=True)


def _inflow_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the inflow-noise-only intervals as ``lo_80 ... hi_95``."""
    out = frame.drop(columns=list(_COLS))
    return out.rename(columns={"inflow_" + c: c for c in _COLS})


def replay_markdown(frame: pd.DataFrame, *, months: int, n_paths: int, seed: int, seconds) -> str:
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
        "*inflow only*: the net inflow drawn alone, *full*: the parameters too). Written by "
        f"`make replay` ({seconds:.0f} s).",
        "",
        "| category | months ahead | rounds | MAE | naive MAE | bias "
        "| 80% coverage (inflow only / full) | 95% coverage (inflow only / full) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (cat, ahead), row in table.iterrows():
        old = before.loc[(cat, ahead)]
        lines.append(
            f"| {cat} | {ahead} | {int(row['rounds'])} | {row['mae']:.1f} | "
            f"{row['naive_mae']:.1f} | {row['bias']:+.1f} | {old['coverage_80']:.0%} / "
            f"{row['coverage_80']:.0%} | {old['coverage_95']:.0%} / {row['coverage_95']:.0%} |"
        )
    f = frame.dropna(subset=["naive"])
    parts = []
    for level in LEVELS:
        full = ((f["actual"] >= f[f"lo_{level}"]) & (f["actual"] <= f[f"hi_{level}"])).mean()
        inflow = (
            (f["actual"] >= f[f"inflow_lo_{level}"]) & (f["actual"] <= f[f"inflow_hi_{level}"])
        ).mean()
        parts.append(f"{level}%: {inflow:.0%} inflow only, {full:.0%} full")
    lines += [
        "",
        f"All {len(f)} rounds: {'; '.join(parts)}; median width of the 80% interval "
        f"{(f['inflow_hi_80'] - f['inflow_lo_80']).median():.0f} (inflow only) and "
        f"{(f['hi_80'] - f['lo_80']).median():.0f} (full) CRS points.",
        "",
        "The pool model's settings were compared on these same origins, so these figures are "
        "not fully out of sample.",
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
            frame, months=args.months, n_paths=args.paths, seed=args.seed, seconds=seconds
        )
        print(write_page("replay", text))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
