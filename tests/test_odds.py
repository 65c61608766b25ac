"""A candidate's odds (eeforecast.odds): validation, warnings, the command line."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from eeforecast import cli
from eeforecast.errors import ParameterError
from eeforecast.odds import odds, validate
from eeforecast.projection import Projection, project


@pytest.fixture(scope="module")
def paths(feed) -> Projection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return project(feed, span="12m", n_paths=200, rng=11)


@pytest.mark.parametrize("cats", [(), ("cec",), ("french",), ("pnp",), ("cec", "french")])
@pytest.mark.parametrize("within", ["3m", "6m", "12m"])
def test_real_odds_monotone_in_score(paths, cats, within):
    p = paths.probability(np.arange(1201), cats, within)
    assert np.all(np.diff(p) >= 0)
    assert p[0] >= 0 and p[-1] <= 1


def test_real_odds_extremes(paths):
    p = paths.probability([0, 1200], ("cec",), "6m")
    assert p[0] == 0.0  # nobody gets a CEC round at 0 CRS
    assert p[1] == 1.0  # everybody at 1200 does


def test_longer_horizon_and_more_categories_never_hurt(paths):
    scores = np.arange(350, 560)
    p3 = paths.probability(scores, ("cec",), "3m")
    p12 = paths.probability(scores, ("cec",), "12m")
    both = paths.probability(scores, ("cec", "french"), "12m")
    assert np.all(p12 >= p3) and np.all(both >= p12)


def test_odds_reuses_paths_and_matches_curve(paths):
    res = odds(505, projection=paths, categories=["cec"], within="6m")
    curve = paths.curves([("cec",)], ["6m"])
    assert res.probability == pytest.approx(curve.loc[curve["score"] == 505, "probability"].item())
    assert res.categories == ("general", "cec")
    assert res.rounds > 0
    frame = res.to_frame()
    assert list(frame.columns) == [
        "as_of",
        "score",
        "categories",
        "within",
        "rounds",
        "probability",
        "se",
    ]
    assert "Assumptions" in str(res)


def test_within_beyond_simulation_refused(paths):
    with pytest.raises(ParameterError, match="beyond the simulated schedule"):
        paths.probability([500], ("cec",), "18m")


@pytest.mark.parametrize("score", [-1, 1201, 500.5, float("nan")])
def test_score_out_of_range(paths, score):
    with pytest.raises(ParameterError, match="score"):
        odds(score, categories=["cec"], projection=paths)


def test_unknown_category(paths):
    with pytest.raises(ParameterError, match="category 'chef': not a known category and no fore"):
        odds(500, projection=paths, categories=["chef"])
    with pytest.raises(ParameterError, match="category 'che f': not a category slug"):
        odds(500, projection=paths, categories=["che f"])


def test_new_slug_passes_validation():
    assert validate(500, ["senior-managers-with-canadian-work-experience"]) == (
        "general",
        "senior-managers-with-canadian-work-experience",
    )


def test_cli_odds(capsys):
    code = cli.main(
        [
            "odds",
            "--score",
            "530",
            "--category",
            "cec",
            "--within",
            "3m",
            "--paths",
            "100",
            "--seed",
            "3",
            "--format",
            "csv",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    header, row = out.strip().splitlines()[:2]
    assert header == "as_of,score,categories,within,rounds,probability,se"
    assert row.startswith("2025-12-17,530,general+cec,3m,")


def test_cli_odds_prints_assumptions(capsys):
    assert cli.main(["odds", "--score", "480", "--paths", "50", "--within", "3m"]) == 0
    assert "Assumptions" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--score", "1300"], "score"),
        (["--score", "500", "--within", "soon"], "within"),
        (["--score", "500", "--category", "Chef!"], "not a category slug"),
    ],
)
def test_cli_odds_errors(capsys, args, message):
    assert cli.main(["odds", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("eeforecast odds: error:") and message in err
    assert len(err.strip().splitlines()) == 1


def test_category_without_pool_estimate_warns(feed):
    # 2022-02-01: CEC held rounds in 2021, but none with a published pool snapshot, so the pool
    # model cannot simulate its forecast rounds; the odds must say so, not silently return 0
    with (
        pytest.warns(UserWarning, match="no pool estimate for cec as of 2022-02-01"),
        pytest.warns(UserWarning, match="no round of general\\+cec is expected within 3m"),
        pytest.warns(UserWarning, match="fewer than two snapshots"),  # one snapshot known
    ):
        res = odds(
            500, categories=["cec"], within="3m", source=feed, as_of="2022-02-01", n_paths=20
        )
    assert res.rounds == 0


def test_no_eligible_round_warns(paths):
    # no general round since 2024: a candidate eligible for nothing else has no chance, and is told
    with pytest.warns(UserWarning, match="no round of general is expected within 3m"):
        res = odds(1200, projection=paths, within="3m")
    assert res.probability == 0.0 and res.rounds == 0


def test_thin_sub_pool_is_flagged(paths):
    # education held 2 rounds by 2025-12-17: its sub-pool rests on them alone
    assert paths.thin == {
        c: n for c, n in paths.thin.items() if c in set(paths.categories)
    }  # only simulated categories
    assert paths.thin.get("education") == 2
    assert "cec" not in paths.thin and "french" not in paths.thin
    assert any("education sub-pool is estimated from 2 past round" in n for n in paths.notes)
    with pytest.warns(UserWarning, match="education sub-pool is estimated from 2 past round"):
        flagged = odds(470, projection=paths, categories=["education"], within="12m")
    assert "not credible" in flagged.note
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a well-estimated category is not flagged
        odds(520, projection=paths, categories=["cec"], within="12m")


def test_odds_reads_a_projection_or_runs_one(feed, paths):
    read = odds(505, categories=["cec"], within="6m", projection=paths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = odds(505, categories=["cec"], within="12m", source=feed, n_paths=200, rng=11)
    assert run.probability >= read.probability  # a longer span never lowers the odds
    with pytest.raises(ParameterError, match="projection: expected"):
        odds(505, projection=feed)
