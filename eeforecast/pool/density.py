"""IRCC's 15 bands <-> candidates at every CRS score, and the unpublished shapes inside bands.

Pure functions on arrays over scores 0..1200: :func:`density_from_bands` and
:func:`bands_from_density` (the 1-point density that reproduces every band total),
:func:`nominee_shape` (the 601-1200 band), :func:`tilt_factors` and :func:`band_tilt` (the shape
inside 501-600, which IRCC does not publish).
"""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from ..scores import BAND_HI, BAND_LO, BAND_OF_SCORE, BANDS, MAX_SCORE, N_SCORES

__all__ = [
    "DEFAULT_NOMINEE_SHAPE",
    "TILT_SCORES",
    "band_shape",
    "band_tilt",
    "bands_from_density",
    "density_from_bands",
    "nominee_shape",
    "score_inflow",
    "tilt_factors",
]

#: Default nominee core-score shape (mean, sd) [CRS points] used before any PNP round calibrates it.
DEFAULT_NOMINEE_SHAPE = (160.0, 60.0)


def bands_from_density(density: np.ndarray) -> np.ndarray:
    """Sum a 1-point density over IRCC's 15 leaf bands.

    Parameters
    ----------
    density : numpy.ndarray, shape (..., 1201)
        Candidates at each CRS score 0..1200 [candidates].

    Returns
    -------
    numpy.ndarray, shape (..., 15)
        Candidates in each band of :data:`eeforecast.scores.BANDS` [candidates].
    """
    density = np.asarray(density, dtype=float)
    cum = np.concatenate([np.zeros(density.shape[:-1] + (1,)), np.cumsum(density, -1)], -1)
    return cum[..., BAND_HI + 1] - cum[..., BAND_LO]


def nominee_shape(mean: float, sd: float) -> np.ndarray:
    """Share of the nominees (600 + core score) at each score 601..1200.

    Parameters
    ----------
    mean, sd : float
        Mean and standard deviation of the nominees' core score (CRS minus the 600 nomination
        points) [CRS points]. ``sd`` must be positive.

    Returns
    -------
    numpy.ndarray, shape (1201,)
        Zero below 601; sums to 1 over 601..1200 [fraction].

    Notes
    -----
    A normal distribution of core scores, integrated over each 1-point cell and truncated to
    core 1..600.
    """
    from scipy.special import ndtr  # scipy is heavy: imported where used

    if not sd > 0:
        raise ParameterError(f"sd: nominee core-score sd must be > 0, got {sd!r}")
    edges = (np.arange(600, 1201) + 0.5 - 600 - mean) / sd
    cdf = ndtr(edges)
    shape = np.zeros(N_SCORES)
    shape[601:] = np.diff(cdf)
    total = shape.sum()
    if total <= 0:  # all mass outside 601..1200: put it at the nearest end
        shape[601 if mean < 300 else MAX_SCORE] = 1.0
        return shape
    return shape / total


def _exp_cells(f0: np.ndarray, total: np.ndarray, width: int) -> np.ndarray:
    """Cells of an exponential density on ``width`` 1-point cells with edge density ``f0`` that
    holds ``total``; the rate is solved by bisection; cells are rescaled to hold ``total``."""
    f0 = np.maximum(f0, 1e-9)
    target = np.clip(total / f0, 1e-6, None)  # = (1 - exp(-k W)) / k, decreasing in k
    lo = np.full_like(target, -0.3)
    hi = np.full_like(target, 3.0)

    def mass(k: np.ndarray) -> np.ndarray:
        small = np.abs(k) < 1e-9
        safe = np.where(small, 1.0, k)
        return np.where(small, width, -np.expm1(-safe * width) / safe)

    for _ in range(50):
        mid = 0.5 * (lo + hi)
        too_much = mass(mid) > target
        lo = np.where(too_much, mid, lo)
        hi = np.where(too_much, hi, mid)
    k = 0.5 * (lo + hi)[..., None]
    u = np.arange(width + 1)
    small = np.abs(k) < 1e-9
    safe = np.where(small, 1.0, k)
    cum = np.where(small, u, -np.expm1(-safe * u) / safe)
    cells = np.diff(cum, axis=-1)
    norm = cells.sum(-1, keepdims=True)
    return np.where(norm > 0, cells / np.where(norm > 0, norm, 1.0), 1.0 / width) * total[..., None]


