"""Tests of the replay evaluation's summary (eeforecast.evaluation.multiround)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eeforecast.evaluation import replay_summary


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


def test_summary_reports_calibrated_coverage():
    first = rows("2025-04-01", [f"2025-04-{d:02d}" for d in range(10, 14)], [525] * 4,
                 [500] * 4, [520] * 4)  # fmt: skip
    frame = first.assign(cal_lo_80=[490.0] * 4, cal_hi_80=[530.0, 530.0, 520.0, 520.0])
    table = replay_summary(frame)
    assert table.loc[("cec", "1-3"), "coverage_80"] == pytest.approx(0.0)
    # 525 is inside the first two calibrated intervals (490..530), not the last two
    assert table.loc[("cec", "1-3"), "cal_coverage_80"] == pytest.approx(0.5)
