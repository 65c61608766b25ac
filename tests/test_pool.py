"""Tests of eeforecast.pool: take_top, bands <-> density, flows, category shares, fit_pool."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eeforecast.errors import ParameterError
from eeforecast.pool import (
    PoolConfig,
    PoolModel,
    PoolState,
    allocate_round,
    band_flows,
    bands_from_density,
    category_eligible,
    density_from_bands,
    depletion_age,
    fit_category,
    fit_nominee_shape,
    fit_pool,
    invitation_rate,
    nominee_shape,
    room_for_round,
    summarize_flows,
    take_top,
)
from eeforecast.scores import BANDS as BAND_EDGES
from eeforecast.scores import MAX_SCORE, SCORES

S = MAX_SCORE + 1


@pytest.fixture(scope="module")
def wide(feed):
    snaps = feed.snapshots.pivot(index="as_of", columns="band_lo", values="candidates")
    return snaps.sort_index()


@pytest.fixture(scope="module")
def model(feed) -> PoolModel:
    return fit_pool(feed, as_of="2025-12-15")


# --- take_top -----------------------------------------------------------------------------------


def test_take_top_hand_computed():
    e = np.array([5.0, 0.0, 3.0, 2.0])  # scores 0..3
    cases = {
        0: (4, [0, 0, 0, 0]),  # nobody invited: one above the top score
        1: (3, [0, 0, 0, 1]),
        2: (3, [0, 0, 0, 2]),
        3: (2, [0, 0, 1, 2]),
        5: (2, [0, 0, 3, 2]),
        6: (0, [1, 0, 3, 2]),
        10: (0, [5, 0, 3, 2]),  # more than the pool: everybody, cutoff at the lowest score
    }
    for n, (cutoff, taken) in cases.items():
        c, t = take_top(e, n)
        assert int(c) == cutoff, n
        np.testing.assert_allclose(t, taken)


def test_take_top_tie_at_cutoff_is_partial():
    e = np.zeros(S)
    e[[470, 480, 500]] = [100.0, 40.0, 10.0]
    cutoff, taken = take_top(e, 75)
    assert int(cutoff) == 470
    assert taken[500] == 10 and taken[480] == 40 and taken[470] == pytest.approx(25)
    assert taken[:470].sum() == 0
    # a whole score taken exactly: the cutoff is that score, nothing below
    cutoff, taken = take_top(e, 50)
    assert int(cutoff) == 480 and taken[470] == 0


def test_take_top_batched_matches_loop():
    rng = np.random.default_rng(1)
    e = rng.gamma(0.5, 20.0, size=(3, 4, S))
    n = rng.uniform(0, 3000, size=(3, 4))
    cutoff, taken = take_top(e, n)
    assert cutoff.shape == (3, 4) and taken.shape == e.shape
    for i in range(3):
        for j in range(4):
            c1, t1 = take_top(e[i, j], n[i, j])
            assert cutoff[i, j] == c1
            np.testing.assert_allclose(taken[i, j], t1)
    # a scalar n broadcasts over the batch
    c_all, _ = take_top(e, 500.0)
    assert c_all.shape == (3, 4)


def test_take_top_rejects_bad_n():
    with pytest.raises(ParameterError, match="n:"):
        take_top(np.ones(5), -1)
    with pytest.raises(ParameterError, match="n:"):
        take_top(np.ones(5), np.nan)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.floats(0, 500, allow_nan=False), min_size=5, max_size=40),
    n1=st.floats(0, 5000),
    n2=st.floats(0, 5000),
)
def test_take_top_invariants(counts, n1, n2):
    e = np.array(counts)
    lo, hi = sorted((n1, n2))
    c_lo, t_lo = take_top(e, lo)
    c_hi, t_hi = take_top(e, hi)
    # more invitations never raise the cutoff
    assert c_hi <= c_lo
    for c, t, n in ((c_lo, t_lo, lo), (c_hi, t_hi, hi)):
        # conserved: invited = min(n, pool); nobody invited beyond the eligible
        assert t.sum() == pytest.approx(min(n, e.sum()), rel=1e-9, abs=1e-6)
        assert np.all(t <= e + 1e-9) and np.all(t >= 0)
        if c < len(e):
            # nobody below the cutoff invited while someone above it is left
            assert t[:c].sum() == 0
            np.testing.assert_allclose(t[c + 1 :], e[c + 1 :])


# --- bands <-> density --------------------------------------------------------------------------


def test_density_reproduces_every_real_snapshot(wide):
    counts = wide.to_numpy(dtype=float)
    dens = density_from_bands(counts)
    assert dens.shape == (len(counts), S)
    assert np.all(dens >= 0)
    np.testing.assert_allclose(bands_from_density(dens), counts, rtol=1e-9, atol=1e-6)
    # one snapshot at a time gives the same as the batch
    np.testing.assert_allclose(density_from_bands(counts[-1]), dens[-1])


def test_density_is_smooth_across_band_edges(wide):
    """Not a staircase: at the edges between the 10-point bands the density changes by about
    as much as within the bands, far less than the uniform staircase jumps."""
    counts = wide.to_numpy(dtype=float)
    dens = density_from_bands(counts)
    inner = [hi for lo, hi in BAND_EDGES[3:12]]  # edges 410|411 .. 490|491
    edge_jump = np.abs(dens[:, [h + 1 for h in inner]] - dens[:, inner])
    step = np.abs(np.diff(dens[:, 401:501], axis=1)).max(axis=1, keepdims=True)
    assert np.all(edge_jump <= step + 1e-9)
    stair = np.abs(np.diff(counts[:, 3:13] / 10.0, axis=1))  # uniform-block jumps
    big = stair > 200
    assert np.median(edge_jump[:, : stair.shape[1]][big] / stair[big]) < 0.5


def test_density_shape_in_wide_bands(wide):
    counts = wide.to_numpy(dtype=float)
    dens = density_from_bands(counts)
    latest = dens[-1]
    # 501-600 decays upward when the band is thin relative to 491-500
    assert latest[501] > latest[550] > latest[600]
    # 601-1200 follows the nominee shape
    np.testing.assert_allclose(latest[601:].sum(), counts[-1, 14])


def test_nominee_shape_sums_to_one():
    shape = nominee_shape(200.0, 50.0)
    assert shape[:601].sum() == 0 and shape.sum() == pytest.approx(1.0)
    assert SCORES[np.argmax(shape)] == 800
    with pytest.raises(ParameterError, match="sd"):
        nominee_shape(200.0, 0.0)


def test_density_rejects_bad_counts():
    with pytest.raises(ParameterError, match="counts"):
        density_from_bands(np.ones(14))
    with pytest.raises(ParameterError, match="counts"):
        density_from_bands(-np.ones(15))


# --- flows --------------------------------------------------------------------------------------


def test_band_flows_adds_back_invitations():
    counts = np.full((2, 15), 1000.0)
    counts[1, 14] = 900.0  # the 601-1200 band lost 100 ...
    dens = density_from_bands(counts)
    dates = np.array(["2025-01-01", "2025-01-11"], dtype="datetime64[ns]")
    rounds = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-05"]),
            "category": ["pnp"],
            "invitations": [300],  # ... after 300 nominees were invited: +200 in 10 days
            "cutoff": [700],
        }
    )
    flows = band_flows(dates, counts, dens, rounds)
    assert len(flows) == 1 and flows["days"].iloc[0] == 10
    assert flows["601-1200"].iloc[0] == pytest.approx(20.0)
    assert flows["0-300"].iloc[0] == pytest.approx(0.0)
    mean, sd = summarize_flows(flows, "2025-01-11")
    assert mean[14] == pytest.approx(20.0) and sd.shape == (15,)


def test_allocate_round_respects_the_cutoff():
    dens = density_from_bands(np.full(15, 1000.0))
    got = allocate_round(dens, "cec", 500, 480)
    assert got.sum() == pytest.approx(500) and got[:480].sum() == 0 and got[601:].sum() == 0
    got = allocate_round(dens, "pnp", 300, 650)
    assert got[:650].sum() == 0 and got.sum() == pytest.approx(300)


# --- category sub-pools -------------------------------------------------------------------------


def test_depletion_age_and_category_eligible_by_hand():
    dates = np.array(["2025-01-01", "2025-02-01"], dtype="datetime64[ns]")
    age = depletion_age(dates, np.array([450, 500]), "2025-02-11")
    assert np.isinf(age[449]) and age[450] == 41 and age[499] == 41 and age[500] == 10
    # a round on the day itself is not seen (the snapshot is before it)
    assert depletion_age(dates, np.array([450, 500]), "2025-02-01")[500] == 31
    total = np.full(S, 100.0)
    inflow = np.full(S, 2.0)
    e = category_eligible(total, inflow, age, refill=0.5, conversion=0.001, refill_days=365)
    assert e[449] == 100.0  # never emptied: steady state (1 + 0.1) * 365, capped at the total
    assert e[450] == pytest.approx((1.0 + 0.1) * 41)
    assert e[500] == pytest.approx(1.1 * 10)


def test_fit_category_recovers_known_parameters():
    """Oracle: rounds generated by the model itself give back its parameters."""
    rng = np.random.default_rng(7)
    refill, conversion = 0.3, 0.0008
    n_rounds = 12
    totals = rng.uniform(500, 1500, size=(n_rounds, S))
    inflow = rng.uniform(0, 3, size=(n_rounds, S))
    ages = rng.uniform(5, 60, size=(n_rounds, 1)) * np.ones((1, S))
    ages[:, :450] = np.inf
    days = np.minimum(ages, 365)
    cutoffs = rng.integers(430, 520, size=n_rounds)
    e = category_eligible(totals, inflow, ages, refill, conversion)
    invitations = np.array([e[i, c + 1 :].sum() + 0.5 * e[i, c] for i, c in enumerate(cutoffs)])
    r, k, rmse, resid = fit_category(
        totals,
        inflow * days,
        totals * days,
        cutoffs,
        invitations,
        np.ones(n_rounds),
        prior_weight=1e-6,
    )
    assert r == pytest.approx(refill, rel=0.05)
    assert k == pytest.approx(conversion, rel=0.05)
    assert rmse < 1e-3 and np.abs(resid).max() < 1e-3


def test_fit_nominee_shape_recovers_known_shape():
    from scipy.special import ndtr

    mean, sd, lower_z = 180.0, 45.0, 2.0
    kept = 1 - ndtr(-lower_z)
    q = np.linspace(0.1, 0.95, 10)
    z = np.array(
        [
            np.interp(1 - qi * kept, ndtr(np.linspace(-4, 4, 4001)), np.linspace(-4, 4, 4001))
            for qi in q
        ]
    )
    cutoffs = 600 + mean + sd * z
    m, s = fit_nominee_shape(cutoffs, q, np.ones_like(q), ridge=0.0)
    assert m == pytest.approx(mean, abs=0.5) and s == pytest.approx(sd, abs=0.5)
    assert fit_nominee_shape([], [], []) == (160.0, 60.0)


# --- the fitted pool ----------------------------------------------------------------------------


def test_state_reproduces_the_snapshot_and_bounds(model, feed):
    state = model.state()
    assert isinstance(state, PoolState)
    snap = feed.snapshot(on_or_before="2025-12-15")
    assert state.as_of == snap["as_of"].iloc[0]
    np.testing.assert_allclose(bands_from_density(state.total), snap["candidates"], rtol=1e-9)
    for slug, arr in state.eligible.items():
        assert arr.shape == (S,)
        assert np.all(arr >= 0) and np.all(arr <= state.total + 1e-9), slug
    for slug, frac in state.inflow_eligible.items():
        assert np.all((frac >= 0) & (frac <= 1)), slug
    assert np.all(state.inflow_sd >= 0)
    # pnp draws from the nominees only
    assert state.eligible["pnp"][:601].sum() == 0
    assert {"cec", "french", "healthcare"} <= set(state.eligible)


def test_shares_are_fractions(model):
    for fit in model.categories.values():
        assert 0 <= fit.share <= 1 and 0 <= fit.refill <= 1 and fit.conversion >= 0
    frame = model.shares_frame()
    assert frame[["share", "refill"]].apply(lambda c: c.between(0, 1)).all().all()
    assert "pnp" in set(frame["category"])


def test_no_leakage_as_of_equals_truncated_feed(feed):
    """Fitting with as_of gives exactly what a feed cut on that day gives; later rounds and
    snapshots change nothing."""
    day = "2025-06-11"
    a = fit_pool(feed, as_of=day)
    b = fit_pool(feed.truncate(as_of=day))
    assert a.as_of == b.as_of == pd.Timestamp(day)
    sa, sb = a.state(), b.state()
    assert sa.as_of == sb.as_of
    np.testing.assert_array_equal(sa.total, sb.total)
    np.testing.assert_array_equal(sa.inflow, sb.inflow)
    for slug in sa.eligible:
        np.testing.assert_array_equal(sa.eligible[slug], sb.eligible[slug])
    assert a.categories == b.categories
    assert (a.nominee_mean, a.nominee_sd) == (b.nominee_mean, b.nominee_sd)
    assert a.rounds["date"].max() <= pd.Timestamp(day)


def test_state_before_first_snapshot_is_an_error(feed):
    with pytest.raises(ParameterError):
        fit_pool(feed, as_of="2021-12-31")


def test_summary_and_frames(model):
    text = str(model)
    assert "PoolModel fitted as of 2025-12-15 (last round 2025-12-15)" in text
    assert "cec" in text and "french" in text and "nominee core score" in text
    assert "PoolModel(" in repr(model)
    dens = model.to_frame("density")
    assert list(dens.columns[:5]) == ["as_of", "score", "total", "inflow", "inflow_sd"]
    assert len(dens) == S
    inflow = model.to_frame("inflow")
    assert list(inflow.columns) == ["band_lo", "band_hi", "inflow", "inflow_sd"]
    assert len(model.to_frame("flows")) > 10
    with pytest.raises(ParameterError, match="kind"):
        model.to_frame("nope")


def test_unknown_category_is_named(model):
    with pytest.raises(ParameterError, match="senior-managers"):
        model.eligible_on("senior-managers", "2025-12-16")


def test_conditional_cutoff_from_the_model(model):
    """The model answers 'if IRCC invites N in category X next': more invitations, lower cutoff,
    and the CEC answer for round #387 (5000 invited, actual cutoff 515) is close."""
    cutoffs = [int(take_top(model.eligible_on("cec", "2025-12-16"), n)[0]) for n in (1000, 5000)]
    assert cutoffs[0] >= cutoffs[1]
    assert abs(cutoffs[1] - 515) <= 10


