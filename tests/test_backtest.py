"""Rolling-origin backtest: windows line up, no leakage, metrics by hand, parallel = serial."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from test_forecast import synthetic_payload  # tests/ is on sys.path (pytest rootdir)

from eeforecast import cli
from eeforecast.data import parse_feed
from eeforecast.errors import ParameterError
from eeforecast.evaluation import (
    cross_validation,
    crps_table,
    schedule_accuracy,
    summarize,
    targets,
)
from eeforecast.forecast import ETS, Drift, Naive, forecast, origins, raw_forecasts

DAY0 = pd.Timestamp("2024-01-03")


def truth(category: str, day: pd.Timestamp) -> float:
    """The synthetic feed's cutoff of a round held on ``day``."""
    days = (pd.Timestamp(day) - DAY0).days
    return 400 + 2 * days / 7 if category == "cec" else 800 - 3 * (days - 1) / 14


class _ToyFit:
    def __init__(self, history):
        self.history = history

    def forecast(self, future):
        mean = np.array([truth(self.history.category, d) for d in future.dates])
        return mean, np.ones(len(mean))


@dataclass(frozen=True)
class Toy:
    """Knows the synthetic series: forecasts the cutoff of a round from its (expected) date."""

    name: str = "toy"
    min_obs: int = 1

    def fit(self, history):
        return _ToyFit(history)


@pytest.fixture(scope="module")
def synthetic():
    return parse_feed(synthetic_payload(), source="synthetic")


def test_toy_model_errors_are_exactly_zero(synthetic):
    cv = cross_validation(
        synthetic, start="2024-03-01", horizon=3, models=[Toy(), Drift()], warmup_days=30,
        n_jobs=1, progress=False,
    )  # fmt: skip
    assert len(cv) > 0
    # the windows line up: every forecast targets the round it claims to
    assert (cv["toy"] - cv["actual"]).abs().max() == 0
    expected = [truth(c, d) for c, d in zip(cv["category"], cv["date"], strict=True)]
    assert cv["actual"].tolist() == expected
    # drift is exact on a straight line too, and naive lags by the slope times the step
    assert np.allclose(cv["drift"], cv["actual"])
    cec = cv[cv["category"] == "cec"]
    assert ((cec["actual"] - cec["naive"]) == 2 * cec["step"]).all()
    pnp = cv[cv["category"] == "pnp"]
    assert ((pnp["actual"] - pnp["naive"]) == -3 * pnp["step"]).all()
    # origins are the day before each round; step h is the h-th round after the origin
    one = cv[cv["step"] == 1]
    assert (one["date"] - one["origin"] == pd.Timedelta(days=1)).all()
    for _, part in cv.groupby(["origin", "category"]):
        assert part["step"].tolist() == list(range(1, len(part) + 1))
        assert part["date"].is_monotonic_increasing
    # each round is a step-1 target exactly once
    assert not one.duplicated(["category", "date"]).any()
    # the schedule models are exact on regular rounds of constant size
    acc = schedule_accuracy(cv).set_index("category")
    assert (acc["date_mae"] == 0).all() and (acc["size_mae"] == 0).all()


class _EchoFit(_ToyFit):
    def forecast(self, future):
        return np.asarray(future.invitations, dtype=float), np.ones(future.steps)


@dataclass(frozen=True)
class SizeEcho:
    """Forecasts a round's size: shows which schedule the models were given."""

    name: str = "echo"
    min_obs: int = 1

    def fit(self, history):
        return _EchoFit(history)


def test_known_schedule_gives_models_the_actual_dates_and_sizes():
    payload = synthetic_payload()
    for i, r in enumerate(payload["rounds"]):  # sizes that change from round to round
        r["drawSize"] = str(1000 + 37 * i)
    feed = parse_feed(payload, source="synthetic sizes")
    kw = dict(start="2024-03-01", horizon=2, models=[SizeEcho()], warmup_days=30, n_jobs=1,
              progress=False)  # fmt: skip
    known = cross_validation(feed, known_schedule=True, **kw)
    assert len(known) > 0
    assert (known["echo"] == known["actual_invitations"]).all()
    assert (known["invitations"] == known["actual_invitations"]).all()
    assert (known["expected_date"] == known["date"]).all()
    guessed = cross_validation(feed, **kw)  # the default: the schedule model's last size
    assert (guessed["echo"] == guessed["last_invitations"]).all()
    assert (guessed["echo"] != guessed["actual_invitations"]).all()
    # the cutoffs and origins are the same rounds either way
    pd.testing.assert_frame_equal(
        known[["origin", "category", "step", "date", "actual"]],
        guessed[["origin", "category", "step", "date", "actual"]],
    )
    with pytest.raises(ParameterError, match="known_schedule"):
        raw_forecasts(feed, "2024-06-01", ["cec"], 1, [Naive()], known_schedule=True)