def density_from_bands(
    counts: np.ndarray,
    *,
    nominee: np.ndarray | None = None,
    edge_ratio: float = 1.0,
) -> np.ndarray:
    """Candidates at every CRS score 0..1200 from a snapshot's 15 leaf bands.

    Parameters
    ----------
    counts : numpy.ndarray, shape (..., 15)
        Candidates in each band of :data:`eeforecast.scores.BANDS`, ascending [candidates].
    nominee : numpy.ndarray, shape (1201,), optional
        Shape of the 601..1200 band (see :func:`nominee_shape`) [fraction]. Default: the shape of
        :data:`DEFAULT_NOMINEE_SHAPE`.
    edge_ratio : float
        Density just above 500 relative to the 491-500 band's mean density [ratio]; 1 joins the
        501-600 exponential continuously to the band below.

    Returns
    -------
    numpy.ndarray, shape (..., 1201)
        Candidates at each score [candidates]; non-negative; sums over each band equal
        ``counts`` (to floating-point precision).

    Notes
    -----
    - 0..500: the cumulative count :math:`F(x)` through the band edges
      (:math:`x = -0.5, 300.5, 350.5, 400.5, 410.5, \\ldots, 500.5`) is a monotone piecewise-cubic
      Hermite interpolant (PCHIP, Fritsch-Carlson slopes), so the density :math:`F'` is
      continuous and non-negative and every band total is exact. The slope at 500.5 is set to
      ``edge_ratio`` times the mean density of 491-500, so the density is continuous with the
      band above.
    - 501..600: :math:`f(s) = f_0 e^{-k (s - 500.5)}` with :math:`f_0` that edge density and
      :math:`k` solved so that the band total is held: candidates above 500 thin out steeply
      upward because rounds keep inviting them (``k`` < 0, rising density, when the band holds
      more than :math:`100 f_0`).
    - 601..1200: provincial nominees (600 + core score), the band total spread as ``nominee``.

    Each score's count is the integral of the density over its 1-point cell.
    """
    from scipy.interpolate import (  # scipy is heavy: imported where used
        CubicHermiteSpline,
        PchipInterpolator,
    )

    counts = np.asarray(counts, dtype=float)
    if counts.shape[-1] != len(BANDS):
        raise ParameterError(f"counts: expected 15 bands on the last axis, got {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ParameterError("counts: band counts must be finite and >= 0")
    if nominee is None:
        nominee = nominee_shape(*DEFAULT_NOMINEE_SHAPE)
    out = np.zeros(counts.shape[:-1] + (N_SCORES,))
    # 0..500 by monotone cubic on the cumulative count
    knots = np.concatenate([[-0.5], BAND_HI[:13] + 0.5])
    cum = np.concatenate([np.zeros(counts.shape[:-1] + (1,)), np.cumsum(counts[..., :13], -1)], -1)
    slopes = np.array(PchipInterpolator(knots, cum, axis=-1).derivative()(knots), dtype=float)
    edge = edge_ratio * counts[..., 12] / 10.0
    slopes[..., -1] = np.minimum(edge, 3.0 * counts[..., 12] / 10.0)
    spline = CubicHermiteSpline(knots, cum, slopes, axis=-1)
    at = np.asarray(spline(np.arange(-1, 501) + 0.5))
    out[..., :501] = np.maximum(np.diff(at, axis=-1), 0.0)
    # exact band totals for 0..500 despite clipping of rounding noise
    sums = bands_from_density(out)[..., :13]
    scale = np.where(sums > 0, counts[..., :13] / np.where(sums > 0, sums, 1.0), 0.0)
    out[..., :501] *= scale[..., BAND_OF_SCORE[:501]]
    # 501..600 exponential
    out[..., 501:601] = _exp_cells(edge, counts[..., 13], 100)
    # 601..1200 nominees
    out[..., 601:] = counts[..., 14, None] * nominee[601:]
    return out


#: Scores whose in-band shape the tilt perturbs (the 501-600 band) [CRS points].
TILT_SCORES = np.arange(501, 601)


def tilt_factors(band: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Multipliers of the density at 501..600 that tilt it by ``delta`` and keep its total.

    Parameters
    ----------
    band : numpy.ndarray, shape (100,)
        Candidates at 501..600 [candidates].
    delta : numpy.ndarray, shape (P,)
        Tilts: the log-density changes by ``delta`` per 100 points [-].

    Returns
    -------
    numpy.ndarray, shape (P, 100)
        ``exp(delta (s - 550.5) / 100)`` rescaled so that ``(band * factors).sum(axis=1)``
        equals ``band.sum()``; exactly 1 where ``delta`` is 0 or the band is empty [-].

    Examples
    --------
    >>> band = np.full(100, 10.0)
    >>> f = tilt_factors(band, np.array([0.0, 1.0]))
    >>> bool(np.all(f[0] == 1)), round(float((band * f[1]).sum()), 6), bool(f[1, -1] > f[1, 0])
    (True, 1000.0, True)
    """
    band = np.asarray(band, dtype=float)
    delta = np.asarray(delta, dtype=float).reshape(-1)
    w = np.exp(delta[:, None] * ((TILT_SCORES[None, :] - 550.5) / 100.0))
    norm = (w * band[None, :]).sum(axis=1)
    total = band.sum()
    ok = (delta != 0) & (norm > 0) & (total > 0)
    scale = np.divide(total, norm, out=np.ones_like(norm), where=ok)
    return np.where(ok[:, None], w * scale[:, None], 1.0)


def band_tilt(band: np.ndarray, cutoff: int, above: float) -> float:
    """The tilt under which ``above`` of the 501-600 candidates ``band`` score >= ``cutoff``.

    Parameters
    ----------
    band : numpy.ndarray, shape (100,)
        Candidates at 501..600 [candidates].
    cutoff : int
        A round's cutoff, 502..600 [CRS points].
    above : float
        Candidates of the band at or above ``cutoff`` the round revealed [candidates].

    Returns
    -------
    float
        ``delta`` of :func:`tilt_factors` (bisection on -20..20), NaN if ``above`` is not
        strictly between 0 and the band's total [-].
    """
    band = np.asarray(band, dtype=float)
    total = band.sum()
    if not (0 < above < total) or not 501 < cutoff <= 600:
        return float("nan")
    top = TILT_SCORES >= cutoff

    def share(d: float) -> float:
        return float((band * tilt_factors(band, np.array([d]))[0])[top].sum())

    lo, hi = -20.0, 20.0
    if not share(lo) < above < share(hi):
        return float("nan")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if share(mid) < above:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def band_shape(density: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Within-band share of every score (uniform in an empty band) [fraction]."""
    band_total = counts[BAND_OF_SCORE]
    width = (BAND_HI - BAND_LO + 1)[BAND_OF_SCORE]
    return np.where(
        band_total > 0, density / np.where(band_total > 0, band_total, 1.0), 1.0 / width
    )


def score_inflow(band_rate: np.ndarray, density: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return band_rate[BAND_OF_SCORE] * band_shape(density, counts)
