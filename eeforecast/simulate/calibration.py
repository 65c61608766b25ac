"""Replay calibration: Monte Carlo intervals widened by how the actual rounds fell outside them.

:func:`replay` simulates the rounds actually held in the months after an origin (their dates,
categories and sizes) from the pool as it stood on that origin. :func:`calibrate_replays` replays
the quarterly origins of the years before an as-of day whose replay windows had ended by that day
and gathers, per category and months-ahead bucket, how far the actual cutoffs fell outside the
simulated intervals; :meth:`ReplayCalibration.widen` turns those scores into the split-conformal
widening of a simulation's intervals (``simulate_feed(..., calibrate=True)``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile; scipy.stats costs ~1 s to import

from ..checks import LEVELS, as_day, as_generator, as_levels, as_n_paths
from ..data import as_feed
from ..errors import ParameterError
from ..pool import PoolModel, cached_fit
from ..scores import MAX_SCORE
from .result import path_quantiles
from .schedule import Invitations, Round

__all__ = [
    "CALIBRATION_YEARS",
    "MIN_SCORES",
    "REPLAY_MONTHS",
    "SPLIT_MONTHS",
    "WINDOW",
    "ReplayCalibration",
    "ahead_bucket",
    "calibrate_replays",
    "calibration_origins",
    "check_calibrate",
    "conformal_quantile",
    "months_ahead",
    "replay",
]

#: Length of a calibration replay after its origin [months].
REPLAY_MONTHS = 6
#: Rounds up to this many months ahead form the first bucket, later ones the second [months].
SPLIT_MONTHS = 3
#: Calibration origins start this many years before the as-of day [years].
CALIBRATION_YEARS = 3
#: At most this many latest scores (by round date) calibrate a bucket [rounds]; also the window
#: of :func:`eeforecast.forecast.calibrate`.
WINDOW = 40
#: A category and bucket with fewer scores keeps its simulated interval [rounds]; also the
#: minimum of :func:`eeforecast.forecast.calibrate`.
MIN_SCORES = 8

_DAYS_PER_MONTH = 30.4375


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) level / 100)``-th smallest of ``n`` scores: the conformal quantile
    that covers a new exchangeable score with probability at least ``level`` % [score units].

    With too few scores for that rank, the largest score is extrapolated by the ratio of the
    normal quantiles of ``level`` and of ``n / (n + 1)`` (two-sided).

    Examples
    --------
    >>> conformal_quantile(np.arange(1.0, 10.0), 80)  # ceil(10 x 0.8) = 8th of 1..9
    8.0
    """
    n = len(scores)
    k = math.ceil((n + 1) * level / 100)
    s = np.sort(scores)
    if k > n:  # too few scores for a finite quantile: extrapolate the largest by a Gaussian ratio
        z = ndtri(0.5 + level / 200)
        z_n = ndtri(0.5 + (n / (n + 1)) / 2)
        return float(s[-1] * z / z_n)
    return float(s[k - 1])


