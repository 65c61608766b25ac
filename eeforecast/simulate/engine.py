"""The engine's numpy specification: the pool as arrays over scores, one round at a time.

:func:`engine_input` validates a :class:`~eeforecast.pool.PoolState` and a list of rounds and turns
them into an :class:`EngineInput` of plain arrays in reversed score order (index ``k`` is score
``1200 - k``, so "the top ``n``" is a cumulative sum from index 0). :class:`PathParams` are the
per-path parameter draws of the Monte Carlo, :func:`run_numpy` runs the rounds for a block of paths,
vectorised over paths: the readable specification that the compiled kernel
(:mod:`eeforecast.simulate.kernel`) reproduces.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..checks import as_day
from ..errors import ParameterError
from ..pool import PoolState, tilt_factors
from ..scores import BANDS, MAX_SCORE, N_SCORES
from .schedule import Round

__all__ = [
    "EPS",
    "NOISE_BANDS",
    "NOMINEE_CELLS",
    "EngineInput",
    "PathParams",
    "empty_output",
    "engine_input",
    "run_numpy",
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


#: Scores 601..1200 (the nominees) are indices 0..599 in reversed order.
NOMINEE_CELLS = MAX_SCORE - 600


@dataclass(frozen=True)
class PathParams:
    """Per-path parameter draws (multipliers of 1 and shift 0: the model as fitted).

    ``level`` (P, C) multiplies each category's eligible stock, ``refill`` (P, C) its
    inflow share and conversion, ``rate`` (P,) the nominees' expected net inflow and ``shift``
    (P,) moves the nominees' scores [CRS points]. ``tilt`` (P, 100), if not None, multiplies
    the starting candidates and eligible counts at reversed indices 600..699 (scores
    600..501) (:func:`eeforecast.pool.tilt_factors`, band total kept).
    """

    level: np.ndarray
    refill: np.ndarray
    rate: np.ndarray
    shift: np.ndarray
    tilt: np.ndarray | None = None

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
    elig = np.minimum(elig * par.level.T[:, :, None], total[None, :, :])
    ref = par.refill.T[:, :, None]  # (C, P, 1)
    ie = np.minimum(eng.inflow_eligible[:, None, :] * ref, 1.0)
    conv = np.minimum(eng.conversion[:, None, :] * ref, 1.0)
    with np.errstate(invalid="ignore"):
        cap = np.where(conv > 0, np.minimum(1.0, conv * eng.refill_days), 0.0)
    return {"total": total, "elig": elig, "m": m, "sd": sd, "ie": ie, "conv": conv, "cap": cap}


def run_numpy(
    eng: EngineInput, invitations: np.ndarray, z: np.ndarray | None, par: PathParams | None = None
) -> dict:
    """The engine in numpy, vectorised over paths (the readable specification).

    Parameters
    ----------
    invitations : (P, R) float array [candidates]
    z : (P, R, B) standard normals (one per path, round interval and noise band) or None
        (expected inflow).
    par : per-path parameter draws, or None (the parameters as fitted).

    Returns a dict of arrays (P, R).
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
        n = invitations[:, r]
        cum = np.cumsum(src, axis=1)
        reached = cum >= (n - 1e-9 * np.maximum(n, 1))[:, None]
        idx = reached.argmax(axis=1)
        found = reached[rows, idx]
        if not found.all():
            # everybody eligible is invited: the cutoff is the lowest score with candidates
            positive = src > 0
            last = S - 1 - positive[:, ::-1].argmax(axis=1)
            idx = np.where(found, idx, last)
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
        out["invited"][:, r] = invited
        out["pool"][:, r] = pool
        for i, t in enumerate(eng.thresholds):
            out["above"][i, :, r] = T[:, : MAX_SCORE - t + 1].sum(axis=1)
    return out


def empty_output(eng: EngineInput, invitations: np.ndarray) -> dict:
    n_paths, n_rounds = invitations.shape
    out = {k: np.zeros((n_paths, n_rounds)) for k in ("invited", "pool", "inflow", "outflow")}
    out["cutoff"] = np.zeros((n_paths, n_rounds), dtype=np.int64)
    out["above"] = np.zeros((len(eng.thresholds), n_paths, n_rounds))
    out["start_pool"] = np.zeros(n_paths)
    out["requested"] = np.array(invitations, dtype=np.float64)
    out["tie"] = np.full((n_paths, n_rounds), np.nan)
    return out


