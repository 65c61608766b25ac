"""Many schedules on one pool, spread over an executor (:func:`run_scenarios`)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor

import numpy as np

from ..checks import as_generator
from ..data import Feed
from ..errors import ParameterError
from ..pool import PoolModel, PoolState
from .from_feed import prepare, start_from, with_settings
from .result import SimulationResult
from .run import simulate
from .schedule import Round, Schedule

__all__ = ["run_scenarios"]


def _scenario_task(state, schedule, seed, kwargs) -> SimulationResult:
    return simulate(state, schedule, rng=np.random.default_rng(seed), **kwargs)


def run_scenarios(
    scenarios: Sequence[Schedule | Sequence[Round]] | Mapping[str, Schedule | Sequence[Round]],
    source: Feed | str | os.PathLike | None = None,
    *,
    pool: PoolModel | None = None,
    state: PoolState | None = None,
    as_of: object = None,
    room: bool = True,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    executor: Executor | None = None,
    common_random_numbers: bool = False,
    **kwargs,
) -> list[SimulationResult] | dict[str, SimulationResult]:
    """Simulate many schedules on one pool, optionally spread over an executor.

    Parameters
    ----------
    scenarios : sequence or mapping of Schedule / list of Round
        The schedules; a mapping returns a dict with the same keys.
    source : Feed, path or None
        Where the pool comes from, as in :func:`simulate_feed`: each scenario starts from the
        latest snapshot on or before ``as_of``, with the rounds recorded since then replayed and
        the room rule (``room``) applied per scenario.
    pool : PoolModel, optional
        The pool already fitted as of ``as_of`` (``source`` is then not read).
    state : PoolState, optional
        Instead of a feed: a pool state used exactly as given (rounds held after its snapshot
        are not taken out; ``as_of`` and ``room`` are not used).
    as_of, room
        See :func:`simulate_feed`.
    n_paths, **kwargs
        Passed to :func:`simulate` (each scenario runs its paths serially in its worker).
    rng : int, numpy.random.Generator or None
        Converted once; one child seed per scenario (:meth:`numpy.random.SeedSequence.spawn`), so the results
        are the same with any executor or none.
    executor : concurrent.futures.Executor or None
        E.g. ``ProcessPoolExecutor(2)`` or ``dask.distributed.Client(...).get_executor()``.
    common_random_numbers : bool
        Give every scenario the same seed (the first child seed), so that two scenarios differ
        by their schedules, not by their draws (a scenario grid's comparisons).
    """
    keys = list(scenarios) if isinstance(scenarios, Mapping) else None
    items = [scenarios[k] for k in keys] if keys is not None else list(scenarios)
    if state is not None:
        if not isinstance(state, PoolState):
            raise ParameterError(f"state: expected a PoolState, got {type(state).__name__}")
        starts = [state] * len(items)
        models = [None] * len(items)
    else:
        begin = start_from(source, pool=pool, as_of=as_of)
        begins = [with_settings(begin, s) for s in items]  # each scenario's [subpool] tables
        prepared = [prepare(b, s, room) for b, s in zip(begins, items, strict=True)]
        starts, items = [p[0] for p in prepared], [p[1] for p in prepared]
        models = [b.pool for b in begins]
    gen = as_generator(rng)
    seeds = np.random.SeedSequence(gen.integers(0, 2**63, size=4).tolist()).spawn(len(items))
    if common_random_numbers and seeds:
        seeds = [seeds[0]] * len(items)
    kwargs = dict(kwargs, n_paths=n_paths)
    if executor is None:
        results = [
            _scenario_task(st, s, seed, kwargs)
            for st, s, seed in zip(starts, items, seeds, strict=True)
        ]
    else:
        futures = [
            executor.submit(_scenario_task, st, s, seed, kwargs)
            for st, s, seed in zip(starts, items, seeds, strict=True)
        ]
        results = [f.result() for f in futures]
    for res, model in zip(results, models, strict=True):
        if model is not None:
            res.assumptions = model.assumptions([r.category for r in res.rounds])
    return dict(zip(keys, results, strict=True)) if keys is not None else results