def test_room_for_round_scales_only_when_needed():
    e = np.zeros(S)
    e[[480, 500]] = [60.0, 40.0]
    np.testing.assert_array_equal(room_for_round(e, 50, max_take=0.75), e)  # 50 <= 75
    scaled = room_for_round(e, 150, max_take=0.75)
    assert scaled.sum() == pytest.approx(200.0)
    np.testing.assert_allclose(scaled[[480, 500]], [120.0, 80.0])  # shape kept
    batch = room_for_round(np.stack([e, e]), np.array([50.0, 150.0]))
    assert batch.sum(-1).tolist() == pytest.approx([100.0, 200.0])
    with pytest.raises(ParameterError, match="max_take"):
        room_for_round(e, 10, max_take=0)


def test_pool_on_takes_out_the_rounds_since_the_snapshot(model, feed):
    """Round #386 (pnp, 399) was held on the day of the 2025-12-15 snapshot: the pool just before
    the next day's round has about 399 fewer nominees plus one day of inflow."""
    state = model.state(as_of="2025-12-15")
    total, inflow = model.pool_on("2025-12-16")
    assert total[601:].sum() == pytest.approx(
        state.total[601:].sum() - 399 + inflow[601:].sum(), abs=1e-6
    )
    np.testing.assert_allclose(total[:601], np.maximum(state.total + inflow, 0)[:601])


