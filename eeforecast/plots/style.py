"""What every figure shares: colours, labels, the figure frame (title, caption, footer) and the
tidy helpers the figures and the report's tables read.

Every figure is built on :class:`~matplotlib.figure.Figure` directly (pyplot's global state is never
touched), carries a title, labelled axes with units, a one-line caption and a footer with the data
source and the as-of date. Categories are drawn in the same colour everywhere (:data:`PALETTE`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from ..data import CATEGORIES, LABELS
from ..data.categories import VERSION_TAGS
from ..errors import ParameterError

__all__ = [
    "MODEL_COLOURS",
    "PALETTE",
    "SOURCE",
    "as_of_text",
    "band_density",
    "candidates_above",
    "category_order",
    "colour",
    "date_axis",
    "to_day",
    "empty_panel",
    "finish",
    "interval_band",
    "label",
    "legend",
    "main_categories",
    "new_figure",
    "records_frame",
    "short_label",
    "style_axes",
    "thousands",
]

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


_CAPTION_H = 0.62  # inches reserved at the bottom for the caption and the footer


def colour(category: str) -> str:
    """The colour of a category slug (a stable fallback colour for slugs not in :data:`PALETTE`)."""
    if category in PALETTE:
        return PALETTE[category]
    return _EXTRA_COLOURS[sum(map(ord, category)) % len(_EXTRA_COLOURS)]


#: IRCC's version tags ("(Version 1)", "(2023-1)", ", 2026-Version 3"), in any case.
_NAME_TAGS = re.compile(VERSION_TAGS.pattern, re.IGNORECASE)


def label(category: str, name: str | None = None) -> str:
    """Display name of a category slug.

    Parameters
    ----------
    category : str
        Category slug.
    name : str, optional
        IRCC's round name for the category (the feed's ``name`` column); used for a category
        that is not in :data:`eeforecast.data.LABELS` (one derived from a new round type).

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


def to_day(value) -> pd.Timestamp | None:
    if value is None:
        return None
    return pd.Timestamp(value).normalize()


def as_of_text(as_of) -> str:
    day = to_day(as_of)
    return f"data as of {day:%Y-%m-%d}" if day is not None else "data as of the latest round"


def thousands(x, _pos=None) -> str:
    return f"{x:,.0f}"


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    fig.get_layout_engine().set(rect=(0, _CAPTION_H / height, 1, 1 - _CAPTION_H / height))
    return fig


def finish(fig: Figure, title: str, caption: str, as_of, source: str | None = None) -> Figure:
    """Add the title, the one-line caption and the source/as-of footer to ``fig``
    (``source`` replaces the whole footer, for figures that do not read the rounds)."""
    height = fig.get_figheight()
    fig.suptitle(title, fontsize=13, fontweight="bold", x=0.01, ha="left")
    fig.text(
        0.01, 0.36 / height + 0.0, caption, fontsize=9.5, style="italic", ha="left", va="bottom"
    )
    fig.text(
        0.01,
        0.08 / height,
        source or f"{SOURCE}  \u00b7  {as_of_text(as_of)}",
        fontsize=8,
        color="#555555",
        ha="left",
        va="bottom",
    )
    fig.text(0.99, 0.08 / height, "eeforecast", fontsize=8, color="#555555", ha="right")
    return fig


def style_axes(ax) -> None:
    ax.grid(True, color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def date_axis(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def legend(ax, **kwargs) -> None:
    """A legend, only when something on ``ax`` carries a label."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kwargs)


def empty_panel(ax, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


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
    end = to_day(as_of) or rounds["date"].max()
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


def candidates_above(snapshots: pd.DataFrame, threshold: int = 501) -> pd.DataFrame:
    """Per snapshot: the pool total and the candidates with a score >= ``threshold``.

    ``threshold`` must be the lowest score of one of IRCC's bands (501 or 601, say), so that
    the count is exact.

    Returns
    -------
    pandas.DataFrame
        ``as_of, pool, above`` [candidates].
    """
    edges = set(snapshots["band_lo"].unique()) if not snapshots.empty else {threshold}
    if threshold not in edges:
        raise ParameterError(
            f"threshold: {threshold} is not the lowest score of an IRCC band (bands start at "
            f"{', '.join(map(str, sorted(edges)))})"
        )
    grouped = snapshots.groupby("as_of", sort=True)
    pool = grouped["candidates"].sum()
    above = snapshots[snapshots["band_lo"] >= threshold].groupby("as_of")["candidates"].sum()
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


def interval_band(ax, x, frame: pd.DataFrame, quantity: str, colour_: str, levels=(95, 80)) -> None:
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
