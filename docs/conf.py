"""Sphinx configuration of the eeforecast documentation.

Build with ``make docs`` (warnings are errors, every cross-reference checked). Nothing is fetched
at build time: there is no intersphinx, and the CLI reference is rendered from the parser by the
local extension in ``_ext/``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(ROOT))

import eeforecast  # noqa: E402

# -- Project -------------------------------------------------------------------------------------

project = "eeforecast"
copyright = "eeforecast developers"
version = eeforecast.__version__
release = eeforecast.__version__

# -- General -------------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "argparse_cli",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]
nitpicky = True

# MyST: fenced directives, definition lists, and header anchors for in-page links.
myst_enable_extensions = ["colon_fence", "deflist", "dollarmath"]
myst_heading_anchors = 3

# -- API reference ---------------------------------------------------------------------------------

# A stage page is ``.. automodule:: eeforecast.<stage>`` with ``:members:``: autodoc documents the
# names of the module's ``__all__`` (re-exported names included), so the pages follow the stages'
# public surface, not their internal files. ``:members:`` is written on each page, not set here,
# so that the package page (``api/index``) shows the package docstring alone.
autodoc_default_options = {
    "member-order": "bysource",
    "show-inheritance": True,
}
# Types are written in the numpydoc Parameters sections, with units; signatures stay readable.
autodoc_typehints = "none"
autodoc_preserve_defaults = True

# Class members are documented by autodoc's :members:, not by numpydoc's autosummary tables.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Types in Parameters sections stay plain text: without intersphinx (no network), links to
# numpy, pandas or the standard library could not resolve.
numpydoc_xref_param_type = False

# Without intersphinx, references to other projects' objects cannot resolve. They are ignored by
# package name only; every reference to eeforecast's own objects is still checked.
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|pandas|pd|matplotlib|scipy|statsmodels|numba|tqdm)(\..*)?"),
    (
        r"py:.*",
        r"(concurrent|argparse|datetime|pathlib|os|warnings|collections|typing|urllib)(\..*)?",
    ),
]

# Docstring references that cannot resolve as the docstrings stand: each names a constant or
# function that is not in its module's ``__all__`` (so it has no API entry), or is malformed.
# Listed one by one so that any new broken reference still fails the build; an entry can go
# as soon as its docstring is fixed (written as ``NAME`` instead of a role, or the name made
# public).
nitpick_ignore = [
    ("py:data", "ACTIVE_DAYS"),  # forecast.cutoff_by_size
    ("py:data", "DEFAULT_GAP_DAYS"),  # forecast.History
    ("py:data", "DEFAULT_NOMINEE_SHAPE"),  # pool.density_from_bands
    ("py:data", "K_SIZES"),  # odds.simulate_cutoff_paths
    ("py:data", "MIN_CATEGORY_ROUNDS"),  # pool.PoolModel.thin, pool.ThinPoolWarning
    ("py:data", "eeforecast.pool.MIN_CATEGORY_ROUNDS"),  # odds.CutoffPaths
    ("py:data", "MIN_GAPS"),  # forecast.forecast_schedule, forecast.schedule_category
    ("py:data", "MIN_GAP_DAYS"),  # forecast.forecast_schedule, forecast.schedule_category
    ("py:data", "MIN_PACE_DAYS"),  # forecast.gap_days
    ("py:data", "RAW_COLUMNS"),  # backtest.raw_backtest
    ("py:data", "SCHEDULE_COLUMNS"),  # forecast.calibrate
    ("py:data", "SCORES"),  # pool.take_top (in __all__, but without a doc comment)
    ("py:data", "eeforecast.feed.BANDS"),  # forecast.History (in __all__, no doc comment)
    ("py:attr", "Feed.issues"),  # feed module docstring: a numpydoc Attributes entry has no target
    ("py:func", "raw_forecasts"),  # forecast.Combination, forecast.calibrate
    ("py:class", "ParameterError"),  # simulate.Round.make: unqualified, not documented in simulate
    ("py:meth", "SeedSequence.spawn"),  # simulate.simulate, simulate.run_scenarios (numpy's)
    # report.backtest_views: the role's target is split by a line break
    ("py:func", "eeforecast.backtest.\ncross_validation"),
]


# Two docstrings end a list without the blank line reST needs before the next paragraph. Until
# they are fixed, the blank line is added here, for these two objects and these lines only.
_MISSING_BLANK_LINE = {
    "eeforecast.pool.density_from_bands": "Each score's count is the integral",
    "eeforecast.pool.fit_pool": "Everything uses only rounds and snapshots dated",
}


def _add_missing_blank_line(app, what, name, obj, options, lines):
    start = _MISSING_BLANK_LINE.get(name)
    if start is None:
        return
    for i, line in enumerate(lines):
        if i and line.strip().startswith(start) and lines[i - 1].strip():
            lines.insert(i, "")
            return


# numpydoc turns the section headers of function and class docstrings into rubrics but leaves
# module docstrings as they are, where a header such as "Examples" would become a section of
# the page (and of the table of contents). Module docstrings get the same rubrics here.
_HEADER_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


def _module_headers_as_rubrics(app, what, name, obj, options, lines):
    if what != "module":
        return
    for i in range(len(lines) - 1):
        title = lines[i].strip()
        if (
            title
            and _HEADER_UNDERLINE.match(lines[i + 1])
            and len(lines[i + 1].strip()) >= len(title)
        ):
            lines[i], lines[i + 1] = f".. rubric:: {title}", ""


def setup(app):
    app.connect("autodoc-process-docstring", _add_missing_blank_line, priority=600)
    app.connect("autodoc-process-docstring", _module_headers_as_rubrics, priority=600)


# -- HTML ----------------------------------------------------------------------------------------

html_theme = "furo"
html_title = f"eeforecast {release}"
html_show_sourcelink = False
html_copy_source = False
