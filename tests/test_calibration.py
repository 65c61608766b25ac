"""Tests of the simulation intervals calibrated on replays (eeforecast.simulate.calibration)."""

from __future__ import annotations

import dataclasses
import io
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eeforecast import cli
from eeforecast.data import as_feed
from eeforecast.errors import ParameterError
from eeforecast.forecast import conformal_quantile as forecast_conformal_quantile
from eeforecast.scenarios import run_grid, scenario_grid
from eeforecast.simulate import parse_draw, simulate_feed
from eeforecast.simulate.calibration import (
    ReplayCalibration,
    ahead_bucket,
    calibrate_replays,
    calibration_origins,
    conformal_quantile,
    months_ahead,
    replay,
)

AS_OF = "2025-07-01"


def calibration(actual, categories="cec", dates=None, *, min_scores=8, lo=500, hi=520):
    """A calibration whose replayed rounds all had the 80% interval ``lo..hi`` (two paths)."""
    n = len(actual)
    dates = pd.date_range("2024-07-05", periods=n, freq="D") if dates is None else dates
    rows = pd.DataFrame(
        {
            "origin": pd.Timestamp("2024-07-01"),
            "date": pd.DatetimeIndex(dates),
            "category": np.broadcast_to(categories, n),
            "months_ahead": months_ahead(dates, "2024-07-01"),
            "actual": np.asarray(actual, dtype=float),
        }
    )
    rows["bucket"] = ahead_bucket(rows["months_ahead"])
    paths = np.tile([float(lo), float(hi)], (n, 1))  # 10% / 90% quantiles: lo and hi
    return ReplayCalibration(
        as_of=pd.Timestamp(AS_OF),
        origins=(pd.Timestamp("2024-07-01"),),
        skipped=(),
        rows=rows,
        paths=paths,
        min_scores=min_scores,
    )


def target(dates, lo=520.0, hi=540.0, category="cec") -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(dates),
            "category": category,
            "cutoff": np.full(n, (lo + hi) / 2),
            "cutoff_lo_80": np.full(n, lo),
            "cutoff_hi_80": np.full(n, hi),
        }
    )


def test_conformal_quantile_by_hand_and_one_function():
    # rank ceil((n + 1) L / 100): 4 scores at 80% -> the 4th smallest
    assert conformal_quantile(np.array([0.3, -1.0, 2.0, 0.5]), 80) == 2.0
    assert conformal_quantile(np.arange(9.0), 50) == 4.0
    assert forecast_conformal_quantile is conformal_quantile


def test_widening_by_hand():
    # scores in half-widths of 10 around 500..520: 530 -> 1.0, 525 -> 0.5, 510 -> -1.0, 495 -> 0.5
    cal = calibration([530, 525, 510, 495], min_scores=4)
    table = cal.table([80])
    row = table[(table["category"] == "cec") & (table["ahead"] == "1-3")].iloc[0]
    # 4 scores: the ceil(5 x 0.8) = 4th smallest is 1.0
    assert row["residuals"] == 4 and bool(row["calibrated"])
    assert row["widen_80"] == pytest.approx(1.0)
    out = cal.widen(target(["2025-07-10"]), [80])
    # 520..540, half-width 10, widened by one half-width on each side; the median stays
    assert out[["cutoff_lo_80", "cutoff_hi_80", "cutoff"]].iloc[0].tolist() == [510, 550, 530]
    assert out["calibrated"].tolist() == [True]


def test_rounds_beyond_the_replays_use_the_last_bucket():
    assert ahead_bucket([1, 3, 4, 6, 7, 30]).tolist() == ["1-3"] * 2 + ["4-6"] * 4
    # a replayed round 4 months ahead calibrates a round 9 months after the as-of day
    dates = pd.date_range("2024-11-05", periods=8, freq="D")
    cal = calibration([540] * 8, dates=dates)
    out = cal.widen(target(["2025-07-10", "2026-04-01"]), [80])
    assert out["calibrated"].tolist() == [False, True]
    assert out["cutoff_hi_80"].iloc[1] > 540
    assert "rounds beyond 6 months ahead use the 4-6 widening" in cal.text([80])


