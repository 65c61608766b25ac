"""The versioned CRS tables: which version a day uses, what each version changed, the budgets."""

from __future__ import annotations

import pandas as pd
import pytest

from eeforecast.crs import rules_versions
from eeforecast.crs.rules import all_versions, as_of_day, rules_for
from eeforecast.errors import ParameterError


def _flat(table, prefix=""):
    """{"additional.job_offer.teer_00": 200, ...} of a rules version's tables."""
    out = {}
    for key, value in table.items():
        if hasattr(value, "items"):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _tables(version):
    return _flat(
        {b: getattr(version, b) for b in ("core", "spouse", "transferability", "additional")}
    )


def test_the_versions_are_the_days_points_changed():
    # 2022-11-16 (NOC 2021 TEER wording) changed no points, so it has no table of its own
    assert [v.name for v in all_versions()] == [
        "2015-01-01",
        "2016-11-19",
        "2017-06-06",
        "2020-10-27",
        "2025-03-25",
    ]


# what each version changed against the one before, from IRCC's version history
CHANGES = {
    "2016-11-19": {
        "additional.job_offer.teer_00": (600, 200),
        "additional.job_offer.other": (600, 50),
        "additional.canadian_education.one_or_two_years": (0, 15),
        "additional.canadian_education.three_plus_years": (0, 30),
    },
    "2017-06-06": {
        "additional.sibling_in_canada": (0, 15),
        "additional.french": ((0, 0), (15, 30)),
    },
    "2020-10-27": {"additional.french": ((15, 30), (25, 50))},
    "2025-03-25": {
        "additional.job_offer.teer_00": (200, 0),
        "additional.job_offer.other": (50, 0),
    },
}


@pytest.mark.parametrize("name", list(CHANGES))
def test_each_version_differs_from_the_last_exactly_as_listed(name):
    versions = {v.name: v for v in all_versions()}
    names = list(versions)
    before = _tables(versions[names[names.index(name) - 1]])
    after = _tables(versions[name])
    assert before.keys() == after.keys()
    diff = {key: (before[key], after[key]) for key in after if before[key] != after[key]}
    assert diff == CHANGES[name]


@pytest.mark.parametrize("version", all_versions(), ids=lambda v: v.name)
def test_blocks_reach_exactly_the_budget(version):
    # IRCC's budget: core 460/500, spouse 40, transferability 100, additional 600, total 1,200
    core = version.core
    for col, budget in ((1, 460), (2, 500)):
        most = (
            max(row[col] for row in core["age"])
            + max(pair[col - 1] for pair in core["education"].values())
            + 4 * max(row[col] for row in core["first_language"])
            + core["second_language"]["cap"][col - 1]
            + max(row[col] for row in core["canadian_experience"])
        )
        assert most == budget
    spouse = version.spouse
    assert (
        max(spouse["education"].values())
        + 4 * max(row[1] for row in spouse["first_language"])
        + max(row[1] for row in spouse["canadian_experience"])
    ) == 40
    assert version.transferability["cap"] == 100
    assert version.transferability["group_cap"] == 50
    assert version.additional["cap"] == 600
    assert 4 * max(row[1] for row in core["second_language"]["points"]) == 24


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2015-01-01", "2015-01-01"),
        ("2016-11-18", "2015-01-01"),
        ("2016-11-19", "2016-11-19"),
        ("2017-06-05", "2016-11-19"),
        ("2017-06-06", "2017-06-06"),
        ("2020-10-26", "2017-06-06"),
        ("2020-10-27", "2020-10-27"),
        ("2022-11-16", "2020-10-27"),
        ("2025-03-24", "2020-10-27"),
        ("2025-03-25", "2025-03-25"),
        ("2026-11-02", "2025-03-25"),
        ("2026-11-03", "2025-03-25"),
        ("2031-01-01", "2025-03-25"),
    ],
)
def test_a_day_uses_the_last_version_in_force(day, name):
    rules, notes = rules_for(pd.Timestamp(day))
    assert rules.name == name
    # the change reported for 2026-11-03 has no points: a later day says so, an earlier one does not
    unconfirmed = day >= "2026-11-03"
    assert bool(notes) == unconfirmed
    if unconfirmed:
        assert "2026-11-03" in notes[0] and "uses the 2025-03-25 rules" in notes[0]


@pytest.mark.parametrize("day", ["2014-12-31", "1999-01-01"])
def test_a_day_before_the_crs_is_an_error_naming_as_of(day):
    with pytest.raises(
        ParameterError, match=rf"^as_of: the CRS scores days from 2015-01-01, got {day}"
    ):
        as_of_day(day)


def test_as_of_must_be_a_date():
    with pytest.raises(ParameterError, match="as_of: expected a date"):
        as_of_day("27/11/2026")


def test_rules_versions_frame():
    frame = rules_versions()
    assert list(frame.columns) == ["in_force", "rules", "change", "status"]
    assert frame["status"].tolist() == ["table"] * 5 + ["unconfirmed"]
    last = frame.iloc[-1]
    assert (str(last["in_force"].date()), last["rules"]) == ("2026-11-03", "2025-03-25")


def test_tables_are_read_only():
    rules, _ = rules_for(pd.Timestamp("2025-06-01"))
    with pytest.raises(TypeError):
        rules.additional["cap"] = 700
