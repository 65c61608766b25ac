"""Score a profile on a day: the facts that count that day, then the points of blocks A-D.

The arithmetic is a handful of pure functions over the rule tables (:mod:`.rules`); the result is
a frozen :class:`ScoreResult` that prints a summary and converts to frames.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import ParameterError
from .facts import _Facts, facts_on
from .profile import LANGUAGES, Profile
from .rules import Rules, as_of_day, rules_for

BLOCKS: tuple[str, ...] = ("core", "spouse", "transferability", "additional")
BREAKDOWN_COLUMNS: tuple[str, ...] = ("block", "factor", "points", "cap")
FRAME_COLUMNS: tuple[str, ...] = ("profile", "rules", *BLOCKS, "total")


def _step(rows, value: float, column: int = 1):
    """The ``column`` of the last row whose first entry ``value`` reaches."""
    return [row for row in rows if value >= row[0]][-1][column]


def _capped(rows: list, block: str, name: str, cap: int) -> None:
    """Append an ``over_cap`` row taking back what the item rows since ``name`` exceed ``cap``."""
    total = sum(row[2] for row in rows if row[0] == block and row[1].startswith(name))
    if total > cap:
        rows.append((block, f"{name}over_cap", cap - total, cap))


def points(facts: _Facts, rules: Rules, first: str | None) -> list[tuple[str, str, int, int]]:
    """The breakdown rows ``(block, factor, points, cap)`` of ``facts`` under ``rules``.

    ``first`` is the first official language (``english``/``french``/None). An ``over_cap`` row
    carries a negative amount when a capped group's items exceed their cap, so the rows always
    sum to the total. ``cap`` is the most an item can give (for ``over_cap``, the cap itself).
    """
    sp = facts.spouse is not None
    col = 1 if sp else 2  # [from, with spouse, without spouse]
    core, spouse, tr, add = rules.core, rules.spouse, rules.transferability, rules.additional
    first_levels = getattr(facts, first) if first else None
    second = next((lang for lang in LANGUAGES if lang != first), None) if first else None
    second_levels = getattr(facts, second) if second else None
    rows: list[tuple[str, str, int, int]] = []

    def top(table, column=col):
        return max(row[column] for row in table)

    rows.append(("core", "age", _step(core["age"], facts.age, col), top(core["age"])))
    edu = core["education"]
    rows.append(
        ("core", "education", edu[facts.education][col - 1], max(v[col - 1] for v in edu.values()))
    )
    for i, ability in enumerate(("reading", "writing", "listening", "speaking")):
        lv = first_levels[i] if first_levels else 0
        rows.append(
            (
                "core",
                f"first_language.{ability}",
                _step(core["first_language"], lv, col),
                top(core["first_language"]),
            )
        )
    second_table = core["second_language"]
    for i, ability in enumerate(("reading", "writing", "listening", "speaking")):
        lv = second_levels[i] if second_levels else 0
        rows.append(
            (
                "core",
                f"second_language.{ability}",
                _step(second_table["points"], lv),
                top(second_table["points"], 1),
            )
        )
    _capped(rows, "core", "second_language.", second_table["cap"][col - 1])
    rows.append(
        (
            "core",
            "canadian_experience",
            _step(core["canadian_experience"], facts.canadian_years, col),
            top(core["canadian_experience"]),
        )
    )

    if sp:
        s = facts.spouse
        rows.append(
            (
                "spouse",
                "education",
                spouse["education"][s.education],
                max(spouse["education"].values()),
            )
        )
        table = spouse["first_language"]
        options = [lv for lv in (s.english, s.french) if lv is not None]
        levels = max(options, key=lambda lvs: sum(_step(table, lv) for lv in lvs), default=None)
        for i, ability in enumerate(("reading", "writing", "listening", "speaking")):
            lv = levels[i] if levels else 0
            rows.append(
                (
                    "spouse",
                    f"first_language.{ability}",
                    _step(spouse["first_language"], lv),
                    top(spouse["first_language"], 1),
                )
            )
        rows.append(
            (
                "spouse",
                "canadian_experience",
                _step(spouse["canadian_experience"], s.canadian_years),
                top(spouse["canadian_experience"], 1),
            )
        )

    # C: tiers of the first language (lowest ability) and of Canadian work
    lowest = min(first_levels) if first_levels else 0
    lang_i = sum(lowest >= t for t in tr["language_tiers"]) - 1  # -1: no tier, 0: CLB 7, 1: CLB 9
    cdn_i = sum(facts.canadian_years >= t for t in tr["canadian_tiers"]) - 1

    def pair(row, group, table):
        language = row[lang_i] if lang_i >= 0 else 0
        canadian = row[2 + cdn_i] if cdn_i >= 0 else 0
        rows.append(
            ("transferability", f"{group}.language", language, max(max(r[:2]) for r in table))
        )
        rows.append(
            (
                "transferability",
                f"{group}.canadian_experience",
                canadian,
                max(max(r[2:]) for r in table),
            )
        )
        _capped(rows, "transferability", f"{group}.", tr["group_cap"])

    pair(tr["education"][facts.education], "education", tr["education"].values())
    foreign = [row[1:] for row in tr["foreign_experience"]]
    pair(
        _step(tr["foreign_experience"], facts.foreign_years, slice(1, None)),
        "foreign_experience",
        foreign,
    )
    cert = tr["certificate_of_qualification"]
    rows.append(
        (
            "transferability",
            "certificate_of_qualification",
            _step(cert, lowest) if facts.certificate else 0,
            top(cert, 1),
        )
    )
    _capped(rows, "transferability", "", tr["cap"])

    # D
    french = 0
    if facts.french is not None and min(facts.french) >= add["french_nclc"]:
        strong = facts.english is not None and min(facts.english) >= add["french_english_clb"]
        french = add["french"][1 if strong else 0]
    rows += [
        (
            "additional",
            "provincial_nomination",
            add["provincial_nomination"] if facts.nomination else 0,
            add["provincial_nomination"],
        ),
        (
            "additional",
            "job_offer",
            add["job_offer"][facts.job_offer],
            max(add["job_offer"].values()),
        ),
        (
            "additional",
            "canadian_education",
            add["canadian_education"][facts.canadian_education],
            max(add["canadian_education"].values()),
        ),
        ("additional", "french", french, max(add["french"])),
        (
            "additional",
            "sibling_in_canada",
            add["sibling_in_canada"] if facts.sibling else 0,
            add["sibling_in_canada"],
        ),
    ]
    _capped(rows, "additional", "", add["cap"])
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
        what a capped group exceeds, so ``points`` sums to :attr:`total`.
        """
        return pd.DataFrame(list(self.rows), columns=list(BREAKDOWN_COLUMNS))

    def to_frame(self) -> pd.DataFrame:
        """One row: ``profile, rules, core, spouse, transferability, additional, total``."""
        return pd.DataFrame(
            [[getattr(self, c) for c in FRAME_COLUMNS]], columns=list(FRAME_COLUMNS)
        )

    def summary(self) -> str:
        """A readable account of the score, block by block, with the notes."""
        most = 460 if self.spouse_accompanies else 500
        lines = [
            f"CRS score {self.total}  ({self.profile}, {self.as_of:%Y-%m-%d}, rules {self.rules})",
            f"  core / human capital   {self.core:4d} / {most}",
            f"  spouse factors         {self.spouse:4d} / {40 if self.spouse_accompanies else '-'}",
            f"  skill transferability  {self.transferability:4d} / 100",
            f"  additional points      {self.additional:4d} / 600",
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


def _as_profile(profile: Profile | str | os.PathLike) -> Profile:
    if isinstance(profile, Profile):
        return profile
    if isinstance(profile, str | os.PathLike):
        return Profile.from_toml(Path(profile))
    raise ParameterError(f"profile: expected a Profile or a TOML path, got {profile!r}")


def _claims(profile: Profile, rules: Rules, first: str | None, facts: _Facts) -> list[str]:
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
    second = next((lang for lang in LANGUAGES if lang != first), None) if first else None
    if second and getattr(profile, second) is not None and getattr(facts, second) is not None:
        if max(getattr(facts, second)) < 5:
            notes.append(
                f"{second} (second official language) is below CLB/NCLC 5 on every "
                "ability: it gives no points"
            )
    return notes


def score_facts(facts: _Facts, rules: Rules) -> tuple[str | None, list]:
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
    from .eligibility import categories_from_facts

    profile = _as_profile(profile)
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
        notes=(*notes, *fact_notes, *_claims(profile, rules, first, facts)),
        rows=tuple(rows),
        **blocks,
    )
