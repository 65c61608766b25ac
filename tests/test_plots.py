"""Figures: every function returns a titled, labelled, attributed figure; tidy helpers by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from eeforecast import plots
from eeforecast.data.categories import CATEGORIES
from eeforecast.report import figure_bytes

AS_OF = pd.Timestamp("2025-12-17")


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.texts]


def _check_figure(fig: Figure) -> None:
    """Title, axis labels with units on every visible axes, caption, source and as-of footer."""
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    texts = _texts(fig)
    assert any(t.startswith("Read:") for t in texts), "one-line caption missing"
    footer = [t for t in texts if t.startswith(plots.SOURCE)]
    assert footer and "data as of 2025-12-17" in footer[0]
    for ax in fig.axes:
        if not ax.get_visible() or not ax.has_data():
            continue
        shared = ax.get_shared_x_axes().get_siblings(ax)
        dated = ax.xaxis.get_major_formatter().__class__.__name__.startswith("Concise")
        assert any(a.get_xlabel() for a in shared) or dated, ax.get_title()
        assert ax.get_ylabel(), ax.get_title()
        labels = ax.get_xlabel() + ax.get_ylabel()
        assert "[" in labels or "%" in labels, f"units missing: {labels!r}"
    png = figure_bytes(fig, "png")  # lays the figure out
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    for ax in fig.axes:
        if ax.get_visible():
            _no_overlap(ax, renderer)
    # the title, caption and footer do not run into each other
    boxes = [t.get_window_extent(renderer) for t in fig.texts if t.get_text()]  # with suptitle
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), "figure texts overlap"


def _no_overlap(ax, renderer=None) -> None:
    for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
        boxes = [t.get_window_extent(renderer) for t in labels if t.get_text() and t.get_visible()]
        boxes.sort(key=lambda b: (b.x0, b.y0))
        for a, b in zip(boxes, boxes[1:], strict=False):
            assert not a.overlaps(b), f"tick labels overlap on {ax.get_title(loc='left')!r}"


# --- helpers ---------------------------------------------------------------------------------


def test_palette_covers_every_category_once():
    assert set(plots.PALETTE) == set(CATEGORIES)
    assert len(set(plots.PALETTE.values())) == len(CATEGORIES)
    assert plots.colour("brand-new") == plots.colour("brand-new")  # stable fallback


def test_main_categories(feed):
    assert plots.main_categories(feed.rounds, AS_OF) == ["pnp", "cec", "french", "healthcare"]
    # early 2021: CEC and PNP rounds only
    assert set(plots.main_categories(feed.rounds, "2021-06-30", k=2)) == {"pnp", "cec"}


def test_records_frame_by_hand(feed):
    rec = plots.records_frame(feed.rounds).set_index("category")
    assert rec.loc["cec", "largest"] == 27_332
    assert rec.loc["cec", "largest_round"] == "176"
    assert rec.loc["cec", "largest_date"] == pd.Timestamp("2021-02-13")
    assert rec.loc["french", "largest"] == 7_500 and rec.loc["french", "largest_round"] == "341"
    assert rec.loc["pnp", "highest_cutoff"] == 902 and rec.loc["pnp", "highest_round"] == "91b"
    # as it stood on 2024-03-26, the 1,500-invitation French round was no record
    before = feed.rounds[feed.rounds["date"] <= "2024-03-26"]
    rec_then = plots.records_frame(before).set_index("category")
    assert rec_then.loc["french", "largest"] == 7_000
    assert rec_then.loc["french", "largest_round"] == "282"
    assert before.loc[before["date"] == "2024-03-26", "invitations"].item() == 1_500


def test_records_ties_go_to_the_first_round():
    rounds = pd.DataFrame(
        {
            "draw_number": ["1", "2"],
            "date": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "category": ["cec", "cec"],
            "invitations": [3000, 3000],
            "cutoff": [500, 500],
        }
    )
    rec = plots.records_frame(rounds).iloc[0]
    assert rec["largest_round"] == "1" and rec["lowest_round"] == "1"


def test_candidates_above(feed):
    hist = plots.candidates_above(feed.snapshots, 501)  # a score >= 501: the top two bands
    last = hist.iloc[-1]
    assert last["as_of"] == pd.Timestamp("2025-12-15")
    assert last["pool"] == 237_302
    assert last["above"] == 21_792 + 390
    with pytest.raises(ValueError, match="not the lowest score of an IRCC band"):
        plots.candidates_above(feed.snapshots, 500)


def test_band_density(feed):
    bands = plots.band_density(feed.snapshot())
    assert bands["width"].sum() == 1201
    np.testing.assert_allclose((bands["per_point"] * bands["width"]).sum(), 237_302)


# --- the eight figures -------------------------------------------------------------------------


def test_cutoff_history(feed):
    _check_figure(plots.cutoff_history(feed.rounds, AS_OF))


def test_invitations_by_period(feed):
    fig = plots.invitations_by_period(feed.rounds, AS_OF)
    _check_figure(fig)
    totals = [t.get_text() for t in fig.axes[1].texts]
    assert "114k (to date)" in totals  # 2025 is not over on 2025-12-17
    tallest = 25125  # July 2024, the largest month in the last 48
    assert tallest < fig.axes[0].get_ylim()[1]  # the tallest bar does not touch the frame


def test_pool_distribution(feed):
    snap = feed.snapshot()
    density = np.zeros(1201)
    fig = plots.pool_distribution([(snap, density), (feed.snapshot("2024-12-15"), None)], AS_OF)
    _check_figure(fig)
    assert len([ax for ax in fig.axes if ax.get_visible()]) == 2


def test_pool_backlog_with_projection(feed):
    hist = plots.candidates_above(feed.snapshots)
    dates = pd.date_range("2026-01-01", periods=5, freq="14D")
    proj = pd.DataFrame({"date": dates, "pool": 230_000.0, "above": 20_000.0})
    for q in ("pool", "above"):
        for lv in (80, 95):
            proj[f"{q}_lo_{lv}"] = proj[q] * 0.9
            proj[f"{q}_hi_{lv}"] = proj[q] * 1.1
    _check_figure(plots.pool_backlog(hist, proj, AS_OF))
    _check_figure(plots.pool_backlog(hist, None, AS_OF))


def _toy_forecast() -> pd.DataFrame:
    rows = []
    for cat, level in (("cec", 515), ("pnp", 730)):
        for step in (1, 2, 3):
            rows.append(
                {
                    "category": cat,
                    "step": step,
                    "date": AS_OF + pd.Timedelta(days=14 * step),
                    "cutoff": level,
                    "cutoff_lo_80": level - 5 * step,
                    "cutoff_hi_80": level + 5 * step,
                    "cutoff_lo_95": level - 9 * step,
                    "cutoff_hi_95": level + 9 * step,
                    "model": "naive",
                }
            )
    return pd.DataFrame(rows)


def test_forecast_fans(feed):
    fig = plots.forecast_fans(feed.rounds, _toy_forecast(), ["cec", "pnp"], AS_OF)
    _check_figure(fig)
    titles = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    assert titles[0].startswith("Canadian Experience Class")


def test_backtest_summary():
    errors = pd.DataFrame(
        {"model": ["naive", "naive", "ets", "ets"], "step": [1, 2, 1, 2], "mae": [10, 14, 8, 12.0]}
    )
    coverage = pd.DataFrame(
        {
            "model": ["naive", "naive", "ets", "ets"],
            "level": [80, 95, 80, 95],
            "coverage": [0.7, 0.9, 0.8, 0.96],
        }
    )
    fig = plots.backtest_summary(errors, coverage, AS_OF)
    _check_figure(fig)
    naive = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "naive"][0]
    assert naive.get_linestyle() == "--"


def test_odds_curves():
    scores = np.arange(0, 1201)
    frames = []
    for cat, mid in (("cec", 505), ("french", 420)):
        for within, shift in (("3m", 10), ("6m", 0), ("12m", -10)):
            p = 1 / (1 + np.exp(-(scores - mid - shift) / 3))
            frames.append(
                pd.DataFrame({"category": cat, "within": within, "score": scores, "probability": p})
            )
    fig = plots.odds_curves(pd.concat(frames), AS_OF, flags={"french": "Caution: test"})
    _check_figure(fig)
    lo, hi = fig.axes[0].get_xlim()
    assert lo < 505 < hi and hi - lo < 200  # zoomed on where the odds move
    assert any("Caution" in t.get_text() for t in fig.axes[1].texts)


def test_records_figure(feed):
    fig = plots.records(feed.rounds, AS_OF)
    _check_figure(fig)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "CEC  #176  2021-02-13"  # the largest round, drawn at the top
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    _no_overlap(fig.axes[2], canvas.get_renderer())


def test_empty_inputs_still_give_figures():
    empty_rounds = pd.DataFrame(
        columns=["draw_number", "date", "category", "invitations", "cutoff"]
    ).astype({"date": "datetime64[ns]", "invitations": int, "cutoff": int})
    for fig in (
        plots.invitations_by_period(empty_rounds, AS_OF),
        plots.records(empty_rounds, AS_OF),
        plots.backtest_summary(pd.DataFrame(columns=["model", "step", "mae"]), None, AS_OF),
        plots.odds_curves(pd.DataFrame(columns=["category", "within", "score", "probability"])),
        plots.pool_distribution([], AS_OF),
    ):
        assert figure_bytes(fig, "png").startswith(b"\x89PNG")


@pytest.mark.slow
def test_same_figure_same_bytes(feed):
    a = figure_bytes(plots.records(feed.rounds, AS_OF), "png")
    b = figure_bytes(plots.records(feed.rounds, AS_OF), "png")
    assert a == b
    sa = figure_bytes(plots.records(feed.rounds, AS_OF), "svg")
    sb = figure_bytes(plots.records(feed.rounds, AS_OF), "svg")
    assert sa == sb and b"<dc:date>" not in sa


def test_records_say_when_the_top_list_cuts_a_tie(feed):
    # eight rounds invited exactly 6,000 (#183 ... #388); the ten largest show two of them
    fig = plots.records(feed.rounds, top=10)
    assert (
        fig.axes[0].get_title(loc="left")
        == "The 10 largest rounds (and 6 more of 6,000, not shown)"
    )
    assert (feed.rounds["invitations"] == 6000).sum() == 8
