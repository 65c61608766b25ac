"""Figures of the report: one function per figure, each returning a :class:`matplotlib.figure.Figure`.

Every function is pure: it takes tidy frames or arrays (the objects the pipeline produces), draws on a
new figure and returns it; nothing is read or written and pyplot's global state is not touched (the
figures are built with :class:`~matplotlib.figure.Figure` directly, so a notebook can show them and a
script can save them). Each figure carries a title, labelled axes with units, a one-line caption saying
what to read from it and a footer with the data source and the as-of date.

Categories are drawn in the same colour everywhere (:data:`PALETTE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import (
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullLocator,
    PercentFormatter,
)

from .categories import _VERSION_TAGS, CATEGORIES, LABELS

#: Attribution printed in every figure's footer.
SOURCE = "Source: IRCC Express Entry rounds, Open Government Licence \u2013 Canada"

#: One colour per category slug, used by every figure.
PALETTE: dict[str, str] = {
    "general": "#4d4d4d",
    "cec": "#1f77b4",
    "pnp": "#d62728",
    "fsw": "#393b79",
    "fst": "#a0522d",
    "french": "#9467bd",
    "healthcare": "#2ca02c",
    "stem": "#17becf",
    "trades": "#ff7f0e",
    "transport": "#e377c2",
    "agriculture": "#6b8e23",
    "education": "#b8860b",
}
_EXTRA_COLOURS = ("#8c6d31", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d")

#: Colours of forecast models (naive is always grey and dashed).
MODEL_COLOURS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#393b79",
)

#: Horizons drawn in the odds figure, with their line styles.
_HORIZON_STYLES = ("-", "--", ":", "-.")

_CAPTION_H = 0.62  # inches reserved at the bottom for the caption and the footer


def colour(category: str) -> str:
    """The colour of a category slug (a stable fallback colour for slugs not in :data:`PALETTE`)."""
    if category in PALETTE:
        return PALETTE[category]
    return _EXTRA_COLOURS[sum(map(ord, category)) % len(_EXTRA_COLOURS)]


#: IRCC's version tags ("(Version 1)", "(2023-1)", ", 2026-Version 3"), in any case.
_NAME_TAGS = re.compile(_VERSION_TAGS.pattern, re.IGNORECASE)


def label(category: str, name: str | None = None) -> str:
    """Display name of a category slug.

    Parameters
    ----------
    category : str
        Category slug.
    name : str, optional
        IRCC's round name for the category (the feed's ``name`` column); used for a category
        that is not in :data:`eeforecast.categories.LABELS` (one derived from a new round type).

    Notes
    -----
    A new category keeps its words as IRCC wrote them: version tags such as "(Version 1)" are
    dropped and only the first letter is capitalised, nothing is lower-cased ("Senior managers
    with Canadian work experience"). Without ``name`` the slug's words are used.

    Examples
    --------
    >>> label("cec")
    'Canadian Experience Class'
    >>> label("senior-managers", "Senior managers with Canadian work experience (Version 1)")
    'Senior managers with Canadian work experience'
    >>> label("senior-managers")
    'Senior managers'
    """
    if category in LABELS:
        return LABELS[category]
    if name:
        text = _NAME_TAGS.sub(" ", str(name))
    else:
        text = category.replace("-", " ")
    text = " ".join(text.split()).strip(" ,;:-")
    return text[:1].upper() + text[1:]


def short_label(category: str, name: str | None = None) -> str:
    """A short display name (acronym for program rounds) for crowded legends (``name``: as in
    :func:`label`)."""
    short = {
        "general": "General",
        "cec": "CEC",
        "pnp": "PNP",
        "fsw": "FSW",
        "fst": "FST",
        "french": "French",
        "healthcare": "Healthcare",
        "stem": "STEM",
        "trades": "Trades",
        "transport": "Transport",
        "agriculture": "Agriculture",
        "education": "Education",
    }
    return short.get(category, label(category, name).split(" (")[0])


def category_order(categories: Iterable[str]) -> list[str]:
    """Categories in display order: known slugs first (as in CATEGORIES), then others sorted."""
    present = set(categories)
    known = [c for c in CATEGORIES if c in present]
    return known + sorted(present - set(known))


def _day(value) -> pd.Timestamp | None:
    if value is None:
        return None
    return pd.Timestamp(value).normalize()


def _as_of_text(as_of) -> str:
    day = _day(as_of)
    return f"data as of {day:%Y-%m-%d}" if day is not None else "data as of the latest round"


def _thousands(x, _pos=None) -> str:
    return f"{x:,.0f}"


def _new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    fig.get_layout_engine().set(rect=(0, _CAPTION_H / height, 1, 1 - _CAPTION_H / height))
    return fig


def _finish(fig: Figure, title: str, caption: str, as_of) -> Figure:
    """Add the title, the one-line caption and the source/as-of footer to ``fig``."""
    height = fig.get_figheight()
    fig.suptitle(title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    fig.text(
        0.01, 0.36 / height + 0.0, caption, fontsize=9.5, style="italic", ha="left", va="bottom"
    )
    fig.text(
        0.01,
        0.08 / height,
        f"{SOURCE}  \u00b7  {_as_of_text(as_of)}",
        fontsize=8,
        color="#555555",
        ha="left",
        va="bottom",
    )
    fig.text(0.99, 0.08 / height, "eeforecast", fontsize=8, color="#555555", ha="right")
    return fig


def _style(ax) -> None:
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _legend(ax, **kwargs) -> None:
    """A legend, only when something on ``ax`` carries a label."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def _empty(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


# --- tidy helpers the figures (and the report's tables) share --------------------------------


def main_categories(
    rounds: pd.DataFrame, as_of=None, k: int = 4, window_days: int = 365
) -> list[str]:
    """The ``k`` categories with the most rounds in the ``window_days`` before ``as_of``.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds (``date``, ``category``).
    as_of : date-like, optional
        End of the window (default: the last round's date).
    k : int
        How many categories at most.
    window_days : int
        Length of the window [days].

    Returns
    -------
    list of str
        Category slugs, most rounds first (ties in display order).
    """
    if rounds.empty:
        return []
    end = _day(as_of) or rounds["date"].max()
    recent = rounds[
        (rounds["date"] > end - pd.Timedelta(days=window_days)) & (rounds["date"] <= end)
    ]
    counts = recent["category"].value_counts()
    order = {c: i for i, c in enumerate(category_order(counts.index))}
    ranked = sorted(counts.index, key=lambda c: (-counts[c], order[c]))
    return ranked[:k]


def band_density(snapshot: pd.DataFrame) -> pd.DataFrame:
    """Candidates per CRS point in each band of a snapshot (the staircase IRCC's bands imply).

    Parameters
    ----------
    snapshot : pandas.DataFrame
        The 15 rows of one snapshot: ``band_lo, band_hi, candidates``.

    Returns
    -------
    pandas.DataFrame
        ``band_lo, band_hi, candidates, width`` [CRS points] and ``per_point``
        [candidates/CRS point].
    """
    out = snapshot[["band_lo", "band_hi", "candidates"]].copy()
    out["width"] = out["band_hi"] - out["band_lo"] + 1
    out["per_point"] = out["candidates"] / out["width"]
    return out.reset_index(drop=True)


def candidates_above(snapshots: pd.DataFrame, threshold: int = 500) -> pd.DataFrame:
    """Per snapshot: the pool total and the candidates in bands above ``threshold``.

    ``threshold`` must be a band edge (500 or 600: IRCC's bands start at 501 and 601).

    Returns
    -------
    pandas.DataFrame
        ``as_of, pool, above`` [candidates].
    """
    edges = set(snapshots["band_lo"].unique()) if not snapshots.empty else {threshold + 1}
    if threshold + 1 not in edges:
        raise ValueError(
            f"threshold={threshold}: not an IRCC band edge (bands start at {sorted(edges)})"
        )
    grouped = snapshots.groupby("as_of", sort=True)
    pool = grouped["candidates"].sum()
    above = snapshots[snapshots["band_lo"] > threshold].groupby("as_of")["candidates"].sum()
    return pd.DataFrame(
        {
            "as_of": pool.index,
            "pool": pool.to_numpy(),
            "above": above.reindex(pool.index, fill_value=0).to_numpy(),
        }
    )


def records_frame(rounds: pd.DataFrame) -> pd.DataFrame:
    """Per category: its largest round and its lowest and highest cutoffs, with the rounds' numbers.

    Returns
    -------
    pandas.DataFrame
        One row per category (display order): ``category, rounds, largest`` [candidates],
        ``largest_round, largest_date, lowest_cutoff`` [CRS points], ``lowest_round, lowest_date,
        highest_cutoff`` [CRS points], ``highest_round, highest_date``. Ties go to the earliest
        round (the one that set the record).
    """
    rows = []
    for cat in category_order(rounds["category"].unique()):
        sub = rounds[rounds["category"] == cat].sort_values(["date", "draw_number"], kind="stable")
        big = sub.loc[sub["invitations"].idxmax()]
        low = sub.loc[sub["cutoff"].idxmin()]
        high = sub.loc[sub["cutoff"].idxmax()]
        rows.append(
            {
                "category": cat,
                "rounds": len(sub),
                "largest": int(big["invitations"]),
                "largest_round": big["draw_number"],
                "largest_date": big["date"],
                "lowest_cutoff": int(low["cutoff"]),
                "lowest_round": low["draw_number"],
                "lowest_date": low["date"],
                "highest_cutoff": int(high["cutoff"]),
                "highest_round": high["draw_number"],
                "highest_date": high["date"],
            }
        )
    return pd.DataFrame(rows)


# --- 1. cutoff history ---------------------------------------------------------------------------


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
    fig = _new_figure(11, 7.4)
    axes = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.6))
    end = _day(as_of) or (rounds["date"].max() if len(rounds) else pd.Timestamp("2025-01-01"))
    start_recent = end - pd.DateOffset(years=recent_years)
    panels = (
        (axes[0], rounds["category"] == "pnp", "PNP rounds (600 nomination points included)"),
        (axes[1], rounds["category"] != "pnp", "All other rounds"),
    )
    cats_seen: list[str] = []
    for ax, mask, name in panels:
        _style(ax)
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
            _empty(ax, "no rounds")
    axes[1].text(
        start_recent,
        1.0,
        f" last {recent_years} years",
        transform=axes[1].get_xaxis_transform(),
        va="top",
        fontsize=8.5,
        color="#8a6d00",
    )
    _date_axis(axes[1])
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
    return _finish(
        fig,
        "Cutoff scores of every Express Entry round",
        "Read: where each category's cutoff sits now (shaded) against its past; larger points invited more.",
        as_of,
    )