def test_only_published_snapshots_are_used(feed):
    """The snapshot of 2025-12-07 was published with round #383 on 2025-12-08: on 2025-12-07
    the latest known snapshot is the one published with round #381 (2025-11-24)."""
    # Feed.truncate applies the publication rule itself; fit_pool applies it to any feed.
    assert pd.Timestamp("2025-12-07") not in set(
        feed.truncate(as_of="2025-12-07").snapshots["as_of"]
    )
    model = fit_pool(feed, as_of="2025-12-07")
    assert model.state().as_of == pd.Timestamp("2025-11-24")
    assert fit_pool(feed, as_of="2025-12-08").state().as_of == pd.Timestamp("2025-12-07")


def test_with_room_scales_only_a_sub_pool_that_is_too_small(model):
    day = "2025-12-17"
    eligible = model.eligible_on("french", day)
    assert model.with_room("french", 0.5 * eligible.sum(), day) is model
    big = model.with_room("french", 2 * eligible.sum(), day)
    assert big is not model and big.categories["cec"] == model.categories["cec"]
    # scaled to hold the round at 3/4 (a little less where the scaled count hits the total)
    assert big.eligible_on("french", day).sum() == pytest.approx(
        2 * eligible.sum() / 0.75, rel=0.01
    )
    assert model.with_room("pnp", 10**6, day) is model


