"""Figures of policy scenarios: a grid's heat map and one scenario's fan chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..errors import ParameterError
from .style import (
    colour,
    date_axis,
    finish,
    interval_band,
    label,
    legend,
    new_figure,
    short_label,
    style_axes,
    thousands,
)

__all__ = ["scenario_fan", "scenario_heatmap"]

_KEY_LABELS = {
    "scenario_size": "Round size [invitations]",
    "scenario_cadence": "Cadence",
    "scenario": "Scenario",
    "category": "Category",
}


def _value_text(value: str) -> tuple[str, str]:
    """What a frame column means and its unit."""
    if value == "cutoff":
        return "Median cutoff", "CRS points"
    if value == "pool":
        return "Candidates in the pool", "candidates"
    if value.startswith("above_"):
        return f"Candidates at or above {value[6:]}", "candidates"
    raise ParameterError(f"value: expected cutoff, pool or above_<T>, got {value!r}")


def _cell(row: pd.Series, value: str) -> str:
    v = row[value]
    if pd.isna(v):
        return "n/a"
    big = not value.startswith("cutoff")
    text = f"{v / 1000:,.1f}k" if big else f"{v:.0f}"
    lo, hi = f"{value}_lo_80", f"{value}_hi_80"
    if lo in row and not pd.isna(row[lo]):
        bounds = (
            f"{row[lo] / 1000:,.0f}\u2013{row[hi] / 1000:,.0f}k"
            if big
            else f"{row[lo]:.0f}\u2013{row[hi]:.0f}"
        )
        text += f"\n{bounds}"
    return text


def scenario_heatmap(
    table: pd.DataFrame,
    value: str = "cutoff",
    *,
    rows: str = "scenario_size",
    cols: str | None = "scenario_cadence",
    panels: str | None = None,
    as_of=None,
    n_paths: int | None = None,
) -> Figure:
    """A scenario grid's result over two keys: one cell per scenario, coloured by ``value``.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per cell with the columns ``rows``, ``cols`` (and ``panels``), ``value`` and,
        if present, ``<value>_lo_80``/``<value>_hi_80`` (printed under the median), e.g.
        :meth:`eeforecast.scenarios.GridResult.last_rounds` or ``pool_at``.
    value : str
        ``cutoff`` [CRS points], ``pool`` or ``above_<T>`` [candidates].
    rows, cols : str
        Key columns on the vertical and horizontal axes (``cols=None``: one column); rows are
        sorted, columns keep their order of appearance.
    panels : str, optional
        A key column with one panel per value (e.g. ``scenario_category``).
    as_of : date-like, optional
        Printed in the footer.
    n_paths : int, optional
        Paths per scenario, said in the caption [paths].
    """
    what, unit = _value_text(value)
    if table.empty:
        raise ParameterError("table: no scenario to draw")
    groups = list(table.groupby(panels, sort=False)) if panels else [(None, table)]
    fig = new_figure(min(5.4 + 3.4 * len(groups), 14), 4.6)
    axes = np.atleast_1d(fig.subplots(1, len(groups), squeeze=False)).ravel()
    for ax, (panel, grp) in zip(axes, groups, strict=True):
        grp = grp.assign(_col="" if cols is None else grp[cols].astype(str))
        row_keys = sorted(grp[rows].unique(), key=lambda v: (isinstance(v, str), v))
        col_keys = list(dict.fromkeys(grp["_col"]))
        grid = np.full((len(row_keys), len(col_keys)), np.nan)
        text = [["" for _ in col_keys] for _ in row_keys]
        for _, r in grp.iterrows():
            i, j = row_keys.index(r[rows]), col_keys.index(r["_col"])
            grid[i, j] = np.nan if pd.isna(r[value]) else float(r[value])
            text[i][j] = _cell(r, value)
        image = ax.imshow(grid, aspect="auto", cmap="viridis", origin="lower")
        finite = grid[np.isfinite(grid)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0
        for i in range(len(row_keys)):
            for j in range(len(col_keys)):
                ax.text(
                    j, i, text[i][j], ha="center", va="center", fontsize=7.5,
                    color="white" if np.isfinite(grid[i, j]) and grid[i, j] < middle else "black",
                )  # fmt: skip
        ax.set_xticks(range(len(col_keys)), col_keys, fontsize=8)
        names = [f"{v:,}" if isinstance(v, int | np.integer) else str(v) for v in row_keys]
        ax.set_yticks(range(len(row_keys)), names, fontsize=8)
        ax.set_xlabel(_KEY_LABELS.get(cols, cols or ""))
        ax.set_ylabel(_KEY_LABELS.get(rows, rows))
        if panel is not None:
            ax.set_title(label(str(panel)), fontsize=10, loc="left")
        bar = fig.colorbar(image, ax=ax, shrink=0.85)
        bar.set_label(f"{what} [{unit}]")
        if unit == "candidates":
            bar.formatter = FuncFormatter(thousands)
            bar.update_ticks()
    paths = f"{n_paths:,} paths (the same draws in every cell)" if n_paths else "the expected path"
    where = "the category's last round" if value == "cutoff" else "the last round"
    return finish(
        fig,
        f"Scenario grid: {what.lower()} after {where}",
        f"Read: one scenario per cell; median over {paths}; 80% interval below.",
        as_of,
    )


def scenario_fan(
    frame: pd.DataFrame,
    *,
    threshold: int | None = 500,
    as_of=None,
    title: str = "Scenario",
) -> Figure:
    """Fan chart of one scenario: each category's cutoffs round by round, and the backlog.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows of one scenario: ``date, category, cutoff`` with ``cutoff_lo_<L>/_hi_<L>``
        [CRS points], ``above_<T>`` with its intervals [candidates] and, optionally,
        ``filled`` (drawn dashed: the category keeps its recent pace).
    threshold : int or None
        The backlog panel's ``above_<T>`` (None or untracked: the pool).
    as_of : date-like, optional
        Printed in the footer.
    title : str
        The figure's title.
    """
    if frame.empty:
        raise ParameterError("frame: the scenario has no round")
    fig = new_figure(11.5, 4.6)
    left, right = fig.subplots(1, 2, width_ratios=(1.5, 1))
    for ax in (left, right):
        style_axes(ax)
    filled = frame["filled"] if "filled" in frame else pd.Series(False, index=frame.index)
    for cat, grp in frame.groupby("category", sort=False):
        col = colour(cat)
        recent = bool(filled.loc[grp.index].all())
        interval_band(left, grp["date"], grp, "cutoff", col, levels=(80,))
        left.plot(
            grp["date"],
            grp["cutoff"],
            color=col,
            ls="--" if recent else "-",
            marker="o",
            ms=3,
            lw=1.3,
            label=short_label(cat) + (" (recent pace)" if recent else ""),
        )
    lowest = frame["cutoff"].min()
    if pd.notna(lowest) and lowest > 100:  # a band down to 0: a sub-pool ran dry on some paths
        left.set_ylim(bottom=float(lowest) - 100)
    left.set_ylabel("Cutoff [CRS points]")
    left.set_title("Cutoff of each round (median and 80% band)", fontsize=10, loc="left")
    date_axis(left)
    handles, names = left.get_legend_handles_labels()
    keep = [i for i, n in enumerate(names) if "interval" not in n]
    left.legend([handles[i] for i in keep], [names[i] for i in keep], fontsize=8, frameon=False)
    name = f"above_{threshold}" if threshold is not None else "pool"
    if name not in frame:
        name = "pool"
    what, _ = _value_text(name)
    order = frame.sort_values("date", kind="stable")
    interval_band(right, order["date"], order, name, "#4d4d4d")
    right.plot(order["date"], order[name], color="#4d4d4d", lw=1.4, label="median")
    right.yaxis.set_major_formatter(FuncFormatter(thousands))
    right.set_ylabel(f"{what} [candidates]")
    right.set_title(f"{what}, after each round", fontsize=10, loc="left")
    date_axis(right)
    legend(right, fontsize=8, frameon=False)
    return finish(
        fig,
        title,
        "Read: each category's cutoffs and the backlog under the scenario; bands: intervals over "
        "the paths (a cutoff band cut at the bottom: a sub-pool ran dry on some paths).",
        as_of,
    )