# --- 2. invitations per month and year --------------------------------------------------------


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
    fig = _new_figure(11, 7.6)
    ax_m, ax_y = fig.subplots(2, 1, height_ratios=(1, 1))
    for ax in (ax_m, ax_y):
        _style(ax)
    if rounds.empty:
        _empty(ax_m, "no rounds")
        _empty(ax_y, "no rounds")
        return _finish(fig, "Invitations issued", "No rounds in the feed.", as_of)
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
    _date_axis(ax_m)
    ax_m.set_ylim(
        0, max(bottom.max(), 1.0) * 1.06
    )  # headroom: the tallest bar must not touch the frame
    ax_m.yaxis.set_major_formatter(FuncFormatter(_thousands))
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
    end = _day(as_of) or rounds["date"].max()
    for yr, total in zip(years, bottom, strict=True):
        partial = yr == end.year and not (end.month == 12 and end.day == 31)
        text = f"{total / 1000:.0f}k" + (" (to date)" if partial else "")
        ax_y.text(yr, total, text, ha="center", va="bottom", fontsize=8)
    ax_y.set_ylim(0, bottom.max() * 1.12)
    ax_y.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=len(years) + 1))
    ax_y.yaxis.set_major_formatter(FuncFormatter(_thousands))
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
    return _finish(
        fig,
        "Invitations to apply issued, by category",
        "Read: how many invitations each category received per month and year; the mix moved to "
        "category rounds from 2023.",
        as_of,
    )


