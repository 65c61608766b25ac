"""Sub-pools bounded by evidence (eeforecast.pool: nominees, subpools, uncertainty, evidence): the
PNP regime and its extreme-value cutoffs, revealed floors, the plausibility report and a
researcher's settings."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from eeforecast.errors import ParameterError
from eeforecast.pool import (
    PoolConfig,
    ahead_errors,
    below_range,
    detect_regime,
    fit_nominee_tail,
    fit_pool,
    min_cutoff,
    min_cutoff_quantile,
    nominee_inflow,
    nominee_model,
    parse_subpool_table,
    revealed_floor,
)
from eeforecast.scores import SCORES
from eeforecast.simulate import Schedule, conditional_cutoff, simulate_feed


@pytest.fixture(scope="module")
def model(feed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_pool(feed, as_of="2025-12-17")


# --- the lowest of N nominees -----------------------------------------------------------------


def test_min_cutoff_is_the_minimum_of_n_draws():
    # scores with an exponential lower tail: P(X <= x) = exp((x - 900) / 30), x <= 900
    rng = np.random.default_rng(1)
    draws = 900 + 30 * np.log(rng.random((20_000, 200)))
    lowest = draws.min(axis=1)
    for q in (0.1, 0.5, 0.9):
        expected = float(min_cutoff_quantile(q, 200, 900.0, 30.0))
        assert np.quantile(lowest, q) == pytest.approx(expected, abs=1.0)
    # by hand: the median of the lowest of 200 is 900 - 30 ln 200 + 30 ln ln 2 = 730.06
    assert float(min_cutoff(200, 900.0, 30.0)) == pytest.approx(730.055, abs=1e-3)
    assert float(min_cutoff(0.2, 900.0, 30.0, 0.0)) == 900.0  # fewer than one counts as one


def test_fit_nominee_tail_recovers_the_law():
    rng = np.random.default_rng(3)
    n = rng.integers(100, 2000, 400)
    y = 1000 - 40 * np.log(n) + 40 * np.log(rng.standard_exponential(400))
    tail = fit_nominee_tail(y, n, np.ones(400))
    loc, scale, cov = tail.location, tail.scale, tail.cov
    assert abs(loc - 1000) < 4 * np.sqrt(cov[0, 0]) and np.sqrt(cov[0, 0]) < 15
    assert abs(np.log(scale / 40)) < 4 * np.sqrt(cov[1, 1]) and np.sqrt(cov[1, 1]) < 0.1
    with pytest.raises(ParameterError, match="cutoffs: the tail needs at least 3 rounds"):
        fit_nominee_tail(y[:2], n[:2], np.ones(2))


def test_nominee_inflow_by_hand():
    d = np.array(
        ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31", "2025-02-10"],
        dtype="datetime64[ns]",
    )
    # k = 2: the last two sizes (300 + 400) over the 20 days since the round before them
    rate, log_sd = nominee_inflow(d, np.array([100, 200, 300, 400, 500]), k=2)
    assert rate == pytest.approx((400 + 500) / 20)
    # one-round-ahead: round 3 (400) from (200 + 300) / 20 = 25 a day x 10 days; round 4
    # (500) from (300 + 400) / 20 = 35 a day x 10 days
    errors = [np.log(400 / 250), np.log(500 / 350)]
    assert log_sd == pytest.approx(np.sqrt(np.mean(np.square(errors))))


def test_detect_regime_needs_a_full_window():
    assert detect_regime(np.array([1.0, 1.0, 1.0]))[0] == "top_n"  # 3 ratios, window 4
    assert detect_regime(np.array([1.0, 1.0, 1.0]), window=3)[0] == "invite_all"
    assert detect_regime(np.array([np.nan]))[0] == "top_n"


def _synthetic_feed(raw, tmp_path, share: float):
    """The bundled feed with the last four PNP rounds inviting ``share`` of the nominees in the
    snapshot published with them."""
    data = json.loads(json.dumps(raw))
    pnp = [r for r in data["rounds"] if r["drawName"] == "Provincial Nominee Program"][:4]
    for r in pnp:
        r["drawSize"] = str(int(share * int(r["dd1"].replace(",", ""))))
    path = tmp_path / f"feed_{share}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_regime_detected_on_a_synthetic_feed(raw_payload, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        partial = nominee_model(_synthetic_feed(raw_payload, tmp_path, 0.8))
        everyone = nominee_model(_synthetic_feed(raw_payload, tmp_path, 1.0))
        forced = nominee_model(
            _synthetic_feed(raw_payload, tmp_path, 0.8),
            config=PoolConfig(nominee_regime="invite_all"),
        )
    assert partial.regime == "top_n" and partial.share == pytest.approx(0.8, abs=0.005)
    assert everyone.regime == "invite_all" and everyone.share == pytest.approx(1.0, abs=0.005)
    assert everyone.invite_all and not partial.invite_all and forced.invite_all
    used = everyone.evidence[everyone.evidence["used"]]
    assert (used["lag"] <= 3).all() and len(used) >= 4


def test_the_bundled_regime_and_its_cutoffs(model):
    nom = model.nominees
    assert nom.regime == "invite_all" and nom.n_rounds >= 20
    assert 20 < nom.tail_scale < 60 and 40 < nom.inflow_rate < 90  # per day, late 2025
    # the invite-all rounds of 2025 cut at 699-855 with 125-1123 nominees
    assert 690 < nom.cutoff(1000) < nom.cutoff(200) < 800
    state = model.state()
    assert state.tails["pnp"][2] == 601 and state.inflow[601:].sum() == pytest.approx(
        nom.inflow_rate
    )


# --- what the rounds revealed ---------------------------------------------------------------


def test_revealed_floor_and_below_range_by_hand():
    d = np.array(["2024-03-01", "2025-02-01", "2025-05-01"], dtype="datetime64[ns]")
    assert revealed_floor(d, np.array([480, 505, 520]), "2025-06-30") == (505, False)
    assert revealed_floor(d, np.array([480, 505, 520]), "2026-06-30") == (520, True)
    assert revealed_floor(d[:0], np.array([]), "2025-06-30") == (None, True)
    lo, mid, hi = below_range(0.6, 3.0)
    assert (lo, mid, hi) == pytest.approx((0.2, 0.6, 1.8))  # a path caps its draw at 1


def test_ahead_errors_are_forecasts():
    # one score, one round a day of N = 10 x day: with a constant conversion the fit on the
    # rounds before predicts the next one; the first round has no forecast
    total = np.zeros((4, 1201))
    total[:, 500] = 1000.0
    days = np.array([1.0, 2.0, 3.0, 4.0])
    totals_days = total * days[:, None]
    net = np.zeros_like(total)
    n = 10.0 * days
    err = ahead_errors(total, net, totals_days, np.full(4, 500), n, days, np.ones(4))
    assert np.isnan(err[0]) and np.all(np.abs(err[1:]) < 0.05)


def test_sub_pools_respect_their_bounds(model):
    day = model.as_of + pd.Timedelta(days=1)
    total, inflow = model.pool_on(day)
    for cat, fit in model.categories.items():
        e = model.eligible(cat, total, inflow, day)
        assert (e <= total + 1e-9).all() and (e[601:] == 0).all()  # nominees: PNP only
        below = SCORES < fit.floor
        assert (e[below] <= fit.share_below * total[below] + 1e-9).all()
        assert fit.below_lo <= fit.share_below <= fit.below_hi
    stale = {c for c, f in model.categories.items() if f.stale}
    assert stale == {"agriculture", "stem", "transport"} and set(model.excluded()) == stale


def test_plausibility_report(model):
    report = model.subpools()
    frame = report.to_frame().set_index("category")
    assert set(frame.index) == {*model.categories, "pnp"}
    assert frame.loc["pnp", "regime"] == "invite_all" and frame.loc["stem", "stale"]
    for t in (450, 500):
        assert (frame[f"eligible_ge_{t}_lo_80"] <= frame[f"eligible_ge_{t}"] + 1e-6).all()
        assert (frame[f"eligible_ge_{t}"] <= frame[f"eligible_ge_{t}_hi_80"] + 1e-6).all()
    # every stock at or above its floor is within the snapshot's candidates there
    assert (frame["stock_ge_floor"] <= frame["candidates_ge_floor"] + 1e-6).all()
    assert frame.loc["cec", "floor"] == 515 and frame.loc["french", "floor"] == 379
    text = str(report)
    assert "stem" in text and "stale, left out" in text and "invite-all" in text


# --- the researcher's settings ----------------------------------------------------------------


def test_with_subpool_sets_shares_stocks_and_refill(model):
    day = model.as_of + pd.Timedelta(days=1)
    total, inflow = model.pool_on(day)
    floor = model.categories["cec"].floor
    fixed = model.with_subpool("cec", share_below=0.25)
    e = fixed.eligible("cec", total, inflow, day)
    below = SCORES < floor
    assert (e[below] <= 0.25 * total[below] + 1e-9).all()
    assert e[below].sum() == pytest.approx(0.25 * total[below].sum(), rel=1e-6)  # steady state
    ranged = model.with_subpool("cec", share_below=(0.2, 0.8))
    fit = ranged.categories["cec"]
    assert (fit.below_lo, fit.share_below, fit.below_hi) == pytest.approx((0.2, 0.4, 0.8))
    assert ranged.state().below_range["cec"] == pytest.approx((0.5, 2.0))
    stocked = model.with_subpool("stem", include=True, stock_ge={500: (2000, 8000)})
    assert stocked.eligible_on("stem", day)[500:].sum() == pytest.approx(4000, rel=1e-6)
    assert stocked.categories["stem"].level_sd == pytest.approx(np.log(4) / (2 * 1.2816), 1e-3)
    assert "stem" not in stocked.excluded()
    refill = model.with_subpool("french", refill=0.5).categories["french"]
    before = model.categories["french"]
    assert refill.conversion == pytest.approx(0.5 * before.conversion)
    assert refill.refill_sd == 0 and refill.source == "user: refill=0.5"
    rows = stocked.assumptions(["stem", "cec"]).set_index("category")
    assert rows.loc["stem", "source"] == "user: include=True, stock_ge=>=500: 2000-8000"
    assert rows.loc["cec", "source"] == "fitted"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"cec": {"share_below": 1.5}}, r"subpool\.cec\.share_below: expected shares in \(0, 1\]"),
        ({"cec": {"share": {"low": 0.5}}}, r"subpool\.cec\.share: expected \{low = \.\.\."),
        ({"cec": {"refill": {"low": 2, "high": 1}}}, r"subpool\.cec\.refill: high must be >="),
        (
            {"cec": {"stock_ge": {700: 10}}},
            r"subpool\.cec\.stock_ge: the score must be in 0\.\.600",
        ),
        ({"cec": {"include": "yes"}}, r"subpool\.cec\.include: expected true or false"),
        ({"cec": {"sharre": 0.2}}, r"subpool\.cec: unknown field\(s\) \['sharre'\]"),
    ],
)
def test_subpool_table_errors_name_the_field(table, message):
    with pytest.raises(ParameterError, match=message):
        parse_subpool_table(table)


def test_with_subpool_refuses_unknown_categories_and_settings(model):
    with pytest.raises(ParameterError, match="category 'pnp': no fitted sub-pool"):
        model.with_subpool("pnp", share=0.5)
    with pytest.raises(ParameterError, match=r"\['stock'\]: unknown sub-pool setting"):
        model.with_subpool("cec", stock=5)
    with pytest.raises(ParameterError, match="subpool.french: share and stock_ge both set"):
        model.with_subpool("french", share=0.3, stock_ge={500: 3000})


def test_a_stock_and_a_share_below_set_together_keep_both(model):
    # a stock far above the fitted one scales the sub-pool; the share below the floor the user
    # gives is kept, and no share ever exceeds everybody
    day = model.as_of + pd.Timedelta(days=1)
    both = model.with_subpool("french", share_below=(0.1, 0.5), stock_ge={500: (2000, 6000)})
    fit = both.categories["french"]
    assert (fit.below_lo, fit.below_hi) == (0.1, 0.5)
    assert fit.share_below == pytest.approx(np.sqrt(0.05))
    assert both.eligible_on("french", day)[500:].sum() == pytest.approx(np.sqrt(12e6), rel=1e-6)
    alone = model.with_subpool("french", stock_ge={500: (2000, 6000)}).categories["french"]
    assert alone.below_lo <= alone.share_below <= alone.below_hi <= 1.0


def test_schedule_subpool_tables_reach_the_simulation_and_its_assumptions(feed, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[round]]\ndate = "2026-01-07"\ncategory = "cec"\ninvitations = 3000\n\n'
        "[subpool.cec]\nshare_below = {low = 0.2, high = 0.5}\n"
    )
    sched = Schedule.from_toml(plan)
    assert sched.subpools == {"cec": {"share_below": (0.2, 0.5)}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = simulate_feed(feed, sched, as_of="2025-12-17")
        plain = simulate_feed(feed, sched.expand(), as_of="2025-12-17")
    row = res.assumptions.set_index("category").loc["cec"]
    assert row["source"] == "user: share_below=0.2-0.5" and row["share_below_hi"] == 0.5
    assert plain.assumptions.set_index("category").loc["cec", "source"] == "fitted"
    assert "Sub-pool assumptions" in str(res) and "share_below=0.2-0.5" in str(res)
    bad = tmp_path / "bad.toml"
    bad.write_text("[subpool.cec]\nshare_below = 2\n")
    with pytest.raises(ParameterError, match=r"bad\.toml: subpool\.cec\.share_below"):
        Schedule.from_toml(bad)


def test_a_category_seen_once_is_a_stock_not_a_share(feed):
    # education's only round before 2025-09-17: 1,000 at 479 on 2025-05-01
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pool = fit_pool(feed, as_of="2025-09-16")
        fit = pool.categories["education"]
        assert fit.regime == "seen_once" and fit.floor == 479
        day = pd.Timestamp("2025-09-17")
        e = pool.eligible_on("education", day)
        assert e[:479].sum() == 0  # nobody below the cutoff it revealed
        # the stock is what gathered since: 1,000 per 90 days over the 139 days since the round
        assert e[479:].sum() == pytest.approx(1000 / 90 * 139, rel=0.01)
        res = conditional_cutoff(None, "education", 2500, date=day, pool=pool, room=False)
    row = res.final()
    assert row["cutoff"] == 479 and row["dry_share"] == 1 and row["invited"] < 2500
    assert pool.assumptions(["education"])["regime"].item() == "seen_once"


def test_scenarios_and_conditional_cutoffs_carry_their_assumptions(feed):
    from eeforecast.simulate import run_scenarios

    plain = Schedule.from_dict(
        {"round": [{"date": "2026-01-07", "category": "cec", "invitations": 3000}]}
    )
    bounded = Schedule.from_dict(
        {
            "round": [{"date": "2026-01-07", "category": "cec", "invitations": 3000}],
            "subpool": {"cec": {"refill": {"low": 0.5, "high": 2.0}}},
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_scenarios({"plain": plain, "bounded": bounded}, feed, as_of="2025-12-17")
        one = conditional_cutoff(feed, "french", 3000, as_of="2025-12-17")
    src = {k: r.assumptions.set_index("category").loc["cec", "source"] for k, r in out.items()}
    assert src == {"plain": "fitted", "bounded": "user: refill=0.5-2"}
    assert "french" in set(one.assumptions["category"])
