import pytest

from eeforecast.data.categories import (
    CATEGORIES,
    LABELS,
    NewCategoryWarning,
    categorize,
    normalize_name,
)


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("No Program Specified", "general"),
        ("General", "general"),
        ("  general  ", "general"),
        ("Canadian Experience Class", "cec"),
        ("Provincial Nominee Program", "pnp"),
        ("Federal Skilled Worker", "fsw"),
        ("Federal Skilled Trades", "fst"),
        ("Federal Skilled Trades Program", "fst"),
        ("French language proficiency (2023-1)", "french"),
        ("French language proficiency (Version 1)", "french"),
        ("FRENCH LANGUAGE PROFICIENCY (VERSION 2)", "french"),
        ("Healthcare occupations (Version 1)", "healthcare"),
        ("Healthcare and social services occupations (Version 2)", "healthcare"),
        ("Healthcare and social services occupations, 2026-Version 3", "healthcare"),
        ("Health care occupations", "healthcare"),
        ("STEM occupations (2023-1)", "stem"),
        ("Trade occupations (Version 2)", "trades"),
        ("Trades occupations, 2026-Version 3", "trades"),
        ("Transport occupations (Version 1)", "transport"),
        ("Agriculture and agri-food occupations (Version 1)", "agriculture"),
        ("Education occupations (Version 1)", "education"),
    ],
)
def test_known_names_map_by_meaning(name, slug):
    assert categorize(name) == slug


def test_every_bundled_round_type_is_known(feed):
    assert set(feed.rounds["category"]) <= set(CATEGORIES)
    assert set(LABELS) == set(CATEGORIES)


def test_unknown_round_type_gets_its_own_slug_with_a_warning():
    with pytest.warns(NewCategoryWarning, match="Senior managers"):
        slug = categorize("Senior managers with Canadian work experience (Version 1)")
    assert slug == "senior-managers-with-canadian-work-experience"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        (
            "Physicians with Canadian work experience (Version 1)",
            "physicians-with-canadian-work-experience",
        ),
        ("Francophone minority communities", "francophone-minority-communities"),
    ],
)
def test_narrower_round_types_are_not_folded_into_a_category(name, slug):
    # their sizes and cutoffs would corrupt the healthcare or French series
    with pytest.warns(NewCategoryWarning, match="matches no known category"):
        assert categorize(name) == slug


def test_normalize_drops_versions_and_spaces():
    assert normalize_name(" STEM  occupations (Version 12) ") == "stem occupations"
    assert normalize_name("Trade occupations, 2026-Version 3") == "trade occupations"
