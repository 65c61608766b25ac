"""How a score moves month by month: birthdays, Canadian experience, test and ECA expiry.

The profile describes the candidate on ``as_of``; each later month is scored as that day's facts
would be: the age from ``date_of_birth``, one more full year of Canadian experience every 12
months while ``working_in_canada``, tests valid 2 years from ``test_date``, an ECA 5 years from
``eca_date``, and the rules version in force that day. A factor without its date stays as it is.
"""

from __future__ import annotations

import dataclasses
import os

import pandas as pd

from ..checks import as_months
from .facts import facts_on
from .profile import LANGUAGES, MAX_YEARS, Profile, as_profile
from .rules import as_of_day
from .score import BLOCKS, score

#: The columns of :func:`timeline`, in order.
TIMELINE_COLUMNS: tuple[str, ...] = (
    "date",
    "age",
    "canadian_experience_years",
    "education",
    "english",
    "french",
    "first_language",
    *BLOCKS,
    "total",
    "rules",
    "categories",
    "change",
)
MAX_MONTHS = 600


def _fixed(profile: Profile) -> list[str]:
    """What the timeline cannot move, for want of a date."""
    out = []
    if profile.date_of_birth is None:
        out.append("age stays fixed (no date_of_birth)")
    if not profile.working_in_canada:
        out.append("Canadian experience stays fixed (working_in_canada is false)")
    for lang in LANGUAGES:
        test = getattr(profile, lang)
        if test is not None and test.test_date is None:
            out.append(f"{lang} test does not expire (no test_date)")
    if profile.eca_date is None:
        out.append("education does not expire (no eca_date)")
    if profile.spouse is not None:
        out.append("the spouse's Canadian experience stays fixed")
    return out


def _levels(levels) -> str:
    return "/".join(str(lv) for lv in levels) if levels is not None else "-"


def profile_after(profile: Profile | str | os.PathLike, months: int) -> Profile:
    """The profile ``months`` months later, as :func:`timeline` moves it.

    Only the counts move: while ``working_in_canada``, the months worked in Canada grow and
    complete full years. Dated facts (birth, tests, ECA) move with the scoring day.

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> p = Profile(age=30, education="bachelors", canadian_experience_months=10,
    ...             working_in_canada=True, english=LanguageTest("clb", 9, 9, 9, 9))
    >>> later = profile_after(p, 3)
    >>> later.canadian_experience_years, later.canadian_experience_months
    (1, 1)
    """
    profile = as_profile(profile)
    if profile.working_in_canada:
        worked = profile.canadian_experience_months + months
        years = min(MAX_YEARS, profile.canadian_experience_years + worked // 12)
        profile = dataclasses.replace(
            profile, canadian_experience_years=years, canadian_experience_months=worked % 12
        )
    return profile


def _on(profile: Profile, start: pd.Timestamp, month: int) -> tuple[pd.Timestamp, Profile]:
    """The day ``month`` months after ``start`` and the profile as it stands then."""
    return start + pd.DateOffset(months=month), profile_after(profile, month)


def timeline(
    profile: Profile | str | os.PathLike, *, months: int | str = 24, as_of: object = None
) -> pd.DataFrame:
    """The score month by month from ``as_of``, as the profile's dated facts move.

    Parameters
    ----------
    profile : Profile or path
        A :class:`Profile` or a TOML file holding one; its counts are those of ``as_of``.
    months : int or str, default 24
        How far to look ahead, a number of months or a monthly span such as ``"24m"`` or
        ``"2y"`` (:func:`eeforecast.checks.as_months`); the frame has ``months + 1`` rows,
        ``as_of`` first [months].
    as_of : date-like, optional
        The first day; None: today.

    Returns
    -------
    pandas.DataFrame
        Columns ``date, age, canadian_experience_years, education`` (the level that counts),
        ``english, french`` (reading/writing/listening/speaking levels that count, ``-`` when
        none), ``first_language, core, spouse, transferability, additional, total`` [CRS points],
        ``rules``, ``categories`` (comma-separated :func:`eligible_categories`) and ``change``
        (what moved since the previous row; on the first row, what stays fixed for want of a
        date). ``attrs["notes"]`` holds the distinct notes of the scores.

    Notes
    -----
    Events between two month marks show on the first row after them; ``change`` gives the day.
    A year of Canadian experience completes ``12 - canadian_experience_months`` months after
    ``as_of``, then every 12 months, while ``working_in_canada``. Foreign experience, the spouse's
    Canadian experience and the 10-year window for foreign work do not move.

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> p = Profile(date_of_birth="1996-03-14", education="bachelors",
    ...             english=LanguageTest("clb", 9, 9, 9, 9))
    >>> t = timeline(p, months=6, as_of="2026-01-01")
    >>> t["total"].tolist()
    [379, 379, 379, 374, 374, 374, 374]
    >>> t.loc[3, "change"]
    'age 29 -> 30 (birthday 03-14); total -5'
    """
    months = as_months(months, "months", MAX_MONTHS)
    profile = as_profile(profile)
    start = as_of_day(as_of)
    rows, notes, previous, previous_hidden = [], {}, None, None
    for month in range(months + 1):
        day, now = _on(profile, start, month)
        result = score(now, as_of=day)
        facts, _ = facts_on(now, day)
        state = {
            "date": day,
            "age": facts.age,
            "canadian_experience_years": facts.canadian_years,
            "education": facts.education,
            "english": _levels(facts.english),
            "french": _levels(facts.french),
            "first_language": result.first_language or "-",
            **{block: getattr(result, block) for block in BLOCKS},
            "total": result.total,
            "rules": result.rules,
            "categories": ",".join(result.categories),
        }
        spouse = facts.spouse
        hidden = (
            (_levels(spouse.english), _levels(spouse.french), spouse.education) if spouse else None
        )
        notes.update(dict.fromkeys(result.notes))
        if previous is None:
            state["change"] = "; ".join(["start", *_fixed(profile)])
        else:
            state["change"] = _change(previous, state, hidden, previous_hidden, profile, day)
        rows.append(state)
        previous, previous_hidden = state, hidden
    frame = pd.DataFrame(rows, columns=list(TIMELINE_COLUMNS))
    frame.attrs["notes"] = list(notes)
    return frame


def _change(before: dict, after: dict, hidden, hidden_before, profile: Profile, day) -> str:
    """What moved between two rows, in words, with the day of dated events."""
    moved = []
    if after["age"] != before["age"]:
        moved.append(
            f"age {before['age']} -> {after['age']}"
            + (
                f" (birthday {profile.date_of_birth:%m-%d})"
                if profile.date_of_birth is not None
                else ""
            )
        )
    for key in ("canadian_experience_years", "education", "english", "french", "rules"):
        if after[key] != before[key]:
            moved.append(f"{key} {before[key]} -> {after[key]}" + _why(key, profile))
    if hidden != hidden_before:
        moved.append("spouse's tests or ECA")
    if after["categories"] != before["categories"]:
        moved.append(f"categories {before['categories'] or '-'} -> {after['categories'] or '-'}")
    delta = after["total"] - before["total"]
    if moved and delta:
        moved.append(f"total {delta:+d}")
    return "; ".join(moved)


def _why(key: str, profile: Profile) -> str:
    if key in LANGUAGES:
        test = getattr(profile, key)
        if test is not None and test.expires is not None:
            return f" (test of {test.test_date:%Y-%m-%d} valid until {test.expires - pd.Timedelta(days=1):%Y-%m-%d})"
    if key == "education" and profile.eca_date is not None:
        return f" (ECA of {profile.eca_date:%Y-%m-%d}, valid 5 years)"
    return ""
