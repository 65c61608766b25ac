"""Argument checking (eeforecast.checks): one reader per kind of argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from eeforecast.checks import (
    as_day,
    as_generator,
    as_levels,
    as_n_paths,
    as_scores,
    as_slugs,
    as_span,
    as_whole,
)
from eeforecast.errors import ParameterError


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
def test_as_span(text, expected):
    assert as_span(text) == expected


@pytest.mark.parametrize("bad", ["", "6", "m6", "0m", "-3m", "6 months", "3y", "1.5m"])
def test_parse_within_errors(bad):
    with pytest.raises(ParameterError, match="within"):
        as_span(bad)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: as_day("2025-13-01", "as_of"), "as_of: expected a date YYYY-MM-DD"),
        (lambda: as_day(20240326, "date"), "date: expected a date"),
        (lambda: as_generator(-1), "rng: expected a seed"),
        (lambda: as_whole(2.5, "horizon"), "horizon: expected a whole number >= 1, got 2.5"),
        (lambda: as_whole(True, "weeks"), "weeks"),
        (lambda: as_n_paths(0), "n_paths: expected a whole number >= 1 or None"),
        (lambda: as_levels([100]), "level: must be a whole percentage in 1..99"),
        (lambda: as_levels(["x"]), "level: not a whole percentage"),
        (lambda: as_slugs("cec"), "categories: expected a list of category slugs"),
        (lambda: as_scores(1201), "score: must be between 0 and 1200"),
        (lambda: as_scores(500.5), "score: CRS scores are whole numbers"),
        (lambda: as_span("99999999999999m"), "within: the horizon must be 1 day to 2 years"),
    ],
)
def test_each_reader_names_what_it_refuses(call, match):
    with pytest.raises(ParameterError, match=match):
        call()


def test_readers_return_the_package_forms():
    assert as_day("2025-06-30 12:00:00", "d") == pd.Timestamp("2025-06-30")
    assert as_n_paths(None) is None and as_n_paths(np.int64(5)) == 5
    assert as_levels((95, 80, 80.0)) == (80, 95)
    assert as_scores([0, 1200]).dtype == np.int64
    assert as_span("26w") == pd.DateOffset(weeks=26)


# --- bounds ------------------------------------------------------------------------------------


def test_paths_above_the_maximum_are_refused_with_the_memory_they_need():
    from eeforecast.checks import MAX_PATHS, as_n_paths

    assert as_n_paths(MAX_PATHS) == MAX_PATHS
    with pytest.raises(ParameterError, match=r"100,000,000 Monte Carlo paths .* about 250 GB"):
        as_n_paths(100_000_000)


def test_whole_positive_and_bounded_numbers_never_overflow():
    from eeforecast.checks import as_bounded, as_positive, as_whole

    with pytest.raises(ParameterError, match="horizon: at most 100, got 1,000"):
        as_whole(1000, "horizon", maximum=100)
    with pytest.raises(ParameterError, match=r"at most 1,000,000, got 9,999,999.*characters\)$"):
        as_positive(int("9" * 400), "--draw", maximum=1_000_000)
    with pytest.raises(ParameterError, match="too large"):
        as_positive(int("9" * 400), "x")
    for bad in (0, float("nan"), float("inf"), -1, True, "5"):
        with pytest.raises(ParameterError, match="timeout: expected a number from 0.1"):
            as_bounded(bad, "timeout", 0.1, 3600)


def test_model_days_are_bounded_other_days_are_not():
    from eeforecast.checks import as_day, as_model_day

    assert as_day("1960-05-01", "date_of_birth") == pd.Timestamp("1960-05-01")
    for day in ("0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"):
        with pytest.raises(ParameterError, match="outside the days eeforecast handles"):
            as_model_day(day, "as_of")
