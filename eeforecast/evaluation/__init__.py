"""Stage 5, evaluation: how wrong each model was on rounds it had not seen.

=====================  ===================================================================
``backtest``           :func:`cross_validation`: the rolling-origin backtest of the forecasts
``metrics``            :func:`summarize`, :func:`targets`, :func:`schedule_accuracy`
``conditional``        the next cutoff given the round's actual size, round by round
``multiround``         the actual rounds of the next months replayed from an origin
``results``            the docs' results pages and the README's headline table
=====================  ===================================================================

Each of ``backtest``, ``conditional`` and ``replay`` runs as ``python -m
eeforecast.evaluation.<name> [--write-results]`` (``make backtest``, ``make evaluate``, ``make
replay``).
"""

from .backtest import cross_validation
from .conditional import conditional_table, evaluate_conditional
from .metrics import schedule_accuracy, summarize, targets
from .multiround import evaluate_replay, replay, replay_summary

__all__ = [
    "conditional_table",
    "cross_validation",
    "evaluate_conditional",
    "evaluate_replay",
    "replay",
    "replay_summary",
    "schedule_accuracy",
    "summarize",
    "targets",
]
