"""The backlog read from the simulated forecast schedule (eeforecast.backlog)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eeforecast.backlog import backlog
from eeforecast.errors import ParameterError
from eeforecast.projection import project


def test_backlog_projection(feed):
    a = backlog(feed, as_of="2025-06-30", weeks=6, thresholds=(500, 520), n_paths=50, rng=7)
    b = backlog(feed, as_of="2025-06-30", weeks=6, thresholds=(500, 520), n_paths=50, rng=7)
    pd.testing.assert_frame_equal(a.weekly, b.weekly)
    assert len(a.weekly) == 6
    for name in ("pool", "above_500", "above_520"):
        assert (a.weekly[f"{name}_lo_95"] <= a.weekly[name]).all()
        assert (a.weekly[name] <= a.weekly[f"{name}_hi_95"]).all()
    assert (a.weekly["above_520"] <= a.weekly["above_500"]).all()
    assert a.clearance["threshold"].tolist() == [500, 520]
    assert (a.clearance["above_now"] > 0).all()
    for row in a.clearance.itertuples():  # the central figure never contradicts the pace
        if row.pace_per_week > 0:
            assert row.weeks_to_clear == pytest.approx(row.above_now / row.pace_per_week)
        else:
            assert row.weeks_to_clear == np.inf
    assert "at or above 500" in a.summary()
    with pytest.raises(ParameterError, match="weeks"):
        backlog(feed, weeks=0)
    with pytest.raises(ParameterError, match="threshold"):
        backlog(feed, thresholds=(1500,))


def test_backlog_invited_counts_actual_invitations(feed):
    # 2022-02-01: one snapshot, PNP rounds only, and round #214 had taken every nominee: the
    # forecast PNP rounds find nobody to invite, so nobody is counted as invited
    with pytest.warns(UserWarning, match="only one pool snapshot"):
        res = backlog(feed, as_of="2022-02-01", weeks=3, n_paths=20, rng=1)
    assert res.weekly["rounds"].iloc[-1] > 0
    assert (res.weekly["invited"] == 0).all()


def test_backlog_says_when_the_pool_is_held_flat(feed):
    """With one known snapshot the inflow cannot be estimated: backlog says so."""
    with pytest.warns(UserWarning, match="only one pool snapshot is known"):
        backlog(feed, as_of="2022-02-01", weeks=2, n_paths=20, rng=1)


def test_backlog_reads_a_given_projection(feed):
    # the report reads its backlog from the simulation behind the odds: the same numbers as a
    # backlog that runs the projection itself over the same span
    own = backlog(feed, as_of="2025-06-30", weeks=6, thresholds=(501,), n_paths=40, rng=3)
    proj = project(feed, as_of="2025-06-30", span="6w", n_paths=40, rng=3, thresholds=(501,))
    read = backlog(projection=proj, weeks=6, thresholds=(501,))
    pd.testing.assert_frame_equal(own.weekly, read.weekly)
    pd.testing.assert_frame_equal(own.clearance, read.clearance)
    with pytest.raises(ParameterError, match="not tracked by the projection"):
        backlog(projection=proj, weeks=6, thresholds=(450,))
    with pytest.raises(ParameterError, match="beyond the projection's span"):
        backlog(projection=proj, weeks=7, thresholds=(501,))


def test_backlog_deterministic_path(feed):
    det = backlog(feed, as_of="2025-06-30", weeks=4, n_paths=None)
    assert (det.weekly["above_500_lo_80"] == det.weekly["above_500"]).all()
