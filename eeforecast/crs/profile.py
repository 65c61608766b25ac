"""A candidate's profile: the facts the CRS scores, read from TOML or built in Python.

Every field is checked when the profile is built; an error names the field
(``spouse.english.reading``) and, when the profile comes from a file, the file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

import pandas as pd

from ..checks import as_day
from ..errors import ParameterError
from .language import ABILITIES, TESTS, LanguageTest

#: Education levels, lowest first (the rows of table A2).
EDUCATION: tuple[str, ...] = (
    "less_than_secondary",
    "secondary",
    "one_year",
    "two_year",
    "bachelors",
    "two_or_more",
    "masters",
    "doctoral",
)
#: Canadian post-secondary credentials (table D), lowest first.
CANADIAN_EDUCATION: tuple[str, ...] = ("none", "one_or_two_years", "three_plus_years")
#: The least education each Canadian credential implies.
CANADIAN_IMPLIES = {
    "none": "less_than_secondary",
    "one_or_two_years": "one_year",
    "three_plus_years": "bachelors",
}
JOB_OFFERS: tuple[str, ...] = ("none", "teer_00", "other")
#: Occupation categories a profile may name (slugs of eeforecast's round categories).
OCCUPATIONS: tuple[str, ...] = (
    "healthcare",
    "stem",
    "trades",
    "transport",
    "agriculture",
    "education",
)
LANGUAGES: tuple[str, ...] = ("english", "french")
MAX_AGE = 120
MAX_YEARS = 60


@contextmanager
def _within(prefix: str) -> Iterator[None]:
    """Prefix the message of a ParameterError raised inside (``english.`` + ``reading: ...``)."""
    try:
        yield
    except ParameterError as exc:
        raise ParameterError(f"{prefix}{exc}") from None


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, float) and not value.is_integer():
        raise ParameterError(f"{name}: expected a whole number, got {value!r}")
    if not low <= value <= high:
        raise ParameterError(f"{name}: must be between {low} and {high}, got {value!r}")
    return int(value)


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"{name}: expected true or false, got {value!r}")
    return value


def _choice(value: object, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices or not isinstance(value, str):
        raise ParameterError(f"{name}: must be one of {', '.join(choices)}, got {value!r}")
    return value


def _test(value: object, lang: str) -> LanguageTest:
    if not isinstance(value, LanguageTest):
        raise ParameterError(f"{lang}: expected a LanguageTest, got {value!r}")
    _choice(value.test, f"{lang}.test", TESTS[lang])
    return value


@dataclass(frozen=True, kw_only=True)
class Spouse:
    """The accompanying spouse or common-law partner (not a Canadian citizen or PR).

    Parameters
    ----------
    education : str
        Highest level, one of the education levels of :class:`Profile`.
    canadian_experience_years : int, default 0
        Full years of skilled Canadian work [years].
    english, french : LanguageTest, optional
        Test results; the one that scores more counts as the spouse's first official language.
    eca_date : date-like, optional
        Day of the educational credential assessment of a foreign credential; from 5 years later
        the spouse's education counts as less than secondary.
    """

    education: str
    canadian_experience_years: int = 0
    english: LanguageTest | None = None
    french: LanguageTest | None = None
    eca_date: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        _choice(self.education, "education", EDUCATION)
        years = _whole(self.canadian_experience_years, "canadian_experience_years", 0, MAX_YEARS)
        object.__setattr__(self, "canadian_experience_years", years)
        for lang in LANGUAGES:
            if getattr(self, lang) is not None:
                _test(getattr(self, lang), lang)
        if self.eca_date is not None:
            object.__setattr__(self, "eca_date", as_day(self.eca_date, "eca_date"))


@dataclass(frozen=True, kw_only=True)
class Profile:
    """The facts the CRS scores, as they stand on the scoring day (``as_of``).

    Counts (age, years) describe the candidate on the scoring day; dates (birth, tests, ECA) are
    absolute and let the score and the timeline move with the day.

    Parameters
    ----------
    education : str
        Highest level: less_than_secondary, secondary, one_year, two_year, bachelors,
        two_or_more (two or more credentials, one of 3+ years), masters (or entry-to-practice
        professional degree), doctoral.
    age : int, optional
        Whole years on the scoring day [years]; required unless ``date_of_birth`` is given.
    date_of_birth : date-like, optional
        When given, the age on each scoring day is computed from it (and wins over ``age``).
    canadian_education : str, default "none"
        none, one_or_two_years, or three_plus_years (a Canadian credential of 3+ years, or a
        Canadian master's, professional or doctoral degree). Must not exceed ``education``.
    canadian_experience_years, foreign_experience_years : int, default 0
        Full years of skilled (TEER 0-3) work in Canada / abroad [years].
    working_in_canada : bool, default False
        In skilled work in Canada now: the timeline adds a full year of Canadian experience every
        12 months.
    canadian_experience_months : int, default 0
        Months of the current Canadian year already worked (0-11) [months]; the next full year
        completes after ``12 - canadian_experience_months`` months of the timeline.
    certificate_of_qualification, provincial_nomination, sibling_in_canada : bool, default False
        A trade certificate from a province or territory; a provincial or territorial nomination;
        a sibling in Canada, 18 or older, citizen or PR (of the candidate or the spouse).
    job_offer : str, default "none"
        none, teer_00 or other (TEER 0-3); points only where the rules version has them.
    occupation_category : str, optional
        healthcare, stem, trades, transport, agriculture or education: the category the
        candidate's occupation belongs to (for :func:`eligible_categories`).
    first_language : str, optional
        english or french; default: the one that gives the higher total.
    english, french : LanguageTest, optional
        Test results; at least one is required.
    eca_date : date-like, optional
        Day of the educational credential assessment, when the highest credential is foreign.
        An ECA is valid 5 years: from then the education counts only as far as the Canadian
        credential supports (one_year for one_or_two_years, bachelors for three_plus_years,
        otherwise less than secondary).
    spouse : Spouse, optional
        Present only when the spouse or partner accompanies and is not a citizen or PR.
    name : str, default "profile"
        A label for frames; :meth:`from_toml` uses the file name.
    """

    education: str
    age: int | None = None
    date_of_birth: pd.Timestamp | None = None
    canadian_education: str = "none"
    canadian_experience_years: int = 0
    canadian_experience_months: int = 0
    working_in_canada: bool = False
    foreign_experience_years: int = 0
    certificate_of_qualification: bool = False
    provincial_nomination: bool = False
    sibling_in_canada: bool = False
    job_offer: str = "none"
    occupation_category: str | None = None
    first_language: str | None = None
    english: LanguageTest | None = None
    french: LanguageTest | None = None
    eca_date: pd.Timestamp | None = None
    spouse: Spouse | None = None
    name: str = "profile"

    def __post_init__(self) -> None:
        def put(key, value):
            object.__setattr__(self, key, value)

        if self.age is None and self.date_of_birth is None:
            raise ParameterError("age: required field is missing (or give date_of_birth)")
        if self.age is not None:
            put("age", _whole(self.age, "age", 0, MAX_AGE))
        for key in ("date_of_birth", "eca_date"):
            if getattr(self, key) is not None:
                put(key, as_day(getattr(self, key), key))
        _choice(self.education, "education", EDUCATION)
        _choice(self.canadian_education, "canadian_education", CANADIAN_EDUCATION)
        least = CANADIAN_IMPLIES[self.canadian_education]
        if EDUCATION.index(self.education) < EDUCATION.index(least):
            raise ParameterError(
                f"canadian_education: {self.canadian_education} needs education {least} or "
                f"higher, got education {self.education}"
            )
        for key in ("canadian_experience_years", "foreign_experience_years"):
            put(key, _whole(getattr(self, key), key, 0, MAX_YEARS))
        put(
            "canadian_experience_months",
            _whole(self.canadian_experience_months, "canadian_experience_months", 0, 11),
        )
        for key in (
            "working_in_canada",
            "certificate_of_qualification",
            "provincial_nomination",
            "sibling_in_canada",
        ):
            _flag(getattr(self, key), key)
        _choice(self.job_offer, "job_offer", JOB_OFFERS)
        if self.occupation_category is not None:
            _choice(self.occupation_category, "occupation_category", OCCUPATIONS)
        if self.english is None and self.french is None:
            raise ParameterError("english: a language test is required ([english] or [french])")
        for lang in LANGUAGES:
            if getattr(self, lang) is not None:
                _test(getattr(self, lang), lang)
        if self.first_language is not None:
            _choice(self.first_language, "first_language", LANGUAGES)
            if getattr(self, self.first_language) is None:
                raise ParameterError(
                    f"first_language: {self.first_language} has no [{self.first_language}] test"
                )
        if self.spouse is not None and not isinstance(self.spouse, Spouse):
            raise ParameterError(f"spouse: expected a Spouse, got {self.spouse!r}")
        if not isinstance(self.name, str):
            raise ParameterError(f"name: expected text, got {self.name!r}")

    @classmethod
    def from_dict(cls, mapping: Mapping, *, source: str | os.PathLike | None = None) -> Profile:
        """A profile from a mapping shaped like the TOML file.

        Parameters
        ----------
        mapping : Mapping
            Top-level fields, with ``english``, ``french`` and ``spouse`` (itself with
            ``english``/``french``) as nested mappings.
        source : str or path, optional
            The file the mapping came from; it starts every error message.

        Raises
        ------
        ParameterError
            One error naming the first faulty field: unknown, missing, wrong type or out of range.
        """
        with _within(f"{source}: " if source is not None else ""):
            return _build(cls, mapping, "")

    @classmethod
    def from_toml(cls, path: str | os.PathLike) -> Profile:
        """A profile from a TOML file; its ``name`` defaults to the file name without suffix.

        Raises
        ------
        ParameterError
            Naming the file: missing, unreadable, malformed TOML (with the line), or any field
            error of :meth:`from_dict`.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ParameterError(
                f"{path}: cannot read the profile: not UTF-8 text (byte {exc.object[exc.start]:#04x} "
                f"at offset {exc.start}); save it as UTF-8"
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ParameterError(f"{path}: cannot read the profile: {reason}") from None
        try:
            mapping = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"{path}: malformed TOML: {exc}") from None
        mapping.setdefault("name", path.stem)
        return cls.from_dict(mapping, source=path)


def as_profile(profile: Profile | str | os.PathLike) -> Profile:
    """``profile`` itself, or the profile read from the TOML file at that path."""
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, str | os.PathLike):
        return Profile.from_toml(profile)
    raise ParameterError(f"profile: expected a Profile or a TOML path, got {profile!r}")


