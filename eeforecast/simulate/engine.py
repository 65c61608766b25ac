"""The engine's numpy specification: the pool as arrays over scores, one round at a time.

:func:`eeforecast.simulate.inputs.engine_input` validates a :class:`~eeforecast.pool.PoolState` and a
list of rounds and turns them into an :class:`EngineInput` of plain arrays in reversed score order
(index ``k`` is score ``1200 - k``, so "the top ``n``" is a cumulative sum from index 0). :class:`PathParams` are the
per-path parameter draws of the Monte Carlo, :func:`run_numpy` runs the rounds for a block of paths,
vectorised over paths: the readable specification that the compiled kernel
(:mod:`eeforecast.simulate.kernel`) reproduces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from ..pool import tilt_factors
from ..scores import BANDS, MAX_SCORE, N_SCORES

__all__ = [
    "EPS",
    "MEDIAN_LOG_E",
    "NOISE_BANDS",
    "NOMINEE_CELLS",
    "EngineInput",
    "PathParams",
    "empty_output",
    "gumbel_draws",
    "run_numpy",
    "subpool_draws",
]

#: Score bands within which inflow noise is shared (IRCC's 15 leaf bands, ascending)
#: [CRS points]. The net inflow's variability is estimated per band, so it is drawn per band.
NOISE_BANDS: tuple[tuple[int, int], ...] = BANDS


#: Counts below this are rounding residue of taken scores and count as nobody [candidates].
EPS = 1e-7


def _band_index() -> np.ndarray:
    """Noise band of each score, in reversed order (index k is score 1200 - k)."""
    idx = np.empty(N_SCORES, dtype=np.intp)
    for b, (lo, hi) in enumerate(NOISE_BANDS):
        idx[lo : hi + 1] = b
    return idx[::-1].copy()


_BAND_REV = _band_index()


@dataclass(frozen=True)
class EngineInput:
    """Everything a worker needs, as plain arrays in reversed score order (index k = 1200 - k).

    ``eligible`` and ``inflow_eligible`` have one row per tracked category (those with rounds in
    the schedule, ``general`` excluded); ``cat`` is the row of each round (-1 = general).
    """

    total: np.ndarray  # (S,)
    eligible: np.ndarray  # (C, S)
    inflow: np.ndarray  # (S,) per day
    inflow_sd: np.ndarray  # (S,) per sqrt(day)
    inflow_eligible: np.ndarray  # (C, S)
    conversion: np.ndarray  # (C, S) share of the candidates at a score turning eligible per day
    conv_cap: np.ndarray  # (C, S) eligible share up to which conversion acts
    days: np.ndarray  # (R,) days since the previous round (or the start)
    cat: np.ndarray  # (R,) int
    thresholds: tuple[int, ...]
    refill_days: float = math.inf  # conversion caps: min(1, conversion * refill_days)
    level_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,)
    refill_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,), pnp's is 0
    rate_sd: float = 0.0  # nominee inflow (refill_sd["pnp"])
    shift_sd: float = 0.0  # nominee scores [CRS points]
    level_floor: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,)
    tilt_sd: float = 0.0  # tilt of the density inside 501-600 [-]
    # steady-state eligible share per score; NaN: min(1, conversion * refill_days)
    cap_share: np.ndarray = field(default_factory=lambda: np.zeros((0, N_SCORES)))  # (C, S)
    below_from: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))  # (C,) index
    below_lo: np.ndarray = field(default_factory=lambda: np.ones(0))  # (C,) multiplier bounds
    below_hi: np.ndarray = field(default_factory=lambda: np.ones(0))  # (C,)
    tail: np.ndarray = field(default_factory=lambda: np.full((0, 3), np.nan))  # (C, 3)
    tail_cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 2, 2)))  # (C, 2, 2)
    all_round: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (R,)
    evt_round: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # (R,)
    reset_shape: np.ndarray = field(default_factory=lambda: np.zeros((0, N_SCORES)))  # (C, S)

    @property
    def invites_all(self) -> np.ndarray:
        """(R,) bool: rounds that invite their category's whole eligible stock by design."""
        return self.all_round | self.evt_round


#: Scores 601..1200 (the nominees) are indices 0..599 in reversed order.
NOMINEE_CELLS = MAX_SCORE - 600


