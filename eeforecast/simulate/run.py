"""Running a schedule on a pool state: one expected path or Monte Carlo paths (:func:`simulate`)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor

import numpy as np
import pandas as pd

from ..checks import as_day, as_generator, as_n_paths
from ..errors import ParameterError
from ..pool import PoolState
from ..progress import bar as progress_bar
from .engine import NOISE_BANDS, EngineInput, PathParams, gumbel_draws, run_numpy
from .inputs import engine_input
from .kernel import compiled_kernel, run_numba
from .result import SimulationResult
from .schedule import Round, Schedule

__all__ = ["as_rounds", "simulate"]


def _run_paths(eng: EngineInput, invitations: np.ndarray, z, engine: str, par=None, g=None) -> dict:
    """Run the rounds for a block of paths with the chosen back end."""
    run = run_numba if engine == "numba" else run_numpy
    return run(eng, invitations, z, par, g)


#: Runs of this many Monte Carlo paths or more show a progress bar on a terminal [paths].
PROGRESS_PATHS = 20_000


def _chunk_task(
    eng: EngineInput,
    specs: tuple,
    n: int,
    seed: np.random.SeedSequence,
    engine: str,
    random_inflow: bool,
    random_sizes: bool,
    parameter_uncertainty: bool = False,
) -> dict:
    """One block of Monte Carlo paths (module level so that executors can pickle it).

    Four streams are spawned from ``seed``: sizes, inflow noise, parameters (the first two
    are those of a run without parameter uncertainty, which is therefore unchanged) and the
    sub-pool draws (invite-all cutoffs; with parameter uncertainty, the below-floor shares and
    the tails), added last so that the first three are unchanged.
    """
    size_seed, noise_seed, param_seed, subpool_seed = seed.spawn(4)
    size_rng = np.random.default_rng(size_seed)
    inv = np.empty((n, len(specs)))
    for r, spec in enumerate(specs):
        inv[:, r] = spec.draw(size_rng, n) if random_sizes else spec.expected()
    z = None
    if random_inflow and np.any(eng.inflow_sd > 0):
        z = np.random.default_rng(noise_seed).standard_normal((n, len(specs), len(NOISE_BANDS)))
    par = None
    subpool_rng = np.random.default_rng(subpool_seed)
    g = gumbel_draws(eng, subpool_rng, n)
    if parameter_uncertainty:
        par = PathParams.draw(eng, np.random.default_rng(param_seed), n)
        par = par.with_subpools(eng, subpool_rng)
    return _run_paths(eng, inv, z, engine, par, g)


def as_rounds(schedule: Schedule | Iterable[Round], start: pd.Timestamp) -> list[Round]:
    """The rounds of a schedule expanded from ``start`` (warning once about weekend days and
    dropped rounds), or a list of rounds as given."""
    if isinstance(schedule, Schedule):
        if schedule.fill is not None:
            raise ParameterError(
                "schedule: fill='recent' needs the categories' recent pace, which the simulation "
                "does not forecast: resolve it with eeforecast.forecast.with_recent_pace(schedule, "
                "feed) first (eeforecast.project, the scenario functions and the CLI do)"
            )
        return schedule.expand(start)
    rounds = list(schedule)
    if not all(isinstance(r, Round) for r in rounds):
        raise ParameterError("schedule: expected a Schedule or a list of Round objects")
    return rounds


def simulate(
    state: PoolState,
    schedule: Schedule | Iterable[Round],
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    thresholds: Sequence[int] = (),
    random_inflow: bool = True,
    random_sizes: bool = True,
    parameter_uncertainty: bool = True,
    executor: Executor | None = None,
    workers: int | None = None,
    chunk_paths: int = 500,
    engine: str = "auto",
) -> SimulationResult:
    """Simulate a schedule of rounds on a pool state.

    Parameters
    ----------
    state : PoolState
        The pool on the start day (``state.as_of``); rounds may not be earlier.
    schedule : Schedule or iterable of Round
        Rounds to hold, in date order (a :class:`Schedule` is expanded from ``state.as_of``).
    n_paths : int or None
        ``None`` (default): one deterministic expected path (expected inflow, expected round
        sizes, float64). An integer >= 1: Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness for Monte Carlo; converted once with :func:`numpy.random.default_rng`. Each
        block of ``chunk_paths`` paths gets its own stream (:meth:`numpy.random.SeedSequence.spawn`), so the
        result depends on ``rng``, ``n_paths`` and ``chunk_paths`` but not on ``executor``.
    thresholds : sequence of int
        Report the candidates left at or above these scores after each round (backlog)
        [CRS points].
    random_inflow, random_sizes : bool
        In Monte Carlo, draw the net inflow (per noise band, see Notes) and the invitation counts
        of rounds given as distributions. Off: expected values.
    parameter_uncertainty : bool
        In Monte Carlo, draw per path the model's parameters around their fitted values, with
        the sds of the state (``level_sd``, ``refill_sd``, ``nominee_shift_sd``,
        ``tilt_sd``; see Notes).
        Off: inflow noise and random sizes only (the other draws are unchanged). The
        deterministic path never uses it.
    executor : concurrent.futures.Executor or None
        Runs the blocks of paths (e.g. a ``ProcessPoolExecutor`` or a dask client's executor).
    workers : int or None
        Without an ``executor``: threads running the blocks of paths of the compiled back end
        (it releases the GIL); None uses every core, 1 runs them one after the other. The
        numpy back end always runs in the calling thread. The result does not depend on it.
    chunk_paths : int
        Paths per block [paths].
    engine : {"auto", "numba", "numpy"}
        ``numpy``: vectorised over paths (the readable specification); ``numba``: the same
        arithmetic compiled, one path at a time with every update fused into one pass per
        round (several times faster: see the benchmarks results page); ``auto``: numpy for the
        deterministic path (no compilation needed), numba for Monte Carlo when installed.
        Both give the same cutoffs.

    Returns
    -------
    SimulationResult
        Arrays of shape ``(n_paths, n_rounds)`` (``n_paths`` = 1 when deterministic).

    Notes
    -----
    State: candidates per score :math:`T(s)` and, per category :math:`X`, the eligible
    :math:`E_X(s) \\le T(s)`. A round of category :math:`X` inviting :math:`n` takes
    :math:`t(s) = E_X(s)` above the cutoff :math:`c = \\max\\{s: \\sum_{u \\ge s} E_X(u) \\ge n\\}`
    and the remainder at :math:`c` (ties broken by profile time, which is assumed independent of
    everything else). ``general`` rounds use :math:`E = T`. Then :math:`T \\leftarrow T - t`,
    :math:`E_X \\leftarrow E_X - t` and every other category loses
    :math:`E_Y(s)\\,t(s)/T(s)`: category memberships are assumed **conditionally independent
    given the score**, so the invited at a score are a representative sample of everybody there.

    Between rounds separated by :math:`\\Delta` days the net inflow at score :math:`s` is
    :math:`\\mu(s)\\Delta + \\sigma(s)\\sqrt{\\Delta}\\,z_b` (``state.inflow`` and ``inflow_sd``),
    with one standard normal :math:`z_b` per noise band :data:`NOISE_BANDS` and interval (scores
    of a band move together; bands and intervals are independent). Expiries are inside the net
    inflow, so :math:`T + \\text{net}` can go below zero: it is clipped at zero and the ledger
    records the positive part as ``inflow`` and what actually left as ``outflow``, so
    ``start + inflow - outflow - invited = pool`` holds exactly. Positive net inflow joins
    category :math:`X` with share ``state.inflow_eligible[X]`` (default: the stock's share at that
    score); negative net inflow removes the same share of every category. Then, with
    :math:`k_X` = ``state.conversion[X]`` [1/day], candidates already in the pool turn eligible
    (new language results, Canadian experience, arrivals replacing expired profiles):
    :math:`E_X \\leftarrow \\min(T, E_X + \\min(k_X \\Delta T, \\max(0, a_X T - E_X)))`, where
    the cap :math:`a_X = \\min(1, k_X\\,h)` with :math:`h` = ``state.horizon`` (profiles last
    :math:`h` days, so at most :math:`k_X h` of a score can have turned eligible). This is the
    refill that lets a category's rounds go on month after month at scores its earlier rounds
    emptied.

    **Parameter uncertainty.** The inflow noise alone gives intervals far narrower than the
    model's real error (it takes the fitted sub-pools and refill rates as exact). With
    ``parameter_uncertainty`` each Monte Carlo path first draws, independently, for every
    category :math:`X` in the schedule: a level multiplier :math:`e^{\\sigma_L u}` on its eligible
    stock (capped at :math:`T`), a refill multiplier :math:`e^{\\sigma_R v}` on its inflow share
    and conversion rate (capped at 1), and, for the nominees (601..1200), a multiplier
    :math:`e^{\\sigma_N v'}` on their expected net inflow and a shift of their scores by
    :math:`\\mathrm{round}(\\sigma_S w)` points (counts pushed past 601 or 1200 stay at the
    edge), with :math:`u, v, v', w` standard normal and the sds ``state.level_sd[X]``,
    ``state.refill_sd[X]``, ``state.refill_sd["pnp"]`` and ``state.nominee_shift_sd``
    (estimated by :func:`eeforecast.pool.fit_pool`, assumption 9). With ``state.tilt_sd`` > 0
    the shape of the starting pool inside 501-600 is also tilted: the candidates and eligible
    counts at score :math:`s` are multiplied by :math:`e^{\\sigma_B t (s - 550.5) / 100}`,
    rescaled so that the band's total is kept (:func:`eeforecast.pool.tilt_factors`; only
    the band's total is published), :math:`t` standard normal, drawn after the others. The
    multipliers have median 1, so the median path stays near the deterministic one; a level
    error acts once, on the stock just before the category's first round that is not a
    replayed past round (the stock the next round would find, where ``level_sd`` is
    estimated; a replayed round takes its actual size from the model as fitted), a refill
    error on every interval of the path. They are drawn from a third stream spawned per block, so switching them off leaves
    the other draws unchanged.

    Counts are expected values (fractional) in both modes; with integer pools, integer inflows
    and categories whose eligibility is 0 or 1 at each score they stay integers and the engine
    matches a per-candidate simulation exactly (see ``benchmarks/bench_simulate.py``).
    """
    start = as_day(state.as_of, "state.as_of")
    rounds = as_rounds(schedule, start)
    if not rounds:
        raise ParameterError("schedule: no rounds to simulate")
    eng, tracked = engine_input(state, rounds, thresholds)
    specs = tuple(r.invitations for r in rounds)
    expected = np.array([[s.expected() for s in specs]])
    if engine not in ("auto", "numba", "numpy"):
        raise ParameterError(f"engine: expected 'auto', 'numba' or 'numpy', got {engine!r}")
    if engine == "auto":  # numba pays off for many paths; one path is quick either way
        engine = "numpy" if n_paths is None or compiled_kernel() is None else "numba"
    elif engine == "numba" and compiled_kernel() is None:
        raise ParameterError("engine='numba' but numba is not installed")
    if n_paths is None:
        det = _run_paths(eng, expected, None, engine)
        return SimulationResult._build(
            rounds,
            det,
            start,
            deterministic=True,
            thresholds=eng.thresholds,
            invites_all=eng.invites_all,
        )
    n_paths = as_n_paths(n_paths)  # at most MAX_PATHS: refused with the memory it would take
    if not isinstance(chunk_paths, (int, np.integer)) or chunk_paths < 1:
        raise ParameterError(f"chunk_paths: expected a whole number >= 1, got {chunk_paths!r}")
    gen = as_generator(rng)
    root = np.random.SeedSequence(gen.integers(0, 2**63, size=4).tolist())
    sizes = [min(chunk_paths, n_paths - i) for i in range(0, int(n_paths), int(chunk_paths))]
    seeds = root.spawn(len(sizes))
    args = [
        (eng, specs, n, s, engine, random_inflow, random_sizes, bool(parameter_uncertainty))
        for n, s in zip(sizes, seeds, strict=True)
    ]
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ParameterError(f"workers: expected a whole number >= 1 or None, got {workers!r}")
    threads = (os.cpu_count() or 1) if workers is None else workers
    # a long run shows its progress (on a terminal only)
    bar = progress_bar(
        len(args),
        desc="Monte Carlo",
        unit="chunk",
        show=None if n_paths >= PROGRESS_PATHS else False,
    )
    if executor is None and engine == "numba" and threads > 1 and len(args) > 1:
        with ThreadPoolExecutor(min(threads, len(args))) as pool:
            parts = []
            for part in pool.map(lambda a: _chunk_task(*a), args):
                parts.append(part)
                bar.update(1)
    elif executor is None:
        parts = []
        for a in args:
            parts.append(_chunk_task(*a))
            bar.update(1)
    else:
        futures = [executor.submit(_chunk_task, *a) for a in args]
        parts = []
        for f in futures:
            parts.append(f.result())
            bar.update(1)
    bar.close()
    merged = {
        k: np.concatenate([p[k] for p in parts], axis=-2 if k == "above" else 0)
        for k in parts[0]
        if k != "start_pool"
    }
    merged["start_pool"] = np.concatenate([p["start_pool"] for p in parts])
    return SimulationResult._build(
        rounds,
        merged,
        start,
        deterministic=False,
        thresholds=eng.thresholds,
        invites_all=eng.invites_all,
    )