# --- 3. the pool as a score distribution -------------------------------------------------------


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
    fig = _new_figure(11, 3.3 * max(len(panels), 1) + 1.2)
    axes = np.atleast_1d(fig.subplots(max(len(panels), 1), 1, sharex=True, sharey=True))
    for ax, (snapshot, density) in zip(axes, panels, strict=False):
        _style(ax)
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
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        _legend(ax, loc="upper left", fontsize=8.5, frameon=False)
    if not panels:
        _empty(axes[0], "no pool snapshot published")
    axes[-1].set_xlim(*xlim)
    axes[-1].set_xlabel("CRS score [points]")
    return _finish(
        fig,
        "The pool of candidates by CRS score",
        "Read: how many candidates sit at each score; the cutoffs of the coming rounds fall where "
        "the pool thins out above ~500.",
        as_of,
    )


# --- 4. pool total and backlog -------------------------------------------------------------------


def _band(ax, x, frame: pd.DataFrame, quantity: str, colour_: str, levels=(95, 80)) -> None:
    for level in levels:
        lo, hi = f"{quantity}_lo_{level}", f"{quantity}_hi_{level}"
        if lo in frame and hi in frame:
            alpha = 0.15 if level >= 90 else 0.3
            ax.fill_between(
                x,
                frame[lo],
                frame[hi],
                color=colour_,
                alpha=alpha,
                lw=0,
                label=f"{level}% interval",
            )


