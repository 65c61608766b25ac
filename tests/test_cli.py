"""The foundation commands: rounds, pool, data, update, and the shared options."""

import io
import json
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from eeforecast import cli, config


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_rounds_csv_with_category_and_as_of(capsys):
    status, out, _ = run(
        ["rounds", "--category", "french", "--as-of", "2024-03-26", "--format", "csv"], capsys
    )
    assert status == 0
    frame = pd.read_csv(io.StringIO(out), dtype={"draw_number": str})
    assert set(frame["category"]) == {"french"}
    last = frame.iloc[-1]
    assert (last["draw_number"], last["date"], last["invitations"], last["cutoff"]) == (
        "291",
        "2024-03-26",
        1500,
        388,
    )
    assert last["tie_break"] == "2024-03-10T20:06:26Z"


def test_rounds_json_is_machine_readable(capsys):
    status, out, _ = run(["rounds", "--format", "json", "--as-of", "2015-02-07"], capsys)
    assert status == 0
    records = json.loads(out)
    assert [r["draw_number"] for r in records] == ["1", "2"]
    assert records[0]["date"] == "2015-01-31" and records[0]["tie_break"] is None


def test_rounds_table_default(capsys):
    status, out, _ = run(["rounds", "--category", "fsw"], capsys)
    assert status == 0 and "Federal Skilled Worker" in out and "489" in out


def test_pool_prints_latest_snapshot_on_or_before_as_of(capsys):
    status, out, _ = run(["pool", "--as-of", "2024-03-25", "--format", "csv"], capsys)
    frame = pd.read_csv(io.StringIO(out))
    assert status == 0 and len(frame) == 15
    assert set(frame["as_of"]) == {"2024-03-24"}


def test_pool_before_any_snapshot_is_a_clear_error(capsys):
    status, out, err = run(["pool", "--as-of", "2020-01-01"], capsys)
    assert status == 2 and out == ""
    errors = [line for line in err.splitlines() if "error:" in line]
    assert errors == ["eeforecast pool: error: no pool snapshot was published"]


def test_subpools_prints_the_plausibility_report(capsys):
    status, out, _ = run(["subpools", "--as-of", "2025-06-30", "--format", "csv"], capsys)
    assert status == 0
    frame = pd.read_csv(io.StringIO(out)).set_index("category")
    # STEM's last round was on 2024-04-11: stale and left out; PNP invited every nominee in 2025
    assert frame.loc["stem", "stale"] and not frame.loc["stem", "included"]
    assert frame.loc["pnp", "regime"] == "invite_all"
    assert (frame["eligible_ge_500"] <= frame["eligible_ge_450"] + 1e-9).all()
    assert (frame["eligible_ge_450_lo_80"] <= frame["eligible_ge_450_hi_80"]).all()
    # the table is the report's text: one line per category under its header
    status, out, _ = run(["subpools", "--as-of", "2025-06-30"], capsys)
    assert status == 0 and out.startswith("Category sub-pools on 2025-06-30")
    assert len(out.splitlines()) == 2 + len(frame)


def test_subpools_before_any_snapshot_is_a_clear_error(capsys):
    status, out, err = run(["subpools", "--as-of", "2020-01-01"], capsys)
    assert status == 2 and out == ""
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("eeforecast subpools: error:")


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["rounds", "--source", "/nonexistent/feed.json"], "no such feed file"),
        (["rounds", "--as-of", "2025-02-30"], "as_of: expected a date"),
    ],
)
def test_errors_are_one_line_and_exit_2(argv, match, capsys):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and match in errors[0]
    assert all(line.startswith("eeforecast") for line in err.splitlines())


def test_bad_source_file(tmp_path, capsys):
    bad = tmp_path / "feed.json"
    bad.write_text('{"rounds": [{"drawNumber": "3", "drawDate": "2025-01-01"}]}')
    status, _, err = run(["rounds", "--source", str(bad)], capsys)
    assert status == 2 and "round #3: missing field 'drawName'" in err


