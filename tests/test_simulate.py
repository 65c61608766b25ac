"""Tests of the draw-simulation engine (eeforecast.simulate)."""

from __future__ import annotations

import io
import json
import warnings
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eeforecast.cli import main
from eeforecast.errors import ParameterError
from eeforecast.pool import PoolConfig, PoolState, fit_pool, take_top
from eeforecast.simulate import (
    Invitations,
    Round,
    Schedule,
    conditional_cutoff,
    cutoff_by_size,
    parse_draw,
    run_scenarios,
    simulate,
    simulate_feed,
)

S = 1201
DAY = pd.Timestamp("2026-01-05")
ENGINES = ["numpy", "numba"]


def state(
    total: dict,
    eligible: dict | None = None,
    inflow: dict | None = None,
    inflow_sd: float = 0.0,
    shares: dict | None = None,
) -> PoolState:
    """A PoolState from {score: count} dicts."""

    def arr(d):
        a = np.zeros(S)
        for s, v in (d or {}).items():
            a[s] = v
        return a

    tot = arr(total)
    inf = arr(inflow)
    return PoolState(
        DAY,
        tot,
        {k: arr(v) for k, v in (eligible or {}).items()},
        inf,
        np.where(inf != 0, inflow_sd, 0.0),
        {k: np.full(S, v) for k, v in (shares or {}).items()},
    )


def rnd(cat: str, n, days: int = 0) -> Round:
    return Round.make(DAY + pd.Timedelta(days=days), cat, n)


# --- hand-computed pools --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("n", "cutoff", "left"),
    [
        (5, 500, {500: 5, 490: 20, 480: 30}),  # part of the top score
        (25, 490, {500: 0, 490: 5, 480: 30}),  # all of 500, 15 of the 20 tied at 490
        (30, 490, {500: 0, 490: 0, 480: 30}),  # exactly fills 490: the cutoff stays 490
        (31, 480, {500: 0, 490: 0, 480: 29}),
        (100, 480, {500: 0, 490: 0, 480: 0}),  # more than the pool: everybody, cutoff = lowest
    ],
)
def test_general_round_by_hand(engine, n, cutoff, left):
    pool = state({500: 10, 490: 20, 480: 30})
    ths = (481, 491, 500)
    res = simulate(pool, [rnd("general", n)], thresholds=ths, engine=engine)
    assert res.cutoff[0, 0] == cutoff
    assert res.invited[0, 0] == pytest.approx(min(n, 60))
    assert res.pool[0, 0] == pytest.approx(sum(left.values()))
    assert res.above[500][0, 0] == pytest.approx(left[500])
    assert res.above[491][0, 0] == pytest.approx(left[500])
    assert res.above[481][0, 0] == pytest.approx(left[500] + left[490])


@pytest.mark.parametrize("engine", ENGINES)
def test_tie_share_at_the_cutoff(engine):
    pool = state({500: 10, 490: 20, 480: 30})
    res = simulate(
        pool, [rnd("general", 25), rnd("general", 5), rnd("general", 100)], engine=engine
    )
    # 15 of the 20 at 490; then all 5 left at 490; then all 30 at 480 (the pool runs dry)
    np.testing.assert_allclose(res.tie[0], [0.75, 1.0, 1.0])
    assert res.cutoff[0].tolist() == [490, 490, 480]


@pytest.mark.parametrize("engine", ENGINES)
def test_category_round_removes_others_in_proportion(engine):
    # cec 9 takes 4 at 500 and 5 of 10 at 490; french keeps 5*(1-4/10)=3 at 500 and
    # 10*(1-5/20)=7.5 at 490; a french round of 3 then stops at 500, of 4 goes to 490.
    pool = state({500: 10, 490: 20}, {"cec": {500: 4, 490: 10}, "french": {500: 5, 490: 10}})
    res = simulate(pool, [rnd("cec", 9), rnd("french", 3)], engine=engine)
    assert res.cutoff[0].tolist() == [490, 500]
    assert res.pool[0].tolist() == pytest.approx([21, 18])
    res = simulate(pool, [rnd("cec", 9), rnd("french", 4)], engine=engine)
    assert res.cutoff[0].tolist() == [490, 490]
    # a general round after cec: 6 left at 500, 15 at 490
    res = simulate(pool, [rnd("cec", 9), rnd("general", 7)], engine=engine)
    assert res.cutoff[0].tolist() == [490, 490]
    assert res.pool[0, 1] == pytest.approx(14)


@pytest.mark.parametrize("engine", ENGINES)
def test_inflow_expiry_and_ledger_by_hand(engine):
    # 2 days: +2/day at 500 (10 -> 14), -3/day at 490 with only 4 there (-> 0, 4 expire)
    pool = state({500: 10, 490: 4}, inflow={500: 2, 490: -3})
    res = simulate(pool, [rnd("general", 1, days=2)], engine=engine)
    assert res.inflow[0, 0] == pytest.approx(4)
    assert res.outflow[0, 0] == pytest.approx(4)
    assert res.cutoff[0, 0] == 500
    assert res.pool[0, 0] == pytest.approx(13)
    # same day: no inflow
    res = simulate(pool, [rnd("general", 1)], engine=engine)
    assert res.inflow[0, 0] == 0 and res.pool[0, 0] == pytest.approx(13)


@pytest.mark.parametrize("engine", ENGINES)
def test_newcomers_join_categories_by_inflow_share(engine):
    # 10 new candidates at 600 over 5 days, a quarter eligible for cec: a cec round of 3 takes
    # the 2.5 newcomers at 600 and 0.5 of the stock at 550.
    pool = state({550: 10}, {"cec": {550: 10}}, inflow={600: 2}, shares={"cec": 0.25})
    res = simulate(pool, [rnd("cec", 3, days=5)], engine=engine)
    assert res.cutoff[0, 0] == 550
    assert res.pool[0, 0] == pytest.approx(17)


@pytest.mark.parametrize("engine", ENGINES)
def test_conversion_refills_an_emptied_category_by_hand(engine):
    # 100 candidates at 450, none french-eligible; conversion 1%/day for 10 days makes 10 of
    # them eligible (no inflow): a french round of 4 then invites at 450, 6 eligible remain.
    pool = state({450: 100}, {"french": {}})
    pool = PoolState(
        pool.as_of,
        pool.total,
        pool.eligible,
        pool.inflow,
        pool.inflow_sd,
        pool.inflow_eligible,
        {"french": 0.01},
    )
    res = simulate(pool, [rnd("french", 4, days=10), rnd("french", 100, days=10)], engine=engine)
    assert res.cutoff[0, 0] == 450 and res.invited[0, 0] == pytest.approx(4)
    assert res.invited[0, 1] == pytest.approx(6)
    # the cap: with horizon 5 days at most 1%/day x 5 = 5% of a score turns eligible
    capped = PoolState(**{**pool.__dict__, "refill_days": 5.0})
    res = simulate(capped, [rnd("french", 100, days=10)], engine=engine)
    assert res.invited[0, 0] == pytest.approx(5)
    # no conversion: nobody to invite
    res = simulate(state({450: 100}, {"french": {}}), [rnd("french", 4, days=10)], engine=engine)
    assert res.invited[0, 0] == 0


def test_conversion_same_in_both_engines():
    rng = np.random.default_rng(3)
    total = np.zeros(S)
    total[300:700] = rng.uniform(0, 50, 400)
    elig = {"french": total * 0.1, "cec": total * 0.5}
    inflow = np.where(total > 0, rng.normal(0.2, 0.5, S), 0.0)
    pool = PoolState(
        DAY,
        total,
        elig,
        inflow,
        np.abs(inflow),
        {"french": np.full(S, 0.05)},
        {"french": 0.002, "cec": 0.001},
        365.0,
    )
    rounds = [
        rnd(c, n, days=7 * i + 7)
        for i, (c, n) in enumerate([("french", 900), ("cec", 1500), ("general", 500)] * 4)
    ]
    det = [simulate(pool, rounds, engine=e) for e in ENGINES]
    np.testing.assert_array_equal(det[0].cutoff, det[1].cutoff)
    np.testing.assert_allclose(det[0].pool, det[1].pool, rtol=1e-9)
    mc = [simulate(pool, rounds, n_paths=20, rng=5, engine=e) for e in ENGINES]
    np.testing.assert_array_equal(mc[0].cutoff, mc[1].cutoff)
    with pytest.raises(ParameterError, match="conversion"):
        simulate(PoolState(**{**pool.__dict__, "conversion": {"french": -1.0}}), rounds)


