"""Stage 5, evaluation: how wrong each model was on rounds it had not seen.

=====================  ===================================================================
``backtest``           :func:`cross_validation`: the rolling-origin backtest of the forecasts
``metrics``            :func:`summarize`, :func:`targets`, :func:`crps_table`, :func:`schedule_accuracy`
``odds_baselines``     the odds' historical outcome, score grids and simple forecasters
``odds_history``       :func:`odds_backtest`: a candidate's odds against what happened
``odds_page``          the odds backtest's results page
``conditional``        the next cutoff given the round's actual size, round by round
``multiround``         the actual rounds of the next months replayed from an origin
``results``            the docs' results pages and the README's headline table
=====================  ===================================================================

Each of ``backtest``, ``conditional``, ``multiround`` and ``odds_page`` runs as ``python -m
eeforecast.evaluation.<name> [--write-results]`` (``make backtest``, ``make evaluate``, ``make
replay``, ``make odds-backtest``).
"""

from .backtest import cross_validation
from .conditional import conditional_table, evaluate_conditional
from .metrics import crps_table, schedule_accuracy, summarize, targets
from .multiround import evaluate_replay, replay, replay_summary
from .odds_baselines import (
    FOCUS_DAYS,
    FOCUS_MARGIN,
    FOCUS_STEP,
    PAST_STEP_DAYS,
    PAST_YEARS,
    TAIL_LATTICE,
    anchor_odds,
    clim_odds,
    focus_grid,
    last_odds,
    odds_outcome,
    pnp_evt_odds,
    tail_grid,
)
from .odds_history import (
    AUTO_CANDIDATES,
    CALIBRATED,
    FORECASTERS,
    ODDS_CATEGORIES,
    odds_backtest,
    odds_summary,
    reliability,
)

__all__ = [
    "FOCUS_DAYS",
    "FOCUS_MARGIN",
    "FOCUS_STEP",
    "PAST_STEP_DAYS",
    "PAST_YEARS",
    "TAIL_LATTICE",
    "AUTO_CANDIDATES",
    "CALIBRATED",
    "FORECASTERS",
    "ODDS_CATEGORIES",
    "anchor_odds",
    "clim_odds",
    "focus_grid",
    "last_odds",
    "odds_outcome",
    "pnp_evt_odds",
    "tail_grid",
    "conditional_table",
    "crps_table",
    "cross_validation",
    "evaluate_conditional",
    "evaluate_replay",
    "odds_backtest",
    "odds_summary",
    "reliability",
    "replay",
    "replay_summary",
    "schedule_accuracy",
    "summarize",
    "targets",
]
