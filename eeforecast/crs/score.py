"""Score a profile on a day: the facts that count that day, then the points of blocks A-D.

The arithmetic is a handful of pure functions over the rule tables (:mod:`.rules`); the result is
a frozen :class:`ScoreResult` that prints a summary and converts to frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from .eligibility import categories_from_facts
from .facts import Facts, SpouseFacts, facts_on
from .language import ABILITIES
from .profile import LANGUAGES, Profile, as_profile
from .rules import Rules, as_of_day, rules_for

BLOCKS: tuple[str, ...] = ("core", "spouse", "transferability", "additional")
BREAKDOWN_COLUMNS: tuple[str, ...] = ("block", "factor", "points", "cap")
FRAME_COLUMNS: tuple[str, ...] = ("profile", "rules", *BLOCKS, "total")
#: IRCC's budget per block, with and without an accompanying spouse (every version's tables
#: reach it; the summary prints it) [CRS points].
_BUDGET = {
    True: {"core": 460, "spouse": 40, "transferability": 100, "additional": 600},
    False: {"core": 500, "spouse": "-", "transferability": 100, "additional": 600},
}


Row = tuple[str, str, int, int]  # (block, factor, points, cap)


def _step(rows, value: float, column: int | slice = 1):
    """The ``column`` of the last row whose first entry ``value`` reaches (a step table)."""
    return [row for row in rows if value >= row[0]][-1][column]


def _top(rows, column: int = 1) -> int:
    """The most a step table gives in ``column``."""
    return max(row[column] for row in rows)


def _capped(rows: list[Row], block: str, prefix: str, cap: int) -> None:
    """Append an ``over_cap`` row taking back what the rows named ``prefix...`` exceed ``cap``."""
    total = sum(row[2] for row in rows if row[0] == block and row[1].startswith(prefix))
    if total > cap:
        rows.append((block, f"{prefix}over_cap", cap - total, cap))


def _core(facts: Facts, core, first, second, col: int) -> list[Row]:
    """Block A; ``col`` 1 with spouse, 2 without; ``first``/``second`` four levels or None."""
    education = core["education"]
    rows = [
        ("core", "age", _step(core["age"], facts.age, col), _top(core["age"], col)),
        ("core", "education", education[facts.education][col - 1],
         max(pair[col - 1] for pair in education.values())),
    ]  # fmt: skip
    table = core["first_language"]
    for ability, level in zip(ABILITIES, first or (0,) * 4, strict=True):
        rows.append(
            ("core", f"first_language.{ability}", _step(table, level, col), _top(table, col))
        )
    table = core["second_language"]["points"]
    for ability, level in zip(ABILITIES, second or (0,) * 4, strict=True):
        rows.append(("core", f"second_language.{ability}", _step(table, level), _top(table)))
    _capped(rows, "core", "second_language.", core["second_language"]["cap"][col - 1])
    table = core["canadian_experience"]
    rows.append(
        ("core", "canadian_experience", _step(table, facts.canadian_years, col), _top(table, col))
    )
    return rows


def _spouse(spouse: SpouseFacts, tables) -> list[Row]:
    """Block B; the spouse's test that scores more is their first official language."""
    language = tables["first_language"]
    options = [levels for levels in (spouse.english, spouse.french) if levels is not None]
    levels = max(options, key=lambda lvs: sum(_step(language, lv) for lv in lvs), default=None)
    rows = [("spouse", "education", tables["education"][spouse.education],
             max(tables["education"].values()))]  # fmt: skip
    for ability, level in zip(ABILITIES, levels or (0,) * 4, strict=True):
        rows.append(("spouse", f"first_language.{ability}", _step(language, level), _top(language)))
    table = tables["canadian_experience"]
    rows.append(("spouse", "canadian_experience", _step(table, spouse.canadian_years), _top(table)))
    return rows


def _transferability(facts: Facts, tr, first) -> list[Row]:
    """Block C: two capped pairs (education, foreign work) and the certificate, capped in all."""
    lowest = min(first) if first else 0
    # a pair row is [language tier 1, tier 2, Canadian tier 1, tier 2]; index -1: no tier
    lang = sum(lowest >= tier for tier in tr["language_tiers"]) - 1
    cdn = sum(facts.canadian_years >= tier for tier in tr["canadian_tiers"]) - 1
    foreign = [row[1:] for row in tr["foreign_experience"]]
    rows: list[Row] = []
    for group, row, table in (
        ("education", tr["education"][facts.education], tr["education"].values()),
        ("foreign_experience", _step(tr["foreign_experience"], facts.foreign_years, slice(1, None)),
         foreign),
    ):  # fmt: skip
        rows.append(("transferability", f"{group}.language", row[lang] if lang >= 0 else 0,
                     max(max(r[:2]) for r in table)))  # fmt: skip
        rows.append(("transferability", f"{group}.canadian_experience",
                     row[2 + cdn] if cdn >= 0 else 0, max(max(r[2:]) for r in table)))  # fmt: skip
        _capped(rows, "transferability", f"{group}.", tr["group_cap"])
    table = tr["certificate_of_qualification"]
    certificate = _step(table, lowest) if facts.certificate else 0
    rows.append(("transferability", "certificate_of_qualification", certificate, _top(table)))
    _capped(rows, "transferability", "", tr["cap"])
    return rows


