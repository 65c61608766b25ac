"""The Express Entry pool as a CRS score distribution.

Pure functions on arrays over CRS scores 0..1200 come first:

- :func:`take_top`: invite the top N of a score distribution (ties split at the cutoff);
- :func:`density_from_bands` / :func:`bands_from_density`: IRCC's 15 bands <-> 1-point density;
- :func:`band_flows`, :func:`summarize_flows`: net inflow per band from consecutive snapshots;
- :func:`depletion_age`, :func:`category_eligible`, :func:`fit_category`: category sub-pools that
  rounds empty above their cutoffs and that refill afterwards;
- :func:`fit_nominee_shape`: the nominees' (601-1200) score shape from past PNP rounds;
- :func:`room_for_round`: the assumption that IRCC sizes a round inside its sub-pool.

:func:`fit_pool` fits them on a feed cut at an as-of day and returns a :class:`PoolModel` (summary,
tidy frames); :meth:`PoolModel.state` is the :class:`PoolState` the engine
(:mod:`eeforecast.simulate`) starts from.

Examples
--------
>>> from eeforecast.feed import load_feed
>>> model = fit_pool(load_feed(), as_of="2025-12-15")
>>> state = model.state()
>>> str(state.as_of.date()), state.total.shape
('2025-12-15', (1201,))
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .errors import ParameterError
from .feed import BANDS

__all__ = [
    "BAND_EDGES",
    "MAX_SCORE",
    "SCORES",
    "CategoryFit",
    "PoolModel",
    "PoolState",
    "ThinPoolWarning",
    "allocate_round",
    "band_flows",
    "bands_from_density",
    "category_eligible",
    "density_from_bands",
    "depletion_age",
    "fit_category",
    "fit_nominee_shape",
    "fit_pool",
    "invitation_rate",
    "level_errors",
    "nominee_cutoff_shape",
    "nominee_residuals",
    "tilt_factors",
    "band_tilt",
    "nominee_shape",
    "pace_changes",
    "room_for_round",
    "summarize_flows",
    "take_top",
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
    conversion : dict[str, float or numpy.ndarray]
        Category slug -> share of the candidates at a score who become eligible per day (one
        rate, or one per score, shape (1201,))
        (candidates already in the pool gaining a language result or experience, arrivals
        replacing expired profiles): over ``d`` days the eligible count at a score grows by
        ``conversion * total * d``, at most to ``total`` [1/day]. It matters over weeks, not
        days: it is the refill that keeps a category's sub-pool alive over many rounds.
    horizon : float
        Conversion stops at the share ``min(1, conversion * horizon)`` of a score: profiles last
        ``horizon`` days, so no more than that can have turned eligible [days]. ``inf``: no cap
        below ``total``.
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
    """

    as_of: pd.Timestamp
    total: np.ndarray
    eligible: dict[str, np.ndarray] = field(default_factory=dict)
    inflow: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_sd: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_eligible: dict[str, np.ndarray] = field(default_factory=dict)
    conversion: dict[str, float] = field(default_factory=dict)
    horizon: float = float("inf")
    level_sd: dict[str, float] = field(default_factory=dict)
    refill_sd: dict[str, float] = field(default_factory=dict)
    nominee_shift_sd: float = 0.0
    level_floor: dict[str, float] = field(default_factory=dict)
    tilt_sd: float = 0.0


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


# --- bands <-> 1-point density ----------------------------------------------------------------

