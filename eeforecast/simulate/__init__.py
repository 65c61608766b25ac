"""Stage 3, simulate: rounds of invitations on the pool's score distribution.

A round is ``(date, category, invitations)``: it invites the top ``invitations`` candidates eligible
for the category, from the highest CRS score down, and only part of the candidates at the lowest
score reached (the cutoff), as IRCC breaks ties there by profile submission time. Between rounds the
pool receives its net inflow (new profiles and nominations, less expiries).

=====================  ===================================================================
``calendar``           :class:`Cadence` (round days by calendar), Canada's federal holidays
``rounds``             :class:`Invitations`, :class:`Round`, :func:`parse_draw`
``schedule``           :class:`Rule`, :class:`Budget`, :class:`Schedule`
``inputs``             a pool state and rounds validated into the engine's arrays
``engine``             the numpy specification of the engine, on arrays over scores
``kernel``             the same arithmetic compiled with numba
``run``                :func:`simulate`: one expected path or Monte Carlo paths on a state
``result``             :class:`SimulationResult`: arrays, tidy frames, summary, plot
``from_feed``          :func:`simulate_feed`, :func:`conditional_cutoff`, :func:`cutoff_by_size`
``scenarios``          :func:`run_scenarios`: many schedules over an executor
``calibration``        replays of past rounds and the intervals calibrated on them
=====================  ===================================================================
"""

from .calendar import Cadence, federal_holidays
from .engine import NOISE_BANDS
from .from_feed import (
    ACTIVE_DAYS,
    MAX_TAKE,
    SIZE_QUANTILES,
    Start,
    conditional_cutoff,
    cutoff_by_size,
    prepare,
    replayed_rounds,
    simulate_feed,
    start_from,
)
from .result import SimulationResult
from .run import simulate
from .scenarios import run_scenarios
from .schedule import (
    MAX_ROUND_SIZE,
    Budget,
    Invitations,
    Round,
    Rule,
    Schedule,
    ScheduleWarning,
    parse_draw,
)

__all__ = [
    "ACTIVE_DAYS",
    "MAX_ROUND_SIZE",
    "MAX_TAKE",
    "NOISE_BANDS",
    "SIZE_QUANTILES",
    "Budget",
    "Cadence",
    "Invitations",
    "Round",
    "Rule",
    "Schedule",
    "ScheduleWarning",
    "SimulationResult",
    "Start",
    "conditional_cutoff",
    "cutoff_by_size",
    "federal_holidays",
    "parse_draw",
    "prepare",
    "replayed_rounds",
    "run_scenarios",
    "simulate",
    "simulate_feed",
    "start_from",
]