def _additional(facts: Facts, add) -> list[Row]:
    """Block D, capped."""
    french = 0
    if facts.french is not None and min(facts.french) >= add["french_nclc"]:
        strong = facts.english is not None and min(facts.english) >= add["french_english_clb"]
        french = add["french"][1 if strong else 0]
    nomination, sibling = add["provincial_nomination"], add["sibling_in_canada"]
    rows = [
        ("additional", "provincial_nomination", nomination if facts.nomination else 0, nomination),
        ("additional", "job_offer", add["job_offer"][facts.job_offer],
         max(add["job_offer"].values())),
        ("additional", "canadian_education", add["canadian_education"][facts.canadian_education],
         max(add["canadian_education"].values())),
        ("additional", "french", french, max(add["french"])),
        ("additional", "sibling_in_canada", sibling if facts.sibling else 0, sibling),
    ]  # fmt: skip
    _capped(rows, "additional", "", add["cap"])
    return rows


def points(facts: Facts, rules: Rules, first: str | None) -> list[Row]:
    """The breakdown rows ``(block, factor, points, cap)`` of ``facts`` under ``rules``.

    ``first`` is the first official language (``english``, ``french`` or None); the other one is
    the second. An ``over_cap`` row carries a negative amount when a capped group's items exceed
    their cap, so the rows always sum to the total. ``cap`` is the most an item can give (for an
    ``over_cap`` row, the cap itself).
    """
    second = next(lang for lang in LANGUAGES if lang != first) if first else None
    first_levels = getattr(facts, first) if first else None
    second_levels = getattr(facts, second) if second else None
    col = 1 if facts.spouse is not None else 2  # step tables: [from, with spouse, without]
    rows = _core(facts, rules.core, first_levels, second_levels, col)
    if facts.spouse is not None:
        rows += _spouse(facts.spouse, rules.spouse)
    rows += _transferability(facts, rules.transferability, first_levels)
    rows += _additional(facts, rules.additional)
    return rows


@dataclass(frozen=True, eq=False)
class ScoreResult:
    """A CRS score: the blocks, the breakdown, the rules version and the notes.

    Attributes
    ----------
    profile : str
        The profile's name.
    as_of : pandas.Timestamp
        The scoring day.
    rules : str
        The rules version used, named by the day it came into force (``"2025-03-25"``).
    core, spouse, transferability, additional, total : int
        Blocks A-D and their sum [CRS points].
    first_language : str or None
        The language scored as first official language.
    categories : tuple of str
        What :func:`eligible_categories` returns for the profile on ``as_of``.
    notes : tuple of str
        What the reader must know: an unconfirmed rule change, a test that expired or does not
        count, a claim that gives no points under these rules.
    rows : tuple
        ``(block, factor, points, cap)`` rows; see :attr:`breakdown`.
    """

    profile: str
    as_of: pd.Timestamp
    rules: str
    core: int
    spouse: int
    transferability: int
    additional: int
    total: int
    first_language: str | None
    categories: tuple[str, ...]
    notes: tuple[str, ...]
    rows: tuple[tuple[str, str, int, int], ...]

    @property
    def breakdown(self) -> pd.DataFrame:
        """One row per factor: ``block, factor, points, cap`` [CRS points].

        ``cap`` is the most the factor can give under these rules; ``over_cap`` rows take back
        what a capped group exceeds, so ``points`` sums to ``total``.
        """
        return pd.DataFrame(list(self.rows), columns=list(BREAKDOWN_COLUMNS))

    def to_frame(self) -> pd.DataFrame:
        """One row: ``profile, rules, core, spouse, transferability, additional, total``."""
        return pd.DataFrame(
            [[getattr(self, c) for c in FRAME_COLUMNS]], columns=list(FRAME_COLUMNS)
        )

    def summary(self) -> str:
        """A readable account of the score, block by block, with the notes."""
        budget = _BUDGET[self.spouse_accompanies]
        lines = [
            f"CRS score {self.total}  ({self.profile}, {self.as_of:%Y-%m-%d}, rules {self.rules})",
            f"  core / human capital   {self.core:4d} / {budget['core']}",
            f"  spouse factors         {self.spouse:4d} / {budget['spouse']}",
            f"  skill transferability  {self.transferability:4d} / {budget['transferability']}",
            f"  additional points      {self.additional:4d} / {budget['additional']}",
            f"  first official language: {self.first_language or 'none'}",
            f"  categories: {', '.join(self.categories) or 'none beyond general rounds'}",
        ]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    @property
    def spouse_accompanies(self) -> bool:
        """Whether the score used the with-spouse columns."""
        return any(row[0] == "spouse" for row in self.rows)

    def __str__(self) -> str:
        return self.summary()


