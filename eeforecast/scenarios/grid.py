"""Scenario grids: many schedules on one pool with common random numbers, one tidy frame.

:func:`scenario_grid` builds the schedules of a grid (categories x sizes x cadences, each cell
one category's rounds at one size and cadence, the other categories as in a base schedule);
:func:`run_grid` simulates a grid or any mapping of named schedules and returns a
:class:`GridResult`: the tidy frame, the last rounds, the backlog, a heat map and fan charts.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..checks import LEVELS, as_day, as_generator, as_levels, as_n_paths, as_positive, as_slug
from ..data import Feed
from ..errors import ParameterError
from ..forecast import with_recent_pace
from ..pool import PoolModel
from ..scores import MAX_SCORE
from ..simulate import (
    Cadence,
    Invitations,
    Rule,
    Schedule,
    SimulationResult,
    run_scenarios,
    start_from,
)
from ..simulate.calibration import ReplayCalibration, calibrate_replays, check_calibrate

__all__ = ["KEYS", "MAX_CELLS", "GridResult", "ScenarioGrid", "run_grid", "scenario_grid"]

#: A grid with more cells than this runs only when confirmed (``confirm=True``, ``--yes``).
MAX_CELLS = 200

#: The key columns of a grid built by :func:`scenario_grid` (``scenario`` is always there).
KEYS = ("scenario", "scenario_category", "scenario_size", "scenario_cadence")


@dataclass(frozen=True)
class ScenarioGrid:
    """Named schedules and the keys that tell them apart.

    Attributes
    ----------
    schedules : dict of str to Schedule
        One schedule per cell, by scenario name.
    keys : pandas.DataFrame
        One row per cell: ``scenario`` and, for a grid of :func:`scenario_grid`,
        ``scenario_category, scenario_size`` [candidates] ``, scenario_cadence``.
    """

    schedules: dict[str, Schedule]
    keys: pd.DataFrame

    def __len__(self) -> int:
        return len(self.schedules)

    @classmethod
    def named(cls, schedules: Mapping[str, Schedule]) -> ScenarioGrid:
        """A grid of any named schedules (the key is the name)."""
        if not isinstance(schedules, Mapping) or not schedules:
            raise ParameterError("scenarios: expected a non-empty mapping of name -> Schedule")
        out = {}
        for name, sched in schedules.items():
            if not isinstance(sched, Schedule):
                raise ParameterError(
                    f"scenario {name!r}: expected a Schedule, got {type(sched).__name__}"
                )
            out[str(name)] = sched
        return cls(out, pd.DataFrame({"scenario": list(out)}))


def _as_sizes(sizes: object) -> list[int]:
    given = [sizes] if np.ndim(sizes) == 0 else list(sizes)
    if not given:
        raise ParameterError("sizes: give at least one round size")
    return [int(as_positive(n, f"sizes[{i}]", integer=True)) for i, n in enumerate(given)]


def scenario_grid(
    categories: Sequence[str] | str,
    sizes: Sequence[int] | int,
    cadences: Sequence[object] | object,
    *,
    end: object,
    start: object = None,
    base: Schedule | None = None,
) -> ScenarioGrid:
    """The schedules of a grid: for each category, size and cadence, one scenario.

    Parameters
    ----------
    categories : sequence of str
        Categories whose rounds vary (slugs).
    sizes : sequence of int
        Invitations per round [candidates], each >= 1.
    cadences : sequence of str, int or mapping
        When the rounds are held (:meth:`eeforecast.simulate.Cadence.parse`: ``"2w"``,
        ``"2w-wed"``, ``"monthly-1thu"``, ``14`` [days], ``{"monthly": {"day": 15}}``...).
    end : date-like
        Last day of the varied rounds.
    start : date-like, optional
        First day (default: the as-of day of the run).
    base : Schedule, optional
        The other categories' rounds (its rounds, rules and budgets of the varied category are
        replaced). Default ``Schedule(fill="recent")``: every other active category keeps its
        recent pace.

    Returns
    -------
    ScenarioGrid
        Cells named ``"<category> <size> <cadence>"``, categories outermost.

    Examples
    --------
    >>> g = scenario_grid("cec", [2000, 4000], ["2w", "monthly-1wed"], end="2026-06-30")
    >>> list(g.schedules)
    ['cec 2000 2w', 'cec 2000 monthly-1wed', 'cec 4000 2w', 'cec 4000 monthly-1wed']
    """
    cats = [categories] if isinstance(categories, str) else list(categories)
    if not cats:
        raise ParameterError("categories: give at least one category")
    cats = [as_slug(c, f"categories[{i}]") for i, c in enumerate(cats)]
    sizes = _as_sizes(sizes)
    cads = [cadences] if isinstance(cadences, str | Mapping | int) else list(cadences)
    if not cads:
        raise ParameterError("cadences: give at least one cadence")
    cads = [Cadence.parse(c, f"cadences[{i}]") for i, c in enumerate(cads)]
    base = Schedule(fill="recent") if base is None else base
    if not isinstance(base, Schedule):
        raise ParameterError(f"base: expected a Schedule, got {type(base).__name__}")
    last = as_day(end, "end")
    first = None if start is None else as_day(start, "start")
    if first is not None and last < first:
        raise ParameterError(f"end: {last:%Y-%m-%d} is before start {first:%Y-%m-%d}")
    schedules, keys = {}, []
    for cat in cats:
        others = Schedule(
            tuple(r for r in base.rounds if r.category != cat),
            tuple(r for r in base.rules if r.category != cat),
            tuple(b for b in base.budgets if b.category != cat),
            base.fill,
        )
        for n in sizes:
            for cad in cads:
                name = f"{cat} {n} {cad}"
                rule = Rule(cat, Invitations.parse(n), cad, first, last)
                schedules[name] = others + Schedule(rules=(rule,))
                keys.append(
                    {
                        "scenario": name,
                        "scenario_category": cat,
                        "scenario_size": n,
                        "scenario_cadence": str(cad),
                    }
                )
    if len(schedules) < len(keys):
        raise ParameterError("grid: repeated sizes or cadences give cells with the same name")
    return ScenarioGrid(schedules, pd.DataFrame(keys))


@dataclass
class GridResult:
    """A scenario grid simulated: one tidy frame and the figures drawn from it.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per scenario and round asked for (replayed past rounds left out): the key
        columns (``scenario`` and, for :func:`scenario_grid`, ``scenario_category,
        scenario_size, scenario_cadence``), ``date, category, invitations`` [candidates],
        ``filled`` (the round keeps a left-out category's recent pace), ``cutoff`` with
        ``cutoff_lo_<L>, cutoff_hi_<L>`` [CRS points], ``pool``, ``above_<T>`` and ``invited``
        with their ``_lo_<L>/_hi_<L>`` [candidates], ``dry_share`` [fraction] (see
        :meth:`eeforecast.simulate.SimulationResult.to_frame`).
    keys : pandas.DataFrame
        One row per scenario: its key columns.
    results : dict of str to SimulationResult
        Each scenario's paths.
    filled : dict of str to tuple of str
        Each scenario's categories filled at their recent pace.
    as_of : pandas.Timestamp
        The day of the question.
    n_paths : int or None
        Monte Carlo paths per scenario (the same draws in every scenario) [paths].
    thresholds : tuple of int
        The ``above_<T>`` scores [CRS points].
    calibration : eeforecast.simulate.calibration.ReplayCalibration or None
        What widened the cutoff intervals (``run_grid(..., calibrate=True)``); None: they are
        as simulated.
    """

    frame: pd.DataFrame
    keys: pd.DataFrame
    results: dict[str, SimulationResult] = field(repr=False)
    filled: dict[str, tuple[str, ...]]
    as_of: pd.Timestamp
    n_paths: int | None
    thresholds: tuple[int, ...]
    calibration: ReplayCalibration | None = None

    @property
    def key_columns(self) -> list[str]:
        """The key columns of ``frame``."""
        return list(self.keys.columns)

    def last_rounds(self, at: object = None) -> pd.DataFrame:
        """Per scenario and category, the row of its last round on or before ``at`` (default:
        its last round)."""
        rows = self.frame
        if at is not None:
            rows = rows[rows["date"] <= as_day(at, "at")]
        return rows.groupby(["scenario", "category"], sort=False).tail(1).reset_index(drop=True)

    def pool_at(self, at: object = None) -> pd.DataFrame:
        """Per scenario, the pool and the candidates above each threshold after its last round on
        or before ``at`` (default: its last round): key columns, ``date``, ``pool``,
        ``above_<T>`` with their intervals [candidates]."""
        rows = self.frame
        if at is not None:
            rows = rows[rows["date"] <= as_day(at, "at")]
        last = rows.groupby("scenario", sort=False).tail(1)
        cols = [c for c in last if c.startswith(("pool", "above_"))]
        return last[[*self.key_columns, "date", *cols]].reset_index(drop=True)

    def final(self, at: object = None) -> pd.DataFrame:
        """The scenarios' outcome on ``at`` (default: their last round): one row per scenario
        of a grid (the varied category's last round) or per scenario and category (named
        schedules), with the key columns, ``category, date, invitations``, the cutoff and its
        interval [CRS points], ``dry_share`` [fraction], then the ``pool`` and ``above_<T>``
        (with intervals) after the scenario's last round [candidates]."""
        rounds = self.last_rounds(at)
        if "scenario_category" in rounds:
            rounds = rounds[rounds["category"] == rounds["scenario_category"]]
        cut = [c for c in rounds if c.startswith("cutoff")]
        flag = ["calibrated"] if "calibrated" in rounds else []
        keep = [*self.key_columns, "category", "date", "invitations", *cut, *flag, "dry_share"]
        left = rounds[keep]
        right = self.pool_at(at).drop(columns=[*self.key_columns[1:], "date"])
        return left.merge(right, on="scenario", how="left").reset_index(drop=True)

    def heatmap(self, value: str = "cutoff", *, at: object = None):
        """Heat map of ``value`` over the grid (:func:`eeforecast.plots.scenario_heatmap`):
        ``cutoff``, ``pool`` or ``above_<T>`` of :meth:`final`.

        A grid of :func:`scenario_grid` is drawn over sizes x cadences, one panel per varied
        category; named schedules over scenarios (x categories for the cutoff).
        """
        from ..plots import scenario_heatmap  # matplotlib is heavy: imported for a figure only

        names = {"cutoff", "pool", *(f"above_{t}" for t in self.thresholds)}
        if value not in names:
            raise ParameterError(f"value: expected one of {sorted(names)}, got {value!r}")
        table = self.final(at)
        if "scenario_size" in self.keys:
            return scenario_heatmap(
                table,
                value,
                rows="scenario_size",
                cols="scenario_cadence",
                panels="scenario_category",
                as_of=self.as_of,
                n_paths=self.n_paths,
            )
        if value != "cutoff":
            table = table.drop_duplicates("scenario")
        cols = "category" if value == "cutoff" else None
        return scenario_heatmap(
            table, value, rows="scenario", cols=cols, as_of=self.as_of, n_paths=self.n_paths
        )

    def fan(self, scenario: str, *, threshold: int | None = None):
        """Fan chart of one scenario (:func:`eeforecast.plots.scenario_fan`): a matplotlib
        Figure."""
        from ..plots import scenario_fan  # matplotlib is heavy: imported for a figure only

        if scenario not in self.results:
            raise ParameterError(
                f"scenario: {scenario!r} is not in the grid ({len(self.results)} scenarios, "
                f"e.g. {next(iter(self.results))!r})"
            )
        rows = self.frame[self.frame["scenario"] == scenario]
        t = self.thresholds[0] if threshold is None and self.thresholds else threshold
        return scenario_fan(rows, threshold=t, as_of=self.as_of, title=f"Scenario: {scenario}")

    def summary(self) -> str:
        """A readable summary: the cells, the paths and the last rounds' cutoffs."""
        mode = "expected path" if self.n_paths is None else f"{self.n_paths} paths per scenario"
        head = [
            f"Scenario grid as of {self.as_of:%Y-%m-%d}: {len(self.keys)} scenarios, {mode} "
            "(the same draws in each)"
        ]
        filled = sorted({c for cats in self.filled.values() for c in cats})
        if filled:
            head.append(f"  filled at their recent pace: {', '.join(filled)}")
        final = self.final()
        cols = [*self.key_columns, "category", "date", "invitations", "cutoff"]
        cols += [c for c in ("cutoff_lo_80", "cutoff_hi_80") if c in final]
        cols += [f"above_{t}" for t in self.thresholds]
        with pd.option_context("display.width", 200, "display.max_columns", None):
            table = final[cols].to_string(index=False, float_format=lambda v: f"{v:,.0f}")
        text = "\n".join(head) + "\n\n" + table
        if self.calibration is not None:
            levels = [int(c.rsplit("_", 1)[1]) for c in self.frame if c.startswith("cutoff_lo_")]
            text += "\n\n" + self.calibration.text(levels, final["category"])
        return text

    def __str__(self) -> str:
        return self.summary()


def _known_check(schedules: Iterable[Schedule], known: set[str], day: pd.Timestamp) -> None:
    for sched in schedules:
        for cat in sched.categories:
            if cat != "general" and cat not in known:
                raise ParameterError(
                    f"category {cat!r}: unknown, or no pool estimate as of {day:%Y-%m-%d} "
                    f"(known: general, {', '.join(sorted(known))})"
                )


def run_grid(
    scenarios: ScenarioGrid | Mapping[str, Schedule],
    source: Feed | str | os.PathLike | None = None,
    *,
    pool: PoolModel | None = None,
    as_of: object = None,
    n_paths: int | None = 300,
    rng: int | np.random.Generator | None = None,
    thresholds: Sequence[int] = (500,),
    levels: Sequence[int] = LEVELS,
    room: bool = True,
    executor: Executor | None = None,
    confirm: bool = False,
    max_cells: int = MAX_CELLS,
    calibrate: bool = False,
) -> GridResult:
    """Simulate every scenario of a grid with common random numbers.

    Parameters
    ----------
    scenarios : ScenarioGrid or mapping of str to Schedule
        A grid (:func:`scenario_grid`) or any named schedules. A schedule with
        ``fill="recent"`` is completed with the left-out categories' recent pace up to its last
        day (:func:`eeforecast.forecast.with_recent_pace`).
    source : Feed, path or None
        The feed (None: the default feed), cut at ``as_of``.
    pool : PoolModel, optional
        The pool fitted as of ``as_of`` (``source`` is then not read).
    as_of : date-like, optional
        The day of the question (default: the feed's day).
    n_paths : int or None
        Monte Carlo paths per scenario; None: the deterministic expected path [paths].
    rng : int, numpy.random.Generator or None
        Converted once; every scenario gets the same seed (common random numbers), so two
        cells differ by their schedules, not by their draws.
    thresholds : sequence of int
        Scores T whose backlog ``above_<T>`` (candidates with a score >= T) is tracked
        [CRS points].
    levels : sequence of int
        Interval levels [%].
    room : bool
        The room assumption (:func:`eeforecast.simulate.simulate_feed`).
    executor : concurrent.futures.Executor, optional
        Runs the scenarios (a ``ProcessPoolExecutor`` or ``dask.distributed.Client(...)
        .get_executor()``); the result is the same with any executor or none.
    confirm : bool
        Run a grid of more than ``max_cells`` scenarios.
    max_cells : int
        See ``confirm`` (default :data:`~eeforecast.scenarios.MAX_CELLS`).
    calibrate : bool
        Widen every scenario's cutoff intervals by the replays of the earlier quarterly origins,
        as ``simulate_feed(..., calibrate=True)`` does (one calibration for the grid, on the
        same ``n_paths`` and ``room``); the frame gets a ``calibrated`` column and
        ``GridResult.calibration`` says what it rests on. Monte Carlo only.

    Returns
    -------
    GridResult

    Raises
    ------
    ParameterError
        More than ``max_cells`` cells without ``confirm``; an unknown category (no pool
        estimate); a bad threshold, level or ``n_paths``; ``calibrate`` without Monte Carlo
        paths.

    Notes
    -----
    Common random numbers: each scenario's paths draw from the same seed, so the inflow
    shocks, the parameter draws of the categories they share and the size draws come from the
    same streams; a difference between two cells is the schedules'. The draws are indexed by
    round, so two schedules with different round days see the same shocks at different days:
    the comparison is exact for the parameter draws and close for the rest.
    """
    grid = scenarios if isinstance(scenarios, ScenarioGrid) else ScenarioGrid.named(scenarios)
    if len(grid) > max_cells and not confirm:
        raise ParameterError(
            f"grid: {len(grid)} cells is more than {max_cells}; pass confirm=True (--yes on the "
            "command line) to run them all"
        )
    n_paths = as_n_paths(n_paths)
    levels = as_levels(levels)
    calibrate = check_calibrate(calibrate, n_paths)
    thresholds = tuple(sorted({int(t) for t in thresholds}))
    if any(not 0 <= t <= MAX_SCORE for t in thresholds):
        raise ParameterError(f"thresholds: expected CRS scores 0..{MAX_SCORE}, got {thresholds}")
    start = start_from(source, pool=pool, as_of=as_of)
    day, known = start.day, set(start.state.eligible)
    _known_check(grid.schedules.values(), known, day)
    resolved, filled = {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fills = {}  # the filled rounds depend only on the categories named and the last day
        for name, sched in grid.schedules.items():
            key = (frozenset(sched.categories), sched.end, sched.fill)
            if key not in fills:
                full, cats = with_recent_pace(
                    sched, start.pool.feed, as_of=day, known=known | {"general"}
                )
                fills[key] = (full.rounds[len(sched.rounds) :], cats)
            rounds, filled[name] = fills[key]
            resolved[name] = replace(sched, rounds=sched.rounds + rounds, fill=None)
        gen = as_generator(rng)  # the calibration draws after the scenarios' seeds
        results = run_scenarios(
            resolved,
            pool=start.pool,
            as_of=day,
            room=room,
            n_paths=n_paths,
            rng=gen,
            executor=executor,
            common_random_numbers=True,
            thresholds=thresholds,
            workers=1 if executor is not None else None,  # one core per scenario on a worker
        )
    for message in dict.fromkeys((str(w.message), w.category) for w in caught):
        warnings.warn(message[0], message[1], stacklevel=2)  # once per grid, not per cell
    calibration = None
    if calibrate:
        calibration = calibrate_replays(start.pool.feed, day, n_paths=n_paths, rng=gen, room=room)
        for res in results.values():
            res.calibration = calibration
    frames = []
    for key in grid.keys.itertuples(index=False):
        frame = results[key.scenario].to_frame(levels)
        if "filled" not in frame:
            frame.insert(3, "filled", False)
        for i, (col, value) in enumerate(key._asdict().items()):
            frame.insert(i, col, value)
        frames.append(frame)
    return GridResult(
        frame=pd.concat(frames, ignore_index=True),
        keys=grid.keys.reset_index(drop=True),
        results=results,
        filled=filled,
        as_of=day,
        n_paths=n_paths,
        thresholds=thresholds,
        calibration=calibration,
    )
