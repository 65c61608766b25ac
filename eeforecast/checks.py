"""Argument checking, in one place: every public function converts its arguments here.

Each ``as_*`` function takes a user's value and the name to blame, and returns the value in the
form the package works with, or raises :class:`~eeforecast.errors.ParameterError` naming the
parameter and the value. The command line and the Python API therefore refuse the same inputs
with the same words.

================  ==========================================================================
``as_day``        a day: ``YYYY-MM-DD`` strings or date objects, never a guess
``as_model_day``  a day the models run on: ``as_day`` within FIRST_DAY..LAST_DAY
``as_generator``  ``rng``: a seed, a numpy Generator, a SeedSequence or None
``as_whole``      a whole number with a lower bound (``horizon``, ``weeks``, ``calibration_days``)
``as_n_paths``    ``n_paths``: None (the deterministic path) or a number of Monte Carlo paths
``as_levels``     interval levels in percent
``as_slug``       one category slug; ``as_slugs`` a list of them
``as_scores``     CRS scores 0..1200
``as_span``       a span of time written ``"6m"``, ``"26w"``, ``"90d"`` or ``"1y"``
``as_months``     a monthly span written ``"24m"`` or ``"2y"``, as a number of months
``as_positive``   a number > 0 (schedule sizes)
``as_bounded``    a finite number in a range (``timeout``, ``max_bytes``)
================  ==========================================================================

Bounds
------
Every numeric argument and every count or day read from a file has a bound, set here and listed
in the docs (``docs/methods/robustness.md``): a value beyond it is refused with one line naming
the argument or field, before any computation, rather than left to overflow, wrap, hang or run
out of memory later.

=======================  ===============================================================
:data:`FIRST_DAY`,       days the package handles: 2000-01-01 .. 2100-12-31 (IRCC's first
:data:`LAST_DAY`         round is of 2015-01-31; far inside pandas' 1677..2262 range)
:data:`MAX_COUNT`        a count in a feed field: 10,000,000 candidates (the whole pool
                         has never held 300,000; IRCC's largest round invited 27,332)
:data:`MAX_INVITATIONS`  a simulated round: 1,000,000 invitations
:data:`MAX_PATHS`        Monte Carlo paths: 100,000 (:func:`paths_memory` estimates memory)
:data:`MAX_HORIZON`      rounds ahead per category: 100
:data:`MAX_WEEKS`        weeks projected: 520 (ten years)
:data:`MAX_EVERY`        days between a rule's rounds: 3,660
:data:`MAX_FILE_BYTES`   a file read (feed or schedule): 100,000,000 bytes
:data:`MAX_TIMEOUT`      network timeout of ``update``: 0.1 .. 3,600 s
=======================  ===============================================================
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .errors import ParameterError
from .scores import MAX_SCORE

__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "LEVELS",
    "MAX_COUNT",
    "MAX_EVERY",
    "MAX_FILE_BYTES",
    "MAX_HORIZON",
    "MAX_INVITATIONS",
    "MAX_PATHS",
    "MAX_SPAN_DAYS",
    "MAX_TIMEOUT",
    "MAX_WEEKS",
    "MIN_TIMEOUT",
    "as_bounded",
    "as_day",
    "as_generator",
    "as_model_day",
    "as_levels",
    "as_months",
    "as_n_paths",
    "as_positive",
    "as_scores",
    "as_slug",
    "as_slugs",
    "as_span",
    "as_whole",
    "is_slug",
    "paths_memory",
    "short_number",
]

#: First day the package handles (as-of days, round days, schedule days, feed dates).
FIRST_DAY = pd.Timestamp("2000-01-01")
#: Last day the package handles.
LAST_DAY = pd.Timestamp("2100-12-31")
#: Largest count accepted in a feed field (invitations, a band, a total) [candidates].
MAX_COUNT = 10_000_000
#: Largest simulated round [candidates].
MAX_INVITATIONS = 1_000_000
#: Most Monte Carlo paths of one run [paths].
MAX_PATHS = 100_000
#: Most rounds ahead per category of a forecast or backtest [rounds].
MAX_HORIZON = 100
#: Most weeks of a backlog projection [weeks].
MAX_WEEKS = 520
#: Most days between the rounds of a schedule rule [days].
MAX_EVERY = 3_660
#: Largest file read whole (an IRCC feed, a schedule) [bytes].
MAX_FILE_BYTES = 100_000_000
#: Shortest network timeout of ``update`` [s].
MIN_TIMEOUT = 0.1
#: Longest network timeout of ``update`` [s].
MAX_TIMEOUT = 3_600.0

#: A day written YYYY-MM-DD, optionally followed by a time ("2025-06-30 00:00:00", ISO "T").
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def as_day(value: object, name: str) -> pd.Timestamp:
    """A day (midnight, tz-naive) from a date-like value.

    Parameters
    ----------
    value : str, datetime.date, numpy.datetime64 or pandas.Timestamp
        A string must be written YYYY-MM-DD (a time after it is allowed and dropped): other
        forms such as ``03/04/2024`` mean different days in different countries and are refused
        rather than guessed. Numbers are refused too (``20240326`` is not a day).
    name : str
        The parameter or field named in the error.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ParameterError
        Naming ``name`` and the value.

    Examples
    --------
    >>> as_day("2025-06-30", "as_of")
    Timestamp('2025-06-30 00:00:00')
    >>> as_day("03/04/2024", "as_of")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: as_of: expected a date YYYY-MM-DD, got '03/04/2024'
    """
    ok = isinstance(value, _dt.date | np.datetime64) or (
        isinstance(value, str) and _ISO.fullmatch(value.strip()) is not None
    )
    day = pd.NaT
    if ok:
        try:
            day = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError, OverflowError):  # OutOfBoundsDatetime is a ValueError
            if isinstance(value, str | _dt.date) and _year(value) is not None:
                raise ParameterError(
                    f"{name}: {value!r} is outside the days pandas can hold (1677-09-22 to "
                    "2262-04-11)"
                ) from None
            day = pd.NaT
    if pd.isna(day):
        raise ParameterError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
    if day.tzinfo is not None:
        day = day.tz_convert(None)
    return day.normalize()


def as_model_day(value: object, name: str) -> pd.Timestamp:
    """A day the models run on (an as-of day, a round's day, a schedule's days): :func:`as_day`
    within :data:`FIRST_DAY` .. :data:`LAST_DAY`.

    A day far outside the feed's years is refused here, naming the argument, rather than left
    to overflow pandas' timestamps in a forecast or a schedule, or to be blamed on a missing
    pool snapshot. Other days (a date of birth) are read by :func:`as_day`.

    Examples
    --------
    >>> as_model_day("9999-12-31", "as_of")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: as_of: 9999-12-31 is outside the days eeforecast handles (2000-01-01 to 2100-12-31)
    """
    day = as_day(value, name)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ParameterError(
            f"{name}: {day:%Y-%m-%d} is outside the days eeforecast handles "
            f"({FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d})"
        )
    return day


def _year(value: object) -> int | None:
    """The year of a valid calendar day that pandas cannot hold (year 1, 9999), else None."""
    try:
        if isinstance(value, str):
            day = _dt.date.fromisoformat(value.strip()[:10])
        else:
            day = value
        return day.year
    except (ValueError, AttributeError):
        return None


def as_generator(rng: object, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from a seed, a Generator (used as is), a SeedSequence or None.

    Parameters
    ----------
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        A seed is a whole number >= 0; None draws fresh entropy (not reproducible).
    name : str
        The parameter named in the error.

    Raises
    ------
    ParameterError
        Any other value (a string, a float, a negative number, Python's ``random.Random``).

    Examples
    --------
    >>> bool(as_generator(7).integers(10) == as_generator(7).integers(10))
    True
    >>> as_generator("7")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: rng: expected a seed (whole number >= 0), a numpy Generator or None, got '7'
    """
    if isinstance(rng, np.random.Generator):
        return rng
    seed_ok = isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0
    if rng is None or seed_ok or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise ParameterError(
        f"{name}: expected a seed (whole number >= 0), a numpy Generator or None, got {rng!r}"
    )


