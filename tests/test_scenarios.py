"""Policy scenarios: the recent-pace fill, a scenario's odds and backlog, grids, the inverse
question, their figures and commands, and the same results on a dask cluster."""

from __future__ import annotations

import io
import json
import warnings
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

from eeforecast import cli
from eeforecast.backlog import backlog
from eeforecast.errors import ParameterError
from eeforecast.forecast import active_categories, with_recent_pace
from eeforecast.odds import odds
from eeforecast.pool import fit_pool
from eeforecast.projection import project
from eeforecast.scenarios import MAX_CELLS, run_grid, scenario_grid, size_for_cutoff
from eeforecast.simulate import Schedule, conditional_cutoff, simulate_feed

AS_OF = pd.Timestamp("2025-12-17")
PLAN = {
    "defaults": {"fill": "recent"},
    "rule": [
        {"category": "cec", "invitations": 3000, "every": "2w", "weekday": "wed",
         "to": "2026-12-31"},
        {"category": "french", "invitations": 5000, "monthly": {"weekday": "thu", "week": 1},
         "business_days": True, "skip_holidays": True, "to": "2026-12-31"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def pool(feed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_pool(feed)


@pytest.fixture(scope="module")
def plan():
    return Schedule.from_dict(PLAN)


@contextmanager
def quiet():
    """No warnings (the engine's and the feed's are tested elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


# --- the recent-pace fill and a scenario's projection ------------------------------------------


def test_fill_keeps_the_left_out_active_categories_at_their_recent_pace(feed, plan):
    filled_plan, filled = with_recent_pace(plan, feed)
    active = set(active_categories(feed))
    assert set(filled) <= active - {"cec", "french"} and "pnp" in filled
    extra = filled_plan.rounds
    assert extra and all(r.filled for r in extra) and {r.category for r in extra} == set(filled)
    assert all(AS_OF < r.date <= pd.Timestamp("2026-12-31") for r in extra)
    assert filled_plan.fill is None and filled_plan.rules == plan.rules
    bare = Schedule(rules=plan.rules)
    assert with_recent_pace(bare, feed) == (bare, ())


def test_a_simulation_refuses_a_fill_it_cannot_resolve(feed, plan):
    with pytest.raises(ParameterError, match="fill='recent' needs the categories' recent pace"):
        simulate_feed(feed, plan)


def test_to_frame_marks_filled_rounds_and_keeps_the_rounds_asked_for(feed, pool, plan):
    sched, filled = with_recent_pace(plan, feed)
    with quiet():
        res = simulate_feed(pool=pool, schedule=sched, n_paths=20, rng=1, thresholds=(500,))
    frame = res.to_frame()
    asked = sched.expand(AS_OF, warn=False)
    assert len(frame) == len(asked)  # the replayed rounds are not mixed in
    assert frame["date"].tolist() == [r.date for r in asked]
    assert frame["filled"].tolist() == [r.filled for r in asked]
    assert set(frame.loc[frame["filled"], "category"]) == set(filled)
    for name in ("pool", "above_500", "invited"):
        assert (frame[f"{name}_lo_80"] <= frame[name]).all()
        assert (frame[name] <= frame[f"{name}_hi_80"]).all()
    marked = res.to_frame(replayed=True)
    assert marked["replayed"].sum() == len(marked) - len(frame) > 0


@pytest.mark.slow
def test_odds_and_backlog_read_a_scenario(feed, pool, plan):
    with quiet():
        proj = project(pool=pool, span="12m", n_paths=200, rng=4, schedule=plan, thresholds=(500,))
        again = odds(505, categories=["cec"], within="6m", pool=pool, n_paths=200, rng=4,
                     schedule=plan)  # fmt: skip
        base = project(pool=pool, span="12m", n_paths=200, rng=4, thresholds=(500,))
    assert any("filled at their recent pace" in n and "pnp" in n for n in proj.notes)
    assert set(proj.schedule.columns) == {"date", "category", "invitations", "filled"}
    p = odds(505, categories=["cec"], within="6m", projection=proj)
    assert p.probability == pytest.approx(again.probability, abs=0.08)
    assert 0 <= p.probability <= 1 and p.rounds > 0
    cec = proj.schedule[proj.schedule["category"] == "cec"]
    assert (cec["invitations"] == 3000).all() and (cec["date"].dt.day_of_week == 2).all()
    with quiet():
        weekly = backlog(projection=proj, weeks=52, thresholds=(500,))
        usual = backlog(projection=base, weeks=52, thresholds=(500,))
    assert any("filled" in n for n in weekly.notes) and "note:" in weekly.summary()
    assert weekly.weekly["above_500"].iloc[-1] != usual.weekly["above_500"].iloc[-1]
    with pytest.raises(ParameterError, match="not both"):
        odds(505, projection=proj, schedule=plan)


def test_a_scenario_with_an_unknown_category_is_refused(pool):
    bad = Schedule.from_dict(
        {"rule": [{"category": "astronauts", "invitations": 100, "every": 14, "to": "2026-03-01"}]}
    )
    with pytest.raises(ParameterError, match="no pool estimate for astronauts"):
        project(pool=pool, span="6m", n_paths=10, rng=1, schedule=bad)


# --- grids -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_grid():
    return scenario_grid("cec", [1000, 2000, 4000], ["2w", "4w"], end="2026-06-30")


@pytest.fixture(scope="module")
def grid_result(pool, small_grid):
    with quiet():
        return run_grid(small_grid, pool=pool, n_paths=60, rng=3)


def test_grid_frame_is_tidy_with_scenario_keys(grid_result):
    frame = grid_result.frame
    assert list(frame.columns[:8]) == [
        "scenario", "scenario_category", "scenario_size", "scenario_cadence",
        "date", "category", "invitations", "filled",
    ]  # fmt: skip
    for name in ("cutoff", "pool", "above_500", "invited"):
        assert {f"{name}_lo_80", f"{name}_hi_95"} <= set(frame.columns)
    assert "dry_share" in frame and frame["dry_share"].between(0, 1).all()
    assert frame["scenario"].nunique() == 6 and (frame["date"] >= AS_OF).all()
    varied = frame[frame["category"] == "cec"]
    assert (varied["invitations"] == varied["scenario_size"]).all() and not varied["filled"].any()
    assert frame.loc[frame["category"] != "cec", "filled"].all()
    final = grid_result.final()
    assert len(final) == 6 and (final["category"] == "cec").all()
    assert {"above_500", "above_500_lo_80", "pool_hi_80"} <= set(final.columns)
    assert "filled at their recent pace" in grid_result.summary()


def test_a_larger_round_never_has_a_higher_cutoff_on_the_same_draws(grid_result):
    for cadence in ("2w", "4w"):
        cuts = []
        for size in (1000, 2000, 4000):
            res = grid_result.results[f"cec {size} {cadence}"]
            mask = np.array([r.category == "cec" and not r.replayed for r in res.rounds])
            cuts.append(res.cutoff[:, mask])
        for smaller, larger in zip(cuts, cuts[1:], strict=False):
            assert (larger <= smaller).all()  # path by path, round by round


def test_more_frequent_rounds_leave_a_smaller_backlog_on_the_expected_path(pool):
    # Checked before asserting: it holds on the expected path while the category's sub-pool
    # lasts (CEC 1,000-2,000 a round); with 4,000 weekly the sub-pool above 500 runs dry and
    # the weekly refill leaves slightly more behind, and path by path the inflow shocks are
    # drawn per round, so schedules with different round days see different shocks.
    grid = scenario_grid("cec", [1000, 2000], ["1w", "2w", "4w"], end="2026-06-30",
                         base=Schedule())  # fmt: skip
    with quiet():
        res = run_grid(grid, pool=pool, n_paths=None)
    final = res.final().set_index("scenario")["above_500"]
    for size in (1000, 2000):
        weekly, fortnightly, monthly = (final[f"cec {size} {c}"] for c in ("1w", "2w", "4w"))
        assert weekly <= fortnightly <= monthly


@pytest.mark.slow
def test_grid_is_the_same_with_an_executor(pool, small_grid, grid_result):
    with quiet(), ProcessPoolExecutor(2) as ex:
        again = run_grid(small_grid, pool=pool, n_paths=60, rng=3, executor=ex)
    for name, res in grid_result.results.items():
        assert res.cutoff.tobytes() == again.results[name].cutoff.tobytes()
        assert res.above[500].tobytes() == again.results[name].above[500].tobytes()
    pd.testing.assert_frame_equal(again.frame, grid_result.frame, check_exact=True)


def test_named_schedules_and_their_figures(pool, plan):
    other = Schedule.from_dict({**PLAN, "rule": [{**PLAN["rule"][0], "invitations": 5000}]})
    with quiet():
        res = run_grid({"plan": plan, "bigger CEC": other}, pool=pool, n_paths=30, rng=1)
    assert list(res.keys.columns) == ["scenario"] and set(res.frame["scenario"]) == {
        "plan",
        "bigger CEC",
    }
    fig = res.heatmap("cutoff")
    texts = [t.get_text() for t in fig.texts]
    assert any("Source: IRCC" in t and "2025-12-17" in t for t in texts)
    assert fig.axes[0].get_ylabel() == "Scenario" and fig.axes[0].get_xlabel() == "Category"
    assert "CRS points" in fig.axes[1].get_ylabel()  # the colour bar
    fan = res.fan("plan")
    assert fan._suptitle.get_text() == "Scenario: plan"
    assert fan.axes[0].get_ylabel() == "Cutoff [CRS points]"
    assert fan.axes[1].get_ylabel() == "Candidates at or above 500 [candidates]"
    legend = [t.get_text() for t in fan.axes[0].get_legend().get_texts()]
    assert "PNP (recent pace)" in legend and "CEC" in legend


def test_grid_heatmap_over_sizes_and_cadences(grid_result):
    fig = grid_result.heatmap("above_500")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Cadence" and ax.get_ylabel() == "Round size [invitations]"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2w", "4w"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1,000", "2,000", "4,000"]
    with pytest.raises(ParameterError, match="value: expected one of"):
        grid_result.heatmap("above_400")
    with pytest.raises(ParameterError, match="scenario: 'cec 9 2w' is not in the grid"):
        grid_result.fan("cec 9 2w")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: scenario_grid("cec", [0, 100], ["2w"], end="2026-06-30"), "sizes[0]: must be > 0"),
        (lambda: scenario_grid("cec", [-5], ["2w"], end="2026-06-30"), "sizes[0]: must be > 0"),
        (lambda: scenario_grid("cec", [100], ["often"], end="2026-06-30"),
         "cadences[0]: expected a cadence such as"),
        (lambda: scenario_grid("C E C", [100], ["2w"], end="2026-06-30"),
         "categories[0]: 'C E C' is not a category slug"),
        (lambda: scenario_grid("cec", [], ["2w"], end="2026-06-30"), "sizes: give at least one"),
        (lambda: scenario_grid("cec", [100], ["2w"], start="2026-07-01", end="2026-06-30"),
         "end: 2026-06-30 is before start 2026-07-01"),
        (lambda: run_grid({"a": [1, 2]}), "scenario 'a': expected a Schedule"),
        (lambda: run_grid(scenario_grid("cec", list(range(1, 70)), ["1w", "2w", "4w"],
                                        end="2026-06-30")),
         f"grid: 207 cells is more than {MAX_CELLS}; pass confirm=True (--yes"),
    ],
)  # fmt: skip
def test_grid_errors_name_the_argument(call, message):
    with pytest.raises(ParameterError) as err:
        call()
    assert message in str(err.value)


def test_grid_errors_that_need_the_pool(pool):
    with pytest.raises(ParameterError, match="category 'astronauts': unknown, or no pool"):
        run_grid(scenario_grid("astronauts", [100], ["2w"], end="2026-03-01"), pool=pool)
    grid = scenario_grid("cec", [100], ["2w"], end="2026-03-01")
    with pytest.raises(ParameterError, match="thresholds: expected CRS scores"):
        run_grid(grid, pool=pool, thresholds=(1500,))
    with pytest.raises(ParameterError, match="n_paths"):
        run_grid(grid, pool=pool, n_paths=0)
    four = scenario_grid("cec", [100, 200], ["2w", "4w"], end="2026-01-10", base=Schedule())
    with pytest.raises(ParameterError, match="grid: 4 cells is more than 3; pass confirm=True"):
        run_grid(four, pool=pool, n_paths=None, max_cells=3)
    with quiet():
        assert len(run_grid(four, pool=pool, n_paths=None, max_cells=3, confirm=True).keys) == 4


# --- the inverse question --------------------------------------------------------------------


@pytest.fixture(scope="module")
def cec_500(pool):
    with quiet():
        return size_for_cutoff("cec", 500, pool=pool, n_paths=100, rng=5).iloc[0]


def test_size_for_cutoff_is_the_smallest_size_reaching_the_target(pool, cec_500):
    n = int(cec_500["invitations"])
    assert n % 50 == 0 and cec_500["cutoff"] <= 500
    with quiet():
        at = conditional_cutoff(None, "cec", n, pool=pool, n_paths=100, rng=5).final()
        below = conditional_cutoff(None, "cec", n - 50, pool=pool, n_paths=100, rng=5).final()
    assert at["cutoff"] <= 500 < below["cutoff"]
    assert cec_500["invitations_lo_80"] <= n <= cec_500["invitations_hi_80"]
    assert cec_500["cutoff_lo_80"] <= cec_500["cutoff"] <= cec_500["cutoff_hi_80"]
    assert cec_500["past_max"] == 6000 and bool(cec_500["outside_past_year"]) is (n > 6000)


def test_size_for_cutoff_flags_an_answer_outside_the_past_year(pool):
    with pytest.warns(UserWarning, match="outside its rounds of the past year"):
        row = size_for_cutoff("cec", 495, pool=pool, n_paths=None).iloc[0]
    assert bool(row["outside_past_year"]) and row["invitations"] > row["past_max"]
    assert "invitations_lo_80" not in row  # the expected path has no bounds


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cec", 700), "target: 700 is at or above the median cutoff of a 50-invitation cec round"),
        (("cec", 300), "target: 300 is below the median cutoff of a 30,000-invitation cec round"),
        (("astronauts", 500), "category 'astronauts': unknown, or no pool estimate"),
        (("stem", 500), "category 'stem': no round of it in the 365 days before 2025-12-17"),
        (("cec", 1300), "target: must be between 0 and 1200"),
        (("cec", "500"), "target: expected a CRS score"),
        (("cec", [500, 490]), "target: expected one CRS score"),
    ],
)
def test_size_for_cutoff_errors_name_the_bounds(pool, args, message):
    with pytest.raises(ParameterError) as err, quiet():
        size_for_cutoff(*args, pool=pool, n_paths=None)
    assert message in str(err.value)


# --- the command line ------------------------------------------------------------------------


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.mark.slow
def test_cli_scenarios_grid_and_figures(capsys, tmp_path):
    argv = ["scenarios", "--category", "cec", "--size", "2000", "--cadence", "2w",
            "monthly-1wed", "--to", "2026-03-31", "--paths", "20", "--format", "csv",
            "--figures", str(tmp_path)]  # fmt: skip
    status, out, err = run(argv, capsys)
    assert status == 0, err
    frame = pd.read_csv(io.StringIO(out))
    assert frame["scenario"].tolist() == ["cec 2000 2w", "cec 2000 monthly-1wed"]
    assert {"cutoff_lo_80", "above_500", "above_500_hi_80", "dry_share"} <= set(frame.columns)
    assert frame["dry_share"].between(0, 1).all()  # a share, not rounded to a whole number
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names[:2] == ["fan-cec-2000-2w.png", "fan-cec-2000-monthly-1wed.png"]
    assert {"heatmap-cutoff.png", "heatmap-above_500.png"} <= set(names)


def test_cli_scenarios_named_files(capsys, tmp_path):
    a = tmp_path / "steady.toml"
    a.write_text(
        '[defaults]\nfill = "recent"\n\n[[rule]]\ncategory = "cec"\ninvitations = 3000\n'
        'every = "2w"\nto = "2026-03-01"\n'
    )
    b = tmp_path / "burst.toml"
    b.write_text('[[round]]\ndate = "2026-01-07"\ncategory = "cec"\ninvitations = 9000\n')
    status, out, err = run(["scenarios", "--schedule", str(a), str(b), "--paths", "20",
                            "--format", "json"], capsys)  # fmt: skip
    assert status == 0, err
    rows = json.loads(out)
    assert {r["scenario"] for r in rows} == {"steady", "burst"}
    status, out, _ = run(["scenarios", "--schedule", str(a), "--paths", "20", "--all-rounds"],
                         capsys)  # fmt: skip
    assert status == 0 and "filled at their recent pace: " in out and "pnp" in out
    assert "scenario_size" not in out and "dry_share" in out  # every round, keyed by its name


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scenarios", "--category", "cec", "--size", "0", "--cadence", "2w", "--to",
          "2026-06-30"], "sizes[0]: must be > 0"),
        (["scenarios", "--category", "cec", "--size", "100", "--cadence", "2w"], "--to: required"),
        (["scenarios", "--size", "100", "--cadence", "2w", "--to", "2026-06-30"],
         "--category: required"),
        (["scenarios", "--category", "cec", "--size", *map(str, range(1, 202)), "--cadence",
          "2w", "--to", "2026-06-30"], "grid: 201 cells is more than 200"),
        (["scenarios", "--category", "cec", "--size", "100", "--cadence", "fortnightly",
          "--to", "2026-06-30"], "cadences[0]: expected a cadence"),
        (["scenarios", "--category", "astronauts", "--size", "100", "--cadence", "2w", "--to",
          "2026-06-30"], "category 'astronauts': unknown"),
        (["by-size", "--category", "cec", "--size", "100", "--target-cutoff", "500"],
         "--target-cutoff: give either --size or --target-cutoff"),
        (["by-size", "--category", "cec", "--target-cutoff", "300", "--deterministic"],
         "target: 300 is below the median cutoff"),
        (["odds", "--score", "500", "--schedule", "missing.toml"],
         "schedule missing.toml: cannot read"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_naming_the_argument(capsys, argv, message):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    lines = [line for line in err.splitlines() if "warning" not in line]
    assert len(lines) == 1 and message in lines[0], err


@pytest.mark.slow
def test_cli_by_size_target_odds_and_backlog_with_a_schedule(capsys, tmp_path):
    status, out, err = run(["by-size", "--category", "cec", "--target-cutoff", "505",
                            "--paths", "100", "--format", "csv"], capsys)  # fmt: skip
    assert status == 0, err
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert row["target"] == 505 and row["invitations"] % 50 == 0 and row["cutoff"] <= 505
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[defaults]\nfill = "recent"\n\n[[rule]]\ncategory = "cec"\ninvitations = 3000\n'
        'every = "2w"\nweekday = "wed"\nto = "2026-12-31"\n'
    )
    status, out, err = run(["odds", "--score", "505", "--category", "cec", "--within", "6m",
                            "--paths", "100", "--schedule", str(plan)], capsys)  # fmt: skip
    assert status == 0, err
    assert "filled at their recent pace" in out and "Sub-pool assumptions" in out
    status, out, err = run(["backlog", "--weeks", "26", "--paths", "50", "--schedule",
                            str(plan)], capsys)  # fmt: skip
    assert status == 0, err
    assert "note: scenario: categories filled at their recent pace:" in out
    assert "Sub-pool assumptions" in out


def test_a_scenarios_subpool_tables_reach_every_output(pool, capsys, tmp_path):
    table = {"french": {"share_below": {"low": 0.1, "high": 0.5}}}
    plan = Schedule.from_dict({**PLAN, "subpool": table})
    assert plan.subpools == {"french": {"share_below": (0.1, 0.5)}}
    with quiet():
        result = run_grid({"plan": plan}, pool=pool, n_paths=20, rng=1)
        proj = project(pool=pool, span="6m", n_paths=20, rng=1, schedule=plan)
    for frame in (result.results["plan"].assumptions, proj.assumptions):
        row = frame.set_index("category").loc["french"]
        assert row["source"].startswith("user: share_below=0.1-0.5")
        assert (row["share_below_lo"], row["share_below_hi"]) == (0.1, 0.5)
        assert frame.set_index("category").loc["cec", "source"] == "fitted"
    path = tmp_path / "plan.toml"
    path.write_text(
        '[[rule]]\ncategory = "french"\ninvitations = 5000\nevery = "4w"\nto = "2026-03-31"\n\n'
        "[subpool.french]\nshare_below = {low = 0.1, high = 0.5}\n"
    )
    status, out, err = run(["scenarios", "--schedule", str(path), "--paths", "20"], capsys)
    assert status == 0, err
    assert "Sub-pool assumptions" in out and "user: share_below=0.1-0.5" in out


# --- a dask cluster --------------------------------------------------------------------------


@pytest.mark.slow
def test_grid_and_backtest_on_a_dask_local_cluster(pool, small_grid, grid_result, feed):
    distributed = pytest.importorskip(
        "dask.distributed",
        reason="the distributed extra is not installed (pip install eeforecast[distributed])",
    )
    from eeforecast.evaluation import cross_validation
    from eeforecast.forecast import Naive

    kw = dict(start="2025-09-01", horizon=1, models=(Naive(),), categories=["cec"], progress=False,
              warmup_days=60)  # fmt: skip
    local_cv = cross_validation(feed, n_jobs=1, **kw)
    # processes=False: workers are threads of this process; a 2-process LocalCluster took 13 s
    # to start on the shared 2-core machine, this one well under 1 s
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        quiet(),
    ):
        ex = client.get_executor()
        remote = run_grid(small_grid, pool=pool, n_paths=60, rng=3, executor=ex)
        remote_cv = cross_validation(feed, executor=ex, **kw)
    for name, res in grid_result.results.items():
        other = remote.results[name]
        for attr in ("cutoff", "invited", "pool", "tie"):
            assert getattr(res, attr).tobytes() == getattr(other, attr).tobytes(), (name, attr)
        assert res.above[500].tobytes() == other.above[500].tobytes()
    pd.testing.assert_frame_equal(remote.frame, grid_result.frame, check_exact=True)
    pd.testing.assert_frame_equal(remote_cv, local_cv, check_exact=True)


def test_cli_simulate_fills_and_says_so(capsys, tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[defaults]\nfill = "recent"\n\n[[rule]]\ncategory = "cec"\ninvitations = 3000\n'
        'every = "2w"\nweekday = "wed"\nto = "2026-02-28"\n'
    )
    status, out, err = run(["simulate", "--schedule", str(plan), "--format", "csv"], capsys)
    assert status == 0, err
    assert "filled at their recent pace: " in err and "pnp" in err
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns[:4]) == ["date", "category", "invitations", "filled"]
    assert not frame.loc[frame["category"] == "cec", "filled"].any()
    assert frame.loc[frame["category"] == "pnp", "filled"].all()


def test_a_grid_over_several_categories_has_a_panel_each(pool):
    grid = scenario_grid(["cec", "french"], [1000, 2000], ["2w"], end="2026-03-31",
                         base=Schedule())  # fmt: skip
    assert list(grid.schedules) == [
        "cec 1000 2w",
        "cec 2000 2w",
        "french 1000 2w",
        "french 2000 2w",
    ]
    french = grid.schedules["french 1000 2w"]
    assert french.categories == ("french",) and french.fill is None
    with quiet():
        res = run_grid(grid, pool=pool, n_paths=None)
    final = res.final()
    assert final["category"].tolist() == ["cec", "cec", "french", "french"]
    fig = res.heatmap("cutoff")
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert "Canadian Experience Class" in titles and any("French" in t for t in titles)
