"""Fitting the pool model on a feed as it stood on a day (:func:`fit_pool`).

The fit runs in stages, one per group of assumptions in :func:`fit_pool`'s Notes:

1. :func:`fit_inflow` - net inflow per band from consecutive snapshots (assumptions 5 and 8);
2. :func:`fit_nominees` - the nominees' score shape from past PNP rounds (assumption 2);
3. :func:`fit_tilt` - the spread of the unpublished shape inside 501-600 (assumption 9);
4. :func:`fit_subpools` - each category's eligible sub-pool from its past rounds (3, 4, 6, 7);
5. :func:`fit_uncertainty` - the Monte Carlo spreads of the sub-pools (assumption 9).

Stages 2-4 read the past rounds through :class:`PastRounds`: every round's date, category, size
and cutoff, whether it can calibrate the model, its recency weight, and the pool just before it.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace

import numpy as np
import pandas as pd

from ..data import Feed, as_feed
from ..errors import ParameterError
from ..scores import SCORES
from .config import PoolConfig
from .density import band_tilt, density_from_bands
from .flows import band_flows, summarize_flows
from .model import STRUCTURAL, PoolModel
from .nominees import (
    NomineeModel,
    detect_regime,
    fit_nominee_shape,
    fit_nominee_tail,
    nominee_cutoff_shape,
    nominee_inflow,
    nominee_residuals,
)
from .past import PastRounds
from .subpools import (
    CategoryFit,
    below_range,
    depletion_age,
    fit_category,
    invitation_rate,
    revealed_floor,
    seen_once,
)
from .uncertainty import ahead_errors, pace_changes, rms

__all__ = [
    "PastRounds",
    "fit_inflow",
    "fit_nominee_model",
    "fit_nominees",
    "fit_pool",
    "fit_subpools",
    "fit_tilt",
    "fit_uncertainty",
    "nominee_model",
]


def published_bands(feed: Feed) -> tuple[np.ndarray, np.ndarray]:
    """Days and band counts of the snapshots published by the feed's rounds, ascending.

    IRCC publishes a snapshot together with a round: a snapshot dated before the cut-off day but
    carried only by a later round was not known yet and is dropped (assumption 0).
    """
    table = feed.bands()
    if table.empty:
        raise ParameterError("feed: no pool snapshot published up to as_of; cannot fit the pool")
    return table.index.to_numpy(dtype="datetime64[ns]"), table.to_numpy(dtype=float)


def fit_inflow(
    rounds: pd.DataFrame,
    dates: np.ndarray,
    counts: np.ndarray,
    densities: np.ndarray,
    day: pd.Timestamp,
    config: PoolConfig,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Net inflow per band and its daily sd (assumptions 5 and 8).

    Returns
    -------
    flows : pandas.DataFrame
        Per-interval band flows (:func:`eeforecast.pool.band_flows`).
    inflow, inflow_sd : numpy.ndarray, shape (15,)
        Mean and daily sd of the net inflow per band over ``flow_window_days``
        [candidates/day]; the nominee band's mean is capped at the PNP rounds' recent pace
        when ``config.cap_nominee_inflow``.
    """
    flows = band_flows(dates, counts, densities, rounds)
    inflow, inflow_sd = summarize_flows(flows, day, window=config.flow_window_days)
    pnp = (rounds["category"] == "pnp").to_numpy()
    pnp_rate, _ = invitation_rate(
        rounds["date"].to_numpy()[pnp],
        rounds["invitations"].to_numpy()[pnp],
        rounds["cutoff"].to_numpy()[pnp],
        day,
        window=config.rate_window_days,
        half_life=config.rate_half_life_days,
    )
    if config.cap_nominee_inflow and pnp_rate > 0 and inflow[-1] > pnp_rate:
        inflow = inflow.copy()
        inflow[-1] = pnp_rate
    return flows, inflow, inflow_sd