def engine_input(state: PoolState, rounds: Sequence[Round], thresholds: Sequence[int]) -> tuple:
    """Validate and convert a state + rounds to an :class:`EngineInput` and the tracked categories."""
    total = np.asarray(state.total, dtype=float)
    if total.shape != (N_SCORES,):
        raise ParameterError(f"state.total: expected shape ({N_SCORES},), got {total.shape}")
    if not np.all(np.isfinite(total)) or np.any(total < 0):
        raise ParameterError("state.total: counts must be finite and >= 0")
    start = as_day(state.as_of, "state.as_of")
    tracked: list[str] = []
    for i, rnd in enumerate(rounds):
        where = f"round {i + 1} ({rnd.category} on {rnd.date:%Y-%m-%d})"
        if rnd.date < start:
            raise ParameterError(f"{where}: date is before the pool state's day {start:%Y-%m-%d}")
        if i and rnd.date < rounds[i - 1].date:
            raise ParameterError(f"{where}: rounds must be in date order")
        if rnd.category != "general" and rnd.category not in tracked:
            if rnd.category not in state.eligible:
                known = ", ".join(["general", *sorted(state.eligible)])
                raise ParameterError(
                    f"{where}: the pool state of {start:%Y-%m-%d} has no eligible estimate "
                    f"for category {rnd.category!r}: it has no past rounds with a published "
                    f"pool snapshot (estimated: {known})"
                )
            tracked.append(rnd.category)
    elig = np.zeros((len(tracked), N_SCORES))
    ie = np.zeros((len(tracked), N_SCORES))
    conv = np.zeros((len(tracked), N_SCORES))
    refill_days = float(getattr(state, "refill_days", math.inf))
    if not refill_days > 0:
        raise ParameterError(f"state.refill_days: must be > 0 days, got {refill_days!r}")
    share = np.divide(1.0, total, out=np.zeros(N_SCORES), where=total > 0)
    for c, cat in enumerate(tracked):
        e = np.asarray(state.eligible[cat], dtype=float)
        if e.shape != (N_SCORES,) or not np.all(np.isfinite(e)) or np.any(e < 0):
            raise ParameterError(f"state.eligible[{cat!r}]: expected {N_SCORES} finite counts >= 0")
        elig[c] = np.minimum(e, total)
        if cat in state.inflow_eligible:
            f = np.asarray(state.inflow_eligible[cat], dtype=float)
            if f.shape != (N_SCORES,) or np.any(~(f >= 0) | (f > 1)):
                raise ParameterError(
                    f"state.inflow_eligible[{cat!r}]: expected {N_SCORES} shares in 0..1"
                )
            ie[c] = f
        else:  # same eligible share among newcomers as in the stock at that score
            ie[c] = np.clip(elig[c] * share, 0, 1)
        k = np.asarray(state.conversion.get(cat, 0.0) if state.conversion else 0.0, dtype=float)
        if k.shape not in ((), (N_SCORES,)) or np.any(~np.isfinite(k) | (k < 0) | (k > 1)):
            raise ParameterError(
                f"state.conversion[{cat!r}]: expected a rate (or {N_SCORES} rates) in 0..1 per "
                f"day, got {state.conversion.get(cat)!r}"
            )
        conv[c] = k
    with np.errstate(invalid="ignore"):
        cap = np.where(conv > 0, np.minimum(1.0, conv * refill_days), 0.0)
    inflow = np.asarray(state.inflow, dtype=float)
    sd = np.asarray(state.inflow_sd, dtype=float)
    for name, arr in (("inflow", inflow), ("inflow_sd", sd)):
        if arr.shape != (N_SCORES,) or not np.all(np.isfinite(arr)):
            raise ParameterError(f"state.{name}: expected {N_SCORES} finite values")
    if np.any(sd < 0):
        raise ParameterError("state.inflow_sd: must be >= 0")
    ths = []
    for t in (thresholds,) if np.ndim(thresholds) == 0 else thresholds:  # one score or several
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= MAX_SCORE:
            raise ParameterError(f"thresholds: expected CRS scores 0..{MAX_SCORE}, got {t!r}")
        ths.append(int(t))
    dates = [start, *[r.date for r in rounds]]
    days = np.diff(np.array([d.value for d in dates], dtype=np.int64)) / 86_400e9
    cat = np.array(
        [-1 if r.category == "general" else tracked.index(r.category) for r in rounds],
        dtype=np.intp,
    )

    def _sd(value: object, name: str) -> float:
        v = float(value) if value is not None else 0.0
        if not (math.isfinite(v) and v >= 0):
            raise ParameterError(f"state.{name}: expected a finite sd >= 0, got {value!r}")
        return v

    level_sd = getattr(state, "level_sd", None) or {}
    refill_sd = getattr(state, "refill_sd", None) or {}
    lev = np.array([_sd(level_sd.get(c, 0.0), f"level_sd[{c!r}]") for c in tracked])
    ref = np.array(
        [0.0 if c == "pnp" else _sd(refill_sd.get(c, 0.0), f"refill_sd[{c!r}]") for c in tracked]
    )
    level_floor = getattr(state, "level_floor", None) or {}
    floor = np.array([_sd(level_floor.get(c, 0.0), f"level_floor[{c!r}]") for c in tracked])
    eng = EngineInput(
        total[::-1].copy(),
        elig[:, ::-1].copy(),
        inflow[::-1].copy(),
        sd[::-1].copy(),
        ie[:, ::-1].copy(),
        conv[:, ::-1].copy(),
        cap[:, ::-1].copy(),
        days,
        cat,
        tuple(ths),
        refill_days,
        lev.reshape(len(tracked)),
        ref.reshape(len(tracked)),
        _sd(refill_sd.get("pnp", 0.0), "refill_sd['pnp']"),
        _sd(getattr(state, "nominee_shift_sd", 0.0), "nominee_shift_sd"),
        floor.reshape(len(tracked)),
        _sd(getattr(state, "tilt_sd", 0.0), "tilt_sd"),
    )
    return eng, tracked
