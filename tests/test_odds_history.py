"""Odds backtest: the exact outcome, the grids, the baselines and candidates by hand, the scores,
the auto choice and leakage (an origin never sees a later round)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eeforecast.data import load_feed
from eeforecast.errors import ParameterError
from eeforecast.evaluation.odds_baselines import (
    anchor_odds,
    clim_odds,
    focus_grid,
    last_odds,
    odds_outcome,
    pnp_evt_odds,
    tail_grid,
)
from eeforecast.evaluation.odds_history import _auto, odds_backtest, odds_summary, reliability
from eeforecast.evaluation.odds_page import odds_markdown
from eeforecast.pool.nominees import fit_nominee_tail


def _rounds(rows) -> pd.DataFrame:
    """A rounds frame from ``(date, category, invitations, cutoff)`` tuples."""
    frame = pd.DataFrame(rows, columns=["date", "category", "invitations", "cutoff"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


TOY = _rounds(
    [
        ("2024-01-10", "cec", 1000, 530),
        ("2024-02-10", "general", 500, 520),
        ("2024-03-01", "french", 2000, 400),
        ("2024-03-20", "cec", 0, 300),  # invited nobody: no round
        ("2024-04-01", "cec", 1000, 510),  # the window's end day (origin 2024-01-01 + 3m)
        ("2024-04-02", "cec", 1000, 480),  # one day too late
    ]
)


def test_outcome_is_exact():
    scores = [479, 480, 509, 510, 519, 520, 600]
    # CEC in (2024-01-01, 2024-04-01]: 530, 520 (general), 510 (on the last day); not 300 nor 480
    assert odds_outcome(TOY, "cec", "2024-01-01", "3m", scores).tolist() == [0, 0, 0, 1, 1, 1, 1]
    # French: its own round (400) and the general one; a CEC round does not count
    assert odds_outcome(TOY, "french", "2024-01-01", "3m", [399, 400]).tolist() == [0, 1]
    # a round on the origin day is not in the window, one on the day after is
    assert odds_outcome(TOY, "cec", "2024-01-10", "2w", [600]).tolist() == [0]
    assert odds_outcome(TOY, "cec", "2024-01-09", "2w", [529, 530]).tolist() == [0, 1]
    # nothing in the window: never invited
    assert odds_outcome(TOY, "healthcare", "2024-05-01", "3m", [900]).tolist() == [0]


def test_outcome_on_the_bundled_feed_against_a_loop():
    rounds = load_feed().rounds
    origin, end = pd.Timestamp("2025-03-01"), pd.Timestamp("2025-06-01")
    scores = np.arange(480, 560, 5)
    got = odds_outcome(rounds, "cec", origin, "3m", scores)
    mins = [
        r.cutoff
        for r in rounds.itertuples()
        if r.category in ("cec", "general") and origin < r.date <= end and r.invitations > 0
    ]
    assert got.tolist() == [float(s >= min(mins)) for s in scores]


def test_grids_follow_the_year_before_the_origin():
    rounds = _rounds(
        [
            ("2022-01-01", "cec", 1000, 75),  # more than a year old: not in the span
            ("2024-02-01", "cec", 1000, 522),
            ("2024-03-01", "general", 500, 541),
            ("2024-04-01", "general", 500, 480),  # after the origin: unknown
            ("2024-03-05", "pnp", 800, 700),
        ]
    )
    known = rounds[rounds["date"] <= "2024-03-31"]
    grid = focus_grid(known, "cec", "2024-03-31")
    assert grid.tolist() == list(range(505, 561, 5))  # 522 - 20 .. 541 + 20, step 5
    assert focus_grid(rounds, "cec", "2024-03-31").tolist() == grid.tolist()  # no look-ahead
    # PNP: the general round (541 < 601) spans nothing; its own round 700 +- 20, step 10
    assert focus_grid(known, "pnp", "2024-03-31").tolist() == list(range(680, 721, 10))
    tail = tail_grid(known, "cec", "2024-03-31")
    assert tail.min() == 300 and tail.max() == 900
    assert not ((tail >= 502) & (tail <= 561)).any() and 500 in tail and 575 in tail
    assert tail_grid(known, "pnp", "2024-03-31").min() == 625  # nominees score above 600
    # a category without rounds of its own: the general round's 541 +- 20, step 10
    assert focus_grid(known, "education", "2024-03-31").tolist() == [530, 540, 550, 560]


def test_baselines_by_hand():
    rounds = _rounds(
        [
            ("2024-01-03", "cec", 1000, 510),
            ("2024-02-07", "cec", 1000, 500),
            ("2024-03-06", "general", 1000, 505),
        ]  # fmt: skip
    )
    assert last_odds(rounds, "cec", "2024-03-10", [504, 505, 506]).tolist() == [0, 1, 1]
    assert np.isnan(last_odds(rounds, "cec", "2023-12-01", [500])).all()
    # clim: the 1-month windows starting weekly three years back, ended by the origin; those
    # starting before 2023-12-04 hold no round (inf), ...
    origin = pd.Timestamp("2024-03-10")
    starts = pd.date_range(origin - pd.DateOffset(years=3), origin - pd.DateOffset(months=1),
                           freq="7D")  # fmt: skip
    lows = []
    for t in starts:
        inside = rounds[(rounds["date"] > t) & (rounds["date"] <= t + pd.DateOffset(months=1))]
        lows.append(inside["cutoff"].min() if len(inside) else np.inf)
    expected = [np.mean(np.array(lows) <= s) for s in (499, 500, 505, 510)]
    got = clim_odds(rounds, "cec", origin, "1m", [499, 500, 505, 510])
    np.testing.assert_allclose(got, expected)
    assert got[0] == 0 and got[-1] > got[1] > 0


def test_anchor_by_hand():
    # one past window only: origin 2024-03-01, W = 2 months, PAST_YEARS back; rounds give one
    # window with a last cutoff and a round
    rounds = _rounds([("2024-01-02", "cec", 1000, 500), ("2024-01-20", "cec", 1000, 490),
                      ("2024-02-25", "cec", 1000, 495)])  # fmt: skip
    origin = pd.Timestamp("2024-03-01")
    got = anchor_odds(rounds, "cec", origin, "1m", [484, 485, 494, 495, 600])
    # windows t with a round before t: t in [2024-01-02 .. 2024-02-01], weekly from the start
    starts = pd.date_range(origin - pd.DateOffset(years=3), origin - pd.DateOffset(months=1),
                           freq="7D")  # fmt: skip
    changes, weights = [], []
    for t in starts:
        before = rounds[rounds["date"] <= t]
        if before.empty:
            continue
        inside = rounds[(rounds["date"] > t) & (rounds["date"] <= t + pd.DateOffset(months=1))]
        low = inside["cutoff"].min() if len(inside) else np.inf
        changes.append(low - before["cutoff"].iloc[-1])
        weights.append(0.5 ** ((origin - t).days / 365))
    changes, weights = np.array(changes), np.array(weights)
    expected = [np.sum(weights * (495 + changes <= s)) / weights.sum()
                for s in (484, 485, 494, 495, 600)]  # fmt: skip
    np.testing.assert_allclose(got, expected)
    assert len(changes) >= 2 and np.isinf(changes).any()  # some windows held no round


def test_nominee_tail_recovers_its_parameters():
    rng = np.random.default_rng(5)
    n = np.exp(rng.uniform(np.log(10), np.log(10_000), size=2000))
    mu, scale = 1000.0, 35.0
    cut = mu - scale * np.log(n) + scale * np.log(rng.exponential(size=2000))
    tail = fit_nominee_tail(cut, n)
    se = np.sqrt(np.diag(tail.cov))
    assert se[0] < 4 and se[1] < 0.03
    assert abs(tail.location - mu) < 3 * se[0]
    assert abs(tail.log_scale - np.log(scale)) < 3 * se[1]
    # the probability that the lowest of n is at most s, checked against the simulated rounds
    p = tail.min_cdf(np.array([700.0, 750.0]), 1000.0)
    draws = mu - scale * np.log(1000) + scale * np.log(rng.exponential(size=20000))
    np.testing.assert_allclose(p, [np.mean(draws <= 700.5), np.mean(draws <= 750.5)], atol=0.02)


def test_evt_odds_are_probabilities_rising_with_the_score():
    rounds = load_feed(as_of="2025-06-01").rounds
    p = pnp_evt_odds(rounds, "2025-06-01", "3m", np.arange(640, 900, 20), rng=1)
    assert np.all((p >= 0) & (p <= 1)) and np.all(np.diff(p) >= -1e-12)
    assert p[0] < 0.5 < p[-1]
    # fewer than 4 PNP rounds in the look-back: no answer
    assert np.isnan(pnp_evt_odds(rounds[rounds["category"] != "pnp"], "2025-06-01", "3m", [700]))


def _frame(outcomes, forecasts: dict, origins=None) -> pd.DataFrame:
    n = len(outcomes)
    origins = origins if origins is not None else pd.date_range("2024-01-01", periods=n, freq="MS")
    return pd.DataFrame({"origin": origins, "window": "3m", "category": "cec", "grid": "focus",
                         "score": 500, "outcome": outcomes, **forecasts})  # fmt: skip


def test_brier_and_the_interval_against_the_better_baseline():
    y = [1.0, 0.0, 1.0, 1.0]
    frame = _frame(y, {"model": [0.9, 0.1, 0.8, 0.7], "last": [1.0, 1.0, 1.0, 1.0],
                       "clim": [0.5] * 4, "auto": [0.9, 0.1, 0.8, 0.7]})  # fmt: skip
    out = odds_summary(frame, n_boot=200).iloc[0]
    assert out["model"] == pytest.approx((0.01 + 0.01 + 0.04 + 0.09) / 4)
    assert out["last"] == pytest.approx(0.25) and out["clim"] == pytest.approx(0.25)
    assert out["best_baseline"] == "last"  # a tie goes to the first baseline
    assert out["model_diff"] == pytest.approx(0.0375 - 0.25)
    assert out["model_lo"] - 1e-12 <= out["model_diff"] <= out["model_hi"] + 1e-12
    assert out["model_hi"] < 0
    assert bool(out["model_wins"])
    # the same difference at every origin: the bootstrap interval is that number
    same = _frame([1.0] * 8, {"model": [0.9] * 8, "last": [0.5] * 8, "clim": [0.6] * 8})
    row = odds_summary(same, n_boot=100).iloc[0]
    assert row["model_lo"] == pytest.approx(0.01 - 0.16) == row["model_hi"]


def test_reliability_by_hand():
    frame = _frame([0, 1, 1, 1, 0], {"model": [0.01, 0.02, 0.5, 0.97, 1.0]})
    rel = reliability(frame, "model").set_index("bin")
    assert rel.loc["[0.00, 0.05)", "cells"] == 2
    assert rel.loc["[0.00, 0.05)", "observed"] == 0.5
    assert rel.loc["[0.00, 0.05)", "forecast"] == pytest.approx(0.015)
    assert rel.loc["[0.95, 1.00]", "cells"] == 2 and rel.loc["[0.95, 1.00]", "observed"] == 0.5
    with pytest.raises(ParameterError, match="no forecaster"):
        reliability(frame, "stack")


def test_auto_uses_only_windows_that_had_ended():
    origins = pd.date_range("2023-01-01", periods=14, freq="MS")
    y = np.ones(14)
    # 'clim' is perfect, 'model' always wrong, until the last origin where it flips
    frame = _frame(y, {"model": np.zeros(14), "last": np.full(14, 0.5), "clim": np.ones(14),
                       "anchor": np.full(14, np.nan), "evt": np.full(14, np.nan)}, origins)  # fmt: skip
    frame.loc[13, "outcome"] = 0.0
    out = _auto(frame, select_window=12, min_select=6, margin=0.1, default="model")
    # at origin k (from 0) the windows of origins <= k - 3 have ended: 6 of them at k = 8
    assert out["auto_model"].tolist()[:8] == ["model"] * 8
    assert out["auto_model"].tolist()[8:] == ["clim"] * 6
    # the last outcome (not yet known at the last origin) changed nothing
    assert out["auto"].iloc[-1] == 1.0


@pytest.mark.slow
def test_an_origin_never_sees_a_later_round():
    kw = dict(start="2025-03-01", windows=("3m",), categories=["cec", "pnp"], n_paths=20,
              warmup_months=0, rng=7, progress=False)  # fmt: skip
    full = odds_backtest(load_feed(), **kw)
    cut = odds_backtest(load_feed(as_of="2025-09-10"), **kw)
    assert cut["origin"].max() == pd.Timestamp("2025-06-01")  # its last 3-month window ended
    keys = ["origin", "window", "category", "grid", "score"]
    both = full.merge(cut, on=keys, suffixes=("", "_cut"))
    assert len(both) == len(cut)
    for col in ("outcome", "model", "last", "clim", "anchor", "evt", "auto"):
        np.testing.assert_array_equal(both[col].to_numpy(), both[f"{col}_cut"].to_numpy())
    summary = odds_summary(full, n_boot=50)
    page = odds_markdown(full, summary, seconds=1.0, n_paths=20,
                         feed_day=pd.Timestamp("2025-12-17"))  # fmt: skip
    assert "## Brier score, focus grid" in page and "| cec | 3m |" in page


def test_bad_arguments_are_named():
    with pytest.raises(ParameterError, match="grid"):
        odds_backtest(load_feed(), start="2025-06-01", grid="broad", n_paths=5, progress=False)
    with pytest.raises(ParameterError, match="start"):
        odds_backtest(load_feed(), start="2025-11-01", n_paths=5, progress=False)


@pytest.mark.slow
def test_twelve_months_scored_where_it_ended_and_beside_the_targets():
    frame = odds_backtest(load_feed(), start="2024-06-01", windows=("3m", "12m"),
                          categories=["cec"], n_paths=20, warmup_months=0, rng=3,
                          progress=False)  # fmt: skip
    year = frame[frame["window"] == "12m"]
    assert len(year) and year["origin"].max() == pd.Timestamp("2024-12-01")  # ended by 2025-12-17
    assert frame.loc[frame["window"] == "3m", "origin"].max() == pd.Timestamp("2025-09-01")
    for col in ("model", "calibrated", "last", "clim"):
        assert year[col].between(0, 1).all(), col
    summary = odds_summary(frame, n_boot=50)
    page = odds_markdown(frame, summary, seconds=1.0, n_paths=20,
                         feed_day=pd.Timestamp("2025-12-17"))  # fmt: skip
    brier, targets = page.split("## Targets")[0], page.split("## Targets")[1].split("\n## ")[0]
    assert "| cec | 12m |" in brier and "| cec | 3m |" in brier
    assert "| cec | 3m |" in targets and "| cec | 12m |" not in targets