def fit_nominees(past: PastRounds, config: PoolConfig) -> tuple[float, float, float]:
    """Mean and sd of the nominees' core score and the sd of a per-path shift (assumptions 2, 9).

    Returns
    -------
    mean, sd, shift_sd : float
        [CRS points]. ``shift_sd`` is 0 with fewer than 3 usable PNP rounds.
    """
    pnp = np.flatnonzero(past.usable & (past.category == "pnp"))
    fractions = np.array([past.invitations[i] / max(past.before(i)[601:].sum(), 1.0) for i in pnp])
    precision = 1.0 / (1.0 + past.gap[pnp] / 7.0)  # q is uncertain by the inflow since the snapshot
    weights = past.weight[pnp] * precision
    mean, sd = fit_nominee_shape(
        past.cutoff[pnp], fractions, weights, lower_z=config.lower_z, ridge=config.nominee_ridge
    )
    shift_sd = 0.0
    if len(pnp) >= 3:
        n_eff = weights.sum() ** 2 / (weights**2).sum()
        resid = nominee_residuals(past.cutoff[pnp], fractions, mean, sd, config.lower_z)
        shift_sd = rms(resid, weights) * np.sqrt(n_eff / max(n_eff - 2.0, 1.0))
    return mean, sd, float(shift_sd)


def fit_nominee_model(
    rounds: pd.DataFrame,
    dates: np.ndarray,
    counts: np.ndarray,
    day: pd.Timestamp,
    config: PoolConfig,
) -> NomineeModel:
    """The PNP regime, the nominees' lower tail and their inflow (assumption 10).

    Parameters
    ----------
    rounds : pandas.DataFrame
        Rounds up to ``day`` (``date, category, invitations, cutoff, distribution_as_of``).
    dates, counts : numpy.ndarray
        Published snapshots: days (T,) and band counts (T, 15) [candidates].
    day : pandas.Timestamp
        The fit's day.
    config : PoolConfig
        ``nominee_regime``, ``regime_window``, ``regime_share``, ``regime_max_lag``,
        ``lookback_days``, ``half_life_days``.
    """
    pnp = rounds[rounds["category"] == "pnp"].sort_values("date", kind="stable")
    snap = pd.DatetimeIndex(dates)
    rows = []
    for row in pnp.itertuples(index=False):
        published = pd.notna(row.distribution_as_of) and row.distribution_as_of in snap
        j = snap.get_loc(row.distribution_as_of) if published else -1
        lag = (row.date - row.distribution_as_of).days if published else np.nan
        nominees = float(counts[j, -1]) if published else np.nan
        used = published and lag <= config.regime_max_lag and nominees > 0
        rows.append(
            {
                "date": row.date,
                "invitations": int(row.invitations),
                "cutoff": int(row.cutoff),
                "snapshot": row.distribution_as_of if published else pd.NaT,
                "lag": lag,
                "nominees": nominees,
                "ratio": row.invitations / nominees if used else np.nan,
                "used": bool(used),
            }
        )
    evidence = pd.DataFrame(
        rows,
        columns=["date", "invitations", "cutoff", "snapshot", "lag", "nominees", "ratio", "used"],
    )
    regime, share = detect_regime(
        evidence["ratio"].to_numpy(dtype=float),
        window=config.regime_window,
        threshold=config.regime_share,
    )
    if config.nominee_regime != "auto":
        regime = config.nominee_regime
    age = (day - pnp["date"]).dt.days.to_numpy(dtype=float)
    recent = pnp[age < config.lookback_days]
    weights = 0.5 ** (age[age < config.lookback_days] / config.half_life_days)
    loc, scale, cov = np.nan, np.nan, np.full((2, 2), np.nan)
    if len(recent) >= 3:
        tail = fit_nominee_tail(
            recent["cutoff"].to_numpy(dtype=float),
            recent["invitations"].to_numpy(dtype=float),
            weights,
        )
        loc, scale, cov = tail.location, tail.scale, tail.cov
    rate, log_sd = nominee_inflow(
        recent["date"].to_numpy(), recent["invitations"].to_numpy(dtype=float)
    )
    return NomineeModel(
        regime=regime,
        share=share,
        tail_loc=loc,
        tail_scale=scale,
        tail_cov=cov,
        n_rounds=len(recent),
        inflow_rate=rate,
        inflow_log_sd=log_sd,
        evidence=evidence,
    )


