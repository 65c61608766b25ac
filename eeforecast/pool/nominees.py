"""The provincial nominees (601-1200): their scores, 600 plus a core score, from past PNP rounds.

Two regimes (:func:`detect_regime`): a PNP round invites the top N of the nominee stock
(:func:`fit_nominee_shape`), or every nominee in the pool, so that its size is the stock and its
cutoff the lowest of their scores, an extreme value that falls as the stock grows
(:func:`min_cutoff`, fitted by :func:`fit_nominee_tail`; the stock from :func:`nominee_inflow`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scores import NOMINEE_FLOOR, SCORES
from .density import DEFAULT_NOMINEE_SHAPE, nominee_shape

__all__ = [
    "NomineeModel",
    "NomineeTail",
    "detect_regime",
    "fit_nominee_shape",
    "fit_nominee_tail",
    "min_cutoff",
    "min_cutoff_quantile",
    "nominee_cutoff_shape",
    "nominee_inflow",
    "nominee_residuals",
]


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


# -- the invite-all regime: every nominee in the pool is invited -------------------------------

#: ``ln E`` at the median of ``E ~ Exp(1)`` (the median of the minimum of ``n`` draws).
MEDIAN_LOG_E = float(np.log(np.log(2.0)))
#: Euler's constant: ``-E[ln E]`` for ``E ~ Exp(1)``.
EULER = 0.5772156649015329


def min_cutoff(
    n: float | np.ndarray,
    loc: float | np.ndarray,
    scale: float | np.ndarray,
    log_e: float | np.ndarray = MEDIAN_LOG_E,
) -> np.ndarray:
    """The cutoff of a round that invites all of ``n`` candidates: the lowest of their scores.

    Parameters
    ----------
    n : float or numpy.ndarray
        Candidates invited, values below 1 count as 1 [candidates].
    loc : float or numpy.ndarray
        Location: the cutoff of a round of one candidate at ``ln E = 0`` [CRS points].
    scale : float or numpy.ndarray
        Scale of the exponential lower tail, the fall of the cutoff per unit of ``ln n``
        [CRS points].
    log_e : float or numpy.ndarray
        ``ln E`` with ``E ~ Exp(1)`` (default: its median ``ln ln 2``) [-].

    Returns
    -------
    numpy.ndarray
        ``loc - scale ln n + scale ln E`` [CRS points], not rounded.

    Notes
    -----
    If the scores have an exponential lower tail, ``P(X <= x) = exp((x - loc) / scale)``, the
    minimum of ``n`` independent scores satisfies ``P(min > x) = (1 - F(x))^n ~ exp(-n F(x))``:
    ``n F(min)`` is ``Exp(1)``, so ``min = loc - scale ln n + scale ln E`` (a Gumbel-min law).
    The slope in ``ln n`` and the spread are tied: sd = ``scale pi / sqrt(6)``.

    Examples
    --------
    >>> round(float(min_cutoff(100, 900.0, 30.0, log_e=0.0)), 2)  # 900 - 30 ln 100
    761.84
    """
    n = np.maximum(np.asarray(n, dtype=float), 1.0)
    return np.asarray(loc - scale * np.log(n) + scale * np.asarray(log_e, dtype=float))


def min_cutoff_quantile(q: float | np.ndarray, n: float, loc: float, scale: float) -> np.ndarray:
    """Quantile ``q`` of :func:`min_cutoff` over ``E``: ``ln E = ln(-ln(1 - q))`` [CRS points].

    Examples
    --------
    >>> float(min_cutoff_quantile(0.5, 1, 900.0, 30.0)) == float(min_cutoff(1, 900.0, 30.0))
    True
    """
    q = np.asarray(q, dtype=float)
    return min_cutoff(n, loc, scale, np.log(-np.log1p(-q)))


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

    @property
    def scale(self) -> float:
        """:math:`\\sigma`, the fall of the lowest score per unit of :math:`\\ln N` [CRS points]."""
        return float(np.exp(self.log_scale))

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


def fit_nominee_tail(
    cutoffs: np.ndarray, sizes: np.ndarray, weights: np.ndarray | None = None
) -> NomineeTail:
    """Fit :func:`min_cutoff` to past rounds that invited every candidate of their stock.

    Parameters
    ----------
    cutoffs : numpy.ndarray, shape (R,)
        The rounds' cutoffs [CRS points].
    sizes : numpy.ndarray, shape (R,)
        Their invitations [candidates].
    weights : numpy.ndarray, shape (R,), optional
        Recency weights [-]; rescaled to sum to ``R``. Default: equal.

    Returns
    -------
    NomineeTail
        ``location`` and ``scale`` as in :func:`min_cutoff` [CRS points]; ``cov`` the asymptotic
        covariance of ``(location, ln scale)``, the inverse of the observed information of the
        weighted log-likelihood [-].

    Raises
    ------
    ParameterError
        Fewer than 3 rounds (two parameters and a spread need more).

    Notes
    -----
    Weighted maximum likelihood of ``cutoff_i = loc - scale ln N_i + scale g_i``, ``g_i = ln
    E_i`` with density ``exp(g - e^g)``; with ``z_i = (cutoff_i - loc) / scale + ln N_i`` the
    log-likelihood is ``sum w_i (z_i - e^z_i - ln scale)``.
    """
    from scipy.optimize import minimize  # scipy is heavy: imported where used

    y = np.asarray(cutoffs, dtype=float)
    log_n = np.log(np.maximum(np.asarray(sizes, dtype=float), 1.0))
    if len(y) < 3:
        raise ParameterError(f"cutoffs: the tail needs at least 3 rounds, got {len(y)}")
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum() * len(w)

    def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
        loc, ls = theta
        s = np.exp(ls)
        a = (y - loc) / s
        ez = np.exp(np.clip(a + log_n, -50, 50))
        value = -np.sum(w * (a + log_n - ez - ls))
        grad = np.array([np.sum(w * (1 - ez)) / s, np.sum(w * ((1 - ez) * a + 1))])
        return float(value), grad

    s0 = max(float(np.sqrt(np.cov(y, aweights=w))) * np.sqrt(6) / np.pi, 5.0)
    start = np.array([np.average(y + s0 * log_n, weights=w) + EULER * s0, np.log(s0)])
    sol = minimize(nll, start, jac=True, method="BFGS", options={"gtol": 1e-8})
    loc, ls = sol.x
    s = float(np.exp(ls))
    a = (y - loc) / s
    ez = np.exp(np.clip(a + log_n, -50, 50))
    info = np.array(
        [
            [np.sum(w * ez) / s**2, np.sum(w * (a * ez - 1 + ez)) / s],
            [np.sum(w * (a * ez - 1 + ez)) / s, np.sum(w * (a**2 * ez - a + a * ez))],
        ]
    )
    try:
        cov = np.linalg.inv(info)
        if not np.all(np.linalg.eigvalsh(cov) > 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        cov = np.diag([s**2, 0.25])  # no curvature: a broad spread
    return NomineeTail(location=float(loc), log_scale=float(ls), cov=cov)


def detect_regime(
    ratios: np.ndarray, *, window: int = 4, threshold: float = 0.97
) -> tuple[str, float]:
    """Whether IRCC invites every nominee: the median of the last ``window`` ratios.

    Parameters
    ----------
    ratios : numpy.ndarray, shape (R,)
        Per PNP round, ascending in time: its invitations over the 601-1200 count of the
        snapshot published with it (taken at most a few days before) [-]; NaN where no such
        snapshot exists (ignored).
    window : int
        Latest usable ratios whose median decides [rounds].
    threshold : float
        Median at or above which the rounds invite every nominee [-].

    Returns
    -------
    regime : {"invite_all", "top_n"}
        ``invite_all`` when at least ``window`` ratios are usable and their latest ``window``
        have a median ``>= threshold``; ``top_n`` (the rounds invite the top N of a larger
        stock) otherwise.
    median : float
        That median (NaN without usable ratios) [-].

    Examples
    --------
    >>> detect_regime(np.array([0.8, 1.0, 0.99, np.nan, 1.02, 0.96]))
    ('invite_all', 0.995)
    >>> detect_regime(np.array([0.74, 0.97, 0.84, 0.90]))
    ('top_n', 0.87)
    """
    r = np.asarray(ratios, dtype=float)
    r = r[np.isfinite(r)]
    if len(r) == 0:
        return "top_n", float("nan")
    median = float(np.median(r[-window:]))
    regime = "invite_all" if len(r) >= window and median >= threshold else "top_n"
    return regime, median


def nominee_inflow(
    dates: np.ndarray, sizes: np.ndarray, *, k: int = 4, min_days: float = 7.0
) -> tuple[float, float]:
    """Nominations per day from the last ``k`` invite-all rounds, and its forecast error.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (R,)
        Days of the PNP rounds, ascending.
    sizes : numpy.ndarray, shape (R,)
        Their invitations [candidates].
    k : int
        Rounds whose sizes make the rate [rounds].
    min_days : float
        Shortest span a rate is computed over [days].

    Returns
    -------
    rate : float
        The last ``k`` sizes over the days from the round before them to the last one (each
        round invited what arrived since the previous one) [candidates/day]; NaN with fewer
        than 2 rounds.
    log_sd : float
        Root mean square of ``ln(N_j / (rate_j gap_j))`` over the rounds ``j`` with at least
        ``k`` rounds before them, ``rate_j`` computed from those only and ``gap_j`` the days
        since the previous round: the one-round-ahead error of a stock forecast [-]; NaN
        without such rounds.

    Examples
    --------
    >>> d = np.array(["2025-01-01", "2025-01-11", "2025-01-21"], dtype="datetime64[ns]")
    >>> nominee_inflow(d, np.array([100, 200, 300]), k=2)
    (25.0, nan)
    """
    t = (np.asarray(dates, dtype="datetime64[ns]") - np.datetime64("1970-01-01", "ns")) / (
        np.timedelta64(1, "D")
    )
    n = np.asarray(sizes, dtype=float)

    def rate_at(j: int) -> float:  # from the rounds up to j
        first = max(j - k, 0)
        if j <= first:
            return float("nan")
        return float(n[first + 1 : j + 1].sum() / max(t[j] - t[first], min_days))

    rate = rate_at(len(n) - 1) if len(n) >= 2 else float("nan")
    errors = [
        np.log(n[j] / (rate_at(j - 1) * max(t[j] - t[j - 1], 1.0)))
        for j in range(k + 1, len(n))
        if n[j] > 0 and rate_at(j - 1) > 0
    ]
    log_sd = float(np.sqrt(np.mean(np.square(errors)))) if errors else float("nan")
    return rate, log_sd


@dataclass(frozen=True)
class NomineeModel:
    """The provincial nominees as IRCC invites them (:func:`eeforecast.pool.fit_pool`).

    Attributes
    ----------
    regime : {"invite_all", "top_n"}
        ``invite_all``: each PNP round invites every nominee in the pool (:func:`detect_regime`);
        its size is the stock, the nominations since the last round, and its cutoff the lowest
        of their scores (:func:`min_cutoff`). ``top_n``: the top N of a larger stock, as in
        2024-11..2025-03 (the nominee shape of :func:`fit_nominee_shape`).
    share : float
        Median of the latest invitations / nominees-in-the-snapshot ratios [-].
    tail_loc, tail_scale : float
        :func:`min_cutoff`'s parameters fitted on the PNP rounds (NaN with fewer than 3)
        [CRS points].
    tail_cov : numpy.ndarray, shape (2, 2)
        Covariance of ``(tail_loc, ln tail_scale)`` [-].
    n_rounds : int
        PNP rounds behind the tail.
    inflow_rate : float
        Nominations per day (:func:`nominee_inflow`) [candidates/day].
    inflow_log_sd : float
        Its one-round-ahead log error [-].
    evidence : pandas.DataFrame
        Per PNP round: ``date, invitations, cutoff, snapshot, lag, nominees, ratio, used``
        (``used``: the ratio counts for the regime).
    """

    regime: str
    share: float
    tail_loc: float
    tail_scale: float
    tail_cov: np.ndarray
    n_rounds: int
    inflow_rate: float
    inflow_log_sd: float
    evidence: pd.DataFrame

    @property
    def invite_all(self) -> bool:
        """True in the invite-all regime with a fitted tail."""
        return self.regime == "invite_all" and np.isfinite(self.tail_loc)

    def cutoff(self, n: float, q: float = 0.5) -> int:
        """Quantile ``q`` of the cutoff of a round of ``n`` nominees at the fitted tail,
        without parameter uncertainty [CRS points]."""
        value = float(min_cutoff_quantile(q, n, self.tail_loc, self.tail_scale))
        return int(np.clip(np.rint(value), NOMINEE_FLOOR, 1200))

    def summary(self) -> str:
        """One line: the regime, its evidence, the tail and the inflow."""
        tail = (
            f"cutoff = {self.tail_loc:.0f} - {self.tail_scale:.1f} ln N + {self.tail_scale:.1f}"
            " ln E"
            if np.isfinite(self.tail_loc)
            else "no tail (fewer than 3 rounds)"
        )
        return (
            f"PNP regime {self.regime} (median invitations / nominees {self.share:.2f}); {tail} "
            f"({self.n_rounds} rounds); nominations {self.inflow_rate:.0f}/day "
            f"(log error {self.inflow_log_sd:.2f})"
        )
