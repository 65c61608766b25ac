"""Grids of synthetic profiles under every rules version (eeforecast.crs.grid) and their figure."""

from __future__ import annotations

import pandas as pd
import pytest

from eeforecast import plots
from eeforecast.crs import Profile, compare_rules, profile_grid, rules_versions, score, score_grid
from eeforecast.errors import ParameterError

VERSIONS = ["2015-01-01", "2016-11-19", "2017-06-06", "2020-10-27", "2025-03-25"]


def test_profile_grid_varies_lists_and_fixes_the_rest():
    grid = profile_grid(
        age=[25, 40], english=[7, None], french=[9, 7], spouse_education=[None, "masters"],
        education="masters", job_offer="teer_00",
    )  # fmt: skip
    assert len(grid) == 16
    assert list(grid.columns) == ["age", "english", "french", "spouse_education", "profile"]
    p = grid.iloc[-1]["profile"]
    assert isinstance(p, Profile) and p.name == f"g{len(grid)}"
    assert (p.age, p.education, p.job_offer, p.english, p.spouse.education) == (
        40, "masters", "teer_00", None, "masters"
    )  # fmt: skip
    assert p.french.levels == (7, 7, 7, 7)


def test_profile_grid_errors_name_the_field():
    with pytest.raises(ParameterError, match="age: an empty list"):
        profile_grid(age=[])
    with pytest.raises(ParameterError, match="education: "):
        profile_grid(education=["bachelors", "phd"])
    with pytest.raises(ParameterError, match="english: a language test is required"):
        profile_grid(english=None)


def test_score_grid_scores_every_version_by_default():
    grid = profile_grid(age=[30, 35], job_offer=["none", "teer_00"])
    scores = score_grid(grid)
    assert len(scores) == 4 * len(VERSIONS)
    assert scores["rules"].tolist()[: len(VERSIONS)] == VERSIONS
    assert list(scores.columns) == [
        "age", "job_offer", "name", "as_of", "rules", "core", "spouse", "transferability",
        "additional", "total",
    ]  # fmt: skip
    for row in scores.sample(6, random_state=1).itertuples():
        p = grid.set_index(["age", "job_offer"]).loc[(row.age, row.job_offer), "profile"]
        assert score(p, as_of=row.as_of).total == row.total
    tables = rules_versions().query("status == 'table'")
    assert sorted(set(scores["as_of"])) == sorted(tables["in_force"])


def test_score_grid_takes_plain_profiles_and_days():
    profiles = list(profile_grid(age=[20, 44])["profile"])
    scores = score_grid(profiles, days=["2025-06-01"])
    assert scores.columns[0] == "name" and scores["name"].tolist() == ["g1", "g2"]
    with pytest.raises(ParameterError, match="'profile' column"):
        score_grid(pd.DataFrame({"x": [1]}))


def test_the_2025_job_offer_removal_moved_exactly_the_job_offers():
    grid = profile_grid(
        age=[25, 35], education=["secondary", "masters"], job_offer=["none", "other", "teer_00"],
        spouse_education=[None, "bachelors"],
    )  # fmt: skip
    moved = compare_rules(grid, before="2025-03-24", after="2025-03-25")
    assert set(moved["rules_before"]) == {"2020-10-27"} and set(moved["rules_after"]) == {
        "2025-03-25"
    }
    by_offer = moved.groupby("job_offer")["change"].agg(["min", "max"])
    assert by_offer.loc["none"].tolist() == [0, 0]
    assert by_offer.loc["other"].tolist() == [-50, -50]
    assert by_offer.loc["teer_00"].tolist() == [-200, -200]
    assert (moved["change"] == moved["additional_change"]).all()
    assert (moved[["core_change", "spouse_change", "transferability_change"]] == 0).all().all()
    fig = plots.rules_change(moved, by="job_offer")
    texts = [t.get_text() for t in fig.texts]
    assert any("16 of 24 synthetic profiles changed score" in t for t in texts)
    assert fig.axes[0].get_xlabel() == "score under the 2020-10-27 rules [CRS points]"
    assert plots.rules_change(moved.iloc[:0]).axes  # an empty comparison still draws


def test_the_odds_path_figure():
    path = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "until": pd.to_datetime(["2026-01-31", "2026-02-28"]),
            "score": [450, 470],
            "categories": ["general", "general+cec"],
            "rounds": [2, 3],
            "probability": [0.1, 0.4],
            "se": [0.01, 0.02],
        }
    )
    fig = plots.odds_path(path)
    top, bottom = fig.axes[:2]
    assert [t.get_text() for t in top.texts] == ["general", "general+cec"]
    assert bottom.get_ylabel() == "P(invited) [%]"
    assert plots.odds_path(path.iloc[:0]).axes