def nominee_model(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    config: PoolConfig | None = None,
) -> NomineeModel:
    """``fit_nominee_model`` on a feed as it stood on ``as_of`` (the PNP regime, tail and
    inflow without the rest of the pool fit)."""
    config = PoolConfig() if config is None else config
    feed = as_feed(source, as_of=as_of)
    dates, counts = published_bands(feed)
    return fit_nominee_model(feed.rounds, dates, counts, feed.day, config)


def fit_tilt(past: PastRounds) -> float:
    """sd of the tilt of the density inside 501-600 implied by past general rounds
    (assumption 9, :func:`eeforecast.pool.band_tilt`); 0 with fewer than 3 such rounds [-]."""
    tilts, weights = [], []
    rows = past.usable & (past.category == "general") & (past.cutoff > 501) & (past.cutoff <= 600)
    for i in np.flatnonzero(rows):
        total = past.before(i)
        delta = band_tilt(
            total[501:601], int(past.cutoff[i]), past.invitations[i] - total[601:].sum()
        )
        if np.isfinite(delta):
            tilts.append(delta)
            weights.append(past.weight[i])
    return rms(np.array(tilts), np.array(weights)) if len(tilts) >= 3 else 0.0


def fit_subpools(
    past: PastRounds, day: pd.Timestamp, config: PoolConfig
) -> tuple[dict[str, CategoryFit], dict[str, tuple], dict[str, np.ndarray]]:
    """Each category's eligible sub-pool from its past rounds (assumptions 3, 4, 6 and 7).

    Returns
    -------
    fits : dict of str to CategoryFit
        Every category with a usable round, except general and pnp (their sub-pools are
        structural); the Monte Carlo sds are left at 0 (:func:`fit_uncertainty` sets them).
    errors : dict of str to (numpy.ndarray, numpy.ndarray)
        Per category, its one-round-ahead level errors and their weights
        (:func:`eeforecast.pool.level_errors`).
    changes : dict of str to numpy.ndarray
        Per category, the log changes of its pace between quarters
        (:func:`eeforecast.pool.pace_changes`).
    """
    day64 = np.datetime64(day, "ns")
    latest_total = past.densities[-1]
    latest_inflow = past.inflow_at(len(past.densities) - 1)
    cat, dates, n, cut = past.category, past.dates, past.invitations, past.cutoff
    fits: dict[str, CategoryFit] = {}
    errors: dict[str, tuple] = {}
    changes: dict[str, np.ndarray] = {}
    for slug in pd.unique(cat):
        if slug in STRUCTURAL:
            continue
        own = np.flatnonzero(cat == slug)
        idx = np.flatnonzero(past.usable & (cat == slug))
        last = own[-1]
        if len(idx) == 0:
            continue
        if len(own) == 1:  # seen once: its round invited everybody eligible (assumption 13)
            fits[slug] = seen_once(
                slug,
                dates[last],
                n[last],
                int(cut[last]),
                latest_total,
                days=config.rate_min_days,
                stale_days=config.stale_days,
                at=day,
            )
            errors[slug], changes[slug] = (np.zeros(0), np.zeros(0)), np.zeros(0)
            continue
        dep = (cat == slug) | (cat == "general")
        tot, ref, conv = [], [], []
        for i in idx:
            total = past.before(i)
            age = depletion_age(dates[dep], cut[dep], dates[i])
            days = np.minimum(age, config.refill_days)
            tot.append(total)
            ref.append(np.maximum(past.inflow_at(past.snapshot[i]), 0.0) * days)
            conv.append(total * days)
        refill, conversion, rmse, resid = fit_category(
            np.array(tot),
            np.array(ref),
            np.array(conv),
            cut[idx],
            n[idx],
            past.weight[idx],
            lifetime=config.lifetime_days,
            prior_weight=config.prior_weight,
        )
        age_days = (day64 - dates[idx]) / np.timedelta64(1, "D")
        recent_w = 0.5 ** (age_days / config.drift_half_life_days)
        drift = float((recent_w * resid).sum() / (recent_w.sum() + config.drift_shrink))
        ahead = ahead_errors(
            np.array(tot),
            np.array(ref),
            np.array(conv),
            cut[idx],
            n[idx],
            (dates[idx] - day64) / np.timedelta64(1, "D"),
            past.weight[idx],
            half_life=config.drift_half_life_days,
            shrink=config.drift_shrink,
            prior_weight=config.prior_weight,
            lifetime=config.lifetime_days,
            start=(refill, conversion),
        )
        known = np.isfinite(ahead)
        errors[slug] = (ahead[known], past.weight[idx][known])
        changes[slug] = pace_changes(
            dates[own], n[own], day, n_spans=max(int(config.lookback_days // 91), 2)
        )
        rate, kappa = invitation_rate(
            dates[own],
            n[own],
            cut[own],
            day,
            window=config.rate_window_days,
            half_life=config.rate_half_life_days,
        )
        flow_conv = 0.0
        if rate > 0:
            above = (SCORES >= int(np.floor(kappa))) & (SCORES <= 600)  # assumption 7
            refilled = min(refill * np.exp(drift), 1.0) * np.maximum(latest_inflow, 0.0)[above]
            stock = latest_total[above].sum()
            if stock > 0:
                flow_conv = float(min(max(rate - refilled.sum(), 0.0) / stock, 1.0))
        floor, stale = revealed_floor(dates[own], cut[own], day, config.stale_days)
        engine_conv = min(max(conversion * np.exp(drift), flow_conv), 1.0)  # PoolModel.state
        lo, mid, hi = below_range(min(engine_conv * config.refill_days, 1.0), config.below_spread)
        fits[slug] = CategoryFit(
            category=slug,
            floor=floor,
            share_below=mid,
            below_lo=lo,
            below_hi=hi,
            stale=stale,
            include=not stale,
            share=min(conversion * config.refill_days, 1.0),
            refill=refill,
            conversion=conversion,
            drift=drift,
            n_rounds=len(idx),
            last_date=pd.Timestamp(dates[last]),
            last_cutoff=int(cut[last]),
            rmse_log=rmse,
            flow_rate=rate,
            flow_cutoff=kappa if rate > 0 else float(cut[last]),
            flow_conversion=flow_conv,
        )
    return fits, errors, changes


def fit_uncertainty(
    fits: dict[str, CategoryFit],
    errors: dict[str, tuple],
    changes: dict[str, np.ndarray],
    pnp_changes: np.ndarray,
    quarters: float = 4.0,
) -> tuple[dict[str, CategoryFit], float]:
    """The Monte Carlo sds of every sub-pool (assumption 9).

    A category's ``level_sd`` is the recency-weighted root mean square of its out-of-sample
    one-round-ahead errors (:func:`eeforecast.pool.ahead_errors`; pooled over all categories
    below 3 errors): the rounds are the evidence of how far the next round's eligible count
    can be from the fit. Its ``refill_sd`` is the standard error of the mean log pace over
    ``quarters`` quarters, ``rms(pace changes) / sqrt(2 quarters)`` (pooled below 2 changes):
    the engine's refill is the mean pace of the window (assumption 6), and a change between
    two quarters has twice a quarter's variance.

    Returns
    -------
    fits : dict of str to CategoryFit
        With ``level_sd`` and ``refill_sd`` set [-].
    nominee_rate_sd : float
        sd of the log of the PNP pace [-].
    """
    pooled_level = rms(
        np.concatenate([e for e, _ in errors.values()] or [np.zeros(0)]),
        np.concatenate([w for _, w in errors.values()] or [np.zeros(0)]),
    )
    pooled_pace = rms(np.concatenate([*changes.values(), pnp_changes]))
    out = {}
    for slug, fit in fits.items():
        err, w = errors[slug]
        level = rms(err, w) if len(err) >= 3 else pooled_level
        pace = rms(changes[slug]) if len(changes[slug]) >= 2 else pooled_pace
        pace = pace / np.sqrt(2.0 * max(quarters, 1.0))
        out[slug] = replace(
            fit,
            level_sd=float(np.nan_to_num(level)),
            refill_sd=float(np.nan_to_num(pace)),
        )
    rate_sd = rms(pnp_changes) if len(pnp_changes) >= 2 else pooled_pace
    return out, float(np.nan_to_num(rate_sd))


def fit_pool(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    config: PoolConfig | None = None,
) -> PoolModel:
    """Fit the pool model on a feed as it stood on ``as_of``.

    Parameters
    ----------
    source : Feed, path or None
        The rounds feed (None: the default feed); it is cut at ``as_of`` first (nothing later
        is seen).
    as_of : date-like, optional
        Day to fit at (default: the feed's ``as_of`` or its last round/snapshot).
    config : PoolConfig, optional
        Settings of the fit (default :class:`PoolConfig`).

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
    2. Within bands the pool follows :func:`eeforecast.pool.density_from_bands`. The 601-1200
       band holds the provincial nominees, 600 + a core score that is normal (mean, sd)
       truncated below at ``mean - lower_z sd``. A past PNP round invites the share ``q =
       invitations / nominees`` (nominees: the band count of the latest snapshot, minus the PNP
       and general invitations since, plus the band's net inflow since), so its cutoff is the
       ``1 - q`` quantile; mean and sd come from :func:`eeforecast.pool.fit_nominee_shape`
       with weights halving every ``half_life_days`` and falling with the snapshot gap
       (``1 / (1 + gap / 7 days)``).
    3. A PNP round draws from the nominees only, a general round from everybody. IRCC invites
       everybody eligible above a cutoff, so a category's sub-pool above its recent cutoffs is
       only what arrived since: its eligible candidates at a score are ``min(total, (refill *
       net inflow + conversion * total) * min(days since emptied, refill_days))``
       (:func:`eeforecast.pool.category_eligible`; "emptied" by the category's own or a
       general round; a score never emptied, or emptied more than ``refill_days`` ago, is at
       the steady state). ``refill`` and ``conversion`` are constant in score; they are fitted
       to the category's past rounds (within ``lookback_days``, weights halving every
       ``half_life_days``): the eligible candidates above each round's cutoff plus half of
       those at it equal its invitations (:func:`eeforecast.pool.fit_category`). The sub-pool
       is then scaled by ``exp(drift)``, the recent rounds' mean log ratio of invitations to
       fitted count (half-life ``drift_half_life_days``, shrunk toward 0 by the pseudo-weight
       ``drift_shrink``): eligibility drifts with IRCC's priorities.
    4. Rounds of other categories remove candidates from the total in proportion to the
       density above their cutoffs (:func:`eeforecast.pool.allocate_round`), i.e.
       eligibility is independent across categories given the score.
    5. Net inflow per band is the average of snapshot differences after adding back the
       invitations in between, over the last ``flow_window_days``
       (:func:`eeforecast.pool.band_flows`, :func:`eeforecast.pool.summarize_flows`); within
       a band it follows the density; its sd assumes independent days and is fully correlated
       within a band. With a single snapshot known it cannot be estimated: it is 0 with sd 0,
       the projections hold the pool flat, and a ``UserWarning`` says so.
    6. Refill over many rounds (what the engine adds between rounds): a category keeps
       inviting month after month at scores its earlier rounds emptied, so candidates already
       in the pool keep turning eligible. In a steady state the eligible inflow above a
       category's typical cutoff equals its invitations per day: ``flow_rate`` and
       ``flow_cutoff`` are the recency-weighted invitations per day and mean cutoff of its
       rounds in the last ``rate_window_days`` (half-life ``rate_half_life_days``,
       :func:`eeforecast.pool.invitation_rate`), and ``flow_conversion = max(0, flow_rate -
       refilled) / stock`` with ``stock`` the candidates on ``flow_cutoff``..600 in the latest
       snapshot and ``refilled`` the refill share of the net inflow there (nominees excluded,
       assumption 7). The engine uses the larger of this and the fitted ``conversion`` (times
       ``exp(drift)``), capped at the share ``conversion * refill_days`` of a score. It
       assumes IRCC's recent pace is sustainable (true when cutoffs are stable; when IRCC draws
       a stock down it overstates the refill) and that new eligibility is spread over scores
       like the candidates.
    7. Nominees (601..1200) are eligible for PNP and general rounds only: IRCC invites them in
       PNP rounds held every two weeks, so few of them wait for a category round (no category
       round has cut above 600). A category's eligible stock, inflow and conversion at
       601..1200 are 0.
    8. The nominees' net inflow (601-1200 band) is at most the PNP rounds' recent invitations
       per day (:func:`eeforecast.pool.invitation_rate` over ``rate_window_days``): IRCC
       invites nearly every nominee in each PNP round and the band has held a few hundred to a
       few thousand candidates for years, so in a steady state nominations arrive at about the
       PNP pace, while the snapshot-difference estimate (assumption 5) can run well above it.
       Not applied without a PNP round in the window.
    9. Parameter uncertainty (used by Monte Carlo; the deterministic path ignores it),
       estimated from the same past data, never from later rounds. ``level_sd`` of a category:
       the recency-weighted root mean square of its out-of-sample one-round-ahead errors, each
       round predicted by the model fitted on the rounds before it
       (:func:`eeforecast.pool.ahead_errors`). ``refill_sd``: the standard error of the mean
       log pace over the ``rate_window_days`` the refill is estimated from, the root mean square
       of the log changes of its invitations per day from one quarter to the next over
       ``lookback_days`` (:func:`eeforecast.pool.pace_changes`) over ``sqrt(2 x quarters in
       the window)``, since the refill follows the window's mean pace. A category
       with fewer than 3 errors (2 changes) takes the value pooled over all categories.
       ``nominee_shift_sd``: the weighted root mean square of the past PNP cutoffs around the
       fitted nominee shape (:func:`eeforecast.pool.nominee_residuals`, weights of assumption
       2, scaled by ``n_eff / (n_eff - 2)`` for the two fitted parameters);
       ``nominee_rate_sd``: the PNP pace changes, used for the nominee inflow. ``tilt_sd``: the
       shape of the pool inside 501-600 is not published (only the band's total); each usable
       general round with a cutoff in 502..600 reveals how many of the band's candidates scored
       at or above it (its invitations minus the modelled nominees), from which
       :func:`eeforecast.pool.band_tilt` gives the tilt of the fitted density that matches it;
       ``tilt_sd`` is their recency-weighted root mean square (0 with fewer than 3 such
       rounds). Except ``level_sd``, all are in-sample scatter of a fitted model, so they
       understate the error of a model that is itself wrong.
    10. PNP regime (:func:`eeforecast.pool.nominee_model`): a PNP round's invitations over the
        601-1200 count of the snapshot published with it (at most ``regime_max_lag`` days older) is near
        1 when IRCC invites every nominee in the pool. With the median of the last
        ``regime_window`` such ratios at or above ``regime_share`` the regime is ``invite_all``:
        a round's size is the stock (the nominations since the last round, at the rate of
        :func:`eeforecast.pool.nominee_inflow`, log-sd its one-round-ahead error, which replace
        the nominees' net inflow and its sd), and its cutoff the lowest of the nominees' scores,
        ``loc - scale ln N + scale ln E`` (:func:`eeforecast.pool.min_cutoff`), with ``(loc,
        scale)`` fitted by weighted maximum likelihood on the PNP rounds of ``lookback_days``
        (weights halving every ``half_life_days``; :func:`eeforecast.pool.fit_nominee_tail`).
        Otherwise (``top_n``) a round invites the top N of the stock shaped as in assumption 2.
    11. A category's rounds reveal its stock at or above its revealed floor, the lowest cutoff
        of its rounds in the last ``stale_days`` (:func:`eeforecast.pool.revealed_floor`), and
        nothing below it. Above the floor the sub-pool is fitted as in assumption 3. Below it,
        the steady-state eligible share continues the one revealed at the floor (the engine's
        ``min(1, conversion * refill_days)``), and each Monte Carlo path draws it log-uniformly
        between that share divided and multiplied by ``below_spread``, capped at 1
        (:func:`eeforecast.pool.below_range`).
    12. A category without a round in the last ``stale_days`` is stale: its sub-pool is kept
        (and shown, :meth:`PoolModel.subpools`) but left out of forecasts and scenarios unless
        asked for.
    13. A category seen in a single round is taken as a round that invited every eligible
        candidate, not as a share of the whole pool: its stock is what accumulates after it,
        the round's size per ``rate_min_days`` at or above its cutoff, none below
        (:func:`eeforecast.pool.seen_once`).

    Everything uses only rounds and snapshots dated on or before ``as_of``.

    Examples
    --------
    >>> model = fit_pool(as_of="2025-12-15")
    >>> state = model.state()
    >>> str(state.as_of.date()), state.total.shape
    ('2025-12-15', (1201,))
    """
    config = PoolConfig() if config is None else config
    if not isinstance(config, PoolConfig):
        raise ParameterError(f"config: expected a PoolConfig, got {type(config).__name__}")
    feed = as_feed(source, as_of=as_of)
    rounds = feed.rounds
    dates, counts = published_bands(feed)
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
    densities = density_from_bands(counts, edge_ratio=config.edge_ratio)
    flows, inflow, inflow_sd = fit_inflow(rounds, dates, counts, densities, day, config)
    past = PastRounds.of(rounds, dates, counts, densities, inflow, day, config)
    mean, sd, shift_sd = fit_nominees(past, config)
    nominee = nominee_cutoff_shape(mean, sd, config.lower_z)
    densities[:, 601:] = counts[:, 14, None] * nominee[601:]  # the nominees as fitted
    past.forget()
    tilt_sd = fit_tilt(past)
    fits, errors, changes = fit_subpools(past, day, config)
    pnp = past.category == "pnp"
    pnp_changes = pace_changes(
        past.dates[pnp], past.invitations[pnp], day, n_spans=max(int(config.lookback_days // 91), 2)
    )
    fits, rate_sd = fit_uncertainty(
        fits, errors, changes, pnp_changes, quarters=config.rate_window_days / 91.0
    )
    nominees = fit_nominee_model(rounds, dates, counts, day, config)
    return PoolModel(
        as_of=day,
        snapshot_dates=dates,
        counts=counts,
        densities=densities,
        nominee_mean=mean,
        nominee_sd=sd,
        inflow_bands=inflow,
        inflow_bands_sd=inflow_sd,
        flows=flows,
        categories=fits,
        rounds=rounds,
        config=config,
        feed=feed,
        nominee_shift_sd=shift_sd,
        nominee_rate_sd=rate_sd,
        notes=tuple(notes),
        tilt_sd=float(np.nan_to_num(tilt_sd)),
        nominees=nominees,
    )