def test_data_writes_processed_files(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(config, "PROCESSED_DIR", tmp_path)
    status, out, _ = run(["data"], capsys)
    assert status == 0
    assert {p.name for p in tmp_path.iterdir()} == {
        "issues.txt",
        "rounds.csv",
        "snapshots.csv",
        "snapshot_totals.csv",
        "snapshots_wide.csv",
    }
    assert str(tmp_path / "rounds.csv") in out
    assert "5 data-quality finding(s)" in out  # #247 twice, three repeated snapshots


def test_update_refuses_foreign_host_without_touching_data(capsys):
    before = config.RAW_FEED.read_bytes()
    status, _, err = run(["update", "--url", "https://example.org/x.json"], capsys)
    assert status == 2 and "not in ['www.canada.ca']" in err
    assert config.RAW_FEED.read_bytes() == before
    assert not config.LIVE_FEED.exists()


def test_python_dash_m_and_version():
    done = subprocess.run(
        [sys.executable, "-m", "eeforecast", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("eeforecast ")


def test_usage_errors_are_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["odds", "--score", "abc"])
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert err.splitlines() == [
        "eeforecast odds: error: argument --score: invalid int value: 'abc' "
        "(see 'eeforecast odds --help')"
    ]


@pytest.mark.parametrize("day", ["03/04/2024", "2024/03/26", "20240326", "March 26 2024", "soon"])
def test_dates_must_be_iso(day, capsys):
    # 03/04/2024 is March in one country and April in another: refused, not guessed
    with pytest.raises(SystemExit) as exc:
        cli.main(["pool", "--as-of", day])
    _, err = capsys.readouterr()
    assert exc.value.code == 2
    assert err.splitlines() == [
        f"eeforecast pool: error: argument --as-of: expected a date YYYY-MM-DD, got {day!r} "
        "(see 'eeforecast pool --help')"
    ]


def test_rounds_unknown_category_is_an_error(capsys):
    status, out, err = run(["rounds", "--category", "atlantis"], capsys)
    assert status == 2 and out == ""
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "--category 'atlantis': unknown category" in errors[0]


def test_empty_table_prints_the_header_only(capsys):
    status, out, _ = run(["rounds", "--category", "education", "--as-of", "2020-01-01"], capsys)
    assert status == 0
    assert out.split() == [
        "draw_number", "date", "name", "category", "invitations", "cutoff", "tie_break",
        "programs", "distribution_as_of",
    ]  # fmt: skip


def test_rounding_leaves_dates_alone_without_warnings():
    frame = pd.DataFrame({"date": pd.to_datetime(["2025-01-01"]), "x": [1.234], "c": ["a"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = cli.output.rounded(frame, 1)
    assert out["x"].tolist() == [1.2] and out["date"].equals(frame["date"])


def test_simulate_empty_schedule_is_an_error(tmp_path, capsys):
    plan = tmp_path / "plan.toml"
    plan.write_text("")
    status, out, err = run(["simulate", "--schedule", str(plan)], capsys)
    assert status == 2 and out == ""
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and "no round to simulate" in errors[0]


@pytest.mark.parametrize("command", [["pool"], ["forecast"], ["odds", "--score", "400"]])
def test_feed_without_rounds_is_one_line_error(tmp_path, capsys, command):
    empty = tmp_path / "feed.json"
    empty.write_text('{"rounds": []}')
    status, out, err = run([*command, "--source", str(empty)], capsys)
    assert status == 2 and out == ""
    assert err.splitlines() == [f"eeforecast {command[0]}: error: {empty}: no round"]


def test_simulate_warns_when_a_round_runs_out_of_candidates(capsys):
    # the room rule makes the first French round of 60,000 fit (IRCC sizes a round inside its
    # pool), but the second one, a day later, finds about 28,000 left
    draws = ["--draw", "french:60000@2025-12-18", "--draw", "french:60000@2025-12-19"]
    status, out, err = run(["simulate", *draws, "--format", "csv"], capsys)
    rows = pd.read_csv(io.StringIO(out))
    assert status == 0 and rows["dry_share"].tolist() == [0, 1]
    assert rows["invited"].iloc[1] < 60000 and not rows["invites_all"].any()
    short = [line for line in err.splitlines() if "eligible candidates were left" in line]
    assert len(short) == 1
    assert short[0].startswith("eeforecast: warning: round french:60000@2025-12-19")


def test_simulate_an_invite_all_pnp_round_is_not_a_shortfall(capsys):
    # PNP invites every nominee (the invite-all regime): a round of 5,000 is a stock of 5,000
    status, out, err = run(["simulate", "--draw", "pnp:5000@2025-12-18", "--format", "csv"], capsys)
    row = pd.read_csv(io.StringIO(out)).iloc[0]
    assert status == 0 and "ran dry" not in err
    assert row["invited"] == 5000 and bool(row["invites_all"]) and row["dry_share"] == 0
    status, out, _ = run(["simulate", "--draw", "pnp:5000@2025-12-18"], capsys)
    assert "Sub-pool assumptions" in out and "invite_all" in out.split("Sub-pool assumptions")[1]


def test_json_writes_infinity_as_a_string_and_missing_as_null():
    frame = pd.DataFrame(
        {"threshold": [500, 520, 540], "weeks_to_clear": [12.5, float("inf"), None]}
    )
    buffer = io.StringIO()
    cli.output.emit(frame, "json", file=buffer)
    rows = json.loads(buffer.getvalue(), parse_constant=pytest.fail)  # no bare Infinity/NaN
    assert [r["weeks_to_clear"] for r in rows] == [12.5, "inf", None]
    assert [r["threshold"] for r in rows] == [500, 520, 540]
    assert float(rows[1]["weeks_to_clear"]) == float("inf")


def test_an_os_error_is_one_line(tmp_path, monkeypatch, capsys):
    # e.g. a read-only data folder: the command fails with one line, exit 2, no traceback
    from eeforecast.cli import commands

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "processed"))

    monkeypatch.setattr(commands, "write_processed", refuse)
    status, out, err = run(["data"], capsys)
    assert status == 2
    assert err.strip().splitlines()[-1].startswith("eeforecast data: error: [Errno 13]")