def test_targets_after_end_are_never_used(synthetic):
    cv = cross_validation(
        synthetic, start="2024-03-01", end="2024-05-01", horizon=3, models=[Toy()],
        warmup_days=30, n_jobs=1, progress=False,
    )  # fmt: skip
    assert cv["date"].max() <= pd.Timestamp("2024-05-01")
    assert cv["origin"].min() >= pd.Timestamp("2024-03-01")


def test_backtest_forecasts_equal_forecasts_as_of_origin(feed):
    models = (Naive(), ETS())
    cv = cross_validation(
        feed, start="2025-09-01", end="2025-11-30", horizon=2, models=models,
        categories=["french"], n_jobs=1, progress=False,
    )  # fmt: skip
    origin = cv["origin"].iloc[0]
    res = forecast(
        feed, as_of=origin, categories=["french"], horizon=2, models=models,
        calibration_days=200, n_jobs=1, progress=False,
    )  # fmt: skip
    mine = cv[cv["origin"] == origin].reset_index(drop=True)
    theirs = res.models.reset_index(drop=True).iloc[: len(mine)]
    for m in ("naive", "ets"):
        np.testing.assert_allclose(mine[m], theirs[m])


def _toy_cv() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": pd.to_datetime(["2025-01-01"] * 4),
            "category": ["cec", "cec", "pnp", "pnp"],
            "step": [1, 1, 1, 1],
            "date": pd.to_datetime(["2025-01-02", "2025-01-09", "2025-01-02", "2025-01-09"]),
            "actual": [500.0, 510.0, 700.0, 720.0],
            "invitations": [1000.0] * 4,
            "naive": [490.0, 500.0, 710.0, 700.0],
            "naive_lo_80": [480.0, 505.0, 690.0, 690.0],
            "naive_hi_80": [500.0, 515.0, 730.0, 710.0],
            "m": [500.0, 505.0, 700.0, 730.0],
            "m_lo_80": [495.0, 500.0, 690.0, 720.0],
            "m_hi_80": [505.0, 510.0, 710.0, 740.0],
        }
    )


def test_summarize_by_hand():
    s = summarize(_toy_cv(), by=("category",)).set_index(["model", "category"])
    row = s.loc[("naive", "cec")]
    assert row["n"] == 2
    assert row["mae"] == 10 and row["rmse"] == 10 and row["bias"] == -10
    assert row["coverage_80"] == 1.0 and row["width_80"] == 15
    assert row["skill"] == 0
    row = s.loc[("m", "cec")]
    assert row["mae"] == 2.5 and row["bias"] == -2.5
    assert row["rmse"] == pytest.approx(np.sqrt(12.5))
    assert row["skill"] == pytest.approx(0.75)
    assert row["coverage_80"] == 1.0
    row = s.loc[("m", "pnp")]
    assert row["mae"] == 5 and row["bias"] == 5 and row["coverage_80"] == 1.0
    overall = summarize(_toy_cv(), by=()).set_index("model")
    assert overall.loc["naive", "mae"] == 12.5


def test_crps_and_wis_in_the_summary_by_hand():
    cv = _toy_cv()
    cv["naive_lo_95"] = cv["naive_lo_80"] - 10
    cv["naive_hi_95"] = cv["naive_hi_80"] + 10
    cv["m_lo_95"] = cv["m_lo_80"] - 10
    cv["m_hi_95"] = cv["m_hi_80"] + 10
    cv["m_crps"] = [1.0, 2.0, 3.0, 4.0]
    cv["naive_emp"] = cv["naive"]
    cv["naive_emp_crps"] = [2.0, 2.0, 6.0, 6.0]
    s = summarize(cv, by=("category",)).set_index(["model", "category"])
    assert "m_crps" not in set(s.index.get_level_values("model"))  # a score, not a model
    assert s.loc[("m", "cec"), "crps"] == 1.5 and s.loc[("m", "pnp"), "crps"] == 3.5
    assert s.loc[("m", "cec"), "crps_skill"] == pytest.approx(1 - 1.5 / 2)
    assert s.loc[("m", "pnp"), "crps_skill"] == pytest.approx(1 - 3.5 / 6)
    # WIS of m's first cec row: y = 500, median 500, 80% [495, 505], 95% [485, 515]:
    # (0 + 0.1 * 10 + 0.025 * 30) / 2.5 = 0.7; second row: y = 510, median 505, [500, 510],
    # [490, 520]: (2.5 + 0.1 * 10 + 0.025 * 30) / 2.5 = 1.7
    assert s.loc[("m", "cec"), "wis"] == pytest.approx((0.7 + 1.7) / 2)
    assert np.isnan(summarize(_toy_cv(), by=()).set_index("model").loc["m", "crps"])
    table = crps_table(cv, model="m", min_rounds=2)
    assert table["crps_skill"].round(4).tolist() == [0.25, round(1 - 3.5 / 6, 4)]
    assert table["ok"].tolist() == [True, True]
    t = targets(cv, model="m", min_rounds=2).set_index("category")
    assert t.loc["pnp", "crps"] == 3.5 and t.loc["pnp", "crps_naive_emp"] == 6.0


