"""The simulated forecast schedule (eeforecast.projection): hand-computed probabilities,
monotonicity, extremes, run-dry rounds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from eeforecast.errors import ParameterError
from eeforecast.projection import ELIGIBLE_FLOOR, Projection, invitation_probability, project


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


@pytest.fixture(scope="module")
def paths(feed) -> Projection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return project(feed, span="12m", n_paths=200, rng=11)


def test_paths_shape(paths):
    assert paths.cutoffs.shape == (200, len(paths.dates))
    assert (paths.dates > paths.as_of).all()
    assert paths.as_of == pd.Timestamp("2025-12-17")
    assert {"cec", "pnp"} <= set(paths.categories)


def test_same_seed_same_paths(feed, paths):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = project(feed, span="12m", n_paths=200, rng=11)
    np.testing.assert_array_equal(again.cutoffs, paths.cutoffs)


def test_dry_rounds_keep_the_lowest_eligible_score_and_pnp_invites_all(paths):
    assert paths.exhausted is not None and paths.exhausted.shape == paths.cutoffs.shape
    # a dry round's cutoff is what the engine reports (its lowest whole candidate's score),
    # never replaced by a floor; its tie is 1 (everybody eligible was invited)
    np.testing.assert_array_equal(paths.cutoffs, paths.simulated)
    rows, cols = np.nonzero(paths.exhausted)
    np.testing.assert_array_equal(np.asarray(paths.tie)[rows, cols], 1.0)
    sim = paths.simulation
    keep = np.array([not r.replayed for r in sim.rounds])
    np.testing.assert_array_equal(paths.exhausted, sim.dry[:, keep])
    # PNP invites every nominee (the invite-all regime of 2025): by design, never dry, its
    # size the stock on the path, its cutoff a nominee's score
    pnp = paths.categories == "pnp"
    assert paths.invite_all("pnp") and paths.invites_all[pnp].all()
    assert not paths.exhausted[:, pnp].any() and paths.exhausted_share("pnp") == 0
    assert (paths.cutoffs[:, pnp] >= ELIGIBLE_FLOOR["pnp"]).all()
    sizes = sim.requested[:, keep][:, pnp]
    # the stock, less under half a candidate left in the tail below the lowest whole one
    invited = sim.invited[:, keep][:, pnp]
    assert (invited <= sizes + 1e-9).all() and (invited > sizes - 0.5).all() and sizes.std() > 0
    frame = paths.dry_frame().set_index("category")
    assert frame.loc["pnp", "invites_all"] and frame.loc["pnp", "dry_share"] == 0
    for cat in frame.index:
        assert frame.loc[cat, "dry_share"] == paths.exhausted_share(cat)


def test_stale_categories_are_left_out_unless_asked(feed, paths):
    assert set(paths.left_out) == {"agriculture", "stem", "transport"}
    assert not set(paths.left_out) & set(paths.categories)
    assert any("stale" in n and "stem" in n for n in paths.notes)
    assert set(paths.assumptions["category"]) == set(paths.categories)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        asked = project(feed, span="3m", n_paths=20, rng=1, subpools={"stem": {"include": True}})
    assert "stem" in set(asked.categories) and "stem" not in asked.left_out
    row = asked.assumptions.set_index("category").loc["stem"]
    assert row["stale"] and row["included"] and row["source"] == "user: include=True"


def test_curves_refuse_an_unknown_category_as_odds_does(paths):
    with pytest.raises(ParameterError, match="category 'xyz': not a known category"):
        paths.curves([("xyz",)], ("3m",))