def as_whole(value: object, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int >= ``minimum``, or a :class:`~eeforecast.errors.ParameterError` naming ``name``.

    Examples
    --------
    >>> as_whole(3, "horizon")
    3
    >>> as_whole(0, "horizon")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: horizon: expected a whole number >= 1, got 0
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ParameterError(f"{name}: expected a whole number >= {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name}: at most {maximum:,}, got {short_number(value)}")
    return int(value)


def short_number(value: object) -> str:
    """A number for an error message: digits beyond 30 are elided (a 400-digit count)."""
    text = f"{value:,}" if isinstance(value, int | np.integer) else repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def paths_memory(n_paths: int, n_rounds: int = 52) -> float:
    """Rough memory of a Monte Carlo run [bytes]: six float64 arrays of (paths x rounds)
    (cutoffs, sizes, pools, invited, ties, thresholds) and the engine's per-chunk arrays of
    (500 paths x 1,201 scores)."""
    return 8.0 * n_paths * 6 * max(n_rounds, 1) + 8.0 * min(n_paths, 500) * 1_201 * 4


def as_n_paths(value: object, name: str = "n_paths") -> int | None:
    """``None`` (the deterministic expected path) or a number of Monte Carlo paths >= 1.

    Examples
    --------
    >>> as_n_paths(None) is None, as_n_paths(500)
    (True, 500)
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ParameterError(f"{name}: expected a whole number >= 1 or None, got {value!r}")
    if value > MAX_PATHS:
        raise ParameterError(
            f"{name}: {short_number(value)} Monte Carlo paths is more than the maximum "
            f"{MAX_PATHS:,} (it would need about {paths_memory(value) / 1e9:,.0f} GB of memory "
            f"for a year of weekly rounds; {MAX_PATHS:,} paths need about "
            f"{paths_memory(MAX_PATHS) / 1e9:.1f} GB)"
        )
    return int(value)


#: The interval levels every function reports unless asked for others [%].
LEVELS: tuple[int, ...] = (80, 95)


def as_levels(levels: Iterable | None) -> tuple[int, ...]:
    """Interval levels as sorted whole percentages in 1..99 (duplicates dropped) [%].

    Examples
    --------
    >>> as_levels([95, 80, 80])
    (80, 95)
    """
    out = []
    for lv in levels or ():
        try:
            value = int(lv)
        except (TypeError, ValueError) as exc:
            raise ParameterError(f"level: not a whole percentage: {lv!r}") from exc
        if not 0 < value < 100 or value != float(lv):
            raise ParameterError(f"level: must be a whole percentage in 1..99, got {lv!r}")
        out.append(value)
    return tuple(sorted(set(out)))


#: A category slug: lower-case words of letters and digits joined by ``-`` (known categories
#: and the slugs :func:`eeforecast.data.categorize` derives for new round types).
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(text: object) -> bool:
    """True if ``text`` looks like a category slug (``cec``, ``senior-managers-with-...``).

    Examples
    --------
    >>> is_slug("cec"), is_slug("senior-managers-with-canadian-work-experience"), is_slug("C E C")
    (True, True, False)
    """
    return isinstance(text, str) and _SLUG.fullmatch(text) is not None


def as_slug(category: object, where: str) -> str:
    """A category slug: a known one or any slug-like name of a new round type (whether the pool
    has an estimate for it is checked where it is used)."""
    if not is_slug(category):
        raise ParameterError(
            f"{where}: {category!r} is not a category slug (lower-case words joined by '-', "
            "e.g. general, cec, pnp, or the slug of a new round type)"
        )
    return category


def as_slugs(categories: object, name: str = "categories") -> list[str] | None:
    """A list of category slugs (None stays None); a bare string is refused, not spelt out."""
    if categories is None:
        return None
    if isinstance(categories, str):
        raise ParameterError(
            f"{name}: expected a list of category slugs, got the string {categories!r} "
            f"(write [{categories!r}])"
        )
    return list(categories)


def as_scores(score: object, name: str = "score") -> np.ndarray:
    """CRS scores as an int64 array; each a whole number in 0..1200 [CRS points]."""
    arr = np.asarray(score)
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        raise ParameterError(f"{name}: expected a CRS score 0..{MAX_SCORE}, got {score!r}")
    if np.any(~np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ParameterError(f"{name}: CRS scores are whole numbers 0..{MAX_SCORE}, got {score!r}")
    if np.any(arr < 0) or np.any(arr > MAX_SCORE):
        raise ParameterError(f"{name}: must be between 0 and {MAX_SCORE} CRS points, got {score!r}")
    return arr.astype(np.int64)


_SPAN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
#: Longest span accepted by :func:`as_span` [days].
MAX_SPAN_DAYS = 731


def as_span(span: str | pd.DateOffset, name: str = "within") -> pd.DateOffset:
    """A span of time written as a whole number and a unit: ``"90d"``, ``"26w"``, ``"6m"``, ``"1y"``.

    The one parser of typed spans (``within=`` of the odds, ``span=`` of the schedule
    simulation); arguments counted in one unit carry it in their name instead (``weeks=``,
    ``days=``, ``months=``). ``horizon`` is always a number of rounds.

    Parameters
    ----------
    span : str or pandas.DateOffset
        A positive whole number followed by ``d``, ``w``, ``m`` or ``y``.
    name : str
        The parameter named in the error.

    Returns
    -------
    pandas.DateOffset

    Raises
    ------
    ParameterError
        If malformed, zero, or longer than two years (:data:`MAX_SPAN_DAYS`).

    Examples
    --------
    >>> as_span("6m")
    <DateOffset: months=6>
    """
    if isinstance(span, pd.DateOffset):
        offset = span
    else:
        match = _SPAN.match(str(span))
        if not match:
            raise ParameterError(
                f"{name}: expected a horizon like 3m, 6m, 12m, 26w, 90d or 1y, got {span!r}"
            )
        n, unit = int(match.group(1)), match.group(2).lower()
        if n < 1:
            raise ParameterError(f"{name}: the horizon must be positive, got {span!r}")
        if n > 100 * MAX_SPAN_DAYS:  # far beyond any accepted span: no date arithmetic on it
            raise ParameterError(f"{name}: the horizon must be 1 day to 2 years, got {span!r}")
        offset = pd.DateOffset(**{_UNITS[unit]: n})
    probe = pd.Timestamp("2000-01-01")
    days = (probe + offset - probe).days
    if days < 1 or days > MAX_SPAN_DAYS:
        raise ParameterError(f"{name}: the horizon must be 1 day to 2 years, got {span!r}")
    return offset


def as_months(span: str | int, name: str = "months", maximum: int = 600) -> int:
    """A monthly span, ``"24m"`` or ``"2y"`` (or a whole number of months), as months [months].

    The units of :func:`as_span` that fall on month boundaries: a monthly series (a score's
    timeline) cannot stop after ``"26w"`` or ``"90d"``, so those are refused rather than rounded.

    Parameters
    ----------
    span : str or int
        A whole number followed by ``m`` or ``y``, or a whole number of months (0 allowed).
    name : str
        The parameter named in the error.
    maximum : int
        Longest span accepted [months].

    Raises
    ------
    ParameterError
        If malformed, in days or weeks, negative, or longer than ``maximum``.

    Examples
    --------
    >>> as_months("24m"), as_months("2y"), as_months(6)
    (24, 24, 6)
    >>> as_months("26w", "--timeline")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: --timeline: the span is counted in months: write it like 24m or 2y, got '26w'
    """
    if isinstance(span, int | np.integer) and not isinstance(span, bool):
        months = int(span)
    else:
        match = _SPAN.match(str(span))
        if not match or match.group(2).lower() not in "my":
            raise ParameterError(
                f"{name}: the span is counted in months: write it like 24m or 2y, got {span!r}"
            )
        months = int(match.group(1)) * (12 if match.group(2).lower() == "y" else 1)
    if not 0 <= months <= maximum:
        raise ParameterError(f"{name}: must be 0 to {maximum} months, got {span!r}")
    return months


def as_positive(
    value: object, where: str, *, integer: bool = False, maximum: float | None = None
) -> float:
    """A finite number > 0 (a whole one with ``integer``) and at most ``maximum``, or an error
    naming ``where``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ParameterError(f"{where}: expected a number, got {short_number(value)}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{where}: at most {maximum:,.0f}, got {short_number(value)}")
    try:
        value = float(value)
    except OverflowError:
        raise ParameterError(f"{where}: too large, got {short_number(value)}") from None
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{where}: must be > 0, got {value:g}")
    if integer and value != int(value):
        raise ParameterError(f"{where}: must be a whole number, got {value:g}")
    return value


def as_bounded(value: object, name: str, minimum: float, maximum: float) -> float:
    """A finite number in ``minimum..maximum``, or an error naming ``name``.

    Examples
    --------
    >>> as_bounded(30, "timeout", 0.1, 3600)
    30.0
    >>> as_bounded(float("inf"), "timeout", 0.1, 3600)
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: timeout: expected a number from 0.1 to 3,600, got inf
    """
    ok = not isinstance(value, bool) and isinstance(value, int | float | np.integer | np.floating)
    if ok:
        try:
            ok = math.isfinite(float(value)) and minimum <= value <= maximum
        except OverflowError:
            ok = False
    if not ok:
        raise ParameterError(
            f"{name}: expected a number from {minimum:,g} to {maximum:,g}, got {short_number(value)}"
        )
    return float(value)
