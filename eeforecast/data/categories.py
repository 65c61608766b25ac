"""The round-type taxonomy: IRCC's round names mapped to stable category slugs.

IRCC renames round types and adds versions ("(2023-1)" became "(Version 1)", then "(Version 2)",
", 2026-Version 3", other capitalisations). :func:`categorize` maps by meaning: it normalises the name
(case, punctuation, version and year tags) and looks for the words that identify each category.
A round type never seen before still gets a slug: a known category when its words say so, otherwise
a slug derived from its name, with a :class:`NewCategoryWarning`.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

#: Known category slugs, in display order.
CATEGORIES: tuple[str, ...] = (
    "general",
    "cec",
    "pnp",
    "fsw",
    "fst",
    "french",
    "healthcare",
    "stem",
    "trades",
    "transport",
    "agriculture",
    "education",
)

#: Display names of the known categories.
LABELS: dict[str, str] = {
    "general": "General (all programs)",
    "cec": "Canadian Experience Class",
    "pnp": "Provincial Nominee Program",
    "fsw": "Federal Skilled Worker",
    "fst": "Federal Skilled Trades",
    "french": "French language proficiency",
    "healthcare": "Healthcare and social services",
    "stem": "STEM occupations",
    "trades": "Trade occupations",
    "transport": "Transport occupations",
    "agriculture": "Agriculture and agri-food",
    "education": "Education occupations",
}

# (slug, pattern) checked in order on the normalised name; the first match wins. Program rounds
# (fst) come before occupation categories whose words they share ("trades").
_RULES: tuple[tuple[str, str], ...] = (
    ("general", r"^(no program specified|general|all programs?|no program)$"),
    ("cec", r"\bcanadian experience class\b|^cec$"),
    ("pnp", r"\bprovincial nominee\b|^pnp$"),
    ("fst", r"\bfederal skilled trades?\b|^fst$"),
    ("fsw", r"\bfederal skilled workers?\b|^fsw$"),
    ("french", r"\bfrench\b"),
    # only IRCC's healthcare category: a narrower new round type (e.g. "Physicians with Canadian
    # work experience") is a series of its own, with its own sizes and cutoffs
    ("healthcare", r"\bhealth ?care\b"),
    ("stem", r"\bstem\b|\bscience,? technology\b"),
    ("trades", r"\btrades?\b"),
    ("transport", r"\btransport(ation)?\b"),
    ("agriculture", r"\bagricultur(e|al)\b|\bagri-?food\b"),
    ("education", r"\beducation\b"),
)

VERSION_TAGS = re.compile(
    r"\((?:version\s*\d+|\d{4}(?:\s*-\s*\d+)?)\)"  # (Version 2), (2023-1), (2024)
    r"|,?\s*\d{4}\s*-\s*version\s*\d+"  # , 2026-Version 3
    r"|,?\s*\bversion\s*\d+\b"  # Version 3
)


class NewCategoryWarning(UserWarning):
    """A round type matched no known category and was given a slug of its own."""


def normalize_name(name: str) -> str:
    """Lower-case ``name``, drop version/year tags and fold punctuation and spaces.

    Examples
    --------
    >>> normalize_name("  Healthcare occupations (Version 1) ")
    'healthcare occupations'
    >>> normalize_name("Trade occupations, 2026-Version 3")
    'trade occupations'
    """
    text = " ".join(str(name).lower().split())
    text = VERSION_TAGS.sub(" ", text)
    text = re.sub(r"[\u2010-\u2015]", "-", text)  # unicode dashes
    text = re.sub(r"\s+", " ", text).strip(" ,;:-")
    return text


def slugify(name: str) -> str:
    """A slug for an unknown round type: its normalised name, words joined by ``-``.

    Examples
    --------
    >>> slugify("Senior managers with Canadian work experience (Version 1)")
    'senior-managers-with-canadian-work-experience'
    """
    words = re.findall(r"[a-z0-9]+", normalize_name(name))
    return "-".join(words) or "unknown"


@lru_cache(maxsize=1024)
def _match(normalized: str) -> str | None:
    for slug, pattern in _RULES:
        if re.search(pattern, normalized):
            return slug
    return None


def categorize(name: str) -> str:
    """Map an IRCC round name to a category slug.

    Parameters
    ----------
    name : str
        The round type as IRCC names it (``drawName``).

    Returns
    -------
    str
        One of :data:`CATEGORIES`, or a slug derived from ``name`` for a round type that matches
        none of them (with a :class:`NewCategoryWarning`).

    Examples
    --------
    >>> categorize("No Program Specified"), categorize("French language proficiency (2023-1)")
    ('general', 'french')
    >>> categorize("Healthcare and social services occupations (Version 2)")
    'healthcare'
    """
    normalized = normalize_name(name)
    slug = _match(normalized)
    if slug is not None:
        return slug
    slug = slugify(name)
    warnings.warn(
        f"round type {name!r} matches no known category; using the new slug {slug!r}",
        NewCategoryWarning,
        stacklevel=2,
    )
    return slug
