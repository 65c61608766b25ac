"""Figures of the pool: its score distribution, and its size and backlog over time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .style import (
    band_density,
    date_axis,
    empty_panel,
    finish,
    interval_band,
    legend,
    new_figure,
    style_axes,
    thousands,
    to_day,
)

__all__ = ["pool_backlog", "pool_distribution"]


def pool_distribution(
    panels: Sequence[tuple[pd.DataFrame, np.ndarray | None]],
    as_of=None,
    xlim: tuple[int, int] = (250, 650),
) -> Figure:
    """Figure 3: the pool's IRCC bands and the fitted 1-point density, one panel per snapshot.

    Parameters
    ----------
    panels : sequence of (snapshot, density)
        Each ``snapshot`` holds the 15 band rows (``as_of, band_lo, band_hi, candidates``);
        ``density`` is the fitted candidates at each score 0..1200, shape (1201,)
        [candidates/CRS point], or None to draw the bands only. Typically the latest snapshot and
        the one a year earlier.
    as_of : date-like, optional
        Printed in the footer.
    xlim : (int, int)
        Score range shown [CRS points]; bands outside it are summarised in the panel's corner.
    """
    fig = new_figure(11, 3.3 * max(len(panels), 1) + 1.2)
    axes = np.atleast_1d(fig.subplots(max(len(panels), 1), 1, sharex=True, sharey=True))
    for ax, (snapshot, density) in zip(axes, panels, strict=False):
        style_axes(ax)
        bands = band_density(snapshot)
        day = pd.Timestamp(snapshot["as_of"].iloc[0])
        ax.bar(
            bands["band_lo"] - 0.5,
            bands["per_point"],
            width=bands["width"],
            align="edge",
            color="#c6dbef",
            edgecolor="#6baed6",
            linewidth=0.6,
            label="IRCC bands (candidates / band width)",
        )
        if density is not None:
            scores = np.arange(len(density))
            ax.plot(scores, density, color="#08306b", lw=1.6, label="Fitted 1-point density")
        total = bands["candidates"].sum()
        above = bands.loc[bands["band_lo"] > 500, "candidates"].sum()
        outside = bands[
            (bands["band_hi"] < xlim[0])
            | (bands["band_lo"] > xlim[1])
            | (bands["band_lo"] < xlim[0])
            | (bands["band_hi"] > xlim[1])
        ]
        notes = [f"Snapshot {day:%Y-%m-%d}: {total:,.0f} candidates, {above:,.0f} above 500"]
        notes += [
            f"{int(r.band_lo)}\u2013{int(r.band_hi)}: {r.candidates:,.0f} (partly off scale)"
            for r in outside.itertuples()
        ]
        ax.text(
            0.995,
            0.97,
            "\n".join(notes),
            transform=ax.transAxes,
            ha="right",
            va="top",
            fontsize=8.5,
            bbox=dict(facecolor="white", edgecolor="#cccccc", alpha=0.9),
        )
        ax.set_ylabel("Candidates per CRS point\n[candidates/point]")
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        legend(ax, loc="upper left", fontsize=8.5, frameon=False)
    if not panels:
        empty_panel(axes[0], "no pool snapshot published")
    axes[-1].set_xlim(*xlim)
    axes[-1].set_xlabel("CRS score [points]")
    return finish(
        fig,
        "The pool of candidates by CRS score",
        "Read: how many candidates sit at each score; the cutoffs of the coming rounds fall where "
        "the pool thins out above ~500.",
        as_of,
    )


def pool_backlog(
    history: pd.DataFrame,
    projection: pd.DataFrame | None = None,
    as_of=None,
    threshold: int = 501,
) -> Figure:
    """Figure 4: pool total and candidates at or above ``threshold``, history and projection.

    Parameters
    ----------
    history : pandas.DataFrame
        ``as_of, pool, above`` per published snapshot [candidates] (see :func:`candidates_above`).
    projection : pandas.DataFrame, optional
        Projected backlog: ``date`` and for each quantity (``pool``, ``above``) its median and
        interval columns ``<quantity>_lo_<level>``, ``<quantity>_hi_<level>`` [candidates].
    as_of : date-like, optional
        Printed in the footer and marked on the time axis.
    threshold : int
        The backlog counts candidates with a score >= ``threshold`` [CRS points].
    """
    fig = new_figure(11, 7.0)
    axes = fig.subplots(2, 1, sharex=True)
    specs = (
        ("pool", "Pool total", "#08519c"),
        ("above", f"Candidates at or above {threshold}", "#a50f15"),
    )
    for ax, (qty, name, col) in zip(axes, specs, strict=True):
        style_axes(ax)
        if not history.empty:
            ax.plot(
                history["as_of"],
                history[qty],
                color=col,
                lw=1.6,
                marker="o",
                ms=2.5,
                label="Published snapshots",
            )
        if projection is not None and qty in projection:
            x = projection["date"]
            interval_band(ax, x, projection, qty, col)
            ax.plot(x, projection[qty], color=col, lw=1.6, ls="--", label="Projection (median)")
        if as_of is not None:
            ax.axvline(to_day(as_of), color="#777777", lw=0.8, ls=":")
        ax.set_ylabel(f"{name}\n[candidates]")
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        legend(ax, loc="upper left", fontsize=8.5, frameon=False, ncols=2)
        if history.empty and projection is None:
            empty_panel(ax, "no pool snapshot published")
    if projection is None:
        axes[0].text(
            0.99,
            0.04,
            "no projection available",
            transform=axes[0].transAxes,
            ha="right",
            fontsize=8.5,
            color="#777777",
        )
    date_axis(axes[1])
    axes[1].set_xlabel("Date")
    return finish(
        fig,
        f"Pool size and backlog at or above {threshold} CRS points",
        (
            f"Read: whether the backlog at or above {threshold} shrinks at the forecast pace of rounds; "
            "the shaded bands are the projection's 80% and 95% intervals."
            if projection is not None
            else f"Read: how the pool and the backlog at or above {threshold} moved between IRCC's "
            "published snapshots."
        ),
        as_of,
    )
