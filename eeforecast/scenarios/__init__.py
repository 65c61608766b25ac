"""Stage 5, scenarios: policy questions asked of the simulated pool.

What if IRCC held these rounds, which round size brings a cutoff to a target, how do cutoffs and
the backlog respond across a grid of sizes and cadences? The schedules themselves (calendar
cadences, budgets, the recent-pace fill) are in ``eeforecast.simulate`` and
:func:`eeforecast.forecast.with_recent_pace`; a scenario's odds and backlog are
:func:`eeforecast.projection.project` with ``schedule=``.

=====================  ===================================================================
``grid``               :func:`scenario_grid`, :func:`run_grid`, :class:`GridResult`
``inverse``            :func:`size_for_cutoff`: the round size that reaches a target cutoff
=====================  ===================================================================
"""

from .grid import KEYS, MAX_CELLS, GridResult, ScenarioGrid, run_grid, scenario_grid
from .inverse import size_for_cutoff

__all__ = [
    "KEYS",
    "MAX_CELLS",
    "GridResult",
    "ScenarioGrid",
    "run_grid",
    "scenario_grid",
    "size_for_cutoff",
]
