"""What of a profile counts on a given day: age from the date of birth, valid tests and ECAs.

A profile states counts as on the scoring day and dates as absolute days; :func:`facts_on`
resolves them for one day and says, in notes, what did not count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import ParameterError
from .profile import CANADIAN_IMPLIES, LANGUAGES, Profile

#: Years an educational credential assessment stays valid.
ECA_VALID_YEARS = 5


@dataclass(frozen=True)
class SpouseFacts:
    """What counts of the accompanying spouse on one day (levels ``None``: no valid test)."""

    education: str
    canadian_years: int
    english: tuple[int, ...] | None
    french: tuple[int, ...] | None


@dataclass(frozen=True)
class Facts:
    """What counts on one day: tests and ECAs resolved, age computed."""

    age: int
    education: str
    canadian_education: str
    canadian_years: int
    foreign_years: int
    certificate: bool
    nomination: bool
    sibling: bool
    job_offer: str
    english: tuple[int, ...] | None
    french: tuple[int, ...] | None
    first_language: str | None
    spouse: SpouseFacts | None


def age_on(date_of_birth: pd.Timestamp, day: pd.Timestamp) -> int:
    """Whole years from ``date_of_birth`` to ``day`` [years]."""
    return (
        day.year
        - date_of_birth.year
        - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))
    )


def _levels(test, label: str, day: pd.Timestamp, notes: list[str]) -> tuple[int, ...] | None:
    if test is None:
        return None
    if test.valid_on(day):
        return test.levels
    if day < test.test_date:
        notes.append(
            f"{label} test is dated {test.test_date:%Y-%m-%d}, after {day:%Y-%m-%d}: "
            "it does not count yet"
        )
    else:
        notes.append(
            f"{label} test of {test.test_date:%Y-%m-%d} expired on "
            f"{test.expires:%Y-%m-%d} (valid 2 years): it does not count"
        )
    return None


def _assessed(education, eca_date, fallback, label, day, notes) -> str:
    """Education that counts: the ECA'd level while the ECA is valid, else ``fallback``."""
    if eca_date is None or eca_date <= day < eca_date + pd.DateOffset(years=ECA_VALID_YEARS):
        return education
    if day < eca_date:
        why = f"is dated {eca_date:%Y-%m-%d}, after {day:%Y-%m-%d}"
    else:
        why = f"of {eca_date:%Y-%m-%d} expired on {eca_date + pd.DateOffset(years=ECA_VALID_YEARS):%Y-%m-%d}"
    notes.append(f"{label} educational credential assessment {why}: education counts as {fallback}")
    return fallback


def facts_on(profile: Profile, day: pd.Timestamp) -> tuple[Facts, list[str]]:
    """The facts of ``profile`` that count on ``day``, and notes on what did not."""
    notes: list[str] = []
    age = profile.age
    if profile.date_of_birth is not None:
        if profile.date_of_birth > day:
            raise ParameterError(
                f"date_of_birth: {profile.date_of_birth:%Y-%m-%d} is after {day:%Y-%m-%d}"
            )
        age = age_on(profile.date_of_birth, day)
        if profile.age is not None and profile.age != age:
            notes.append(
                f"age {profile.age} differs from {age} computed from date_of_birth on "
                f"{day:%Y-%m-%d}: date_of_birth is used"
            )
    spouse = None
    if profile.spouse is not None:
        sp = profile.spouse
        spouse = SpouseFacts(
            _assessed(sp.education, sp.eca_date, "less_than_secondary", "spouse's", day, notes),
            sp.canadian_experience_years,
            *(_levels(getattr(sp, lang), f"spouse {lang}", day, notes) for lang in LANGUAGES),
        )
    facts = Facts(
        age=age,
        education=_assessed(
            profile.education,
            profile.eca_date,
            CANADIAN_IMPLIES[profile.canadian_education],
            "the",
            day,
            notes,
        ),
        canadian_education=profile.canadian_education,
        canadian_years=profile.canadian_experience_years,
        foreign_years=profile.foreign_experience_years,
        certificate=profile.certificate_of_qualification,
        nomination=profile.provincial_nomination,
        sibling=profile.sibling_in_canada,
        job_offer=profile.job_offer,
        english=_levels(profile.english, "english", day, notes),
        french=_levels(profile.french, "french", day, notes),
        first_language=profile.first_language,
        spouse=spouse,
    )
    return facts, notes
