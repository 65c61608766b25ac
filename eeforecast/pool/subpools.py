"""Category sub-pools: the candidates eligible for a category's rounds, emptied by its rounds above
their cutoffs and refilled afterwards.

Pure functions: :func:`depletion_age` (when each score was last emptied), :func:`category_eligible`
(the eligible candidates at each score), :func:`fit_category` (refill and conversion from past
rounds), :func:`revealed_floor` and :func:`below_range` (what the rounds revealed and the range of
what they did not), :func:`invitation_rate` (a category's recent pace) and :func:`room_for_round`
(the assumption that IRCC sizes a round inside its sub-pool). :class:`CategoryFit` holds one
category's estimates; the Monte Carlo spreads are in :mod:`.uncertainty`.
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
    "below_range",
    "category_eligible",
    "depletion_age",
    "fit_category",
    "invitation_rate",
    "revealed_floor",
    "room_for_round",
    "seen_once",
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
    floor : int or None
        Revealed floor: the lowest cutoff of the category's rounds in the ``stale_days`` before
        the fit's day (its last cutoff when stale). No round revealed its stock below it
        (assumption 11) [CRS points].
    share_below : float
        Steady-state eligible share below the floor used by the expected path (the median of
        the draws) [fraction].
    below_lo, below_hi : float
        Its range; each Monte Carlo path draws the share log-uniformly inside it, capped at 1
        [fraction].
    cap : float
        Steady-state eligible share above the floor when set (by a user); NaN: the fitted
        ``min(1, conversion * refill_days)`` [fraction].
    stale : bool
        No round in the ``stale_days`` before the fit's day: left out of forecasts and
        scenarios unless asked for.
    include : bool
        Take part in forecasts and scenarios (default: not stale).
    source : str
        ``fitted``, or what a user set (:meth:`PoolModel.with_subpool`).
    regime : {"top_n", "seen_once"}
        ``top_n``: fitted to the category's rounds; ``seen_once``: a category with a single
        round, taken as a round that invited every eligible candidate (:func:`seen_once`).
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
    floor: int | None = None
    share_below: float = float("nan")
    below_lo: float = float("nan")
    below_hi: float = float("nan")
    cap: float = float("nan")
    stale: bool = False
    include: bool = True
    source: str = "fitted"
    regime: str = "top_n"

    def cap_shares(self) -> np.ndarray:
        """Steady-state eligible share at each score, shape (1201,): ``cap`` (NaN when not set:
        the engine's ``min(1, conversion * refill_days)``) at the floor and above,
        ``share_below`` below it, 0 for the nominees (601..1200, assumption 7) [fraction]."""
        cap = np.full(N_SCORES, self.cap, dtype=float)
        if self.floor is not None and np.isfinite(self.share_below):
            cap[: max(min(self.floor, 601), 0)] = self.share_below
        cap[601:] = 0.0
        return cap


def seen_once(
    category: str,
    date: object,
    invitations: float,
    cutoff: int,
    total: np.ndarray,
    *,
    days: float = 90.0,
    stale_days: float = 365.0,
    at: object = None,
) -> CategoryFit:
    """The sub-pool of a category seen in a single round (assumption 13).

    One round cannot separate a stock from a share of the pool, so it is read as a round that
    invited every eligible candidate: the stock is what accumulates after it, at the round's
    size per ``days`` (the time a new category's candidates had to gather before its first
    round), spread like the candidates over the scores at or above its cutoff, and nobody below
    the cutoff is eligible. A next round larger than that stock invites everybody and cuts at
    the cutoff of the first (the stock revealed nothing lower).

    Parameters
    ----------
    category : str
        Slug.
    date : date-like
        Day of its round.
    invitations : float
        Its invitations [candidates].
    cutoff : int
        Its cutoff [CRS points].
    total : numpy.ndarray, shape (1201,)
        Candidates at each score in the latest snapshot [candidates].
    days : float
        Days over which the round's candidates gathered [days].
    stale_days : float
        Stale when the round is older than this on ``at`` [days].
    at : date-like, optional
        The fit's day (default: ``date``).

    Returns
    -------
    CategoryFit
        ``regime="seen_once"``, ``conversion = invitations / days / candidates on
        cutoff..600`` [1/day], no refill share, floor = the cutoff, no share below it.

    Examples
    --------
    >>> total = np.zeros(1201); total[470:480] = 100.0; total[480:500] = 50.0
    >>> fit = seen_once("new", "2025-05-01", 900, 480, total)
    >>> round(fit.conversion, 6)  # 900 over 90 days: 10 a day among the 1,000 at 480..500
    0.01
    >>> fit.cap_shares()[[479, 480]].tolist()
    [0.0, nan]
    """
    day = pd.Timestamp(date)
    above = float(np.asarray(total, dtype=float)[int(cutoff) : 601].sum())
    rate = float(invitations) / days
    age = ((pd.Timestamp(at) if at is not None else day) - day) / pd.Timedelta(days=1)
    stale = age >= stale_days
    return CategoryFit(
        category=category,
        share=0.0,
        refill=0.0,
        conversion=rate / above if above > 0 else 0.0,
        drift=0.0,
        n_rounds=1,
        last_date=day,
        last_cutoff=int(cutoff),
        flow_rate=rate,
        flow_cutoff=float(cutoff),
        floor=int(cutoff),
        share_below=0.0,
        below_lo=0.0,
        below_hi=0.0,
        stale=bool(stale),
        include=not stale,
        regime="seen_once",
    )


def below_range(share: float, spread: float) -> tuple[float, float, float]:
    """The range of a steady-state share that no round revealed (assumption 11).

    Parameters
    ----------
    share : float
        The share revealed just above the floor [fraction].
    spread : float
        Factor down and up, >= 1 [-].

    Returns
    -------
    lo, mid, hi : float
        ``share / spread``, ``share`` and ``share * spread`` [fraction]: a path draws the
        share log-uniformly in ``lo..hi`` and caps it at 1, so the median stays ``share``
        (the revealed share continues below the floor) unless told otherwise.

    Examples
    --------
    >>> [round(v, 3) for v in below_range(0.1, 3.0)]
    [0.033, 0.1, 0.3]
    """
    share = float(np.clip(share, 1e-6, 1.0))
    return share / spread, share, share * spread


def revealed_floor(
    dates: np.ndarray, cutoffs: np.ndarray, at: object, days: float = 365.0
) -> tuple[int | None, bool]:
    """A category's revealed floor and whether it is stale, seen on day ``at``.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (R,)
        Days of the category's own rounds.
    cutoffs : numpy.ndarray, shape (R,)
        Their cutoffs [CRS points].
    at : date-like
        The day seen from (rounds on it count).
    days : float
        Window [days].

    Returns
    -------
    floor : int or None
        The lowest cutoff of the rounds in the window; when none is, the last cutoff (None
        without rounds) [CRS points].
    stale : bool
        No round in the window.

    Examples
    --------
    >>> d = np.array(["2024-03-01", "2025-02-01", "2025-05-01"], dtype="datetime64[ns]")
    >>> revealed_floor(d, np.array([480, 505, 520]), "2025-06-30")
    (505, False)
    >>> revealed_floor(d, np.array([480, 505, 520]), "2026-06-30")
    (520, True)
    """
    at = np.datetime64(pd.Timestamp(at), "ns")
    dates = np.asarray(dates, dtype="datetime64[ns]")
    cutoffs = np.asarray(cutoffs)
    seen = dates <= at
    if not seen.any():
        return None, True
    age = (at - dates[seen]) / np.timedelta64(1, "D")
    recent = age < days
    if not recent.any():
        return int(cutoffs[seen][np.argmax(dates[seen])]), True
    return int(cutoffs[seen][recent].min()), False


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
    start: tuple[float, float] | None = None,
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
    start : tuple of float, optional
        ``(refill, conversion)`` to start a damped Gauss-Newton from, with the analytic
        Jacobian (quick for many refits of nearby samples, :func:`eeforecast.pool.ahead_errors`)
        [fraction], [1/day]. Default: scipy's trust-region fit from ``(0.1, 0.1 / lifetime)``.

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

    def resid_jac(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, k = np.exp(theta)
        grow_r, grow_k = r * net_days, (k / lifetime) * total_days
        free = (grow_r + grow_k) < cap
        e = np.maximum((half * np.where(free, grow_r + grow_k, cap)).sum(1), 1e-6)
        f = np.append(w * (np.log(e) - log_n), prior * (theta[1] - theta[0]))
        d_r = (half * free * grow_r).sum(1) / e
        d_k = (half * free * grow_k).sum(1) / e
        return f, np.vstack([np.column_stack([w * d_r, w * d_k]), [-prior, prior]])

    bounds = (np.log([1e-4, 1e-6 * lifetime]), np.log([1.0, 0.02 * lifetime]))
    if start is None:
        x = least_squares(resid, np.log([0.1, 0.1]), bounds=bounds, method="trf").x
    else:  # damped Gauss-Newton from a nearby solution, projected on the bounds
        x = np.clip(np.log([start[0], start[1] * lifetime]), *bounds)
        f, j = resid_jac(x)
        value, damping = np.sum(f**2), 1e-3
        for _ in range(20):
            step = np.linalg.solve(j.T @ j + damping * np.eye(2), -j.T @ f)
            trial = np.clip(x + step, *bounds)
            f_new, j_new = resid_jac(trial)
            if np.sum(f_new**2) <= value:
                done = np.max(np.abs(trial - x)) < 1e-4  # 0.01% of refill or conversion
                x, f, j, value, damping = trial, f_new, j_new, np.sum(f_new**2), damping / 10
                if done:
                    break
            else:
                damping *= 10
                if damping > 1e8:
                    break
    r, k = np.exp(x)
    residuals = log_n - np.log(np.maximum(counts(x), 1e-6))
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
