"""The categories of rounds a profile says it can be invited in: the profile-side rule.

This is an approximation of program and category eligibility, made for the pool model's odds: it
reads only what a profile holds. It ignores, among others, the language minimums of the Canadian
Experience Class (CLB 7 for TEER 0-1 jobs, CLB 5 for TEER 2-3) and the recency of that experience
(within the last 3 years), a category's requirement of 6 months of continuous work in one of its
occupations within the last 3 years, the Federal Skilled Worker and Federal Skilled Trades
programs' own criteria, proof of funds and admissibility. General rounds are open to every profile
in the pool and are not listed: the caller adds them.
"""

from __future__ import annotations

import os

from .facts import Facts, facts_on
from .profile import Profile, as_profile
from .rules import as_of_day

#: The French-language category asks for at least this level on all four abilities [NCLC].
FRENCH_CATEGORY_NCLC = 7
#: Slugs, in the order they are returned.
ORDER: tuple[str, ...] = ("cec", "french", "pnp")


def categories_from_facts(profile: Profile, facts: Facts) -> tuple[str, ...]:
    """:func:`eligible_categories` on resolved facts (tests already checked for the day)."""
    out = []
    if facts.canadian_years >= 1:
        out.append("cec")
    if facts.french is not None and min(facts.french) >= FRENCH_CATEGORY_NCLC:
        out.append("french")
    if facts.nomination:
        out.append("pnp")
    if profile.occupation_category is not None:
        out.append(profile.occupation_category)
    return tuple(out)


def eligible_categories(
    profile: Profile | str | os.PathLike, *, as_of: object = None
) -> tuple[str, ...]:
    """The round categories the profile says it is eligible for on ``as_of``.

    Parameters
    ----------
    profile : Profile or path
        A :class:`Profile` or a TOML file holding one.
    as_of : date-like, optional
        The day; None: today. A French test that expired or is dated later does not count.

    Returns
    -------
    tuple of str
        Among ``cec`` (``canadian_experience_years`` >= 1), ``french`` (a valid French result
        at NCLC 7 or more on all four abilities), ``pnp`` (``provincial_nomination``), then the
        profile's ``occupation_category`` (healthcare, stem, trades, transport, agriculture or
        education), in that order. General rounds are not listed.

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> p = Profile(age=30, education="bachelors", canadian_experience_years=2,
    ...             occupation_category="healthcare", english=LanguageTest("clb", 7, 7, 7, 7),
    ...             french=LanguageTest("nclc", 7, 8, 7, 9))
    >>> eligible_categories(p, as_of="2026-01-05")
    ('cec', 'french', 'healthcare')
    """
    profile = as_profile(profile)
    facts, _ = facts_on(profile, as_of_day(as_of))
    return categories_from_facts(profile, facts)
