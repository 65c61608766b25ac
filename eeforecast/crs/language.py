"""Language test results converted to CLB (English) or NCLC (French) levels, per ability.

The equivalence charts are data (``data/language_tests.toml``): for each test and ability, the
lowest score that reaches each level. Scores below the chart's lowest row are level 3, which the
CRS tables read as "CLB 3 or less". TEF Canada has two charts, chosen by the test date.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache

import pandas as pd

from ..checks import as_day
from ..errors import ParameterError
from .rules import data_path

#: The four abilities, in the order every tuple of levels uses.
ABILITIES: tuple[str, ...] = ("reading", "writing", "listening", "speaking")
#: Accepted ``test`` values per language.
TESTS: dict[str, tuple[str, ...]] = {
    "english": ("ielts", "celpip", "pte_core", "clb"),
    "french": ("tef", "tcf", "nclc"),
}
#: Years a test result stays valid.
VALID_YEARS = 2
#: The highest CLB/NCLC level there is.
TOP_LEVEL = 12


@dataclass(frozen=True)
class _Chart:
    key: str
    name: str
    language: str
    step: float
    levels: tuple[int, ...]
    abilities: dict  # ability -> (low, high, minimum scores)
    taken_from: pd.Timestamp | None
    taken_before: pd.Timestamp | None


@cache
def _charts() -> tuple[_Chart, ...]:
    table = tomllib.loads(data_path("language_tests.toml").read_text(encoding="utf-8"))
    return tuple(
        _Chart(
            key=item["key"],
            name=item["name"],
            language=item["language"],
            step=item["step"],
            levels=tuple(item["levels"]),
            abilities={
                ability: (*item[ability]["range"], tuple(item[ability]["minimum"]))
                for ability in ABILITIES
            },
            taken_from=pd.Timestamp(item["taken_from"]) if "taken_from" in item else None,
            taken_before=pd.Timestamp(item["taken_before"]) if "taken_before" in item else None,
        )
        for item in table["test"]
    )


def _chart(test: str, test_date: pd.Timestamp | None) -> _Chart:
    """The chart of ``test``, picked by ``test_date`` when the test has more than one."""
    known = [name for names in TESTS.values() for name in names]
    if test not in known:
        raise ParameterError(f"test: must be one of {', '.join(known)}, got {test!r}")
    charts = [chart for chart in _charts() if chart.key == test]
    if len(charts) == 1:
        return charts[0]
    if test_date is None:
        spans = "; ".join(_span(chart) for chart in charts)
        raise ParameterError(
            f"test_date: {charts[0].name} has one chart per period ({spans}): give the test date"
        )
    for chart in charts:
        if (chart.taken_from is None or test_date >= chart.taken_from) and (
            chart.taken_before is None or test_date < chart.taken_before
        ):
            return chart
    raise ParameterError(f"test_date: no {charts[0].name} chart for {test_date:%Y-%m-%d}")


def _span(chart: _Chart) -> str:
    if chart.taken_from is not None:
        return f"from {chart.taken_from:%Y-%m-%d}"
    return f"before {chart.taken_before:%Y-%m-%d}"


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name}: expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ParameterError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def to_clb(test: str, ability: str, score: float, *, test_date: object = None) -> int:
    """The CLB (English) or NCLC (French) level of one test result.

    Parameters
    ----------
    test : str
        ``ielts`` (IELTS General Training), ``celpip`` (CELPIP-General), ``pte_core``, ``clb``,
        ``tef`` (TEF Canada), ``tcf`` (TCF Canada) or ``nclc``.
    ability : str
        ``reading``, ``writing``, ``listening`` or ``speaking``.
    score : float
        The result on the test's scale, on its grid (IELTS in steps of 0.5, others whole) [test
        points].
    test_date : date-like, optional
        The day the test was taken; needed for TEF Canada, whose chart changed for tests taken
        from 2023-12-11 (0-699 on every ability; earlier tests: reading 0-300, writing 0-450,
        listening 0-360, speaking 0-450).

    Returns
    -------
    int
        The level [CLB/NCLC]; 3 means "3 or less" for a test whose chart stops at level 4.

    Raises
    ------
    ParameterError
        Naming the ability (or ``test``/``test_date``) when the score is off the test's scale.

    Examples
    --------
    >>> to_clb("ielts", "listening", 8.0)
    9
    >>> to_clb("tef", "reading", 434, test_date="2024-05-01")
    7
    >>> to_clb("ielts", "reading", 9.5)
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: reading: IELTS reading must be between 0 and 9 in steps of 0.5, got 9.5
    """
    day = None if test_date is None else as_day(test_date, "test_date")
    chart = _chart(test, day)
    if ability not in ABILITIES:
        raise ParameterError(f"ability: must be one of {', '.join(ABILITIES)}, got {ability!r}")
    low, high, minimum = chart.abilities[ability]
    value = _number(score, ability)
    steps = (value - low) / chart.step
    if not (low <= value <= high) or abs(steps - round(steps)) > 1e-9:
        grid = f" in steps of {chart.step:g}" if chart.step != 1 else " (whole numbers)"
        raise ParameterError(
            f"{ability}: {chart.name} {ability} must be between {low:g} and {high:g}{grid}, "
            f"got {score!r}"
        )
    for level, least in zip(chart.levels, minimum, strict=True):
        if value >= least - 1e-9:
            return level
    return 3


def top_level(test: str) -> int:
    """The highest level ``test`` can show [CLB/NCLC] (e.g. 10 for IELTS, 12 for ``clb``)."""
    return max(max(chart.levels) for chart in _charts() if chart.key == test)


@dataclass(frozen=True)
class LanguageTest:
    """One language test result: the test, the four scores and, optionally, the test date.

    Parameters
    ----------
    test : str
        English: ``ielts``, ``celpip``, ``pte_core`` or ``clb`` (levels given directly); French:
        ``tef``, ``tcf`` or ``nclc`` (levels given directly).
    reading, writing, listening, speaking : float
        Scores on the test's scale [test points], or levels for ``clb``/``nclc`` [CLB/NCLC].
    test_date : date-like, optional
        The day the test was taken. Results are valid 2 years: from ``test_date + 2 years`` the
        test no longer counts. Required for ``tef`` (it picks the chart).

    Attributes
    ----------
    levels : tuple of int
        (reading, writing, listening, speaking) [CLB/NCLC], from the equivalence charts.
    """

    test: str
    reading: float
    writing: float
    listening: float
    speaking: float
    test_date: pd.Timestamp | None = None
    levels: tuple[int, int, int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.test, str):
            raise ParameterError(f"test: expected a test name, got {self.test!r}")
        if self.test_date is not None:
            object.__setattr__(self, "test_date", as_day(self.test_date, "test_date"))
        _chart(self.test, self.test_date)  # the test exists; TEF has its date
        levels = []
        for ability in ABILITIES:
            value = getattr(self, ability)
            levels.append(to_clb(self.test, ability, value, test_date=self.test_date))
            number = _number(value, ability)
            object.__setattr__(self, ability, int(number) if number.is_integer() else number)
        object.__setattr__(self, "levels", tuple(levels))

    @property
    def language(self) -> str:
        """``english`` or ``french``."""
        return next(lang for lang, tests in TESTS.items() if self.test in tests)

    @property
    def expires(self) -> pd.Timestamp | None:
        """The first day the result no longer counts (``test_date`` + 2 years), or None."""
        if self.test_date is None:
            return None
        return self.test_date + pd.DateOffset(years=VALID_YEARS)

    def valid_on(self, day: pd.Timestamp) -> bool:
        """Whether the result counts on ``day``: taken by then and not expired."""
        if self.test_date is None:
            return True
        return self.test_date <= day < self.expires

    @classmethod
    def from_levels(cls, language: str, levels, test_date=None) -> LanguageTest:
        """A ``clb`` (English) or ``nclc`` (French) result with the given four levels."""
        return cls("clb" if language == "english" else "nclc", *levels, test_date=test_date)
