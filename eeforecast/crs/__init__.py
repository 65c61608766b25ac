"""CRS calculator: score an Express Entry profile as IRCC does on a given day.

The Comprehensive Ranking System grid, the language-test equivalence charts and the grid's
versions are tables shipped with the package (``eeforecast/crs/data``); the functions here read
them. Scores name the rules version they used.

Examples
--------
>>> from eeforecast.crs import LanguageTest, Profile, score
>>> p = Profile(age=29, education="bachelors", canadian_experience_years=1,
...             foreign_experience_years=3, english=LanguageTest("clb", 8, 7, 8, 7))
>>> score(p, as_of="2025-06-01").total
426
"""

from .eligibility import eligible_categories
from .grid import compare_rules, profile_grid, score_grid
from .language import LanguageTest, to_clb
from .profile import Profile, Spouse
from .rules import rules_versions
from .score import ScoreResult, score
from .timeline import profile_after, timeline
from .whatif import what_if

__all__ = [
    "LanguageTest",
    "Profile",
    "ScoreResult",
    "Spouse",
    "compare_rules",
    "eligible_categories",
    "profile_after",
    "profile_grid",
    "rules_versions",
    "score",
    "score_grid",
    "timeline",
    "to_clb",
    "what_if",
]