@dataclass(frozen=True)
class PathParams:
    """Per-path parameter draws (multipliers of 1 and shift 0: the model as fitted).

    ``level`` (P, C) multiplies each category's eligible stock, ``refill`` (P, C) its
    inflow share and conversion, ``rate`` (P,) the nominees' expected net inflow and ``shift``
    (P,) moves the nominees' scores [CRS points]. ``tilt`` (P, 100), if not None, multiplies
    the starting candidates and eligible counts at reversed indices 600..699 (scores
    600..501) (:func:`eeforecast.pool.tilt_factors`, band total kept). ``below`` (P, C), if not
    None, multiplies each category's eligible stock and steady-state share below its revealed
    floor; ``loc`` and ``scale`` (P, C), if not None, are the invite-all categories' tail
    parameters on the path [CRS points] (:func:`eeforecast.pool.min_cutoff`).
    """

    level: np.ndarray
    refill: np.ndarray
    rate: np.ndarray
    shift: np.ndarray
    tilt: np.ndarray | None = None
    below: np.ndarray | None = None
    loc: np.ndarray | None = None
    scale: np.ndarray | None = None

    @classmethod
    def none(cls, n_paths: int, n_cat: int) -> PathParams:
        return cls(
            np.ones((n_paths, n_cat)),
            np.ones((n_paths, n_cat)),
            np.ones(n_paths),
            np.zeros(n_paths, dtype=np.int64),
        )

    @classmethod
    def draw(cls, eng: EngineInput, rng: np.random.Generator, n_paths: int) -> PathParams:
        n_cat = eng.eligible.shape[0]
        u = rng.standard_normal((n_paths, 2 * n_cat + 2))
        tilt = None
        if eng.tilt_sd > 0:  # drawn last: without it the other draws are unchanged
            delta = eng.tilt_sd * rng.standard_normal(n_paths)
            tilt = tilt_factors(eng.total[NOMINEE_CELLS : NOMINEE_CELLS + 100][::-1], delta)[
                :, ::-1
            ].copy()
        return cls(
            np.maximum(np.exp(eng.level_sd[None, :] * u[:, :n_cat]), eng.level_floor[None, :]),
            np.exp(eng.refill_sd[None, :] * u[:, n_cat : 2 * n_cat]),
            np.exp(eng.rate_sd * u[:, 2 * n_cat]),
            np.rint(eng.shift_sd * u[:, 2 * n_cat + 1]).astype(np.int64),
            tilt,
        )

    def with_subpools(self, eng: EngineInput, rng: np.random.Generator) -> PathParams:
        """These draws plus the sub-pool draws of the fourth stream (:func:`subpool_draws`).

        A path whose below-floor draw shrinks a category's stock gets its level multiplier
        raised so that the stock stays at ``level_floor`` times the expected one (the room
        assumption holds on every path).
        """
        below, loc, scale = subpool_draws(eng, rng, self.rate.shape[0])
        level = self.level
        if np.any(eng.level_floor > 0):
            cut = eng.below_from[:, None] <= np.arange(N_SCORES)[None, :]  # (C, S)
            low = np.where(cut, eng.eligible, 0.0).sum(1)
            whole = eng.eligible.sum(1)
            kept = np.divide(
                whole[None, :] + (below - 1.0) * low[None, :],
                whole[None, :],
                out=np.ones_like(below),
                where=whole[None, :] > 0,
            )
            level = np.maximum(level, eng.level_floor[None, :] / np.maximum(kept, 1e-12))
        return replace(self, level=level, below=below, loc=loc, scale=scale)


def subpool_draws(eng: EngineInput, rng: np.random.Generator, n_paths: int) -> tuple:
    """Per-path draws of the below-floor multipliers and the invite-all tails.

    ``below`` (P, C): log-uniform between ``below_lo`` and ``below_hi`` (1 when they are
    equal); ``loc``, ``scale`` (P, C): normal around the fitted tail in ``(loc, log scale)``
    with covariance ``tail_cov`` (the fitted values for a category without a tail).
    """
    n_cat = eng.eligible.shape[0]
    lo, hi = np.log(eng.below_lo), np.log(eng.below_hi)
    below = np.exp(lo[None, :] + (hi - lo)[None, :] * rng.random((n_paths, n_cat)))
    u = rng.standard_normal((n_paths, n_cat, 2))
    loc = np.repeat(eng.tail[None, :, 0], n_paths, axis=0)
    scale = np.repeat(eng.tail[None, :, 1], n_paths, axis=0)
    for c in range(n_cat):
        if np.isfinite(eng.tail[c, 0]) and np.any(eng.tail_cov[c] != 0):
            chol = np.linalg.cholesky(eng.tail_cov[c] + 1e-12 * np.eye(2))
            d = u[:, c, :] @ chol.T
            loc[:, c] = eng.tail[c, 0] + d[:, 0]
            scale[:, c] = eng.tail[c, 1] * np.exp(d[:, 1])
    return below, loc, scale


