"""Multi-round replay: simulate the ACTUAL rounds of the next months from the pool at an origin.

For each origin the pool is fitted on the feed cut at the origin; the rounds actually held in the
next months (their dates, categories and actual invitations) are simulated in sequence
(:func:`replay`: the deterministic path, and Monte Carlo paths for the intervals), and the simulated
cutoffs compared with the actual ones (:func:`replay_summary`). Naive = the category's last cutoff
on or before the origin. Nothing after the origin enters the model; the actual sizes and dates do:
the test is the pool dynamics, sub-pools emptied and refilled over many rounds, not the schedule.
The Monte Carlo intervals are reported as simulated and calibrated on the replays of earlier
origins whose rounds had happened by the origin (:func:`calibrate_replay`).

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
from ..forecast.calibration import conformal_quantile
from ..pool import PoolModel, fit_pool
from ..scores import N_SCORES
from ..simulate import Invitations, Round, simulate_feed
from .results import write_page

__all__ = [
    "calibrate_replay",
    "evaluate_replay",
    "main",
    "replay",
    "replay_markdown",
    "replay_summary",
]


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
        intervals) [fraction]; with the columns of :func:`calibrate_replay`, also
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


def calibrate_replay(
    frame: pd.DataFrame,
    levels=LEVELS,
    *,
    window: int = 40,
    min_scores: int = 8,
) -> pd.DataFrame:
    """Replay intervals calibrated, conformal-style, on the replays of earlier origins.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of :func:`replay` from several origins, with ``origin, date, category,
        months_ahead, actual`` and ``lo_<L>``, ``hi_<L>`` for each level [CRS points].
    levels : sequence of int
        Interval levels [%].
    window : int
        At most the latest ``window`` scores (by round date) calibrate a row [rounds].
    min_scores : int
        A category with fewer scores than this uses those of every category; fewer still
        leaves the row's interval as simulated [rounds].

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``cal_lo_<L>``, ``cal_hi_<L>`` [CRS points] and ``q_<L>`` (the widening,
        in half-widths; negative narrows) [-] for each level.

    Notes
    -----
    A replayed round's score is how far its actual cutoff ``y`` fell outside its simulated
    interval, in half-widths: ``s = max(lo - y, y - hi) / h`` with ``h = max((hi - lo) / 2, 1)``
    (negative inside). A row simulated at origin ``o``, ``m`` months ahead, is calibrated by
    the scores of the rows of earlier origins whose rounds are dated on or before ``o`` and
    that were at most ``m`` months ahead (the same category's, or every category's when it has
    fewer than ``min_scores``): with ``q`` their conformal quantile at level ``L``
    (:func:`eeforecast.forecast.conformal_quantile`), the interval becomes ``[lo -
    q h, hi + q h]``, ``q`` at least -1 (at most a point). This is split conformal prediction
    with the simulated interval as the base (conformalised quantiles): it assumes the past
    replays' scores are exchangeable with the coming ones. Every score is known at ``o``, so
    the calibrated intervals are out of sample; rows of the first origins, without earlier
    replays, keep their simulated intervals. ``window`` and ``min_scores`` are those of
    :func:`eeforecast.forecast.calibrate`.

    Examples
    --------
    One earlier round, 10 points above its interval of half-width 10, calibrates the 50%
    interval of the next origin (the ``ceil(2 x 0.5)`` = 1st smallest of one score):

    >>> f = pd.DataFrame({"origin": pd.to_datetime(["2025-01-01", "2025-04-01"]),
    ...     "date": pd.to_datetime(["2025-02-01", "2025-05-01"]), "category": "cec",
    ...     "months_ahead": 1, "actual": [530, 530], "lo_50": [500, 500], "hi_50": [520, 520]})
    >>> calibrate_replay(f, [50], min_scores=1)[["q_50", "cal_lo_50", "cal_hi_50"]].values.tolist()
    [[0.0, 500.0, 520.0], [1.0, 490.0, 530.0]]
    """
    out = frame.copy()
    origin = out["origin"].to_numpy(dtype="datetime64[ns]")
    date = out["date"].to_numpy(dtype="datetime64[ns]")
    ahead = out["months_ahead"].to_numpy(dtype=int)
    cat = out["category"].to_numpy()
    y = out["actual"].to_numpy(dtype=float)
    by_date = np.argsort(date, kind="stable")
    for level in levels:
        lo = out[f"lo_{level}"].to_numpy(dtype=float)
        hi = out[f"hi_{level}"].to_numpy(dtype=float)
        half = np.maximum((hi - lo) / 2.0, 1.0)
        score = np.maximum(lo - y, y - hi) / half
        known = np.isfinite(score)
        q = np.zeros(len(out))
        for i in range(len(out)):
            past = known & (origin < origin[i]) & (date <= origin[i]) & (ahead <= ahead[i])
            for mask in (past & (cat == cat[i]), past):
                rows = by_date[mask[by_date]]
                if len(rows) >= min_scores:
                    q[i] = max(conformal_quantile(score[rows[-window:]], level), -1.0)
                    break
        out[f"cal_lo_{level}"] = lo - q * half
        out[f"cal_hi_{level}"] = hi + q * half
        out[f"q_{level}"] = q
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
    calibrate_from: object = "2023-01-01",
) -> pd.DataFrame:
    """Replays from quarterly origins in ``start..end``: the deterministic rows of :func:`replay`
    with the Monte Carlo intervals ``lo_80 ... hi_95`` (parameter uncertainty),
    ``inflow_lo_80 ...`` (inflow noise only; both with seed ``seed + k`` at the ``k``-th
    origin from ``start``, the origins before it taking the seeds after the last one's) and
    ``cal_lo_80 ...``
    (:func:`calibrate_replay` on the replays from the quarterly origins since
    ``calibrate_from``; those before ``start`` are run for it but not returned)."""
    feed = as_feed(source)
    frames = []
    first = min(as_day(start, "start"), as_day(calibrate_from, "calibrate_from"))
    origins = pd.date_range(first, as_day(end, "end"), freq="QS")
    skip = int((origins < as_day(start, "start")).sum())  # calibration only
    for j, origin in enumerate(origins):
        k = j - skip if j >= skip else len(origins) - skip + j
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
    frame = calibrate_replay(pd.concat(frames, ignore_index=True))
    return frame[frame["origin"] >= as_day(start, "start")].reset_index(drop=True)


def _inflow_only(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the inflow-noise-only intervals as ``lo_80 ... hi_95``."""
    out = frame.drop(columns=[c for c in frame.columns if c in _COLS or c.startswith("cal_")])
    return out.rename(columns={"inflow_" + c: c for c in _COLS})


def replay_markdown(
    frame: pd.DataFrame,
    *,
    months: int,
    n_paths: int,
    seed: int,
    seconds: float,
    calibrate_from: object = "2023-01-01",
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
        "*inflow only*: the net inflow drawn alone, *full*: the parameters too, *calibrated*: "
        "the full interval calibrated on the replays of the earlier quarterly origins, from "
        f"{as_day(calibrate_from, 'calibrate_from'):%Y-%m-%d}, whose rounds had happened by the "
        "origin, `eeforecast.evaluation.calibrate_replay`). Written by `make replay` "
        f"({seconds:.0f} s).",
        "",
        "| category | months ahead | rounds | MAE | naive MAE | bias "
        "| 80% coverage (inflow only / full / calibrated) "
        "| 95% coverage (inflow only / full / calibrated) |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
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
            f"| {cat} | {ahead} | {int(row['rounds'])} | {row['mae']:.1f} | "
            f"{row['naive_mae']:.1f} | {row['bias']:+.1f} | {cells[0]} | {cells[1]} |"
        )
    f = frame.dropna(subset=["naive"])
    parts = []
    for level in LEVELS:
        share = {
            p: ((f["actual"] >= f[f"{p}lo_{level}"]) & (f["actual"] <= f[f"{p}hi_{level}"])).mean()
            for p in ("inflow_", "", "cal_")
        }
        parts.append(
            f"{level}%: {share['inflow_']:.0%} inflow only, {share['']:.0%} full, "
            f"{share['cal_']:.0%} calibrated"
        )
    width = {p: (f[f"{p}hi_80"] - f[f"{p}lo_80"]).median() for p in ("inflow_", "", "cal_")}
    lines += [
        "",
        f"All {len(f)} rounds: {'; '.join(parts)}; median width of the 80% interval "
        f"{width['inflow_']:.0f} (inflow only), {width['']:.0f} (full) and {width['cal_']:.0f} "
        "(calibrated) CRS points.",
        "",
        "Coverage by origin is far from independent: a category's misses from one origin share "
        "its sub-pool's error, so a cell's coverage rests on a few origins, and it moves by a "
        "round or two with the Monte Carlo seed.",
        "",
        "The pool model's settings were compared on these same origins, so these figures are "
        "not fully out of sample. The calibration takes its score, window and minimum from the "
        "forecast calibration, but it was designed with these replays in view, and a variant "
        "calibrating each end of the interval separately was also compared on them.",
        "",
        "The *full* interval is what a simulation of given rounds returns by default "
        "(`simulate_feed`, scenarios): its coverage above is that of the package's own "
        "Monte Carlo intervals over several rounds.",
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
    parser.add_argument(
        "--calibrate-from", default="2023-01-01", help="first origin of the calibration replays"
    )
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    parser.add_argument("--csv", default=str(config.REPORTS_DIR / "replay_eval.csv"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = evaluate_replay(
            args.source, start=args.start, end=args.end, months=args.months,
            n_paths=args.paths, seed=args.seed, calibrate_from=args.calibrate_from,
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
            calibrate_from=args.calibrate_from,
        )  # fmt: skip
        print(write_page("replay", text))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