def months_ahead(dates, origin: object) -> np.ndarray:
    """The month after ``origin`` in which each date falls: 1 for the first 30.4 days, 2 for
    the next ... [months].

    Examples
    --------
    >>> months_ahead(pd.to_datetime(["2025-01-02", "2025-03-15"]), "2025-01-01").tolist()
    [1, 3]
    """
    day = as_day(origin, "origin")
    days = (pd.DatetimeIndex(dates) - day).days.to_numpy()
    return (days // _DAYS_PER_MONTH).astype(int) + 1


def ahead_bucket(ahead, split: int = SPLIT_MONTHS, months: int = REPLAY_MONTHS) -> np.ndarray:
    """The months-ahead bucket of each row: ``"1-<split>"`` or ``"<split+1>-<months>"``; rows
    beyond ``months`` fall in the last bucket (no replay reaches them).

    Examples
    --------
    >>> ahead_bucket([1, 3, 4, 9]).tolist()
    ['1-3', '1-3', '4-6', '4-6']
    """
    ahead = np.asarray(ahead, dtype=int)
    return np.where(ahead <= split, f"1-{split}", f"{split + 1}-{months}")


def _interval_scores(actual, lo, hi) -> np.ndarray:
    """How far each actual value fell outside its interval, in half-widths (negative inside):
    ``max(lo - y, y - hi) / max((hi - lo) / 2, 1)`` [-]."""
    half = np.maximum((hi - lo) / 2.0, 1.0)
    return np.maximum(lo - actual, actual - hi) / half


def _replay_rounds(feed, origin: pd.Timestamp, months: int, known: set[str]) -> pd.DataFrame:
    """The rounds of known categories held in ``(origin, origin + months]``."""
    end = origin + pd.DateOffset(months=int(months))
    r = feed.rounds
    future = r[(r["date"] > origin) & (r["date"] <= end)]
    return future[future["category"].isin(known)].reset_index(drop=True)


def replay(
    feed,
    origin: object,
    months: int = REPLAY_MONTHS,
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    room: bool = True,
    pool: PoolModel | None = None,
    parameter_uncertainty: bool = True,
    calibrate: bool = False,
    levels: Sequence[int] = LEVELS,
    result: bool = False,
):
    """Simulate the ACTUAL rounds held after ``origin`` from the pool as it stood on ``origin``.

    Parameters
    ----------
    feed : eeforecast.data.Feed
        The feed: the pool is fitted on ``feed.truncate(as_of=origin)`` only; the rounds dated
        after ``origin`` (up to ``months`` later) give the schedule (date, category, actual
        invitations) and the actual cutoffs to compare with.
    origin : date-like
        Day the replay starts (everything known up to and including it).
    months : int
        Length of the replay [months].
    n_paths : int or None
        ``None``: the deterministic expected path; otherwise Monte Carlo paths (random inflow;
        the sizes are the actual ones) that give ``lo_<L>`` / ``hi_<L>`` [paths].
    rng : int, numpy.random.Generator or None
        Randomness for Monte Carlo.
    room : bool
        See :func:`eeforecast.simulate.simulate_feed`.
    pool : PoolModel, optional
        The pool fitted at ``origin`` (fitted here, or read from the cache, when omitted).
    parameter_uncertainty : bool
        See :func:`eeforecast.simulate.simulate` (Monte Carlo only).
    calibrate : bool
        Also the intervals ``simulate_feed(..., calibrate=True)`` returns at ``origin``, as
        ``cal_lo_<L>``, ``cal_hi_<L>`` (Monte Carlo only).
    levels : sequence of int
        Interval levels [%].
    result : bool
        Return ``(frame, SimulationResult)`` instead of the frame.

    Returns
    -------
    pandas.DataFrame
        One row per replayed round: ``origin, date, category, invitations, months_ahead`` (1 =
        the first month after the origin, at most ``months``) ``, actual, simulated, naive`` (the
        category's last cutoff on or before the origin) and, with paths, ``lo_<L>, hi_<L>``
        [CRS points]; with ``calibrate``, ``cal_lo_<L>, cal_hi_<L>`` [CRS points] and
        ``calibrated`` (False: kept as simulated). Rounds of categories with no pool estimate at
        the origin are left out.

    Notes
    -----
    Nothing after ``origin`` enters the model: the actual sizes and dates of the later rounds
    are given (the question is how well the pool dynamics track reality, not how well the
    schedule is forecast). Errors therefore grow only through the sub-pools' depletion and
    refill and the inflow.
    """
    from .from_feed import simulate_feed  # simulate_feed calibrates with these replays

    feed = as_feed(feed)
    origin = as_day(origin, "origin")
    levels = as_levels(levels)
    if pool is None:
        pool = cached_fit(feed.truncate(as_of=origin), as_of=origin)
    future = _replay_rounds(feed, origin, months, set(pool.categories) | {"general", "pnp"})
    cols = ["origin", "date", "category", "invitations", "months_ahead", "actual", "simulated"]
    if future.empty:
        empty = pd.DataFrame(columns=[*cols, "naive"])
        return (empty, None) if result else empty
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
        calibrate=calibrate,
    )
    last = pool.rounds.groupby("category")["cutoff"].last()
    out = pd.DataFrame(
        {
            "origin": origin,
            "date": future["date"],
            "category": future["category"],
            "invitations": future["invitations"].astype("int64"),
            "months_ahead": months_ahead(future["date"], origin).clip(max=int(months)),
            "actual": future["cutoff"].astype("int64"),
            "naive": future["category"].map(last).astype(float).to_numpy(),
        }
    )
    frames = {"": res.to_frame(levels, calibrated=False)}
    if calibrate and res.calibration is not None:
        frames["cal_"] = res.to_frame(levels)
    out.insert(6, "simulated", frames[""]["cutoff"].astype(float).to_numpy())
    if "cal_" in frames:
        out["calibrated"] = frames["cal_"]["calibrated"].to_numpy(dtype=bool)
    if res.n_paths > 1:
        for prefix, frame in frames.items():
            for level in levels:
                for side in ("lo", "hi"):
                    col = frame[f"cutoff_{side}_{level}"].astype(float).to_numpy()
                    out[f"{prefix}{side}_{level}"] = col
    return (out, res) if result else out