@pytest.mark.parametrize("engine", ENGINES)
def test_empty_category_invites_nobody(engine):
    pool = state({500: 10}, {"cec": {}})
    res = simulate(pool, [rnd("cec", 5)], engine=engine)
    assert res.cutoff[0, 0] == S and res.invited[0, 0] == 0
    frame = res.to_frame()
    assert pd.isna(frame.loc[0, "cutoff"])


def test_matches_pool_take_top():
    rng = np.random.default_rng(3)
    total = np.where(rng.random(S) < 0.3, rng.integers(0, 50, S), 0).astype(float)
    pool = PoolState(DAY, total)
    for n in (1, 17, 500, float(total.sum()), total.sum() + 5):
        cut, taken = take_top(total, n)
        res = simulate(pool, [rnd("general", max(int(n), 1))], thresholds=(0,))
        if int(n) == n and n >= 1:
            assert res.cutoff[0, 0] == cut
            assert res.pool[0, 0] == pytest.approx(total.sum() - taken.sum())


# --- a per-candidate oracle ------------------------------------------------------------------


def brute_force(total: np.ndarray, flags: dict, rounds: list[tuple[str, int]]) -> list[int]:
    """Individuals: sort eligible by score (desc) and profile time, invite the first n."""
    score = np.repeat(np.arange(S), total.astype(int))
    born = np.arange(score.size)
    cut = []
    for cat, n in rounds:
        pick = np.arange(score.size) if cat == "general" else np.flatnonzero(flags[cat][score])
        order = pick[np.lexsort((born[pick], -score[pick]))][:n]
        cut.append(int(score[order].min()) if order.size else S)
        keep = np.ones(score.size, bool)
        keep[order] = False
        score, born = score[keep], born[keep]
    return cut


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.integers(0, 30), min_size=12, max_size=12),
    plan=st.lists(
        st.tuples(st.sampled_from(["general", "cec", "french"]), st.integers(1, 120)),
        min_size=1,
        max_size=6,
    ),
    engine=st.sampled_from(ENGINES),
)
def test_engine_equals_per_candidate_oracle(counts, plan, engine):
    # eligibility is 0 or 1 at each score, so the count model is exact
    scores = np.arange(440, 560, 10)
    total = np.zeros(S)
    total[scores] = counts
    flags = {"cec": np.arange(S) % 20 == 0, "french": np.arange(S) % 30 == 0}
    pool = PoolState(DAY, total, {c: np.where(f, total, 0.0) for c, f in flags.items()})
    res = simulate(pool, [rnd(c, n) for c, n in plan], engine=engine)
    assert res.cutoff[0].tolist() == brute_force(total, flags, plan)


# --- invariants ------------------------------------------------------------------------------


def random_state(seed: int, sd: float = 0.0) -> PoolState:
    rng = np.random.default_rng(seed)
    total = np.zeros(S)
    total[300:800] = rng.gamma(2.0, 20.0, 500)
    cec = total * rng.uniform(0.1, 0.9, S)
    french = total * rng.uniform(0.0, 0.3, S)
    inflow = rng.normal(0.5, 2.0, S) * (total > 0)
    return PoolState(
        DAY,
        total,
        {"cec": cec, "french": french},
        inflow,
        np.full(S, sd) * (total > 0),
        {"cec": np.full(S, 0.4)},
    )


schedules = st.lists(
    st.tuples(
        st.sampled_from(["general", "cec", "french"]), st.integers(1, 4000), st.integers(0, 20)
    ),
    min_size=1,
    max_size=8,
)


def to_rounds(plan):
    day, out = 0, []
    for cat, n, gap in plan:
        day += gap
        out.append(rnd(cat, n, days=day))
    return out


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 1000),
    plan=schedules,
    engine=st.sampled_from(ENGINES),
    paths=st.sampled_from([None, 3]),
)
def test_conservation(seed, plan, engine, paths):
    res = simulate(
        random_state(seed, sd=3.0), to_rounds(plan), n_paths=paths, rng=seed, engine=engine
    )
    start = res.start_pool
    ledger = start + res.inflow.sum(1) - res.outflow.sum(1) - res.invited.sum(1)
    np.testing.assert_allclose(ledger, res.pool[:, -1], rtol=1e-9, atol=1e-6)
    assert (res.inflow >= 0).all() and (res.outflow >= -1e-9).all()
    assert (res.invited <= res.requested + 1e-9).all()
    # numpy re-sums its arrays; numba carries the ledger: they agree
    other = simulate(
        random_state(seed, sd=3.0),
        to_rounds(plan),
        n_paths=paths,
        rng=seed,
        engine="numpy" if engine == "numba" else "numba",
    )
    np.testing.assert_array_equal(res.cutoff, other.cutoff)
    np.testing.assert_allclose(res.pool, other.pool, rtol=1e-9, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 1000),
    plan=schedules,
    cat=st.sampled_from(["general", "cec"]),
    n1=st.integers(1, 5000),
    extra=st.integers(0, 5000),
    engine=st.sampled_from(ENGINES),
)
def test_more_invitations_never_raise_the_cutoff(seed, plan, cat, n1, extra, engine):
    pool = random_state(seed)
    before = to_rounds(plan)
    last = before[-1].date
    a = simulate(pool, [*before, Round.make(last, cat, n1)], engine=engine)
    b = simulate(pool, [*before, Round.make(last, cat, n1 + extra)], engine=engine)
    assert b.cutoff[0, -1] <= a.cutoff[0, -1]


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 1000),
    plan=schedules,
    cat=st.sampled_from(["general", "cec"]),
    n=st.integers(1, 5000),
    engine=st.sampled_from(ENGINES),
)
def test_nobody_eligible_left_above_the_cutoff(seed, plan, cat, n, engine):
    pool = random_state(seed)
    rounds = to_rounds(plan)
    last = rounds[-1].date
    res = simulate(
        pool,
        [*rounds, Round.make(last, cat, n), Round.make(last, cat, 1)],
        thresholds=(300,),
        engine=engine,
    )
    first, second = res.cutoff[0, -2], res.cutoff[0, -1]
    # a second round the same day can only reach the first one's cutoff score or below
    assert second <= first or (second == S and res.invited[0, -1] == 0)
    if cat == "general" and first <= 1200:
        check = simulate(
            pool,
            [*rounds, Round.make(last, cat, n)],
            thresholds=(min(int(first) + 1, 1200),),
            engine=engine,
        )
        above = next(iter(check.above.values()))[0, -1]
        assert above == pytest.approx(0, abs=1e-6) or first == 1200


