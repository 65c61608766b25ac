"""Proper scores: CRPS (normal and ensemble), interval score and WIS by hand and by integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from eeforecast.forecast.scoring import (
    crps_ensemble,
    crps_normal,
    interval_score,
    weighted_interval_score,
)


def _crps_by_integration(cdf, y, lo, hi):
    """CRPS = int (F(x) - 1{x >= y})^2 dx, numerically on [lo, hi]."""
    left, _ = integrate.quad(lambda x: cdf(x) ** 2, lo, y, limit=200)
    right, _ = integrate.quad(lambda x: (1 - cdf(x)) ** 2, y, hi, limit=200)
    return left + right


def test_crps_of_a_normal_at_its_mean():
    # z = 0: sd (0 + 2 phi(0) - 1/sqrt(pi)) = sd (2/sqrt(2 pi) - 1/sqrt(pi)) = sd (sqrt2 - 1)/sqrt(pi)
    for sd in (1.0, 7.5, 40.0):
        assert crps_normal(500.0, sd, 500.0) == pytest.approx(
            sd * (np.sqrt(2) - 1) / np.sqrt(np.pi)
        )


@pytest.mark.parametrize("y", [480.0, 503.0, 560.0])
def test_crps_normal_is_the_integral_of_the_squared_cdf_difference(y):
    mean, sd = 500.0, 12.0
    expected = _crps_by_integration(lambda x: stats.norm.cdf(x, mean, sd), y, 300, 700)
    assert crps_normal(mean, sd, y) == pytest.approx(expected, rel=1e-6)


def test_crps_normal_broadcasts_and_tends_to_the_absolute_error():
    out = crps_normal(np.array([500.0, 500.0]), np.array([1.0, 1e-6]), np.array([500.0, 510.0]))
    assert out.shape == (2,)
    assert out[1] == pytest.approx(10.0, abs=1e-5)  # a point forecast scores its absolute error
    assert crps_normal(500.0, 0.0, 497.0) == 3.0


def test_crps_ensemble_by_hand():
    # draws 490, 500, 530 at y = 505: E|X - y| = (15 + 5 + 25) / 3 = 15;
    # E|X - X'| over the 9 ordered pairs = 2 (10 + 40 + 30) / 9 = 160 / 9; CRPS = 15 - 80 / 9
    assert crps_ensemble([530.0, 490.0, 500.0], 505.0) == pytest.approx(15 - 80 / 9)
    assert crps_ensemble([500.0], 510.0) == 10.0
    assert np.isnan(crps_ensemble([], 500.0))


def test_crps_ensemble_matches_the_pairwise_formula_and_the_normal():
    rng = np.random.default_rng(3)
    x = rng.normal(500, 10, size=300)
    y = 512.0
    brute = np.mean(np.abs(x - y)) - 0.5 * np.mean(np.abs(x[:, None] - x[None, :]))
    assert crps_ensemble(x, y) == pytest.approx(brute, rel=1e-12)
    big = rng.normal(500, 10, size=100_000)
    assert crps_ensemble(big, y) == pytest.approx(crps_normal(500.0, 10.0, y), rel=0.02)


def test_interval_score_and_wis_by_hand():
    assert interval_score(490.0, 510.0, 500.0, 0.2) == 20.0  # inside: the width
    assert interval_score(490.0, 510.0, 485.0, 0.2) == 20.0 + 10 * 5  # below by 5
    # median 500, 80% [490, 510], 95% [480, 520], y = 515:
    # (0.5 * 15 + 0.1 * (20 + 10 * 5) + 0.025 * 40) / 2.5 = (7.5 + 7 + 1) / 2.5 = 6.2
    wis = weighted_interval_score(515.0, 500.0, {80: (490.0, 510.0), 95: (480.0, 520.0)})
    assert wis == pytest.approx(6.2)
