"""eeforecast: Canada's Express Entry pool as a CRS score distribution.

The pipeline runs one way, one module a stage::

    feed (read IRCC's rounds feed) -> pool (score distribution, shares, flows)
    -> simulate (rounds of invitations) -> forecast / backtest -> odds -> plots / report

The entry points below are imported lazily, so ``import eeforecast`` stays quick. Each stage's
module keeps its own name (``eeforecast.simulate``, ``eeforecast.forecast``, ``eeforecast.odds`` are
modules: call ``eeforecast.forecast.forecast(...)``, ``eeforecast.odds.odds(...)``).

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
    "load_feed": "feed",
    "Feed": "feed",
    "fit_pool": "pool",
    "PoolModel": "pool",
    "PoolState": "pool",
    "simulate_feed": "simulate",
    "conditional_cutoff": "simulate",
    "cutoff_by_size": "forecast",
    "Schedule": "simulate",
    "forecast_schedule": "forecast",
    "backlog": "forecast",
    "cross_validation": "backtest",
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
