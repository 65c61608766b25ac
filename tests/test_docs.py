"""The documentation site builds with warnings as errors, and its generated pages are there."""

from __future__ import annotations

import argparse
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

from eeforecast.cli import build_parser

DOCS = Path(__file__).resolve().parent.parent / "docs"

#: One API page per stage, as listed in docs/api/index.rst.
STAGE_PAGES = (
    "data",
    "pool",
    "simulate",
    "forecast",
    "evaluation",
    "scenarios",
    "projection",
    "odds",
    "backlog",
    "crs",
    "plots",
    "report",
    "config",
)

#: A public name each stage page must document (the id ends with it, whatever the module path).
DOCUMENTED = {
    "data": "load_feed",
    "pool": "fit_pool",
    "simulate": "conditional_cutoff",
    "forecast": "forecast_schedule",
    "evaluation": "cross_validation",
    "scenarios": "size_for_cutoff",
    "projection": "project",
    "odds": "odds",
    "backlog": "backlog",
    "crs": "score",
    "plots": "cutoff_history",
    "report": "build_report",
    "config": "EEForecastError",
}

METHODS = (
    "feed",
    "pool",
    "engine",
    "forecast",
    "calibration",
    "odds",
    "scenarios",
    "evaluation",
    "crs",
)


def subcommands() -> list[str]:
    """The names of the ``eeforecast`` subcommands, from the parser."""
    return [
        name
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
        for name in action.choices
    ]


def test_conf_fetches_nothing():
    """No intersphinx: the build needs no network."""
    conf = runpy.run_path(str(DOCS / "conf.py"))
    assert "sphinx.ext.intersphinx" not in conf["extensions"]
    assert not conf.get("intersphinx_mapping")


@pytest.mark.slow
def test_docs_build_strict(tmp_path):
    """``make docs``'s build (warnings as errors, every reference checked) succeeds and writes the
    key pages: one API page per stage documenting its public names, the CLI reference with every
    subcommand, the methods pages, the results index and the changelog. One build serves every
    check (a test per page would build once per xdist worker)."""
    out = tmp_path / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
           "-d", str(tmp_path / "doctrees"), str(DOCS), str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"sphinx-build failed:\n{done.stderr[-5000:]}"

    for page in ("index", "installation", "cli", "data", "report", "changelog", "results/index"):
        assert (out / f"{page}.html").is_file(), page
    for page in METHODS:
        assert (out / "methods" / f"{page}.html").is_file(), page
    assert "Unreleased" in (out / "changelog.html").read_text(encoding="utf-8")

    for stage in STAGE_PAGES:
        html = (out / "api" / f"{stage}.html").read_text(encoding="utf-8")
        name = DOCUMENTED[stage]
        assert re.search(rf'id="eeforecast(\.\w+)*\.{name}"', html), f"api/{stage}: no {name}"

    cli = (out / "cli.html").read_text(encoding="utf-8")
    names = subcommands()
    assert len(names) >= 10
    for name in names:
        assert f'id="cli-eeforecast-{name}"' in cli, name
    assert "--as-of" in cli