def test_same_seed_same_result_and_seeds_differ():
    pool = random_state(1, sd=5.0)
    rounds = to_rounds([("cec", 2000, 7), ("general", 3000, 7), ("french", 500, 14)])
    a = simulate(pool, rounds, n_paths=50, rng=42)
    b = simulate(pool, rounds, n_paths=50, rng=np.random.default_rng(42))
    c = simulate(pool, rounds, n_paths=50, rng=43)
    for name in ("cutoff", "pool", "inflow", "outflow", "invited"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    assert not np.array_equal(a.pool, c.pool)
    # the chunking is part of the seed's meaning, the engine is not
    d = simulate(pool, rounds, n_paths=50, rng=42, engine="numpy")
    np.testing.assert_array_equal(a.cutoff, d.cutoff)


def test_random_sizes_and_intervals():
    pool = random_state(2, sd=4.0)
    rounds = [
        Round.make(
            DAY + pd.Timedelta(days=7), "cec", {"dist": "uniform", "low": 1000, "high": 3000}
        )
    ]
    res = simulate(pool, rounds, n_paths=400, rng=5)
    assert res.requested.min() >= 1000 and res.requested.max() <= 3000
    assert len(np.unique(res.requested)) > 50
    frame = res.to_frame()
    row = frame.iloc[0]
    assert (
        row["cutoff_lo_95"]
        <= row["cutoff_lo_80"]
        <= row["cutoff"]
        <= row["cutoff_hi_80"]
        <= row["cutoff_hi_95"]
    )
    assert row["cutoff_lo_95"] < row["cutoff_hi_95"]
    fixed = simulate(pool, rounds, n_paths=400, rng=5, random_sizes=False)
    assert (fixed.requested == 2000).all()
    wide = Invitations.parse({"dist": "normal", "mean": 5, "sd": 50})
    draws = wide.draw(np.random.default_rng(0), 1000)
    assert draws.min() == 1 and (draws == np.rint(draws)).all() and wide.expected() == 5


# --- results ---------------------------------------------------------------------------------


def test_frame_summary_and_plot():
    pool = random_state(4, sd=2.0)
    rounds = to_rounds([("cec", 1500, 3), ("general", 2500, 7)])
    det = simulate(pool, rounds, thresholds=(500, 450))
    frame = det.to_frame()
    assert list(frame.columns) == [
        "date",
        "category",
        "invitations",
        "cutoff",
        "pool",
        "above_500",
        "above_450",
        "invited",
        "invites_all",
        "exhausted_share",
        "dry_share",
    ]
    assert frame["cutoff"].dtype == "int64" and frame["invitations"].tolist() == [1500, 2500]
    mc = simulate(pool, rounds, n_paths=20, rng=1)
    assert list(mc.to_frame().columns) == [
        "date",
        "category",
        "invitations",
        "cutoff",
        "cutoff_lo_80",
        "cutoff_hi_80",
        "cutoff_lo_95",
        "cutoff_hi_95",
        "pool",
        "pool_lo_80",
        "pool_hi_80",
        "pool_lo_95",
        "pool_hi_95",
        "invited",
        "invited_lo_80",
        "invited_hi_80",
        "invited_lo_95",
        "invited_hi_95",
        "invites_all",
        "exhausted_share",
        "dry_share",
    ]
    mf = mc.to_frame()
    for name in ("cutoff", "pool"):  # every quantity's interval holds its median
        assert (mf[f"{name}_lo_95"] <= mf[f"{name}_lo_80"]).all()
        assert (mf[f"{name}_lo_80"] <= mf[name]).all() and (mf[name] <= mf[f"{name}_hi_80"]).all()
    assert mc.cutoff.shape == (20, 2) and mc.n_paths == 20 and mc.n_rounds == 2
    text = str(mc)
    assert "Monte Carlo, 20 paths" in text and "cec" in text
    ax = mc.plot()
    assert ax.get_ylabel() == "cutoff [CRS points]"


# --- schedules -------------------------------------------------------------------------------


def test_schedule_from_toml(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("""
[[round]]
date = "2026-01-07"
category = "cec"
invitations = 3000

[[rule]]
category = "general"
invitations = {dist = "normal", mean = 2500, sd = 400}
every = 14
from = "2026-01-07"
to = "2026-02-05"

[[rule]]
category = "pnp"
invitations = {dist = "choice", values = [500, 800], p = [0.5, 0.5]}
every = 7
to = "2026-01-20"
""")
    sched = Schedule.from_toml(path)
    rounds = sched.expand(start="2026-01-06")
    got = [(f"{r.date:%m-%d}", r.category, r.invitations.expected()) for r in rounds]
    assert got == [
        ("01-06", "pnp", 650.0),
        ("01-07", "cec", 3000.0),
        ("01-07", "general", 2500.0),
        ("01-13", "pnp", 650.0),
        ("01-20", "pnp", 650.0),
        ("01-21", "general", 2500.0),
        ("02-04", "general", 2500.0),
    ]
    draws = rounds[0].invitations.draw(np.random.default_rng(0), 200)
    assert set(draws) == {500.0, 800.0}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"round": [{"date": "2026-01-07", "category": "x y", "invitations": 1}]},
            "round[0].category: 'x y' is not a category slug",
        ),
        (
            {"round": [{"date": "2026-01-07", "category": "cec", "invitations": 0}]},
            "round[0].invitations: must be > 0",
        ),
        (
            {"round": [{"date": "2026-01-07", "category": "cec", "invitations": 1.5}]},
            "round[0].invitations: must be a whole number",
        ),
        (
            {"round": [{"date": "nope", "category": "cec", "invitations": 5}]},
            "round[0].date: expected a date YYYY-MM-DD",
        ),
        ({"round": [{"category": "cec", "invitations": 5}]}, "round[0]: missing field(s) ['date']"),
        (
            {"round": [{"date": "2026-01-07", "category": "cec", "invitations": 5, "x": 1}]},
            "round[0]: unknown field(s) ['x']",
        ),
        (
            {"rule": [{"category": "cec", "invitations": 5, "every": 0, "to": "2026-02-01"}]},
            "rule[0].every: must be a whole number of days >= 1",
        ),
        (
            {
                "rule": [
                    {
                        "category": "cec",
                        "invitations": 5,
                        "every": 7,
                        "from": "2026-03-01",
                        "to": "2026-02-01",
                    }
                ]
            },
            "rule[0].to: 2026-02-01 is before from 2026-03-01",
        ),
        (
            {
                "rule": [
                    {
                        "category": "cec",
                        "invitations": {"dist": "poisson", "mean": 3},
                        "every": 7,
                        "to": "2026-02-01",
                    }
                ]
            },
            "rule[0].invitations.dist: expected one of",
        ),
        (
            {
                "rule": [
                    {
                        "category": "cec",
                        "invitations": {"dist": "normal", "mean": 3},
                        "every": 7,
                        "to": "2026-02-01",
                    }
                ]
            },
            "rule[0].invitations.sd: missing",
        ),
        (
            {
                "rule": [
                    {
                        "category": "cec",
                        "invitations": {"dist": "uniform", "low": 9, "high": 3},
                        "every": 7,
                        "to": "2026-02-01",
                    }
                ]
            },
            "rule[0].invitations.high: must be >= low",
        ),
        (
            {
                "rule": [
                    {
                        "category": "cec",
                        "invitations": {"dist": "choice", "values": [1, 2], "p": [0.5, 0.6]},
                        "every": 7,
                        "to": "2026-02-01",
                    }
                ]
            },
            "rule[0].invitations.p: probabilities",
        ),
        ({"rounds": []}, "schedule: unknown key(s) ['rounds']"),
        ({"round": "cec"}, "'round' must be a list of tables"),
    ],
)
def test_schedule_errors_name_the_field(data, message):
    with pytest.raises(ParameterError) as err:
        Schedule.from_dict(data)
    assert message in str(err.value)


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[[round]\ndate = ")
    with pytest.raises(ParameterError, match="bad.toml: malformed TOML"):
        Schedule.from_toml(path)
    with pytest.raises(ParameterError, match="no such schedule file"):
        Schedule.from_toml(tmp_path / "missing.toml")


def test_parse_draw_and_engine_input_errors():
    r = parse_draw("french:6,000@2026-02-01")
    assert (r.category, r.invitations.expected(), r.date) == (
        "french",
        6000.0,
        pd.Timestamp("2026-02-01"),
    )
    assert parse_draw("pnp:500", default_date="2026-01-02").date == pd.Timestamp("2026-01-02")
    for bad, msg in [
        ("cec", "expected CATEGORY:N"),
        ("cec:x", "whole number"),
        ("cec:-5", "must be > 0"),
        ("zz z:5@2026-01-01", "not a category slug"),
        ("zz_z:5@2026-01-01", "not a category slug"),
    ]:
        with pytest.raises(ParameterError, match=msg):
            parse_draw(bad, default_date="2026-01-01")
    pool = state({500: 10})
    with pytest.raises(ParameterError, match="before the pool state's day"):
        simulate(pool, [Round.make("2025-01-01", "general", 5)])
    with pytest.raises(
        ParameterError, match="no eligible estimate for category 'cec': it has no past rounds"
    ):
        simulate(pool, [rnd("cec", 5)])
    with pytest.raises(ParameterError, match="n_paths"):
        simulate(pool, [rnd("general", 5)], n_paths=0)
    with pytest.raises(ParameterError, match="thresholds"):
        simulate(pool, [rnd("general", 5)], thresholds=(2000,))
    with pytest.raises(ParameterError, match="no rounds"):
        simulate(pool, [])
    assert Invitations.parse(7).random is False
    assert Invitations.parse({"dist": "normal", "mean": 5, "sd": 1}).random is True


# --- scale-out -------------------------------------------------------------------------------


def test_run_scenarios_serial():
    pool = random_state(3, sd=2.0)
    scen = {"small": to_rounds([("cec", 500, 7)]), "large": to_rounds([("cec", 5000, 7)])}
    out = run_scenarios(scen, state=pool, n_paths=30, rng=9)
    assert set(out) == {"small", "large"}
    assert np.median(out["large"].cutoff) <= np.median(out["small"].cutoff)
    again = run_scenarios(scen, state=pool, n_paths=30, rng=9)
    np.testing.assert_array_equal(out["small"].pool, again["small"].pool)


@pytest.mark.slow
def test_executor_does_not_change_results():
    pool = random_state(3, sd=2.0)
    rounds = to_rounds([("cec", 2000, 7), ("general", 3000, 7)])
    scen = [rounds, rounds[:1]]
    serial = run_scenarios(scen, state=pool, n_paths=40, rng=11)
    one = simulate(pool, rounds, n_paths=60, rng=12, chunk_paths=16)
    with ProcessPoolExecutor(2) as ex:
        spread = run_scenarios(scen, state=pool, n_paths=40, rng=11, executor=ex)
        two = simulate(pool, rounds, n_paths=60, rng=12, chunk_paths=16, executor=ex)
    for a, b in zip(serial, spread, strict=True):
        assert a.cutoff.tobytes() == b.cutoff.tobytes() and a.pool.tobytes() == b.pool.tobytes()
    assert one.cutoff.tobytes() == two.cutoff.tobytes()


# --- from the feed ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quiet_feed(feed):
    return feed


def test_conditional_cutoff_replays_the_week(quiet_feed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = conditional_cutoff(quiet_feed, "cec", 1000, as_of="2025-12-15", date="2025-12-16")
        large = conditional_cutoff(quiet_feed, "cec", 8000, as_of="2025-12-15", date="2025-12-16")
    full = small.to_frame(replayed=True)
    # the snapshot of 2025-12-15 precedes that day's PNP round, which is replayed first
    assert full["replayed"].tolist() == [True, False]
    assert full.loc[0, "category"] == "pnp" and full.loc[0, "invitations"] == 399
    assert len(small.to_frame()) == 1
    assert small.final()["category"] == "cec"
    assert large.final()["cutoff"] <= small.final()["cutoff"]
    assert 300 < small.final()["cutoff"] < 700


def test_conditional_cutoff_from_a_fitted_model(quiet_feed):
    from eeforecast.pool import fit_pool

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_pool(quiet_feed.truncate(as_of="2025-12-15"))
        a = conditional_cutoff(None, "cec", 3000, as_of="2025-12-15", date="2025-12-16", pool=model)
        b = conditional_cutoff(quiet_feed, "cec", 3000, as_of="2025-12-15", date="2025-12-16")
        # a pool fitted on another day would miss rounds or see the future
        with pytest.raises(ParameterError, match="fitted as of 2025-12-15, not as of 2025-12-20"):
            conditional_cutoff(None, "cec", 3000, as_of="2025-12-20", pool=model)
        with pytest.raises(ParameterError, match="not as of 2025-12-01"):
            conditional_cutoff(None, "cec", 3000, as_of="2025-12-01", pool=model)
    assert a.to_frame(replayed=True).equals(b.to_frame(replayed=True))


def test_simulating_a_thin_category_warns(quiet_feed):
    from eeforecast.pool import ThinPoolWarning

    with pytest.warns(ThinPoolWarning, match="education sub-pool is estimated from 2"):
        simulate_feed(quiet_feed, [Round.make("2025-12-20", "education", 500)])
    with pytest.warns(ThinPoolWarning, match="education"):
        conditional_cutoff(quiet_feed, "education", 500)


# --- CLI -------------------------------------------------------------------------------------


def run_cli(capsys, *args):
    code = main(["simulate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_simulate_table_and_json(capsys):
    code, out, err = run_cli(
        capsys,
        "--as-of",
        "2025-12-15",
        "--draw",
        "cec:5000@2025-12-16",
        "--draw",
        "french:6000@2025-12-17",
        "--format",
        "json",
    )
    assert code == 0, err
    rows = json.loads(out)
    assert [r["category"] for r in rows] == ["cec", "french"]
    assert set(rows[0]) == {
        *("date", "category", "invitations", "cutoff", "pool"),
        *("invited", "invites_all", "dry_share"),
    }
    assert rows[0]["invited"] == 5000 and rows[0]["invites_all"] is False
    assert rows[0]["date"] == "2025-12-16" and rows[1]["invitations"] == 6000


def test_cli_simulate_paths_and_schedule(capsys, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[rule]]\ncategory = "pnp"\ninvitations = 400\nevery = 14\nto = "2026-01-31"\n'
    )
    code, out, err = run_cli(
        capsys,
        "--as-of",
        "2025-12-17",
        "--draw",
        "cec:3000",
        "--schedule",
        str(plan),
        "--paths",
        "30",
        "--seed",
        "1",
        "--format",
        "csv",
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == (
        "date,category,invitations,cutoff,cutoff_lo_80,cutoff_hi_80,cutoff_lo_95,cutoff_hi_95,pool,"
        "invited,invites_all,dry_share"
    )
    assert lines[1].startswith("2025-12-17,cec,3000,") or lines[1].startswith("2025-12-17,pnp")
    assert len(lines) == 1 + 1 + 4  # cec + pnp on 12-17, 12-31, 01-14, 01-28


def test_cli_simulate_without_parameter_uncertainty_is_narrower(capsys):
    widths = []
    for extra in ([], ["--no-parameter-uncertainty"]):
        code, out, err = run_cli(
            capsys,
            "--draw",
            "french:6000",
            "--paths",
            "200",
            "--seed",
            "3",
            "--format",
            "json",
            *extra,
        )
        assert code == 0, err
        row = json.loads(out)[0]
        widths.append(row["cutoff_hi_95"] - row["cutoff_lo_95"])
    assert widths[1] < widths[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draw", "nope:100"], "category 'nope': no past rounds up to 2025-12-17"),
        (["--draw", "Nope!:100"], "'nope!' is not a category slug"),
        (["--draw", "cec:0"], "N must be > 0"),
        (["--draw", "cec:100@2025-01-01"], "before the as-of day 2025-12-17"),
        ([], "give at least one --draw"),
    ],
)
def test_cli_simulate_errors(capsys, args, message):
    code, out, err = run_cli(capsys, "--as-of", "2025-12-17", *args)
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if "error" in ln]
    assert len(lines) == 1 and message in lines[0], err


@pytest.mark.parametrize(
    "argv",
    [
        ["simulate", "--draw", "cec:100"],
        ["odds", "--score", "500"],
        ["backlog"],
        ["by-size", "--category", "cec"],
    ],
)
def test_cli_paths_must_be_positive_and_are_named_as_typed(capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--paths", "0"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "argument --paths: expected a whole number >= 1, got '0'" in err


def test_cli_simulate_bad_schedule(capsys, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[[rule]]\ncategory = "cec"\ninvitations = 400\nevery = "weekly"\nto = "2026-01-31"\n'
    )
    code, out, err = run_cli(capsys, "--schedule", str(plan))
    assert code == 2 and "rule[0].every" in err


def test_replay_uses_only_the_origin_and_actual_rounds(quiet_feed):
    from eeforecast.evaluation import replay, replay_summary
    from eeforecast.pool import fit_pool

    origin = pd.Timestamp("2025-07-01")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = replay(quiet_feed, origin, 3)
        # the model fitted at the origin is the same with or without the later rounds
        model = fit_pool(quiet_feed.truncate(as_of=origin), as_of=origin)
        again = replay(quiet_feed, origin, 3, pool=model)
        mc = replay(quiet_feed, origin, 3, n_paths=30, rng=1)
    pd.testing.assert_frame_equal(frame, again)
    later = quiet_feed.rounds[
        (quiet_feed.rounds["date"] > origin)
        & (quiet_feed.rounds["date"] <= origin + pd.DateOffset(months=3))
    ]
    assert len(frame) == len(later)
    assert (frame["date"] > origin).all() and frame["months_ahead"].between(1, 3).all()
    assert frame["actual"].tolist() == later["cutoff"].tolist()
    assert frame["invitations"].tolist() == later["invitations"].tolist()
    naive = quiet_feed.rounds[quiet_feed.rounds["date"] <= origin].groupby("category")["cutoff"]
    assert frame["naive"].tolist() == frame["category"].map(naive.last()).tolist()
    assert ((mc["lo_80"] <= mc["simulated"]) & (mc["simulated"] <= mc["hi_80"])).all()
    # the french sub-pool keeps refilling: no french round of the quarter runs dry
    assert (frame.loc[frame["category"] == "french", "simulated"] > 300).all()
    table = replay_summary(mc)
    assert {"rounds", "mae", "naive_mae", "bias", "coverage_80"} <= set(table.columns)
    assert table["coverage_80"].between(0, 1).all()
    assert table["rounds"].sum() == mc["naive"].notna().sum()


# --- parameter uncertainty -------------------------------------------------------------------


def uncertain_state(seed: int = 1, level: float = 0.4, refill: float = 0.6, shift: float = 30.0):
    from dataclasses import replace

    pool = random_state(seed, sd=3.0)
    return replace(
        pool,
        level_sd={"cec": level, "french": level},
        refill_sd={"cec": refill, "french": refill, "pnp": refill},
        nominee_shift_sd=shift,
    )


PU_ROUNDS = [("cec", 2000, 7), ("general", 3000, 7), ("french", 500, 14), ("cec", 900, 3)]


def test_parameter_uncertainty_same_seed_same_bytes_and_engines_agree():
    pool = uncertain_state()
    rounds = to_rounds(PU_ROUNDS)
    a = simulate(pool, rounds, n_paths=40, rng=3, engine="numba")
    b = simulate(pool, rounds, n_paths=40, rng=np.random.default_rng(3), engine="numba")
    for name in ("cutoff", "pool", "inflow", "outflow", "invited", "start_pool"):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes()
    c = simulate(pool, rounds, n_paths=40, rng=3, engine="numpy")
    np.testing.assert_array_equal(a.cutoff, c.cutoff)
    np.testing.assert_allclose(a.pool, c.pool, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(a.start_pool, c.start_pool, rtol=1e-12)
    # the deterministic path ignores the sds
    det = simulate(pool, rounds)
    plain = simulate(random_state(1, sd=3.0), rounds)
    assert det.cutoff.tobytes() == plain.cutoff.tobytes()
    assert det.pool.tobytes() == plain.pool.tobytes()


def test_parameter_uncertainty_off_reproduces_inflow_noise_only():
    rounds = to_rounds(PU_ROUNDS)
    plain = random_state(1, sd=3.0)  # sds all 0: the Monte Carlo of earlier versions
    for engine in ENGINES:
        off = simulate(
            uncertain_state(), rounds, n_paths=30, rng=4, engine=engine, parameter_uncertainty=False
        )
        zero = simulate(plain, rounds, n_paths=30, rng=4, engine=engine)
        on = simulate(uncertain_state(), rounds, n_paths=30, rng=4, engine=engine)
        for name in ("cutoff", "pool", "invited", "inflow", "outflow"):
            assert getattr(off, name).tobytes() == getattr(zero, name).tobytes()
        assert not np.array_equal(on.pool, off.pool)
    # known bytes of the inflow-noise-only Monte Carlo before parameter uncertainty existed
    import hashlib

    res = simulate(plain, rounds, n_paths=40, rng=1, engine="numpy")
    digest = hashlib.sha1(res.cutoff.tobytes() + res.pool.tobytes() + res.invited.tobytes())
    assert digest.hexdigest()[:12] == "adce46d47dd7"


@pytest.mark.parametrize("engine", ENGINES)
def test_level_draw_acts_after_the_replayed_rounds(engine):
    # 100 candidates at each score 400..599, half eligible for cec, no inflow: a replayed cec
    # round of 2,000 takes scores 560..599 on every path whatever the path's level; the level
    # drawn for the sub-pool acts on the stock left for the next (simulated) round
    from dataclasses import replace

    total = np.zeros(S)
    total[400:600] = 100.0
    base = PoolState(DAY, total, {"cec": total * 0.5}, np.zeros(S), np.zeros(S), {})
    pool = replace(base, level_sd={"cec": 0.5})
    past = Round.make(DAY, "cec", 2000, replayed=True)
    rounds = [past, rnd("cec", 1000, days=1)]
    res = simulate(pool, rounds, n_paths=200, rng=2, engine=engine)
    assert (res.cutoff[:, 0] == 560).all()  # the replayed round: the model as fitted
    later = res.cutoff[:, 1]
    assert later.min() < 540 < later.max()  # 1,000 of 50 per score from 559: 540 when as fitted
    # a path's level multiplies the stock left after the replayed round, capped at everybody
    alone = simulate(replace(pool, level_sd={"cec": 0.5}), [rnd("cec", 1000, days=1)],
                     n_paths=200, rng=2, engine=engine)  # fmt: skip
    assert alone.cutoff[:, 0].min() < 580 < alone.cutoff[:, 0].max()


def test_level_draw_after_replayed_rounds_engines_agree():
    pool = uncertain_state()
    plan = [("cec", 2000, 0), ("french", 500, 2), ("cec", 900, 7), ("french", 400, 7)]
    rounds = to_rounds(plan)
    rounds[:2] = [replace_round(r, replayed=True) for r in rounds[:2]]
    a = simulate(pool, rounds, n_paths=40, rng=3, engine="numba")
    b = simulate(pool, rounds, n_paths=40, rng=3, engine="numpy")
    np.testing.assert_array_equal(a.cutoff, b.cutoff)
    np.testing.assert_allclose(a.pool, b.pool, rtol=1e-9, atol=1e-6)


def replace_round(r: Round, **kw) -> Round:
    from dataclasses import replace

    return replace(r, **kw)


def test_spread_grows_with_the_estimated_sd():
    # one category round on a hand-made pool: 100 candidates at each score 400..599, half of
    # them eligible; the round of 2,000 reaches score 560 when the sub-pool is as fitted
    total = np.zeros(S)
    total[400:600] = 100.0
    base = PoolState(DAY, total, {"cec": total * 0.5}, np.zeros(S), np.zeros(S), {})
    rounds = [rnd("cec", 2000, days=1)]
    widths = []
    for sd in (0.0, 0.1, 0.3, 0.6):
        pool = PoolState(**{**base.__dict__, "level_sd": {"cec": sd}})
        res = simulate(pool, rounds, n_paths=400, rng=8)
        cut = res.cutoff[:, 0].astype(float)
        widths.append(np.quantile(cut, 0.9) - np.quantile(cut, 0.1))
        assert np.median(cut) == pytest.approx(560, abs=2)
    assert widths[0] == 0
    assert widths[0] < widths[1] < widths[2] < widths[3]
    # the level multiplier L is lognormal and the round reaches c = 600 - 2000 / (50 L): the
    # 10% / 90% cutoffs are those of L = exp(-+1.2816 sd)
    sd = 0.3
    pool = PoolState(**{**base.__dict__, "level_sd": {"cec": sd}})
    cut = simulate(pool, rounds, n_paths=2000, rng=9).cutoff[:, 0]
    for q, z in ((0.1, -1.2816), (0.9, 1.2816)):
        assert abs(np.quantile(cut, q) - (600 - 2000 / (50 * np.exp(z * sd)))) <= 3


def test_nominee_shift_and_rate_move_pnp_rounds():
    total = np.zeros(S)
    total[700:800] = 10.0
    total[450:500] = 100.0
    inflow = np.where(total > 0, 1.0, 0.0)
    base = PoolState(DAY, total, {"pnp": np.where(np.arange(S) >= 601, total, 0.0)}, inflow)
    rounds = [rnd("pnp", 500, days=14)]
    assert simulate(base, rounds, n_paths=50, rng=2).cutoff.std() == 0
    shifted = PoolState(**{**base.__dict__, "nominee_shift_sd": 40.0})
    for engine in ENGINES:
        res = simulate(shifted, rounds, n_paths=200, rng=2, engine=engine, thresholds=(601,))
        cut = res.cutoff[:, 0]
        assert cut.std() > 20 and cut.min() >= 601
        # a shift moves candidates, it does not create or lose them
        np.testing.assert_allclose(res.start_pool, total.sum())
        ledger = res.start_pool + res.inflow.sum(1) - res.outflow.sum(1) - res.invited.sum(1)
        np.testing.assert_allclose(ledger, res.pool[:, -1], rtol=1e-9)
    faster = PoolState(**{**base.__dict__, "refill_sd": {"pnp": 0.5}})
    res = simulate(faster, rounds, n_paths=200, rng=2, thresholds=(601,))
    assert res.inflow[:, 0].std() > 0 and res.above[601].std() > 0


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), plan=schedules, engine=st.sampled_from(ENGINES))
def test_conservation_with_parameter_uncertainty(seed, plan, engine):
    pool = uncertain_state(seed)
    res = simulate(pool, to_rounds(plan), n_paths=4, rng=seed, engine=engine)
    ledger = res.start_pool + res.inflow.sum(1) - res.outflow.sum(1) - res.invited.sum(1)
    np.testing.assert_allclose(ledger, res.pool[:, -1], rtol=1e-9, atol=1e-6)
    assert (res.invited <= res.requested + 1e-9).all()
    other = simulate(
        pool,
        to_rounds(plan),
        n_paths=4,
        rng=seed,
        engine="numpy" if engine == "numba" else "numba",
    )
    np.testing.assert_array_equal(res.cutoff, other.cutoff)


def test_bad_parameter_sd_is_named():
    pool = PoolState(**{**uncertain_state().__dict__, "level_sd": {"cec": -1.0}})
    with pytest.raises(ParameterError, match="level_sd"):
        simulate(pool, to_rounds(PU_ROUNDS), n_paths=2, rng=1)


def test_room_holds_on_every_monte_carlo_path(quiet_feed):
    # 2024-02-01, french 7,000: larger than the modelled sub-pool; with room the expected path
    # is scaled to leave room, and with parameter uncertainty every path must leave it too
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = conditional_cutoff(
            quiet_feed, "french", 7000, as_of="2024-01-31", date="2024-02-01", n_paths=200, rng=1
        )
        bare = conditional_cutoff(
            quiet_feed,
            "french",
            7000,
            as_of="2024-01-31",
            date="2024-02-01",
            n_paths=200,
            rng=1,
            room=False,
        )
    np.testing.assert_allclose(res.invited[:, -1], 7000)
    assert res.final()["cutoff_lo_95"] > 300
    assert (bare.invited[:, -1] < 7000).any()  # without room some paths run dry


# --- new round types and missing estimates ---------------------------------------------------

NEW = "senior-managers-with-canadian-work-experience"


@pytest.fixture(scope="module")
def new_type_feed(tmp_path_factory, raw_payload):
    """The bundled feed with the last two French rounds renamed to a never-seen round type."""
    import copy

    from eeforecast.data.categories import categorize

    data = copy.deepcopy(raw_payload)
    french = [r for r in data["rounds"] if categorize(r["drawName"]) == "french"]
    french.sort(key=lambda r: r["drawDate"])
    for r in french[-2:]:
        r["drawName"] = "Senior managers with Canadian work experience (Version 1)"
    path = tmp_path_factory.mktemp("feed") / "new_type.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_parse_draw_accepts_a_new_slug():
    r = parse_draw(f"{NEW}:500@2026-01-07")
    assert (r.category, r.invitations.expected()) == (NEW, 500.0)
    assert Round.make("2026-01-07", "stem-2", 5).category == "stem-2"


def test_cli_simulates_a_new_round_type(capsys, new_type_feed):
    code, out, err = run_cli(capsys, "--source", str(new_type_feed), "--draw", f"{NEW}:500")
    assert code == 0, err
    assert NEW in out and "unknown category" not in err
    code, out, err = run_cli(
        capsys, "--source", str(new_type_feed), "--format", "json", "--draw", f"{NEW}:500"
    )
    row = json.loads(out)[0]
    assert row["category"] == NEW and 0 < row["cutoff"] <= 1200


def test_cli_new_round_type_without_past_rounds_is_explained(capsys, new_type_feed):
    # before the renamed rounds (2025-11-28, 2025-12-17) there is nothing to estimate it from
    code, out, err = run_cli(
        capsys, "--source", str(new_type_feed), "--as-of", "2025-11-01", "--draw", f"{NEW}:500"
    )
    assert code == 2 and out == ""
    lines = [ln for ln in err.strip().splitlines() if "error" in ln]
    assert len(lines) == 1
    assert f"category {NEW!r}: no past rounds up to 2025-11-01" in lines[0]
    assert "published pool snapshot" in lines[0] and "unknown category" not in lines[0]


def test_cli_category_whose_rounds_predate_the_snapshots(capsys):
    # CEC ran until round #204 (2021-09-14), before IRCC published pool snapshots (2022-01-17),
    # so on 2024-03-25 it has past rounds but none with a snapshot: say that, not "no rounds"
    code, out, err = run_cli(capsys, "--as-of", "2024-03-25", "--draw", "cec:3000")
    assert code == 2
    lines = [ln for ln in err.strip().splitlines() if "error" in ln]
    assert len(lines) == 1, err
    assert "no cec round with a published pool snapshot up to 2024-03-25" in lines[0]
    assert "its last round: #204 on 2021-09-14, before snapshots were published" in lines[0]
    assert "no past rounds" not in lines[0]


def test_tilt_of_the_501_600_shape_keeps_the_band_and_spreads_general_cutoffs():
    # 100 candidates at each score 501..600, nobody above: a general round of 5,000 reaches 551
    total = np.zeros(S)
    total[501:601] = 100.0
    elig = np.where(np.arange(S) >= 501, total * 0.5, 0.0)
    base = PoolState(DAY, total, {"cec": elig}, np.zeros(S), np.zeros(S), {})
    rounds = [rnd("general", 5000, days=1), rnd("cec", 500, days=2)]
    flat = simulate(base, rounds, n_paths=100, rng=5, thresholds=(551,))
    assert np.all(flat.cutoff[:, 0] == 551)
    tilted = PoolState(**{**base.__dict__, "tilt_sd": 2.0})
    results = {}
    for engine in ENGINES:
        res = simulate(tilted, rounds, n_paths=300, rng=5, engine=engine, thresholds=(551,))
        results[engine] = res
        # the tilt reshapes the band, it does not create or lose candidates
        np.testing.assert_allclose(res.start_pool, total.sum(), rtol=1e-12)
        ledger = res.start_pool + res.inflow.sum(1) - res.outflow.sum(1) - res.invited.sum(1)
        np.testing.assert_allclose(ledger, res.pool[:, -1], rtol=1e-9)
        cut = res.cutoff[:, 0]
        assert cut.min() < 545 and cut.max() > 557 and abs(np.median(cut) - 551) <= 2
    np.testing.assert_array_equal(results["numpy"].cutoff, results["numba"].cutoff)
    np.testing.assert_allclose(results["numpy"].pool, results["numba"].pool, rtol=1e-9)
    # same seed, same bytes; the deterministic path ignores the tilt
    again = simulate(tilted, rounds, n_paths=300, rng=5, engine="numba", thresholds=(551,))
    assert again.cutoff.tobytes() == results["numba"].cutoff.tobytes()
    assert simulate(tilted, rounds).cutoff.tobytes() == simulate(base, rounds).cutoff.tobytes()
    # no tilt drawn without parameter uncertainty
    off = simulate(tilted, rounds, n_paths=50, rng=5, parameter_uncertainty=False)
    assert np.all(off.cutoff == flat.cutoff[:50])


@pytest.mark.parametrize("bad", ["abc", -1, 1.5, True])
def test_a_bad_rng_is_named(bad):
    import random

    from eeforecast.checks import as_generator

    with pytest.raises(ParameterError, match="rng: expected a seed"):
        as_generator(bad)
    with pytest.raises(ParameterError, match="rng: expected a seed"):
        as_generator(random.Random(1))
    state_ = state({500: 1000})
    with pytest.raises(ParameterError, match="rng"):
        simulate(state_, [Round.make(DAY, "general", 10)], n_paths=3, rng=bad)


def test_run_scenarios_from_a_feed_replays_the_rounds_since_the_snapshot(feed):
    from eeforecast.pool import fit_pool

    plan = [Round.make("2026-01-05", "cec", 3000), Round.make("2026-01-07", "french", 4000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alone = simulate_feed(feed, plan).to_frame()
        from_feed = run_scenarios({"x": plan}, feed)["x"].to_frame()
        from_model = run_scenarios([plan], pool=fit_pool(feed))[0].to_frame()
        # a bare state is taken as it is: the rounds of 2025-12-15..17 are not taken out of it
        stale = run_scenarios([plan], state=fit_pool(feed).state())[0].to_frame()
    pd.testing.assert_frame_equal(from_feed, alone)
    pd.testing.assert_frame_equal(from_model, alone)
    # the French round of 2025-12-17 (6,000) took the top the stale state still holds
    assert stale["cutoff"].iloc[1] > alone["cutoff"].iloc[1]


def test_one_threshold_may_be_given_alone():
    pool = state({510: 1000, 490: 1000})
    one = simulate(pool, [Round.make(DAY, "general", 10)], thresholds=500)
    many = simulate(pool, [Round.make(DAY, "general", 10)], thresholds=(500,))
    np.testing.assert_array_equal(one.above[500], many.above[500])


# --- the next cutoff by size ---------------------------------------------------------------


def test_cutoff_by_size_is_conditional_cutoff_per_size(feed):
    from eeforecast.forecast import next_round_day
    from eeforecast.pool import fit_pool

    feed = feed.truncate(as_of="2025-12-15")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = fit_pool(feed)
        day = next_round_day(feed, "cec")
        table = cutoff_by_size(feed, "cec", date=day, pool=model, n_paths=200, rng=5)
        again = cutoff_by_size(feed, "cec", date=day, pool=model, n_paths=200, rng=5)
        one = conditional_cutoff(None, "cec", 3000, as_of="2025-12-15", date=day, pool=model,
                                 n_paths=200, rng=5)  # fmt: skip
        today = cutoff_by_size(feed, "cec", [3000], pool=model)
    pd.testing.assert_frame_equal(table, again)  # same seed, same table
    # default sizes: min, quartiles and max of CEC's sizes of the past year (1350, 4000 x 2,
    # 500, 3000 x 3, 1000 x 6, 6000 on 2025-12-10), rounded to 50: the median 1175 -> 1200
    assert table["invitations"].tolist() == [500, 1000, 1200, 3000, 6000]
    assert list(table.columns[:4]) == ["category", "date", "invitations", "cutoff"]
    assert (table["invited"] == table["invitations"]).all()  # CEC never runs out here
    assert {"cutoff_lo_80", "cutoff_hi_95"} <= set(table.columns)
    # common random numbers: a larger round never has a higher cutoff
    assert table["cutoff"].is_monotonic_decreasing
    assert (table["cutoff_lo_95"] <= table["cutoff"]).all()
    assert (table["cutoff"] <= table["cutoff_hi_95"]).all()
    # each row is the conditional cutoff of that size on the expected day (CEC: after 2025-12-10)
    row = table[table["invitations"] == 3000].iloc[0]
    assert row["cutoff"] == one.final()["cutoff"]
    assert row["date"] > pd.Timestamp("2025-12-15")
    # without a date the round is held on the as-of day, as conditional_cutoff's is
    assert today["date"].item() == pd.Timestamp("2025-12-15")


def test_cutoff_by_size_errors(feed):
    with pytest.raises(ParameterError, match="category 'fst': no round of it"):
        cutoff_by_size(feed, "fst", [1000])
    with pytest.raises(ParameterError, match="sizes"):
        cutoff_by_size(feed, "cec", [0])
    with pytest.raises(ParameterError, match="n_paths"):
        cutoff_by_size(feed, "cec", [1000], n_paths=0)
    with pytest.raises(ParameterError, match="sizes: expected whole numbers"):
        cutoff_by_size(feed, "cec", [1000.7])
    with pytest.raises(ParameterError, match="sizes"):
        cutoff_by_size(feed, "cec", ["a"])
    with pytest.raises(ParameterError, match="rng: expected a seed"):
        cutoff_by_size(feed, "cec", [1000], n_paths=5, rng="x")
    from eeforecast.pool import fit_pool

    later = fit_pool(feed)  # fitted on 2025-12-17: it would leak into a 2025-06-30 question
    with pytest.raises(ParameterError, match="pool: fitted as of 2025-12-17, not as of 2025-06"):
        cutoff_by_size(feed, "cec", [1000], as_of="2025-06-30", pool=later)


def test_cutoff_by_size_levels_and_the_deterministic_path(feed):
    wide = cutoff_by_size(feed, "cec", [1000, 3000], n_paths=100, rng=2, levels=(90,))
    assert [c for c in wide.columns if "_lo_" in c or "_hi_" in c] == [
        "cutoff_lo_90",
        "cutoff_hi_90",
    ]
    det = cutoff_by_size(feed, "cec", [1000, 3000])  # n_paths=None: the expected path
    assert list(det.columns) == [
        "category",
        "date",
        "invitations",
        "cutoff",
        "invited",
        "exhausted_share",
        "dry_share",
    ]
    again = cutoff_by_size(feed, "cec", [1000, 3000], rng=99)  # no draws: no seed
    pd.testing.assert_frame_equal(det, again)


def test_by_size_warns_on_thin_pools_extrapolation_and_shortfalls(feed):
    from eeforecast.pool import ThinPoolWarning

    with pytest.warns(ThinPoolWarning, match="education sub-pool is estimated from 2 past round"):
        cutoff_by_size(feed, "education", [500])
    with pytest.warns(UserWarning, match="pnp size 10,000 is above the category's largest round"):
        everybody = cutoff_by_size(feed, "pnp", [10_000])
    # invite-all regime: the size is the stock, every nominee is invited, nothing ran dry
    assert everybody["invited"].item() == pytest.approx(10_000)
    assert everybody["exhausted_share"].item() == 1 and everybody["dry_share"].item() == 0
    top_n = fit_pool(feed, config=PoolConfig(nominee_regime="top_n"))
    with (
        pytest.warns(UserWarning, match="pnp size 10,000 is above the category's largest round"),
        pytest.warns(UserWarning, match=r"round pnp:10000@.*only [\d,]+ eligible candidates"),
    ):
        short = cutoff_by_size(None, "pnp", [10_000], pool=top_n)
    assert short["invited"].item() < 10_000  # the row says the round ran out
    assert short["dry_share"].item() == 1
    assert short["exhausted_share"].item() == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a size seen before, a well-estimated category: silent
        cutoff_by_size(feed, "cec", [3000])


def test_cli_by_size(capsys):
    code = main(["by-size", "--category", "cec", "--category", "pnp", "--size", "500",
                     "--size", "2000", "--paths", "50", "--format", "csv"])  # fmt: skip
    out, _ = capsys.readouterr()
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert table["category"].tolist() == ["cec", "cec", "pnp", "pnp"]
    assert table["invitations"].tolist() == [500, 2000, 500, 2000]
    for _, part in table.groupby("category"):
        assert part["cutoff"].iloc[0] >= part["cutoff"].iloc[1]


def test_running_dry_is_counted_per_round_and_warned_above_five_percent():
    # 100 eligible at 520; a round of 90 runs dry on the paths where the level draw is low
    pool = state({520: 100, 480: 1000}, eligible={"cec": {520: 100}})
    pool = PoolState(**{**pool.__dict__, "level_sd": {"cec": 0.5}})
    res = simulate(pool, [Round.make(DAY, "cec", 90)], n_paths=400, rng=3)
    frame = res.to_frame()
    share = float(frame["dry_share"].iloc[0])
    assert share == pytest.approx(res.dry[:, 0].mean()) and 0.05 < share < 1
    dry = res.dry[:, 0]
    assert (res.invited[dry, 0] < 90).all()
    assert (res.invited[~dry, 0] > 89.5).all()  # half a candidate short is rounding, not dry
    with pytest.warns(UserWarning, match=r"ran dry \(invited everybody eligible\) on \d+% of"):
        res.warn_shortfalls()
    assert res.shortfalls(share=0.99).empty  # below the bar: nothing to say


# --- invite-all rounds, extreme-value cutoffs, revealed floors (sub-pools) ------------------


def nominee_state(**extra) -> PoolState:
    """100 nominees (50 at 700, 50 at 650), 1000 candidates at 500, 50 CEC-eligible at 510-520."""
    pool = state({700: 50, 650: 50, 520: 30, 510: 20, 500: 1000})
    elig = {"pnp": pool.total * (SCORES >= 601), "cec": np.where(SCORES >= 510, pool.total, 0)}
    elig["cec"][601:] = 0.0
    return PoolState(**{**pool.__dict__, "eligible": elig, **extra})


SCORES = np.arange(S)
TAIL = {"pnp": (900.0, 30.0, 601)}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("n", "cutoff", "invited", "inflow", "outflow"),
    [
        # 900 - 30 ln 100 + 30 ln ln 2 = 750.85: the median lowest score of 100 nominees
        (100, 751, 100, 0, 0),
        # a given size of an invite-all round is the stock: 40 (60 modelled ones leave) ...
        (40, 778, 40, 0, 60),  # 900 - 30 ln 40 - 11.00 = 778.34
        # ... or 300 (200 more arrived than modelled)
        (300, 718, 300, 200, 0),  # 900 - 30 ln 300 - 11.00 = 717.89
    ],
)
def test_invite_all_round_cuts_at_the_lowest_of_n_by_hand(
    engine, n, cutoff, invited, inflow, outflow
):
    pool = nominee_state(tails=TAIL)
    res = simulate(pool, [rnd("pnp", n)], engine=engine)
    assert res.cutoff[0, 0] == cutoff and res.tie[0, 0] == 1.0
    assert res.invited[0, 0] == pytest.approx(invited)
    assert res.inflow[0, 0] == pytest.approx(inflow) and res.outflow[0, 0] == pytest.approx(outflow)
    # the ledger holds: start + inflow - outflow - invited = pool
    assert 1150 + inflow - outflow - invited == pytest.approx(res.pool[0, 0])
    assert bool(res.invites_all[0]) and not res.dry.any() and res.exhausted.all()


@pytest.mark.parametrize("engine", ENGINES)
def test_all_rounds_invite_the_stock_and_tails_clip_at_the_lowest_score(engine):
    pool = nominee_state(tails={"pnp": (650.0, 30.0, 601)})
    every = Invitations.parse("all")
    assert str(every) == "all" and not every.random
    res = simulate(pool, [Round(DAY, "cec", every), Round(DAY, "pnp", every)], engine=engine)
    # CEC (no tail): everybody eligible, the cutoff is the lowest eligible score, not a shortfall
    assert res.cutoff[0, 0] == 510 and res.invited[0, 0] == res.requested[0, 0] == 50
    # PNP: its stock of 100; 650 - 30 ln 100 - 11 = 501 is below any nominee: clipped at 601
    assert res.requested[0, 1] == 100 and res.cutoff[0, 1] == 601
    assert res.invites_all.tolist() == [True, True] and not res.dry.any()
    frame = res.to_frame()
    assert frame["invites_all"].tolist() == [True, True]
    assert frame["invitations"].tolist() == [50, 100] and frame["dry_share"].tolist() == [0, 0]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_round_taking_the_whole_stock_cuts_at_its_lowest_whole_candidate(engine):
    # 40 CEC-eligible at 510 and a thin expected tail below (0.3 at 200, 0.1 at 0): a round
    # that takes everybody cuts at 510, not at 0; less than half a candidate stays below
    pool = state({510: 40, 200: 30, 0: 10})
    elig = {"cec": pool.total * np.where(SCORES == 510, 1.0, 0.01)}
    pool = PoolState(**{**pool.__dict__, "eligible": elig})
    every = Round(DAY, "cec", Invitations.parse("all"))
    res = simulate(pool, [rnd("cec", 100), every], engine=engine)
    assert res.cutoff[0].tolist() == [510, S]  # nothing whole is left for the second round
    assert res.invited[0, 0] == pytest.approx(40.0) and bool(res.dry[0, 0])
    assert res.invited[0, 1] == 0 and not res.dry[0, 1]
    # with less than half a candidate eligible, nobody is invited: the cutoff is missing
    thin = PoolState(**{**pool.__dict__, "eligible": {"cec": pool.total * 0.01 * (SCORES < 300)}})
    res = simulate(thin, [rnd("cec", 10)], engine=engine)
    assert res.cutoff[0, 0] == S and res.invited[0, 0] == 0
    assert pd.isna(res.to_frame()["cutoff"].iloc[0])


def test_invite_all_cutoffs_follow_the_gumbel_law_on_paths():
    # no parameter uncertainty: the cutoffs of rounds of 100 are 900 - 30 ln 100 + 30 ln E
    pool = nominee_state(tails=TAIL)
    res = simulate(pool, [rnd("pnp", 100)], n_paths=4000, rng=1, parameter_uncertainty=False)
    q = np.quantile(res.cutoff[:, 0], [0.1, 0.5, 0.9])
    expected = 900 - 30 * np.log(100) + 30 * np.log(-np.log1p(-np.array([0.1, 0.5, 0.9])))
    np.testing.assert_allclose(q, expected, atol=2.5)  # 651.6, 750.8, 784.9


def test_engines_agree_with_tails_floors_and_caps():
    rng = np.random.default_rng(5)
    total = np.zeros(S)
    total[300:700] = rng.uniform(0, 50, 400)
    total[601:] *= 0.1
    elig = {"french": total * 0.1, "pnp": total * (SCORES >= 601)}
    elig["french"][601:] = 0
    inflow = np.where(total > 0, rng.normal(0.2, 0.5, S), 0.0)
    cap = np.full(S, np.nan)
    cap[:450] = 0.2
    cap[601:] = 0.0
    pool = PoolState(
        DAY,
        total,
        elig,
        inflow,
        np.abs(inflow),
        {"french": np.where(SCORES < 601, 0.05, 0.0)},
        {"french": 0.002},
        365.0,
        level_sd={"french": 0.3},
        refill_sd={"french": 0.4, "pnp": 0.3},
        eligible_cap={"french": cap},
        floor={"french": 450},
        below_range={"french": (1 / 3, 3.0)},
        tails=TAIL,
        tail_cov={"pnp": np.array([[100.0, 0.5], [0.5, 0.01]])},
    )
    rounds = [
        Round.make(DAY + pd.Timedelta(days=7 * i + 7), c, n)
        for i, (c, n) in enumerate([("french", 900), ("pnp", "all"), ("pnp", 80)] * 4)
    ]
    det = [simulate(pool, rounds, engine=e) for e in ENGINES]
    np.testing.assert_array_equal(det[0].cutoff, det[1].cutoff)
    mc = [simulate(pool, rounds, n_paths=40, rng=9, engine=e) for e in ENGINES]
    np.testing.assert_array_equal(mc[0].cutoff, mc[1].cutoff)
    np.testing.assert_allclose(mc[0].invited, mc[1].invited, rtol=1e-9)
    np.testing.assert_allclose(mc[0].pool, mc[1].pool, rtol=1e-9)
    np.testing.assert_allclose(mc[0].requested, mc[1].requested, rtol=1e-9)
    again = simulate(pool, rounds, n_paths=40, rng=9, engine="numba")
    assert again.cutoff.tobytes() == mc[1].cutoff.tobytes()
    pnp = np.array([r.category == "pnp" for r in rounds])
    assert (mc[0].cutoff[:, pnp] >= 601).all() and mc[0].cutoff[:, pnp].std() > 10
    ledger = mc[0].start_pool + mc[0].inflow.sum(1) - mc[0].outflow.sum(1) - mc[0].invited.sum(1)
    np.testing.assert_allclose(ledger, mc[0].pool[:, -1], rtol=1e-9)


def test_below_floor_draws_stay_in_their_range_and_under_the_total():
    from eeforecast.simulate.engine import PathParams, _path_arrays
    from eeforecast.simulate.inputs import engine_input

    pool = nominee_state(
        eligible_cap={"cec": np.where(SCORES < 515, 0.3, np.nan)},
        floor={"cec": 515},
        below_range={"cec": (0.5, 4.0)},
    )
    eng, tracked = engine_input(pool, [rnd("cec", 10)], ())
    par = PathParams.none(500, len(tracked)).with_subpools(eng, np.random.default_rng(2))
    c = tracked.index("cec")
    assert (par.below[:, c] >= 0.5).all() and (par.below[:, c] <= 4.0).all()
    assert par.below[:, c].min() < 0.6 and par.below[:, c].max() > 3.5  # log-uniform spread
    arrays = _path_arrays(eng, par)
    elig, cap, total = arrays["elig"][c], arrays["cap"][c], arrays["total"]
    assert (elig <= total + 1e-12).all()
    at_510 = 1200 - 510  # reversed index: below the floor
    np.testing.assert_allclose(elig[:, at_510], np.minimum(20 * par.below[:, c], 20))
    np.testing.assert_allclose(cap[:, at_510], np.minimum(0.3 * par.below[:, c], 1.0))
    assert np.isclose(elig[:, 1200 - 520], 30).all()  # above the floor: untouched


def test_a_pnp_tail_changes_only_pnp_rounds():
    # the invite-all draws come from a fourth stream: CEC's cutoffs on the same seed are unchanged
    plain = nominee_state(level_sd={"cec": 0.3}, refill_sd={"cec": 0.3})
    tailed = PoolState(**{**plain.__dict__, "tails": TAIL})
    rounds = [rnd("cec", 20, days=3), rnd("pnp", 60, days=5), rnd("cec", 20, days=10)]
    a = simulate(plain, rounds, n_paths=50, rng=4)
    b = simulate(tailed, rounds, n_paths=50, rng=4)
    np.testing.assert_array_equal(a.cutoff[:, [0, 2]], b.cutoff[:, [0, 2]])
    assert not np.array_equal(a.cutoff[:, 1], b.cutoff[:, 1])