def test_invitation_rate_by_hand():
    d = np.array(["2025-01-01", "2025-04-01", "2023-01-01"], dtype="datetime64[ns]")
    n, c = np.array([900, 900, 5000]), np.array([450, 430, 300])
    # flat weights: 1800 invitations in the 365-day window (the category is older than that)
    rate, cut = invitation_rate(d, n, c, "2025-06-30", half_life=1e9)
    assert rate == pytest.approx(1800 / 365) and cut == pytest.approx(440.0)
    # a category whose first round is 180 days old: spread over those 180 days
    rate, _ = invitation_rate(d[:2], n[:2], c[:2], "2025-06-30", half_life=1e9)
    assert rate == pytest.approx(10.0)
    # a category that started last week is spread over min_days
    rate, _ = invitation_rate(d[1:2], n[1:2], c[1:2], "2025-04-08", half_life=1e9, min_days=90)
    assert rate == pytest.approx(10.0)
    # nothing in the window; rounds after `at` are not seen
    assert invitation_rate(d, n, c, "2022-06-30")[0] == 0.0
    rate_early, _ = invitation_rate(d[:2], n[:2], c[:2], "2025-02-01", half_life=1e9)
    assert rate_early == pytest.approx(900 / 90)


def test_flow_conversion_feeds_the_engine_state(model):
    state = model.state()
    assert state.refill_days == model.config.refill_days
    french = model.categories["french"]
    assert french.flow_rate > 0 and 300 < french.flow_cutoff < 600
    assert french.flow_conversion >= 0
    for slug, fit in model.categories.items():
        k = state.conversion[slug]
        rate = min(max(fit.conversion * np.exp(fit.drift), fit.flow_conversion), 1.0)
        np.testing.assert_allclose(k[:601], rate)
        # nominees refill the PNP sub-pool only
        assert np.all(k[601:] == 0) and np.all(state.inflow_eligible[slug][601:] == 0)
    # French invites ~100+/day in 2025: the refill must sustain at least half of that above its
    # typical cutoff (the engine's refill there per day)
    above = SCORES >= int(french.flow_cutoff)
    refill = (state.conversion["french"] * state.total)[above].sum() + (
        state.inflow_eligible["french"] * np.maximum(state.inflow, 0)
    )[above].sum()
    assert refill >= 0.5 * french.flow_rate