def _claims(profile: Profile, rules: Rules, facts: Facts, first, rows) -> list[str]:
    """Notes on claims that the rules version does not reward."""
    add, notes = rules.additional, []
    if profile.job_offer != "none" and add["job_offer"][profile.job_offer] == 0:
        notes.append(
            f"job_offer: no points under the {rules.name} rules (a job offer still "
            "counts for program eligibility)"
        )
    if profile.sibling_in_canada and add["sibling_in_canada"] == 0:
        notes.append(f"sibling_in_canada: no points under the {rules.name} rules")
    if profile.canadian_education != "none" and max(add["canadian_education"].values()) == 0:
        notes.append(f"canadian_education: no points under the {rules.name} rules")
    if (
        facts.french is not None
        and min(facts.french) >= add["french_nclc"]
        and max(add["french"]) == 0
    ):
        notes.append(f"french: no additional points for French under the {rules.name} rules")
    second = next(lang for lang in LANGUAGES if lang != first) if first else None
    if second and getattr(facts, second) is not None:
        if not sum(row[2] for row in rows if row[1].startswith("second_language.")):
            notes.append(f"{second} (second official language) is too low to give points")
    return notes


def score_facts(facts: Facts, rules: Rules) -> tuple[str | None, list]:
    """The first language that scores and its breakdown rows (the higher total when not chosen)."""
    if facts.first_language is not None:
        return facts.first_language, points(facts, rules, facts.first_language)
    options = [lang for lang in LANGUAGES if getattr(facts, lang) is not None] or [None]
    scored = [(lang, points(facts, rules, lang)) for lang in options]
    return max(scored, key=lambda item: sum(row[2] for row in item[1]))  # ties: english


def score(profile: Profile | str | os.PathLike, *, as_of: object = None) -> ScoreResult:
    """Score a profile as IRCC does on ``as_of``.

    Parameters
    ----------
    profile : Profile or path
        A :class:`Profile` or a TOML file holding one.
    as_of : date-like, optional
        The scoring day, on or after 2015-01-01; None: today. It picks the rules version, the age
        (from ``date_of_birth``) and which tests and ECAs are still valid.

    Returns
    -------
    ScoreResult
        Blocks, total [CRS points], the rules version used and notes.

    Raises
    ------
    ParameterError
        ``as_of`` before 2015-01-01 or not a date; any profile error (naming the field and file).

    Notes
    -----
    total = core + spouse + transferability + additional, each block capped as in IRCC's grid
    (second language 22/24, transferability groups 50 and block 100, additional 600). When
    ``first_language`` is not given, both orders are scored and the higher total is kept.

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> p = Profile(age=29, education="masters", canadian_experience_years=1,
    ...             foreign_experience_years=3, english=LanguageTest("clb", 9, 9, 9, 9))
    >>> r = score(p, as_of="2025-06-01")
    >>> r.rules, r.core, r.transferability, r.total
    ('2025-03-25', 409, 100, 509)
    """
    profile = as_profile(profile)
    day = as_of_day(as_of)
    rules, notes = rules_for(day)
    facts, fact_notes = facts_on(profile, day)
    first, rows = score_facts(facts, rules)
    blocks = {block: sum(row[2] for row in rows if row[0] == block) for block in BLOCKS}
    if facts.first_language is None and facts.english is not None and facts.french is not None:
        fact_notes.append(f"first official language: {first} (the order that scores higher)")
    return ScoreResult(
        profile=profile.name,
        as_of=day,
        rules=rules.name,
        total=sum(blocks.values()),
        first_language=first,
        categories=categories_from_facts(profile, facts),
        notes=(*notes, *fact_notes, *_claims(profile, rules, facts, first, rows)),
        rows=tuple(rows),
        **blocks,
    )
