"""Figures of the past: cutoff history, invitations by period, records."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

from .style import (
    category_order,
    colour,
    date_axis,
    empty_panel,
    finish,
    new_figure,
    records_frame,
    short_label,
    style_axes,
    thousands,
    to_day,
)

__all__ = ["cutoff_history", "invitations_by_period", "records"]


def _sizes(invitations: np.ndarray) -> np.ndarray:
    """Marker areas [pt^2] growing with the square root of invitations (area ~ size)."""
    return 6 + 110 * np.sqrt(np.asarray(invitations, dtype=float) / 5000.0)


def cutoff_history(rounds: pd.DataFrame, as_of=None, recent_years: int = 3) -> Figure:
    """Figure 1: every round's cutoff by category, sized by invitations, recent years emphasised.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds (``date, category, invitations, cutoff``).
    as_of : date-like, optional
        Printed in the footer; also the end of the emphasised window (default: last round).
    recent_years : int
        Rounds in the last ``recent_years`` years are drawn opaque, older ones faded [years].
    """
    fig = new_figure(11, 7.4)
    axes = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.6))
    end = to_day(as_of) or (rounds["date"].max() if len(rounds) else pd.Timestamp("2025-01-01"))
    start_recent = end - pd.DateOffset(years=recent_years)
    panels = (
        (axes[0], rounds["category"] == "pnp", "PNP rounds (600 nomination points included)"),
        (axes[1], rounds["category"] != "pnp", "All other rounds"),
    )
    cats_seen: list[str] = []
    for ax, mask, name in panels:
        style_axes(ax)
        sub = rounds[mask]
        for cat in category_order(sub["category"].unique()):
            part = sub[sub["category"] == cat]
            old = part[part["date"] < start_recent]
            new = part[part["date"] >= start_recent]
            kw = dict(color=colour(cat), edgecolors="white", linewidths=0.4)
            if len(old):
                ax.scatter(
                    old["date"], old["cutoff"], s=_sizes(old["invitations"]), alpha=0.28, **kw
                )
            if len(new):
                ax.scatter(
                    new["date"], new["cutoff"], s=_sizes(new["invitations"]), alpha=0.9, **kw
                )
            if cat not in cats_seen:
                cats_seen.append(cat)
        ax.axvspan(start_recent, end, color="#fff5d6", zorder=0)
        ax.set_ylabel("Cutoff [CRS points]")
        ax.set_title(name, fontsize=10, loc="left")
        if sub.empty:
            empty_panel(ax, "no rounds")
    axes[1].text(
        start_recent,
        1.0,
        f" last {recent_years} years",
        transform=axes[1].get_xaxis_transform(),
        va="top",
        fontsize=8.5,
        color="#8a6d00",
    )
    date_axis(axes[1])
    axes[1].set_xlabel("Round date")
    handles = [
        Line2D([], [], marker="o", ls="", color=colour(c), markersize=7, label=short_label(c))
        for c in category_order(cats_seen)
    ]
    sizes = [500, 2000, 7000]
    handles += [Line2D([], [], ls="", label=" ")]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#999999",
            markersize=np.sqrt(_sizes([n])[0]),
            label=f"{n:,} invited",
        )
        for n in sizes
    ]
    fig.legend(
        handles=handles,
        loc="outside right center",
        frameon=False,
        fontsize=8.5,
        title="Category / size",
        title_fontsize=9,
    )
    return finish(
        fig,
        "Cutoff scores of every Express Entry round",
        "Read: where each category's cutoff sits now (shaded) against its past; larger points invited more.",
        as_of,
    )


def invitations_by_period(rounds: pd.DataFrame, as_of=None, months: int = 48) -> Figure:
    """Figure 2: invitations per month (last ``months`` months) and per year, stacked by category.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds (``date, category, invitations``).
    as_of : date-like, optional
        Printed in the footer; the current year is marked "to date".
    months : int
        How many months the monthly panel shows [months].
    """
    fig = new_figure(11, 7.6)
    ax_m, ax_y = fig.subplots(2, 1, height_ratios=(1, 1))
    for ax in (ax_m, ax_y):
        style_axes(ax)
    if rounds.empty:
        empty_panel(ax_m, "no rounds")
        empty_panel(ax_y, "no rounds")
        return finish(fig, "Invitations issued", "No rounds in the feed.", as_of)
    cats = category_order(rounds["category"].unique())
    month = rounds["date"].dt.to_period("M")
    monthly = rounds.assign(month=month).pivot_table(
        index="month", columns="category", values="invitations", aggfunc="sum", fill_value=0
    )
    last = month.max()
    full = pd.period_range(last - months + 1, last, freq="M")
    monthly = monthly.reindex(full, fill_value=0).reindex(columns=cats, fill_value=0)
    x = full.to_timestamp()
    bottom = np.zeros(len(full))
    for cat in cats:
        vals = monthly[cat].to_numpy(dtype=float)
        if vals.sum() == 0:
            continue
        ax_m.bar(
            x,
            vals,
            bottom=bottom,
            width=25,
            align="edge",
            color=colour(cat),
            label=short_label(cat),
        )
        bottom += vals
    date_axis(ax_m)
    ax_m.set_ylim(
        0, max(bottom.max(), 1.0) * 1.06
    )  # headroom: the tallest bar must not touch the frame
    ax_m.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax_m.set_ylabel("Invitations per month\n[candidates]")
    ax_m.set_title(f"Per month, last {months} months", fontsize=10, loc="left")

    yearly = (
        rounds.assign(year=rounds["date"].dt.year)
        .pivot_table(
            index="year", columns="category", values="invitations", aggfunc="sum", fill_value=0
        )
        .reindex(columns=cats, fill_value=0)
    )
    years = yearly.index.to_numpy()
    bottom = np.zeros(len(years))
    for cat in cats:
        vals = yearly[cat].to_numpy(dtype=float)
        ax_y.bar(years, vals, bottom=bottom, width=0.75, color=colour(cat))
        bottom += vals
    end = to_day(as_of) or rounds["date"].max()
    for yr, total in zip(years, bottom, strict=True):
        partial = yr == end.year and not (end.month == 12 and end.day == 31)
        text = f"{total / 1000:.0f}k" + (" (to date)" if partial else "")
        ax_y.text(yr, total, text, ha="center", va="bottom", fontsize=8)
    ax_y.set_ylim(0, bottom.max() * 1.12)
    ax_y.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=len(years) + 1))
    ax_y.yaxis.set_major_formatter(FuncFormatter(thousands))
    ax_y.set_ylabel("Invitations per year\n[candidates]")
    ax_y.set_xlabel("Year")
    ax_y.set_title("Per year (annual totals above the bars)", fontsize=10, loc="left")
    handles = [
        Line2D([], [], marker="s", ls="", color=colour(c), markersize=8, label=short_label(c))
        for c in cats
    ]
    fig.legend(
        handles=handles,
        loc="outside right center",
        frameon=False,
        fontsize=8.5,
        title="Category",
        title_fontsize=9,
    )
    return finish(
        fig,
        "Invitations to apply issued, by category",
        "Read: how many invitations each category received per month and year; the mix moved to "
        "category rounds from 2023.",
        as_of,
    )


def records(rounds: pd.DataFrame, as_of=None, top: int = 10) -> Figure:
    """Figure 8: the largest rounds ever, each category's largest round and its cutoff range.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds (``draw_number, date, category, invitations, cutoff``).
    as_of : date-like, optional
        Printed in the footer.
    top : int
        How many of the largest rounds to list [rounds].
    """
    fig = new_figure(12, 8.6)
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.1))
    ax_top = fig.add_subplot(grid[0, 0])
    ax_cat = fig.add_subplot(grid[0, 1])
    ax_cut = fig.add_subplot(grid[1, :])
    for ax in (ax_top, ax_cat, ax_cut):
        style_axes(ax)
    if rounds.empty:
        for ax in (ax_top, ax_cat, ax_cut):
            empty_panel(ax, "no rounds")
        return finish(fig, "Records", "No rounds in the feed.", as_of)
    big = rounds.sort_values(["invitations", "date"], ascending=[False, True], kind="stable").head(
        top
    )
    y = np.arange(len(big))[::-1]
    ax_top.barh(y, big["invitations"], color=[colour(c) for c in big["category"]])
    ax_top.set_yticks(
        y,
        [
            f"{short_label(r.category)}  #{r.draw_number}  {r.date:%Y-%m-%d}"
            for r in big.itertuples()
        ],
        fontsize=8.5,
    )
    for yy, n in zip(y, big["invitations"], strict=True):
        ax_top.text(n, yy, f" {n:,}", va="center", fontsize=8)
    ax_top.set_xlim(0, big["invitations"].max() * 1.18)
    ax_top.xaxis.set_major_formatter(FuncFormatter(thousands))
    ax_top.set_xlabel("Invitations [candidates]")
    ax_top.set_ylabel("Round (category, number, date)")
    tied = int((rounds["invitations"] == big["invitations"].iloc[-1]).sum()) - int(
        (big["invitations"] == big["invitations"].iloc[-1]).sum()
    )
    title = f"The {len(big)} largest rounds"
    if tied:  # say so rather than hide a tie at the cut (the earliest tied rounds are shown)
        title += f" (and {tied} more of {big['invitations'].iloc[-1]:,}, not shown)"
    ax_top.set_title(title, fontsize=10, loc="left")

    rec = records_frame(rounds)
    y = np.arange(len(rec))[::-1]
    ax_cat.barh(y, rec["largest"], color=[colour(c) for c in rec["category"]])
    ax_cat.set_yticks(y, [short_label(c) for c in rec["category"]], fontsize=8.5)
    for yy, r in zip(y, rec.itertuples(), strict=True):
        ax_cat.text(
            r.largest,
            yy,
            f" {r.largest:,} (#{r.largest_round}, {r.largest_date:%Y-%m-%d})",
            va="center",
            fontsize=7.5,
        )
    ax_cat.set_xscale("log")
    ax_cat.set_xlim(rec["largest"].min() / 1.5, rec["largest"].max() * 12)
    ax_cat.xaxis.set_major_locator(LogLocator(base=10, numticks=8))
    ax_cat.xaxis.set_minor_locator(NullLocator())
    ax_cat.xaxis.set_major_formatter(FuncFormatter(thousands))
    ax_cat.set_xlabel("Invitations [candidates, log scale]")
    ax_cat.set_ylabel("Category")
    ax_cat.set_title("Largest round of each category", fontsize=10, loc="left")

    x = np.arange(len(rec))
    for xx, r in zip(x, rec.itertuples(), strict=True):
        col = colour(r.category)
        ax_cut.vlines(xx, r.lowest_cutoff, r.highest_cutoff, color=col, lw=3, alpha=0.6)
        ax_cut.plot([xx, xx], [r.lowest_cutoff, r.highest_cutoff], ls="", marker="o", color=col)
        if r.lowest_cutoff == r.highest_cutoff:
            ax_cut.annotate(
                f"{r.highest_cutoff}  #{r.highest_round}\n{r.highest_date:%Y-%m-%d}",
                (xx, r.highest_cutoff),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
            )
            continue
        ax_cut.annotate(
            f"{r.lowest_cutoff}  #{r.lowest_round}\n{r.lowest_date:%Y-%m-%d}",
            (xx, r.lowest_cutoff),
            xytext=(0, -6),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7,
        )
        ax_cut.annotate(
            f"{r.highest_cutoff}  #{r.highest_round}\n{r.highest_date:%Y-%m-%d}",
            (xx, r.highest_cutoff),
            xytext=(0, 6),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax_cut.set_xticks(
        x,
        [
            f"{short_label(c)}\n({n} round{'s' * (n != 1)})"
            for c, n in zip(rec["category"], rec["rounds"], strict=True)
        ],
        fontsize=8,
    )
    lo, hi = rec["lowest_cutoff"].min(), rec["highest_cutoff"].max()
    ax_cut.set_ylim(lo - 0.16 * (hi - lo), hi + 0.16 * (hi - lo))
    ax_cut.set_xlim(-0.6, len(rec) - 0.4)
    ax_cut.set_ylabel("Cutoff [CRS points]")
    ax_cut.set_xlabel("Category (rounds held)")
    ax_cut.set_title(
        "Lowest and highest cutoff of each category (round number and date)",
        fontsize=10,
        loc="left",
    )
    return finish(
        fig,
        "Records: largest rounds and extreme cutoffs",
        "Read: check \u201crecord\u201d claims here first: each bar and label names the round that "
        "holds the record.",
        as_of,
    )