def test_flow_rate_uses_no_later_round(feed):
    early = fit_pool(feed.truncate(as_of="2025-01-01"), as_of="2025-01-01")
    full = fit_pool(feed, as_of="2025-01-01")
    assert early.categories["french"].flow_rate == full.categories["french"].flow_rate


def test_nominee_inflow_at_most_the_pnp_pace(feed):
    day = "2025-01-01"
    capped = fit_pool(feed.truncate(as_of=day), as_of=day)
    free = fit_pool(
        feed.truncate(as_of=day), as_of=day, config=PoolConfig(cap_nominee_inflow=False)
    )
    r = capped.rounds[capped.rounds["category"] == "pnp"]
    pace, _ = invitation_rate(r["date"].to_numpy(), r["invitations"], r["cutoff"], day)
    assert capped.inflow_bands[-1] == pytest.approx(min(free.inflow_bands[-1], pace))
    assert free.inflow_bands[-1] > pace  # the snapshot estimate exceeded the pace then
    np.testing.assert_array_equal(capped.inflow_bands[:-1], free.inflow_bands[:-1])


# --- parameter uncertainty --------------------------------------------------------------------


def test_level_errors_and_pace_changes_by_hand():
    from eeforecast.pool import level_errors, pace_changes

    # drift from earlier rounds only: round 2 sees the mean of rounds 0 and 1 (no decay, no
    # shrinkage), the first round sees no drift
    err = level_errors(
        np.array([0.0, 5.0, 9.0]), np.array([0.1, 0.3, 0.5]), half_life=1e12, shrink=0
    )
    np.testing.assert_allclose(err, [0.1, 0.2, 0.3])
    # same-day rounds do not see each other
    same = level_errors(np.array([0.0, 0.0]), np.array([0.4, -0.4]), half_life=1e12, shrink=0)
    np.testing.assert_allclose(same, [0.4, -0.4])
    d = np.array(["2025-06-20", "2025-05-01", "2025-02-01", "2024-09-01"], dtype="datetime64[ns]")
    ch = pace_changes(d, np.array([1000, 1000, 500, 500]), "2025-06-30", n_spans=4)
    # quarters back from 2025-06-30: 2000, 500, 0 (skipped), 500
    np.testing.assert_allclose(ch, [np.log(4.0)])