#: The 15 leaf bands of IRCC's snapshots, ascending (lo, hi) inclusive [CRS points].
BAND_EDGES: tuple[tuple[int, int], ...] = tuple(BANDS)
_BAND_LO = np.array([lo for lo, _ in BAND_EDGES])
_BAND_HI = np.array([hi for _, hi in BAND_EDGES])
#: Band index of every score 0..1200.
BAND_OF_SCORE = np.searchsorted(_BAND_HI, SCORES)
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
        Candidates in each band of :data:`BAND_EDGES` [candidates].
    """
    density = np.asarray(density, dtype=float)
    cum = np.concatenate([np.zeros(density.shape[:-1] + (1,)), np.cumsum(density, -1)], -1)
    return cum[..., _BAND_HI + 1] - cum[..., _BAND_LO]


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
    from scipy.special import ndtr

    if not sd > 0:
        raise ParameterError(f"sd: nominee core-score sd must be > 0, got {sd!r}")
    edges = (np.arange(600, 1201) + 0.5 - 600 - mean) / sd
    cdf = ndtr(edges)
    shape = np.zeros(MAX_SCORE + 1)
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
        Candidates in each band of :data:`BAND_EDGES`, ascending [candidates].
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
    from scipy.interpolate import CubicHermiteSpline, PchipInterpolator

    counts = np.asarray(counts, dtype=float)
    if counts.shape[-1] != len(BAND_EDGES):
        raise ParameterError(f"counts: expected 15 bands on the last axis, got {counts.shape}")
    if np.any(counts < 0) or not np.all(np.isfinite(counts)):
        raise ParameterError("counts: band counts must be finite and >= 0")
    if nominee is None:
        nominee = nominee_shape(*DEFAULT_NOMINEE_SHAPE)
    out = np.zeros(counts.shape[:-1] + (MAX_SCORE + 1,))
    # 0..500 by monotone cubic on the cumulative count
    knots = np.concatenate([[-0.5], _BAND_HI[:13] + 0.5])
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


# --- flows ------------------------------------------------------------------------------------


def allocate_round(
    density: np.ndarray, category: str, invitations: float, cutoff: int
) -> np.ndarray:
    """Spread a past round's invitations over the scores it drew from.

    Parameters
    ----------
    density : numpy.ndarray, shape (1201,)
        Candidates at each score before the round [candidates].
    category : str
        The round's category slug: ``general`` draws from every score >= ``cutoff``, ``pnp``
        from 601..1200, any other category from ``cutoff``..600.
    invitations : float
        Invitations issued [candidates].
    cutoff : int
        The round's cutoff [CRS points].

    Returns
    -------
    numpy.ndarray, shape (1201,)
        Invited candidates at each score, proportional to ``density`` over the scores drawn from,
        summing to ``invitations`` [candidates].
    """
    lo = max(int(cutoff), 601) if category == "pnp" else int(cutoff)
    hi = MAX_SCORE if category in ("general", "pnp") else 600
    weights = np.zeros(MAX_SCORE + 1)
    if lo <= hi:
        weights[lo : hi + 1] = density[lo : hi + 1]
    if weights.sum() <= 0:  # nobody left there in the model: put them at the cutoff score
        weights[min(max(int(cutoff), 0), MAX_SCORE)] = 1.0
    return invitations * weights / weights.sum()


def band_flows(
    dates: np.ndarray,
    counts: np.ndarray,
    densities: np.ndarray,
    rounds: pd.DataFrame,
) -> pd.DataFrame:
    """Net inflow per band per day between consecutive snapshots.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (T,)
        Snapshot days, ascending.
    counts : numpy.ndarray, shape (T, 15)
        Band counts of each snapshot [candidates].
    densities : numpy.ndarray, shape (T, 1201)
        Their 1-point densities [candidates] (to spread rounds over bands).
    rounds : pandas.DataFrame
        Rounds with ``date, category, invitations, cutoff``.

    Returns
    -------
    pandas.DataFrame
        One row per interval: ``start, end, days`` and one column per band (``"0-300"`` ...)
        holding the net inflow rate [candidates/day].

    Notes
    -----
    A snapshot describes the pool before the rounds held on its day. The net inflow over
    ``[start, end)`` is ``counts(end) - counts(start) + invited``, where ``invited`` are the
    invitations of the rounds dated in ``[start, end)`` spread over bands by
    :func:`allocate_round` on the ``start`` density. It contains new profiles, nominations
    (+600), score changes, withdrawals and expiries (profiles last 12 months) together.
    """
    labels = [f"{lo}-{hi}" for lo, hi in BAND_EDGES]
    if len(dates) < 2:
        return pd.DataFrame(columns=["start", "end", "days", *labels])
    r_dates = rounds["date"].to_numpy()
    r_cat = rounds["category"].to_numpy()
    r_n = rounds["invitations"].to_numpy(dtype=float)
    r_c = rounds["cutoff"].to_numpy()
    rows = []
    for i in range(len(dates) - 1):
        days = (dates[i + 1] - dates[i]) / np.timedelta64(1, "D")
        inside = np.flatnonzero((r_dates >= dates[i]) & (r_dates < dates[i + 1]))
        invited = np.zeros(MAX_SCORE + 1)
        for j in inside:
            invited += allocate_round(densities[i], r_cat[j], r_n[j], r_c[j])
        rate = (counts[i + 1] - counts[i] + bands_from_density(invited)) / days
        rows.append((dates[i], dates[i + 1], days, *rate))
    return pd.DataFrame(rows, columns=["start", "end", "days", *labels])


def summarize_flows(flows: pd.DataFrame, end: object, window: float = 180.0) -> tuple:
    """Mean and daily standard deviation of the net inflow per band over a recent window.

    Parameters
    ----------
    flows : pandas.DataFrame
        Output of :func:`band_flows`.
    end : date-like
        Last day of the window (intervals ending after it are ignored).
    window : float
        Length of the window [days]; intervals ending within it are used.

    Returns
    -------
    mean : numpy.ndarray, shape (15,)
        Net inflow per band [candidates/day]: the sum of the net changes over the sum of days.
    sd : numpy.ndarray, shape (15,)
        Standard deviation of one day's net inflow per band [candidates/day], assuming
        independent days: ``var(rate over d days) = sd**2 / d``.
    """
    end = pd.Timestamp(end)
    use = flows[(flows["end"] <= end) & (flows["end"] > end - pd.Timedelta(days=window))]
    if use.empty:
        use = flows[flows["end"] <= end].tail(6)
    if use.empty:
        return np.zeros(len(BAND_EDGES)), np.zeros(len(BAND_EDGES))
    days = use["days"].to_numpy(dtype=float)
    rates = use.iloc[:, 3:].to_numpy(dtype=float)
    mean = (rates * days[:, None]).sum(0) / days.sum()
    if len(use) > 1:
        sd = np.sqrt((days[:, None] * (rates - mean) ** 2).sum(0) / (len(use) - 1))
    else:
        sd = np.abs(mean) * np.sqrt(days[0])
    return mean, sd


# --- category sub-pools -----------------------------------------------------------------------


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
    keep = dates < at
    age = np.full(MAX_SCORE + 1, np.inf)
    if not keep.any():
        return age
    days = (at - dates[keep]) / np.timedelta64(1, "D")
    covered = SCORES[None, :] >= cutoffs[keep][:, None]
    return np.where(covered, days[:, None], np.inf).min(axis=0)


def category_eligible(
    total: np.ndarray,
    inflow: np.ndarray,
    age: np.ndarray,
    refill: float,
    conversion: float,
    horizon: float = 365.0,
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
    horizon : float
        Refilling stops after this many days: a profile lasts 12 months, so a score emptied
        longer ago (or never) holds the steady state [days].

    Returns
    -------
    numpy.ndarray, shape (..., 1201)
        ``min(total, (refill * max(inflow, 0) + conversion * total) * min(age, horizon))``
        [candidates].

    Examples
    --------
    >>> total = np.full(1201, 100.0)
    >>> age = np.where(SCORES >= 500, 10.0, np.inf)  # emptied above 500 ten days ago
    >>> e = category_eligible(total, np.zeros(1201), age, 0.1, 0.001)
    >>> float(e[400]), float(e[600])  # steady state 100 * 0.001 * 365 vs 10 days of refill
    (36.5, 1.0)
    """
    days = np.minimum(age, horizon)
    return np.minimum(total, (refill * np.maximum(inflow, 0.0) + conversion * total) * days)


