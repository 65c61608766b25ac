"""Figures of CRS profiles: what a change of rules moved, a candidate's score and odds over time."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .style import MODEL_COLOURS, date_axis, empty_panel, finish, legend, new_figure, style_axes

__all__ = ["odds_path", "rules_change"]

#: Footer of the figures drawn from the CRS grid alone (no round data).
CRS_SOURCE = (
    "Source: IRCC, Comprehensive Ranking System criteria and Ministerial Instructions "
    "(tables in eeforecast/crs/data)"
)


def rules_change(compare: pd.DataFrame, by: str | None = None) -> Figure:
    """Each profile's score before and after a change of rules, one dot per profile.

    Parameters
    ----------
    compare : pandas.DataFrame
        :func:`eeforecast.crs.compare_rules`: ``before``, ``after``, ``change``,
        ``rules_before``, ``rules_after`` [CRS points], and the grid's fact columns.
    by : str, optional
        A fact column that colours the dots (e.g. ``job_offer``).

    Returns
    -------
    matplotlib.figure.Figure
        Left: the score after against the score before (dots below the diagonal lost points).
        Right: how many profiles moved by each amount, groups stacked [profiles].
    """
    fig = new_figure(11, 4.6)
    left, right = fig.subplots(1, 2, width_ratios=(1.2, 1))
    for ax in (left, right):
        style_axes(ax)
    if compare.empty:
        empty_panel(left, "no profile")
        empty_panel(right, "no profile")
        names = ("?", "?")
    else:
        names = (compare["rules_before"].iloc[0], compare["rules_after"].iloc[0])
        groups = list(dict.fromkeys(compare[by])) if by else [None]
        width = max(1.0, (compare["change"].max() - compare["change"].min()) / 40)
        changes = np.sort(compare["change"].unique())
        stacked = np.zeros(len(changes))  # groups sharing a change are stacked
        for i, group in enumerate(groups):
            part = compare if group is None else compare[compare[by] == group]
            name = None if group is None else f"{by} = {group}"
            colour_ = MODEL_COLOURS[i % len(MODEL_COLOURS)]
            left.scatter(part["before"], part["after"], s=14, alpha=0.7, color=colour_, label=name)
            moved = part["change"].value_counts().reindex(changes, fill_value=0).to_numpy()
            right.bar(changes, moved, bottom=stacked, color=colour_, label=name, width=width)
            stacked = stacked + moved
        lo = int(min(compare["before"].min(), compare["after"].min())) - 10
        hi = int(max(compare["before"].max(), compare["after"].max())) + 10
        left.plot([lo, hi], [lo, hi], color="#999999", lw=1, ls="--", zorder=0)
        left.set_xlim(lo, hi)
        left.set_ylim(lo, hi)
        legend(left, fontsize=8, frameon=False, loc="upper left")
        legend(right, fontsize=8, frameon=False, loc="best")
    left.set_xlabel(f"score under the {names[0]} rules [CRS points]")
    left.set_ylabel(f"score under the {names[1]} rules [CRS points]")
    right.set_xlabel("change of the score [CRS points]")
    right.set_ylabel("profiles")
    right.yaxis.set_major_locator(MaxNLocator(integer=True))
    n_moved = int((compare["change"] != 0).sum()) if len(compare) else 0
    return finish(
        fig,
        f"What the {names[1]} rules moved",
        f"Read: {n_moved} of {len(compare)} synthetic profiles changed score between the "
        f"{names[0]} and {names[1]} rules; dots below the diagonal lost points.",
        None,
        source=CRS_SOURCE,
    )


def odds_path(path: pd.DataFrame, title: str = "A candidate's score and odds over time") -> Figure:
    """A candidate's score month by month and the probability of an invitation by each month.

    Parameters
    ----------
    path : pandas.DataFrame
        :func:`eeforecast.profile_odds.odds_over_time` or
        :func:`eeforecast.profile_odds.odds_path`: ``date``,
        ``until``, ``score`` [CRS points], ``categories``, ``probability`` and ``se``
        [fraction 0..1].
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
        Top: the score (a step at each change, categories named where they change). Bottom:
        P(invited by the end of each month), with a band of two Monte Carlo standard errors.
    """
    fig = new_figure(11, 5.6)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1, 1.3))
    for ax in (top, bottom):
        style_axes(ax)
    if path.empty:
        empty_panel(bottom, "no month inside the simulated span")
        return finish(fig, title, "", None)
    ends = pd.DatetimeIndex(path["until"])
    days = pd.DatetimeIndex(path["date"])
    top.step(
        [*days, ends[-1]], [*path["score"], path["score"].iloc[-1]], where="post", color="#1f77b4"
    )
    previous = None
    for day, score, cats in zip(days, path["score"], path["categories"], strict=True):
        if cats != previous:
            top.annotate(cats, (day, score), xytext=(2, 4), textcoords="offset points", fontsize=8)
            previous = cats
    top.set_ylabel("CRS score [points]")
    p = path["probability"].to_numpy() * 100
    band = 2 * path["se"].to_numpy() * 100
    bottom.plot(ends, p, marker="o", ms=3, color="#d62728", label="P(invited by the month's end)")
    bottom.fill_between(
        ends, np.clip(p - band, 0, 100), np.clip(p + band, 0, 100), color="#d62728", alpha=0.15
    )
    bottom.set_ylim(-2, 102)
    bottom.yaxis.set_major_formatter(PercentFormatter())
    bottom.set_ylabel("P(invited) [%]")
    legend(bottom, fontsize=8, frameon=False, loc="upper left")
    date_axis(bottom)
    return finish(
        fig,
        title,
        "Read: the chance of at least one invitation by each month's end if rounds follow the "
        "forecast schedule and the score moves as the profile's dates say.",
        days[0],
    )
