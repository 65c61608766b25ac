"""Test scores -> CLB/NCLC: every boundary of every chart, against a transcription kept here."""

from __future__ import annotations

import pandas as pd
import pytest

from eeforecast.crs import LanguageTest, to_clb
from eeforecast.errors import ParameterError

# Minimum score per level, reading/writing/listening/speaking, copied from IRCC's charts (CLB 10
# first, down to CLB 4); independent of the package's data file on purpose.
CHARTS = {
    ("ielts", None, 0.5): {
        10: (8.0, 7.5, 8.5, 7.5),
        9: (7.0, 7.0, 8.0, 7.0),
        8: (6.5, 6.5, 7.5, 6.5),
        7: (6.0, 6.0, 6.0, 6.0),
        6: (5.0, 5.5, 5.5, 5.5),
        5: (4.0, 5.0, 5.0, 5.0),
        4: (3.5, 4.0, 4.5, 4.0),
    },
    ("celpip", None, 1): {level: (level,) * 4 for level in range(4, 11)},
    ("pte_core", None, 1): {
        10: (88, 90, 89, 89),
        9: (78, 88, 82, 84),
        8: (69, 79, 71, 76),
        7: (60, 69, 60, 68),
        6: (51, 60, 50, 59),
        5: (42, 51, 39, 51),
        4: (33, 41, 28, 42),
    },
    ("tef", "2024-01-15", 1): {
        10: (546, 558, 546, 556),
        9: (503, 512, 503, 518),
        8: (462, 472, 462, 494),
        7: (434, 428, 434, 456),
        6: (393, 379, 393, 422),
        5: (352, 330, 352, 387),
        4: (306, 268, 306, 328),
    },
    ("tef", "2023-12-10", 1): {
        10: (263, 393, 316, 393),
        9: (248, 371, 298, 371),
        8: (233, 349, 280, 349),
        7: (207, 310, 249, 310),
        6: (181, 271, 217, 271),
        5: (151, 226, 181, 226),
        4: (121, 181, 145, 181),
    },
    ("tcf", None, 1): {
        10: (549, 16, 549, 16),
        9: (524, 14, 523, 14),
        8: (499, 12, 503, 12),
        7: (453, 10, 458, 10),
        6: (406, 7, 398, 7),
        5: (375, 6, 369, 6),
        4: (342, 4, 331, 4),
    },
}
ABILITIES = ("reading", "writing", "listening", "speaking")
CASES = [
    (test, date, step, ability, level, minimum[i])
    for (test, date, step), rows in CHARTS.items()
    for level, minimum in rows.items()
    for i, ability in enumerate(ABILITIES)
]


@pytest.mark.parametrize(("test", "date", "step", "ability", "level", "least"), CASES)
def test_every_boundary(test, date, step, ability, level, least):
    # the minimum reaches the level; one step below is the level under it (CLB 4 -> "3 or less")
    assert to_clb(test, ability, least, test_date=date) == level
    assert to_clb(test, ability, least - step, test_date=date) == level - 1


@pytest.mark.parametrize(
    ("test", "ability", "score", "date", "level"),
    [
        ("ielts", "listening", 9.0, None, 10),  # the chart stops at CLB 10
        ("ielts", "reading", 0, None, 3),
        ("celpip", "speaking", 12, None, 10),  # 10-12 -> CLB 10
        ("celpip", "reading", 1, None, 3),
        ("pte_core", "writing", 89, None, 9),  # 88-89
        ("pte_core", "reading", 10, None, 3),
        ("tef", "speaking", 699, "2023-12-11", 10),  # first day of the 0-699 chart
        ("tef", "reading", 300, "2023-12-10", 10),  # last day of the old chart
        ("tcf", "writing", 20, None, 10),
        ("clb", "reading", 12, None, 12),
        ("nclc", "speaking", 1, None, 1),
    ],
)
def test_ends_of_the_scales(test, ability, score, date, level):
    assert to_clb(test, ability, score, test_date=date) == level


def test_the_tef_chart_is_picked_by_test_date():
    # 434 reads NCLC 7 on the 0-699 chart and is off the old 0-300 reading scale
    assert to_clb("tef", "reading", 434, test_date="2023-12-11") == 7
    with pytest.raises(
        ParameterError, match=r"reading: TEF Canada reading must be between 0 and 300"
    ):
        to_clb("tef", "reading", 434, test_date="2023-12-10")
    # old writing scale goes to 450, the new one to 699
    assert to_clb("tef", "writing", 450, test_date="2020-01-01") == 10


@pytest.mark.parametrize(
    ("test", "ability", "score", "date", "message"),
    [
        (
            "ielts",
            "reading",
            9.5,
            None,
            "reading: IELTS reading must be between 0 and 9 in steps of 0.5, got 9.5",
        ),
        (
            "ielts",
            "writing",
            6.25,
            None,
            "writing: IELTS writing must be between 0 and 9 in steps of 0.5",
        ),
        ("ielts", "speaking", -0.5, None, "speaking: IELTS speaking must be between 0 and 9"),
        (
            "celpip",
            "listening",
            13,
            None,
            r"listening: CELPIP-General listening must be between 1 and 12 \(whole numbers\)",
        ),
        ("pte_core", "reading", 91, None, "reading: PTE Core reading must be between 10 and 90"),
        (
            "pte_core",
            "speaking",
            55.5,
            None,
            "speaking: PTE Core speaking must be between 10 and 90",
        ),
        ("tcf", "writing", 21, None, "writing: TCF Canada writing must be between 0 and 20"),
        (
            "tef",
            "speaking",
            700,
            "2024-02-01",
            "speaking: TEF Canada speaking must be between 0 and 699",
        ),
        (
            "tef",
            "listening",
            361,
            "2022-02-01",
            "listening: TEF Canada listening must be between 0 and 360",
        ),
        ("clb", "reading", 13, None, "reading: CLB reading must be between 1 and 12"),
        ("nclc", "writing", 0, None, "writing: NCLC writing must be between 1 and 12"),
        ("clb", "reading", True, None, "reading: expected a number, got True"),
        ("clb", "reading", "9", None, "reading: expected a number, got '9'"),
        ("toefl", "reading", 9, None, "test: must be one of ielts, celpip, pte_core, clb, tef"),
        ("ielts", "grammar", 9, None, "ability: must be one of reading"),
        ("tef", "reading", 400, None, "test_date: TEF Canada has one chart per period"),
    ],
)
def test_errors_name_the_test_and_ability(test, ability, score, date, message):
    with pytest.raises(ParameterError, match=message):
        to_clb(test, ability, score, test_date=date)


def test_language_test_holds_levels_and_validity():
    t = LanguageTest("ielts", 8.0, 7.5, 8.5, 7.5, test_date="2025-03-01")
    assert t.levels == (10, 10, 10, 10)
    assert t.language == "english"
    assert str(t.expires.date()) == "2027-03-01"  # valid 2 years
    assert t.valid_on(t.test_date) and t.valid_on(t.expires - pd.Timedelta(days=1))
    assert not t.valid_on(t.expires)
    assert not t.valid_on(t.test_date - pd.Timedelta(days=1))
    assert LanguageTest("nclc", 7, 7.0, 8, 9).levels == (7, 7, 8, 9)
    assert LanguageTest("nclc", 7, 7.0, 8, 9).writing == 7  # a whole float is stored as an int
