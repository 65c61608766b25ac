"""The Monte Carlo spreads of the sub-pools: how far a category's eligible stock and refill may be
from the fit, from how well the fit predicted past rounds (:func:`ahead_errors`,
:func:`level_errors`) and how IRCC's pace changed (:func:`pace_changes`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .subpools import fit_category

__all__ = ["ahead_errors", "level_errors", "pace_changes", "rms"]


def ahead_errors(
    totals: np.ndarray,
    net_days: np.ndarray,
    total_days: np.ndarray,
    cutoffs: np.ndarray,
    invitations: np.ndarray,
    days: np.ndarray,
    weights: np.ndarray,
    *,
    half_life: float = 45.0,
    shrink: float = 0.5,
    prior_weight: float = 0.3,
    lifetime: float = 365.0,
    start: tuple[float, float] = (0.1, 0.1 / 365.0),
    last: int = 12,
) -> np.ndarray:
    """Out-of-sample one-round-ahead errors of a category's sub-pool.

    Parameters
    ----------
    totals, net_days, total_days, cutoffs, invitations, weights
        As :func:`eeforecast.pool.fit_category`, one row per round in date order.
    days : numpy.ndarray, shape (R,)
        Days of the rounds, ascending (any origin) [days].
    half_life, shrink : float
        The drift's recency half-life [days] and shrinkage [-] (:func:`eeforecast.pool.fit_pool`,
        assumption 3).
    prior_weight, lifetime
        Passed to :func:`eeforecast.pool.fit_category`.
    start : tuple of float
        ``(refill, conversion)`` each refit starts from (e.g. the fit on every round)
        [fraction], [1/day].
    last : int
        Only the latest ``last`` rounds are predicted (older errors weigh little in a
        recency-weighted spread, and each costs a refit) [rounds].

    Returns
    -------
    numpy.ndarray, shape (R,)
        For round ``i``: ``log N_i - log E_i``, with ``E_i`` the count above its cutoff that
        the model fitted on the rounds dated before it (refill, conversion and drift) gives;
        NaN for the first round, for rounds on the first round's day and before the latest
    ``last`` [-].

    Notes
    -----
    Unlike :func:`level_errors` (the fit's own residuals, drift-corrected), every error here is a
    forecast: the evidence of how far the next round's eligible count can be from the model.
    """
    t = np.asarray(days, dtype=float)
    out = np.full(len(t), np.nan)
    # latest first: each refit starts from the previous one
    for i in range(len(t) - 1, max(len(t) - 1 - last, 0), -1):
        prev = np.flatnonzero(t < t[i])
        if not len(prev):
            continue
        sl = np.append(prev, i)
        refill, conversion, _, resid = fit_category(
            totals[sl],
            net_days[sl],
            total_days[sl],
            cutoffs[sl],
            invitations[sl],
            np.append(weights[prev], 0.0),  # the round predicted has no weight in its own fit
            prior_weight=prior_weight,
            lifetime=lifetime,
            start=start,
        )
        start = (refill, conversion)
        w = 0.5 ** ((t[i] - t[prev]) / half_life)
        drift = (w * resid[:-1]).sum() / (w.sum() + shrink)
        out[i] = resid[-1] - drift
    return out


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
