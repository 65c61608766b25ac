"""Figures: one pure function per figure, each returning a :class:`matplotlib.figure.Figure`.

Every function takes tidy frames or arrays (the objects the pipeline produces), draws on a new
figure and returns it; nothing is read or written and pyplot's global state is not touched, so a
notebook can show them and a script can save them.

=====================  ===================================================================
``style``              colours, labels, the figure frame and the shared tidy helpers
``history``            cutoff history, invitations by period, records
``pool``               the pool's score distribution; its size and backlog over time
``forecast``           forecast fan charts, the backtest, a candidate's odds
``crs``                CRS profiles: a change of rules, a candidate's score and odds over time
``scenarios``          a scenario grid's heat map, one scenario's fan chart
=====================  ===================================================================
"""

from .crs import odds_path, rules_change
from .forecast import backtest_summary, forecast_fans, odds_curves
from .history import cutoff_history, invitations_by_period, records
from .pool import pool_backlog, pool_distribution
from .scenarios import scenario_fan, scenario_heatmap
from .style import (
    MODEL_COLOURS,
    PALETTE,
    SOURCE,
    band_density,
    candidates_above,
    category_order,
    colour,
    label,
    main_categories,
    records_frame,
    short_label,
)

__all__ = [
    "MODEL_COLOURS",
    "PALETTE",
    "SOURCE",
    "backtest_summary",
    "band_density",
    "candidates_above",
    "category_order",
    "colour",
    "cutoff_history",
    "forecast_fans",
    "invitations_by_period",
    "label",
    "main_categories",
    "odds_curves",
    "odds_path",
    "pool_backlog",
    "pool_distribution",
    "records",
    "records_frame",
    "rules_change",
    "scenario_fan",
    "scenario_heatmap",
    "short_label",
]
