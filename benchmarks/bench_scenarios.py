"""Benchmark of scenario grids: throughput of scenarios x paths x rounds, and how it scales.

The pool is the integer benchmark pool of ``bench_simulate.py`` (250,000 candidates shaped like
the 2025-12-15 snapshot) with inflow noise and parameter uncertainty; a scenario is its 52-round
schedule (PNP, CEC and French/healthcare/general weekly) cut to R rounds, each scenario with
another CEC size. :func:`eeforecast.simulate.run_scenarios` runs S scenarios of P paths.

Measured:

* time against each dimension on one process (S, P and R doubled twice from 2 x 500 x 13; the
  elasticity, the log-log slope, is 1 for linear growth);
* the base grid (8 scenarios x 1,000 paths x 52 rounds) on one process and one thread, then
  with a thread per core over the blocks of paths (``simulate``'s default), on 1 and 2 worker
  processes (``ProcessPoolExecutor``) and on a dask ``LocalCluster`` of 2 worker processes
  (when the distributed extra is installed), with the speed-up over the single thread
  (``reference_s``); workers are started and warmed up (numba compiled) before timing.

Every run gives the same cutoffs as the single process (checked here).
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from bench_simulate import bench_rounds, bench_state  # noqa: E402

from eeforecast.simulate import Invitations, run_scenarios  # noqa: E402

BASE = (8, 1000, 52)  # scenarios, paths, rounds of the worker comparison
SMALL = (2, 500, 13)  # the start of each dimension's doubling


def scenarios(n: int, n_rounds: int) -> dict[str, list]:
    """``n`` schedules of ``n_rounds`` rounds differing by their CEC size (3,000 + 250 i)."""
    rounds = bench_rounds(random_sizes=True)[:n_rounds]
    out = {}
    for i in range(n):
        cec = Invitations.parse({"dist": "normal", "mean": 3000 + 250 * i, "sd": 400})
        out[f"cec+{250 * i}"] = [
            replace(r, invitations=cec) if r.category == "cec" else r for r in rounds
        ]
    return out


def timed(state, n_scen, n_paths, n_rounds, executor=None, repeat=2, workers=1):
    """Best wall time of ``repeat`` runs [s] and the last results; ``workers``: threads per
    scenario for its blocks of paths (1 on an executor's workers)."""
    grid = scenarios(n_scen, n_rounds)
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = run_scenarios(
            grid, state=state, n_paths=n_paths, rng=1, executor=executor, workers=workers
        )
        best = min(best, time.perf_counter() - t0)
    return best, out


def report(name: str, measured: float, **extra) -> None:
    print("BENCH " + json.dumps({"name": name, "measured_s": measured, **extra}), flush=True)


def same(a: dict, b: dict) -> bool:
    return all(np.array_equal(a[k].cutoff, b[k].cutoff) for k in a)


def main() -> int:
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} "
        "(best of 2 runs; other load slows them)"
    )
    state = bench_state(inflow_sd=30.0, uncertain=True)
    timed(state, 1, 10, 13, repeat=1)  # compile numba in this process
    print("\ntime against each dimension, one process (elasticity 1 = linear):")
    for dim, label in enumerate(("scenarios", "paths", "rounds")):
        sizes, times = [], []
        for factor in (1, 2, 4):
            shape = list(SMALL)
            shape[dim] *= factor
            seconds, _ = timed(state, *shape)
            sizes.append(shape[dim])
            times.append(seconds)
            cells = shape[0] * shape[1] * shape[2]
            print(
                f"  {label:<9} {shape[dim]:>5}: {seconds:6.2f} s  "
                f"({cells / seconds / 1e3:,.0f}k path-rounds/s)"
            )
        slope = float(np.polyfit(np.log(sizes), np.log(times), 1)[0])
        print(f"  {label}: elasticity {slope:.2f} (x4 work -> x{times[-1] / times[0]:.2f} time)")
        report(
            f"scenarios: {label} x4 ({sizes[0]} -> {sizes[-1]}), elasticity {slope:.2f}",
            times[-1],
            reference_s=4 * times[0],
        )

    s, p, r = BASE
    work = f"{s} scenarios x {p:,} paths x {r} rounds"
    single, ref = timed(state, *BASE)
    print(f"\n{work}: one process {single:.2f} s ({s * p * r / single / 1e3:,.0f}k path-rounds/s)")
    report(f"scenarios: {work}, 1 process", single)
    seconds, out = timed(state, *BASE, workers=None)
    print(
        f"{work}: one process, a thread per core over blocks of paths {seconds:.2f} s, "
        f"{single / seconds:.2f}x one thread, same cutoffs: {same(ref, out)}"
    )
    report(f"scenarios: {work}, 1 process, threads", seconds, reference_s=single)
    for workers in (1, 2):
        with ProcessPoolExecutor(workers) as ex:
            timed(state, workers, 10, 13, executor=ex, repeat=1)  # start and warm the workers
            seconds, out = timed(state, *BASE, executor=ex)
        print(
            f"{work}: {workers} worker process(es) {seconds:.2f} s, "
            f"{single / seconds:.2f}x one process, same cutoffs: {same(ref, out)}"
        )
        report(f"scenarios: {work}, {workers} worker process(es)", seconds, reference_s=single)
    try:
        from dask.distributed import Client, LocalCluster  # optional: the distributed extra
    except ImportError:
        print("dask.distributed not installed: pip install eeforecast[distributed]")
        return 0
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        ex = client.get_executor()
        timed(state, 2, 10, 13, executor=ex, repeat=1)
        seconds, out = timed(state, *BASE, executor=ex)
    print(
        f"{work}: dask LocalCluster, 2 worker processes {seconds:.2f} s, "
        f"{single / seconds:.2f}x one process, same cutoffs: {same(ref, out)}"
    )
    report(f"scenarios: {work}, dask LocalCluster 2 workers", seconds, reference_s=single)
    return 0


if __name__ == "__main__":
    sys.exit(main())