def check_calibrate(calibrate: object, n_paths: object) -> bool:
    """``calibrate`` as a bool; calibrated intervals need Monte Carlo paths.

    Raises
    ------
    ParameterError
        ``calibrate`` is not a bool, or is True with ``n_paths`` not a whole number >= 2.
    """
    if not isinstance(calibrate, bool | np.bool_):
        raise ParameterError(f"calibrate: expected True or False, got {calibrate!r}")
    paths_ok = isinstance(n_paths, int | np.integer) and not isinstance(n_paths, bool)
    if calibrate and not (paths_ok and n_paths >= 2):
        raise ParameterError(
            "calibrate: calibrated intervals need Monte Carlo paths; give n_paths of 2 or more "
            f"(got {n_paths!r})"
        )
    return bool(calibrate)


def calibration_origins(
    as_of: object, *, years: int = CALIBRATION_YEARS, months: int = REPLAY_MONTHS
) -> pd.DatetimeIndex:
    """The quarterly origins (first days of January, April, July, October) from ``years``
    before ``as_of`` whose ``months``-long replay windows ended on or before ``as_of``.

    Examples
    --------
    >>> [f"{d:%Y-%m-%d}" for d in calibration_origins("2025-07-01", years=1)]
    ['2024-07-01', '2024-10-01', '2025-01-01']
    """
    day = as_day(as_of, "as_of")
    first = day - pd.DateOffset(years=int(years))
    last = day - pd.DateOffset(months=int(months))
    return pd.date_range(first, last, freq="QS")


