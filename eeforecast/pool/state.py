"""The pool on one day (:class:`PoolState`) and the one operation every round performs
(:func:`take_top`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scores import N_SCORES

__all__ = ["PoolState", "take_top"]


@dataclass(frozen=True)
class PoolState:
    """The pool on one day, as arrays over CRS scores 0..1200.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Day the state describes.
    total : numpy.ndarray, shape (1201,)
        Candidates at each CRS score [candidates].
    eligible : dict[str, numpy.ndarray]
        Category slug -> candidates eligible for that category's rounds at each score, shape
        (1201,) [candidates]. ``general`` rounds draw from ``total``; it need not be present.
    inflow : numpy.ndarray, shape (1201,)
        Expected net inflow per day at each score (new profiles + nominations - expiries),
        [candidates/day]. May be negative at some scores.
    inflow_sd : numpy.ndarray, shape (1201,)
        Standard deviation of the daily net inflow at each score, for Monte Carlo
        [candidates/day].
    inflow_eligible : dict[str, numpy.ndarray]
        Category slug -> share of the inflow at each score that is eligible for the category,
        shape (1201,) [fraction 0..1].
    conversion : dict[str, float or numpy.ndarray]
        Category slug -> share of the candidates at a score who become eligible per day (one
        rate, or one per score, shape (1201,))
        (candidates already in the pool gaining a language result or experience, arrivals
        replacing expired profiles): over ``d`` days the eligible count at a score grows by
        ``conversion * total * d``, at most to ``total`` [1/day]. It matters over weeks, not
        days: it is the refill that keeps a category's sub-pool alive over many rounds.
    refill_days : float
        Conversion stops at the share ``min(1, conversion * refill_days)`` of a score: profiles
        last ``refill_days`` days, so no more than that can have turned eligible [days]. ``inf``:
        no cap below ``total``.
    level_sd : dict[str, float]
        Parameter uncertainty (Monte Carlo only): category slug -> sd of the log of the
        category's eligible stock on ``as_of``; each path multiplies ``eligible[slug]`` by
        ``exp(level_sd * u)``, ``u`` standard normal, capped at ``total`` [-]. Missing: 0.
    refill_sd : dict[str, float]
        Parameter uncertainty: category slug -> sd of the log of its refill rate; each path
        multiplies ``inflow_eligible[slug]`` and ``conversion[slug]`` by ``exp(refill_sd * v)``
        (capped at 1). ``"pnp"`` instead multiplies the expected net inflow at 601..1200 (new
        nominees) [-]. Missing: 0.
    nominee_shift_sd : float
        Parameter uncertainty: sd of a shift of the nominees' scores; each path moves the
        candidates, the eligible counts and the inflow at 601..1200 by ``round(sd * w)``
        points, ``w`` standard normal (those pushed beyond 601 or 1200 stay at the edge)
        [CRS points].
    level_floor : dict[str, float]
        Category slug -> smallest level multiplier a path may draw (the room assumption per
        path, see :func:`eeforecast.simulate.simulate_feed`) [-]. Missing: none.
    tilt_sd : float
        Parameter uncertainty: sd of the tilt of the density inside 501-600 (only the band's
        total is published); each path multiplies the candidates and eligible counts at score
        ``s`` in 501..600 by ``exp(sd * w * (s - 550.5) / 100)``, ``w`` standard normal,
        rescaled so that the band's total is kept (:func:`tilt_factors`) [-].
    eligible_cap : dict[str, numpy.ndarray]
        Category slug -> steady-state eligible share at each score, shape (1201,): conversion
        stops there [fraction 0..1]. Missing: ``min(1, conversion * refill_days)``.
    floor : dict[str, int]
        Category slug -> its revealed floor, the lowest cutoff of its recent rounds: no round
        revealed its stock below it [CRS points].
    below_range : dict[str, tuple of float]
        Parameter uncertainty: category slug -> ``(low, high)``; each path multiplies the
        eligible stock and the steady-state share below the floor by a log-uniform draw in
        that range (capped at everybody) [-]. Missing: ``(1, 1)``.
    tails : dict[str, tuple]
        Invite-all categories (every round invites the whole stock): slug -> ``(loc, scale,
        lowest)``; a round of ``n`` then cuts at the lowest of ``n`` draws,
        ``loc - scale ln n + scale ln E``, ``E ~ Exp(1)``, at least ``lowest``
        (:func:`eeforecast.pool.min_cutoff`) [CRS points].
    tail_cov : dict[str, numpy.ndarray]
        Parameter uncertainty: slug -> covariance (2, 2) of ``(loc, ln scale)`` [-].
    """

    as_of: pd.Timestamp
    total: np.ndarray
    eligible: dict[str, np.ndarray] = field(default_factory=dict)
    inflow: np.ndarray = field(default_factory=lambda: np.zeros(N_SCORES))
    inflow_sd: np.ndarray = field(default_factory=lambda: np.zeros(N_SCORES))
    inflow_eligible: dict[str, np.ndarray] = field(default_factory=dict)
    conversion: dict[str, float] = field(default_factory=dict)
    refill_days: float = float("inf")
    level_sd: dict[str, float] = field(default_factory=dict)
    refill_sd: dict[str, float] = field(default_factory=dict)
    nominee_shift_sd: float = 0.0
    level_floor: dict[str, float] = field(default_factory=dict)
    tilt_sd: float = 0.0
    eligible_cap: dict[str, np.ndarray] = field(default_factory=dict)
    floor: dict[str, int] = field(default_factory=dict)
    below_range: dict[str, tuple[float, float]] = field(default_factory=dict)
    tails: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    tail_cov: dict[str, np.ndarray] = field(default_factory=dict)


def take_top(eligible: np.ndarray, n: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invite the top ``n`` candidates of a score distribution.

    Candidates are taken from the highest CRS score down. At the lowest score reached (the
    cutoff) only the part needed to make ``n`` is taken: IRCC breaks ties at the cutoff by
    profile submission time, which is independent of anything modelled here.

    Parameters
    ----------
    eligible : numpy.ndarray, shape (..., S)
        Eligible candidates at each CRS score ``0..S-1`` (``S`` = 1201 for
        :data:`eeforecast.scores.SCORES`), non negative; counts may be fractional (expected values) [candidates]. Leading axes are a
        batch (e.g. Monte Carlo paths).
    n : float or numpy.ndarray broadcastable to ``eligible.shape[:-1]``
        Invitations to issue, ``>= 0`` [candidates].

    Returns
    -------
    cutoff : numpy.ndarray of int64, shape ``eligible.shape[:-1]``
        Lowest score at which someone is invited [CRS points]. When nobody is invited (``n == 0``
        or an empty pool) it is ``S`` (one above the top score), so that more invitations never
        raise the cutoff. When ``n`` exceeds the pool, everybody is invited and the cutoff is the
        lowest score with candidates.
    taken : numpy.ndarray, shape ``eligible.shape``
        Candidates invited at each score [candidates]: all of them above the cutoff, a part at
        the cutoff, none below. ``taken.sum(-1) == min(n, eligible.sum(-1))``.

    Raises
    ------
    ParameterError
        If ``n`` is negative or not finite.

    Notes
    -----
    With :math:`C(s) = \\sum_{t \\ge s} e(t)` the count at or above ``s``, the cutoff is
    :math:`c = \\max\\{s : C(s) \\ge n\\}` and :math:`taken(s) = \\min(e(s), \\max(0, n - C(s+1)))`
    for :math:`s \\ge c`. A relative tolerance of 1e-9 absorbs floating-point noise in
    :math:`C`.

    Examples
    --------
    >>> e = np.array([5.0, 0.0, 3.0, 2.0])  # scores 0..3
    >>> cutoff, taken = take_top(e, 4)
    >>> int(cutoff), taken.tolist()
    (2, [0.0, 0.0, 2.0, 2.0])
    >>> cutoff, _ = take_top(np.stack([e, e]), np.array([1, 10]))
    >>> cutoff.tolist()
    [3, 0]
    """
    eligible = np.asarray(eligible, dtype=float)
    if eligible.ndim == 0:
        raise ParameterError("eligible: expected an array over scores, got a scalar")
    n_arr = np.asarray(n, dtype=float)
    if not np.all(np.isfinite(n_arr)) or np.any(n_arr < 0):
        raise ParameterError(f"n: invitations must be finite and >= 0, got {n!r}")
    size = eligible.shape[-1]
    batch = eligible.shape[:-1]
    n_b = np.broadcast_to(n_arr, batch)[..., None]
    rev = eligible[..., ::-1]
    above_incl = np.cumsum(rev, axis=-1)  # C(s) for s = S-1, S-2, ..., 0
    above_excl = above_incl - rev  # C(s+1)
    tol = 1e-9 * np.maximum(n_b, 1.0)
    reached = above_incl >= n_b - tol
    any_reached = reached.any(axis=-1)
    k = np.where(any_reached, reached.argmax(axis=-1), size - 1)  # index from the top
    taken_rev = np.clip(n_b - above_excl, 0.0, rev)
    idx = np.arange(size)
    taken_rev = np.where(idx <= k[..., None], taken_rev, 0.0)
    taken = taken_rev[..., ::-1]
    # cutoff: lowest score with a positive take, or S if nobody is taken
    positive = taken > 0
    cutoff = np.where(positive.any(axis=-1), positive.argmax(axis=-1), size).astype(np.int64)
    return cutoff, taken