def test_too_few_scores_keep_the_simulated_interval_flagged():
    cal = calibration([600, 600, 600])  # 3 scores < 8
    out = cal.widen(target(["2025-07-10"]), [80])
    assert out["cutoff_lo_80"].iloc[0] == 520 and out["cutoff_hi_80"].iloc[0] == 540
    assert out["calibrated"].tolist() == [False]
    text = cal.text([80], ["cec", "pnp"])
    assert "kept as simulated (fewer than 8 scores): cec 1-3, cec 4-6, pnp 1-3, pnp 4-6" in text


@settings(max_examples=40, deadline=None)
@given(
    actual=st.lists(st.integers(300, 700), min_size=8, max_size=30),
    lo=st.integers(300, 600),
    width=st.integers(0, 100),
)
def test_intervals_widen_never_narrow_and_the_median_stays(actual, lo, width):
    cal = calibration(actual, lo=lo, hi=lo + width)
    frame = target(["2025-07-10", "2025-11-20"], lo=480, hi=530)
    out = cal.widen(frame, [80])
    assert (out["cutoff_lo_80"] <= frame["cutoff_lo_80"]).all()
    assert (out["cutoff_hi_80"] >= frame["cutoff_hi_80"]).all()
    assert out["cutoff"].tolist() == frame["cutoff"].tolist()


def test_calibration_origins_end_by_the_as_of_day():
    origins = calibration_origins(AS_OF, years=3)
    assert origins[0] == pd.Timestamp("2022-07-01") and origins[-1] == pd.Timestamp("2025-01-01")
    assert (origins + pd.DateOffset(months=6) <= pd.Timestamp(AS_OF)).all()


ROUNDS = [
    parse_draw("cec:3000@2025-07-15", AS_OF),
    parse_draw("french:4000@2025-09-10", AS_OF),
    parse_draw("cec:3000@2026-03-10", AS_OF),
]


