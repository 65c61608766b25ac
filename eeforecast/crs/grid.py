"""Grids of synthetic profiles scored under every rules version: what a rule change moves.

A grid is every combination of a few profile facts (ages, education levels, language levels, a
job offer ...); :func:`score_grid` scores each profile on chosen days, by default on the first day
of each rules version, and :func:`compare_rules` gives each profile's score before and after a
change of the rules (the 2025-03-25 removal of the job-offer points, say).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import pandas as pd

from ..errors import ParameterError
from .language import LanguageTest
from .profile import LANGUAGES, Profile, Spouse
from .rules import as_of_day, rules_versions
from .score import BLOCKS, score

__all__ = ["compare_rules", "profile_grid", "score_grid"]

#: The facts a grid starts from; any of them can be fixed to another value or varied.
GRID_DEFAULTS: dict[str, object] = {"age": 30, "education": "bachelors", "english": 9}
#: Grid fields that are not Profile fields as such: a language level on all four abilities
#: (English CLB, French NCLC; None for no test) and the accompanying spouse's education (None:
#: no accompanying spouse).
GRID_SPECIAL: tuple[str, ...] = (*LANGUAGES, "spouse_education")


def _profile(facts: dict, name: str) -> Profile:
    values = {key: value for key, value in facts.items() if key not in GRID_SPECIAL}
    for lang in LANGUAGES:
        level = facts.get(lang)
        if level is not None:
            values[lang] = LanguageTest.from_levels(lang, (level,) * 4)
    if facts.get("spouse_education") is not None:
        values["spouse"] = Spouse(education=facts["spouse_education"])
    return Profile(name=name, **values)


def profile_grid(**facts: object) -> pd.DataFrame:
    """Every combination of the given profile facts, as a frame of profiles.

    Parameters
    ----------
    **facts
        Profile fields (``age``, ``education``, ``canadian_experience_years``, ``job_offer``,
        ``provincial_nomination`` ...), plus ``english`` / ``french`` (a level on all four
        abilities, CLB / NCLC, or None for no test) and ``spouse_education`` (an accompanying
        spouse with that education and no test, or None). A list or tuple is varied; any other
        value is fixed. Unset, ``age`` is 30, ``education`` bachelors and ``english`` CLB 9.

    Returns
    -------
    pandas.DataFrame
        One row per combination, in the order of the arguments: a column per varied fact and
        ``profile`` (the :class:`Profile`, named ``g1``, ``g2`` ...).

    Raises
    ------
    ParameterError
        An empty list, or a combination that is not a valid profile (naming the field).

    Examples
    --------
    >>> grid = profile_grid(age=[25, 35], job_offer=["none", "other"])
    >>> grid[["age", "job_offer"]].values.tolist()
    [[25, 'none'], [25, 'other'], [35, 'none'], [35, 'other']]
    """
    values = {**GRID_DEFAULTS, **facts}
    varied = [key for key, value in values.items() if isinstance(value, list | tuple)]
    for key in varied:
        if not values[key]:
            raise ParameterError(f"{key}: an empty list gives no profile")
    rows = []
    for i, combo in enumerate(itertools.product(*(values[key] for key in varied)), start=1):
        chosen = {**values, **dict(zip(varied, combo, strict=True))}
        rows.append({**dict(zip(varied, combo, strict=True)), "profile": _profile(chosen, f"g{i}")})
    return pd.DataFrame(rows, columns=[*varied, "profile"])


def _as_grid(grid: pd.DataFrame | Iterable[Profile]) -> pd.DataFrame:
    if isinstance(grid, pd.DataFrame):
        if "profile" not in grid.columns:
            raise ParameterError("grid: expected a frame with a 'profile' column (profile_grid)")
        return grid.reset_index(drop=True)
    return pd.DataFrame({"profile": list(grid)})


def score_grid(
    grid: pd.DataFrame | Iterable[Profile], *, days: Sequence[object] | None = None
) -> pd.DataFrame:
    """Score every profile of a grid on each day: by default once under each rules version.

    Parameters
    ----------
    grid : pandas.DataFrame or iterable of Profile
        A :func:`profile_grid` frame (its fact columns are kept) or profiles.
    days : sequence of date-like, optional
        The scoring days; default: the first day of every transcribed rules version
        (:func:`rules_versions`).

    Returns
    -------
    pandas.DataFrame
        One row per profile and day: the grid's fact columns, ``name`` (the profile's),
        ``as_of``, ``rules``, ``core, spouse, transferability, additional, total``
        [CRS points].

    Examples
    --------
    >>> grid = profile_grid(job_offer=["none", "teer_00"])
    >>> s = score_grid(grid, days=["2025-03-24", "2025-03-25"])
    >>> s[["job_offer", "rules", "total"]].values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['none', '2020-10-27', 374], ['none', '2025-03-25', 374],
     ['teer_00', '2020-10-27', 574], ['teer_00', '2025-03-25', 374]]
    """
    grid = _as_grid(grid)
    if days is None:
        versions = rules_versions()
        days = versions.loc[versions["status"] == "table", "in_force"].tolist()
    days = [as_of_day(day) for day in days]
    facts = [c for c in grid.columns if c != "profile"]
    rows = []
    for record in grid.to_dict("records"):
        for day in days:
            result = score(record["profile"], as_of=day)
            rows.append(
                {
                    **{key: record[key] for key in facts},
                    "name": result.profile,
                    "as_of": day,
                    "rules": result.rules,
                    **{block: getattr(result, block) for block in BLOCKS},
                    "total": result.total,
                }
            )
    return pd.DataFrame(rows, columns=[*facts, "name", "as_of", "rules", *BLOCKS, "total"])


def compare_rules(
    grid: pd.DataFrame | Iterable[Profile], *, before: object, after: object
) -> pd.DataFrame:
    """Each profile's score on two days, and what the change of rules between them moved.

    Parameters
    ----------
    grid : pandas.DataFrame or iterable of Profile
        A :func:`profile_grid` frame or profiles (with undated facts, only the rules differ).
    before, after : date-like
        The two scoring days, e.g. ``"2025-03-24"`` and ``"2025-03-25"``.

    Returns
    -------
    pandas.DataFrame
        The grid's fact columns, ``name``, ``rules_before``, ``rules_after``, ``before``,
        ``after`` and ``change`` (``after - before``) of the total, then the change of each
        block (``core_change`` ...) [CRS points]; in the grid's order.

    Examples
    --------
    >>> c = compare_rules(profile_grid(job_offer=["none", "other"]), before="2025-03-24",
    ...                   after="2025-03-25")
    >>> c[["job_offer", "before", "after", "change"]].values.tolist()
    [['none', 374, 374, 0], ['other', 424, 374, -50]]
    """
    grid = _as_grid(grid)
    both = score_grid(grid, days=[before, after])
    first, second = both.iloc[0::2].reset_index(drop=True), both.iloc[1::2].reset_index(drop=True)
    facts = [c for c in grid.columns if c != "profile"]
    out = first[[*facts, "name"]].copy()
    out["rules_before"], out["rules_after"] = first["rules"], second["rules"]
    out["before"], out["after"] = first["total"], second["total"]
    out["change"] = second["total"] - first["total"]
    for block in BLOCKS:
        out[f"{block}_change"] = second[block] - first[block]
    return out