def test_fit_pool_estimates_parameter_sds_into_the_state(model):
    state = model.state()
    assert 5 < model.nominee_shift_sd < 120
    assert state.nominee_shift_sd == model.nominee_shift_sd
    # invite-all regime: the nominees' inflow sd is that of the stock forecast
    assert model.nominees.regime == "invite_all"
    assert state.refill_sd["pnp"] == model.nominees.inflow_log_sd != model.nominee_rate_sd
    for slug, fit in model.categories.items():
        assert 0 < fit.level_sd < 3 and 0 < fit.refill_sd < 5
        assert state.level_sd[slug] == fit.level_sd and state.refill_sd[slug] == fit.refill_sd
    frame = model.shares_frame()
    assert {"level_sd", "refill_sd"} <= set(frame.columns)


def test_single_snapshot_warns_that_the_pool_is_held_flat(feed):
    # on 2022-02-01 only the snapshot of 2022-01-17 is known: no inflow can be estimated
    with pytest.warns(UserWarning, match="fewer than two snapshots") as record:
        early = fit_pool(feed, as_of="2022-02-01")
    mine = [w for w in record if "fewer than two snapshots" in str(w.message)]
    assert len(mine) == 1
    assert "fit_pool as of 2022-02-01" in str(mine[0].message)
    assert "projections hold the pool flat" in str(mine[0].message)
    assert len(early.snapshot_dates) == 1 and early.notes == (str(mine[0].message),)
    assert "note: fit_pool as of 2022-02-01" in early.summary()
    np.testing.assert_array_equal(early.state().inflow, 0.0)
    # two snapshots: no such warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        later = fit_pool(feed, as_of="2022-03-01")
    assert len(later.snapshot_dates) >= 2 and later.notes == ()


