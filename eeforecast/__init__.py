"""eeforecast: Canada's Express Entry pool as a CRS score distribution.

The pipeline runs one way, one subpackage a stage; each stage only calls the stages before it::

    data (read IRCC's rounds feed) -> pool (score distribution, sub-pools, flows)
    -> simulate (rounds of invitations) -> forecast (next rounds)
    -> scenarios (grids of policy schedules, inverse questions)
    -> projection (the forecast schedule, or a scenario's, simulated) -> odds, backlog
    -> evaluation (backtests of the forecasts, the cutoffs and the odds) -> plots -> report

Beside it, ``crs`` scores a candidate's profile with the CRS grid of a day, and ``profile_odds``
turns a profile into odds through the same projection.

A handful of entry points are exported here, imported lazily so that ``import eeforecast`` stays
quick; everything else lives in its stage (``eeforecast.pool.fit_pool``,
``eeforecast.simulate.conditional_cutoff``, ``eeforecast.forecast.forecast``,
``eeforecast.odds.odds`` ...).

Examples
--------
>>> import eeforecast as ee
>>> feed = ee.load_feed(as_of="2024-03-26")
>>> int(feed.rounds["cutoff"].iloc[-1])
388
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS = {
    "load_feed": "data",
    "Feed": "data",
    "fit_pool": "pool",
    "PoolConfig": "pool",
    "PoolModel": "pool",
    "PoolState": "pool",
    "Schedule": "simulate",
    "simulate_feed": "simulate",
    "conditional_cutoff": "simulate",
    "cutoff_by_size": "simulate",
    "forecast_schedule": "forecast",
    "cross_validation": "evaluation",
    "project": "projection",
    "build_report": "report",
    "EEForecastError": "errors",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        module = importlib.import_module(f".{_EXPORTS[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'eeforecast' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
