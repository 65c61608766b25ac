"""Profiles from TOML and mappings: every field checked, one error naming the field and file."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from eeforecast.crs import LanguageTest, Profile, Spouse
from eeforecast.errors import ParameterError

EXAMPLE = """\
age = 29                                 # whole years on the scoring day
education = "masters"
canadian_education = "none"
canadian_experience_years = 1
foreign_experience_years = 3
certificate_of_qualification = false
provincial_nomination = false
sibling_in_canada = false
job_offer = "none"
first_language = "english"

[english]
test = "ielts"
reading = 8.0
writing = 7.5
listening = 8.5
speaking = 7.5

[french]
test = "nclc"
reading = 7
writing = 7
listening = 7
speaking = 7

[spouse]
education = "bachelors"
canadian_experience_years = 2
[spouse.english]
test = "clb"
reading = 6
writing = 7
listening = 5
speaking = 8
"""

BASE = {
    "age": 29,
    "education": "bachelors",
    "english": {"test": "clb", "reading": 9, "writing": 9, "listening": 9, "speaking": 9},
}


def test_the_documented_example_reads(tmp_path):
    path = tmp_path / "profile.toml"
    path.write_text(EXAMPLE, encoding="utf-8")
    p = Profile.from_toml(path)
    assert p.name == "profile"
    assert p.english == LanguageTest("ielts", 8.0, 7.5, 8.5, 7.5)
    assert p.english.levels == (10, 10, 10, 10)
    assert p.french.levels == (7, 7, 7, 7)
    assert p.spouse == Spouse(
        education="bachelors",
        canadian_experience_years=2,
        english=LanguageTest("clb", 6, 7, 5, 8),
    )


def test_optional_fields_and_dates(tmp_path):
    path = tmp_path / "ana.toml"
    path.write_text(
        'name = "Ana"\ndate_of_birth = 1996-03-14\neducation = "masters"\n'
        'eca_date = "2023-05-02"\nworking_in_canada = true\ncanadian_experience_months = 4\n'
        'occupation_category = "stem"\n'
        '[french]\ntest = "tef"\ntest_date = 2024-02-01\n'
        "reading = 434\nwriting = 428\nlistening = 434\nspeaking = 456\n",
        encoding="utf-8",
    )
    p = Profile.from_toml(path)
    assert (p.name, p.age, p.date_of_birth) == ("Ana", None, pd.Timestamp("1996-03-14"))
    assert p.eca_date == pd.Timestamp("2023-05-02")
    assert p.french.levels == (7, 7, 7, 7)
    assert (p.working_in_canada, p.canadian_experience_months) == (True, 4)


def _error(mapping, match, source="profile.toml"):
    with pytest.raises(ParameterError, match=match) as info:
        Profile.from_dict(mapping, source=source)
    return str(info.value)


def _with(**changes):
    mapping = copy.deepcopy(BASE)
    for key, value in changes.items():
        parts = key.split("__")
        target = mapping
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        if value is ...:
            del target[parts[-1]]
        else:
            target[parts[-1]] = value
    return mapping


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"agee": 30}, r"^profile.toml: agee: unknown field \(did you mean age\?\)$"),
        ({"education": ...}, "^profile.toml: education: required field is missing$"),
        ({"age": ...}, r"^profile.toml: age: required field is missing \(or give date_of_birth\)$"),
        ({"english": ...}, r"^profile.toml: english: a language test is required"),
        ({"english__speaking": ...}, "^profile.toml: english.speaking: required field is missing$"),
        ({"english__test": ...}, "^profile.toml: english.test: required field is missing$"),
        ({"age": 150}, "^profile.toml: age: must be between 0 and 120, got 150$"),
        ({"age": -1}, "^profile.toml: age: must be between 0 and 120, got -1$"),
        ({"age": "29"}, "^profile.toml: age: expected a whole number, got '29'$"),
        ({"age": 29.5}, "^profile.toml: age: expected a whole number, got 29.5$"),
        ({"age": True}, "^profile.toml: age: expected a whole number, got True$"),
        (
            {"canadian_experience_years": -1},
            "^profile.toml: canadian_experience_years: must be between 0 and 60",
        ),
        (
            {"foreign_experience_years": False},
            "^profile.toml: foreign_experience_years: expected a whole number",
        ),
        (
            {"canadian_experience_months": 12},
            "^profile.toml: canadian_experience_months: must be between 0 and 11",
        ),
        (
            {"education": "phd"},
            "^profile.toml: education: must be one of less_than_secondary, .*, got 'phd'$",
        ),
        ({"job_offer": "teer_0"}, "^profile.toml: job_offer: must be one of none, teer_00, other"),
        (
            {"provincial_nomination": "yes"},
            "^profile.toml: provincial_nomination: expected true or false, got 'yes'$",
        ),
        (
            {"sibling_in_canada": 1},
            "^profile.toml: sibling_in_canada: expected true or false, got 1$",
        ),
        (
            {"occupation_category": "it"},
            "^profile.toml: occupation_category: must be one of healthcare, stem",
        ),
        (
            {"first_language": "french"},
            r"^profile.toml: first_language: french has no \[french\] test$",
        ),
        (
            {"first_language": "spanish"},
            "^profile.toml: first_language: must be one of english, french",
        ),
        (
            {"date_of_birth": "14/03/1996"},
            "^profile.toml: date_of_birth: expected a date YYYY-MM-DD",
        ),
        ({"eca_date": 2023}, "^profile.toml: eca_date: expected a date YYYY-MM-DD, got 2023$"),
        (
            {"canadian_education": "three_plus_years", "education": "two_year"},
            "^profile.toml: canadian_education: three_plus_years needs education bachelors or higher",
        ),
        (
            {"english__reading": 13},
            "^profile.toml: english.reading: CLB reading must be between 1 and 12 .*got 13$",
        ),
        (
            {"english__test": "ielts", "english__reading": 9.5},
            "^profile.toml: english.reading: IELTS reading must be between 0 and 9 in steps of 0.5, got 9.5$",
        ),
        (
            {"english__test": "tef"},
            "^profile.toml: english.test: must be one of ielts, celpip, pte_core, clb, got 'tef'$",
        ),
        ({"english__grammar": 9}, "^profile.toml: english.grammar: unknown field$"),
        ({"english__test_date": "soon"}, "^profile.toml: english.test_date: expected a date"),
        ({"english": "ielts"}, "^profile.toml: english: expected a table, got 'ielts'$"),
        (
            {
                "french": {
                    "test": "tef",
                    "reading": 400,
                    "writing": 400,
                    "listening": 400,
                    "speaking": 400,
                }
            },
            "^profile.toml: french.test_date: TEF Canada has one chart per period",
        ),
        (
            {"spouse": {"canadian_experience_years": 1}},
            "^profile.toml: spouse.education: required field is missing$",
        ),
        (
            {"spouse": {"education": "secondary", "age": 30}},
            "^profile.toml: spouse.age: unknown field$",
        ),
        (
            {
                "spouse": {
                    "education": "secondary",
                    "english": {
                        "test": "clb",
                        "reading": 0,
                        "writing": 5,
                        "listening": 5,
                        "speaking": 5,
                    },
                }
            },
            "^profile.toml: spouse.english.reading: CLB reading must be between 1 and 12",
        ),
        (
            {"spouse": {"education": "secondary", "canadian_experience_years": 1.5}},
            "^profile.toml: spouse.canadian_experience_years: expected a whole number, got 1.5$",
        ),
        ({"spouse": True}, "^profile.toml: spouse: expected a table, got True$"),
    ],
)
def test_each_error_names_the_field_and_the_file(changes, message):
    _error(_with(**changes), message)


def test_without_a_source_the_error_starts_with_the_field():
    with pytest.raises(ParameterError, match="^age: must be between 0 and 120, got 150$"):
        Profile.from_dict(_with(age=150))
    with pytest.raises(ParameterError, match="^age: must be between 0 and 120, got 150$"):
        Profile(age=150, education="secondary", english=LanguageTest("clb", 5, 5, 5, 5))
    with pytest.raises(ParameterError, match="^english.test: must be one of ielts"):
        Profile(age=30, education="secondary", english=LanguageTest("nclc", 5, 5, 5, 5))


def test_malformed_toml_names_the_file_and_line(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('age = 29\neducation = "masters\n', encoding="utf-8")
    with pytest.raises(ParameterError, match=r"bad.toml: malformed TOML: .*line 2"):
        Profile.from_toml(path)


def test_a_missing_file_is_one_error_naming_it(tmp_path):
    with pytest.raises(ParameterError, match=r"nowhere.toml: cannot read the profile"):
        Profile.from_toml(tmp_path / "nowhere.toml")


def test_toml_errors_name_the_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('age = 150\neducation = "masters"\n[english]\ntest="clb"\nreading=9\n'
                    "writing=9\nlistening=9\nspeaking=9\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(ParameterError, match=rf"^{path}: age: must be between 0 and 120"):
        Profile.from_toml(path)


def test_profiles_are_frozen_and_comparable():
    a = Profile.from_dict(BASE)
    assert a == Profile.from_dict(copy.deepcopy(BASE))
    with pytest.raises(AttributeError):
        a.age = 30
