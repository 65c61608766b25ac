"""Figures of the forecasts: fan charts, the backtest, a candidate's odds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .style import (
    MODEL_COLOURS,
    colour,
    date_axis,
    empty_panel,
    finish,
    interval_band,
    label,
    legend,
    main_categories,
    new_figure,
    style_axes,
)

__all__ = ["backtest_summary", "forecast_fans", "odds_curves"]

#: Horizons drawn in the odds figure, with their line styles.
_HORIZON_STYLES = ("-", "--", ":", "-.")


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
    fig = new_figure(11, 3.0 * nrows + 1.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, cat in zip(axes, categories, strict=False):
        style_axes(ax)
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
            interval_band(ax, x, joined, "cutoff", col)
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
        date_axis(ax)
        legend(ax, loc="best", fontsize=8, frameon=False)
    for ax in axes[len(categories) :]:
        ax.set_visible(False)
    if not categories:
        axes[0].set_visible(True)
        empty_panel(axes[0], "no active category to forecast")
    return finish(
        fig,
        "Forecast cutoffs of the next rounds",
        "Read: the likely cutoff of each category's next rounds; darker band 80%, lighter 95% "
        "prediction interval (calibrated on the backtest).",
        as_of,
    )


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
    fig = new_figure(11, 5.2)
    ax_e, ax_c = fig.subplots(1, 2, width_ratios=(1.5, 1))
    for ax in (ax_e, ax_c):
        style_axes(ax)
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
        empty_panel(ax_e, "no backtest available")
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
        empty_panel(ax_c, "no interval coverage available")
    ax_c.set_ylabel("Share of actual cutoffs inside [%]")
    ax_c.set_xlabel("Prediction interval [nominal level, %]")
    ax_c.set_title(
        "Interval coverage vs nominal (black line); colours as left", fontsize=10, loc="left"
    )
    return finish(
        fig,
        "How wrong were the forecasts? Rolling-origin backtest",
        "Read: a model is worth using only where its line is below naive (grey); bars near the black "
        "line mean honest intervals.",
        as_of,
    )


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
        ``category`` is the eligibility the curve assumes (general rounds always count). With a
        ``residuals`` column the odds are calibrated: a curve with 0 residuals (too few to
        calibrate) is labelled simulated.
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
    calibrated = "residuals" in odds.columns and len(odds) > 0
    cats = list(dict.fromkeys(odds["category"])) if len(odds) else []
    horizons = list(dict.fromkeys(odds["within"])) if len(odds) else []
    n = max(len(cats), 1)
    ncols = 2 if n > 1 else 1
    nrows = int(np.ceil(n / ncols))
    fig = new_figure(11, 2.9 * nrows + 1.4)
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    for ax, cat in zip(axes, cats, strict=False):
        style_axes(ax)
        part = odds[odds["category"] == cat]
        for h, ls in zip(horizons, _HORIZON_STYLES, strict=False):
            curve = part[part["within"] == h].sort_values("score")
            simulated = calibrated and len(curve) and (curve["residuals"] == 0).all()
            ax.plot(
                curve["score"],
                curve["probability"] * 100,
                color=colour(cat),
                ls=ls,
                lw=1.6,
                label=f"within {h}" + (" (simulated)" if simulated else ""),
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
        legend(ax, fontsize=8, frameon=False, loc="best")
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
        empty_panel(axes[0], "no odds available")
    return finish(
        fig,
        "A candidate's odds of an invitation"
        + (", calibrated on the simulation's past errors" if calibrated else ""),
        "Read: the chance a candidate with a given score is invited within the span shown if "
        "rounds continue at the forecast pace.",
        as_of,
    )
