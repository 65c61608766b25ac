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

nitpick_ignore = [
    ("py:meth", "numpy.random.SeedSequence.spawn"),  # numpy's, without intersphinx
]


# A stage package re-exports names defined in its modules, but autodoc reads the ``#:`` comment
# of a constant from the module being documented. The stage packages borrow the comments of the
# names they re-export, so that ``eeforecast.forecast.DEFAULT_MODELS`` is documented with the
# comment written beside its definition in ``eeforecast/forecast/catalogue.py``.
def _borrow_attr_docs():
    import importlib
    import pkgutil

    from sphinx.pycode import ModuleAnalyzer

    original = ModuleAnalyzer.analyze

    def analyze(self):
        original(self)
        if not self.modname.startswith("eeforecast"):
            return
        module = importlib.import_module(self.modname)
        if not hasattr(module, "__path__"):
            return
        exported = set(getattr(module, "__all__", ()))
        for sub in pkgutil.iter_modules(module.__path__):
            if sub.name.startswith("_"):  # __main__ would run the command line
                continue
            sub_docs = ModuleAnalyzer.for_module(f"{self.modname}.{sub.name}").find_attr_docs()
            for (scope, name), text in sub_docs.items():
                if scope == "" and name in exported:
                    self.attr_docs.setdefault(("", name), text)
                    self.tagorder.setdefault(name, len(self.tagorder))

    ModuleAnalyzer.analyze = analyze


_borrow_attr_docs()


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
    app.connect("autodoc-process-docstring", _module_headers_as_rubrics, priority=600)


# -- HTML ----------------------------------------------------------------------------------------

html_theme = "furo"
html_title = f"eeforecast {release}"
html_show_sourcelink = False
html_copy_source = False