@dataclass(frozen=True)
class ReplayCalibration:
    """The replays an interval calibration rests on, and the widening they give.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day of the question: every replayed round is dated on or before it.
    origins : tuple of pandas.Timestamp
        The origins replayed.
    skipped : tuple of pandas.Timestamp
        Origins in the span that could not be replayed (no pool snapshot published by then).
    rows : pandas.DataFrame
        One row per replayed round: ``origin, date, category, months_ahead, bucket, actual``
        [CRS points].
    paths : numpy.ndarray, (n_rows, n_paths)
        The replays' simulated cutoffs of each row, NaN where nobody was invited [CRS points].
    months, split, window, min_scores : int
        Replay length and bucket split [months], scores used at most and needed at least per
        category and bucket [rounds].
    """

    as_of: pd.Timestamp
    origins: tuple[pd.Timestamp, ...]
    skipped: tuple[pd.Timestamp, ...]
    rows: pd.DataFrame
    paths: np.ndarray
    months: int = REPLAY_MONTHS
    split: int = SPLIT_MONTHS
    window: int = WINDOW
    min_scores: int = MIN_SCORES

    def scores(self, level: int) -> np.ndarray:
        """Each row's score at ``level``: how far the actual cutoff fell outside the replay's
        ``level`` % interval, in half-widths (negative inside; NaN without an interval) [-]."""
        if not len(self.rows) or self.paths.shape[1] < 2:
            return np.full(len(self.rows), np.nan)
        a = (100 - level) / 200
        lo, hi = path_quantiles(self.paths.T, [a, 1 - a])
        return _interval_scores(self.rows["actual"].to_numpy(dtype=float), lo, hi)

    def table(self, levels: Sequence[int] = LEVELS, categories=None) -> pd.DataFrame:
        """The widening per category and bucket.

        Parameters
        ----------
        levels : sequence of int
            Interval levels [%].
        categories : iterable of str, optional
            Categories to list (default: those replayed); one without scores is listed with 0.

        Returns
        -------
        pandas.DataFrame
            One row per category and bucket: ``category, ahead`` (``"1-3"``, ``"4-6"``),
            ``residuals`` (scores used) [rounds], ``calibrated`` (False: fewer than
            ``min_scores`` scores, the simulated interval is kept) and ``widen_<L>``, the
            widening of each side in half-widths, at least 0 [-].
        """
        levels = as_levels(levels)
        cats = list(dict.fromkeys(self.rows["category"])) if categories is None else categories
        cats = list(dict.fromkeys(cats))
        buckets = list(dict.fromkeys(ahead_bucket([1, self.months], self.split, self.months)))
        order = np.argsort(self.rows["date"].to_numpy(dtype="datetime64[ns]"), kind="stable")
        cat = self.rows["category"].to_numpy()[order]
        bucket = self.rows["bucket"].to_numpy()[order]
        scores = {lv: self.scores(lv)[order] for lv in levels}
        out = []
        for c in cats:
            for b in buckets:
                mask = (cat == c) & (bucket == b)
                row = {"category": c, "ahead": b}
                n = 0
                for lv in levels:
                    s = scores[lv][mask]
                    s = s[np.isfinite(s)][-self.window :]
                    n = len(s)
                    ok = n >= self.min_scores
                    row[f"widen_{lv}"] = max(conformal_quantile(s, lv), 0.0) if ok else 0.0
                row["residuals"], row["calibrated"] = n, n >= self.min_scores
                out.append(row)
        cols = ["category", "ahead", "residuals", "calibrated", *(f"widen_{lv}" for lv in levels)]
        return pd.DataFrame(out, columns=cols)

    def widen(self, frame: pd.DataFrame, levels: Sequence[int] = LEVELS) -> pd.DataFrame:
        """``frame`` (rows of :meth:`eeforecast.simulate.SimulationResult.to_frame`, before the
        cutoffs are rounded) with its ``cutoff_lo_<L>``, ``cutoff_hi_<L>`` widened and a
        ``calibrated`` column (False: too few scores for the row's category and bucket, the
        simulated interval is kept).

        Notes
        -----
        A row ``m`` months after the as-of day in bucket ``b`` of category ``c`` with interval
        ``[lo, hi]`` and half-width ``h = max((hi - lo) / 2, 1)`` becomes ``[lo - q h, hi + q
        h]``, ``q`` the ``widen_<L>`` of ``(c, b)`` in :meth:`table` (at least 0). The median is
        unchanged.
        """
        levels = [lv for lv in as_levels(levels) if f"cutoff_lo_{lv}" in frame]
        out = frame.copy()
        bucket = ahead_bucket(months_ahead(out["date"], self.as_of), self.split, self.months)
        table = self.table(levels, categories=out["category"]).set_index(["category", "ahead"])
        keys = pd.MultiIndex.from_arrays([out["category"], bucket])
        found = table.reindex(keys)
        for lv in levels:
            lo = out[f"cutoff_lo_{lv}"].astype(float).to_numpy()
            hi = out[f"cutoff_hi_{lv}"].astype(float).to_numpy()
            q = found[f"widen_{lv}"].fillna(0.0).to_numpy()
            half = np.maximum((hi - lo) / 2.0, 1.0)
            out[f"cutoff_lo_{lv}"] = np.maximum(np.floor(lo - q * half), 0.0)
            out[f"cutoff_hi_{lv}"] = np.minimum(np.ceil(hi + q * half), MAX_SCORE)
        out["calibrated"] = found["calibrated"].fillna(False).astype(bool).to_numpy()
        return out

    def text(self, levels: Sequence[int] = LEVELS, categories=None) -> str:
        """What the calibration rests on, as indented text under a heading: the origins, the
        scores per category and bucket and the widening."""
        n = len(self.origins)
        span = f"{self.origins[0]:%Y-%m-%d} to {self.origins[-1]:%Y-%m-%d}" if n else "none"
        lines = [
            "Interval calibration",
            f"  replays of the rounds actually held in the {self.months} months after each of "
            f"{n} quarterly origins ({span}), every round dated on or before "
            f"{self.as_of:%Y-%m-%d}; rounds beyond {self.months} months ahead use the "
            f"{self.split + 1}-{self.months} widening",
        ]
        if self.skipped:
            lines.append(
                f"  skipped {len(self.skipped)} origin(s) without a pool snapshot: "
                + ", ".join(f"{d:%Y-%m-%d}" for d in self.skipped)
            )
        table = self.table(levels, categories)
        raw = table.loc[~table["calibrated"], ["category", "ahead"]]
        if len(raw):
            lines.append(
                f"  kept as simulated (fewer than {self.min_scores} scores): "
                + ", ".join(f"{r.category} {r.ahead}" for r in raw.itertuples(index=False))
            )
        with pd.option_context("display.width", 200, "display.max_columns", None):
            body = table.to_string(index=False, float_format=lambda v: f"{v:.2f}")
        return "\n".join(lines + ["  " + line for line in body.splitlines()])