#: ``ln E`` at the median of ``E ~ Exp(1)``: the deterministic path's draw for an invite-all
#: round's cutoff (:func:`eeforecast.pool.min_cutoff`).
MEDIAN_LOG_E = math.log(math.log(2.0))


def gumbel_draws(eng: EngineInput, rng: np.random.Generator | None, n_paths: int) -> np.ndarray:
    """(P, R) draws of ``ln E``, ``E ~ Exp(1)``, for the invite-all rounds' cutoffs; the median
    ``ln ln 2`` everywhere when ``rng`` is None (the deterministic path)."""
    n_rounds = len(eng.days)
    if rng is None:
        return np.full((n_paths, n_rounds), MEDIAN_LOG_E)
    return np.log(rng.standard_exponential((n_paths, n_rounds)))


def _shift_nominees(arr: np.ndarray, shift: int) -> np.ndarray:
    """Move the nominees' part (reversed indices 0..599 = scores 1200..601) of ``arr`` (..., S)
    up by ``shift`` points; counts pushed beyond 601 or 1200 stay at the edge (sums kept)."""
    out = np.array(arr, dtype=float, copy=True)
    if shift == 0:
        return out
    target = np.clip(np.arange(NOMINEE_CELLS) - shift, 0, NOMINEE_CELLS - 1)
    flat = out.reshape(-1, out.shape[-1])
    for row in flat:
        row[:NOMINEE_CELLS] = np.bincount(
            target, weights=row[:NOMINEE_CELLS], minlength=NOMINEE_CELLS
        )
    return out


def _path_arrays(eng: EngineInput, par: PathParams) -> dict:
    """Per-path starting arrays of the numpy engine (shapes (P, S) and (C, P, S))."""
    n_paths = par.rate.shape[0]
    n_cat = eng.eligible.shape[0]
    total = np.repeat(eng.total[None, :], n_paths, axis=0)
    elig = np.repeat(eng.eligible[:, None, :], n_paths, axis=1)
    m = np.repeat(eng.inflow[None, :], n_paths, axis=0)
    sd = np.repeat(eng.inflow_sd[None, :], n_paths, axis=0)
    m[:, :NOMINEE_CELLS] *= par.rate[:, None]
    for sh in np.unique(par.shift):
        if sh == 0:
            continue
        rows = par.shift == sh
        total[rows] = _shift_nominees(eng.total, sh)
        elig[:, rows] = _shift_nominees(eng.eligible, sh)[:, None, :]
        m[rows] = _shift_nominees(m[rows], sh)
        sd[rows] = _shift_nominees(eng.inflow_sd, sh)
    if par.tilt is not None:  # the shape inside 501-600
        total[:, NOMINEE_CELLS : NOMINEE_CELLS + 100] *= par.tilt
        elig[:, :, NOMINEE_CELLS : NOMINEE_CELLS + 100] *= par.tilt[None, :, :]
    below = np.ones((n_cat, n_paths, N_SCORES))  # the below-floor multiplier per score
    if par.below is not None:
        for c in range(n_cat):
            below[c, :, eng.below_from[c] :] = par.below[:, c][:, None]
        elig *= below
    elig = np.minimum(elig * par.level.T[:, :, None], total[None, :, :])
    ref = par.refill.T[:, :, None]  # (C, P, 1)
    ie = np.minimum(eng.inflow_eligible[:, None, :] * ref, 1.0)
    conv = np.minimum(eng.conversion[:, None, :] * ref, 1.0)
    with np.errstate(invalid="ignore"):
        cap = np.where(conv > 0, np.minimum(1.0, conv * eng.refill_days), 0.0)
    share = eng.cap_share[:, None, :]
    cap = np.where(np.isnan(share), cap, np.minimum(1.0, share * below))
    return {"total": total, "elig": elig, "m": m, "sd": sd, "ie": ie, "conv": conv, "cap": cap}


