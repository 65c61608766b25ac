"""The engine compiled with numba: :func:`run_numpy`'s arithmetic, one path at a time.

:func:`kernel` holds every update of a round fused into one pass per round; it agrees with the
numpy specification to rounding (identical cutoffs, tested). It releases the GIL, so blocks of
paths run in parallel threads.
"""

from __future__ import annotations

import math

import numpy as np

from ..scores import MAX_SCORE, N_SCORES
from .engine import EPS, NOISE_BANDS, EngineInput, PathParams, empty_output, gumbel_draws

__all__ = ["compiled_kernel", "kernel", "run_numba"]


def kernel(
    total,
    elig,
    m,
    sd,
    ie,
    conv,
    refill_days,
    lev,
    refm,
    rate,
    shift,
    tilt,
    use_tilt,
    band_start,
    days,
    cat,
    inv,
    z,
    use_z,
    t_k,
    cutoff,
    invited,
    pool_out,
    inflow,
    outflow,
    above,
    start_pool,
    tie,
    cap_share,
    below_from,
    below,
    use_below,
    tail,
    locp,
    scalep,
    g,
    all_round,
    evt_round,
    requested,
    reset_shape,
):  # pragma: no cover
    """The engine for one path at a time, in loops (compiled with numba).

    Same arithmetic as :func:`run_numpy` per score, so the two agree to rounding (identical
    cutoffs); the pool is carried by its ledger (``pool + inflow - outflow - invited``) instead
    of being re-summed. The category updates are separate loops so that they vectorise.
    Each path starts from the parameters drawn for it (``lev``, ``refm``, ``rate``, ``shift``,
    ``tilt`` if ``use_tilt``, ``below`` if ``use_below``; see :class:`PathParams`), applied as
    in :func:`_path_arrays`; ``g`` holds the invite-all rounds' draws of ``ln E``.
    """
    S = total.shape[0]
    C = elig.shape[0]
    B = band_start.shape[0] - 1
    NOM = S - 601  # reversed indices 0..NOM-1 are the nominees (scores 1200..601)
    n_paths, n_rounds = inv.shape
    T = np.empty(S)
    E = np.empty((C, S))
    mp = np.empty(S)
    sdp = np.empty(S)
    iep = np.empty((C, S))
    convp = np.empty((C, S))
    cap = np.empty((C, S))
    conv_any = np.zeros(C, dtype=np.bool_)
    for c in range(C):
        for k in range(S):
            if conv[c, k] > 0:
                conv_any[c] = True
    keep = np.empty(S)
    posk = np.empty(S)
    ratio = np.empty(S)
    takek = np.empty(S)
    for p in range(n_paths):
        # --- this path's parameters ---
        sh = shift[p]
        for k in range(S):
            T[k] = total[k]
            mp[k] = m[k] * rate[p] if k < NOM else m[k]
            sdp[k] = sd[k]
        for c in range(C):
            for k in range(S):
                E[c, k] = elig[c, k]
        if sh != 0:  # nominees move by sh points; those pushed past an edge stay there
            for k in range(NOM):
                T[k] = 0.0
                mp[k] = 0.0
                sdp[k] = 0.0
                for c in range(C):
                    E[c, k] = 0.0
            for j in range(NOM):
                t = min(max(j - sh, 0), NOM - 1)
                T[t] += total[j]
                mp[t] += m[j] * rate[p]
                sdp[t] += sd[j]
                for c in range(C):
                    E[c, t] += elig[c, j]
        if use_tilt:  # the shape inside 501-600 (reversed indices NOM..NOM+99)
            for j in range(100):
                T[NOM + j] *= tilt[p, j]
                for c in range(C):
                    E[c, NOM + j] *= tilt[p, j]
        for c in range(C):
            lv = lev[p, c]
            rf = refm[p, c]
            bm = below[p, c] if use_below else 1.0
            bf = below_from[c]
            for k in range(S):
                e = E[c, k]
                mult = bm if k >= bf else 1.0
                if use_below:
                    e = e * mult
                E[c, k] = min(e * lv, T[k])
                iep[c, k] = min(ie[c, k] * rf, 1.0)
                ck = min(conv[c, k] * rf, 1.0)
                convp[c, k] = ck
                cs = cap_share[c, k]
                if cs != cs:  # NaN: the share that conversion reaches in refill_days
                    cap[c, k] = min(1.0, ck * refill_days) if ck > 0 else 0.0
                else:
                    cap[c, k] = min(1.0, cs * mult)
        pool = 0.0
        for k in range(S):
            pool += T[k]
        start_pool[p] = pool
        for r in range(n_rounds):
            d = days[r]
            if d > 0:
                sq = math.sqrt(d)
                gained = 0.0
                lost = 0.0
                for b in range(B):
                    zb = z[p, r, B - 1 - b] if use_z else 0.0  # bands run top down here
                    for k in range(band_start[b], band_start[b + 1]):
                        net = zb * (sdp[k] * sq) + mp[k] * d
                        pos = max(net, 0.0)
                        told = T[k]
                        tn = max(told + net, 0.0)
                        T[k] = tn
                        denom = told + pos
                        keep[k] = tn / denom if denom > 0 else 1.0
                        posk[k] = pos
                        gained += pos
                        lost += denom - tn
                for c in range(C):
                    for k in range(S):
                        E[c, k] = E[c, k] * keep[k] + posk[k] * iep[c, k]
                for c in range(C):
                    if conv_any[c]:
                        for k in range(S):
                            e = E[c, k]
                            room = max(cap[c, k] * T[k] - e, 0.0)
                            e = e + min(min(convp[c, k] * d, 1.0) * T[k], room)
                            E[c, k] = min(e, T[k])
                inflow[p, r] = gained
                outflow[p, r] = lost
                pool = pool + gained - lost
            c = cat[r]
            n = inv[p, r]
            if all_round[r]:  # everybody eligible: the size is the stock
                n = 0.0
                for k in range(S):
                    n += T[k] if c < 0 else E[c, k]
                requested[p, r] = n
            elif evt_round[r] and c >= 0:  # a given size of an invite-all round is the stock
                stock = 0.0
                for k in range(S):
                    stock += E[c, k]
                grow = n / stock if stock > 0 else 0.0
                for k in range(S):
                    if stock <= 0 and n > 0:
                        dlt = n * reset_shape[c, k]
                    else:
                        dlt = E[c, k] * (grow - 1.0)
                    E[c, k] = E[c, k] + dlt
                    T[k] = max(T[k] + dlt, 0.0)
                    for j in range(C):
                        if j != c:
                            E[j, k] = min(E[j, k], T[k])
                inflow[p, r] += max(n - stock, 0.0)
                outflow[p, r] += max(stock - n, 0.0)
                pool += n - stock
            # a round taking the whole stock ends at its lowest whole candidate (engine.py)
            thr = max(n - 0.5, 0.0) if all_round[r] else n - 1e-9 * max(n, 1.0)
            cum = 0.0
            idx = -1
            if c < 0:
                for k in range(S):
                    cum += T[k]
                    if cum >= thr:
                        idx = k
                        break
            else:
                for k in range(S):
                    cum += E[c, k]
                    if cum >= thr:
                        idx = k
                        break
            if idx < 0:  # too few eligible (ran dry): everybody eligible is invited
                half = max(cum - 0.5, 0.0)
                idx = S - 1
                cum = 0.0
                for k in range(S):
                    cum += T[k] if c < 0 else E[c, k]
                    if cum >= half:
                        idx = k
                        break
            at = T[idx] if c < 0 else E[c, idx]
            excl = cum - at
            part = min(max(n - excl, 0.0), at)
            if c < 0:  # general: everybody above the cutoff is invited
                for k in range(idx):
                    tk = T[k]
                    ratio[k] = 1.0 if tk > 0 else 0.0
                    takek[k] = tk
                    T[k] = 0.0
            else:
                for k in range(idx):
                    t = E[c, k]
                    tk = T[k]
                    ratio[k] = min(t / tk, 1.0) if tk > 0 else 0.0
                    tk = tk - t
                    T[k] = tk if tk >= EPS else 0.0
                    takek[k] = t
            tk = T[idx]
            ratio[idx] = min(part / tk, 1.0) if tk > 0 else 0.0
            tk = tk - part
            T[idx] = tk if tk >= EPS else 0.0
            takek[idx] = part
            got = excl + part if part > 0 else 0.0
            if at > 0:
                tie[p, r] = part / at
            for j in range(C):
                kk = idx + 1
                if j == c:
                    for k in range(kk):
                        e = E[j, k] - takek[k]
                        E[j, k] = e if e >= EPS else 0.0
                else:
                    for k in range(kk):
                        e = E[j, k] * (1 - ratio[k])
                        E[j, k] = e if e >= EPS else 0.0
            pool -= got
            cutoff[p, r] = S - 1 - idx if got > 0 else S
            if evt_round[r] and got > 0:  # the lowest of n draws from the category's tail
                lc = locp[p, c]
                sc = scalep[p, c]
                drawn = np.rint(lc - sc * math.log(max(n, 1.0)) + sc * g[p, r])
                drawn = min(max(drawn, tail[c, 2]), S - 1.0)
                cutoff[p, r] = int(drawn)
                tie[p, r] = 1.0
            invited[p, r] = got
            pool_out[p, r] = pool
            for i in range(t_k.shape[0]):
                acc = 0.0
                for k in range(t_k[i]):
                    acc += T[k]
                above[i, p, r] = acc


