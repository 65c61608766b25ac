"""The provincial nominees (601-1200): their scores, 600 plus a core score, from past PNP rounds."""

from __future__ import annotations

import numpy as np

from ..scores import SCORES
from .density import DEFAULT_NOMINEE_SHAPE, nominee_shape

__all__ = ["fit_nominee_shape", "nominee_cutoff_shape", "nominee_residuals"]


def nominee_cutoff_shape(mean: float, sd: float, lower_z: float = 2.0) -> np.ndarray:
    """:func:`nominee_shape` cut ``lower_z`` standard deviations below the mean.

    The lowest nominees are taken by the rounds that invite (nearly) every nominee, so the band
    is modelled as a normal of core scores truncated below at ``mean - lower_z * sd``
    [CRS points]; returns shares over 0..1200 summing to 1 [fraction].
    """
    shape = nominee_shape(mean, sd)
    floor = 600 + mean - lower_z * sd
    cut = SCORES < np.floor(floor)
    if shape[~cut].sum() <= 0:
        return shape
    shape = np.where(cut, 0.0, shape)
    return shape / shape.sum()


def fit_nominee_shape(
    cutoffs: np.ndarray,
    fractions: np.ndarray,
    weights: np.ndarray,
    *,
    lower_z: float = 2.0,
    sd_bounds: tuple[float, float] = (20.0, 120.0),
    default: tuple[float, float] = DEFAULT_NOMINEE_SHAPE,
    ridge: float = 0.5,
) -> tuple[float, float]:
    """Mean and sd of nominee core scores from past PNP rounds.

    Parameters
    ----------
    cutoffs : numpy.ndarray, shape (R,)
        Cutoffs of past PNP rounds [CRS points].
    fractions : numpy.ndarray, shape (R,)
        Invitations over the nominees in the pool just before each round [fraction]; above 1
        when nominations arrived after the snapshot.
    weights : numpy.ndarray, shape (R,)
        Weight of each round (recency) [-].
    lower_z : float
        Truncation of the nominee distribution (see :func:`nominee_cutoff_shape`) [sd].
    sd_bounds : tuple of float
        Bounds of the sd [CRS points].
    default : tuple of float
        Returned with no rounds; its sd is kept with fewer than 3 rounds [CRS points].
    ridge : float
        Shrinks the fitted sd toward the default sd (a pseudo-variance of ``z``) [-].

    Returns
    -------
    mean, sd : float
        [CRS points] of the core score (CRS minus 600).

    Notes
    -----
    A PNP round that invites the fraction ``q`` of the nominees has its cutoff at the
    ``1 - q`` quantile of the (truncated normal) nominee distribution:
    ``cutoff - 600 = mean + sd * z`` with ``z = Phi^-1(1 - q * (1 - Phi(-lower_z)))``; ``q`` is
    clipped to [0.02, 1]. Weighted least squares of ``cutoff - 600`` on ``z``, the slope (sd)
    shrunk toward the default: ``sd = (S_zy + ridge sd0) / (S_zz + ridge)`` with weighted
    (normalised) co-moments.
    """
    from scipy.special import ndtr, ndtri  # scipy is heavy: imported where used

    cutoffs = np.asarray(cutoffs, dtype=float)
    if len(cutoffs) == 0:
        return default
    kept = 1.0 - ndtr(-lower_z)
    q = np.clip(np.asarray(fractions, dtype=float), 0.02, 1.0)
    z = ndtri(np.clip(1.0 - q * kept, 1e-6, 1 - 1e-6))
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    y = cutoffs - 600.0
    sd = default[1]
    if len(cutoffs) >= 3:
        zbar, ybar = (w * z).sum(), (w * y).sum()
        var = (w * (z - zbar) ** 2).sum()
        cov = (w * (z - zbar) * (y - ybar)).sum()
        sd = float(np.clip((cov + ridge * default[1]) / (var + ridge), *sd_bounds))
    mean = float((w * (y - sd * z)).sum())
    return mean, sd


def nominee_residuals(
    cutoffs: np.ndarray, fractions: np.ndarray, mean: float, sd: float, lower_z: float = 2.0
) -> np.ndarray:
    """Past PNP cutoffs minus the cutoffs of the fitted nominee shape (:func:`fit_nominee_shape`)
    at the same invited shares [CRS points]."""
    from scipy.special import ndtr, ndtri  # scipy is heavy: imported where used

    kept = 1.0 - ndtr(-lower_z)
    q = np.clip(np.asarray(fractions, dtype=float), 0.02, 1.0)
    z = ndtri(np.clip(1.0 - q * kept, 1e-6, 1 - 1e-6))
    return np.asarray(cutoffs, dtype=float) - 600.0 - (mean + sd * z)
