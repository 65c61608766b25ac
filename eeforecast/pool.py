"""The Express Entry pool as a CRS score distribution.

Pure functions on arrays over CRS scores 0..1200 come first (:func:`take_top`, the band <-> density
conversions, share and flow estimators); :func:`fit_pool` fits them on a feed and returns a
:class:`PoolModel` whose :meth:`PoolModel.state` is the :class:`PoolState` the engine starts from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import ParameterError

#: CRS scores 0..1200 inclusive; arrays over scores have this length.
MAX_SCORE = 1200
SCORES = np.arange(MAX_SCORE + 1)


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
    """

    as_of: pd.Timestamp
    total: np.ndarray
    eligible: dict[str, np.ndarray] = field(default_factory=dict)
    inflow: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_sd: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_eligible: dict[str, np.ndarray] = field(default_factory=dict)


def take_top(eligible: np.ndarray, n: float | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invite the top ``n`` candidates of a score distribution.

    Candidates are taken from the highest CRS score down. At the lowest score reached (the
    cutoff) only the part needed to make ``n`` is taken: IRCC breaks ties at the cutoff by
    profile submission time, which is independent of anything modelled here.

    Parameters
    ----------
    eligible : numpy.ndarray, shape (..., S)
        Eligible candidates at each CRS score ``0..S-1`` (``S`` = 1201 for :data:`SCORES`), non
        negative; counts may be fractional (expected values) [candidates]. Leading axes are a
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
