"""The score over time, the what-if ranking and the eligibility helper."""

from __future__ import annotations

import pandas as pd
import pytest

from eeforecast.crs import LanguageTest, Profile, Spouse, eligible_categories, timeline, what_if
from eeforecast.crs.profile import OCCUPATIONS
from eeforecast.data.categories import CATEGORIES
from eeforecast.errors import ParameterError


def clb(*levels, date=None):
    return LanguageTest("clb", *levels, test_date=date)


def nclc(*levels, date=None):
    return LanguageTest("nclc", *levels, test_date=date)


# Timeline ----------------------------------------------------------------------------------------


def test_birthday_drop():
    # single, master's, CLB 9: 135 + 124 + transferability 50 = 309 + age; 29 -> 110, 30 -> 105
    p = Profile(date_of_birth="1996-03-14", education="masters", english=clb(9, 9, 9, 9))
    t = timeline(p, months=4, as_of="2026-01-20")
    assert t["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2026-01-20", "2026-02-20", "2026-03-20", "2026-04-20", "2026-05-20"
    ]  # fmt: skip
    assert t["age"].tolist() == [29, 29, 30, 30, 30]
    assert t["total"].tolist() == [419, 419, 414, 414, 414]
    assert t.loc[2, "change"] == "age 29 -> 30 (birthday 03-14); total -5"
    assert t.loc[1, "change"] == ""
    assert "age stays fixed" not in t.loc[0, "change"]
    assert "english test does not expire (no test_date)" in t.loc[0, "change"]


def test_without_dates_nothing_moves_and_the_first_row_says_why():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9), canadian_experience_years=1)
    t = timeline(p, months=30, as_of="2025-06-01")
    assert t["total"].nunique() == 1 and len(t) == 31
    first = t.loc[0, "change"]
    for words in ("age stays fixed (no date_of_birth)", "Canadian experience stays fixed",
                  "english test does not expire", "education does not expire (no eca_date)"):  # fmt: skip
        assert words in first


def test_canadian_experience_grows_while_working_in_canada():
    # 4 months into the first year: year 1 completes after 8 months, year 2 after 20
    # single, 30, bachelor's, CLB 7 x 4: 105 + 120 + 68 = 293, transferability 13 (CLB 7 tier)
    # year 1: +40 core, +13 education pair -> 359; year 2: 53 core, 25 pair -> 384
    p = Profile(
        age=30,
        education="bachelors",
        working_in_canada=True,
        canadian_experience_months=4,
        english=clb(7, 7, 7, 7),
    )
    t = timeline(p, months=24, as_of="2025-06-01")
    years = t["canadian_experience_years"].tolist()
    assert years.index(1) == 8 and years.index(2) == 20
    assert t.loc[[0, 8, 20], "total"].tolist() == [306, 359, 384]
    assert t.loc[8, "categories"] == "cec" and t.loc[7, "categories"] == ""
    assert "canadian_experience_years 0 -> 1" in t.loc[8, "change"]
    assert "categories - -> cec" in t.loc[8, "change"]


def test_test_expiry_shows_in_the_month_after_it():
    # English of 2024-08-15 is valid through 2026-08-14; French NCLC 7 stays (first language then)
    p = Profile(
        age=30,
        education="bachelors",
        english=clb(9, 9, 9, 9, date="2024-08-15"),
        french=nclc(7, 7, 7, 7, date="2025-01-01"),
    )
    t = timeline(p, months=3, as_of="2026-06-15")
    assert t["english"].tolist() == ["9/9/9/9", "9/9/9/9", "-", "-"]
    assert t["first_language"].tolist() == ["english", "english", "french", "french"]
    assert "valid until 2026-08-14" in t.loc[2, "change"]
    assert t.loc[2, "total"] < t.loc[1, "total"]
    assert any("expired on 2026-08-15" in note for note in t.attrs["notes"])


def test_eca_expiry():
    p = Profile(age=30, education="masters", eca_date="2021-09-01", english=clb(9, 9, 9, 9))
    t = timeline(p, months=2, as_of="2026-07-15")
    assert t["education"].tolist() == ["masters", "masters", "less_than_secondary"]
    # master's 135 and its transferability 50 are lost
    assert t.loc[1, "total"] - t.loc[2, "total"] == 135 + 50


def test_rules_change_along_the_timeline():
    # a TEER 00 job offer is worth 200 until 2025-03-24, nothing from 2025-03-25
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9), job_offer="teer_00")
    t = timeline(p, months=3, as_of="2025-01-25")
    assert t["rules"].tolist() == ["2020-10-27", "2020-10-27", "2025-03-25", "2025-03-25"]
    assert t["total"].diff().tolist()[1:] == [0, -200, 0]
    assert "rules 2020-10-27 -> 2025-03-25" in t.loc[2, "change"]


def test_timeline_columns_and_errors():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9))
    t = timeline(p, months=0, as_of="2025-06-01")
    assert list(t.columns) == [
        "date", "age", "canadian_experience_years", "education", "english", "french",
        "first_language", "core", "spouse", "transferability", "additional", "total", "rules",
        "categories", "change",
    ]  # fmt: skip
    assert len(t) == 1
    for bad in (1.5, True, "12", "26w", "90d", "soon"):
        with pytest.raises(ParameterError, match="^months: the span is counted in months"):
            timeline(p, months=bad, as_of="2025-06-01")
    for bad in (-1, 601, "51y"):
        with pytest.raises(ParameterError, match="^months: must be 0 to 600 months"):
            timeline(p, months=bad, as_of="2025-06-01")
    assert len(timeline(p, months="1y", as_of="2025-06-01")) == 13
    assert timeline(p, months="3m", as_of="2025-06-01").equals(
        timeline(p, months=3, as_of="2025-06-01")
    )
    with pytest.raises(ParameterError, match="^as_of: "):
        timeline(p, as_of="2014-06-01")


