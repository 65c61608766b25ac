"""The results pages of the documentation, written by the commands that measure them.

Each evaluation command (``make backtest``, ``make evaluate``, ``make replay``, ``make bench``)
writes its page into ``docs/results/<name>.md`` and its summary table into
``docs/results/data/<name>.csv``; :func:`write_headline` then rebuilds the README's one headline
table from those summaries. Nothing in these pages is typed by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import config
from ..files import atomic_write

__all__ = ["RESULTS_DIR", "read_summary", "write_headline", "write_page", "write_summary"]

#: Where the generated results pages live.
RESULTS_DIR = config.ROOT / "docs" / "results"

_HEADLINE = re.compile(r"(<!-- results:headline -->\n).*?(<!-- /results -->)", re.DOTALL)


def write_page(name: str, markdown: str) -> Path:
    """Write ``docs/results/<name>.md`` atomically and return its path."""
    return atomic_write(RESULTS_DIR / f"{name}.md", markdown.rstrip("\n") + "\n")


def write_summary(name: str, table: pd.DataFrame) -> Path:
    """Write a summary table as ``docs/results/data/<name>.csv`` (read by the headline)."""
    text = table.to_csv(index=False, lineterminator="\n", float_format="%.6g")
    return atomic_write(RESULTS_DIR / "data" / f"{name}.csv", text)


def read_summary(name: str) -> pd.DataFrame | None:
    """A summary table written by :func:`write_summary`, or None if it was never written."""
    path = RESULTS_DIR / "data" / f"{name}.csv"
    return pd.read_csv(path) if path.is_file() else None


def headline_table() -> str:
    """The README's headline table (Markdown) from the backtest and conditional summaries."""
    backtest = read_summary("backtest")
    conditional = read_summary("conditional")
    if backtest is None and conditional is None:
        return "No results have been measured yet: run `make backtest` and `make evaluate`.\n"
    cats: list[str] = []
    for table in (conditional, backtest):
        if table is not None:
            cats += [c for c in table["category"] if c not in cats]
    rows = [
        "| category | next cutoff, size known: model / naive | rounds "
        "| next cutoff, size unknown: auto / naive | rounds | 80% interval coverage |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for cat in cats:
        cells = [cat]
        c = conditional[conditional["category"] == cat] if conditional is not None else None
        if c is not None and len(c):
            r = c.iloc[0]
            cells += [f"{r['model_mae']:.1f} / {r['naive_mae']:.1f}", f"{int(r['rounds'])}"]
        else:
            cells += ["-", "-"]
        b = backtest[backtest["category"] == cat] if backtest is not None else None
        if b is not None and len(b):
            r = b.iloc[0]
            cells += [
                f"{r['mae']:.1f} / {r['mae_naive']:.1f}",
                f"{int(r['n'])}",
                f"{r['coverage_80']:.0%}" if pd.notna(r.get("coverage_80")) else "-",
            ]
        else:
            cells += ["-", "-", "-"]
        rows.append("| " + " | ".join(cells) + " |")
    return (
        "Mean absolute error of the next round's cutoff [CRS points], out of sample: each round "
        "predicted from the data published before it, against naive (the category's previous "
        "cutoff). *Size known*: the pool engine told the round's actual size (`make evaluate`); "
        "*size unknown*: the forecast chosen by the backtest (`make backtest`), which IRCC's "
        "unpublished round size limits. Details in the docs' results pages.\n\n"
        + "\n".join(rows)
        + "\n"
    )


def write_headline(readme: Path | None = None) -> Path | None:
    """Rewrite the README's ``<!-- results:headline -->`` block from the summaries; returns the
    README's path, or None when it has no such block."""
    path = Path(readme) if readme is not None else config.ROOT / "README.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if not _HEADLINE.search(text):
        return None
    new = _HEADLINE.sub(lambda m: m.group(1) + headline_table() + m.group(2), text)
    return atomic_write(path, new) if new != text else path
