"""The report builds from the bundled data into a temporary folder, with every figure, and its
summary numbers are the forecast objects' numbers."""

from __future__ import annotations

import html
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from eeforecast import cli, config, plots, report
from eeforecast.errors import FeedError, ParameterError
from eeforecast.forecast import Drift, Naive, WindowMean

# Reduced settings for speed: fewer paths, two steps, a shorter backtest and the baseline models.
# The code path is the one `make forecast` runs.
FAST = dict(
    n_paths=200,
    horizon=2,
    backlog_weeks=8,
    calibration_days=150,
    models=(Naive(), WindowMean(k=3), Drift()),
    n_jobs=1,
    calibration_paths=60,
)


def _tree(path):
    return sorted(
        (str(p.relative_to(path)), p.stat().st_mtime_ns) for p in path.rglob("*") if p.is_file()
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    before = (_tree(config.REPORTS_DIR), _tree(config.DATA_DIR))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the pipeline must not let a warning escape
        path, rep = report.build_report(out, rng=42, **FAST)
    after = (_tree(config.REPORTS_DIR), _tree(config.DATA_DIR))
    return out, path, rep, before, after


pytestmark = pytest.mark.slow


def test_writes_html_and_every_figure(built):
    out, path, rep, *_ = built
    assert path == out / "forecast.html"
    for stem in report.FIGURES:
        png = (out / "figures" / f"{stem}.png").read_bytes()
        svg = (out / "figures" / f"{stem}.svg").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, stem
        assert svg.lstrip().startswith(b"<?xml") and len(svg) > 10_000, stem
    assert sorted(p.name for p in (out / "figures").iterdir()) == sorted(
        f"{s}.{ext}" for s in report.FIGURES for ext in ("png", "svg")
    )  # no temporary files left behind


def test_html_references_every_figure(built):
    _, path, rep, *_ = built
    text = path.read_text(encoding="utf-8")
    for i, stem in enumerate(report.FIGURES, start=1):
        assert f"figures/{stem}.png" in text and f"figures/{stem}.svg" in text
        assert f"<b>Figure {i}.</b>" in text
    assert text.count("data:image/png;base64,") == len(report.FIGURES)  # self-contained
    for section in ("summary", "figures", "backtest", "methods"):
        assert f"id='{section}'" in text


def test_nothing_written_in_the_repo(built):
    *_, before, after = built
    assert before == after


def test_summary_numbers_are_the_forecast_objects(built):
    _, path, rep, *_ = built
    step1 = rep.forecast_result.table.query("step == 1").set_index("category")
    assert len(rep.summary) == 4
    for row in rep.summary.itertuples():
        fc = step1.loc[row.category]
        assert row.cutoff == fc["cutoff"]
        assert row.cutoff_lo_80 == fc["cutoff_lo_80"] and row.cutoff_hi_80 == fc["cutoff_hi_80"]
        assert row.date == fc["date"] and row.model == fc["model"]
        last = rep.feed.rounds[rep.feed.rounds["category"] == row.category].iloc[-1]
        assert row.last_cutoff == last["cutoff"] and row.last_round == last["draw_number"]
    # and the HTML prints those very numbers
    text = path.read_text(encoding="utf-8")
    for row in rep.summary.itertuples():
        assert f"<b>{row.cutoff:,.0f}</b>" in text
        assert f"{row.cutoff_lo_80:,.0f}\u2013{row.cutoff_hi_80:,.0f}" in text


def test_cutoff_by_size_table(built):
    _, path, rep, *_ = built
    table = rep.by_size
    assert list(table["category"].unique()) == list(rep.summary["category"])  # main categories
    for cat, part in table.groupby("category"):
        assert len(part) >= 2, cat  # several sizes each
        assert part["invitations"].is_monotonic_increasing
        assert part["cutoff"].is_monotonic_decreasing, cat  # larger round, lower cutoff
        assert (part["cutoff_lo_80"] <= part["cutoff"]).all()
        assert (part["cutoff"] <= part["cutoff_hi_80"]).all()
    text = path.read_text(encoding="utf-8")
    assert "id='by-size'" in text
    for r in table.itertuples():
        assert f"{r.cutoff_lo_80:,.0f}\u2013{r.cutoff_hi_80:,.0f}" in text


def test_pool_summary(built):
    _, path, rep, *_ = built
    pool = rep.pool_summary.set_index("quantity")
    assert pool.loc["Candidates in the pool", "value"] == 237_302
    assert pool.loc["Candidates at or above 501", "value"] == 21_792 + 390
    # the projection column is the backlog object's last week (the one figure 4 draws)
    last = rep.backlog_result.weekly.iloc[-1]
    assert pool.loc["Candidates in the pool", "projected"] == last["pool"]
    assert pool.loc["Candidates at or above 501", "projected_lo_80"] == last["above_501_lo_80"]
    assert (rep.backlog["above"] == rep.backlog_result.weekly["above_501"]).all()
    assert f"{last['above_501']:,.0f} (" in path.read_text(encoding="utf-8")


def test_figures_share_the_report_objects(built):
    rep = built[2]
    assert rep.odds is not None and set(rep.odds["within"]) == set(report.ODDS_SPANS)
    assert set(rep.odds["category"]) <= set(rep.summary["category"])
    assert rep.backlog is not None and rep.backlog["date"].min() > rep.as_of
    assert rep.backtest is not None and {"naive", "auto"} <= set(rep.backtest["model"])
    for cat, part in rep.odds.groupby(["category", "within"]):
        assert np.all(np.diff(part.sort_values("score")["probability"]) >= 0), cat


def test_backtest_table_has_naive_beside_models(built):
    text = built[1].read_text(encoding="utf-8")
    i = text.index("id='backtest'")
    header = re.findall(r"<th>([^<]*)</th>", text[i : i + 4000])
    assert header[:4] == ["Category", "Rounds", "naive MAE", "auto (chosen) MAE"]


def test_same_seed_same_bytes(built):
    rep = built[2]
    for stem in ("01-cutoff-history", "07-odds"):
        a = report.figure_bytes(rep.figures[stem], "png")
        assert a == (built[0] / "figures" / f"{stem}.png").read_bytes()
    images = {s: report.figure_bytes(rep.figures[s], "png") for s in report.FIGURES}
    assert report.render_html(rep, images) == built[1].read_text(encoding="utf-8")


def test_same_seed_same_simulation(built):
    rep = built[2]
    cfg = report.Settings(seed=42, **FAST)
    from eeforecast.projection import project

    seed, _ = np.random.SeedSequence(cfg.seed).spawn(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = project(
            pool=rep.pool,
            as_of=rep.as_of,
            span=cfg.span,
            n_paths=cfg.n_paths,
            rng=np.random.default_rng(seed),
            thresholds=(cfg.threshold,),
        )
    np.testing.assert_array_equal(again.cutoffs, rep.projection.cutoffs)
    # the backlog is read from the same simulation as the odds
    assert rep.backlog_result is not None
    first = rep.backlog["above"].iloc[0]
    assert first == pytest.approx(rep.backlog_result.weekly[f"above_{cfg.threshold}"].iloc[0])


def test_as_of_report(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path, rep = report.build_report(tmp_path, as_of="2025-06-30", rng=1, **FAST)
    assert rep.as_of == pd.Timestamp("2025-06-30")
    assert (rep.feed.rounds["date"] <= "2025-06-30").all()
    assert "Data as of 2025-06-30" in path.read_text(encoding="utf-8")
    assert (rep.forecast["date"] > "2025-06-30").all()


def test_bad_settings():
    with pytest.raises(ParameterError, match="n_paths"):
        report.build_report("/nonexistent", n_paths=0)
    with pytest.raises(ParameterError, match="report settings"):
        report.build_report("/nonexistent", colour="red")
    # every setting is checked before any work: no half-built report with missing sections
    for bad, match in [
        (dict(n_paths=2.5), "n_paths: expected a whole number >= 1, got 2.5"),
        (dict(horizon=0), "horizon"),
        (dict(span="forever"), "span"),
        (dict(span="3m", backlog_weeks=26), "backlog_weeks: 26 weeks reach beyond"),
        (dict(threshold=500), "threshold: expected the lowest score of one of IRCC's pool bands"),
        (dict(rng="x"), "rng: expected a seed"),
        (dict(n_jobs=0), "n_jobs"),
    ]:
        with pytest.raises(ParameterError, match=match):
            report.build_report("/nonexistent", **bad)


def test_before_the_first_round_is_a_clear_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(FeedError, match="no round on or before 2014-01-01"):
        report.build_report(out, as_of="2014-01-01", rng=1, **FAST)
    assert not out.exists()


def test_cli_prints_where_the_report_is(monkeypatch, capsys, built):
    out, path, rep, *_ = built
    calls = {}

    def fake(out_dir, **kwargs):
        calls.update(kwargs, out_dir=out_dir)
        return path, rep

    monkeypatch.setattr(report, "build_report", fake)
    code = cli.main(["report", "--out", str(out), "--seed", "7", "--as-of", "2025-12-17"])
    text = capsys.readouterr().out
    assert code == 0
    assert f"report written to {path.resolve()}" in text
    assert calls["rng"] == 7 and calls["as_of"] == "2025-12-17" and calls["out_dir"] == str(out)
    assert "CEC" in text and "next ~" in text


def test_before_any_pool_snapshot_the_report_says_what_is_missing(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path, rep = report.build_report(tmp_path, as_of="2021-06-30", rng=1, **FAST)
    assert rep.pool is None and rep.odds is None and rep.backlog is None
    assert any(n.startswith("pool model not available") for n in rep.notes)
    assert all((tmp_path / "figures" / f"{s}.png").stat().st_size > 10_000 for s in report.FIGURES)
    text = path.read_text(encoding="utf-8")
    assert "pool model not available" in text and "Data as of 2021-06-30" in text


def test_subpools_and_assumptions_are_shown(built):
    _, path, rep, *_ = built
    text = path.read_text(encoding="utf-8")
    assert "id='subpools'" in text and "id='assumptions'" in text
    frame = rep.subpools.set_index("category")
    assert frame.loc["stem", "stale"] and "stale, left out" in text
    # every simulated category's run-dry share is in the notes, and which ones the data support
    dry = rep.dry.set_index("category")
    assert dry.loc["pnp", "invites_all"] and dry.loc["pnp", "supported"]
    assert any("invite every nominee" in n for n in rep.notes)
    for cat, row in dry.iterrows():
        assert any(row["why"] in n for n in rep.notes), cat
        if row["dry_share"] >= 0.05 and not row["invites_all"]:
            assert not row["supported"] and "not supported by the data" in row["why"]
    assert set(rep.projection.assumptions["category"]) == set(dry.index)


def test_odds_are_calibrated_where_there_are_residuals(built):
    _, path, rep, *_ = built
    odds = rep.odds
    assert {"probability", "simulated", "residuals"} <= set(odds.columns)
    simulated = rep.projection.curves([(c,) for c in odds["category"].unique()], report.ODDS_SPANS)
    np.testing.assert_array_equal(odds["simulated"].to_numpy(), simulated["probability"].to_numpy())
    assert odds["probability"].between(0, 1).all()
    used = 0
    for (cat, within), part in odds.groupby(["category", "within"]):
        cal = rep.calibrations[cat, within]
        part = part.sort_values("score")
        assert np.all(np.diff(part["probability"]) >= 0), (cat, within)
        if cal.usable:
            used += 1
            assert (part["residuals"] == len(cal.residuals)).all()
            assert not np.array_equal(part["probability"], part["simulated"]), (cat, within)
        else:  # too few residuals: the simulated odds, and the figure says so
            assert (part["residuals"] == 0).all()
            np.testing.assert_array_equal(part["probability"], part["simulated"])
    assert used >= 6  # CEC, French and healthcare have residuals at 3m and 6m


def test_a_longer_span_never_has_lower_odds(built):
    _, _, rep, *_ = built
    wide = rep.odds.pivot_table(index=["category", "score"], columns="within", values="probability")
    spans = list(report.ODDS_SPANS)
    for shorter, longer in zip(spans, spans[1:]):
        assert (wide[longer] >= wide[shorter]).all(), (shorter, longer)


def test_nested_spans_lift_only_where_a_longer_span_dips():
    odds = pd.DataFrame(
        {
            "category": ["cec"] * 4,
            "within": ["6m", "3m", "6m", "3m"],
            "score": [500, 500, 510, 510],
            "probability": [0.40, 0.55, 0.90, 0.60],
        }
    )
    out = report.pipeline._nested_spans(odds)
    assert out.index.equals(odds.index)  # rows stay where they were
    assert out["probability"].tolist() == [0.55, 0.55, 0.90, 0.60]


def test_notes_and_methods_name_the_residuals(built):
    _, path, rep, *_ = built
    text = path.read_text(encoding="utf-8")
    assert "id='odds-calibration'" in text
    for (cat, within), cal in rep.calibrations.items():
        note = next(n for n in rep.notes if n.startswith(f"odds calibration: {plots.label(cat)}:"))
        n = len(cal.residuals)
        if cal.usable:
            assert f"within {within} on {n} residuals" in note
            assert f"origins {cal.origins.min():%Y-%m} to {cal.origins.max():%Y-%m}" in note
        else:
            assert f"within {within} only {n} residual(s)" in note
            assert "the simulated odds are shown" in note
    assert "calibrated on the simulation's errors" in html.unescape(text)  # figure 7's caption


def test_same_seed_same_calibrated_odds(built):
    rep = built[2]
    again = report.run(settings=report.Settings(seed=42, **FAST), progress=False)
    pd.testing.assert_frame_equal(again.odds, rep.odds)
    assert again.notes == rep.notes


def test_simulated_odds_when_asked(tmp_path, built):
    rep = built[2]
    cfg = report.Settings(seed=42, calibrate_odds=False, **FAST)
    plain = report.run(settings=cfg, progress=False)
    assert plain.calibrations == {} and "residuals" not in plain.odds.columns
    np.testing.assert_array_equal(plain.odds["probability"], rep.odds["simulated"])
    assert not any(n.startswith("odds calibration") for n in plain.notes)
    images = {s: report.figure_bytes(plain.figures[s], "png") for s in report.FIGURES}
    text = html.unescape(report.render_html(plain, images))
    assert "shows the simulated odds, not calibrated" in text and ", as simulated." in text
    with pytest.raises(ParameterError, match="calibrate_odds: expected True or False"):
        report.Settings(calibrate_odds="no")


def test_cli_simulated_odds_flag(monkeypatch, built):
    out, path, rep, *_ = built
    calls = {}

    def fake(out_dir, **kwargs):
        calls.update(kwargs)
        return path, rep

    monkeypatch.setattr(report, "build_report", fake)
    assert cli.main(["report", "--out", str(out), "--quiet"]) == 0
    assert calls["calibrate_odds"] is True
    assert cli.main(["report", "--out", str(out), "--quiet", "--simulated-odds"]) == 0
    assert calls["calibrate_odds"] is False
