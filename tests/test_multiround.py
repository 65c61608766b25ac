"""Tests of the replay intervals' calibration (eeforecast.evaluation.multiround)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eeforecast.evaluation import calibrate_replay, replay_summary
from eeforecast.forecast.calibration import conformal_quantile


def rows(origin: str, dates: list[str], actual, lo, hi, category="cec", ahead=1) -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame(
        {
            "origin": pd.Timestamp(origin),
            "date": pd.to_datetime(dates),
            "category": category,
            "months_ahead": np.broadcast_to(ahead, n),
            "actual": np.asarray(actual, dtype=float),
            "simulated": (np.asarray(lo, dtype=float) + np.asarray(hi, dtype=float)) / 2,
            "naive": 520.0,
            "lo_80": np.asarray(lo, dtype=float),
            "hi_80": np.asarray(hi, dtype=float),
        }
    )


def test_conformal_quantile_by_hand():
    # rank ceil((n + 1) L / 100): 4 scores at 80% -> the 4th smallest
    assert conformal_quantile(np.array([0.3, -1.0, 2.0, 0.5]), 80) == 2.0
    # 9 scores at 50% -> the 5th smallest
    assert conformal_quantile(np.arange(9.0), 50) == 4.0


def test_calibrated_interval_by_hand():
    # origin 1: four rounds, intervals of half-width 10 around 510; scores (y - hi) / 10 and
    # (lo - y) / 10, whichever is larger: 530 -> 1.0, 525 -> 0.5, 510 -> -1.0, 495 -> 0.5
    first = rows("2025-01-01", ["2025-01-10", "2025-01-20", "2025-02-05", "2025-02-20"],
                 [530, 525, 510, 495], [500] * 4, [520] * 4)  # fmt: skip
    second = rows("2025-04-01", ["2025-04-10"], [540], [520], [540])
    out = calibrate_replay(pd.concat([first, second]), [80], min_scores=4)
    # 4 scores: the ceil(5 x 0.8) = 4th smallest is 1.0 -> the interval widens by one half-width
    last = out.iloc[-1]
    assert last["q_80"] == pytest.approx(1.0)
    assert (last["cal_lo_80"], last["cal_hi_80"]) == (510.0, 550.0)
    # the first origin has no earlier replays: its intervals are kept
    assert (out["q_80"].iloc[:4] == 0).all()
    assert out["cal_lo_80"].iloc[:4].tolist() == out["lo_80"].iloc[:4].tolist()


def test_calibration_narrows_and_never_inverts():
    # every earlier round well inside: q < 0 narrows the interval, but never beyond a point
    first = rows("2025-01-01", [f"2025-02-{d:02d}" for d in range(1, 9)], [510] * 8,
                 [400] * 8, [620] * 8)  # fmt: skip
    second = rows("2025-04-01", ["2025-04-10"], [515], [500], [520])
    out = calibrate_replay(pd.concat([first, second]), [80])
    last = out.iloc[-1]
    assert last["q_80"] == pytest.approx(-1.0)
    assert last["cal_lo_80"] == last["cal_hi_80"] == 510.0


def test_calibration_uses_only_what_was_known_at_the_origin():
    first = rows("2025-01-01", [f"2025-02-{d:02d}" for d in range(1, 11)],
                 np.linspace(495, 535, 10), [500] * 10, [520] * 10)  # fmt: skip
    late = rows("2025-01-01", ["2025-05-01", "2025-06-01"], [600, 610], [500] * 2, [520] * 2)
    target = rows("2025-04-01", ["2025-04-10", "2025-05-10"], [530, 531], [510] * 2, [530] * 2)
    base = calibrate_replay(pd.concat([first, target]), [80])
    # rounds of an earlier origin dated after the origin, and any later origin, change nothing
    more = calibrate_replay(
        pd.concat([first, late, target, rows("2025-07-01", ["2025-07-09"], [700], [500], [520])]),
        [80],
    )
    keep = ["q_80", "cal_lo_80", "cal_hi_80"]
    got = more[more["origin"] == "2025-04-01"][keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got, base[base["origin"] == "2025-04-01"][keep].reset_index(drop=True)
    )
    # nor do the actual cutoffs of the calibrated rows themselves
    moved = target.assign(actual=[900.0, 100.0])
    again = calibrate_replay(pd.concat([first, moved]), [80])
    pd.testing.assert_frame_equal(
        again[again["origin"] == "2025-04-01"][keep].reset_index(drop=True),
        base[base["origin"] == "2025-04-01"][keep].reset_index(drop=True),
    )


def test_calibration_falls_back_to_every_category_and_farther_rows_stay_out():
    # cec has 2 earlier scores (< min_scores 8): the 8 pnp scores calibrate it; a row 1 month
    # ahead is not calibrated by rows that were 2 months ahead
    pnp = rows("2025-01-01", [f"2025-02-{d:02d}" for d in range(1, 9)], [530] * 8, [500] * 8,
               [520] * 8, category="pnp")  # fmt: skip
    cec = rows("2025-01-01", ["2025-02-10", "2025-02-11"], [510, 510], [500] * 2, [520] * 2)
    far = rows("2025-01-01", ["2025-03-01"] * 8, [900] * 8, [500] * 8, [520] * 8, ahead=2)
    target = rows("2025-04-01", ["2025-04-10"], [515], [500], [520])
    out = calibrate_replay(pd.concat([pnp, cec, far, target]), [80])
    # 10 scores of one month ahead (8 pnp at +1.0, 2 cec at -1.0): the 9th smallest is 1.0
    assert out.iloc[-1]["q_80"] == pytest.approx(1.0)


def test_summary_reports_calibrated_coverage():
    first = rows("2025-01-01", [f"2025-02-{d:02d}" for d in range(1, 11)], [530] * 10,
                 [500] * 10, [520] * 10)  # fmt: skip
    target = rows("2025-04-01", ["2025-04-10"], [525], [500], [520])
    frame = calibrate_replay(pd.concat([first, target]), [80])
    table = replay_summary(frame)
    assert table.loc[("cec", "1-3"), "coverage_80"] == pytest.approx(0.0)
    # q = 1: the last interval becomes 490..530 and covers 525
    assert table.loc[("cec", "1-3"), "cal_coverage_80"] == pytest.approx(1 / 11)