def room_for_round(eligible: np.ndarray, invitations: float, max_take: float = 0.75) -> np.ndarray:
    """Scale a modelled sub-pool up so that a round takes at most ``max_take`` of it.

    IRCC sizes a round knowing its pool: a category round that would take (nearly) every
    eligible candidate is evidence that the sub-pool is larger than modelled (in 2022-2025 the
    rounds took at most ~60% of the modelled sub-pools, except those where the model was
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
    from scipy.special import ndtr, ndtri

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


@dataclass(frozen=True)
class CategoryFit:
    """Estimated eligibility of one category (see :func:`category_eligible`).

    Attributes
    ----------
    category : str
        Category slug.
    share : float
        Steady-state eligible share of the candidates (``conversion * horizon``, ignoring the
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
        ``max(net inflow, 0) * min(age, horizon)`` at each score [candidates].
    total_days : numpy.ndarray, shape (R, 1201)
        ``total * min(age, horizon)`` at each score [candidates x days].
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
    from scipy.optimize import least_squares

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


# --- parameter uncertainty (Monte Carlo) -------------------------------------------------------


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


def _rms(errors: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted root mean square (NaN when empty) [-]."""
    e = np.asarray(errors, dtype=float)
    if e.size == 0:
        return float("nan")
    w = np.ones_like(e) if weights is None else np.asarray(weights, dtype=float)
    return float(np.sqrt((w * e**2).sum() / w.sum()))


def nominee_residuals(
    cutoffs: np.ndarray, fractions: np.ndarray, mean: float, sd: float, lower_z: float = 2.0
) -> np.ndarray:
    """Past PNP cutoffs minus the cutoffs of the fitted nominee shape (:func:`fit_nominee_shape`)
    at the same invited shares [CRS points]."""
    from scipy.special import ndtr, ndtri

    kept = 1.0 - ndtr(-lower_z)
    q = np.clip(np.asarray(fractions, dtype=float), 0.02, 1.0)
    z = ndtri(np.clip(1.0 - q * kept, 1e-6, 1 - 1e-6))
    return np.asarray(cutoffs, dtype=float) - 600.0 - (mean + sd * z)


# --- the fitted pool --------------------------------------------------------------------------

#: Categories whose eligible sub-pool is structural rather than estimated.
_STRUCTURAL = ("general", "pnp")


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


def _band_shape(density: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Within-band share of every score (uniform in an empty band) [fraction]."""
    band_total = counts[BAND_OF_SCORE]
    width = (_BAND_HI - _BAND_LO + 1)[BAND_OF_SCORE]
    return np.where(
        band_total > 0, density / np.where(band_total > 0, band_total, 1.0), 1.0 / width
    )


def _score_inflow(band_rate: np.ndarray, density: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return band_rate[BAND_OF_SCORE] * _band_shape(density, counts)


@dataclass(frozen=True)
class PoolModel:
    """The pool fitted on a feed: densities, nominee shape, flows and category shares.

    Made by :func:`fit_pool`; :meth:`state` gives the :class:`PoolState` the engine starts from.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Last day of data used.
    snapshot_dates : numpy.ndarray of datetime64, shape (T,)
        Days of the published snapshots up to ``as_of``.
    counts : numpy.ndarray, shape (T, 15)
        Their band counts [candidates].
    densities : numpy.ndarray, shape (T, 1201)
        Their 1-point densities (:func:`density_from_bands`) [candidates].
    nominee_mean, nominee_sd : float
        Nominee core-score distribution (:func:`fit_nominee_shape`) [CRS points].
    inflow_bands, inflow_bands_sd : numpy.ndarray, shape (15,)
        Net inflow per band and its daily sd (:func:`summarize_flows`) [candidates/day].
    flows : pandas.DataFrame
        Per-interval band flows (:func:`band_flows`).
    categories : dict[str, CategoryFit]
        Estimated eligibility of every category with past rounds (except general and pnp).
    rounds : pandas.DataFrame
        Rounds up to ``as_of``.
    params : dict
        Settings of the fit (the keyword arguments of :func:`fit_pool`).
    feed : eeforecast.feed.Feed or None
        The feed cut at ``as_of`` (lets the engine replay the rounds since a snapshot).
    nominee_shift_sd : float
        sd of the past PNP cutoffs around the fitted nominee shape (assumption 9)
        [CRS points].
    nominee_rate_sd : float
        sd of the log of the PNP invitation pace between quarters (assumption 9) [-].
    tilt_sd : float
        sd of the tilt of the density inside 501-600 implied by past general rounds
        (assumption 9, :func:`band_tilt`) [-].
    notes : tuple of str
        Caveats of the fit, also emitted as ``UserWarning`` by :func:`fit_pool` (e.g. the net
        inflow could not be estimated from a single snapshot).
    """

    as_of: pd.Timestamp
    snapshot_dates: np.ndarray
    counts: np.ndarray
    densities: np.ndarray
    nominee_mean: float
    nominee_sd: float
    inflow_bands: np.ndarray
    inflow_bands_sd: np.ndarray
    flows: pd.DataFrame
    categories: dict[str, CategoryFit]
    rounds: pd.DataFrame
    params: dict
    feed: object = None
    nominee_shift_sd: float = 0.0
    nominee_rate_sd: float = 0.0
    notes: tuple[str, ...] = ()
    tilt_sd: float = 0.0

    # -- states ------------------------------------------------------------------------------

    def _snapshot_index(self, as_of: object = None) -> int:
        day = self.as_of if as_of is None else pd.Timestamp(as_of)
        j = int(np.searchsorted(self.snapshot_dates, np.datetime64(day, "ns"), side="right")) - 1
        if j < 0:
            raise ParameterError(f"as_of: no pool snapshot on or before {day:%Y-%m-%d}")
        return j

    def _no_estimate(self, category: str) -> str:
        """Why ``category`` has no fitted sub-pool: which of its rounds is missing what."""
        day = f"{self.as_of:%Y-%m-%d}"
        known = ", ".join(sorted(self.categories) + list(_STRUCTURAL))
        r = self.rounds
        own = r[r["category"] == category]
        if own.empty:
            return (
                f"category {category!r}: no past rounds up to {day}, so no round with a "
                f"published pool snapshot to estimate its eligible candidates from "
                f"(estimated: {known})"
            )
        last = own.iloc[-1]
        first_snap = pd.Timestamp(self.snapshot_dates[0])
        if own["distribution_as_of"].notna().any():
            why = (
                f"its rounds with a snapshot are outside the {self.params['lookback']:g}-day "
                "lookback or too long after their snapshot"
            )
        elif last["date"] < first_snap:
            why = f"before snapshots were published, from {first_snap:%Y-%m-%d}"
        else:
            why = "published without one"
        return (
            f"category {category!r}: no {category} round with a published pool snapshot up to "
            f"{day} to estimate its eligible candidates from (its last round: "
            f"#{last['draw_number']} on {last['date']:%Y-%m-%d}, {why}; estimated: {known})"
        )

    def _depleting(self, category: str) -> tuple[np.ndarray, np.ndarray]:
        r = self.rounds
        mask = (r["category"] == category) | (r["category"] == "general")
        return r["date"].to_numpy()[mask], r["cutoff"].to_numpy()[mask]

    def eligible(
        self, category: str, total: np.ndarray, inflow: np.ndarray, at: object
    ) -> np.ndarray:
        """Eligible candidates of ``category`` at each score on day ``at`` given ``total``.

        ``inflow`` is the net inflow [candidates/day]. ``general`` is ``total``; ``pnp`` is
        ``total`` on 601..1200; other categories use :func:`category_eligible` with their
        :class:`CategoryFit` and the rounds before ``at``.
        """
        if category == "general":
            return np.array(total, dtype=float)
        if category == "pnp":
            return np.where(SCORES >= 601, total, 0.0)
        fit = self.categories.get(category)
        if fit is None:
            raise ParameterError(self._no_estimate(category))
        dates, cutoffs = self._depleting(category)
        age = depletion_age(dates, cutoffs, at)
        scale = np.exp(fit.drift)
        eligible = category_eligible(
            total, inflow, age, fit.refill, fit.conversion, self.params["horizon"]
        )
        return np.minimum(eligible * scale, total)

    def pool_on(self, day: object) -> tuple[np.ndarray, np.ndarray]:
        """Expected total density just before the rounds of ``day``, and the net inflow.

        From the latest snapshot on or before ``day``: the rounds held since (on or after the
        snapshot's day, before ``day``) are taken out in proportion to the density above their
        cutoffs (:func:`allocate_round`) and the net inflow since is added.

        Returns
        -------
        total : numpy.ndarray, shape (1201,)
            [candidates]
        inflow : numpy.ndarray, shape (1201,)
            Net inflow per day [candidates/day].
        """
        day = pd.Timestamp(day).normalize()
        j = self._snapshot_index(day)
        snap = self.snapshot_dates[j]
        total = self.densities[j].copy()
        r = self.rounds
        between = r[(r["date"].to_numpy() >= snap) & (r["date"] < day)]
        for row in between.itertuples(index=False):
            total -= allocate_round(total, row.category, row.invitations, row.cutoff)
        inflow = _score_inflow(self.inflow_bands, self.densities[j], self.counts[j])
        gap = (np.datetime64(day, "ns") - snap) / np.timedelta64(1, "D")
        return np.maximum(total + inflow * gap, 0.0), inflow

    def eligible_on(self, category: str, day: object) -> np.ndarray:
        """Expected eligible candidates of ``category`` at each score just before the rounds of
        ``day`` (:meth:`pool_on` and :meth:`eligible`) [candidates].

        Examples
        --------
        >>> from eeforecast.feed import load_feed
        >>> model = fit_pool(load_feed(), as_of="2025-12-15")
        >>> cutoff, _ = take_top(model.eligible_on("cec", "2025-12-16"), 5000)
        >>> 500 < int(cutoff) < 530
        True
        """
        total, inflow = self.pool_on(day)
        return self.eligible(category, total, inflow, day)

    def with_room(
        self, category: str, invitations: float, day: object, max_take: float = 0.75
    ) -> PoolModel:
        """A copy whose ``category`` sub-pool leaves room for a round of ``invitations``.

        If the expected sub-pool just before the rounds of ``day`` (:meth:`eligible_on`) would
        be taken beyond ``max_take`` by the round, the category's ``drift`` is raised so that
        the round takes exactly ``max_take`` of it (:func:`room_for_round`); otherwise the model
        itself is returned. ``pnp`` and ``general`` are returned unchanged (PNP rounds invite
        nearly every nominee by design; general rounds draw from everybody).

        Parameters
        ----------
        category : str
            Category slug of the hypothetical round.
        invitations : float
            Its invitations [candidates].
        day : date-like
            Its day.
        max_take : float
            Largest share of the sub-pool one round takes [fraction].
        """
        if category in _STRUCTURAL:
            return self
        eligible = self.eligible_on(category, day)
        sized = room_for_round(eligible, invitations, max_take)
        if sized.sum() <= eligible.sum() or eligible.sum() <= 0:
            return self
        fit = self.categories[category]
        bigger = replace(fit, drift=fit.drift + float(np.log(sized.sum() / eligible.sum())))
        return replace(self, categories={**self.categories, category: bigger})

    def state(self, as_of: object = None) -> PoolState:
        """The pool at the latest snapshot on or before ``as_of`` (default: the model's).

        The state describes the pool before the rounds held on its day: rounds dated on or
        after ``state.as_of`` are not taken out. ``eligible`` holds ``pnp`` and every fitted
        category; ``inflow_eligible`` is the category's ``refill`` share times ``exp(drift)``
        below 601 (``pnp``: 1 on 601..1200, no conversion); ``conversion`` is, below 601, the
        larger of the fitted conversion times ``exp(drift)`` and the ``flow_conversion`` that
        sustains the category's recent invitations per day (:func:`fit_pool`, assumption 6);
        on 601..1200 both are 0 (assumption 7); ``horizon`` is the fit's ``horizon``
        (conversion stops at the share ``conversion * horizon``).
        """
        j = self._snapshot_index(as_of)
        day = pd.Timestamp(self.snapshot_dates[j])
        total = self.densities[j].copy()
        inflow = _score_inflow(self.inflow_bands, total, self.counts[j])
        inflow_sd = _score_inflow(self.inflow_bands_sd, total, self.counts[j])
        eligible = {"pnp": self.eligible("pnp", total, inflow, day)}
        inflow_eligible = {"pnp": (SCORES >= 601).astype(float)}
        conversion = {}
        level_sd, refill_sd = {}, {"pnp": float(self.nominee_rate_sd)}
        for slug, fit in self.categories.items():
            level_sd[slug], refill_sd[slug] = float(fit.level_sd), float(fit.refill_sd)
            scale = np.exp(fit.drift)
            eligible[slug] = self.eligible(slug, total, inflow, day)
            below = SCORES < 601  # nominees refill the PNP sub-pool only (assumption 7)
            inflow_eligible[slug] = np.where(below, min(fit.refill * scale, 1.0), 0.0)
            conversion[slug] = np.where(
                below, min(max(fit.conversion * scale, fit.flow_conversion), 1.0), 0.0
            )
        return PoolState(
            as_of=day,
            total=total,
            eligible=eligible,
            inflow=inflow,
            inflow_sd=np.abs(inflow_sd),
            inflow_eligible=inflow_eligible,
            conversion=conversion,
            horizon=float(self.params["horizon"]),
            level_sd=level_sd,
            refill_sd=refill_sd,
            nominee_shift_sd=float(self.nominee_shift_sd),
            tilt_sd=float(self.tilt_sd),
        )

    # -- inspection --------------------------------------------------------------------------

    def density_frame(self, as_of: object = None) -> pd.DataFrame:
        """Tidy density of the state on ``as_of``: ``score, total, inflow, inflow_sd`` and one
        column per category's eligible count [candidates], [candidates/day]."""
        st = self.state(as_of)
        frame = pd.DataFrame(
            {"score": SCORES, "total": st.total, "inflow": st.inflow, "inflow_sd": st.inflow_sd}
        )
        for slug, arr in st.eligible.items():
            frame[slug] = arr
        frame.insert(0, "as_of", st.as_of)
        return frame

    def thin(self, categories=None) -> dict[str, int]:
        """The categories whose sub-pool estimate rests on too few past rounds.

        Parameters
        ----------
        categories : iterable of str, optional
            Slugs to check (default: every fitted category); unknown ones are ignored.

        Returns
        -------
        dict of str to int
            Slug -> past rounds behind its estimate, for those with fewer than
            :data:`MIN_CATEGORY_ROUNDS`, in slug order.
        """
        names = self.categories if categories is None else dict.fromkeys(categories)
        return {
            c: int(self.categories[c].n_rounds)
            for c in sorted(names)
            if c in self.categories and self.categories[c].n_rounds < MIN_CATEGORY_ROUNDS
        }

    def shares_frame(self) -> pd.DataFrame:
        """One row per category: ``category, share, refill, conversion, drift, n_rounds,
        last_date, last_cutoff, rmse_log`` (see :class:`CategoryFit`); ``pnp`` carries the
        nominee shape in ``nominee_mean, nominee_sd``."""
        rows = [fit.__dict__ for fit in self.categories.values()]
        frame = pd.DataFrame(
            rows,
            columns=[
                "category",
                "share",
                "refill",
                "conversion",
                "drift",
                "n_rounds",
                "last_date",
                "last_cutoff",
                "rmse_log",
                "flow_rate",
                "flow_cutoff",
                "flow_conversion",
                "level_sd",
                "refill_sd",
            ],
        )
        pnp = self.rounds[self.rounds["category"] == "pnp"]
        frame.loc[len(frame)] = {
            "category": "pnp",
            "share": 1.0,
            "refill": 1.0,
            "conversion": 0.0,
            "drift": 0.0,
            "n_rounds": len(pnp),
            "last_date": pnp["date"].max() if len(pnp) else pd.NaT,
            "last_cutoff": pnp["cutoff"].iloc[-1] if len(pnp) else None,
            "rmse_log": np.nan,
            "flow_rate": np.nan,
            "flow_cutoff": np.nan,
            "flow_conversion": 0.0,
            "level_sd": np.nan,
            "refill_sd": self.nominee_rate_sd,
        }
        frame["nominee_mean"] = np.where(frame["category"] == "pnp", self.nominee_mean, np.nan)
        frame["nominee_sd"] = np.where(frame["category"] == "pnp", self.nominee_sd, np.nan)
        frame["nominee_shift_sd"] = np.where(
            frame["category"] == "pnp", self.nominee_shift_sd, np.nan
        )
        return frame

    def inflow_frame(self) -> pd.DataFrame:
        """One row per band: ``band_lo, band_hi, inflow, inflow_sd`` [candidates/day]."""
        return pd.DataFrame(
            {
                "band_lo": _BAND_LO,
                "band_hi": _BAND_HI,
                "inflow": self.inflow_bands,
                "inflow_sd": self.inflow_bands_sd,
            }
        )

    def to_frame(self, kind: str = "density") -> pd.DataFrame:
        """Tidy frame of ``kind``: ``density``, ``shares``, ``inflow`` or ``flows``."""
        makers = {
            "density": self.density_frame,
            "shares": self.shares_frame,
            "inflow": self.inflow_frame,
            "flows": lambda: self.flows.copy(),
        }
        if kind not in makers:
            raise ParameterError(f"kind: expected one of {sorted(makers)}, got {kind!r}")
        return makers[kind]()

    def summary(self) -> str:
        """A readable summary: snapshot, totals, nominee shape, inflow, category shares."""
        j = len(self.snapshot_dates) - 1
        day = pd.Timestamp(self.snapshot_dates[j])
        counts = self.counts[j]
        lines = [
            f"PoolModel fitted as of {self.as_of:%Y-%m-%d}"
            + (
                f" (last round {pd.Timestamp(self.rounds['date'].max()):%Y-%m-%d})"
                if len(self.rounds)
                else ""
            ),
            f"  latest snapshot     {day:%Y-%m-%d}: {counts.sum():,.0f} candidates "
            f"({len(self.snapshot_dates)} snapshots used)",
            f"  501-600 / 601-1200  {counts[13]:,.0f} / {counts[14]:,.0f}",
            f"  nominee core score  mean {self.nominee_mean:.0f}, sd {self.nominee_sd:.0f} "
            f"[CRS points]; Monte Carlo: score shift sd {self.nominee_shift_sd:.0f}, "
            f"inflow log-sd {self.nominee_rate_sd:.2f}; 501-600 tilt sd {self.tilt_sd:.2f}",
            f"  net inflow          {self.inflow_bands.sum():+,.0f} /day in total "
            f"(sd {np.sqrt((self.inflow_bands_sd**2).sum()):,.0f}); 501-600 "
            f"{self.inflow_bands[13]:+,.0f}, 601-1200 {self.inflow_bands[14]:+,.0f} /day",
            *(f"  note: {note}" for note in self.notes),
            "  category     steady share  refill  conversion  drift  rounds  last round"
            "       pace [/day] @ cutoff  pace conversion",
        ]
        for slug, fit in sorted(self.categories.items()):
            last = (
                f"{fit.last_date:%Y-%m-%d} @ {fit.last_cutoff}"
                if fit.last_date is not None
                else "-"
            )
            lines.append(
                f"  {slug:<12} {fit.share:12.3f}  {fit.refill:6.3f}  {fit.conversion:10.5f}  "
                f"{fit.drift:+5.2f}  {fit.n_rounds:6d}  {last:<17} {fit.flow_rate:8.1f} @ "
                f"{fit.flow_cutoff:3.0f}  {fit.flow_conversion:15.5f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"PoolModel(as_of={self.as_of:%Y-%m-%d}, snapshots={len(self.snapshot_dates)}, "
            f"categories={sorted(self.categories)})"
        )


def _wide_snapshots(feed) -> tuple[np.ndarray, np.ndarray]:
    """Band counts of the snapshots published by the feed's rounds, ascending by day.

    IRCC publishes a snapshot together with a round: a snapshot dated before the cut-off day but
    carried only by a later round was not known yet and is dropped.
    """
    snaps = feed.snapshots
    published = feed.rounds["distribution_as_of"].dropna().unique()
    snaps = snaps[snaps["as_of"].isin(published)]
    if snaps.empty:
        raise ParameterError("feed: no pool snapshot published up to as_of; cannot fit the pool")
    wide = snaps.pivot(index="as_of", columns="band_lo", values="candidates").sort_index()
    wide = wide.reindex(columns=_BAND_LO)
    return wide.index.to_numpy(dtype="datetime64[ns]"), wide.to_numpy(dtype=float)


def fit_pool(
    feed,
    as_of: object = None,
    *,
    half_life: float = 180.0,
    lookback: float = 730.0,
    horizon: float = 365.0,
    flow_window: float = 180.0,
    lower_z: float = 2.0,
    edge_ratio: float = 1.0,
    max_gap: float = 45.0,
    lifetime: float = 365.0,
    prior_weight: float = 0.3,
    drift_half_life: float = 45.0,
    drift_shrink: float = 0.5,
    nominee_ridge: float = 0.5,
    rate_window: float = 365.0,
    rate_half_life: float = 180.0,
    cap_nominee_inflow: bool = True,
) -> PoolModel:
    """Fit the pool model on a feed as it stood on ``as_of``.

    Parameters
    ----------
    feed : eeforecast.feed.Feed
        The rounds feed; it is cut at ``as_of`` first (nothing later is seen).
    as_of : date-like, optional
        Day to fit at (default: the feed's ``as_of`` or its last round/snapshot).
    half_life : float
        Recency weighting of past rounds in the calibrations [days].
    lookback : float
        Rounds older than this are not used for calibration [days].
    horizon : float
        A score emptied longer ago than this counts as refilled (see
        :func:`category_eligible`) [days].
    flow_window : float
        Window of the inflow estimate (:func:`summarize_flows`) [days].
    lower_z : float
        Truncation of the nominee distribution [sd].
    edge_ratio : float
        See :func:`density_from_bands` [ratio].
    max_gap : float
        A round is used for calibration only if a snapshot precedes it by at most this [days].
    lifetime : float
        Profile lifetime [days]: the prior of :func:`fit_category` is ``conversion = refill /
        lifetime`` (expired profiles replaced by arrivals of the same eligibility).
    prior_weight : float
        Weight of the priors of :func:`fit_category` [-].
    drift_half_life : float
        Recency half-life of the drift level [days].
    drift_shrink : float
        Pseudo-weight shrinking the drift toward 0 [-].
    nominee_ridge : float
        See :func:`fit_nominee_shape` [-].
    rate_window, rate_half_life : float
        Window and recency half-life of the invitation rate (assumptions 6 and 8) [days].
    cap_nominee_inflow : bool
        Apply assumption 8.

    Returns
    -------
    PoolModel

    Notes
    -----
    Assumptions:

    0. A snapshot is known once a round published with it is in the feed: IRCC publishes the
       pool distribution with a round's results, so the snapshot taken the day before a round
       is not known before that round, even though it is dated earlier.
    1. A snapshot of day ``d`` shows the pool before the rounds of day ``d``.
    2. Within bands the pool follows :func:`density_from_bands`. The 601-1200 band holds the
       provincial nominees, 600 + a core score that is normal (mean, sd) truncated below at
       ``mean - lower_z sd``. A past PNP round invites the share ``q = invitations /
       nominees`` (nominees: the band count of the latest snapshot, minus the PNP and general
       invitations since, plus the band's net inflow since), so its cutoff is the ``1 - q``
       quantile; mean and sd come from :func:`fit_nominee_shape` with weights halving every
       ``half_life`` days and falling with the snapshot gap (``1 / (1 + gap / 7 days)``).
    3. A PNP round draws from the nominees only, a general round from everybody. IRCC invites
       everybody eligible above a cutoff, so a category's sub-pool above its recent cutoffs is
       only what arrived since: its eligible candidates at a score are ``min(total, (refill *
       net inflow + conversion * total) * min(days since emptied, horizon))``
       (:func:`category_eligible`; "emptied" by the category's own or a general round; a score
       never emptied, or emptied more than ``horizon`` days ago, is at the steady state).
       ``refill`` and ``conversion`` are constant in score; they are fitted to the category's
       past rounds (within ``lookback``, weights halving every ``half_life`` days): the
       eligible candidates above each round's cutoff plus half of those at it equal its
       invitations (:func:`fit_category`). The sub-pool is then scaled by ``exp(drift)``, the
       recent rounds' mean log ratio of invitations to fitted count (half-life
       ``drift_half_life``, shrunk toward 0 by the pseudo-weight ``drift_shrink``):
       eligibility drifts with IRCC's priorities (e.g. more French tests in 2025).
    4. Rounds of other categories remove candidates from the total in proportion to the
       density above their cutoffs (:func:`allocate_round`), i.e. eligibility is independent
       across categories given the score.
    5. Net inflow per band is the average of snapshot differences after adding back the
       invitations in between, over the last ``flow_window`` days (:func:`band_flows`,
       :func:`summarize_flows`); within a band it follows the density; its sd assumes
       independent days and is fully correlated within a band. With a single snapshot known
       (early 2022) it cannot be estimated: it is 0 with sd 0, the projections hold the pool
       flat, and a ``UserWarning`` says so.
    6. Refill over many rounds (what the engine, :func:`eeforecast.simulate.simulate`, adds
       between rounds): a category keeps inviting month after month at scores its earlier
       rounds emptied, so candidates already in the pool keep turning eligible. In a steady
       state the eligible inflow above a category's typical cutoff equals its invitations per
       day: ``flow_rate`` and ``flow_cutoff`` are the recency-weighted invitations per day and
       mean cutoff of its rounds in the last ``rate_window`` days (half-life
       ``rate_half_life``, :func:`invitation_rate`), and ``flow_conversion = max(0, flow_rate -
       refilled) / stock`` with ``stock`` the candidates on ``flow_cutoff``..600 in the
       latest snapshot and ``refilled`` the refill share of the net inflow there (nominees
       excluded, assumption 7). The engine
       uses the larger of this and the fitted ``conversion`` (times ``exp(drift)``), capped at
       the share ``conversion * horizon`` of a score. It assumes IRCC's recent pace is
       sustainable (true when cutoffs are stable; when IRCC draws a stock down, as the French
       rounds of early 2025 did, it overstates the refill) and that new eligibility is spread
       over scores like the candidates.
    7. New nominees (601..1200) refill the PNP sub-pool only, not other categories': IRCC
       invites nominees in PNP rounds held every two weeks, usually the day before a CEC
       round, so few of them wait for a category round (in the multi-round replay, letting
       them join CEC put small CEC rounds' cutoffs near 790 instead of 540). The eligible
       stock of a category at 601..1200 on the snapshot day is kept.
    8. The nominees' net inflow (601-1200 band) is at most the PNP rounds' recent invitations
       per day (:func:`invitation_rate` over ``rate_window``, half-life ``rate_half_life``):
       IRCC invites nearly every nominee in each PNP round and the band has held a few
       hundred to a few thousand candidates for years, so in a steady state nominations
       arrive at about the PNP pace. The snapshot-difference estimate (assumption 5) was up
       to twice that pace in 2024-2025 (e.g. 61 a day on 2025-01-01 against 30 a day invited
       in the next six months, while the band shrank), and the excess piled up in the
       simulated nominee band, sending PNP and general cutoffs too high over months (see the
       README's multi-round replay). Not applied without a PNP round in the window.
    9. Parameter uncertainty (used by Monte Carlo, :func:`eeforecast.simulate.simulate`; the
       deterministic path ignores it), estimated from the same past data, never from later
       rounds. ``level_sd`` of a category: the recency-weighted (``half_life``) root mean
       square of its one-round-ahead level errors (:func:`level_errors`: each calibration
       round's residual of :func:`fit_category` minus the drift computed from the rounds
       before it), the scatter of the rounds around the fitted sub-pool. ``refill_sd``: the
       root mean square of the log changes of its invitations per day from one quarter to
       the next over ``lookback`` (:func:`pace_changes`), since the refill follows the pace
       (assumption 6) and the pace changes. A category with fewer than 3 errors (2 changes)
       takes the value pooled over all categories. ``nominee_shift_sd``: the weighted root
       mean square of the past PNP cutoffs around the fitted nominee shape
       (:func:`nominee_residuals`, weights of assumption 2, scaled by ``n_eff / (n_eff - 2)``
       for the two fitted parameters); ``nominee_rate_sd``: the PNP pace changes, used for
       the nominee inflow. ``tilt_sd``: the shape of the pool inside 501-600 is not
       published (only the band's total), and it decides where a general or CEC round
       reaching into the band stops; each usable general round with a cutoff in 502..600
       reveals how many of the band's candidates scored at or above it (its invitations minus
       the modelled nominees), from which :func:`band_tilt` gives the tilt of the fitted
       density that matches it; ``tilt_sd`` is their recency-weighted (``half_life``) root
       mean square (0 with fewer than 3 such rounds). All are in-sample scatter of a fitted model, so they understate
       the error of a model that is itself wrong (see the README's coverage tables).
    Everything uses only rounds and snapshots dated on or before ``as_of``.
    """
    from .feed import Feed

    if not isinstance(feed, Feed):
        raise ParameterError(
            f"feed: expected an eeforecast.feed.Feed (load_feed(path)), got {type(feed).__name__}"
        )
    spans = dict(half_life=half_life, lookback=lookback, horizon=horizon, flow_window=flow_window,
                 max_gap=max_gap, lifetime=lifetime, drift_half_life=drift_half_life,
                 rate_window=rate_window, rate_half_life=rate_half_life, lower_z=lower_z,
                 edge_ratio=edge_ratio)  # fmt: skip
    for name, value in spans.items():
        if not (isinstance(value, int | float) and np.isfinite(value) and value > 0):
            raise ParameterError(f"{name}: expected a number > 0, got {value!r}")
    for name, value in dict(prior_weight=prior_weight, drift_shrink=drift_shrink,
                            nominee_ridge=nominee_ridge).items():  # fmt: skip
        if not (isinstance(value, int | float) and np.isfinite(value) and value >= 0):
            raise ParameterError(f"{name}: expected a number >= 0, got {value!r}")
    if as_of is not None:
        feed = feed.truncate(as_of)
    rounds = feed.rounds
    dates, counts = _wide_snapshots(feed)
    if feed.as_of is not None:
        day = pd.Timestamp(feed.as_of)
    else:
        last = [pd.Timestamp(dates[-1])]
        if len(rounds):
            last.append(rounds["date"].max())
        day = max(last)

    notes: list[str] = []
    if len(dates) < 2:  # assumption 5 needs two snapshots
        notes.append(
            f"fit_pool as of {day:%Y-%m-%d}: only one pool snapshot is known "
            f"({pd.Timestamp(dates[0]):%Y-%m-%d}); the net inflow cannot be estimated from "
            "fewer than two snapshots, so it is taken as 0 (sd 0) and projections hold the "
            "pool flat"
        )
        warnings.warn(notes[-1], UserWarning, stacklevel=2)
    densities = density_from_bands(counts, edge_ratio=edge_ratio)
    flows = band_flows(dates, counts, densities, rounds)
    inflow_bands, inflow_sd = summarize_flows(flows, day, window=flow_window)
    # nominee inflow at most the PNP rounds' recent pace (assumption 8)
    pnp_mask = (rounds["category"] == "pnp").to_numpy()
    pnp_rate, _ = invitation_rate(
        rounds["date"].to_numpy()[pnp_mask],
        rounds["invitations"].to_numpy()[pnp_mask],
        rounds["cutoff"].to_numpy()[pnp_mask],
        day,
        window=rate_window,
        half_life=rate_half_life,
    )
    if cap_nominee_inflow and pnp_rate > 0 and inflow_bands[-1] > pnp_rate:
        inflow_bands = inflow_bands.copy()
        inflow_bands[-1] = pnp_rate

    r_dates = rounds["date"].to_numpy(dtype="datetime64[ns]")
    r_cat = rounds["category"].to_numpy()
    r_n = rounds["invitations"].to_numpy(dtype=float)
    r_c = rounds["cutoff"].to_numpy()
    day64 = np.datetime64(day, "ns")
    recent = (r_dates > day64 - np.timedelta64(int(lookback), "D")) & (r_dates <= day64)
    snap_of = np.searchsorted(dates, r_dates, side="right") - 1
    gap = np.where(
        snap_of >= 0, (r_dates - dates[np.maximum(snap_of, 0)]) / np.timedelta64(1, "D"), np.inf
    )
    usable = recent & (snap_of >= 0) & (gap <= max_gap)

    def before_round(i: int) -> np.ndarray:
        """Total density just before round ``i``: its snapshot minus rounds since + inflow
        (as :meth:`PoolModel.pool_on`)."""
        j = snap_of[i]
        total = densities[j].copy()
        between = np.flatnonzero((r_dates >= dates[j]) & (r_dates < r_dates[i]))
        for k in between:
            total -= allocate_round(total, r_cat[k], r_n[k], r_c[k])
        total += _score_inflow(inflow_bands, densities[j], counts[j]) * gap[i]
        return np.maximum(total, 0.0)

    weight = 0.5 ** ((day64 - r_dates) / np.timedelta64(1, "D") / half_life)
    cache: dict[int, np.ndarray] = {}

    def total_at(i: int) -> np.ndarray:
        if i not in cache:
            cache[i] = before_round(i)
        return cache[i]

    # nominee shape from PNP rounds
    pnp = np.flatnonzero(usable & (r_cat == "pnp"))
    fractions = np.array([r_n[i] / max(total_at(i)[601:].sum(), 1.0) for i in pnp])
    precision = 1.0 / (1.0 + gap[pnp] / 7.0)  # q is uncertain by the inflow since the snapshot
    mean, sd = fit_nominee_shape(
        r_c[pnp], fractions, weight[pnp] * precision, lower_z=lower_z, ridge=nominee_ridge
    )
    nominee = nominee_cutoff_shape(mean, sd, lower_z)
    densities[:, 601:] = counts[:, 14, None] * nominee[601:]
    shift_sd = 0.0
    if len(pnp) >= 3:  # assumption 9
        w_pnp = weight[pnp] * precision
        n_eff = w_pnp.sum() ** 2 / (w_pnp**2).sum()
        resid = nominee_residuals(r_c[pnp], fractions, mean, sd, lower_z)
        shift_sd = _rms(resid, w_pnp) * np.sqrt(n_eff / max(n_eff - 2.0, 1.0))
    cache.clear()
    # tilt of the 501-600 shape revealed by general rounds (assumption 9)
    tilts, tilt_w = [], []
    for i in np.flatnonzero(usable & (r_cat == "general") & (r_c > 501) & (r_c <= 600)):
        total = total_at(i)
        delta = band_tilt(total[501:601], int(r_c[i]), r_n[i] - total[601:].sum())
        if np.isfinite(delta):
            tilts.append(delta)
            tilt_w.append(weight[i])
    tilt_sd = _rms(np.array(tilts), np.array(tilt_w)) if len(tilts) >= 3 else 0.0

    # category shares
    latest_total = densities[-1]
    latest_inflow = _score_inflow(inflow_bands, densities[-1], counts[-1])
    categories: dict[str, CategoryFit] = {}
    errors: dict[str, tuple] = {}
    changes: dict[str, np.ndarray] = {}
    for slug in pd.unique(r_cat):
        if slug in _STRUCTURAL:
            continue
        own = np.flatnonzero(r_cat == slug)
        idx = np.flatnonzero(usable & (r_cat == slug))
        last = own[-1]
        if len(idx) == 0:
            continue
        dep = (r_cat == slug) | (r_cat == "general")
        tot, ref, conv = [], [], []
        for i in idx:
            total = total_at(i)
            age = depletion_age(r_dates[dep], r_c[dep], r_dates[i])
            inflow = _score_inflow(inflow_bands, densities[snap_of[i]], counts[snap_of[i]])
            days = np.minimum(age, horizon)
            tot.append(total)
            ref.append(np.maximum(inflow, 0.0) * days)
            conv.append(total * days)
        refill, conversion, rmse, resid = fit_category(
            np.array(tot),
            np.array(ref),
            np.array(conv),
            r_c[idx],
            r_n[idx],
            weight[idx],
            lifetime=lifetime,
            prior_weight=prior_weight,
        )
        recent_w = 0.5 ** ((day64 - r_dates[idx]) / np.timedelta64(1, "D") / drift_half_life)
        drift = float((recent_w * resid).sum() / (recent_w.sum() + drift_shrink))
        errors[slug] = (
            level_errors(
                (r_dates[idx] - day64) / np.timedelta64(1, "D"),
                resid,
                half_life=drift_half_life,
                shrink=drift_shrink,
            ),
            weight[idx],
        )
        changes[slug] = pace_changes(
            r_dates[own], r_n[own], day, n_spans=max(int(lookback // 91), 2)
        )
        rate, kappa = invitation_rate(
            r_dates[own], r_n[own], r_c[own], day, window=rate_window, half_life=rate_half_life
        )
        flow_conv = 0.0
        if rate > 0:
            above = (SCORES >= int(np.floor(kappa))) & (SCORES <= 600)  # assumption 7
            refilled = min(refill * np.exp(drift), 1.0) * np.maximum(latest_inflow, 0.0)[above]
            stock = latest_total[above].sum()
            if stock > 0:
                flow_conv = float(min(max(rate - refilled.sum(), 0.0) / stock, 1.0))
        categories[slug] = CategoryFit(
            category=slug,
            share=min(conversion * horizon, 1.0),
            refill=refill,
            conversion=conversion,
            drift=drift,
            n_rounds=len(idx),
            last_date=pd.Timestamp(r_dates[last]),
            last_cutoff=int(r_c[last]),
            rmse_log=rmse,
            flow_rate=rate,
            flow_cutoff=kappa if rate > 0 else float(r_c[last]),
            flow_conversion=flow_conv,
        )

    # parameter uncertainty (assumption 9): a category's own estimate, or the pooled one
    pooled_level = _rms(
        np.concatenate([e for e, _ in errors.values()] or [np.zeros(0)]),
        np.concatenate([w for _, w in errors.values()] or [np.zeros(0)]),
    )
    pace_pnp = pace_changes(
        r_dates[r_cat == "pnp"], r_n[r_cat == "pnp"], day, n_spans=max(int(lookback // 91), 2)
    )
    pooled_pace = _rms(np.concatenate([*changes.values(), pace_pnp]))
    for slug, fit in categories.items():
        err, w = errors[slug]
        level = _rms(err, w) if len(err) >= 3 else pooled_level
        pace = _rms(changes[slug]) if len(changes[slug]) >= 2 else pooled_pace
        categories[slug] = replace(
            fit,
            level_sd=float(np.nan_to_num(level)),
            refill_sd=float(np.nan_to_num(pace)),
        )
    rate_sd = _rms(pace_pnp) if len(pace_pnp) >= 2 else pooled_pace

    return PoolModel(
        as_of=day,
        snapshot_dates=dates,
        counts=counts,
        densities=densities,
        nominee_mean=mean,
        nominee_sd=sd,
        inflow_bands=inflow_bands,
        inflow_bands_sd=inflow_sd,
        flows=flows,
        categories=categories,
        rounds=rounds,
        feed=feed,
        params={
            "half_life": half_life,
            "lookback": lookback,
            "horizon": horizon,
            "flow_window": flow_window,
            "lower_z": lower_z,
            "edge_ratio": edge_ratio,
            "lifetime": lifetime,
            "prior_weight": prior_weight,
            "drift_half_life": drift_half_life,
            "drift_shrink": drift_shrink,
            "nominee_ridge": nominee_ridge,
            "rate_window": rate_window,
            "rate_half_life": rate_half_life,
            "cap_nominee_inflow": cap_nominee_inflow,
        },
        nominee_shift_sd=float(shift_sd),
        nominee_rate_sd=float(np.nan_to_num(rate_sd)),
        notes=tuple(notes),
        tilt_sd=float(np.nan_to_num(tilt_sd)),
    )
