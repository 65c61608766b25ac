"""The report: the whole pipeline, written as ``forecast.html`` with its figures.

=====================  ===================================================================
``pipeline``           :class:`Settings`, :class:`Report`, :func:`run` (computes, writes nothing)
``tables``             the summary, the pool's trend, the backtest views
``html``               the HTML template; figures as deterministic PNG/SVG bytes
``output``             :func:`write`, :func:`build_report` (``eeforecast report``, ``make forecast``)
=====================  ===================================================================

The HTML is self-contained (figures embedded as PNG) and links each figure's PNG and SVG beside
it. Every number in the summary table comes from the same objects the figures are drawn from. The
same seed gives byte-identical files.
"""

from .html import FIGURES, figure_bytes, render_html
from .output import build_report, write
from .pipeline import ODDS_SPANS, Report, Settings, run
from .tables import backtest_views, pool_trend, summary_table

__all__ = [
    "FIGURES",
    "ODDS_SPANS",
    "Report",
    "Settings",
    "backtest_views",
    "build_report",
    "figure_bytes",
    "pool_trend",
    "render_html",
    "run",
    "summary_table",
    "write",
]
