"""Stage 3, simulate: rounds of invitations on the pool's score distribution.

A round is ``(date, category, invitations)``: it invites the top ``invitations`` candidates eligible
for the category, from the highest CRS score down, and only part of the candidates at the lowest
score reached (the cutoff), as IRCC breaks ties there by profile submission time. Between rounds the
pool receives its net inflow (new profiles and nominations, less expiries).

=====================  ===================================================================
:mod:`.schedule`       :class:`Invitations`, :class:`Round`, :class:`Rule`, :class:`Schedule`
:mod:`.inputs`         a pool state and rounds validated into the engine's arrays
:mod:`.engine`         the numpy specification of the engine, on arrays over scores
:mod:`.kernel`         the same arithmetic compiled with numba
:mod:`.run`            :func:`simulate`: one expected path or Monte Carlo paths on a state
:mod:`.result`         :class:`SimulationResult`: arrays, tidy frames, summary, plot
:mod:`.from_feed`      :func:`simulate_feed`, :func:`conditional_cutoff`, :func:`cutoff_by_size`
:mod:`.scenarios`      :func:`run_scenarios`: many schedules over an executor
=====================  ===================================================================
"""

from .engine import NOISE_BANDS
from .from_feed import (
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
from .schedule import Invitations, Round, Rule, Schedule, parse_draw

__all__ = [
    "MAX_TAKE",
    "NOISE_BANDS",
    "SIZE_QUANTILES",
    "Invitations",
    "Round",
    "Rule",
    "Schedule",
    "SimulationResult",
    "Start",
    "conditional_cutoff",
    "cutoff_by_size",
    "parse_draw",
    "prepare",
    "replayed_rounds",
    "run_scenarios",
    "simulate",
    "simulate_feed",
    "start_from",
]
