"""CRS scores: hand-computed answers, IRCC's worked examples, every cap, every version, invariants."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eeforecast.crs import LanguageTest, Profile, Spouse, score
from eeforecast.crs.facts import facts_on
from eeforecast.crs.profile import EDUCATION
from eeforecast.crs.rules import all_versions
from eeforecast.crs.score import points as breakdown_rows
from eeforecast.errors import ParameterError

TODAY = "2025-06-01"  # after 2025-03-25, before the unconfirmed 2026-11-03 change


def clb(*levels, date=None):
    return LanguageTest("clb", *levels, test_date=date)


def nclc(*levels, date=None):
    return LanguageTest("nclc", *levels, test_date=date)


def points(result, factor, block=None):
    frame = result.breakdown
    rows = frame[(frame["factor"] == factor) & ((frame["block"] == block) if block else True)]
    assert len(rows) == 1, factor
    return int(rows["points"].iloc[0])


# IRCC's worked examples (no job offer) ---------------------------------------------------------


def test_worked_example_509_single_masters_clb9():
    # core: age 29 110 + master's 135 + 4 x CLB 9 31 = 124 + 1 year Canadian 40 = 409
    # transferability: education min(50, 50 + 25) = 50; foreign 3 y min(50, 50 + 25) = 50 -> 100
    p = Profile(
        age=29,
        education="masters",
        canadian_experience_years=1,
        foreign_experience_years=3,
        english=LanguageTest("ielts", 7.0, 7.0, 8.0, 7.0),  # CLB 9 on all four
    )
    r = score(p, as_of=TODAY)
    assert (r.core, r.spouse, r.transferability, r.additional, r.total) == (409, 0, 100, 0, 509)
    assert (
        points(r, "education.over_cap") == -25 and points(r, "foreign_experience.over_cap") == -25
    )


def test_worked_example_426_single_bachelors_mixed_levels():
    # core: 110 + 120 + L8 23 + R8 23 + W7 17 + S7 17 = 80 + 40 = 350
    # transferability: lowest CLB 7 -> bachelor's 13 + Canadian 1 y 13 = 26; foreign 3 y 25 + 25
    # = 50 -> 76; total 426
    p = Profile(
        age=29,
        education="bachelors",
        canadian_experience_years=1,
        foreign_experience_years=3,
        english=LanguageTest("celpip", 8, 7, 8, 7),  # reading, writing, listening, speaking
    )
    r = score(p, as_of=TODAY)
    assert (r.core, r.transferability, r.total) == (350, 76, 426)


def test_worked_example_472_with_spouse_and_sibling():
    # core: 100 + 112 + 4 x 29 = 116 + Canadian 3 y 56 = 384
    # spouse: bachelor's 8 + R6 1 + W7 3 + L5 1 + S8 3 + Canadian 2 y 7 = 23
    # transferability: bachelor's + CLB 9 25 + Canadian 2 y 25 = 50; additional: sibling 15
    p = Profile(
        age=29,
        education="bachelors",
        canadian_experience_years=3,
        sibling_in_canada=True,
        english=clb(9, 9, 9, 9),
        spouse=Spouse(education="bachelors", canadian_experience_years=2, english=clb(6, 7, 5, 8)),
    )
    r = score(p, as_of=TODAY)
    assert (r.core, r.spouse, r.transferability, r.additional, r.total) == (384, 23, 50, 15, 472)


# Other hand-computed answers and every cap --------------------------------------------------------


def test_french_first_language_chosen_because_it_scores_higher():
    # French first: age 35 77 + two-year 98 + 4 x NCLC 10 34 = 136 + English CLB 5 second 4 x 1
    # = 4 -> core 315; transferability two-year + tier CLB 9: 25; French 50 (English CLB 5+ on all
    # four) -> 390. English first would give 77 + 98 + 4 x 6 + 24 = 223 core, 0 transfer, 50: 273.
    p = Profile(age=35, education="two_year", english=clb(5, 5, 5, 5), french=nclc(10, 10, 10, 10))
    r = score(p, as_of=TODAY)
    assert (r.first_language, r.core, r.transferability, r.additional, r.total) == (
        "french", 315, 25, 50, 390
    )  # fmt: skip
    forced = score(replace(p, first_language="english"), as_of=TODAY)
    assert forced.total == 273


def test_second_language_cap_22_with_spouse_24_without():
    # age 31 w/ sp 90 + master's 126 + 4 x CLB 10 32 = 128 + NCLC 9 x 4 = 24 capped to 22 +
    # Canadian 2 y 46 -> core 412; spouse secondary 2; transferability master's + CLB 9 50 +
    # Canadian 2 y 50 -> 100 capped 50; French 50 -> 412 + 2 + 50 + 50 = 514
    spouse = Profile(
        age=31,
        education="masters",
        canadian_experience_years=2,
        english=clb(10, 10, 10, 10),
        french=nclc(9, 9, 9, 9),
        spouse=Spouse(education="secondary"),
    )
    r = score(spouse, as_of=TODAY)
    assert (r.core, r.spouse, r.transferability, r.additional, r.total) == (412, 2, 50, 50, 514)
    assert points(r, "second_language.over_cap") == -2
    # single: 24 is the cap, not exceeded: no over_cap row; age 99 + 135 + 136 + 24 + 53 = 447
    single = score(replace(spouse, spouse=None), as_of=TODAY)
    assert single.core == 447
    assert "second_language.over_cap" not in set(single.breakdown["factor"])


def test_transferability_total_cap_100_and_certificate():
    # education: bachelor's + CLB 9 25 + Canadian 2 y 25 = 50; foreign 3 y 50 + 50 -> 50;
    # certificate (all four CLB 7+) 50; 150 -> 100. Core 110 + 120 + 124 + 53 = 407 -> 507
    p = Profile(
        age=25,
        education="bachelors",
        canadian_experience_years=2,
        foreign_experience_years=3,
        certificate_of_qualification=True,
        english=LanguageTest("pte_core", 78, 88, 82, 84),  # CLB 9 on all four
    )
    r = score(p, as_of=TODAY)
    assert (r.core, r.transferability, r.total) == (407, 100, 507)
    assert points(r, "certificate_of_qualification") == 50
    assert points(r, "over_cap", "transferability") == -50


@pytest.mark.parametrize(
    ("levels", "certificate"),
    [
        ((5, 6, 5, 6), 25),  # all four CLB 5+, one below 7
        ((7, 7, 8, 12), 50),  # all four CLB 7+
        ((4, 9, 9, 9), 0),  # one ability below 5
    ],
)
def test_certificate_of_qualification_tiers(levels, certificate):
    p = Profile(
        age=30, education="secondary", certificate_of_qualification=True, english=clb(*levels)
    )
    assert points(score(p, as_of=TODAY), "certificate_of_qualification") == certificate


def test_additional_cap_600_and_french_with_weak_english():
    # French first: age 45 0 + secondary 30 + 4 x NCLC 7 17 = 68 + English CLB 4 second 0 = 98;
    # transferability 0 (secondary). Additional: 600 + French 25 (English CLB 4 or less) + sibling
    # 15 = 640 -> 600. Total 698.
    p = Profile(
        age=45,
        education="secondary",
        provincial_nomination=True,
        sibling_in_canada=True,
        english=clb(4, 4, 4, 4),
        french=nclc(7, 7, 7, 7),
    )
    r = score(p, as_of=TODAY)
    assert (r.core, r.transferability, r.additional, r.total) == (98, 0, 600, 698)
    assert points(r, "french") == 25
    assert points(r, "over_cap", "additional") == -40


def test_the_breakdown_and_frames():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9), name="ana")
    r = score(p, as_of=TODAY)
    assert list(r.breakdown.columns) == ["block", "factor", "points", "cap"]
    assert r.breakdown["points"].sum() == r.total
    assert r.breakdown.set_index("factor").loc["age", "cap"] == 110
    frame = r.to_frame()
    assert list(frame.columns) == [
        "profile", "rules", "core", "spouse", "transferability", "additional", "total"
    ]  # fmt: skip
    # 110 + 135 + 4 x 31 = 369; master's + CLB 9 tier 50, no Canadian work -> 419
    assert frame.iloc[0].tolist() == ["ana", "2025-03-25", 369, 0, 50, 0, 419]
    text = str(r)
    assert "CRS score 419" in text and "rules 2025-03-25" in text


# Versions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "teer_00", "other"),
    [
        ("2016-11-18", 600, 600),
        ("2016-11-19", 200, 50),
        ("2025-03-24", 200, 50),
        ("2025-03-25", 0, 0),
    ],
)
def test_job_offer_points_by_version(day, teer_00, other):
    base = dict(age=29, education="masters", english=clb(9, 9, 9, 9))
    none = score(Profile(**base), as_of=day).total
    assert score(Profile(**base, job_offer="teer_00"), as_of=day).total - none == teer_00
    assert score(Profile(**base, job_offer="other"), as_of=day).total - none == other
    # a provincial nomination and a 600-point job offer still make 600
    both = score(Profile(**base, job_offer="teer_00", provincial_nomination=True), as_of=day)
    assert both.additional == 600


def test_no_points_for_a_job_offer_is_said():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9), job_offer="teer_00")
    r = score(p, as_of=TODAY)
    assert any(n.startswith("job_offer: no points under the 2025-03-25 rules") for n in r.notes)


@pytest.mark.parametrize(
    ("day", "strong", "weak"),
    [("2017-06-05", 0, 0), ("2017-06-06", 30, 15), ("2020-10-26", 30, 15), ("2020-10-27", 50, 25)],
)
def test_french_points_by_version(day, strong, weak):
    french = nclc(7, 8, 9, 7)
    with_english = Profile(age=30, education="bachelors", english=clb(5, 6, 5, 9), french=french)
    weak_english = Profile(age=30, education="bachelors", english=clb(4, 9, 9, 9), french=french)
    assert points(score(with_english, as_of=day), "french") == strong
    assert points(score(weak_english, as_of=day), "french") == weak
    no_english = Profile(age=30, education="bachelors", french=french)
    assert points(score(no_english, as_of=day), "french") == weak


@pytest.mark.parametrize(("day", "sibling"), [("2017-06-05", 0), ("2017-06-06", 15)])
def test_sibling_points_by_version(day, sibling):
    p = Profile(age=30, education="secondary", english=clb(7, 7, 7, 7), sibling_in_canada=True)
    r = score(p, as_of=day)
    assert points(r, "sibling_in_canada") == sibling
    assert any("sibling_in_canada: no points" in n for n in r.notes) == (sibling == 0)


@pytest.mark.parametrize(
    ("day", "short", "long"), [("2016-11-18", 0, 0), ("2016-11-19", 15, 30), (TODAY, 15, 30)]
)
def test_canadian_education_points_by_version(day, short, long):
    def canadian(level):
        p = Profile(age=30, education="masters", canadian_education=level, english=clb(7, 7, 7, 7))
        return points(score(p, as_of=day), "canadian_education")

    assert (canadian("none"), canadian("one_or_two_years"), canadian("three_plus_years")) == (
        0, short, long
    )  # fmt: skip


def test_the_unconfirmed_2026_11_03_change_is_noted_not_silent():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9))
    before, after = score(p, as_of="2026-11-02"), score(p, as_of="2026-11-03")
    assert before.rules == after.rules == "2025-03-25" and before.total == after.total
    assert not before.notes
    assert "2026-11-03" in after.notes[0] and "2025-03-25" in after.notes[0]
    assert "note: a change reported for 2026-11-03" in after.summary()


def test_as_of_before_2015_is_an_error_naming_as_of():
    p = Profile(age=29, education="masters", english=clb(9, 9, 9, 9))
    with pytest.raises(ParameterError, match="^as_of: the CRS scores days from 2015-01-01"):
        score(p, as_of="2014-12-31")


# Dated facts on the scoring day --------------------------------------------------------------------


def test_expired_and_future_tests_do_not_count():
    # English of 2023-05-01 expires 2025-05-01: only the French test counts, as first language
    p = Profile(
        age=30,
        education="bachelors",
        english=clb(9, 9, 9, 9, date="2023-05-01"),
        french=nclc(5, 5, 5, 5, date="2024-01-10"),
    )
    on = score(p, as_of="2025-04-30")
    off = score(p, as_of="2025-05-01")
    assert on.first_language == "english" and off.first_language == "french"
    # off: 105 + 120 + 4 x NCLC 5 6 = 24 -> 249, no transferability
    assert (off.core, off.transferability, off.total) == (249, 0, 249)
    assert any("english test of 2023-05-01 expired on 2025-05-01" in n for n in off.notes)
    early = score(p, as_of="2024-01-09")
    assert any("french test is dated 2024-01-10" in n for n in early.notes)


def test_age_comes_from_date_of_birth_when_given():
    p = Profile(date_of_birth="1996-03-14", education="masters", english=clb(9, 9, 9, 9))
    assert points(score(p, as_of="2026-03-13"), "age") == 110  # 29
    assert points(score(p, as_of="2026-03-14"), "age") == 105  # 30
    stale = Profile(
        age=29, date_of_birth="1996-03-14", education="masters", english=clb(9, 9, 9, 9)
    )
    r = score(stale, as_of="2026-06-01")
    assert points(r, "age") == 105 and any("date_of_birth is used" in n for n in r.notes)
    unborn = replace(p, date_of_birth="2016-01-01")
    with pytest.raises(ParameterError, match="^date_of_birth: 2016-01-01 is after 2015-06-01$"):
        score(unborn, as_of="2015-06-01")


def test_expired_eca_falls_back_to_the_canadian_credential():
    # foreign master's assessed 2019-01-10: valid to 2024-01-09; afterwards only the Canadian
    # 1-2 year credential counts, as one_year: 90 instead of 135 (single), and transferability
    # moves from the master's row (50) to the one-year row (25)
    p = Profile(
        age=30,
        education="masters",
        canadian_education="one_or_two_years",
        eca_date="2019-01-10",
        english=clb(9, 9, 9, 9),
    )
    valid, expired = score(p, as_of="2024-01-09"), score(p, as_of="2024-01-10")
    assert points(valid, "education") == 135 and points(expired, "education") == 90
    assert valid.total - expired.total == 45 + 25
    assert any("assessment of 2019-01-10 expired on 2024-01-10" in n for n in expired.notes)


def test_a_path_is_scored(tmp_path):
    path = tmp_path / "bo.toml"
    path.write_text('age = 29\neducation = "masters"\n[english]\ntest = "clb"\nreading = 9\n'
                    "writing = 9\nlistening = 9\nspeaking = 9\n", encoding="utf-8")  # fmt: skip
    r = score(path, as_of=TODAY)
    assert (r.profile, r.total) == ("bo", 419)  # 110 + 135 + 124 = 369; transferability 50
    with pytest.raises(ParameterError, match="^profile: expected a Profile or a TOML path"):
        score(42, as_of=TODAY)


# Invariants ------------------------------------------------------------------------------------------

DAYS = ["2015-06-01", "2016-12-01", "2018-01-01", "2021-01-01", "2025-06-01", "2026-11-27"]
# a person's four abilities sit close together: a base level (mostly 3-10, where points change)
# and small steps around it, so tiers ("all four at 7+", "one below 5") are often just met or missed
levels = st.builds(
    lambda base, steps: tuple(min(12, max(1, base + s)) for s in steps),
    st.integers(3, 10) | st.integers(1, 12),
    st.tuples(*[st.sampled_from([-1, 0, 0, 1])] * 4),
)


@st.composite
def profiles(draw):
    education = draw(st.sampled_from(EDUCATION))
    canadian = draw(st.sampled_from(["none", "one_or_two_years", "three_plus_years"]))
    if EDUCATION.index(education) < EDUCATION.index("bachelors"):
        canadian = "none"
    # most candidates have English, many French too; at least one of them
    english = draw(st.sampled_from([True, True, True, False]))
    french = draw(st.booleans()) if english else True
    english = clb(*draw(levels)) if english else None
    french = nclc(*draw(levels)) if french else None
    spouse = draw(
        st.none()
        | st.builds(
            Spouse,
            education=st.sampled_from(EDUCATION),
            canadian_experience_years=st.integers(0, 7),
            english=st.none() | levels.map(lambda lv: clb(*lv)),
            french=st.none() | levels.map(lambda lv: nclc(*lv)),
        )
    )
    return Profile(
        age=draw(st.integers(15, 50)),
        education=education,
        canadian_education=canadian,
        canadian_experience_years=draw(st.integers(0, 7)),
        foreign_experience_years=draw(st.integers(0, 5)),
        certificate_of_qualification=draw(st.booleans()),
        provincial_nomination=draw(st.booleans()),
        sibling_in_canada=draw(st.booleans()),
        job_offer=draw(st.sampled_from(["none", "teer_00", "other"])),
        english=english,
        french=french,
        spouse=spouse,
    )


@settings(max_examples=300, deadline=None)
@given(p=profiles(), day=st.sampled_from(DAYS))
def test_total_is_the_sum_of_its_parts_and_within_the_budget(p, day):
    r = score(p, as_of=day)
    assert r.total == r.core + r.spouse + r.transferability + r.additional
    assert r.total == r.breakdown["points"].sum()
    assert 0 <= r.total <= 1200
    assert r.core <= (460 if p.spouse else 500) and r.spouse <= 40
    assert r.transferability <= 100 and r.additional <= 600
    assert (r.breakdown["points"] <= r.breakdown["cap"]).all()


def _raised(p):
    """Every profile with one ability of one test (the candidate's or the spouse's) one level up."""
    for who in ("candidate", "spouse"):
        owner = p if who == "candidate" else p.spouse
        for lang in ("english", "french"):
            test = getattr(owner, lang) if owner is not None else None
            for i in range(4) if test is not None else ():
                if test.levels[i] < 12:
                    up = list(test.levels)
                    up[i] += 1
                    changed = replace(owner, **{lang: LanguageTest.from_levels(lang, up)})
                    yield (who, lang, i), replace(p, spouse=changed) if who == "spouse" else changed


@settings(max_examples=300, deadline=None)
@given(p=profiles(), day=st.sampled_from(DAYS))
def test_score_never_falls_when_a_level_rises(p, day):
    base = score(p, as_of=day).total
    for where, higher in _raised(p):
        assert score(higher, as_of=day).total >= base, where


def _patterns():
    """Four equal levels, or one ability a level below the others: every tier edge is met or missed."""
    for base in range(1, 13):
        yield (base,) * 4
        if base > 1:
            yield (base - 1, base, base, base)


@pytest.mark.parametrize("day", ["2018-01-01", "2025-06-01"])
def test_score_never_falls_when_a_level_rises_on_a_grid(day):
    # every English x French pattern (or none), single: the same invariant, exhaustively
    options = [None, *_patterns()]
    for english in options:
        for french in options:
            if english is None and french is None:
                continue
            p = Profile(
                age=30,
                education="bachelors",
                canadian_experience_years=1,
                english=clb(*english) if english else None,
                french=nclc(*french) if french else None,
            )
            base = score(p, as_of=day).total
            for where, higher in _raised(p):
                assert score(higher, as_of=day).total >= base, (english, french, where)


# the sheet's age table, 17 to 45: (with spouse, without spouse)
AGE = {17: (0, 0), 18: (90, 99), 19: (95, 105), **{a: (100, 110) for a in range(20, 30)},
       30: (95, 105), 31: (90, 99), 32: (85, 94), 33: (80, 88), 34: (75, 83), 35: (70, 77),
       36: (65, 72), 37: (60, 66), 38: (55, 61), 39: (50, 55), 40: (45, 50), 41: (35, 39),
       42: (25, 28), 43: (15, 17), 44: (5, 6), 45: (0, 0)}  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(age=st.integers(0, 120), with_spouse=st.booleans(), day=st.sampled_from(DAYS))
def test_age_points_follow_the_table(age, with_spouse, day):
    spouse = Spouse(education="secondary") if with_spouse else None
    r = score(
        Profile(age=age, education="secondary", english=clb(4, 4, 4, 4), spouse=spouse), as_of=day
    )
    expected = AGE[min(max(age, 17), 45)][0 if with_spouse else 1]
    assert points(r, "age") == expected


def test_a_second_language_too_low_to_count_is_said():
    # French NCLC 4 on all four as second language gives 0 (4 or less); English first
    p = Profile(age=30, education="bachelors", english=clb(9, 9, 9, 9), french=nclc(4, 4, 4, 4))
    r = score(p, as_of=TODAY)
    assert r.first_language == "english"
    assert "french (second official language) is too low to give points" in r.notes
    assert "first official language: english (the order that scores higher)" in r.notes


def test_the_spouses_tests_and_eca_expire_too():
    # spouse: master's 10 + CLB 9 x 4 = 20 + 0 -> 30; after 2025-03-01 the ECA (2020-03-01) has
    # expired (education 0), after 2025-07-01 the test (2023-07-01) too (language 0)
    spouse = Spouse(
        education="masters", eca_date="2020-03-01", english=clb(9, 9, 9, 9, date="2023-07-01")
    )
    p = Profile(age=30, education="bachelors", english=clb(7, 7, 7, 7), spouse=spouse)
    assert [score(p, as_of=d).spouse for d in ("2025-02-28", "2025-03-01", "2025-07-01")] == [
        30,
        20,
        0,
    ]


def test_the_spouse_scores_with_the_better_language():
    # English CLB 5 x 4 = 4 points; French NCLC 9 x 4 = 20 points -> 20
    spouse = Spouse(education="secondary", english=clb(5, 5, 5, 5), french=nclc(9, 9, 9, 9))
    p = Profile(age=30, education="bachelors", english=clb(7, 7, 7, 7), spouse=spouse)
    assert score(p, as_of=TODAY).spouse == 2 + 20


# Every cap is exact: a group one point over its cap loses exactly that point ---------------------

# (block, key of the cap in the rules table, the capped rows' prefix, a profile over that cap)
CAPPED = [
    ("core", "second_language", "second_language.",
     Profile(age=30, education="masters", english=clb(10, 10, 10, 10), french=nclc(9, 9, 9, 9))),
    ("core", "second_language", "second_language.",
     Profile(age=30, education="masters", english=clb(10, 10, 10, 10), french=nclc(9, 9, 9, 9),
             spouse=Spouse(education="secondary"))),
    ("transferability", "group_cap", "education.",
     Profile(age=30, education="masters", canadian_experience_years=2,
             english=clb(9, 9, 9, 9))),
    ("transferability", "cap", "",
     Profile(age=25, education="bachelors", canadian_experience_years=2,
             foreign_experience_years=3, certificate_of_qualification=True,
             english=clb(9, 9, 9, 9))),
    ("additional", "cap", "",
     Profile(age=45, education="secondary", provincial_nomination=True, sibling_in_canada=True,
             english=clb(4, 4, 4, 4), french=nclc(7, 7, 7, 7))),
]  # fmt: skip


def _capped_at(rules, block, key, cap):
    """``rules`` with one cap replaced (both columns of the second-language cap)."""
    table = dict(getattr(rules, block))
    if key == "second_language":
        table[key] = {**table[key], "cap": (cap, cap)}
    else:
        table[key] = cap
    return replace(rules, **{block: table})


@pytest.mark.parametrize("version", all_versions(), ids=lambda v: v.name)
@pytest.mark.parametrize(
    ("block", "key", "prefix", "profile"), CAPPED,
    ids=["second-language-single", "second-language-spouse", "transfer-group", "transfer",
         "additional"],
)  # fmt: skip
def test_a_cap_off_by_one_point_is_caught(version, block, key, prefix, profile):
    facts, _ = facts_on(profile, pd.Timestamp(version.in_force))

    def group(cap):
        rows = breakdown_rows(facts, _capped_at(version, block, key, cap), "english")
        total = sum(r[2] for r in rows if r[0] == block and r[1].startswith(prefix))
        over = [r[2] for r in rows if r[0] == block and r[1] == f"{prefix}over_cap"]
        return total, over

    uncapped, over = group(10_000)
    assert over == [] and uncapped > 1
    assert group(uncapped - 1) == (uncapped - 1, [-1])  # one point over: one point taken back
    assert group(uncapped) == (uncapped, [])  # at the cap: nothing taken back
    assert group(uncapped - 7) == (uncapped - 7, [-7])
