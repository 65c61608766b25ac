"""The backlog: the pool and the candidates at or above score thresholds over the coming weeks,
read from the simulation of the forecast schedule (:func:`eeforecast.projection.project`)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .checks import LEVELS, MAX_WEEKS, as_levels, as_whole
from .data import Feed
from .errors import ParameterError
from .pool import PoolModel
from .projection import Projection, project
from .scores import MAX_SCORE
from .simulate import Schedule

__all__ = ["BacklogResult", "backlog"]


@dataclass
class BacklogResult:
    """Projected pool and backlog above score thresholds, from the forecast round schedule.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Origin.
    weekly : pandas.DataFrame
        One row per week: ``week, date, rounds`` (forecast rounds held so far), ``invited``
        (their invitations so far), ``pool, pool_lo_<L>, pool_hi_<L>, above_<S>,
        above_<S>_lo_<L>, above_<S>_hi_<L>`` [candidates] (medians and quantiles over Monte Carlo
        paths at the week's end).
    clearance : pandas.DataFrame
        Per threshold: ``threshold, above_now`` [candidates], ``pace_per_week`` (net fall of the
        candidates above it per week over the projection, from now to the last week's end as
        ``weekly`` reads it; negative = growing) [candidates/week] and
        ``weeks_to_clear`` with ``_lo_<L>/_hi_<L>`` [weeks] (inf when the backlog does not fall):
        the central figure is ``above_now / pace_per_week`` (medians over paths), the interval
        the quantiles of the paths' own ratios.
    schedule : pandas.DataFrame
        The forecast rounds simulated within the weeks projected
        (:func:`eeforecast.forecast.forecast_schedule`), or the scenario's.
    notes : tuple of str
        The projection's notes (e.g. a scenario's categories filled at their recent pace).
    assumptions : pandas.DataFrame or None
        What the simulation assumed about each simulated category's sub-pool, one row per
        category (:meth:`eeforecast.pool.PoolModel.assumptions`).
    """

    as_of: pd.Timestamp
    weekly: pd.DataFrame
    clearance: pd.DataFrame
    schedule: pd.DataFrame
    notes: tuple[str, ...] = ()
    assumptions: pd.DataFrame | None = None

    def summary(self) -> str:
        """Readable summary: the schedule size and the time to clear each threshold."""
        lines = [
            f"Backlog projection as of {self.as_of:%Y-%m-%d}: {len(self.schedule)} forecast rounds "
            f"over {len(self.weekly)} weeks"
        ]
        for row in self.clearance.itertuples(index=False):
            weeks = (
                "not falling"
                if not np.isfinite(row.weeks_to_clear)
                else (f"~{row.weeks_to_clear:.0f} weeks to clear")
            )
            lines.append(
                f"  at or above {row.threshold}: {row.above_now:,.0f} now, net "
                f"{row.pace_per_week:,.0f}/week -> {weeks}"
            )
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def backlog(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    pool: PoolModel | None = None,
    projection: Projection | None = None,
    weeks: int = 26,
    thresholds: Sequence[int] = (500,),
    n_paths: int | None = 400,
    rng: int | np.random.Generator | None = None,
    levels: Sequence[int] = LEVELS,
    schedule: Schedule | None = None,
) -> BacklogResult:
    """Project the pool total and the candidates at or above ``thresholds`` over the coming weeks.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed), cut at ``as_of``.
    as_of : date-like, optional
        Origin day.
    pool : PoolModel, optional
        The pool already fitted as of ``as_of``.
    projection : Projection, optional
        An existing simulation of the forecast schedule covering ``weeks`` and tracking every
        threshold (:func:`eeforecast.projection.project`); then ``source``, ``pool``, ``as_of``,
        ``n_paths`` and ``rng`` are not used. The report passes the one it reads the odds from.
    weeks : int
        Weeks to project [weeks].
    thresholds : sequence of int
        Scores T: candidates with a score >= T are counted [CRS points].
    n_paths : int or None
        Monte Carlo paths; None: the deterministic expected path [paths].
    rng : int, numpy.random.Generator or None
        Randomness (inflow, round sizes and parameters), converted once.
    levels : sequence of int
        Interval levels [%].
    schedule : Schedule, optional
        A scenario's rounds instead of the forecast schedule (see
        :func:`eeforecast.projection.project`).

    Returns
    -------
    BacklogResult

    Notes
    -----
    The schedule is :func:`eeforecast.forecast.forecast_schedule` (each active category's rounds
    at its recent pace), each round's size drawn from the category's recent sizes. The pool
    engine starts from the latest snapshot, replays the rounds since, then runs the schedule
    with random net inflow. A week's values are those after its last round plus the expected
    net inflow from that round to the week's end (the Monte Carlo spread of that last stretch is
    not added). The time to clear a threshold is, per path, the candidates above it now divided
    by its average net fall per week over the projection; it assumes today's pace (schedule and
    inflow) continues.
    """
    weeks = as_whole(weeks, "weeks", maximum=MAX_WEEKS)
    thresholds = tuple(sorted({int(t) for t in thresholds}))
    for t in thresholds:
        if not 0 <= t <= MAX_SCORE:
            raise ParameterError(f"threshold: must be a CRS score 0..{MAX_SCORE}, got {t}")
    if not thresholds:
        raise ParameterError("threshold: give at least one score")
    levels = as_levels(levels)
    if projection is not None and schedule is not None:
        raise ParameterError("schedule: give a schedule or a projection built from it, not both")
    if projection is None:
        with warnings.catch_warnings():  # the engine's chatter; the pool's notes are said below
            warnings.simplefilter("ignore")
            projection = project(
                source, pool=pool, as_of=as_of, span=f"{weeks}w", n_paths=n_paths, rng=rng,
                thresholds=thresholds, schedule=schedule,
            )  # fmt: skip
    res, state, day = projection.simulation, projection.state, projection.as_of
    missing = [t for t in thresholds if t not in res.above]
    if missing:
        raise ParameterError(
            f"thresholds: {missing} not tracked by the projection (tracked: {sorted(res.above)})"
        )
    if day + pd.Timedelta(weeks=weeks) > projection.span_end:
        raise ParameterError(
            f"weeks: {weeks} weeks reach beyond the projection's span (to "
            f"{projection.span_end:%Y-%m-%d})"
        )
    for note in projection.pool_notes:  # e.g. one snapshot only: the pool is held flat
        warnings.warn(note, UserWarning, stacklevel=2)
    keep = np.array([not r.replayed for r in res.rounds], dtype=bool)
    dates = pd.DatetimeIndex([r.date for r in res.rounds])[keep]
    pool = res.pool[:, keep]
    above = {t: res.above[t][:, keep] for t in thresholds}
    invited = res.invited[:, keep]
    # the state at the start: before the first forecast round (after replayed ones)
    n_rep = int((~keep).sum())
    total0 = res.pool[:, n_rep - 1] if n_rep else res.start_pool
    above0 = {}
    for t in thresholds:
        if n_rep:
            above0[t] = res.above[t][:, n_rep - 1]
        else:
            above0[t] = np.repeat(float(state.total[t:].sum()), res.n_paths)
    inflow_total = float(np.sum(state.inflow))  # expected net inflow [candidates/day]
    inflow_above = {t: float(np.sum(state.inflow[t:])) for t in thresholds}
    last_known = max(day, pd.Timestamp(state.as_of))
    rows = []
    for w in range(1, weeks + 1):
        end = day + pd.Timedelta(days=7 * w)
        idx = np.flatnonzero(dates <= end)
        row = {"week": w, "date": end, "rounds": len(idx)}
        row["invited"] = float(np.median(invited[:, idx].sum(axis=1))) if len(idx) else 0.0
        # after the week's last round, add the expected net inflow up to the week's end
        since = (end - (dates[idx[-1]] if len(idx) else last_known)).days
        cols = {"pool": (pool[:, idx[-1]] if len(idx) else total0) + inflow_total * since}
        for t in thresholds:
            base = above[t][:, idx[-1]] if len(idx) else above0[t]
            cols[f"above_{t}"] = np.maximum(base + inflow_above[t] * since, 0.0)
        for name, values in cols.items():
            row[name] = float(np.median(values))
            for lv in levels:
                a = (100 - lv) / 200
                row[f"{name}_lo_{lv}"] = float(np.quantile(values, a))
                row[f"{name}_hi_{lv}"] = float(np.quantile(values, 1 - a))
        rows.append(row)
    weekly = pd.DataFrame(rows)
    clear = []
    for t in thresholds:
        # the pace is the fall over the whole projection, as its last week reads it (after the
        # last round, the net inflow up to the horizon's end is added back, as in ``weekly``)
        last = (
            np.maximum(above[t][:, idx[-1]] + inflow_above[t] * since, 0.0)
            if len(idx)
            else (above0[t] + inflow_above[t] * since)
        )
        pace = (above0[t] - last) / weeks  # net fall per week, per path
        with np.errstate(divide="ignore", invalid="ignore"):
            wk = np.where(pace > 0, above0[t] / pace, np.inf)
        now, fall = float(np.median(above0[t])), float(np.median(pace))
        row = {
            "threshold": t,
            "above_now": now,
            "pace_per_week": fall,
            # the central figure is the two medians' ratio, so it never contradicts the pace
            "weeks_to_clear": now / fall if fall > 0 else np.inf,
        }
        for lv in levels:
            a = (100 - lv) / 200
            row[f"weeks_to_clear_lo_{lv}"] = float(np.quantile(wk, a, method="inverted_cdf"))
            row[f"weeks_to_clear_hi_{lv}"] = float(np.quantile(wk, 1 - a, method="inverted_cdf"))
        clear.append(row)
    schedule = projection.schedule[projection.schedule["date"] <= day + pd.Timedelta(weeks=weeks)]
    return BacklogResult(
        as_of=day,
        weekly=weekly,
        clearance=pd.DataFrame(clear),
        schedule=schedule.reset_index(drop=True),
        notes=tuple(projection.notes),
        assumptions=projection.assumptions,
    )