def run_numpy(
    eng: EngineInput,
    invitations: np.ndarray,
    z: np.ndarray | None,
    par: PathParams | None = None,
    g: np.ndarray | None = None,
) -> dict:
    """The engine in numpy, vectorised over paths (the readable specification).

    Parameters
    ----------
    invitations : (P, R) float array [candidates]; ignored for the rounds that invite everybody
        eligible (``eng.all_round``), whose size is the stock on the path.
    z : (P, R, B) standard normals (one per path, round interval and noise band) or None
        (expected inflow).
    par : per-path parameter draws, or None (the parameters as fitted).
    g : (P, R) draws of ``ln E`` for the invite-all rounds' cutoffs (:func:`gumbel_draws`), or
        None (the median ``ln ln 2``).

    Returns a dict of arrays (P, R).

    Notes
    -----
    A round of an invite-all category (``eng.evt_round``) takes its ``n`` candidates from the
    top like any other, but its cutoff is the lowest of ``n`` draws from the category's lower
    tail: ``rint(loc - scale ln max(n, 1) + scale g)``, clipped to the category's lowest score
    and 1200 (:func:`eeforecast.pool.min_cutoff`), with the tie share 1 (everybody is invited).
    """
    n_paths, n_rounds = invitations.shape
    S = N_SCORES
    n_cat = eng.eligible.shape[0]
    if par is None:  # the parameters as fitted: shared arrays, no per-path copies
        arrays = {
            "total": np.repeat(eng.total[None, :], n_paths, axis=0),
            "elig": np.repeat(eng.eligible[:, None, :], n_paths, axis=1),
            "ie": eng.inflow_eligible[:, None, :],
            "m": eng.inflow[None, :],
            "sd": eng.inflow_sd[None, :],
            "conv": eng.conversion[:, None, :],
            "cap": eng.conv_cap[:, None, :],
        }
    else:
        arrays = _path_arrays(eng, par)
    T = arrays["total"]
    E = arrays["elig"]  # (C, P, S)
    ie = arrays["ie"]  # (C, P, S)
    m, sd = arrays["m"], arrays["sd"]  # (P, S)
    conv_p, cap_p = arrays["conv"], arrays["cap"]
    rows = np.arange(n_paths)
    converting = [j for j in range(n_cat) if eng.conversion[j].any()]
    if g is None:
        g = gumbel_draws(eng, None, n_paths)
    loc = par.loc if par is not None and par.loc is not None else eng.tail[None, :, 0]
    scale = par.scale if par is not None and par.scale is not None else eng.tail[None, :, 1]
    out = empty_output(eng, invitations)
    pool = T.sum(axis=1)
    out["start_pool"][:] = pool
    for r in range(n_rounds):
        d = float(eng.days[r])
        if d > 0:
            if z is not None:
                net = z[:, r, _BAND_REV]
                net *= sd * math.sqrt(d)
                net += m * d
            else:
                net = m * d
            pos = np.maximum(net, 0)
            gained = np.broadcast_to(pos.sum(axis=1), (n_paths,))
            told = T.copy() if n_cat else None
            T += net
            np.maximum(T, 0, out=T)
            new_pool = T.sum(axis=1)
            out["inflow"][:, r] = gained
            out["outflow"][:, r] = pool + gained - new_pool
            pool = new_pool
            if n_cat:
                # Expiry (negative net) removes the same share of every category at a score;
                # new profiles (positive net) join category c with share inflow_eligible.
                denom = told + pos
                keep = np.divide(T, denom, out=np.ones_like(denom), where=denom > 0)
                E *= keep
                E += pos * ie
                # conversion: candidates at a score turning eligible, until the category's
                # share there reaches its cap (and never beyond everybody)
                for j in converting:
                    room = np.maximum(cap_p[j] * T - E[j], 0.0)
                    E[j] += np.minimum(np.minimum(conv_p[j] * d, 1.0) * T, room)
                    np.minimum(E[j], T, out=E[j])
        # --- the round: top-n of the category, part of the tie at the cutoff ---
        c = int(eng.cat[r])
        src = T if c < 0 else E[c]
        cum = np.cumsum(src, axis=1)
        # A round that takes the whole stock ends at its lowest whole candidate: the score at
        # which the count from the top reaches the stock less half a candidate (the expected
        # counts thin out smoothly toward score 0; less than half a candidate is left below).
        if eng.all_round[r]:  # the round invites everybody eligible: its size is the stock
            n = cum[:, -1].copy()
            out["requested"][:, r] = n
            need = np.maximum(n - 0.5, 0.0)
        else:
            n = invitations[:, r]
            if eng.evt_round[r] and c >= 0:  # a given size of an invite-all round is the stock
                _reset_stock(eng, E, T, c, cum[:, -1], n, out, r)
                cum = np.cumsum(src, axis=1)
            need = n - 1e-9 * np.maximum(n, 1)
        reached = cum >= need[:, None]
        idx = reached.argmax(axis=1)
        found = reached[rows, idx]
        if not found.all():  # too few eligible (ran dry): everybody eligible is invited
            whole = cum >= np.maximum(cum[:, -1] - 0.5, 0.0)[:, None]
            idx = np.where(found, idx, whole.argmax(axis=1))
        kmax = int(idx.max()) + 1
        reach = np.arange(kmax)[None, :] <= idx[:, None]  # the scores this round drew from
        take = np.where(np.arange(kmax)[None, :] < idx[:, None], src[:, :kmax], 0.0)
        at = src[rows, idx]
        take[rows, idx] = np.clip(n - (cum[rows, idx] - at), 0, at)
        tie = np.divide(take[rows, idx], at, out=np.full(n_paths, np.nan), where=at > 0)
        out["tie"][:, r] = tie
        invited = take.sum(axis=1)
        tsub = T[:, :kmax]
        ratio = np.divide(take, tsub, out=np.zeros_like(take), where=tsub > 0)
        np.minimum(ratio, 1, out=ratio)
        tsub -= take
        tsub[reach & (tsub < EPS)] = 0.0  # rounding residue of a taken score is nobody
        for j in range(n_cat):
            ej = E[j][:, :kmax]
            if j == c:
                ej -= take
            else:
                # conditional independence given score: category j loses the share of its
                # candidates that the round took from everybody at that score
                ej *= 1 - ratio
            ej[reach & (ej < EPS)] = 0.0
        pool = T.sum(axis=1)
        out["cutoff"][:, r] = np.where(invited > 0, MAX_SCORE - idx, S)
        if eng.evt_round[r]:  # the lowest of n draws from the category's tail
            lc, sc = loc[:, c], scale[:, c]
            low = eng.tail[c, 2]
            drawn = np.rint(lc - sc * np.log(np.maximum(n, 1.0)) + sc * g[:, r])
            drawn = np.clip(drawn, low, MAX_SCORE).astype(np.int64)
            out["cutoff"][:, r] = np.where(invited > 0, drawn, S)
            out["tie"][:, r] = np.where(invited > 0, 1.0, out["tie"][:, r])
        out["invited"][:, r] = invited
        out["pool"][:, r] = pool
        for i, t in enumerate(eng.thresholds):
            out["above"][i, :, r] = T[:, : MAX_SCORE - t + 1].sum(axis=1)
    return out


