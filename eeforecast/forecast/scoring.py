"""Proper scores of a predictive distribution: the CRPS (Gaussian and ensemble), the interval score
and the weighted interval score.

The continuous ranked probability score of a predictive distribution :math:`F` at the outcome
:math:`y` is :math:`\\mathrm{CRPS}(F, y) = \\int (F(x) - 1\\{x \\ge y\\})^2 dx
= E|X - y| - \\tfrac12 E|X - X'|` with :math:`X, X'` independent draws from :math:`F`. It is in
the outcome's unit [CRS points], equals the absolute error for a point forecast, and is lower
for a distribution that is both sharp and right: it scores the whole forecast, not only its
point. :func:`eeforecast.forecast.calibrate` chooses the ``auto`` model by it, and the backtest
reports it per model.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import ndtr  # the normal cdf; scipy.stats costs ~1 s to import

__all__ = ["crps_ensemble", "crps_normal", "interval_score", "weighted_interval_score"]


def crps_normal(mean, sd, y):
    """CRPS of normal forecasts ``N(mean, sd**2)`` at the outcomes ``y`` [unit of ``y``].

    Parameters
    ----------
    mean, sd, y : array_like
        Broadcast together [CRS points]; ``sd = 0`` is a point forecast (its absolute error).

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    With :math:`z = (y - \\mu) / \\sigma`: :math:`\\mathrm{CRPS} = \\sigma (z (2\\Phi(z) - 1) +
    2\\varphi(z) - 1/\\sqrt{\\pi})` (Gneiting and Raftery 2007). At the mean (:math:`z = 0`) it
    is :math:`\\sigma (2\\varphi(0) - 1/\\sqrt{\\pi}) = \\sigma (\\sqrt 2 - 1) / \\sqrt{\\pi}`.

    Examples
    --------
    >>> round(float(crps_normal(500.0, 10.0, 500.0)), 4)
    2.3369
    """
    mean, sd, y = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (mean, sd, y)))
    point = sd <= 0  # a point forecast (a calibrated interval of width 0): the absolute error
    safe = np.where(point, 1.0, sd)
    z = (y - mean) / safe
    out = safe * (z * (2 * ndtr(z) - 1) + 2 * _normal_pdf(z) - 1 / np.sqrt(np.pi))
    out = np.where(point, np.abs(y - mean), out)
    return out if out.ndim else float(out)


def _normal_pdf(z):
    """The standard normal density at ``z``."""
    return np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


def crps_ensemble(draws, y) -> float:
    """Exact CRPS of the empirical distribution of ``draws`` (equal weights) at ``y``.

    Parameters
    ----------
    draws : array_like, shape (n,)
        The ensemble [CRS points].
    y : float
        The outcome [CRS points].

    Returns
    -------
    float

    Notes
    -----
    :math:`\\frac1n \\sum_i |x_i - y| - \\frac1{2n^2} \\sum_{i,j} |x_i - x_j|`; the second sum is
    :math:`\\frac{2}{n^2} \\sum_i (2i - n - 1) x_{(i)}` over the sorted draws, so the cost is
    :math:`O(n \\log n)`.

    Examples
    --------
    >>> crps_ensemble([500.0], 510.0)  # one draw: the absolute error
    10.0
    >>> crps_ensemble([490.0, 510.0], 500.0)  # 10 - 20 / 4
    5.0
    """
    x = np.sort(np.asarray(draws, dtype=float).reshape(-1))
    n = len(x)
    if n == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    spread = 2.0 * np.sum((2 * i - n - 1) * x) / n**2  # E|X - X'|
    return float(np.mean(np.abs(x - float(y))) - 0.5 * spread)


def interval_score(lo, hi, y, alpha: float):
    """Interval score of the central ``1 - alpha`` interval ``[lo, hi]`` at ``y`` [CRS points]:
    its width plus ``2 / alpha`` times the distance by which ``y`` falls outside it.

    Examples
    --------
    >>> float(interval_score(490.0, 510.0, 515.0, 0.2))  # 20 + 2 / 0.2 * 5
    70.0
    """
    lo, hi, y = (np.asarray(v, dtype=float) for v in (lo, hi, y))
    out = (hi - lo) + 2 / alpha * (lo - y) * (y < lo) + 2 / alpha * (y - hi) * (y > hi)
    return out if out.ndim else float(out)


def weighted_interval_score(y, median, intervals: Mapping[int, tuple]):
    """Weighted interval score of a forecast given by its median and central intervals.

    Parameters
    ----------
    y : array_like
        Outcomes [CRS points].
    median : array_like
        The forecast's median (the point forecast) [CRS points].
    intervals : mapping of int to (lo, hi)
        Central intervals by level [%], each bound an array like ``y`` [CRS points].

    Returns
    -------
    numpy.ndarray or float

    Notes
    -----
    :math:`\\mathrm{WIS} = (\\tfrac12 |y - m| + \\sum_k \\tfrac{\\alpha_k}{2}
    \\mathrm{IS}_{\\alpha_k}) / (K + \\tfrac12)` with :math:`\\alpha_k = 1 - L_k / 100`
    (Bracher et al. 2021): a quantile approximation of the CRPS that needs only the published
    intervals. With few intervals it runs below the CRPS, so compare WIS with WIS.
    """
    y = np.asarray(y, dtype=float)
    total = 0.5 * np.abs(y - np.asarray(median, dtype=float))
    for level, (lo, hi) in intervals.items():
        alpha = 1 - level / 100
        total = total + alpha / 2 * interval_score(lo, hi, y, alpha)
    out = total / (len(intervals) + 0.5)
    return out if np.ndim(out) else float(out)
