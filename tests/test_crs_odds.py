"""A score that moves over time, read from one simulation: eeforecast.odds.odds_path and
odds_over_time, checked by hand on tiny synthetic projections and against the fixed-score odds."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eeforecast.crs import LanguageTest, Profile, score
from eeforecast.errors import ParameterError
from eeforecast.odds import odds
from eeforecast.profile_odds import (
    AS_IT_IS,
    PATH_COLUMNS,
    WHAT_IF_COLUMNS,
    odds_over_time,
    odds_path,
    profile_odds,
    what_if_odds,
)
from eeforecast.projection import Projection, invitation_probability, project

AS_OF = pd.Timestamp("2026-01-01")


def tiny(cutoffs, dates, categories=None, tie=0.5, span_end="2026-06-30") -> Projection:
    """A Projection-like set of arrays: (n_paths, n_rounds) cutoffs on the given days."""
    cutoffs = np.atleast_2d(np.asarray(cutoffs, dtype=np.int64))
    return Projection(
        as_of=AS_OF,
        dates=pd.DatetimeIndex(dates),
        categories=np.array(categories or ["general"] * cutoffs.shape[1], dtype=object),
        cutoffs=cutoffs,
        tie=tie,
        span_end=pd.Timestamp(span_end),
    )


def steps(*pairs) -> pd.Series:
    """A score path from (day, score) pairs."""
    return pd.Series([s for _, s in pairs], index=pd.to_datetime([d for d, _ in pairs]))


def test_a_score_that_rises_after_a_round_is_not_invited_in_it():
    # round 1 on 01-15 cuts at 480, round 2 on 02-15 at 500; the score is 470 until 01-20,
    # then 490: above round 1's cutoff, but only after it -> never invited
    paths = tiny([[480, 500]], ["2026-01-15", "2026-02-15"])
    out = odds_path(steps(("2026-01-01", 470), ("2026-01-20", 490)), None, paths)
    assert list(out.columns) == list(PATH_COLUMNS)
    assert out["probability"].tolist() == [0.0, 0.0]
    assert out["rounds"].tolist() == [1, 1]
    # the same rise on the round's own day counts in that round
    out = odds_path(steps(("2026-01-01", 470), ("2026-01-15", 490)), None, paths)
    assert out["probability"].tolist() == [0.0, 1.0]
    assert out["until"].tolist() == [pd.Timestamp("2026-01-14"), pd.Timestamp("2026-06-30")]


def test_a_score_that_falls_after_a_round_keeps_that_rounds_invitation():
    paths = tiny([[480, 500], [490, 400]], ["2026-01-15", "2026-02-15"])
    out = odds_path(steps(("2026-01-01", 485), ("2026-02-01", 300)), None, paths)
    # path 1 invited on 01-15 (485 > 480); path 2 not (485 < 490), and 300 < 400 later
    assert out["probability"].tolist() == [0.5, 0.5]


def test_ties_count_with_their_share_and_independently():
    # two rounds cutting at the score, tie shares 0.3 and 0.5: 1 - 0.7 * 0.5 = 0.65
    tie = np.array([[0.3, 0.5]])
    paths = tiny([[480, 480]], ["2026-01-15", "2026-02-15"], tie=tie)
    out = odds_path(steps(("2026-01-01", 480), ("2026-02-01", 480)), None, paths)
    assert out["probability"].tolist() == pytest.approx([0.3, 0.65])
    # NaN (nobody invited) counts as one half, as in invitation_probability
    paths = tiny([[480]], ["2026-01-15"], tie=np.array([[np.nan]]))
    assert odds_path(steps(("2026-01-01", 480)), None, paths)["probability"].iloc[0] == 0.5


def test_categories_count_from_the_day_they_start():
    # a CEC round before the candidate has a year of Canadian experience does not count
    paths = tiny([[400, 400, 600]], ["2026-01-15", "2026-02-15", "2026-03-01"],
                 categories=["cec", "cec", "general"])  # fmt: skip
    cats = pd.Series([(), ("cec",)], index=pd.to_datetime(["2026-01-01", "2026-02-01"]))
    out = odds_path(steps(("2026-01-01", 450), ("2026-02-01", 450)), cats, paths)
    assert out["rounds"].tolist() == [0, 2]
    assert out["probability"].tolist() == [0.0, 1.0]
    assert out["categories"].tolist() == ["general", "general+cec"]
    # a comma-separated string, or one set for the whole path
    as_text = pd.Series(["", "cec"], index=cats.index)
    assert odds_path(steps(("2026-01-01", 450), ("2026-02-01", 450)), as_text, paths).equals(out)
    whole = odds_path(steps(("2026-01-01", 450)), ["cec"], paths)
    assert whole["probability"].tolist() == [1.0] and whole["rounds"].tolist() == [3]


def test_rounds_before_the_path_or_after_the_span_do_not_count():
    paths = tiny([[400, 400]], ["2026-01-15", "2026-07-15"], span_end="2026-06-30")
    out = odds_path(steps(("2026-02-01", 450)), None, paths)
    assert out["rounds"].tolist() == [0] and out["probability"].tolist() == [0.0]
    assert out["until"].iloc[-1] == pd.Timestamp("2026-06-30")


def test_steps_after_the_span_are_dropped_and_a_path_after_it_refused():
    paths = tiny([[400]], ["2026-01-15"], span_end="2026-03-01")
    out = odds_path(steps(("2026-01-01", 450), ("2026-04-01", 460)), None, paths)
    assert out["date"].tolist() == [AS_OF]
    with pytest.raises(ParameterError, match="after the simulated span"):
        odds_path(steps(("2026-04-01", 460)), None, paths)


@pytest.mark.parametrize(
    "series, categories, message",
    [
        (steps(("2026-02-01", 450), ("2026-01-01", 460)), None, "ascending, each once"),
        (steps(("2026-01-01", 450), ("2026-01-01", 460)), None, "ascending, each once"),
        (steps(("2026-01-01", 1300)), None, "scores_by_date: must be between 0 and 1200"),
        (steps(("2026-01-01", 450)), ["Chef!"], "not a category slug"),
        (steps(("2026-01-01", 450)), ["martians"], "not a known category"),
        (steps(("2026-01-01", 450)), pd.Series([()], index=[AS_OF + pd.Timedelta(days=1)]),
         "same days as scores_by_date"),
        (pd.Series(dtype=int), None, "expected a pandas Series"),
        ([450], None, "expected a pandas Series"),
    ],
)  # fmt: skip
def test_odds_path_errors(series, categories, message):
    with pytest.raises(ParameterError, match=message):
        odds_path(series, categories, tiny([[400]], ["2026-01-15"]))
    with pytest.raises(ParameterError, match="projection: expected"):
        odds_path(steps(("2026-01-01", 450)), None, "not a projection")


# hypothesis: on random tiny projections the path reading agrees with the fixed-score reading
cutoff_arrays = st.integers(1, 4).flatmap(
    lambda n: st.lists(st.lists(st.integers(440, 470), min_size=n, max_size=n), min_size=1,
                       max_size=5)
)  # fmt: skip
DAYS = pd.date_range("2026-01-05", periods=4, freq="14D")


@settings(max_examples=150, deadline=None)
@given(cut=cutoff_arrays, s=st.integers(430, 480), tie=st.floats(0, 1))
def test_a_constant_score_gives_invitation_probability(cut, s, tie):
    cut = np.array(cut)
    paths = tiny(cut, DAYS[: cut.shape[1]], tie=tie)
    got = odds_path(steps(("2026-01-01", s)), None, paths)["probability"].iloc[-1]
    mask = np.ones(cut.shape[1], dtype=bool)
    assert got == pytest.approx(invitation_probability(cut, mask, [s], tie)[0])


@settings(max_examples=150, deadline=None)
@given(cut=cutoff_arrays, low=st.lists(st.integers(430, 480), min_size=4, max_size=4),
       lift=st.lists(st.integers(0, 10), min_size=4, max_size=4))  # fmt: skip
def test_a_higher_score_path_is_never_less_likely(cut, low, lift):
    cut = np.array(cut)
    paths = tiny(cut, DAYS[: cut.shape[1]])
    days = pd.to_datetime(["2026-01-01", "2026-01-12", "2026-01-26", "2026-02-09"])
    lower = odds_path(pd.Series(low, index=days), None, paths)["probability"]
    higher = odds_path(pd.Series(np.add(low, lift), index=days), None, paths)["probability"]
    assert (higher.to_numpy() >= lower.to_numpy() - 1e-12).all()
    assert lower.is_monotonic_increasing  # probabilities by date accumulate


# on the bundled feed's projection ------------------------------------------------------------


@pytest.fixture(scope="module")
def paths(feed) -> Projection:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return project(feed, span="6m", n_paths=200, rng=3)


@pytest.mark.parametrize("cats", [(), ("cec",), ("cec", "french")])
@pytest.mark.parametrize("s", [450, 500, 520, 540])
def test_a_fixed_score_path_gives_the_odds(paths, cats, s):
    out = odds_path(steps((paths.as_of.strftime("%Y-%m-%d"), s)), cats, paths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = odds(s, categories=cats, within="6m", projection=paths)
    assert out["probability"].iloc[-1] == pytest.approx(fixed.probability)
    assert out["rounds"].sum() == fixed.rounds


def test_odds_over_time_follows_the_profile(paths):
    # 11 months of Canadian work: a year (and CEC) next month, so the odds can only rise
    p = Profile(age=29, education="masters", canadian_experience_months=11,
                working_in_canada=True, english=LanguageTest("clb", 10, 10, 10, 10))  # fmt: skip
    out = odds_over_time(p, paths)
    assert list(out.columns) == [*PATH_COLUMNS, "change"]
    assert len(out) == 7  # 2025-12-17 and six month starts to the span's end
    assert out["date"].iloc[0] == paths.as_of and out["until"].iloc[-1] == paths.span_end
    assert out["categories"].iloc[0] == "general" and out["categories"].iloc[1] == "general+cec"
    assert out["score"].iloc[1] > out["score"].iloc[0]
    assert "canadian_experience_years 0 -> 1" in out["change"].iloc[1]
    assert out["probability"].is_monotonic_increasing
    later = score(p, as_of=paths.as_of).total
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fixed = odds(later, within="6m", projection=paths).probability
    assert out["probability"].iloc[-1] >= fixed - 1e-12
    assert len(odds_over_time(p, paths, months="2m")) == 3
    extra = odds_over_time(p, paths, months=1, categories=["stem"])
    assert extra["categories"].tolist() == ["general+stem", "general+cec+stem"]


def test_odds_over_time_scores_each_round_on_its_day():
    # the English test expires on 2026-01-20, mid-month: the round of 01-25 sees the lower score
    p = Profile(age=30, education="bachelors",
                english=LanguageTest("clb", 9, 9, 9, 9, test_date="2024-01-20"),
                french=LanguageTest("nclc", 5, 5, 5, 5))  # fmt: skip
    high, low = (score(p, as_of=d).total for d in ("2026-01-01", "2026-01-20"))
    assert high > low
    cut = (high + low) // 2
    paths = tiny([[cut]], ["2026-01-25"], span_end="2026-03-01")
    out = odds_over_time(p, paths)
    assert out["score"].tolist()[0] == high  # the month's first day
    assert out["probability"].tolist() == [0.0, 0.0, 0.0]


def test_profile_odds_and_what_if_odds_read_one_projection(paths):
    p = Profile(age=29, education="bachelors", canadian_experience_years=1,
                english=LanguageTest("clb", 9, 8, 9, 8), name="ana")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = profile_odds([p, replace(p, name="ben", occupation_category="stem")], paths)
        rows = what_if_odds(p, paths, categories=["stem"])
        fixed = odds(score(p, as_of=paths.as_of).total, categories=["cec"], projection=paths)
    assert table["profile"].tolist() == ["ana", "ben"]
    assert table["categories"].tolist() == ["general+cec", "general+cec+stem"]
    assert table["probability"].iloc[0] == round(fixed.probability, 4)
    assert list(rows.columns) == list(WHAT_IF_COLUMNS)
    now = rows.set_index("change").loc[AS_IT_IS]
    assert now["gain"] == 0 and now["categories"] == "general+cec+stem"
    keys = list(zip(-rows["probability"], -rows["gain"], strict=True))
    assert keys == sorted(keys)
    french = rows.set_index("change").loc["french: NCLC 7 on all four abilities"]
    assert french["categories"] == "general+cec+french+stem"