def calibrate_replays(
    feed,
    as_of: object,
    *,
    n_paths: int,
    rng: int | np.random.Generator | None = None,
    years: int = CALIBRATION_YEARS,
    months: int = REPLAY_MONTHS,
    split: int = SPLIT_MONTHS,
    window: int = WINDOW,
    min_scores: int = MIN_SCORES,
    room: bool = True,
    parameter_uncertainty: bool = True,
) -> ReplayCalibration:
    """Replay the quarterly origins before ``as_of`` to calibrate a simulation's intervals.

    Parameters
    ----------
    feed : Feed, path or None
        The feed; it is cut at ``as_of`` first, so nothing published later is read.
    as_of : date-like
        The day of the question.
    n_paths : int
        Monte Carlo paths of each replay, those of the simulation calibrated [paths].
    rng : int, numpy.random.Generator or None
        Randomness of the replays (one child stream per origin).
    years : int
        The origins start this many years before ``as_of`` [years].
    months : int
        Replay length; only origins at least this long before ``as_of`` are replayed [months].
    split : int
        Rounds up to ``split`` months ahead form the first bucket [months].
    window, min_scores : int
        At most ``window`` latest scores calibrate a category and bucket; with fewer than
        ``min_scores`` its interval is kept as simulated [rounds].
    room, parameter_uncertainty : bool
        As for the simulation calibrated (:func:`eeforecast.simulate.simulate_feed`).

    Returns
    -------
    ReplayCalibration

    Raises
    ------
    ParameterError
        ``n_paths`` below 2, or ``years``, ``months``, ``split``, ``window`` or ``min_scores``
        out of range.

    Notes
    -----
    Split conformal prediction with the simulated interval as the base (conformalised
    quantiles): it assumes the replays' scores are exchangeable with the coming rounds'. The
    replays use the pools fitted at their origins, without a researcher's sub-pool settings.
    """
    n_paths = as_n_paths(n_paths)
    if n_paths is None or n_paths < 2:
        raise ParameterError(
            f"n_paths: calibrated intervals need Monte Carlo paths (at least 2), got {n_paths}"
        )
    for name, value, low in (
        ("years", years, 1),
        ("months", months, 1),
        ("split", split, 1),
        ("window", window, 1),
        ("min_scores", min_scores, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ParameterError(f"{name}: expected a whole number >= {low}, got {value!r}")
    if split >= months:
        raise ParameterError(f"split: expected fewer than months ({months}), got {split}")
    day = as_day(as_of, "as_of")
    feed = as_feed(feed).truncate(as_of=day)
    origins = calibration_origins(day, years=years, months=months)
    seeds = np.random.SeedSequence(int(as_generator(rng).integers(2**63))).spawn(len(origins))
    done, skipped, frames, paths = [], [], [], []
    with warnings.catch_warnings():  # the replays' caveats concern past rounds, not the question
        warnings.simplefilter("ignore")
        for origin, seed in zip(origins, seeds, strict=True):
            try:
                pool = cached_fit(feed.truncate(as_of=origin), as_of=origin)
            except ParameterError:  # no pool snapshot published by then
                skipped.append(origin)
                continue
            frame, res = replay(
                feed, origin, months, n_paths=n_paths, rng=np.random.default_rng(seed),
                pool=pool, room=room, parameter_uncertainty=parameter_uncertainty, result=True,
            )  # fmt: skip
            done.append(origin)
            if res is None:
                continue
            frames.append(frame)
            cut = res.cutoff[:, [not r.replayed for r in res.rounds]].astype(float)
            paths.append(np.where(cut > MAX_SCORE, np.nan, cut).T)
    cols = ["origin", "date", "category", "months_ahead", "actual"]
    rows = pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)
    rows["bucket"] = ahead_bucket(rows["months_ahead"].to_numpy(dtype=int), split, months)
    return ReplayCalibration(
        as_of=day,
        origins=tuple(done),
        skipped=tuple(skipped),
        rows=rows,
        paths=np.vstack(paths) if paths else np.empty((0, n_paths)),
        months=int(months),
        split=int(split),
        window=int(window),
        min_scores=int(min_scores),
    )
