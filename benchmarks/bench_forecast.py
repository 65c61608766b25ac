"""Timings of the forecast and the rolling-origin backtest against their targets.

* one :func:`eeforecast.forecast.forecast` call for every active category (default models, the
  two-year calibration backtest inside it): target "seconds", taken as 15 s;
* one pool fit (:func:`eeforecast.pool.fit_pool`, after a warm-up fit): target 1 s;
* the full 2023-2025 backtest (:func:`eeforecast.evaluation.cross_validation`, horizon 3, default
  models, up to 2 processes): target 60 s.

Run ``python benchmarks/bench_forecast.py`` (or ``make bench``). Prints ``BENCH {json}`` lines for
``benchmarks/run.py`` and a readable line per measurement with the measured/target ratio.
"""

from __future__ import annotations

import json
import time
import warnings


def _bench(name: str, target_s: float, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"{name}: {took:.1f} s (target {target_s:.0f} s, measured/target {took / target_s:.2f})")
    print("BENCH " + json.dumps({"name": name, "measured_s": took, "target_s": target_s}))
    return took


def main() -> int:
    from eeforecast.data import load_feed
    from eeforecast.evaluation import cross_validation
    from eeforecast.forecast import active_categories, forecast
    from eeforecast.pool import fit_pool

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the bundled feed's known subtotal quirk
        feed = load_feed()
    cats = active_categories(feed)
    fit_pool(feed, as_of="2025-01-01")  # warm-up: imports and first-call costs
    _bench(
        "one pool fit (fit_pool, as of 2025-10-01)", 1.0, lambda: fit_pool(feed, as_of="2025-10-01")
    )
    _bench(
        f"forecast, {len(cats)} active categories, horizon 3",
        15.0,
        lambda: forecast(feed, horizon=3, n_jobs=2, progress=False),
    )
    _bench(
        "backtest 2023-2025, horizon 3, default models, 2 processes",
        60.0,
        lambda: cross_validation(feed, start="2023-01-01", horizon=3, n_jobs=2, progress=False),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