def _reset_stock(eng, E, T, c, stock, n, out, r) -> None:
    """Set category ``c``'s eligible stock to ``n`` on every path (numpy engine): scaled at every
    score, or spread like its inflow (``eng.reset_shape``) when empty. What the model lacked
    (had too many) is recorded as inflow (outflow) of the round's interval, so the ledger holds;
    other categories stay within the total."""
    grow = np.divide(n, stock, out=np.zeros_like(stock), where=stock > 0)
    delta = E[c] * (grow - 1.0)[:, None]
    empty = (stock <= 0) & (n > 0)
    delta[empty] = n[empty, None] * eng.reset_shape[c][None, :]
    E[c] += delta
    T += delta
    np.maximum(T, 0.0, out=T)
    for j in range(E.shape[0]):
        if j != c:
            np.minimum(E[j], T, out=E[j])
    out["inflow"][:, r] += np.maximum(n - stock, 0.0)
    out["outflow"][:, r] += np.maximum(stock - n, 0.0)


def empty_output(eng: EngineInput, invitations: np.ndarray) -> dict:
    n_paths, n_rounds = invitations.shape
    out = {k: np.zeros((n_paths, n_rounds)) for k in ("invited", "pool", "inflow", "outflow")}
    out["cutoff"] = np.zeros((n_paths, n_rounds), dtype=np.int64)
    out["above"] = np.zeros((len(eng.thresholds), n_paths, n_rounds))
    out["start_pool"] = np.zeros(n_paths)
    out["requested"] = np.array(invitations, dtype=np.float64)
    out["tie"] = np.full((n_paths, n_rounds), np.nan)
    return out
