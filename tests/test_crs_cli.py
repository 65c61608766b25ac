"""The ``eeforecast crs`` command and ``eeforecast odds --profile``."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from eeforecast import cli
from eeforecast.crs import Profile, score, timeline, what_if

ALICE = """\
age = 29
education = "bachelors"
canadian_experience_years = 1
foreign_experience_years = 3

[english]
test = "ielts"
reading = 7.0
writing = 6.5
listening = 8.0
speaking = 6.5
"""

# a job offer (points until 2025-03-24), dated facts, French at NCLC 7, an occupation category
BOB = """\
date_of_birth = "1990-05-02"
education = "masters"
canadian_experience_years = 1
canadian_experience_months = 9
working_in_canada = true
foreign_experience_years = 3
job_offer = "other"
occupation_category = "healthcare"
eca_date = "2021-10-01"

[english]
test = "celpip"
reading = 9
writing = 9
listening = 10
speaking = 9
test_date = "2024-11-20"

[french]
test = "nclc"
reading = 7
writing = 7
listening = 7
speaking = 8
test_date = "2025-02-01"

[spouse]
education = "bachelors"
"""

COLUMNS = ["profile", "rules", "core", "spouse", "transferability", "additional", "total"]
DAY = "2025-12-17"  # the bundled feed's day
FAST = ["--within", "3m", "--paths", "100", "--seed", "5"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    path = tmp_path_factory.mktemp("profiles")
    (path / "alice.toml").write_text(ALICE, encoding="utf-8")
    (path / "bob.toml").write_text(BOB, encoding="utf-8")
    return path


def run(argv, capsys):
    status = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False)


# crs -----------------------------------------------------------------------------------------


def test_crs_csv_has_exactly_the_named_columns_one_row_per_profile(folder, capsys):
    alice, bob = folder / "alice.toml", folder / "bob.toml"
    status, out, err = run(
        ["crs", "--profile", alice, bob, "--as-of", DAY, "--format", "csv"], capsys
    )
    assert status == 0 and err == ""
    frame = csv(out)
    assert list(frame.columns) == COLUMNS
    assert frame["profile"].tolist() == ["alice", "bob"]
    for path, row in zip((alice, bob), frame.itertuples(index=False), strict=True):
        expected = score(Profile.from_toml(path), as_of=DAY)
        assert (row.rules, row.core, row.spouse, row.transferability, row.additional, row.total) == (
            expected.rules, expected.core, expected.spouse, expected.transferability,
            expected.additional, expected.total,
        )  # fmt: skip
        assert row.total == row.core + row.spouse + row.transferability + row.additional


def test_crs_json_has_the_breakdown_by_factor(folder, capsys):
    status, out, _ = run(
        ["crs", "--profile", folder / "bob.toml", "--as-of", DAY, "--format", "json"], capsys
    )
    assert status == 0
    (record,) = json.loads(out)
    assert list(record)[:7] == COLUMNS
    assert record["as_of"] == DAY and record["first_language"] == "english"
    assert record["categories"] == ["cec", "french", "healthcare"]
    factors = {row["factor"]: row for row in record["breakdown"]}
    assert {"age", "education", "first_language.reading", "job_offer"} <= set(factors)
    assert sum(row["points"] for row in record["breakdown"]) == record["total"]
    for block in ("core", "spouse", "transferability", "additional"):
        rows = [row["points"] for row in record["breakdown"] if row["block"] == block]
        assert sum(rows) == record[block]
    assert any("job_offer: no points" in note for note in record["notes"])


def test_crs_table_prints_the_day_and_the_notes(folder, capsys):
    status, out, _ = run(["crs", "--profile", folder / "bob.toml", "--as-of", DAY], capsys)
    assert status == 0
    assert out.splitlines()[0].split() == COLUMNS
    assert f"scored as on {DAY}" in out
    assert "bob: job_offer: no points under the 2025-03-25 rules" in out


def test_crs_as_of_picks_the_rules_version(folder, capsys):
    # the job offer's 50 points end with 2025-03-24
    argv = ["crs", "--profile", folder / "bob.toml", "--format", "csv", "--as-of"]
    before = csv(run([*argv, "2025-03-24"], capsys)[1]).iloc[0]
    after = csv(run([*argv, "2025-03-25"], capsys)[1]).iloc[0]
    assert (before["rules"], after["rules"]) == ("2020-10-27", "2025-03-25")
    assert before["additional"] - after["additional"] == 50


def test_crs_without_as_of_scores_today(folder, capsys):
    status, out, _ = run(["crs", "--profile", folder / "alice.toml", "--format", "csv"], capsys)
    assert status == 0
    assert csv(out)["total"].iloc[0] == score(Profile.from_toml(folder / "alice.toml")).total


@pytest.mark.parametrize("span, rows", [("24m", 25), ("2y", 25), ("6m", 7), ("0m", 1)])
def test_crs_timeline(folder, capsys, span, rows):
    bob = folder / "bob.toml"
    status, out, _ = run(
        ["crs", "--profile", bob, folder / "alice.toml", "--timeline", span, "--as-of", DAY,
         "--format", "csv"],
        capsys,
    )  # fmt: skip
    assert status == 0
    frame = csv(out)
    assert frame["profile"].tolist() == ["bob"] * rows + ["alice"] * rows
    expected = timeline(Profile.from_toml(bob), months=rows - 1, as_of=DAY)
    assert list(frame.columns) == ["profile", *expected.columns]
    assert frame["total"].tolist()[:rows] == expected["total"].tolist()


def test_crs_timeline_moves_with_the_dated_facts(folder, capsys):
    out = run(
        ["crs", "--profile", folder / "bob.toml", "--timeline", "24m", "--as-of", DAY,
         "--format", "csv"],
        capsys,
    )[1]  # fmt: skip
    changes = " | ".join(csv(out)["change"])
    assert "canadian_experience_years 1 -> 2" in changes  # 3 months in
    assert "age 35 -> 36 (birthday 05-02)" in changes
    assert "(ECA of 2021-10-01, valid 5 years)" in changes
    assert "english 9/9/10/9 -> - (test of 2024-11-20 valid until 2026-11-19)" in changes


def test_crs_what_if_sorted_by_gain(folder, capsys):
    alice = folder / "alice.toml"
    status, out, _ = run(
        ["crs", "--profile", alice, "--what-if", "--as-of", DAY, "--format", "csv"], capsys
    )
    assert status == 0
    frame = csv(out)
    assert list(frame.columns) == ["profile", "change", "total", "gain", "categories"]
    assert (frame["gain"] > 0).all() and frame["gain"].is_monotonic_decreasing
    expected = what_if(Profile.from_toml(alice), as_of=DAY)
    assert frame["change"].tolist() == expected["change"].tolist()
    french = frame.set_index("change").loc["french: NCLC 7 on all four abilities"]
    assert french["categories"] == "cec,french"
    assert "canadian_experience_years 1 -> 2" in set(frame["change"])
    assert "english writing: CLB 8 -> 9" in set(frame["change"])


TESTLESS = 'age = 30\neducation = "bachelors"\n'
ENGLISH = '[english]\ntest = "clb"\nreading = 9\nwriting = 9\nlistening = 9\nspeaking = 9\n'
BAD = {
    "unknown": (TESTLESS + "hobby = 'chess'\n" + ENGLISH, "hobby: unknown field"),
    "old": ('age = 150\neducation = "bachelors"\n' + ENGLISH, "age: must be between 0 and 120"),
    "negative": (
        TESTLESS + "canadian_experience_years = -1\n" + ENGLISH,
        "canadian_experience_years: must be between 0 and",
    ),
    "clb13": (
        TESTLESS + ENGLISH.replace("reading = 9", "reading = 13"),
        "english.reading: CLB reading must be between 1 and 12",
    ),
    "noeducation": ("age = 30\n" + ENGLISH, "education: required field is missing"),
    "notest": (TESTLESS, "english: a language test is required"),
}


@pytest.mark.parametrize("command", ["crs", "odds"])
@pytest.mark.parametrize("name", list(BAD))
def test_profile_errors_are_one_line_naming_file_and_field(tmp_path, capsys, command, name):
    path = tmp_path / f"{name}.toml"
    path.write_text(BAD[name][0], encoding="utf-8")
    status, out, err = run([command, "--profile", path], capsys)
    assert status == 2 and out == ""
    assert err.startswith(f"eeforecast {command}: error: {path}: {BAD[name][1]}"), err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.toml", "cannot read the profile: No such file or directory"),
        (lambda d: d, "cannot read the profile: Is a directory"),
        (lambda d: _write(d / "latin1.toml", b'age = 30\neducation = "caf\xe9"\n'), "not UTF-8"),
        (lambda d: _write(d / "broken.toml", b"age = 30\neducation =\n"), "malformed TOML"),
    ],
    ids=["missing", "folder", "not-utf8", "malformed"],
)
def test_unreadable_files_are_one_line(tmp_path, capsys, make, message):
    path = make(tmp_path)
    status, out, err = run(["crs", "--profile", path], capsys)
    assert status == 2 and out == ""
    assert err.startswith(f"eeforecast crs: error: {path}: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["--timeline", "26w"], "--timeline: the span is counted in months"),
        (["--timeline", "90d"], "--timeline: the span is counted in months"),
        (["--timeline", "soon"], "--timeline: the span is counted in months"),
        (["--timeline", "51y"], "--timeline: must be 0 to 600 months"),
        (["--as-of", "2014-06-01"], "as_of: the CRS scores days from 2015-01-01"),
        (["--as-of", "03/04/2024"], "expected a date YYYY-MM-DD"),
        (["--timeline", "12m", "--what-if"], "not allowed with argument"),
        (["--format", "xml"], "invalid choice"),
    ],
)
def test_crs_option_errors(folder, capsys, args, message):
    try:
        status = cli.main(["crs", "--profile", str(folder / "alice.toml"), *args])
    except SystemExit as exc:  # argparse's own errors
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("eeforecast crs: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1


def test_crs_help_names_every_option():
    text = cli.build_parser()._subparsers._group_actions[0].choices["crs"].format_help()
    for option in ("--profile", "--as-of", "--timeline", "--what-if", "--format"):
        assert option in text


# odds --profile ------------------------------------------------------------------------------


def test_odds_profile_equals_odds_score_with_its_categories(folder, capsys):
    bob = folder / "bob.toml"
    status, out, _ = run(["odds", "--profile", bob, *FAST, "--format", "csv"], capsys)
    assert status == 0
    row = csv(out).iloc[0]
    assert list(csv(out).columns) == [
        "profile", "score", "categories", "as_of", "within", "rounds", "probability", "se"
    ]  # fmt: skip
    result = score(Profile.from_toml(bob), as_of=DAY)
    assert (row["profile"], row["score"], row["as_of"]) == ("bob", result.total, DAY)
    assert row["categories"] == "general+cec+french+healthcare"
    cats = row["categories"].split("+")[1:]
    status, plain, _ = run(
        ["odds", "--score", result.total, "--category", *cats, *FAST, "--format", "csv"], capsys
    )
    assert status == 0
    same = csv(plain).iloc[0]
    for key in ("score", "categories", "as_of", "within", "rounds", "probability", "se"):
        assert row[key] == same[key], key


def test_odds_profile_adds_the_categories_given(folder, capsys):
    alice = folder / "alice.toml"
    out = run(["odds", "--profile", alice, "--category", "stem", *FAST, "--format", "csv"], capsys)
    assert csv(out[1])["categories"].iloc[0] == "general+cec+stem"


def test_odds_profile_table_says_what_was_used(folder, capsys):
    status, out, _ = run(["odds", "--profile", folder / "alice.toml", *FAST], capsys)
    assert status == 0
    header = out.splitlines()[0].split()
    assert header[:3] == ["profile", "score", "categories"]
    assert f"scored as on {DAY}" in out and "100 paths of one simulation" in out
    assert "Assumptions" in out


def test_odds_profile_what_if_from_one_simulation(folder, capsys):
    alice = folder / "alice.toml"
    status, out, _ = run(
        ["odds", "--profile", alice, "--what-if", *FAST, "--format", "csv"], capsys
    )
    assert status == 0
    frame = csv(out)
    assert list(frame.columns) == [
        "profile", "change", "score", "gain", "categories", "probability"
    ]  # fmt: skip
    keys = list(zip(-frame["probability"], -frame["gain"], strict=True))
    assert keys == sorted(keys)  # most likely first, then the larger gain
    rows = frame.set_index("change")
    now = rows.loc["(none: the profile as it is)"]
    assert now["gain"] == 0
    plain = csv(run(["odds", "--profile", alice, *FAST, "--format", "csv"], capsys)[1]).iloc[0]
    assert (now["score"], now["probability"]) == (plain["score"], plain["probability"])
    # French at NCLC 7 adds the French category: its rounds count, as with --score
    french = rows.loc["french: NCLC 7 on all four abilities"]
    assert french["categories"] == "general+cec+french"
    same = csv(
        run(
            ["odds", "--score", french["score"], "--category", "cec", "french", *FAST,
             "--format", "csv"],
            capsys,
        )[1]
    ).iloc[0]  # fmt: skip
    assert french["probability"] == same["probability"]
    without = csv(
        run(["odds", "--score", french["score"], "--category", "cec", *FAST, "--format", "csv"],
            capsys)[1]
    ).iloc[0]  # fmt: skip
    assert french["probability"] >= without["probability"]
    assert set(frame["change"]) == {"(none: the profile as it is)"} | set(
        what_if(Profile.from_toml(alice), as_of=DAY)["change"]
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--score", "500", "--what-if"], "--what-if: give --profile"),
        (["--score", "500", "--profile", "x.toml"], "not allowed with argument --score"),
        ([], "one of the arguments --score --profile is required"),
        (["--profile", "x.toml", "--within", "soon"], "within"),
        (["--profile", "x.toml", "--category", "Chef!"], "not a category slug"),
    ],
)
def test_odds_profile_option_errors(folder, capsys, monkeypatch, args, message):
    monkeypatch.chdir(folder)
    (folder / "x.toml").write_text(ALICE, encoding="utf-8")
    try:
        status = cli.main(["odds", *args])
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("eeforecast odds: error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1
