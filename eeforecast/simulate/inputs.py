"""Validating a pool state and a list of rounds into the engine's plain arrays
(:func:`engine_input`): the :class:`~eeforecast.simulate.engine.EngineInput` in reversed score order,
with every field of the state checked and named in the errors."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..checks import as_day
from ..errors import ParameterError
from ..pool import PoolState
from ..scores import MAX_SCORE, N_SCORES
from .engine import EngineInput
from .schedule import Round

__all__ = ["engine_input"]


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
    extra = _subpool_input(state, tracked, rounds, cap, inflow[::-1], ie[:, ::-1])
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
        **extra,
    )
    return eng, tracked


def _subpool_input(
    state: PoolState, tracked: list[str], rounds: Sequence[Round], cap, inflow_rev, ie_rev
) -> dict:
    """The sub-pool fields of :class:`EngineInput` (reversed score order): explicit steady-state
    shares, revealed floors and their per-path ranges, invite-all tails and the round flags."""
    n_cat = len(tracked)
    share = np.full((n_cat, N_SCORES), np.nan)
    below_from = np.full(n_cat, N_SCORES, dtype=np.intp)
    lo, hi = np.ones(n_cat), np.ones(n_cat)
    tail = np.full((n_cat, 3), np.nan)
    cov = np.zeros((n_cat, 2, 2))
    caps = getattr(state, "eligible_cap", None) or {}
    floors = getattr(state, "floor", None) or {}
    ranges = getattr(state, "below_range", None) or {}
    tails = getattr(state, "tails", None) or {}
    covs = getattr(state, "tail_cov", None) or {}
    for c, cat in enumerate(tracked):
        if cat in caps:
            q = np.asarray(caps[cat], dtype=float)
            if q.shape != (N_SCORES,) or np.any((q < 0) | (q > 1) | np.isinf(q)):
                raise ParameterError(
                    f"state.eligible_cap[{cat!r}]: expected {N_SCORES} shares in 0..1 (NaN: "
                    "the conversion's own cap)"
                )
            share[c] = q[::-1]
        if cat in floors:
            f = floors[cat]
            if isinstance(f, bool) or not isinstance(f, int | np.integer) or not 0 <= f <= 1201:
                raise ParameterError(f"state.floor[{cat!r}]: expected a CRS score, got {f!r}")
            below_from[c] = MAX_SCORE - int(f) + 1  # reversed index of the score floor - 1
        if cat in ranges:
            a, b = (float(v) for v in ranges[cat])
            if not (0 < a <= b and math.isfinite(b)):
                raise ParameterError(
                    f"state.below_range[{cat!r}]: expected 0 < low <= high, got {ranges[cat]!r}"
                )
            lo[c], hi[c] = a, b
        if cat in tails:
            loc, scale, low = tails[cat]
            if not (math.isfinite(loc) and scale > 0 and 0 <= low <= MAX_SCORE):
                raise ParameterError(
                    f"state.tails[{cat!r}]: expected (loc, scale > 0, lowest score), got "
                    f"{tails[cat]!r}"
                )
            tail[c] = loc, scale, low
            m = np.asarray(covs.get(cat, np.zeros((2, 2))), dtype=float)
            if m.shape != (2, 2) or not np.all(np.isfinite(m)):
                raise ParameterError(f"state.tail_cov[{cat!r}]: expected a 2 x 2 covariance")
            cov[c] = m
    with np.errstate(invalid="ignore"):
        cap[:] = np.where(np.isnan(share[:, ::-1]), cap, np.minimum(1.0, share[:, ::-1]))
    shape = np.zeros((n_cat, N_SCORES))  # where an empty invite-all stock is put (reversed)
    for c in range(n_cat):
        if np.isfinite(tail[c, 0]):
            w = np.maximum(inflow_rev, 0.0) * ie_rev[c]
            if w.sum() > 0:
                shape[c] = w / w.sum()
            else:
                shape[c, MAX_SCORE - int(tail[c, 2])] = 1.0
    all_round = np.array([r.invitations.dist == "all" for r in rounds], dtype=bool)
    evt = np.array([r.category in tails and r.category in tracked for r in rounds], dtype=bool)
    return {
        "cap_share": share,
        "below_from": below_from,
        "below_lo": lo,
        "below_hi": hi,
        "tail": tail,
        "tail_cov": cov,
        "all_round": all_round.reshape(len(rounds)),
        "evt_round": evt.reshape(len(rounds)),
        "reset_shape": shape,
    }