def test_tilt_factors_and_band_tilt_by_hand():
    from eeforecast.pool import band_tilt, tilt_factors

    band = np.full(100, 10.0)  # 10 at each score 501..600
    f = tilt_factors(band, np.array([0.0, 1.5, -1.5]))
    assert np.all(f[0] == 1.0)
    np.testing.assert_allclose((band * f).sum(axis=1), 1000.0)
    assert f[1, -1] > f[1, 0] and f[2, -1] < f[2, 0]
    np.testing.assert_allclose(np.log(f[1, 1:] / f[1, :-1]), 0.015)  # 1.5 per 100 points
    # a flat band with 500 at or above 551 is untilted; more above means a positive tilt
    assert abs(band_tilt(band, 551, 500.0)) < 1e-9
    delta = band_tilt(band, 551, 600.0)
    assert delta > 0
    moved = band * tilt_factors(band, np.array([delta]))[0]
    assert moved[50:].sum() == pytest.approx(600.0, rel=1e-9)
    assert np.isnan(band_tilt(band, 551, 0.0)) and np.isnan(band_tilt(band, 551, 1000.0))


def test_tilt_sd_from_past_general_rounds_only(feed):
    # general rounds with cutoffs in 502..600 before the origin set the sd; none: 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = fit_pool(feed, as_of="2024-06-01")
        early = fit_pool(feed, as_of="2022-02-01")
    assert 0 < m.tilt_sd < 20 and m.state().tilt_sd == m.tilt_sd
    assert early.tilt_sd == 0.0


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(half_life_days=-5), "half_life_days: expected a number > 0, got -5"),
        (dict(lookback_days=0), "lookback_days"),
        (dict(lifetime_days=float("nan")), "lifetime_days"),
        (dict(prior_weight=-1), "prior_weight: expected a number >= 0"),
        (dict(cap_nominee_inflow=1), "cap_nominee_inflow: expected True or False"),
    ],
)
def test_pool_config_checks_its_settings(kw, match):
    # a negative half-life would shrink the Monte Carlo spread tenfold without a word
    with pytest.raises(ParameterError, match=match):
        PoolConfig(**kw)


def test_fit_pool_takes_a_feed_or_a_path(feed):
    from eeforecast import config

    by_path = fit_pool(config.RAW_FEED, as_of="2025-06-30")
    assert by_path.summary() == fit_pool(feed, as_of="2025-06-30").summary()
    with pytest.raises(ParameterError, match="source: expected an eeforecast.data.Feed"):
        fit_pool(42)
    with pytest.raises(ParameterError, match="config: expected a PoolConfig"):
        fit_pool(feed, config={"lookback_days": 365})


def test_cached_fit_is_the_fit_and_is_keyed_by_everything_it_reads(feed, tmp_path, monkeypatch):
    import pickle

    from eeforecast.pool import cache, cached_fit

    monkeypatch.setenv("EEFORECAST_CACHE", str(tmp_path))
    monkeypatch.setattr(cache, "_MEMORY", type(cache._MEMORY)())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fresh = fit_pool(feed, as_of="2025-06-30")
        first = cached_fit(feed, as_of="2025-06-30")
        files = list(tmp_path.glob("pool-*.pkl"))
        assert len(files) == 1
        cache._MEMORY.clear()
        again = cached_fit(feed, as_of="2025-06-30")  # read back from the file
    assert first.summary() == fresh.summary() == again.summary()
    np.testing.assert_array_equal(again.densities, fresh.densities)
    # another day, other settings or another feed content are other keys
    keys = {
        cache.fit_key(feed, as_of="2025-06-30"),
        cache.fit_key(feed, as_of="2025-07-01"),
        cache.fit_key(feed, as_of="2025-06-30", config=PoolConfig(lookback_days=365)),
        cache.fit_key(feed.truncate(as_of="2025-06-01"), as_of="2025-06-30"),
    }
    assert len(keys) == 4
    # a corrupt file is refitted and rewritten, never trusted
    files[0].write_bytes(b"not a pickle")
    cache._MEMORY.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        repaired = cached_fit(feed, as_of="2025-06-30")
    assert repaired.summary() == fresh.summary()
    assert isinstance(pickle.loads(files[0].read_bytes()), PoolModel)
    monkeypatch.setenv("EEFORECAST_CACHE", "off")
    cache._MEMORY.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cached_fit(feed, as_of="2025-05-30")
    assert len(list(tmp_path.glob("pool-*.pkl"))) == 1  # off: nothing written