def pool_backlog(
    history: pd.DataFrame,
    projection: pd.DataFrame | None = None,
    as_of=None,
    threshold: int = 500,
) -> Figure:
    """Figure 4: pool total and candidates above ``threshold``, history and projection.

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
        Score the backlog counts candidates above [CRS points].
    """
    fig = _new_figure(11, 7.0)
    axes = fig.subplots(2, 1, sharex=True)
    specs = (
        ("pool", "Pool total", "#08519c"),
        ("above", f"Candidates above {threshold}", "#a50f15"),
    )
    for ax, (qty, name, col) in zip(axes, specs, strict=True):
        _style(ax)
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
            _band(ax, x, projection, qty, col)
            ax.plot(x, projection[qty], color=col, lw=1.6, ls="--", label="Projection (median)")
        if as_of is not None:
            ax.axvline(_day(as_of), color="#777777", lw=0.8, ls=":")
        ax.set_ylabel(f"{name}\n[candidates]")
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        _legend(ax, loc="upper left", fontsize=8.5, frameon=False, ncols=2)
        if history.empty and projection is None:
            _empty(ax, "no pool snapshot published")
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
    _date_axis(axes[1])
    axes[1].set_xlabel("Date")
    return _finish(
        fig,
        f"Pool size and backlog above {threshold} CRS points",
        (
            f"Read: whether the backlog above {threshold} shrinks at the forecast pace of rounds; "
            "the shaded bands are the projection's 80% and 95% intervals."
            if projection is not None
            else f"Read: how the pool and the backlog above {threshold} moved between IRCC's "
            "published snapshots."
        ),
        as_of,
    )


# --- 5. forecast fan charts ------------------------------------------------------------------------


