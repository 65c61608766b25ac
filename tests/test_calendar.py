"""Schedules people write: calendar cadences, holidays, budgets, warnings (simulate/calendar.py and
the rule and budget parts of simulate/schedule.py)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eeforecast.errors import ParameterError
from eeforecast.simulate import (
    MAX_ROUND_SIZE,
    Budget,
    Cadence,
    Rule,
    Schedule,
    ScheduleWarning,
    federal_holidays,
)


def days(index) -> list[str]:
    return [f"{d:%Y-%m-%d}" for d in index]


# --- holidays --------------------------------------------------------------------------------

#: Observed federal general holidays, written out by hand from a calendar.
HOLIDAYS_2026 = [
    "2026-01-01",  # Thursday
    "2026-04-03",  # Good Friday (Easter 5 April)
    "2026-05-18",  # Victoria Day: the Monday before 25 May
    "2026-07-01",
    "2026-09-07",  # Labour Day: first Monday of September
    "2026-09-30",
    "2026-10-12",  # Thanksgiving: second Monday of October
    "2026-11-11",
    "2026-12-25",  # Friday
    "2026-12-28",  # Boxing Day on a Saturday: the Monday
]
GOOD_FRIDAYS = ["2024-03-29", "2025-04-18", "2026-04-03", "2027-03-26", "2028-04-14",
                "2029-03-30", "2030-04-19"]  # fmt: skip


def test_holidays_of_2026_by_hand():
    assert days(federal_holidays("2026-01-01", "2026-12-31")) == HOLIDAYS_2026


@pytest.mark.parametrize("year", range(2024, 2031))
def test_ten_holidays_a_year_good_friday_and_weekdays(year):
    hol = federal_holidays(f"{year}-01-01", f"{year}-12-31")
    assert len(hol) == 10
    assert GOOD_FRIDAYS[year - 2024] in days(hol)
    assert (hol.day_of_week < 5).all()  # every one observed on a weekday


def test_weekend_holidays_move_to_the_next_free_weekday():
    hol = days(federal_holidays("2027-12-01", "2028-12-31"))
    # 2027: Christmas on Saturday -> Monday 27, Boxing Day on Sunday -> Tuesday 28
    assert {"2027-12-27", "2027-12-28"} <= set(hol)
    # 2028: New Year's Day, Canada Day, Truth and Reconciliation, Remembrance Day on Saturdays
    assert {"2028-01-03", "2028-07-03", "2028-10-02", "2028-11-13"} <= set(hol)


# --- cadences --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (14, ["2026-01-01", "2026-01-15", "2026-01-29", "2026-02-12", "2026-02-26"]),
        ("2w-wed", ["2026-01-07", "2026-01-21", "2026-02-04", "2026-02-18"]),
        ({"every": "2w", "weekday": "wed"}, ["2026-01-07", "2026-01-21", "2026-02-04",
                                              "2026-02-18"]),
        ({"monthly": {"day": 31}}, ["2026-01-31", "2026-02-28"]),
        ({"monthly": {"weekday": "thu", "week": 1}}, ["2026-01-01", "2026-02-05"]),
        ({"monthly": {"weekday": "fri", "week": -1}}, ["2026-01-30", "2026-02-27"]),
        # New Year's Day is a Thursday holiday: the 1st-Thursday round moves to Friday the 2nd
        ("monthly-1thu+hol", ["2026-01-02", "2026-02-05"]),
        # the 31st of January 2026 is a Saturday: business days move it to Monday 2 February
        ("monthly-31+bd", ["2026-02-02"]),
    ],
)  # fmt: skip
def test_cadence_dates(spec, expected):
    assert days(Cadence.parse(spec).dates("2026-01-01", "2026-03-01")) == expected


def test_every_other_wednesday_business_days_and_holidays():
    c = Cadence.parse({"every": "2w", "weekday": "wed", "skip_holidays": True})
    # 2026-12-23 and 2027-01-06 are ordinary Wednesdays; none falls on a holiday
    assert days(c.dates("2026-12-20", "2027-01-10")) == ["2026-12-23", "2027-01-06"]
    daily = Cadence.parse("1d+bd+hol").dates("2026-12-24", "2027-01-04")
    assert days(daily) == ["2026-12-24", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-04"]


@settings(max_examples=40, deadline=None)
@given(
    text=st.sampled_from(
        [
            "3d",
            "1w",
            "2w-mon",
            "4w-fri",
            "monthly-1",
            "monthly-28",
            "monthly-2tue",
            "monthly-lastwed",
        ]
    ),  # fmt: skip
    bd=st.booleans(),
    hol=st.booleans(),
    offset=st.integers(0, 800),
)
def test_cadence_round_trips_and_its_days_obey_the_flags(text, bd, hol, offset):
    spec = text + ("+bd" if bd else "") + ("+hol" if hol else "")
    cad = Cadence.parse(spec)
    assert str(cad) == spec and Cadence.parse(str(cad)) == cad
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(days=offset)
    out = cad.dates(start, start + pd.Timedelta(days=400))
    assert out.is_monotonic_increasing and out.is_unique
    assert ((out >= start) & (out <= start + pd.Timedelta(days=400))).all()
    if bd:
        assert (out.day_of_week < 5).all()
    if hol:
        assert not out.isin(federal_holidays(start, start + pd.Timedelta(days=400))).any()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"every": 0}, "cadence.every: must be a whole number of days >= 1"),
        ({"every": "1m"}, "cadence.every: expected a cadence such as"),
        ({"every": 10, "weekday": "wed"}, "cadence.weekday: needs 'every' in whole weeks"),
        ({"every": "2w", "weekday": "someday"}, "cadence.weekday: expected a weekday mon..sun"),
        ({"every": 7, "monthly": {"day": 1}}, "cadence: give either 'every'"),
        ({}, "cadence: give either 'every'"),
        ({"monthly": {"day": 32}}, "cadence.monthly.day: expected a day of the month 1..31"),
        ({"monthly": {"weekday": "thu", "week": 5}}, "cadence.monthly.week: expected 1, 2, 3"),
        ({"monthly": {"week": 1}}, "cadence.monthly: expected the keys day, or weekday and week"),
        ({"every": 7, "business_days": "yes"}, "cadence.business_days: expected true or false"),
        ({"every": 7, "often": True}, "cadence: unknown field(s) ['often']"),
        ("fortnightly", "cadence: expected a cadence such as 14d, 2w"),
    ],
)
def test_cadence_errors_name_the_field(spec, message):
    with pytest.raises(ParameterError) as err:
        Cadence.parse(spec)
    assert message in str(err.value)


# --- rules and schedules ---------------------------------------------------------------------


def test_calendar_rules_in_a_schedule_file(tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text("""
[defaults]
fill = "recent"