_COMPILED = {}


def compiled_kernel():
    """The compiled kernel, or None when numba is not installed."""
    if "kernel" not in _COMPILED:
        try:
            import numba  # heavy (LLVM): imported when the kernel is first compiled
        except ImportError:  # pragma: no cover - numba is a dependency
            _COMPILED["kernel"] = None
        else:
            _COMPILED["kernel"] = numba.njit(cache=True, nogil=True)(kernel)
    return _COMPILED["kernel"]


_BAND_START = np.array([MAX_SCORE - hi for lo, hi in reversed(NOISE_BANDS)] + [N_SCORES])


def run_numba(
    eng: EngineInput,
    invitations: np.ndarray,
    z: np.ndarray | None,
    par: PathParams | None = None,
    g: np.ndarray | None = None,
) -> dict:
    kernel = compiled_kernel()
    out = empty_output(eng, invitations)
    n_paths, n_rounds = invitations.shape
    n_cat = eng.eligible.shape[0]
    if par is None:
        par = PathParams.none(n_paths, n_cat)
    if g is None:
        g = gumbel_draws(eng, None, n_paths)
    loc = par.loc if par.loc is not None else np.repeat(eng.tail[None, :, 0], n_paths, 0)
    scale = par.scale if par.scale is not None else np.repeat(eng.tail[None, :, 1], n_paths, 0)
    zz = z if z is not None else np.zeros((1, 1, 1))
    t_k = np.array([MAX_SCORE - t + 1 for t in eng.thresholds], dtype=np.int64)
    kernel(
        eng.total,
        eng.eligible,
        eng.inflow,
        eng.inflow_sd,
        eng.inflow_eligible,
        eng.conversion,
        float(eng.refill_days),
        np.ascontiguousarray(par.level, float),
        np.ascontiguousarray(par.refill, float),
        np.ascontiguousarray(par.rate, float),
        np.ascontiguousarray(par.shift, np.int64),
        np.ascontiguousarray(par.tilt if par.tilt is not None else np.ones((1, 100)), float),
        par.tilt is not None,
        _BAND_START,
        eng.days,
        eng.cat.astype(np.int64),
        np.ascontiguousarray(invitations, float),
        zz,
        z is not None,
        t_k,
        out["cutoff"],
        out["invited"],
        out["pool"],
        out["inflow"],
        out["outflow"],
        out["above"],
        out["start_pool"],
        out["tie"],
        np.ascontiguousarray(eng.cap_share, float),
        np.ascontiguousarray(eng.below_from, np.int64),
        np.ascontiguousarray(par.below if par.below is not None else np.ones((1, n_cat)), float),
        par.below is not None,
        np.ascontiguousarray(eng.tail, float),
        np.ascontiguousarray(loc, float),
        np.ascontiguousarray(scale, float),
        np.ascontiguousarray(g, float),
        np.ascontiguousarray(eng.all_round, np.bool_),
        np.ascontiguousarray(eng.evt_round, np.bool_),
        out["requested"],
        np.ascontiguousarray(eng.reset_shape, float),
    )
    return out