# What-if ---------------------------------------------------------------------------------------


def test_what_if_ranks_hand_computed_gains():
    # the 426 example: R8 W7 L8 S7 (CLB, single), bachelor's, 1 y Canadian, 3 y foreign
    p = Profile(
        age=29,
        education="bachelors",
        canadian_experience_years=1,
        foreign_experience_years=3,
        english=LanguageTest("celpip", 8, 7, 8, 7),
    )
    w = what_if(p, as_of="2025-06-01")
    gains = dict(zip(w["change"], w["gain"], strict=True))
    assert list(w.columns) == ["change", "total", "gain", "categories"]
    assert w["gain"].is_monotonic_decreasing and (w["gain"] > 0).all()
    assert w.loc[0, "change"] == "provincial_nomination" and gains["provincial_nomination"] == 600
    # reading 8 -> 9: 23 -> 31 = +8; writing 7 -> 8: 17 -> 23 = +6 (lowest stays 7: no tier change)
    assert gains["english reading: CLB 8 -> 9"] == 8
    assert gains["english writing: CLB 7 -> 8"] == 6
    # Canadian 1 -> 2: core 40 -> 53 (+13), both transferability pairs 13 -> 25 and 25 -> 50 but
    # foreign is capped at 50 already: +12 education pair -> +25
    assert gains["canadian_experience_years 1 -> 2"] == 25
    # NCLC 7 on all four as second language: 4 x 3 = 12 core + French 50 -> +62
    assert gains["french: NCLC 7 on all four abilities"] == 62
    assert w.loc[w["change"] == "french: NCLC 7 on all four abilities", "categories"].item() == (
        "cec,french"
    )
    # bachelor's -> two or more: 120 -> 128 core, education pair 26 -> 50 (CLB 7 25 + Canadian 25)
    assert gains["education bachelors -> two_or_more"] == 8 + 24
    # a job offer is worth nothing under the 2025-03-25 rules: not listed
    assert not w["change"].str.startswith("job_offer").any()
    assert w.attrs["total"] == 426 and w.attrs["rules"] == "2025-03-25"


def test_what_if_never_raises_past_the_top():
    p = Profile(age=29, education="doctoral", english=clb(12, 12, 12, 12), french=nclc(12, 9, 9, 9))
    w = what_if(p, as_of="2025-06-01")
    assert not w["change"].str.contains("english").any()
    assert not w["change"].str.contains("french reading").any()
    assert not w["change"].str.contains("education doctoral").any()
    assert not w["change"].str.contains("NCLC 7 on all four").any()  # already there


def test_what_if_before_2025_lists_job_offers_and_spouse_choices():
    p = Profile(
        age=29,
        education="bachelors",
        english=clb(9, 9, 9, 9),
        spouse=Spouse(education="secondary", english=clb(5, 5, 5, 5)),
    )
    w = what_if(p, as_of="2024-06-01")
    gains = dict(zip(w["change"], w["gain"], strict=True))
    assert gains["job_offer teer_00"] == 200 and gains["job_offer other"] == 50
    # single: age 110 vs 100, bachelor's 120 vs 112, CLB 9 31 vs 29 (x4): +10 + 8 + 8 = 26 core,
    # minus the spouse's 2 + 4 x 1 = 6 -> +20
    assert gains["spouse does not accompany (scored without spouse)"] == 20
    assert "spouse english reading: CLB 5 -> 6" not in gains  # 5 and 6 are both 1 point
    assert gains["spouse education secondary -> one_year"] == 4  # 2 -> 6


def test_what_if_renews_a_test_that_does_not_count():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9, date="2022-01-01"))
    w = what_if(p, as_of="2025-06-01")
    assert w.loc[w["change"].str.startswith("english: a new test"), "gain"].item() == 124 + 50


# Eligibility -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, ()),
        ({"canadian_experience_years": 1}, ("cec",)),
        ({"french": nclc(7, 7, 7, 7)}, ("french",)),
        ({"french": nclc(7, 7, 6, 7)}, ()),
        ({"french": nclc(9, 9, 9, 9, date="2023-01-01")}, ()),  # expired by 2025-06-01
        ({"provincial_nomination": True}, ("pnp",)),
        ({"occupation_category": "healthcare"}, ("healthcare",)),
        (
            {
                "canadian_experience_years": 2,
                "french": nclc(8, 8, 8, 8),
                "provincial_nomination": True,
                "occupation_category": "trades",
            },
            ("cec", "french", "pnp", "trades"),
        ),  # fmt: skip
    ],
)
def test_eligible_categories(fields, expected):
    p = Profile(age=30, education="bachelors", english=clb(7, 7, 7, 7), **fields)
    assert eligible_categories(p, as_of="2025-06-01") == expected


def test_occupation_slugs_are_round_categories():
    assert set(OCCUPATIONS) <= set(CATEGORIES)
    assert {"cec", "french", "pnp"} <= set(CATEGORIES)


def test_the_score_carries_the_categories():
    from eeforecast.crs import score

    p = Profile(age=30, education="bachelors", english=clb(7, 7, 7, 7), canadian_experience_years=1)
    assert score(p, as_of="2025-06-01").categories == ("cec",)
    assert pd.Timestamp("2025-06-01") == score(p, as_of="2025-06-01").as_of
