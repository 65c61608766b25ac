"""Which single change would raise a score most: each one scored on a copy of the profile."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import pandas as pd

from .language import ABILITIES, TOP_LEVEL, LanguageTest, top_level
from .profile import (
    CANADIAN_EDUCATION,
    CANADIAN_IMPLIES,
    EDUCATION,
    LANGUAGES,
    MAX_YEARS,
    Profile,
    as_profile,
)
from .rules import as_of_day
from .score import score

#: The columns of :func:`what_if`, in order.
WHAT_IF_COLUMNS: tuple[str, ...] = ("change", "total", "gain", "categories")
_UNIT = {"english": "CLB", "french": "NCLC"}


def _language_steps(owner, who: str, day: pd.Timestamp) -> Iterator[tuple[str, object]]:
    """One ability +1 level at a time, for each test of ``owner`` (a Profile or a Spouse)."""
    for lang in LANGUAGES:
        test = getattr(owner, lang)
        if test is None:
            continue
        if not test.valid_on(day):  # expired or not yet taken: the change is a new test
            renewed = LanguageTest.from_levels(lang, test.levels, test_date=day)
            yield (
                (
                    f"{who}{lang}: a new test at the same levels (the current one does not count "
                    f"on {day:%Y-%m-%d})"
                ),
                dataclasses.replace(owner, **{lang: renewed}),
            )
            continue
        ceiling = min(TOP_LEVEL, top_level(test.test))
        for i, ability in enumerate(ABILITIES):
            level = test.levels[i]
            if level >= ceiling:
                continue
            levels = list(test.levels)
            levels[i] = level + 1
            raised = LanguageTest.from_levels(lang, levels, test_date=test.test_date)
            label = f"{who}{lang} {ability}: {_UNIT[lang]} {level} -> {level + 1}"
            yield label, dataclasses.replace(owner, **{lang: raised})


def _next(values: tuple[str, ...], value: str) -> str | None:
    i = values.index(value)
    return values[i + 1] if i + 1 < len(values) else None


def _changes(profile: Profile, day: pd.Timestamp) -> Iterator[tuple[str, Profile]]:
    """Every single change that is possible for ``profile``, with its label."""
    replace = dataclasses.replace
    yield from _language_steps(profile, "", day)
    french = profile.french
    if french is None or not french.valid_on(day) or min(french.levels) < 7:
        now = french.levels if french is not None and french.valid_on(day) else (0, 0, 0, 0)
        levels = [max(7, level) for level in now]
        yield (
            "french: NCLC 7 on all four abilities",
            replace(profile, french=LanguageTest.from_levels("french", levels, test_date=day)),
        )
    for key in ("canadian_experience_years", "foreign_experience_years"):
        years = getattr(profile, key)
        if years < MAX_YEARS:
            yield f"{key} {years} -> {years + 1}", replace(profile, **{key: years + 1})
    education = _next(EDUCATION, profile.education)
    if education is not None:
        yield f"education {profile.education} -> {education}", replace(profile, education=education)
    canadian = _next(CANADIAN_EDUCATION, profile.canadian_education)
    if canadian is not None:
        least = CANADIAN_IMPLIES[canadian]
        label = f"canadian_education {profile.canadian_education} -> {canadian}"
        if EDUCATION.index(profile.education) < EDUCATION.index(least):
            label += f" (education {profile.education} -> {least})"
            yield label, replace(profile, canadian_education=canadian, education=least)
        else:
            yield label, replace(profile, canadian_education=canadian)
    if not profile.provincial_nomination:
        yield "provincial_nomination", replace(profile, provincial_nomination=True)
    if profile.job_offer == "none":
        for offer in ("teer_00", "other"):
            yield f"job_offer {offer}", replace(profile, job_offer=offer)
    if profile.spouse is not None:
        spouse = profile.spouse
        for label, changed in _language_steps(spouse, "spouse ", day):
            yield label, replace(profile, spouse=changed)
        education = _next(EDUCATION, spouse.education)
        if education is not None:
            yield (
                f"spouse education {spouse.education} -> {education}",
                replace(profile, spouse=replace(spouse, education=education)),
            )
        years = spouse.canadian_experience_years
        if years < MAX_YEARS:
            yield (
                f"spouse canadian_experience_years {years} -> {years + 1}",
                replace(profile, spouse=replace(spouse, canadian_experience_years=years + 1)),
            )
        yield "spouse does not accompany (scored without spouse)", replace(profile, spouse=None)


def what_if(profile: Profile | str | os.PathLike, *, as_of: object = None) -> pd.DataFrame:
    """The single changes that would raise the score, largest gain first.

    Parameters
    ----------
    profile : Profile or path
        A :class:`Profile` or a TOML file holding one.
    as_of : date-like, optional
        The scoring day; None: today.

    Returns
    -------
    pandas.DataFrame
        Columns ``change`` (in words), ``total`` (the score with that change) and ``gain``
        (over the current score) [CRS points], ``categories`` (comma-separated
        :func:`eligible_categories` with the change). Only changes with a positive gain, sorted
        by gain descending (ties in the order below). ``attrs`` holds ``total``, ``rules`` and
        ``as_of`` of the current score.

    Notes
    -----
    The changes tried, each alone: every ability of every valid test one level up (English
    CLB, French NCLC; not above CLB 12 nor above the highest level the test can show; the
    raised result keeps its test date), a new test at the same levels for a test that does not
    count on ``as_of``, French at NCLC 7 on all four abilities, one more year of Canadian or of
    foreign skilled work, the next education level (e.g. bachelors -> two_or_more, a second
    credential), the next Canadian credential (raising education to the least it implies), a
    provincial nomination, a job offer (TEER 00 or other), and for an accompanying spouse: each
    ability one level up, the next education level, one more year of Canadian work, and not
    accompanying. Age, a sibling in Canada and a certificate of qualification are not tried:
    they are not choices a candidate can make in a round's time.

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> p = Profile(age=29, education="bachelors", canadian_experience_years=1,
    ...             foreign_experience_years=3, english=LanguageTest("clb", 8, 7, 8, 7))
    >>> w = what_if(p, as_of="2025-06-01")
    >>> w.iloc[0]["change"], int(w.iloc[0]["gain"])
    ('provincial_nomination', 600)
    """
    profile = as_profile(profile)
    day = as_of_day(as_of)
    base = score(profile, as_of=day)
    rows = []
    for label, changed in _changes(profile, day):
        result = score(changed, as_of=day)
        if result.total > base.total:
            rows.append(
                (label, result.total, result.total - base.total, ",".join(result.categories))
            )
    frame = pd.DataFrame(rows, columns=list(WHAT_IF_COLUMNS))
    frame = frame.sort_values("gain", ascending=False, kind="stable", ignore_index=True)
    frame.attrs.update(total=base.total, rules=base.rules, as_of=day)
    return frame
