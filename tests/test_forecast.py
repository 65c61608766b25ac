"""Forecast models, schedules, calibration, the forecast API, backlog and their CLI commands."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from eeforecast import cli
from eeforecast.data import load_feed
from eeforecast.errors import ParameterError
from eeforecast.evaluation import cross_validation
from eeforecast.forecast import (
    AR,
    ARIMA,
    ETS,
    Combination,
    Drift,
    Future,
    History,
    HuberLevel,
    Naive,
    SnapshotChange,
    SnapshotQuantile,
    WindowMean,
    active_categories,
    calibrate,
    category_history,
    count_above,
    forecast,
    forecast_schedule,
    gap_days,
    schedule_category,
    score_for_count,
)

CHEAP = (Naive(), WindowMean(k=3), Drift())


def synthetic_payload(n: int = 40, start: str = "2024-01-03") -> dict:
    """An IRCC-format feed: weekly CEC rounds (Wednesdays) with cutoff 400 + 2 i, and PNP rounds
    every 14 days with cutoff 800 - 3 i; no pool snapshots."""
    rounds = []
    day0 = pd.Timestamp(start)
    number = 1
    for i in range(n):
        rounds.append(("Canadian Experience Class", day0 + pd.Timedelta(days=7 * i), 400 + 2 * i))
    for i in range(n // 2):
        rounds.append(
            ("Provincial Nominee Program", day0 + pd.Timedelta(days=14 * i + 1), 800 - 3 * i)
        )
    out = []
    for name, day, cutoff in sorted(rounds, key=lambda r: r[1]):
        out.append(
            {
                "drawNumber": str(number),
                "drawDate": f"{day:%Y-%m-%d}",
                "drawName": name,
                "drawSize": "1,000",
                "drawCRS": str(cutoff),
            }
        )
        number += 1
    return {"classes": "wb-tables", "rounds": out[::-1]}


@pytest.fixture(scope="module")
def synthetic_feed():
    from eeforecast.data import parse_feed

    return parse_feed(synthetic_payload(), source="synthetic")


# --- histories and schedules ------------------------------------------------------------------


def test_history_uses_only_rounds_up_to_as_of(feed):
    hist = category_history(feed, "cec", as_of="2025-06-11")
    assert pd.Timestamp(hist.dates[-1]) <= pd.Timestamp("2025-06-11")
    assert hist.cutoff[-1] == 547  # round #347, 2025-05-13: the last CEC round before
    assert hist.n == len(hist.invitations) == len(hist.gap)
    assert (np.diff(hist.dates.astype("int64")) >= 0).all()


def test_history_window_keeps_old_levels_out(feed):
    # CEC rounds of 2020-21 (cutoffs as low as 75) are outside the 3-year window in 2025
    hist = category_history(feed, "cec", as_of="2025-12-17")
    assert hist.cutoff.min() > 450
    assert pd.Timestamp(hist.dates[0]) >= pd.Timestamp("2022-12-17")


def test_history_regime_cut(feed):
    cut = category_history(feed, "pnp", as_of="2025-12-17")
    assert pd.Timestamp(cut.dates[0]) >= pd.Timestamp("2025-03-25")
    whole = category_history(feed, "pnp", as_of="2025-12-17", regime_start=None)
    assert whole.n > cut.n


def test_history_unknown_category_names_it(feed):
    with pytest.raises(ParameterError, match="'education'"):
        category_history(feed, "education", as_of="2024-01-01")


def test_schedule_dates_follow_the_origin_on_weekdays(feed):
    hist = category_history(feed, "pnp", as_of="2025-10-20")
    fut = schedule_category(hist, 4)
    assert (fut.dates > pd.Timestamp("2025-10-20")).all()
    assert fut.dates.is_monotonic_increasing
    assert (fut.dates.day_of_week < 5).all()
    assert np.all(fut.invitations > 0)
    assert np.all(fut.gap > 0)


def test_schedule_of_synthetic_rounds_is_exact(synthetic_feed):
    hist = category_history(synthetic_feed, "cec", as_of="2024-03-01")
    fut = schedule_category(hist, 3)
    # weekly Wednesday rounds; the last one before 2024-03-01 was 2024-02-28
    assert list(fut.dates) == list(pd.to_datetime(["2024-03-06", "2024-03-13", "2024-03-20"]))


def test_gap_model_of_a_new_category_is_not_trusted(feed):
    # 2023-07-13: French rounds had begun with two rounds 5 days apart; a 5-day gap planned 36
    # rounds in 26 weeks. With fewer than 4 gaps the category's own median is not used: the
    # pooled past-year median gap, or its pace (2 rounds over at least 90 days) if slower.
    day = "2023-07-13"
    sched = forecast_schedule(feed.truncate(as_of=day), as_of=day, days=182, levels=())
    french = sched[sched["category"] == "french"]
    hist = category_history(feed, "french", as_of=day)
    assert len(hist.gaps_all) == 1 and hist.gaps_all[0] < 7
    assert gap_days(hist) == max(hist.default_gap, 90 / 2) == 45
    assert len(french) <= 182 / 45 + 1  # 4 French rounds came in those 26 weeks
    for cat, part in sched.groupby("category"):
        assert (part["date"].diff().dt.days.dropna() >= 7).all(), cat


def test_a_category_with_one_or_two_rounds_keeps_its_pace(feed):
    # 2024-06-30: agriculture, STEM and transport had held 1-2 rounds each; the pooled gap alone
    # planned about 15 rounds a year of each, and 0 or 1 came
    day = "2024-06-30"
    sched = forecast_schedule(feed.truncate(as_of=day), as_of=day, days=365, levels=())
    planned = sched.groupby("category").size()
    for cat in ("agriculture", "stem", "transport"):
        assert planned.get(cat, 0) <= 4, (cat, planned.get(cat, 0))
    pnp = category_history(feed, "pnp", as_of=day)  # a category with a record keeps its median
    assert gap_days(pnp) == max(np.median(pnp.gaps_all[-6:]), 7)


def test_gap_model_floor_of_seven_days(synthetic_feed):
    from dataclasses import replace

    hist = category_history(synthetic_feed, "cec", as_of="2024-06-01")
    assert gap_days(hist) == 7.0  # weekly rounds: the median
    daily = replace(hist, gaps_all=np.full(6, 2.0))
    assert gap_days(daily) == 7.0
    fut = schedule_category(daily, 3)
    assert (np.diff(fut.dates.to_numpy()).astype("timedelta64[D]").astype(int) >= 7).all()
    few = replace(hist, gaps_all=np.array([30.0, 40.0]), default_gap=12.0)
    assert gap_days(few) == 12.0


def test_forecast_schedule_frame(feed):
    sched = forecast_schedule(feed, as_of="2025-12-17", days=60)
    assert list(sched.columns) == [
        "date",
        "category",
        "invitations",
        "invitations_lo_80",
        "invitations_hi_80",
        "invitations_lo_95",
        "invitations_hi_95",
    ]
    assert sched["date"].between(pd.Timestamp("2025-12-18"), pd.Timestamp("2026-02-15")).all()
    assert set(sched["category"]) <= set(active_categories(feed, as_of="2025-12-17"))
    assert (sched["invitations_lo_95"] <= sched["invitations_lo_80"]).all()
    assert (sched["invitations_lo_80"] <= sched["invitations_hi_80"]).all()
    with pytest.raises(ParameterError, match="days: expected a whole number >= 1"):
        forecast_schedule(feed, as_of="2025-12-17", days=0)


def test_active_categories(feed):
    assert active_categories(feed, as_of="2025-12-17") == [
        "cec",
        "education",
        "french",
        "healthcare",
        "pnp",
        "trades",
    ]
    assert "general" in active_categories(feed, as_of="2024-06-01")


# --- models -----------------------------------------------------------------------------------


def test_baselines_known_answers(synthetic_feed):
    hist = category_history(synthetic_feed, "cec", as_of="2024-03-01")  # cutoffs 400..416
    fut = schedule_category(hist, 3)
    last = hist.cutoff[-1]
    mean, sd = Naive().fit(hist).forecast(fut)
    assert mean.tolist() == [last] * 3
    assert sd[0] < sd[1] < sd[2]
    mean, _ = WindowMean(k=3).fit(hist).forecast(fut)
    assert mean.tolist() == [last - 2] * 3
    mean, _ = Drift().fit(hist).forecast(fut)
    assert mean.tolist() == [last + 2, last + 4, last + 6]


@pytest.mark.parametrize(
    "model", [ETS(), ETS(trend=True), ARIMA(), ARIMA(order=(1, 0, 0)), AR(), AR(lags=2)]
)
def test_statistical_models_are_finite_and_fall_back(feed, model):
    hist = category_history(feed, "pnp", as_of="2025-06-01")
    fitted = model.fit(hist)
    mean, sd = fitted.forecast(schedule_category(hist, 3))
    assert mean.shape == sd.shape == (3,)
    assert np.isfinite(mean).all() and (sd > 0).all()
    assert 600 < mean[0] < 900
    assert "pnp" in fitted.summary()
    params = fitted.to_frame()
    assert list(params.columns) == ["model", "category", "as_of", "parameter", "value"]
    assert len(params) == len(fitted.params) > 0
    few = category_history(feed, "education", as_of="2025-12-17")  # two rounds
    fb = model.fit(few)
    assert "naive fallback" in fb.summary()
    assert fb.forecast(schedule_category(few, 2))[0].tolist() == [few.cutoff[-1]] * 2


@pytest.mark.parametrize("spec", [ARIMA, AR])
def test_regressors_are_used(feed, spec):
    hist = category_history(feed, "pnp", as_of="2025-06-01")
    kw = {"order": (1, 0, 0)} if spec is ARIMA else {}
    fitted = spec(exog=("log_invitations", "log_gap"), name="x", **kw).fit(hist)
    assert {"log_invitations", "log_gap"} <= set(fitted.params)
    fut = schedule_category(hist, 2)
    # a larger round is expected to reach lower: the size's coefficient is negative for PNP
    bigger = type(fut)(fut.dates, fut.invitations * 3, fut.gap, {**fut.exog})
    bigger.exog["log_invitations"] = np.log(fut.invitations * 3)
    assert fitted.params["log_invitations"] < 0
    assert (fitted.forecast(bigger)[0] < fitted.forecast(fut)[0]).all()
    with pytest.raises(ParameterError, match="unknown regressor"):
        spec(exog=("nope",)).fit(hist)


# --- experimental models (not in the defaults): known answers on hand-made series ---------------

BAND_LO = [0, 301, 351, 401, 411, 421, 431, 441, 451, 461, 471, 481, 491, 501, 601]


def _bands(**by_lo) -> np.ndarray:
    """15 band counts, zero except the bands named by their lower score (``b501=200``)."""
    out = np.zeros(15)
    for key, value in by_lo.items():
        out[BAND_LO.index(int(key[1:]))] = value
    return out


def _hand_history(cutoff, invitations, snap_bands, latest_bands) -> History:
    n = len(cutoff)
    dates = pd.date_range("2025-04-02", periods=n, freq="14D").to_numpy()
    inv = np.asarray(invitations, dtype=float)
    return History(
        category="cec",
        as_of=pd.Timestamp(dates[-1]) + pd.Timedelta(days=1),
        dates=dates,
        cutoff=np.asarray(cutoff, dtype=float),
        invitations=inv,
        gap=np.full(n, 14.0),
        exog={"log_invitations": np.log(inv), "log_gap": np.full(n, np.log1p(14.0))},
        gaps_all=np.full(n - 1, 14.0),
        sizes_all=inv,
        snap_bands=np.asarray(snap_bands, dtype=float),
        latest_bands=np.asarray(latest_bands, dtype=float),
    )


def _future(size: float, steps: int = 2) -> Future:
    dates = pd.date_range("2026-01-07", periods=steps, freq="14D")
    inv = np.full(steps, float(size))
    return Future(dates=dates, invitations=inv, gap=np.full(steps, 14.0), exog={})


def test_tail_lookup_known_answers():
    bands = _bands(b491=100, b501=200)
    assert float(count_above(bands, BAND_LO, 501)) == pytest.approx(200)
    assert float(count_above(bands, BAND_LO, 491)) == pytest.approx(300)
    assert float(count_above(bands, BAND_LO, 601)) == pytest.approx(0)
    # exponential tail inside 501-600: log(1 + A) is linear between the edges
    assert float(count_above(bands, BAND_LO, 551)) == pytest.approx(np.sqrt(201) - 1)
    scores = np.array([440.0, 495.5, 501.0, 530.0, 577.0])
    assert np.allclose(
        score_for_count(bands, BAND_LO, count_above(bands, BAND_LO, scores)),
        [491.0, 495.5, 501.0, 530.0, 577.0],
    )  # nobody below 491: its edge
    assert float(score_for_count(bands, BAND_LO, 10_000)) == 0.0  # beyond the pool


def test_snapshot_quantile_known_answers():
    snap = _bands(b501=200)
    # 50 invited down to 501 when 200 were at or above it: share 1/4
    hist = _hand_history([501.0], [50], [snap], snap)
    fitted = SnapshotQuantile(k=1).fit(hist)
    assert fitted.params["share"] == pytest.approx(0.25)
    mean, sd = fitted.forecast(_future(50))
    assert np.allclose(mean, 501.0)  # same pool, same size: the last cutoff
    assert sd[0] < sd[1]
    # 100 more candidates in 491-500 and a round of 75: 300 needed, reached at 491
    mean, _ = (
        SnapshotQuantile(k=1)
        .fit(_hand_history([501.0], [50], [snap], _bands(b491=100, b501=200)))
        .forecast(_future(75))
    )
    assert np.allclose(mean, 491.0)
    # no snapshot: naive
    nosnap = _hand_history([501.0, 520.0], [50, 50], np.full((2, 15), np.nan), snap)
    assert SnapshotQuantile().fit(nosnap).forecast(_future(50))[0].tolist() == [520.0, 520.0]


def test_snapshot_change_recovers_its_coefficients():
    rng = np.random.default_rng(4)
    n = 14
    counts = 1000 * np.exp(np.cumsum(rng.normal(0, 0.3, n)))
    sizes = rng.choice([1000.0, 2000.0, 3000.0], n)
    bands = np.array([_bands(b501=c) for c in counts])
    cutoff = [530.0]
    for i in range(1, n):
        x = np.log1p(count_above(bands[i], BAND_LO, cutoff[-1])) - np.log1p(
            count_above(bands[i - 1], BAND_LO, cutoff[-1])
        )
        cutoff.append(cutoff[-1] + 10 * x - 5 * np.log(sizes[i] / sizes[i - 1]))
    latest = _bands(b501=counts[-1] * 1.5)
    fitted = SnapshotChange().fit(_hand_history(cutoff, sizes, bands, latest))
    assert fitted.params["b_pool"] == pytest.approx(10)
    assert fitted.params["b_size"] == pytest.approx(-5)
    x_now = np.log1p(count_above(latest, BAND_LO, cutoff[-1])) - np.log1p(
        count_above(bands[-1], BAND_LO, cutoff[-1])
    )
    mean, _ = fitted.forecast(_future(sizes[-1]))
    assert np.allclose(mean, cutoff[-1] + 10 * x_now)
    mean2, _ = fitted.forecast(_future(2 * sizes[-1]))
    assert np.allclose(mean2, mean - 5 * np.log(2))
    few = _hand_history(cutoff[:5], sizes[:5], bands[:5], latest)
    assert "naive fallback" in SnapshotChange().fit(few).summary()


def test_huber_level_downweights_an_outlier():
    hist = _hand_history(
        [500, 502, 498, 500, 501, 650], [1000] * 6, np.full((6, 15), np.nan), _bands()
    )
    mean, sd = HuberLevel(k=6).fit(hist).forecast(_future(1000))
    assert 499 < mean[0] < 505 < np.mean(hist.cutoff)
    assert mean[0] == mean[1] and sd[0] > 0
    flat = _hand_history([500, 500, 500, 500, 700], [1000] * 5, np.full((5, 15), np.nan), _bands())
    assert HuberLevel(k=6).fit(flat).forecast(_future(1000))[0].tolist() == [500.0, 500.0]


def test_history_snapshots_are_those_published_by_the_origin(feed):
    def bands(day):
        return feed.snapshot(on_or_before=day)["candidates"].to_numpy(dtype=float)

    hist = category_history(feed, "cec", as_of="2025-12-17")
    assert np.array_equal(hist.snap_bands[-1], bands("2025-12-14"))  # round #387's snapshot
    assert np.array_equal(hist.latest_bands, bands("2025-12-15"))  # published with #386
    # on 2025-12-14 the 12-14 snapshot exists but is published only with the 12-16 round
    early = category_history(feed, "cec", as_of="2025-12-14")
    assert np.array_equal(early.latest_bands, bands("2025-12-07"))


def test_combination_is_the_members_mean(feed):
    hist = category_history(feed, "french", as_of="2025-06-01")
    fut = schedule_category(hist, 2)
    combo = Combination(members=(Naive(), Drift())).fit(hist).forecast(fut)[0]
    parts = [m.fit(hist).forecast(fut)[0] for m in (Naive(), Drift())]
    np.testing.assert_allclose(combo, (parts[0] + parts[1]) / 2)


# --- calibration ------------------------------------------------------------------------------


def _raw(n: int, errors: np.ndarray, sd: float = 1.0) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=n, freq="7D")
    return pd.DataFrame(
        {
            "origin": days - pd.Timedelta(days=1),
            "category": "cec",
            "step": 1,
            "date": days,
            "actual": 500.0 + errors,
            "invitations": 1000.0,
            "model": "naive",
            "mean": 500.0,
            "sd": sd,
        }
    )


def test_calibration_uses_only_past_residuals():
    errors = np.array([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 100.0])
    wide = calibrate(_raw(len(errors), errors), levels=(80,), min_scores=8)
    half = wide["naive_hi_80"] - wide["naive"]
    # before 8 residuals exist: the Gaussian interval
    assert half.iloc[:8].round(4).tolist() == [1.2816] * 8
    # at the 9th origin the 8 past scores are 1..8: the ceil(9 * 0.8) = 8th smallest is 8
    assert half.iloc[8] == 8
    # the huge last error is not used before it happened
    assert half.iloc[10] == 9
    assert (wide["naive_lo_80"] <= wide["naive"]).all()


def test_calibration_and_choice_do_not_depend_on_other_steps():
    errors = np.array([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11.0])
    one = _raw(len(errors), errors)
    # step 2 of the same rounds, with huge errors, and a model that is perfect only there
    two = _raw(len(errors), 50 * errors).assign(step=2)
    two["origin"] = two["origin"] - pd.Timedelta(days=7)
    other = pd.concat([one, two]).assign(model="drift")
    other.loc[other["step"] == 2, "mean"] = other.loc[other["step"] == 2, "actual"]
    other.loc[other["step"] == 1, "mean"] = 520.0
    both = calibrate(pd.concat([one, two, other]), levels=(80,), margin=0.0)
    alone = calibrate(pd.concat([one, other[other["step"] == 1]]), levels=(80,), margin=0.0)
    first = both[both["step"] == 1].reset_index(drop=True)
    cols = ["naive", "naive_hi_80", "auto", "auto_hi_80", "auto_model"]
    pd.testing.assert_frame_equal(first[cols], alone[cols])
    # the choice is by step-1 errors: naive, although drift is perfect at step 2
    assert set(both["auto_model"].iloc[9:]) == {"naive"}


def test_step_k_is_calibrated_on_the_residuals_of_steps_1_to_k():
    one = _raw(12, np.arange(1.0, 13.0))  # step 1: scores 1..12
    two = _raw(12, np.arange(20.0, 32.0)).assign(step=2)  # step 2 of the same rounds: 20..31
    two["origin"] = two["origin"] - pd.Timedelta(days=7)  # made one round earlier
    wide = calibrate(pd.concat([one, two]), levels=(80,), min_scores=8)
    last = wide[wide["step"] == 2].iloc[-1]  # round 12, forecast the day after round 10
    # known then: rounds 1..10 at both steps, scores 1..10 and 20..29; the ceil(21 * 0.8) = 17th
    # smallest of the 20 is 26 (step 2 alone would give the 9th of 20..29, 28)
    assert last["naive_hi_80"] - last["naive"] == 26
    # step 1 never sees step 2: the 9 scores 1..9 known the day before round 10 give the 8th, 8
    first = wide[wide["step"] == 1].reset_index(drop=True)
    assert first.loc[9, "naive_hi_80"] - first.loc[9, "naive"] == 8


def test_calibration_off_keeps_gaussian():
    errors = np.arange(12.0)
    wide = calibrate(_raw(12, errors, sd=2.0), levels=(95,), calibrate=False)
    np.testing.assert_allclose(wide["naive_hi_95"] - wide["naive"], 2 * 1.959964, rtol=1e-5)


def test_calibration_rejects_bad_levels():
    with pytest.raises(ParameterError, match="level"):
        calibrate(_raw(3, np.zeros(3)), levels=(120,))


# --- the forecast -----------------------------------------------------------------------------


def test_forecast_vocabulary_and_ordering(feed):
    res = forecast(
        feed,
        as_of="2025-06-30",
        categories=["cec", "pnp"],
        horizon=2,
        models=CHEAP,
        calibration_days=400,
        n_jobs=1,
        progress=False,
    )
    table = res.forecast()
    assert list(table.columns) == [
        "category",
        "step",
        "date",
        "cutoff",
        "cutoff_lo_80",
        "cutoff_hi_80",
        "cutoff_lo_95",
        "cutoff_hi_95",
        "invitations",
        "model",
    ]
    assert table[["category", "step"]].values.tolist() == [
        ["cec", 1],
        ["cec", 2],
        ["pnp", 1],
        ["pnp", 2],
    ]
    assert (table["date"] > pd.Timestamp("2025-06-30")).all()
    assert (table["cutoff_lo_95"] <= table["cutoff_lo_80"]).all()
    assert (table["cutoff_lo_80"] <= table["cutoff"]).all()
    assert (table["cutoff"] <= table["cutoff_hi_80"]).all()
    assert (table["cutoff_hi_80"] <= table["cutoff_hi_95"]).all()
    assert set(table["model"]) <= {"naive", "mean3", "drift"}
    assert "cec" in res.summary()
    assert set(res.selection["category"]) == {"cec", "pnp"}
    assert res.to_frame("models")["origin"].eq(pd.Timestamp("2025-06-30")).all()
    with pytest.raises(ParameterError, match="which"):
        res.to_frame("nope")


def test_forecast_levels_follow_request(feed):
    res = forecast(
        feed, as_of="2025-06-30", categories=["cec"], horizon=1, levels=[50],
        models=CHEAP, calibration_days=300, n_jobs=1, progress=False,
    )  # fmt: skip
    assert [c for c in res.table.columns if c.startswith("cutoff_")] == [
        "cutoff_lo_50",
        "cutoff_hi_50",
    ]


@pytest.mark.parametrize("day", ["2025-06-30", "2025-12-14"])
def test_no_leakage_truncated_file_equals_as_of(raw_payload, tmp_path, day):
    # 2025-12-14: the snapshot of that day is dated on the origin but was published with
    # the rounds of 12-16 and 12-17, so neither feed may use it
    origin = pd.Timestamp(day)
    kept = [r for r in raw_payload["rounds"] if pd.Timestamp(r["drawDate"]) <= origin]
    path = tmp_path / "truncated.json"
    path.write_text(json.dumps({**raw_payload, "rounds": kept}), encoding="utf-8")
    kwargs = dict(
        categories=["french", "pnp"],
        horizon=2,
        models=(
            Naive(),
            ETS(),
            ARIMA(order=(1, 0, 0), exog=("log_invitations", "log_gap", "log_above_500")),
            SnapshotQuantile(),  # the snapshot models read the latest published snapshot
            SnapshotChange(),
        ),
        calibration_days=60,
        n_jobs=1,
        progress=False,
    )
    with pytest.warns(Warning):  # the bundled feed's known subtotal quirk
        full = load_feed(None, as_of=origin)
        cut = load_feed(path)
    a = forecast(full, **kwargs).forecast()
    b = forecast(cut, as_of=origin, **kwargs).forecast()
    pd.testing.assert_frame_equal(a, b)


def test_forecast_errors(feed):
    with pytest.raises(ParameterError, match="horizon"):
        forecast(feed, horizon=0)
    with pytest.raises(ParameterError, match="'atlantis'"):
        forecast(feed, categories=["atlantis"], models=CHEAP)
    with pytest.raises(ParameterError, match="unique"):
        forecast(feed, models=(Naive(), Naive()))


@pytest.mark.slow
def test_forecast_default_models_all_active(feed):
    res = forecast(feed, as_of="2025-12-17", progress=False)
    assert set(res.table["category"]) == set(active_categories(feed, as_of="2025-12-17"))
    assert res.table["cutoff"].notna().all()
    assert (res.table["cutoff_lo_80"] <= res.table["cutoff_hi_80"]).all()


def test_forecast_cutoffs_and_intervals_stay_on_the_crs_scale(feed):
    # 2019: PNP cutoffs near 900 with few rounds; the Gaussian 95% interval reaches past 1200
    res = forecast(feed, as_of="2019-01-01", categories=["pnp"], progress=False)
    assert res.models["auto_hi_95"].max() > 1200  # the case this guards against
    cols = [c for c in res.table.columns if c.startswith("cutoff")]
    assert ((res.table[cols] >= 0) & (res.table[cols] <= 1200)).all().all()


def test_forecast_category_without_backtest_rounds(feed):
    # education's only round before 2025-06-30 was its first (2025-05-01): no backtest error to
    # choose a model with (this used to raise a TypeError): the default model
    res = forecast(
        feed, as_of="2025-06-30", categories=["education"], horizon=2, models=CHEAP,
        calibration_days=200, n_jobs=1, progress=False,
    )  # fmt: skip
    assert res.table["model"].tolist() == ["naive", "naive"]
    assert pd.api.types.is_datetime64_any_dtype(res.table["date"])
    assert res.selection.empty


def test_forecast_refuses_a_dormant_category(feed):
    # FST's last round was 2020-08-06: it used to get a round "tomorrow" at its 2020 level
    with pytest.raises(ParameterError, match=r"'fst': not active on 2025-12-17.*2020-08-06"):
        forecast(feed, categories=["fst"], models=CHEAP, progress=False)


def test_step_k_depends_neither_on_horizon_nor_on_other_categories(feed):
    # the acceptance tester's repro: pnp's next round was 740.7 (combo) with --horizon 1 and
    # 738.1 (ar1) with --horizon 3, as calibration and the choice pooled all steps; education
    # (one round) borrowed the requested categories' residuals
    kw = dict(as_of="2025-06-30", models=CHEAP, calibration_days=500, n_jobs=1, progress=False)
    one = forecast(feed, categories=["pnp"], horizon=1, **kw).table
    three = forecast(feed, categories=["pnp"], horizon=3, **kw).table
    pd.testing.assert_frame_equal(one, three[three["step"] == 1].reset_index(drop=True))
    everything = forecast(feed, horizon=3, **kw).table
    for cat in ("pnp", "education"):
        alone = forecast(feed, categories=[cat], horizon=3, **kw).table
        mine = everything[everything["category"] == cat].reset_index(drop=True)
        pd.testing.assert_frame_equal(alone, mine)
    # education has fewer than 8 residuals: its intervals are calibrated on the pooled ones
    edu = everything[everything["category"] == "education"]
    assert (edu["cutoff_hi_80"] - edu["cutoff"]).round(6).nunique() == len(edu)


def test_forecast_of_an_empty_feed_is_our_error():
    from eeforecast.data import parse_feed
    from eeforecast.errors import FeedError

    with pytest.raises(FeedError, match="no round and no pool snapshot"):
        forecast(parse_feed({"rounds": []}), models=CHEAP)


# --- CLI --------------------------------------------------------------------------------------


def run(argv, capsys):
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_forecast_csv(capsys):
    status, out, _ = run(
        ["forecast", "--as-of", "2024-10-01", "--category", "cec", "--horizon", "2",
         "--level", "80", "--format", "csv", "--quiet"],
        capsys,
    )  # fmt: skip
    assert status == 0
    frame = pd.read_csv(io.StringIO(out))
    assert list(frame.columns) == [
        "category", "step", "date", "cutoff", "cutoff_lo_80", "cutoff_hi_80", "invitations",
        "model",
    ]  # fmt: skip
    assert frame["step"].tolist() == [1, 2]
    assert (frame["date"] > "2024-10-01").all()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["forecast", "--horizon", "0"], "horizon"),
        (["forecast", "--category", "atlantis"], "atlantis"),
        (["forecast", "--category", "fst"], "last round was 2020-08-06"),
        (["forecast", "--level", "150", "--category", "cec"], "level"),
        (["forecast", "--as-of", "2014-01-01"], "2014-01-01"),
        (["backlog", "--weeks", "0"], "weeks"),
        (["backlog", "--threshold", "2000"], "threshold"),
        (["backtest", "--start", "2025-01-01", "--end", "2024-01-01"], "end"),
    ],
)
def test_cli_errors_are_one_line(argv, message, capsys):
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    lines = [ln for ln in err.splitlines() if ": error:" in ln]
    assert len(lines) == 1 and message in lines[0]


def test_cli_backlog_json(capsys):
    status, out, _ = run(
        ["backlog", "--as-of", "2025-06-30", "--weeks", "3", "--paths", "30", "--seed", "1",
         "--format", "json"],
        capsys,
    )  # fmt: skip
    assert status == 0
    records = json.loads(out)
    assert [r["week"] for r in records] == [1, 2, 3]
    assert {"pool", "above_500", "above_500_lo_80"} <= set(records[0])


def test_structural_model_uses_the_pool_engine(feed, synthetic_feed):
    from eeforecast.forecast import Structural

    hist = category_history(feed.truncate(as_of="2025-06-01"), "cec", as_of="2025-06-01")
    sched = schedule_category(hist, 2)
    fut = type(sched)(sched.dates, np.full(2, 3000.0), sched.gap, sched.exog)  # two 3,000 rounds
    fitted = Structural().fit(hist)
    mean, sd = fitted.forecast(fut)
    assert "fallback" not in fitted.summary()
    assert np.isfinite(mean).all() and (sd > 0).all()
    assert 450 < mean[0] < 600
    # no pool snapshot: the naive forecast, said so
    bare = category_history(synthetic_feed, "cec", as_of="2024-03-01")
    fb = Structural().fit(bare)
    assert "no pool snapshot" in fb.summary()
    assert fb.forecast(schedule_category(bare, 1))[0].tolist() == [bare.cutoff[-1]]


# --- labels of new categories (plots.label, used for the forecast fan charts) -----------------


def test_new_category_label_keeps_ircc_words():
    from eeforecast import plots

    name = "Senior managers with Canadian work experience (Version 1)"
    assert plots.label("senior-managers-with-canadian-work-experience", name) == (
        "Senior managers with Canadian work experience"
    )
    assert plots.label("x", "the IRCC name, 2026-Version 3") == "The IRCC name"
    assert plots.label("cec", "anything") == "Canadian Experience Class"
    assert plots.short_label("new-one", "New one (2024)") == "New one"
    rounds = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            "category": "senior-managers",
            "name": name,
            "cutoff": [480.0, 470.0],
        }
    )
    fan = pd.DataFrame(
        {"category": ["senior-managers"], "step": [1], "date": pd.to_datetime(["2025-03-01"]),
         "cutoff": [475.0], "cutoff_lo_80": [460.0], "cutoff_hi_80": [490.0], "model": ["naive"]}
    )  # fmt: skip
    fig = plots.forecast_fans(rounds, fan, ["senior-managers"], "2025-02-15")
    assert (
        fig.axes[0]
        .get_title(loc="left")
        .startswith("Senior managers with Canadian work experience")
    )


def test_a_round_that_invited_nobody_is_not_in_the_history(raw_copy):
    from eeforecast.data import FeedWarning, parse_feed

    row = next(r for r in raw_copy["rounds"] if r["drawNumber"] == "388")  # French, 2025-12-17
    row["drawSize"] = "0"
    with pytest.warns(FeedWarning, match="round #388: field 'drawSize' is 0"):
        feed = parse_feed(raw_copy)
    history = category_history(feed, "french")
    assert history.dates[-1] == pd.Timestamp("2025-11-28")  # #388 left out
    assert history.cutoff[-1] == 408 and history.invitations[-1] == 6000
    assert (history.sizes_all > 0).all()
    # nor a backtest target: no French round with invitations follows 2025-12-16
    from eeforecast.forecast import raw_forecasts

    assert raw_forecasts(feed, "2025-12-16", ["french"], 1, [Naive()], actual=feed.rounds) == []


def test_future_of_refuses_days_before_the_history_and_bad_sizes(feed):
    from eeforecast.forecast import future_of

    history = category_history(feed, "cec")
    ok = future_of(history, ["2026-01-07", "2026-01-21"], [3000, 2000])
    assert ok.gap.tolist() == [22.0, 14.0]  # the last CEC round was 2025-12-16
    with pytest.raises(ParameterError, match="dates: expected increasing days after"):
        future_of(history, ["2025-01-01"], [1000])
    with pytest.raises(ParameterError, match="dates"):
        future_of(history, ["2026-02-01", "2026-01-07"], [1000, 1000])
    with pytest.raises(ParameterError, match="invitations: expected sizes >= 1"):
        future_of(history, ["2026-01-07"], [0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: forecast(f, horizon=2.5), "horizon: expected a whole number >= 1, got 2.5"),
        (lambda f: forecast(f, categories="cec"), "categories: expected a list of category slugs"),
        (lambda f: forecast(f, calibration_days=0), "calibration_days"),
        (lambda f: forecast(42), "source: expected an eeforecast.data.Feed, a path or None"),
        (lambda f: cross_validation(f, warmup_days=-10), "warmup_days"),
    ],
)
def test_bad_arguments_are_named(feed, call, match):
    with pytest.raises(ParameterError, match=match):
        call(feed)


def test_a_path_is_a_feed():
    from eeforecast import config

    by_path = forecast(str(config.RAW_FEED), as_of="2025-06-30", categories=["cec"], models=CHEAP)
    assert by_path.table.equals(
        forecast(load_feed(), as_of="2025-06-30", categories=["cec"], models=CHEAP).table
    )


def test_summarize_names_an_unknown_column():
    from eeforecast.evaluation import summarize

    cv = pd.DataFrame({"category": ["cec"], "step": [1], "actual": [500.0], "naive": [501.0]})
    with pytest.raises(ParameterError, match="summarize: no column 'bogus'"):
        summarize(cv, by=("bogus",))


def test_a_later_step_is_never_more_certain():
    one = _raw(12, 10.0 * np.arange(1.0, 13.0))  # step 1: large errors
    two = _raw(12, 0.1 * np.arange(1.0, 13.0)).assign(step=2)  # step 2: tiny ones
    two["origin"] = one["origin"]  # both forecast from the same origins
    wide = calibrate(pd.concat([one, two]), levels=(80,), min_scores=2)
    half = (wide["naive_hi_80"] - wide["naive"]).to_numpy().reshape(-1, 2)  # (origin, step)
    assert (half[:, 1] >= half[:, 0] - 1e-9).all()
    assert (half[-1] > 1).all()  # the step-1 width carried over, not step 2's own ~1


# --- scoring the whole distribution -----------------------------------------------------------


def test_gaussian_crps_uses_the_calibrated_interval():
    from eeforecast.forecast.scoring import crps_normal

    errors = np.array([1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11.0])
    raw = _raw(len(errors), errors, sd=2.0)
    plain = calibrate(raw, levels=(95,), calibrate=False)  # the 80% scale is used even so
    np.testing.assert_allclose(plain["naive_crps"], crps_normal(500.0, 2.0, 500.0 + errors))
    wide = calibrate(raw, levels=(80,), min_scores=8)
    half = (wide["naive_hi_80"] - wide["naive"]).to_numpy()
    np.testing.assert_allclose(
        wide["naive_crps"], crps_normal(500.0, half / 1.2815515655446004, 500.0 + errors)
    )
    assert (wide["auto_crps"] == wide["naive_crps"]).all()


def test_an_ensemble_keeps_its_own_quantiles_and_exact_crps():
    from eeforecast.forecast.scoring import crps_ensemble

    raw = _raw(3, np.array([0.0, 5.0, -5.0]))
    draws = [np.array([490.0, 495, 500, 505, 510])] * 3
    raw["draws"] = draws
    wide = calibrate(raw, levels=(80,))
    assert wide["naive_lo_80"].tolist() == [np.quantile(draws[0], 0.1)] * 3
    assert wide["naive_hi_80"].tolist() == [np.quantile(draws[0], 0.9)] * 3
    expected = [crps_ensemble(draws[0], y) for y in (500.0, 505.0, 495.0)]
    np.testing.assert_allclose(wide["naive_crps"], expected)


def test_auto_is_chosen_by_crps():
    n = 12
    rng_sign = np.where(np.arange(n) % 2, 1.0, -1.0)
    truth = 500.0 + np.zeros(n)
    # sharp: errors of 1 point with a tiny sd (CRPS ~ 1.0); honest: errors of 1.2 with sd 1
    # (CRPS 0.748, normal closed form at z = 1.2); combo (the default): errors of 5
    parts = []
    for name, err, sd in (("sharp", 1.0, 0.01), ("honest", 1.2, 1.0), ("combo", 5.0, 5.0)):
        part = _raw(n, np.zeros(n), sd=sd).assign(model=name)
        part["mean"] = truth + err * rng_sign
        parts.append(part)
    raw = pd.concat(parts, ignore_index=True)
    by_crps = calibrate(raw, levels=(80,), calibrate=False, margin=0.0)
    by_mae = calibrate(raw, levels=(80,), calibrate=False, margin=0.0, select_by="mae")
    # 8 evaluated step-1 rounds are needed: the default until the 9th origin
    assert by_crps["auto_model"].tolist() == ["combo"] * 8 + ["honest"] * 4
    assert by_mae["auto_model"].tolist() == ["combo"] * 8 + ["sharp"] * 4
    # with the margin, 'honest' must beat the default by 10%: it does (0.75 vs ~2.9)
    kept = calibrate(raw, levels=(80,), calibrate=False, margin=0.1)
    assert kept["auto_model"].iloc[-1] == "honest"
    with pytest.raises(ParameterError, match="select_by"):
        calibrate(raw, select_by="brier")


def test_naive_empirical_errors_by_hand(synthetic_feed):
    from eeforecast.forecast import NaiveEmpirical

    hist = category_history(synthetic_feed, "cec", as_of="2024-06-01")
    fut = schedule_category(hist, 3)
    fitted = NaiveEmpirical().fit(hist)
    draws = fitted.ensemble(fut)
    last = hist.cutoff[-1]
    # weekly rounds, cutoff 400 + 2 i: every step-k change is 2 k, the last 40 of them
    for k, d in zip((1, 2, 3), draws, strict=True):
        assert (d == last + 2.0 * k).all()
    assert [len(d) for d in draws] == [21, 20, 19]  # 22 rounds to 2024-06-01
    mean, sd = fitted.forecast(fut)
    assert mean.tolist() == [last] * 3 and (sd == 1.0).all()  # no spread: the floor MIN_SD
    # two rounds only: too few errors, the naive Gaussian read at 40 quantiles
    short = category_history(synthetic_feed, "cec", as_of="2024-01-11")
    d = NaiveEmpirical().fit(short).ensemble(schedule_category(short, 1))[0]
    assert len(d) == 40 and np.median(d) == pytest.approx(short.cutoff[-1])


def test_naive_empirical_skips_restarts_and_sees_no_later_round(feed):
    from eeforecast.forecast import NaiveEmpirical
    from eeforecast.forecast.models import naive_errors

    # CEC: rounds in 2021, then none until 2024-05-31: that pair is no step
    long = category_history(feed, "cec", as_of="2024-08-01", regime_start=None,
                            lookback_days=1095, max_obs=10_000, thresholds=())  # fmt: skip
    errs = naive_errors(long.dates, long.cutoff, 1, 180, 40)
    gaps = np.diff(long.dates).astype("timedelta64[D]").astype(int)
    assert gaps.max() > 900 and len(errs) == int((gaps <= 180).sum()) == len(gaps) - 1
    # the same ensemble from the feed cut at the origin and from the full feed read as of it
    day = "2025-06-30"
    fut = schedule_category(category_history(feed, "pnp", as_of=day), 2)
    a = NaiveEmpirical().fit(category_history(feed, "pnp", as_of=day)).ensemble(fut)
    b = NaiveEmpirical().fit(category_history(load_feed(as_of=day), "pnp", as_of=day)).ensemble(fut)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


def test_size_mixture_ordering(feed):
    from eeforecast.forecast import SizeMixture

    day = "2025-06-30"
    hist = category_history(feed.truncate(as_of=day), "cec", as_of=day)
    fut = schedule_category(hist, 1)
    fitted = SizeMixture(n_paths=60).fit(hist)
    runs = fitted.by_size(fut)
    sizes = sorted(runs)
    assert len(sizes) >= 2 and sizes == sorted(set(fitted.sizes.tolist()))
    # common random numbers: on every path a larger round cuts no higher
    for small, large in zip(sizes, sizes[1:], strict=False):
        assert (runs[large][:, 0] <= runs[small][:, 0]).all()
    assert (runs[sizes[-1]][:, 0] < runs[sizes[0]][:, 0]).any()
    # the mixture lies between the smallest and the largest size
    mix = fitted.ensemble(fut)[0]
    assert len(mix) == 60 * len(fitted.sizes)
    assert np.median(runs[sizes[-1]]) <= np.median(mix) <= np.median(runs[sizes[0]])
    mean, sd = fitted.forecast(fut)
    assert mean[0] == np.median(mix) and sd[0] > 1


def test_pnp_sizes_in_the_invite_all_regime_are_the_nominations_since(feed):
    from eeforecast.forecast import forecast_schedule
    from eeforecast.pool import nominee_model

    nominees = nominee_model(feed)
    assert nominees.invite_all
    sched = forecast_schedule(feed, days=60)
    pnp = sched[sched["category"] == "pnp"].reset_index(drop=True)
    last = feed.rounds[feed.rounds["category"] == "pnp"]["date"].max()
    gaps = np.diff(np.concatenate([[last.value], pnp["date"].to_numpy().astype("int64")]))
    expected = np.round(nominees.inflow_rate * gaps / 86_400e9)
    np.testing.assert_allclose(pnp["invitations"], expected)
    spread = np.exp(1.2815515655446004 * nominees.inflow_log_sd)
    np.testing.assert_allclose(pnp["invitations_hi_80"], pnp["invitations"] * spread)
    # stale categories (no round in 12 months) are left out unless asked for
    assert "stem" not in set(sched["category"])
    assert "stem" in set(forecast_schedule(feed, days=60, include_stale=True)["category"])
