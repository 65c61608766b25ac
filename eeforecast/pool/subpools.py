"""Category sub-pools: the candidates eligible for a category's rounds, emptied by its rounds above
their cutoffs and refilled afterwards.

Pure functions: :func:`depletion_age` (when each score was last emptied), :func:`category_eligible`
(the eligible candidates at each score), :func:`fit_category` (refill and conversion from past
rounds), :func:`invitation_rate` (a category's recent pace), :func:`room_for_round` (the assumption
that IRCC sizes a round inside its sub-pool), and the Monte Carlo spreads :func:`level_errors` and
:func:`pace_changes`. :class:`CategoryFit` holds one category's estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scores import N_SCORES, SCORES

__all__ = [
    "MIN_CATEGORY_ROUNDS",
    "CategoryFit",
    "ThinPoolWarning",
    "category_eligible",
    "depletion_age",
    "fit_category",
    "invitation_rate",
    "level_errors",
    "pace_changes",
    "rms",
    "room_for_round",
    "thin_note",
]

#: A category's sub-pool estimated from fewer past rounds than this is flagged: its simulated
#: cutoffs (and its candidates' odds) rest on too little data to be credible.
MIN_CATEGORY_ROUNDS = 3


class ThinPoolWarning(UserWarning):
    """A simulated round's category sub-pool rests on fewer than :data:`MIN_CATEGORY_ROUNDS`
    past rounds (:meth:`PoolModel.thin`)."""


def thin_note(category: str, n_rounds: int) -> str:
    """The sentence that flags a thin sub-pool (warnings, notes and the report share it)."""
    return (
        f"The {category} sub-pool is estimated from {n_rounds} past round(s) only: its "
        "simulated cutoffs are not credible."
    )


def depletion_age(dates: np.ndarray, cutoffs: np.ndarray, at: object) -> np.ndarray:
    """Days since each score was last emptied by a round, seen on day ``at``.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (R,)
        Days of the rounds that emptied the sub-pool (its own rounds and general rounds).
    cutoffs : numpy.ndarray of int, shape (R,)
        Their cutoffs [CRS points]: a round empties every score at or above its cutoff.
    at : date-like
        The day seen from; rounds dated on or after it are ignored (a snapshot of day ``at``
        shows the pool before that day's rounds).

    Returns
    -------
    numpy.ndarray, shape (1201,)
        Days since the latest round before ``at`` with cutoff <= score, ``inf`` if none [days].
    """
    at = np.datetime64(pd.Timestamp(at), "ns")
    dates = np.asarray(dates, dtype="datetime64[ns]")
    cutoffs = np.asarray(cutoffs)
    keep = (dates < at) & (cutoffs <= SCORES[-1])  # a cutoff above 1200 empties no score
    age = np.full(N_SCORES, np.inf)
    if not keep.any():
        return age
    # the latest round with each cutoff, then the latest with a cutoff <= each score: linear
    # in the rounds (a rounds x scores table made fitting a long feed quadratic)
    never = np.iinfo(np.int64).min
    latest = np.full(N_SCORES, never, dtype=np.int64)
    np.maximum.at(
        latest, np.clip(cutoffs[keep], 0, SCORES[-1]).astype(np.int64), dates[keep].view(np.int64)
    )
    latest = np.maximum.accumulate(latest)
    seen = latest != never
    age[seen] = (at.view(np.int64) - latest[seen]) / np.timedelta64(1, "D").astype(
        "timedelta64[ns]"
    ).view(np.int64)
    return age


def category_eligible(
    total: np.ndarray,
    inflow: np.ndarray,
    age: np.ndarray,
    refill: float,
    conversion: float,
    refill_days: float = 365.0,
) -> np.ndarray:
    """Candidates eligible for a category at each score.

    Parameters
    ----------
    total : numpy.ndarray, shape (..., 1201)
        Candidates at each score [candidates].
    inflow : numpy.ndarray, shape (1201,)
        Net inflow per day at each score (negative values count as 0) [candidates/day].
    age : numpy.ndarray, shape (1201,)
        Days since the category's rounds (or a general round) last emptied each score, ``inf``
        if never (see :func:`depletion_age`) [days].
    refill : float
        Eligible share of the net inflow [fraction].
    conversion : float
        Eligible arrivals per day as a share of the candidates at the score: new profiles that
        replace expired ones, and candidates already in the pool who become eligible (new
        language results, job offers, Canadian experience) [1/day].
    refill_days : float
        Refilling stops after this many days: a profile lasts 12 months, so a score emptied
        longer ago (or never) holds the steady state [days].

    Returns
    -------
    numpy.ndarray, shape (..., 1201)
        ``min(total, (refill * max(inflow, 0) + conversion * total) * min(age, refill_days))``
        [candidates].

    Examples
    --------
    >>> total = np.full(1201, 100.0)
    >>> age = np.where(SCORES >= 500, 10.0, np.inf)  # emptied above 500 ten days ago
    >>> e = category_eligible(total, np.zeros(1201), age, 0.1, 0.001)
    >>> float(e[400]), float(e[600])  # steady state 100 * 0.001 * 365 vs 10 days of refill
    (36.5, 1.0)
    """
    days = np.minimum(age, refill_days)
    return np.minimum(total, (refill * np.maximum(inflow, 0.0) + conversion * total) * days)


def room_for_round(eligible: np.ndarray, invitations: float, max_take: float = 0.75) -> np.ndarray:
    """Scale a modelled sub-pool up so that a round takes at most ``max_take`` of it.

    IRCC sizes a round knowing its pool: a category round that would take (nearly) every
    eligible candidate is evidence that the sub-pool is larger than modelled (the rounds took a
    good deal less than the whole modelled sub-pool, except those where the model was
    wrong). Used for the conditional cutoff of a hypothetical round, not for replayed ones.

    Parameters
    ----------
    eligible : numpy.ndarray, shape (..., 1201)
        Modelled eligible candidates [candidates].
    invitations : float or numpy.ndarray
        The round's invitations [candidates].
    max_take : float
        Largest share of the sub-pool one round takes [fraction], in (0, 1].

    Returns
    -------
    numpy.ndarray
        ``eligible * max(1, invitations / (max_take * eligible.sum()))`` [candidates].

    Examples
    --------
    >>> room_for_round(np.array([10.0, 10.0]), 30).tolist()
    [20.0, 20.0]
    """
    if not 0 < max_take <= 1:
        raise ParameterError(f"max_take: expected a share in (0, 1], got {max_take!r}")
    eligible = np.asarray(eligible, dtype=float)
    pool = eligible.sum(-1, keepdims=True)
    need = np.asarray(invitations, dtype=float)[..., None] / max_take
    scale = np.where(pool > 0, np.maximum(1.0, need / np.where(pool > 0, pool, 1.0)), 1.0)
    return eligible * scale


@dataclass(frozen=True)
class CategoryFit:
    """Estimated eligibility of one category (see :func:`category_eligible`).

    Attributes
    ----------
    category : str
        Category slug.
    share : float
        Steady-state eligible share of the candidates (``conversion * refill_days``, ignoring the
        net-inflow term), for display [fraction].
    refill : float
        Eligible share of the net inflow [fraction].
    conversion : float
        Share of the candidates at a score becoming eligible per day [1/day].
    drift : float
        Log of the factor applied to the fitted sub-pool: the shrunk, recency-weighted mean of
        the recent rounds' ``log(invitations / fitted eligible count)`` [-].
    n_rounds : int
        Past rounds the estimate rests on.
    last_date : pandas.Timestamp or None
        Day of the category's latest round.
    last_cutoff : int or None
        Its cutoff [CRS points].
    rmse_log : float
        Root mean square of log(model count at or above the cutoff / invitations) over the
        calibration rounds (recency-weighted) [-].
    flow_rate : float
        Recent invitations per day of the category (:func:`invitation_rate`) [candidates/day].
    flow_cutoff : float
        Their invitation-weighted mean cutoff (the last cutoff when no round is in the window)
        [CRS points].
    flow_conversion : float
        The conversion rate that refills the sub-pool above ``flow_cutoff`` at ``flow_rate``
        (see :func:`fit_pool`, assumption 6) [1/day].
    level_sd : float
        sd of the log of the sub-pool level for Monte Carlo (:func:`fit_pool`, assumption 9)
        [-].
    refill_sd : float
        sd of the log of the refill rate for Monte Carlo (assumption 9) [-].
    """

    category: str
    share: float
    refill: float
    conversion: float
    drift: float
    n_rounds: int
    last_date: pd.Timestamp | None = None
    last_cutoff: int | None = None
    rmse_log: float = float("nan")
    flow_rate: float = 0.0
    flow_cutoff: float = float("nan")
    flow_conversion: float = 0.0
    level_sd: float = 0.0
    refill_sd: float = 0.0


def fit_category(
    totals: np.ndarray,
    net_days: np.ndarray,
    total_days: np.ndarray,
    cutoffs: np.ndarray,
    invitations: np.ndarray,
    weights: np.ndarray,
    *,
    prior_weight: float = 0.3,
    lifetime: float = 365.0,
) -> tuple[float, float, float, np.ndarray]:
    """Fit a category's ``refill`` and ``conversion`` to its past rounds.

    Parameters
    ----------
    totals : numpy.ndarray, shape (R, 1201)
        Candidates at each score just before each round [candidates].
    net_days : numpy.ndarray, shape (R, 1201)
        ``max(net inflow, 0) * min(age, refill_days)`` at each score [candidates].
    total_days : numpy.ndarray, shape (R, 1201)
        ``total * min(age, refill_days)`` at each score [candidates x days].
    cutoffs : numpy.ndarray of int, shape (R,)
        Cutoffs of the rounds [CRS points].
    invitations : numpy.ndarray, shape (R,)
        Invitations of the rounds [candidates].
    weights : numpy.ndarray, shape (R,)
        Weight of each round [-].
    prior_weight : float
        Weight of the prior ``conversion == refill / lifetime`` (arrivals replacing expired
        profiles are as often eligible as net arrivals); keeps the fit defined with one round
        [-].
    lifetime : float
        Profile lifetime in the prior [days].

    Returns
    -------
    refill, conversion, rmse_log : float
        [fraction], [1/day], [-].
    residuals : numpy.ndarray, shape (R,)
        ``log N_i - log E_i`` at the fit [-].

    Notes
    -----
    Each round says that the eligible candidates above its cutoff, plus half of those at it
    (IRCC's tie-break splits the cutoff score), number its invitations:
    ``N_i = E_i = sum_s w_s e_i(s)`` with ``e_i`` from :func:`category_eligible`. The log
    parameters minimise ``sum_i weights_i (log E_i - log N_i)^2`` plus the prior, within
    refill in [1e-4, 1] and conversion in [1e-6, 0.02] per day.
    """
    from scipy.optimize import least_squares  # scipy is heavy: imported where used

    n = len(cutoffs)
    upper = SCORES[None, :] >= cutoffs[:, None]
    half = np.where(SCORES[None, :] == cutoffs[:, None], 0.5, 1.0) * upper
    cols = upper.any(0)
    half, cap = half[:, cols], totals[:, cols]
    net_days, total_days = net_days[:, cols], total_days[:, cols]
    w = np.sqrt(np.asarray(weights, dtype=float) / np.sum(weights))
    log_n = np.log(np.maximum(invitations, 1.0))
    prior = np.sqrt(prior_weight / max(n, 1))

    def counts(theta: np.ndarray) -> np.ndarray:
        r, k = np.exp(theta)
        return (half * np.minimum(cap, r * net_days + (k / lifetime) * total_days)).sum(1)

    def resid(theta: np.ndarray) -> np.ndarray:
        e = np.maximum(counts(theta), 1e-6)
        return np.append(w * (np.log(e) - log_n), prior * (theta[1] - theta[0]))

    start = np.log([0.1, 0.1])
    bounds = (np.log([1e-4, 1e-6 * lifetime]), np.log([1.0, 0.02 * lifetime]))
    sol = least_squares(resid, start, bounds=bounds, method="trf")
    r, k = np.exp(sol.x)
    residuals = log_n - np.log(np.maximum(counts(sol.x), 1e-6))
    rmse = float(np.sqrt(np.sum((w * residuals) ** 2)))
    return float(r), float(k / lifetime), rmse, residuals


def invitation_rate(
    dates: np.ndarray,
    invitations: np.ndarray,
    cutoffs: np.ndarray,
    at: object,
    *,
    window: float = 365.0,
    half_life: float = 180.0,
    min_days: float = 90.0,
) -> tuple[float, float]:
    """A category's recent invitations per day and their typical cutoff.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (R,)
        Days of the category's rounds (any order); rounds after ``at`` are ignored.
    invitations : numpy.ndarray, shape (R,)
        Their invitations [candidates].
    cutoffs : numpy.ndarray, shape (R,)
        Their cutoffs [CRS points].
    at : date-like
        The day seen from (rounds on it count).
    window : float
        Rounds older than this are ignored [days].
    half_life : float
        Recency weighting: a round's weight halves every ``half_life`` days [days].
    min_days : float
        Shortest span the invitations are spread over (a category that started last week is not
        extrapolated from its first round alone) [days].

    Returns
    -------
    rate : float
        ``sum w_i N_i / integral of w(t) dt`` over the span from ``max(first round, at -
        window)`` (at least ``min_days``) to ``at``, with ``w(t) = 0.5 ** (age / half_life)``
        [candidates/day]; 0 without rounds in the window.
    cutoff : float
        Invitation- and recency-weighted mean cutoff of those rounds (NaN without rounds)
        [CRS points].

    Examples
    --------
    >>> d = np.array(["2025-01-01", "2025-04-01"], dtype="datetime64[ns]")
    >>> rate, cut = invitation_rate(d, np.array([900, 900]), np.array([450, 430]), "2025-06-30",
    ...                             half_life=1e9)
    >>> round(rate, 1), round(cut)
    (10.0, 440)
    """
    at = np.datetime64(pd.Timestamp(at), "ns")
    dates = np.asarray(dates, dtype="datetime64[ns]")
    age = (at - dates) / np.timedelta64(1, "D")
    keep = (age >= 0) & (age < window)
    if not keep.any():
        return 0.0, float("nan")
    first = float(np.max(age[age >= 0]))  # the category's first round seen from ``at``
    span = max(min(window, first), min_days)
    lam = np.log(2.0) / half_life
    w = 0.5 ** (age[keep] / half_life)
    exposure = -np.expm1(-lam * span) / lam  # integral of w over the span [days]
    n = np.asarray(invitations, dtype=float)[keep]
    rate = float((w * n).sum() / exposure)
    cutoff = float((w * n * np.asarray(cutoffs, dtype=float)[keep]).sum() / (w * n).sum())
    return rate, cutoff


def level_errors(
    days: np.ndarray, residuals: np.ndarray, *, half_life: float = 45.0, shrink: float = 0.5
) -> np.ndarray:
    """One-round-ahead errors of a category's drift-corrected sub-pool level.

    Parameters
    ----------
    days : numpy.ndarray, shape (R,)
        Days of the category's calibration rounds, ascending (any origin) [days].
    residuals : numpy.ndarray, shape (R,)
        ``log N_i - log E_i`` of :func:`fit_category` [-].
    half_life, shrink : float
        The drift's recency half-life [days] and shrinkage pseudo-weight [-] (as in
        :func:`fit_pool`, assumption 3).

    Returns
    -------
    numpy.ndarray, shape (R,)
        ``residuals_i - drift_i``, where ``drift_i`` is the drift computed from the rounds dated
        before round ``i`` only (0 for the first): the log error the drift-corrected sub-pool
        level would have made for round ``i`` [-].

    Examples
    --------
    >>> level_errors(np.array([0.0, 10.0]), np.array([0.2, 0.2]), half_life=1e9, shrink=0.0)
    array([0.2, 0. ])
    """
    t = np.asarray(days, dtype=float)
    r = np.asarray(residuals, dtype=float)
    out = r.copy()
    for i in range(1, len(r)):
        prev = t[:i] < t[i]
        if prev.any():
            w = 0.5 ** ((t[i] - t[:i][prev]) / half_life)
            out[i] = r[i] - (w * r[:i][prev]).sum() / (w.sum() + shrink)
    return out


def pace_changes(
    dates: np.ndarray, invitations: np.ndarray, at: object, *, span: float = 91.0, n_spans: int = 8
) -> np.ndarray:
    """Log changes of a category's invitations per day between consecutive quarters.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (R,)
        Days of the category's rounds; rounds after ``at`` are ignored.
    invitations : numpy.ndarray, shape (R,)
        Their invitations [candidates].
    at : date-like
        The day seen from.
    span : float
        Length of a period [days].
    n_spans : int
        Periods counted back from ``at``.

    Returns
    -------
    numpy.ndarray
        ``log(N_k / N_{k+1})`` for consecutive periods ``k`` (0 = the latest) that both hold
        invitations; periods without a round are skipped [-].

    Examples
    --------
    >>> d = np.array(["2025-06-01", "2025-03-01"], dtype="datetime64[ns]")
    >>> pace_changes(d, np.array([2000, 1000]), "2025-06-30", n_spans=2).round(3).tolist()
    [0.693]
    """
    at = np.datetime64(pd.Timestamp(at), "ns")
    age = (at - np.asarray(dates, dtype="datetime64[ns]")) / np.timedelta64(1, "D")
    n = np.asarray(invitations, dtype=float)
    counts = np.array([n[(age >= k * span) & (age < (k + 1) * span)].sum() for k in range(n_spans)])
    both = (counts[:-1] > 0) & (counts[1:] > 0)
    return np.log(counts[:-1][both] / counts[1:][both])


def rms(errors: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted root mean square (NaN when empty) [-]."""
    e = np.asarray(errors, dtype=float)
    if e.size == 0:
        return float("nan")
    w = np.ones_like(e) if weights is None else np.asarray(weights, dtype=float)
    return float(np.sqrt((w * e**2).sum() / w.sum()))