def test_targets_table():
    cv = _toy_cv()
    t = targets(cv, model="m", min_rounds=2)
    assert t["category"].tolist() == ["cec", "pnp"]
    cec = t.set_index("category").loc["cec"]
    assert cec["mae"] == 2.5 and cec["mae_naive"] == 10 and bool(cec["ok"]) is False  # cover 1.0
    assert targets(cv, model="m", min_rounds=3).empty


def test_origins_are_days_before_rounds(feed):
    plan = origins(feed, pd.Timestamp("2025-12-01"), pd.Timestamp("2025-12-17"))
    assert list(plan) == list(
        pd.to_datetime(
            ["2025-12-07", "2025-12-09", "2025-12-10", "2025-12-14", "2025-12-15", "2025-12-16"]
        )
    )
    assert plan[pd.Timestamp("2025-12-16")] == ["french"]


def test_dormant_categories_are_not_forecast(feed):
    # CEC held no round from 2021-09-14 to 2024-05-31: on 2024-05-30 it was not active, so
    # forecast() refuses it and the backtest does not score its stale 2021 level either
    cv = cross_validation(
        feed, start="2024-05-01", end="2024-08-01", horizon=2, models=[],
        categories=["cec"], n_jobs=1, progress=False, warmup_days=0,
    )  # fmt: skip
    assert pd.Timestamp("2024-05-30") not in set(cv["origin"])
    assert cv["origin"].min() == pd.Timestamp("2024-07-16")  # the day before its 2nd round
    with pytest.raises(ParameterError, match="'cec': not active on 2024-05-30"):
        forecast(feed, as_of="2024-05-30", categories=["cec"], models=[], progress=False)


def test_errors_name_the_parameter(feed):
    with pytest.raises(ParameterError, match="horizon"):
        cross_validation(feed, start="2025-01-01", horizon=0)
    with pytest.raises(ParameterError, match="end"):
        cross_validation(feed, start="2025-01-01", end="2024-01-01")
    with pytest.raises(ParameterError, match="no round"):
        cross_validation(feed, start="2030-01-01", models=[], n_jobs=1, progress=False)
    with pytest.raises(ParameterError, match="category 'atlantis': no round of it"):
        cross_validation(feed, start="2025-01-01", categories=["atlantis"], progress=False)


@pytest.mark.slow
def test_parallel_equals_serial(feed):
    kw = dict(start="2025-06-01", horizon=2, models=(Naive(), ETS()), categories=["cec", "pnp"],
              progress=False)  # fmt: skip
    a = cross_validation(feed, n_jobs=1, **kw)
    b = cross_validation(feed, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.slow
def test_cli_backtest_summary_and_rows(capsys):
    argv = ["backtest", "--start", "2025-09-01", "--category", "cec", "--horizon", "1",
            "--format", "csv", "--quiet", "--jobs", "1"]  # fmt: skip
    assert cli.main(argv) == 0
    summary = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(summary["model"]) == {"auto", "naive", "naive_emp"}
    assert {"mae", "rmse", "bias", "coverage_80", "width_95", "skill", "crps", "wis",
            "crps_skill"} <= set(summary.columns)  # fmt: skip
    assert cli.main(argv + ["--rows"]) == 0
    rows = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert {"origin", "category", "step", "date", "actual", "naive", "naive_lo_80"} <= set(
        rows.columns
    )
    assert len(rows) == summary.loc[summary["model"] == "naive", "n"].sum()


def test_backtest_page_shows_crps_and_the_size_mixture(synthetic):
    from eeforecast.evaluation.backtest import backtest_markdown
    from eeforecast.forecast import NaiveEmpirical

    cv = cross_validation(
        synthetic, start="2024-03-01", horizon=2, models=[NaiveEmpirical(), Drift()],
        warmup_days=30, n_jobs=1, progress=False,
    )  # fmt: skip
    # a straight line: naive_emp's errors are exactly the changes, so its CRPS is 0
    assert np.allclose(cv["naive_emp_crps"], 0) and (cv["naive_crps"] > 0).all()
    keys = ["origin", "category", "step"]
    fake = cv[keys + ["actual"]].assign(
        sizemix=cv["naive"], sizemix_crps=cv["naive_crps"], sizemix_lo_80=cv["naive_lo_80"],
        sizemix_hi_80=cv["naive_hi_80"],
    )  # fmt: skip
    page = backtest_markdown(cv, None, 1.0, by_mae=cv, sizemix=fake, sizemix_seconds=2.0,
                             sizemix_known=fake)  # fmt: skip
    for title in ("## The whole distribution", "### Choosing auto by CRPS or by MAE",
                  "## Every model at step 1 (CRPS)", "## The size mixture (opt-in)"):  # fmt: skip
        assert title in page
    row = crps_table(cv).set_index(["category", "step"]).loc[("cec", 1)]
    assert f"| cec | 1 | {int(row['n'])} | {row['crps']:.1f} | 0.0 |" in page
