"""A candidate's odds: hand-computed probabilities, monotonicity, extremes, errors, CLI."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eeforecast import cli
from eeforecast.errors import ParameterError
from eeforecast.odds import (
    ELIGIBLE_FLOOR,
    CutoffPaths,
    invitation_probability,
    odds,
    parse_within,
    simulate_cutoff_paths,
    validate,
)

# --- the pure function, by hand ----------------------------------------------------------------


def test_probability_by_hand():
    # two paths, two rounds; path 1 lowest cutoff 480, path 2 lowest 505
    cut = np.array([[500, 480], [520, 505]])
    p = invitation_probability(cut, np.array([True, True]), [479, 480, 481, 505, 506], tie=0.5)
    # 480: path 1 tie (0.5) -> 0.25; 481: path 1 sure -> 0.5; 505: + path 2 tie -> 0.75
    np.testing.assert_allclose(p, [0.0, 0.25, 0.5, 0.75, 1.0])


def test_ties_in_two_rounds_combine():
    cut = np.array([[500, 500]])
    p = invitation_probability(cut, np.array([True, True]), [500], tie=np.array([[0.5, 0.2]]))
    np.testing.assert_allclose(p, [1 - 0.5 * 0.8])


def test_only_eligible_rounds_count():
    cut = np.array([[400, 600]])
    p = invitation_probability(cut, np.array([False, True]), [450, 650], tie=0.0)
    np.testing.assert_allclose(p, [0.0, 1.0])
    none = invitation_probability(cut, np.array([False, False]), [0, 1200])
    np.testing.assert_allclose(none, [0.0, 0.0])


def test_engine_tie_shares_are_used(paths):
    tie = np.asarray(paths.tie)
    assert tie.shape == paths.cutoffs.shape  # the engine reports the share invited at each cutoff
    ok = ~np.isnan(tie)
    assert ok.any() and np.all((tie[ok] >= 0) & (tie[ok] <= 1))


def test_nan_tie_is_harmless():
    cut = np.array([[500, 1201]])
    p = invitation_probability(
        cut, np.array([True, True]), [500, 501], tie=np.array([[1.0, np.nan]])
    )
    np.testing.assert_allclose(p, [1.0, 1.0])


def test_nobody_invited_round_never_invites():
    cut = np.array([[1201, 1201]])  # the engine's "nobody invited"
    p = invitation_probability(cut, np.array([True, True]), [1200])
    assert p[0] == 0.0


def test_monotone_on_random_paths():
    rng = np.random.default_rng(7)
    cut = rng.integers(300, 700, size=(300, 12))
    tie = rng.uniform(0, 1, size=cut.shape)
    elig = rng.uniform(size=12) < 0.6
    p = invitation_probability(cut, elig, np.arange(1201), tie)
    assert np.all(np.diff(p) >= -1e-12)
    assert p[0] == 0.0 and p[-1] == 1.0


def test_shape_errors():
    with pytest.raises(ParameterError, match="cutoffs"):
        invitation_probability(np.array([500]), np.array([True]), [500])
    with pytest.raises(ParameterError, match="eligible"):
        invitation_probability(np.array([[500, 400]]), np.array([True]), [500])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3m", pd.DateOffset(months=3)),
        ("12M", pd.DateOffset(months=12)),
        ("26w", pd.DateOffset(weeks=26)),
        ("90d", pd.DateOffset(days=90)),
        ("1y", pd.DateOffset(years=1)),
    ],
)
def test_parse_within(text, expected):
    assert parse_within(text) == expected


@pytest.mark.parametrize("bad", ["", "6", "m6", "0m", "-3m", "6 months", "3y", "1.5m"])
def test_parse_within_errors(bad):
    with pytest.raises(ParameterError, match="within"):
        parse_within(bad)


# --- one small simulation on the bundled feed ----------------------------------------------------


@pytest.fixture(scope="module")
def paths(feed) -> CutoffPaths:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return simulate_cutoff_paths(feed, horizon="12m", n_paths=200, rng=11)


def test_paths_shape(paths):
    assert paths.cutoffs.shape == (200, len(paths.dates))
    assert (paths.dates > paths.as_of).all()
    assert paths.as_of == pd.Timestamp("2025-12-17")
    assert {"cec", "pnp"} <= set(paths.categories)


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
    res = odds(paths, 505, categories=["cec"], within="6m")
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
        odds(paths, score, categories=["cec"])


def test_unknown_category(paths):
    with pytest.raises(ParameterError, match="category 'chef': not a known category and no fore"):
        odds(paths, 500, categories=["chef"])
    with pytest.raises(ParameterError, match="category 'che f': not a category slug"):
        odds(paths, 500, categories=["che f"])


def test_new_slug_passes_validation():
    assert validate(500, ["senior-managers-with-canadian-work-experience"]) == (
        "general",
        "senior-managers-with-canadian-work-experience",
    )


def test_same_seed_same_paths(feed, paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = simulate_cutoff_paths(feed, horizon="12m", n_paths=200, rng=11)
    np.testing.assert_array_equal(again.cutoffs, paths.cutoffs)


def test_backlog_from_paths(paths):
    frame = paths.backlog(501)
    assert {"date", "pool", "above", "above_lo_80", "above_hi_95"} <= set(frame.columns)
    assert (frame["above_lo_95"] <= frame["above"]).all()
    assert (frame["above"] <= frame["above_hi_95"]).all()
    assert frame["date"].is_monotonic_increasing


# --- CLI -----------------------------------------------------------------------------------------


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


def test_exhausted_rounds_invite_everybody_eligible(paths):
    assert paths.exhausted is not None and paths.exhausted.shape == paths.cutoffs.shape
    floors = np.array([ELIGIBLE_FLOOR.get(c, 0) for c in paths.categories])
    rows, cols = np.nonzero(paths.exhausted)
    np.testing.assert_array_equal(paths.cutoffs[rows, cols], floors[cols])
    np.testing.assert_array_equal(np.asarray(paths.tie)[rows, cols], 1.0)
    for cat in set(paths.categories):
        share = paths.exhausted_share(cat, "3m")
        first = paths.probability([ELIGIBLE_FLOOR.get(cat, 0)], (cat,), "3m")[0]
        assert first >= share - 1e-12  # everybody eligible is invited on those paths


def test_category_without_pool_estimate_warns(feed):
    # 2022-02-01: CEC held rounds in 2021, but none with a published pool snapshot, so the pool
    # model cannot simulate its forecast rounds; the odds must say so, not silently return 0
    with (
        pytest.warns(UserWarning, match="no pool estimate for cec as of 2022-02-01"),
        pytest.warns(UserWarning, match="no round of general\\+cec is expected within 3m"),
        pytest.warns(UserWarning, match="fewer than two snapshots"),  # one snapshot known
    ):
        res = odds(feed, 500, categories=["cec"], within="3m", as_of="2022-02-01", n_paths=20)
    assert res.rounds == 0


def test_no_eligible_round_warns(paths):
    # no general round since 2024: a candidate eligible for nothing else has no chance, and is told
    with pytest.warns(UserWarning, match="no round of general is expected within 3m"):
        res = odds(paths, 1200, within="3m")
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
        flagged = odds(paths, 470, categories=["education"], within="12m")
    assert "not credible" in flagged.note
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a well-estimated category is not flagged
        odds(paths, 520, categories=["cec"], within="12m")


def test_curves_refuse_an_unknown_category_as_odds_does(paths):
    with pytest.raises(ParameterError, match="category 'xyz': not a known category"):
        paths.curves([("xyz",)], ("3m",))