def _known(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.init)


def _check_keys(mapping: object, prefix: str, known: tuple[str, ...], what: str) -> dict:
    if not isinstance(mapping, Mapping):
        raise ParameterError(f"{prefix.rstrip('.') or what}: expected a table, got {mapping!r}")
    for key in mapping:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ParameterError(f"{prefix}{key}: unknown field{hint}")
    return dict(mapping)


def _language(mapping: object, prefix: str, lang: str) -> LanguageTest:
    known = ("test", *ABILITIES, "test_date")
    values = _check_keys(mapping, prefix, known, "language")
    for key in known[:-1]:
        if key not in values:
            raise ParameterError(f"{prefix}{key}: required field is missing")
    with _within(prefix):
        _choice(values["test"], "test", TESTS[lang])  # before the scores: the test reads them
        return LanguageTest(**values)


def _build(cls, mapping: object, prefix: str):
    """Profile or Spouse from a mapping, nested tables first so errors name the deepest field."""
    values = _check_keys(mapping, prefix, _known(cls), "profile")
    for lang in LANGUAGES:
        if lang in values:
            values[lang] = _language(values[lang], f"{prefix}{lang}.", lang)
    if "spouse" in values:
        values["spouse"] = _build(Spouse, values["spouse"], "spouse.")
    if "education" not in values:
        raise ParameterError(f"{prefix}education: required field is missing")
    with _within(prefix):
        return cls(**values)
