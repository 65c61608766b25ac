"""The provincial nominees (601-1200): their scores, 600 plus a core score, from past PNP rounds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scores import SCORES
from .density import DEFAULT_NOMINEE_SHAPE, nominee_shape

__all__ = [
    "NomineeTail",
    "fit_nominee_shape",
    "fit_nominee_tail",
    "nominee_cutoff_shape",
    "nominee_residuals",
]


@dataclass(frozen=True)
class NomineeTail:
    """The lowest of ``N`` nominees' scores, from an exponential lower tail of their scores.

    If the nominees' scores have the lower tail :math:`F(x) \\propto e^{x / \\sigma}`, the lowest
    of :math:`N` of them is Gumbel-min distributed:
    :math:`\\min = \\mu - \\sigma \\ln N + \\sigma \\ln E` with :math:`E` standard exponential.
    A PNP round that invites every nominee it draws from cuts at that minimum.

    Attributes
    ----------
    location : float
        :math:`\\mu`: the lowest score of one nominee (:math:`N = 1`) at :math:`E = 1`
        [CRS points].
    log_scale : float
        :math:`\\ln \\sigma` [ln CRS points].
    cov : numpy.ndarray, shape (2, 2)
        Covariance of the estimates of ``(location, log_scale)``.
    """

    location: float
    log_scale: float
    cov: np.ndarray

    def min_cdf(self, scores, n, *, rng=None, n_draws: int = 400) -> np.ndarray:
        """Probability that the lowest of ``n`` nominees scores at most each of ``scores``.

        Parameters
        ----------
        scores : array_like
            CRS scores [CRS points]; a cutoff is a whole number, so ``P(min <= s)`` is read
            at ``s + 0.5``.
        n : float or array_like
            Nominees [candidates]; an array is a sample of plausible numbers (equally likely).
        rng : int, numpy.random.Generator or None
            With a generator or seed, the answer is averaged over ``n_draws`` draws of the
            parameters from their estimated normal (parameter uncertainty); None: the estimate.
        n_draws : int
            Parameter draws [draws].

        Returns
        -------
        numpy.ndarray, shape ``scores.shape``
            [fraction 0..1]
        """
        scores = np.asarray(scores, dtype=float)
        log_n = np.log(np.maximum(np.atleast_1d(np.asarray(n, dtype=float)), 1.0))
        if rng is None:
            theta = np.array([[self.location, self.log_scale]])
        else:
            gen = np.random.default_rng(rng)
            theta = gen.multivariate_normal([self.location, self.log_scale], self.cov, n_draws)
        scale = np.exp(theta[:, 1])[:, None]
        loc = theta[:, 0][:, None] - scale * log_n[None, :]  # (draws, sizes)
        z = (scores.reshape(-1)[None, None, :] + 0.5 - loc[..., None]) / scale[..., None]
        p = -np.expm1(-np.exp(np.clip(z, -50, 50)))
        return p.mean(axis=(0, 1)).reshape(scores.shape)


def fit_nominee_tail(cutoffs, invitations, weights=None) -> NomineeTail:
    """Fit :class:`NomineeTail` to past PNP rounds, each the lowest of the nominees it invited.

    Parameters
    ----------
    cutoffs : array_like, shape (R,)
        Cutoffs of past PNP rounds [CRS points].
    invitations : array_like, shape (R,)
        Their sizes [candidates].
    weights : array_like, shape (R,), optional
        Weight of each round (recency) [-]; rescaled to sum to ``R``.

    Returns
    -------
    NomineeTail

    Notes
    -----
    Weighted maximum likelihood of ``cutoff = mu - sigma ln N + sigma g`` with ``g = ln E`` of
    density ``exp(g - e^g)``; the covariance is the inverse of the numerical Hessian (a small
    diagonal when it is not positive definite). Assumes each round invited every nominee
    in the pool it drew from (the invite-all regime of 2025); a round that left nominees behind
    cut above the minimum.
    """
    from scipy import optimize  # scipy is heavy: imported where used

    y = np.asarray(cutoffs, dtype=float)
    ln_n = np.log(np.maximum(np.asarray(invitations, dtype=float), 1.0))
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum() * len(w)

    def nll(theta):
        mu, ls = theta
        scale = np.exp(ls)
        z = (y - mu + scale * ln_n) / scale
        return -float(np.sum(w * (z - np.exp(z) - ls)))

    start = np.array([y.mean() + 30 * ln_n.mean() + 0.577 * 30, np.log(30.0)])
    res = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"maxiter": 5000, "xatol": 1e-5, "fatol": 1e-8}
    )
    theta = res.x
    h = 1e-3 * np.maximum(np.abs(theta), 1)
    hess = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h[i], np.eye(2)[j] * h[j]
            hess[i, j] = (
                nll(theta + ei + ej) - nll(theta + ei - ej) - nll(theta - ei + ej)
                + nll(theta - ei - ej)
            ) / (4 * h[i] * h[j])  # fmt: skip
    try:
        cov = np.linalg.inv(hess)
        if not np.all(np.linalg.eigvalsh(cov) > 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.diag([1e-4, 1e-4])
    return NomineeTail(location=float(theta[0]), log_scale=float(theta[1]), cov=cov)


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