def forecast_fans(
    rounds: pd.DataFrame,
    forecast: pd.DataFrame,
    categories: Sequence[str] | None = None,
    as_of=None,
    history: int = 12,
) -> Figure:
    """Figure 5: fan charts of the next rounds' cutoffs for the main active categories.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds (the history drawn before the fan).
    forecast : pandas.DataFrame
        ``category, step, date, cutoff`` and interval columns ``cutoff_lo_<level>``,
        ``cutoff_hi_<level>`` [CRS points]; optionally ``model``.
    categories : sequence of str, optional
        Panels to draw (default: the categories in ``forecast``, at most 4, by
        :func:`main_categories`).
    as_of : date-like, optional
        Printed in the footer.
    history : int
        Past rounds drawn per category [rounds].
    """
    if categories is None:
        ranked = main_categories(rounds, as_of)
        categories = [c for c in ranked if c in set(forecast["category"])][:4]
    categories = list(categories)
    n = max(len(categories), 1)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig = _new_figure(11, 3.0 * nrows + 1.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, cat in zip(axes, categories, strict=False):
        _style(ax)
        col = colour(cat)
        past = rounds[rounds["category"] == cat].tail(history)
        ax.plot(
            past["date"],
            past["cutoff"],
            color=col,
            marker="o",
            ms=3.5,
            lw=1.2,
            label="Actual cutoffs",
        )
        fc = forecast[forecast["category"] == cat].sort_values("step")
        if len(fc) and len(past):
            x = pd.concat([past["date"].tail(1), fc["date"]])
            anchor = past.tail(1).assign(
                **{c: past["cutoff"].iloc[-1] for c in fc.columns if c.startswith("cutoff")}
            )
            joined = pd.concat(
                [
                    anchor[[c for c in fc.columns if c.startswith("cutoff")]],
                    fc[[c for c in fc.columns if c.startswith("cutoff")]],
                ]
            )
            _band(ax, x, joined, "cutoff", col)
            ax.plot(
                x,
                joined["cutoff"],
                color=col,
                ls="--",
                lw=1.4,
                marker="D",
                ms=3,
                markevery=list(range(1, len(x))),
                label="Forecast (median)",
            )
        model = fc["model"].iloc[0] if "model" in fc and len(fc) else None
        name = past["name"].iloc[-1] if "name" in past and len(past) else None
        ax.set_title(
            label(cat, name) + (f"  \u2014 model: {model}" if model else ""),
            fontsize=10,
            loc="left",
        )
        ax.set_ylabel("Cutoff [CRS points]")
        _date_axis(ax)
        _legend(ax, loc="best", fontsize=8, frameon=False)
    for ax in axes[len(categories) :]:
        ax.set_visible(False)
    if not categories:
        axes[0].set_visible(True)
        _empty(axes[0], "no active category to forecast")
    return _finish(
        fig,
        "Forecast cutoffs of the next rounds",
        "Read: the likely cutoff of each category's next rounds; darker band 80%, lighter 95% "
        "prediction interval (calibrated on the backtest).",
        as_of,
    )


# --- 6. backtest -----------------------------------------------------------------------------------


def backtest_summary(
    errors: pd.DataFrame,
    coverage: pd.DataFrame | None = None,
    as_of=None,
    naive: str = "naive",
) -> Figure:
    """Figure 6: backtest mean absolute error by horizon per model, and interval coverage.

    Parameters
    ----------
    errors : pandas.DataFrame
        ``model, step, mae`` [CRS points] (MAE over all categories and origins at that horizon).
    coverage : pandas.DataFrame, optional
        ``model, level, coverage`` (fraction 0..1) of the prediction intervals at each nominal
        ``level`` [%].
    as_of : date-like, optional
        Printed in the footer.
    naive : str
        Name of the naive baseline in ``model`` (drawn grey and dashed).
    """
    fig = _new_figure(11, 5.2)
    ax_e, ax_c = fig.subplots(1, 2, width_ratios=(1.5, 1))
    for ax in (ax_e, ax_c):
        _style(ax)
    models = list(dict.fromkeys(errors["model"])) if len(errors) else []
    models = [naive] * (naive in models) + [m for m in models if m != naive]
    colours = {
        m: MODEL_COLOURS[i % len(MODEL_COLOURS)]
        for i, m in enumerate(models[1:] if naive in models else models)
    }
    colours[naive] = "#777777"
    for m in models:
        part = errors[errors["model"] == m].sort_values("step")
        ax_e.plot(
            part["step"],
            part["mae"],
            marker="o",
            ms=4,
            color=colours[m],
            label=m,
            ls="--" if m == naive else "-",
            lw=2.0 if m == naive else 1.5,
        )
    ax_e.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_e.set_xlabel("Horizon [rounds ahead]")
    ax_e.set_ylabel("Mean absolute error [CRS points]")
    ax_e.set_title("Error by horizon (lower is better)", fontsize=10, loc="left")
    if models:
        ax_e.legend(fontsize=8.5, frameon=False)
        ax_e.set_ylim(bottom=0)
    else:
        _empty(ax_e, "no backtest available")
    if coverage is not None and len(coverage):
        levels = sorted(coverage["level"].unique())
        cov_models = [m for m in models if m in set(coverage["model"])] or list(
            dict.fromkeys(coverage["model"])
        )
        width = 0.8 / max(len(cov_models), 1)
        for i, m in enumerate(cov_models):
            part = coverage[coverage["model"] == m].set_index("level").reindex(levels)
            xs = np.arange(len(levels)) + (i - (len(cov_models) - 1) / 2) * width
            ax_c.bar(
                xs,
                part["coverage"] * 100,
                width=width * 0.95,
                color=colours.get(m, MODEL_COLOURS[i % len(MODEL_COLOURS)]),
                label=m,
            )
        for j, lv in enumerate(levels):
            ax_c.hlines(
                lv, j - 0.45, j + 0.45, color="black", lw=1.5, label="Nominal" if j == 0 else None
            )
        ax_c.set_xticks(np.arange(len(levels)), [f"{lv:g}% interval" for lv in levels])
        ax_c.set_ylim(0, 105)
        ax_c.yaxis.set_major_formatter(PercentFormatter())
    else:
        _empty(ax_c, "no interval coverage available")
    ax_c.set_ylabel("Share of actual cutoffs inside [%]")
    ax_c.set_xlabel("Prediction interval [nominal level, %]")
    ax_c.set_title(
        "Interval coverage vs nominal (black line); colours as left", fontsize=10, loc="left"
    )
    return _finish(
        fig,
        "How wrong were the forecasts? Rolling-origin backtest",
        "Read: a model is worth using only where its line is below naive (grey); bars near the black "
        "line mean honest intervals.",
        as_of,
    )


# --- 7. a candidate's odds -------------------------------------------------------------------------


def odds_curves(
    odds: pd.DataFrame,
    as_of=None,
    xlim: tuple[int, int] | None = None,
    flags: dict[str, str] | None = None,
) -> Figure:
    """Figure 7: probability of an invitation within each horizon against CRS score, by category.

    Parameters
    ----------
    odds : pandas.DataFrame
        ``category, within, score, probability`` (fraction 0..1), one row per combination; the
        ``category`` is the eligibility the curve assumes (general rounds always count).
    as_of : date-like, optional
        Printed in the footer.
    xlim : (int, int), optional
        Score range of every panel [CRS points] (default: per panel, where its curves rise from
        0.5% to 99.5%, padded).
    flags : dict, optional
        Category -> a warning printed inside its panel (e.g. where the simulation and the
        statistical forecast disagree).
    """
    flags = flags or {}
    cats = list(dict.fromkeys(odds["category"])) if len(odds) else []
    horizons = list(dict.fromkeys(odds["within"])) if len(odds) else []
    n = max(len(cats), 1)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig = _new_figure(11, 2.9 * nrows + 1.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    for ax, cat in zip(axes, cats, strict=False):
        _style(ax)
        part = odds[odds["category"] == cat]
        for h, ls in zip(horizons, _HORIZON_STYLES, strict=False):
            curve = part[part["within"] == h].sort_values("score")
            ax.plot(
                curve["score"],
                curve["probability"] * 100,
                color=colour(cat),
                ls=ls,
                lw=1.6,
                label=f"within {h}",
                drawstyle="steps-post",
            )
        lim = xlim
        if lim is None:
            moving = part[(part["probability"] > 0.005) & (part["probability"] < 0.995)]
            if len(moving):
                lo, hi = moving["score"].min(), moving["score"].max()
            else:  # a step from 0 to 1: centre on it
                jump = part.loc[part["probability"] >= 0.5, "score"]
                lo = hi = jump.min() if len(jump) else part["score"].min()
            mid, half = (lo + hi) / 2, max((hi - lo) / 2 + 20, 40)
            lim = (max(int(mid - half), 0), min(int(mid + half), 1200))
        ax.set_xlim(*lim)
        ax.set_title(f"Eligible for: {label(cat)}", fontsize=10, loc="left")
        ax.set_ylabel("P(invited) [%]")
        ax.set_xlabel("CRS score [points]")
        ax.yaxis.set_major_formatter(PercentFormatter())
        ax.set_ylim(-2, 102)
        _legend(ax, fontsize=8, frameon=False, loc="best")
        if cat in flags:
            ax.text(
                0.02,
                0.55,
                flags[cat],
                transform=ax.transAxes,
                fontsize=8,
                color="#a50f15",
                va="center",
                bbox=dict(facecolor="white", edgecolor="#a50f15", alpha=0.9),
            )
    for ax in axes[len(cats) :]:
        ax.set_visible(False)
    if not cats:
        axes[0].set_visible(True)
        _empty(axes[0], "no odds available")
    return _finish(
        fig,
        "A candidate's odds of an invitation",
        "Read: the chance a candidate with a given score is invited within 3, 6 or 12 months if "
        "rounds continue at the forecast pace.",
        as_of,
    )


# --- 8. records ------------------------------------------------------------------------------------


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
    fig = _new_figure(12, 8.6)
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 1.1))
    ax_top = fig.add_subplot(grid[0, 0])
    ax_cat = fig.add_subplot(grid[0, 1])
    ax_cut = fig.add_subplot(grid[1, :])
    for ax in (ax_top, ax_cat, ax_cut):
        _style(ax)
    if rounds.empty:
        for ax in (ax_top, ax_cat, ax_cut):
            _empty(ax, "no rounds")
        return _finish(fig, "Records", "No rounds in the feed.", as_of)
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
    ax_top.xaxis.set_major_formatter(FuncFormatter(_thousands))
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
    ax_cat.xaxis.set_major_formatter(FuncFormatter(_thousands))
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
    return _finish(
        fig,
        "Records: largest rounds and extreme cutoffs",
        "Read: check \u201crecord\u201d claims here first: each bar and label names the round that "
        "holds the record.",
        as_of,
    )