def run(**kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate_feed(None, ROUNDS, as_of=AS_OF, n_paths=60, rng=11, **kwargs)


@pytest.fixture(scope="module")
def raw_and_calibrated():
    return run(), run(calibrate=True)


def test_simulate_feed_calibrated_widens_and_keeps_the_paths(raw_and_calibrated):
    raw, cal = raw_and_calibrated
    a, b = raw.to_frame(), cal.to_frame()
    np.testing.assert_array_equal(raw.cutoff, cal.cutoff)  # the same paths
    assert a["cutoff"].tolist() == b["cutoff"].tolist()
    for level in (80, 95):
        assert (b[f"cutoff_lo_{level}"] <= a[f"cutoff_lo_{level}"]).all()
        assert (b[f"cutoff_hi_{level}"] >= a[f"cutoff_hi_{level}"]).all()
    assert "calibrated" in b and "calibrated" not in a
    # without calibrated=True the intervals are those simulated
    pd.testing.assert_frame_equal(cal.to_frame(calibrated=False), a)
    # what it rests on: origins, scores per category, in the frame's attrs and the summary
    text = b.attrs["calibration"]
    assert "quarterly origins" in text and "residuals" in text
    assert "Interval calibration" in cal.summary()
    origins = cal.calibration.origins
    assert origins and all(o + pd.DateOffset(months=6) <= pd.Timestamp(AS_OF) for o in origins)
    assert (cal.calibration.rows["date"] <= pd.Timestamp(AS_OF)).all()


def test_same_seed_same_frame(raw_and_calibrated):
    _, cal = raw_and_calibrated
    again = run(calibrate=True)
    assert again.to_frame().to_csv() == cal.to_frame().to_csv()


def test_rounds_after_the_as_of_day_change_nothing():
    feed = as_feed(None)
    later = feed.rounds["date"] > pd.Timestamp(AS_OF)
    assert later.any()
    moved = feed.rounds.copy()
    moved.loc[later, "cutoff"] = 900
    changed = dataclasses.replace(feed, rounds=moved)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = calibrate_replays(feed, AS_OF, n_paths=30, rng=3)
        b = calibrate_replays(changed, AS_OF, n_paths=30, rng=3)
    pd.testing.assert_frame_equal(a.table(), b.table())
    np.testing.assert_array_equal(a.paths, b.paths)


def test_replay_calibrated_is_what_simulate_feed_returns():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = replay(None, "2025-01-01", 3, n_paths=40, rng=5, calibrate=True)
        rounds = [
            parse_draw(f"{r.category}:{r.invitations}@{r.date:%Y-%m-%d}", "2025-01-01")
            for r in frame.itertuples(index=False)
        ]
        res = simulate_feed(None, rounds, as_of="2025-01-01", n_paths=40, rng=5, calibrate=True)
    product = res.to_frame()
    assert frame["cal_lo_80"].tolist() == product["cutoff_lo_80"].astype(float).tolist()
    assert frame["cal_hi_95"].tolist() == product["cutoff_hi_95"].astype(float).tolist()


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: run(calibrate="yes"), "calibrate"),
        (
            lambda: simulate_feed(None, ROUNDS, as_of=AS_OF, calibrate=True),
            "calibrate",
        ),
        (lambda: calibrate_replays(None, AS_OF, n_paths=1), "n_paths"),
        (lambda: calibrate_replays(None, AS_OF, n_paths=20, years=0), "years"),
        (lambda: calibrate_replays(None, AS_OF, n_paths=20, min_scores=-1), "min_scores"),
        (lambda: calibrate_replays(None, AS_OF, n_paths=20, split=6), "split"),
        (
            lambda: run_grid(
                scenario_grid("cec", [2000], ["monthly-1wed"], end="2025-09-30"),
                as_of=AS_OF,
                n_paths=None,
                calibrate=True,
            ),
            "calibrate",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(call, name):
    with pytest.raises(ParameterError, match=rf"^{name}: "):
        call()


def test_run_grid_calibrated():
    grid = scenario_grid("cec", [2000, 4000], ["monthly-1wed"], end="2025-10-31")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = run_grid(grid, as_of=AS_OF, n_paths=40, rng=2)
        cal = run_grid(grid, as_of=AS_OF, n_paths=40, rng=2, calibrate=True)
    assert raw.frame["cutoff"].tolist() == cal.frame["cutoff"].tolist()
    assert (cal.frame["cutoff_lo_80"] <= raw.frame["cutoff_lo_80"]).all()
    assert (cal.frame["cutoff_hi_80"] >= raw.frame["cutoff_hi_80"]).all()
    assert "calibrated" in cal.final() and cal.calibration is not None
    assert "Interval calibration" in cal.summary()


def test_cli_simulate_calibrated(capsys):
    argv = ["simulate", "--draw", "cec:3000", "--draw", "french:4000@2026-03-04", "--paths", "40"]
    assert cli.main([*argv, "--calibrated"]) == 0
    out = capsys.readouterr().out
    assert "Interval calibration" in out and "quarterly origins" in out
    assert "residuals" in out.split("Interval calibration")[1]
    assert cli.main([*argv, "--calibrated", "--format", "csv"]) == 0
    first = capsys.readouterr().out
    rows = pd.read_csv(io.StringIO(first))
    assert "calibrated" in rows and len(rows) == 2
    assert cli.main([*argv, "--calibrated", "--format", "csv"]) == 0
    assert capsys.readouterr().out == first  # the same seed, the same bytes
    # without paths there is no interval to calibrate: one line naming the flag
    assert cli.main(["simulate", "--draw", "cec:3000", "--calibrated"]) == 2
    err = capsys.readouterr().err
    assert "--calibrated: needs Monte Carlo paths" in err


def test_cli_scenarios_calibrated(capsys):
    argv = ["scenarios", "--category", "cec", "--size", "3000", "--cadence", "monthly-1wed"]
    status = cli.main([*argv, "--to", "2026-03-31", "--paths", "30", "--calibrated"])
    out = capsys.readouterr().out
    assert status == 0 and "Interval calibration" in out and "calibrated" in out