[[rule]]
category = "cec"
invitations = 3000
every = "2w"
weekday = "wed"
from = "2026-01-01"
to = "2026-02-28"

[[rule]]
category = "french"
invitations = 5000
monthly = {weekday = "thu", week = 1}
skip_holidays = true
from = "2026-01-01"
to = "2026-03-31"

[[rule]]
category = "pnp"
invitations = 700
every = 14
from = "2026-01-05"
to = "2026-01-31"
""")
    sched = Schedule.from_toml(path)
    assert sched.fill == "recent" and sched.categories == ("cec", "french", "pnp")
    assert sched.end == pd.Timestamp("2026-03-31")
    got = [(f"{r.date:%m-%d}", r.category) for r in sched.expand()]
    assert got == [
        ("01-02", "french"), ("01-05", "pnp"), ("01-07", "cec"), ("01-19", "pnp"),
        ("01-21", "cec"), ("02-04", "cec"), ("02-05", "french"), ("02-18", "cec"),
        ("03-05", "french"),
    ]  # fmt: skip


def test_rule_make_in_python_equals_the_file_form():
    rule = Rule.make("cec", 3000, every="2w", weekday="wed", start="2026-01-01", end="2026-06-30")
    same = Schedule.from_dict(
        {
            "rule": [
                {
                    "category": "cec",
                    "invitations": 3000,
                    "every": "2w-wed",
                    "from": "2026-01-01",
                    "to": "2026-06-30",
                }
            ]
        }  # fmt: skip
    ).rules[0]
    assert rule == same and rule.cadence.describe() == "every 2 weeks on Wednesday"
    legacy = Rule("cec", rule.invitations, 14, pd.Timestamp("2026-01-01"), rule.end)
    assert legacy.dates()[:2] == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-15")]


def test_one_warning_per_schedule_with_counts():
    daily = Schedule.from_dict(
        {
            "rule": [
                {
                    "category": "cec",
                    "invitations": 10,
                    "every": 1,
                    "from": "2025-01-01",
                    "to": "2100-12-31",
                }
            ]
        }  # fmt: skip
    )
    with pytest.warns(ScheduleWarning) as record:
        rounds = daily.expand("2026-01-01")
    assert len(record) == 1
    text = str(record[0].message)
    assert "rounds fall on a Saturday or Sunday (first: cec on Sat 2026-01-03)" in text
    assert "365 rule round(s) dated before the as-of day 2026-01-01 are dropped" in text
    assert rounds[0].date == pd.Timestamp("2026-01-01") and len(rounds) > 27_000
    weekdays = Schedule(rules=(Rule.make("cec", 10, every=1, business_days=True,
                                         start="2026-01-01", end="2026-03-01"),))  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(weekdays.expand("2026-01-01")) == 42


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"defaults": {"fill": "average"}}, "defaults.fill: expected \"recent\""),
        ({"defaults": {"fill": "recent", "x": 1}}, "defaults: unknown field(s) ['x']"),
        ({"rule": [{"category": "cec", "invitations": 5, "every": "2w", "weekday": "xyz",
                    "to": "2026-02-01"}]}, "rule[0].weekday: expected a weekday"),
        ({"rule": [{"category": "cec", "invitations": 5, "monthly": {"day": 0},
                    "to": "2026-02-01"}]}, "rule[0].monthly.day: expected a day of the month"),
        ({"budget": [{"category": "cec", "total": 0, "every": 14, "to": "2026-02-01"}]},
         "budget[0].total: must be > 0"),
        ({"budget": [{"category": "cec", "invitations": 5, "every": 14, "to": "2026-02-01"}]},
         "budget[0]: missing field(s) ['total']"),
        ({"subpools": {}}, "schedule: unknown key(s) ['subpools']"),
    ],
)  # fmt: skip
def test_new_schedule_fields_name_the_field(data, message):
    with pytest.raises(ParameterError) as err:
        Schedule.from_dict(data)
    assert message in str(err.value)


# --- budgets ---------------------------------------------------------------------------------


def test_a_budget_adds_up_exactly():
    sched = Schedule.from_budget(
        "cec", 40_000, start="2026-01-01", end="2026-12-31", every="2w", weekday="wed"
    )
    rounds = sched.expand()
    sizes = [r.invitations.expected() for r in rounds]
    assert len(rounds) == 26 and sum(sizes) == 40_000 and max(sizes) - min(sizes) <= 1
    assert all(r.date.day_of_week == 2 for r in rounds)


@settings(max_examples=50, deadline=None)
@given(total=st.integers(1, 300_000), weeks=st.integers(1, 8), span=st.integers(7, 400))
def test_budget_is_met_or_refused(total, weeks, span):
    budget = Budget.make(
        "cec", total, start="2026-01-05", end=pd.Timestamp("2026-01-05") + pd.Timedelta(days=span),
        every=f"{weeks}w",
    )  # fmt: skip
    n = len(budget.every.dates(budget.start, budget.end))
    try:
        rounds = budget.rounds()
    except ParameterError as exc:
        assert total < n or total / n > MAX_ROUND_SIZE, str(exc)
        return
    assert sum(r.invitations.expected() for r in rounds) == total


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"total": 100_000, "every": "4w", "start": "2026-01-01", "end": "2026-03-01"},
         "3 rounds every 4 weeks in 2026-01-01..2026-03-01 would invite 33,333 each, more than "
         "the largest plausible round (30,000)"),
        ({"total": 5, "every": "1w", "start": "2026-01-01", "end": "2026-03-01"},
         "would invite less than one candidate each"),
        ({"total": 5000, "monthly": {"day": 15}, "start": "2026-01-01", "end": "2026-01-10"},
         "no round day monthly on day 15 in 2026-01-01..2026-01-10"),
    ],
)  # fmt: skip
def test_a_budget_that_cannot_be_met_is_an_error(kwargs, message):
    total = kwargs.pop("total")
    with pytest.raises(ParameterError) as err:
        Budget.make("cec", total, **kwargs).rounds()
    assert message in str(err.value)


def test_a_budget_starting_before_the_as_of_day_is_refused():
    sched = Schedule.from_budget("cec", 9000, start="2025-12-01", end="2026-03-01", every="2w")
    with pytest.raises(ParameterError, match="before the as-of day 2025-12-17"):
        sched.expand("2025-12-17")
    no_start = Schedule.from_budget("cec", 9000, end="2026-03-01", every="2w")
    assert len(no_start.expand("2025-12-17")) == 6
