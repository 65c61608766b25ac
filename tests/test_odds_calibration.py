"""The odds calibrated on earlier origins' errors (eeforecast.odds_calibration, odds(calibrate=))."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest

from eeforecast import cli
from eeforecast.errors import ParameterError
from eeforecast.odds import odds
from eeforecast.odds_calibration import (
    calibrated_probability,
    calibration_origins,
    fit_odds_calibration,
    fit_odds_calibrations,
    odds_residuals,
    set_name,
)


def _rounds(rows):
    return pd.DataFrame(rows, columns=["date", "category", "invitations", "cutoff"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


#: A CEC round every month of 2024 at 500 + the month, and one general round that invited nobody.
ROUNDS = _rounds(
    [(f"2024-{m:02d}-15", "cec", 1000, 500 + m) for m in range(1, 13)]
    + [("2024-03-20", "general", 0, 300)]
)


def _medians(origins, value=505.0):
    return {pd.Timestamp(t): (value, (False, False)) for t in origins}


def test_residuals_by_hand():
    origins = calibration_origins("2024-10-01", "1m", months=3)
    assert [f"{t:%m}" for t in origins] == ["07", "08", "09"]
    cal = odds_residuals(ROUNDS, _medians(origins), categories="cec", within="1m",
                         as_of="2024-10-01", regime=(False, False), months=3,
                         min_residuals=1)  # fmt: skip
    # windows (07-01, 08-01] etc. hold the rounds of July, August, September: 507, 508, 509
    assert cal.residuals.tolist() == [2.0, 3.0, 4.0]
    assert cal.usable


def test_a_window_without_a_round_is_never_invited():
    origins = calibration_origins("2025-04-01", "1m", months=3)  # windows after the last round
    cal = odds_residuals(ROUNDS, _medians(origins), categories="cec", within="1m",
                         as_of="2025-04-01", regime=(False, False), months=3,
                         min_residuals=1)  # fmt: skip
    assert np.isinf(cal.residuals).all()
    assert calibrated_probability(np.array([480.0]), cal.residuals, [1200]).tolist() == [0.0]


def test_a_round_after_the_day_changes_nothing():
    origins = calibration_origins("2024-10-01", "1m", months=6)
    later = pd.concat([ROUNDS, _rounds([("2024-10-02", "cec", 5000, 300)])], ignore_index=True)
    moved = ROUNDS.assign(cutoff=np.where(ROUNDS["date"] > "2024-10-01", 999, ROUNDS["cutoff"]))
    kwargs = dict(categories="cec", within="1m", as_of="2024-10-01", regime=(False, False),
                  months=6)  # fmt: skip
    base = odds_residuals(ROUNDS, _medians(origins), **kwargs)
    for rounds in (later, moved):
        assert odds_residuals(rounds, _medians(origins), **kwargs).residuals.tolist() == (
            base.residuals.tolist()
        )
    # ... while a round inside an earlier window does change them (the test can fail)
    before = ROUNDS.assign(cutoff=np.where(ROUNDS["date"] == "2024-08-15", 400, ROUNDS["cutoff"]))
    assert odds_residuals(before, _medians(origins), **kwargs).residuals.tolist() != (
        base.residuals.tolist()
    )


def test_only_origins_of_the_days_regime_count():
    origins = calibration_origins("2024-10-01", "1m", months=6)
    medians = _medians(origins)
    medians[origins[0]] = (505.0, (False, True))  # invite-all then, not now
    cal = odds_residuals(ROUNDS, medians, categories="pnp", within="1m", as_of="2024-10-01",
                         regime=(False, False), months=6)  # fmt: skip
    assert len(cal.residuals) == len(origins) - 1 and cal.skipped == 1


def test_few_residuals_fall_back_to_the_simulated_odds():
    origins = calibration_origins("2024-10-01", "1m", months=3)
    cal = odds_residuals(ROUNDS, _medians(origins), categories="cec", within="1m",
                         as_of="2024-10-01", regime=(False, False), months=3)  # fmt: skip
    assert len(cal.residuals) == 3 and not cal.usable
    simulated = np.array([0.1, 0.7])
    assert cal.probability(np.array([500.0]), [500, 520], simulated=simulated) is not None
    np.testing.assert_array_equal(cal.probability(np.array([500.0]), [500, 520], simulated),
                                  simulated)  # fmt: skip
    assert "fewer than 6" in cal.note()


@pytest.mark.parametrize("seed", range(5))
def test_probability_in_unit_interval_and_monotone(seed):
    gen = np.random.default_rng(seed)
    lowest = gen.integers(400, 600, size=50).astype(float)
    lowest[gen.random(50) < 0.2] = np.inf  # paths without an eligible round
    residuals = gen.normal(0, 30, size=15)
    residuals[gen.random(15) < 0.2] = np.inf  # windows without an eligible round
    p = calibrated_probability(lowest, residuals, np.arange(1201))
    assert np.all((p >= 0) & (p <= 1)) and np.all(np.diff(p) >= 0)


@pytest.fixture(scope="module")
def fitted(feed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_odds_calibration(feed, categories="cec", within="3m", as_of="2024-07-01",
                                    months=9, n_paths=50, rng=7)  # fmt: skip


def test_fit_sees_only_windows_ended_by_the_day(feed, fitted):
    assert fitted.origins.max() + pd.DateOffset(months=3) <= pd.Timestamp("2024-07-01")
    rounds = feed.rounds.copy()
    late = (rounds["date"] > "2024-07-01") & (rounds["category"] == "cec")
    rounds.loc[late, "cutoff"] = 300  # a future that would move every residual it reached
    changed = dataclasses.replace(feed, rounds=rounds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fit_odds_calibration(changed, categories="cec", within="3m", as_of="2024-07-01",
                                     months=9, n_paths=50, rng=7)  # fmt: skip
    np.testing.assert_array_equal(again.residuals, fitted.residuals)
    assert fitted.usable


def test_fit_same_seed_same_residuals(feed, fitted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fit_odds_calibration(feed, categories="cec", within="3m", as_of="2024-07-01",
                                     months=9, n_paths=50, rng=7)  # fmt: skip
    assert again.residuals.tobytes() == fitted.residuals.tobytes()


@pytest.fixture(scope="module")
def shared(feed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_odds_calibrations(feed, category_sets=[("cec",), ("french", "cec")],
                                     withins=("6m", "3m"), as_of="2024-07-01", months=9,
                                     n_paths=50, rng=7)  # fmt: skip


def test_shared_projections_give_every_set_and_window(shared):
    assert set(shared) == {(n, w) for n in ("cec", "french+cec") for w in ("3m", "6m")}
    assert shared["french+cec", "3m"].categories == ("general", "french", "cec")
    # 3m reads the windows ended by the day from projections over 6m: more origins than 6m
    assert len(shared["cec", "3m"].origins) > len(shared["cec", "6m"].origins)
    for cal in shared.values():
        assert cal.origins.max() + pd.DateOffset(months=int(cal.within[:-1])) <= cal.as_of


def test_shared_projections_equal_the_one_set_function(feed, shared):
    # one set and window projected on its own, over the same span, with the same seed: the
    # same residuals to the byte (an origin's stream does not depend on the sets or windows)
    kwargs = dict(as_of="2024-07-01", months=9, n_paths=50, rng=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        six = fit_odds_calibration(feed, categories=("french", "cec"), within="6m", **kwargs)
        three = fit_odds_calibration(feed, categories="cec", within="3m", span="6m", **kwargs)
        alone = fit_odds_calibration(feed, categories="cec", within="3m", **kwargs)
    assert six.residuals.tobytes() == shared["french+cec", "6m"].residuals.tobytes()
    assert three.residuals.tobytes() == shared["cec", "3m"].residuals.tobytes()
    assert list(three.origins) == list(shared["cec", "3m"].origins)
    # projected over 3m only, the paths differ (other draws): the residuals agree within
    # Monte Carlo, not to the byte
    assert list(alone.origins) == list(three.origins)
    assert np.abs(np.median(alone.residuals) - np.median(three.residuals)) <= 10


def test_shared_projections_same_seed_same_bytes(feed, shared):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fit_odds_calibrations(feed, category_sets=[("cec",), ("french", "cec")],
                                      withins=("6m", "3m"), as_of="2024-07-01", months=9,
                                      n_paths=50, rng=7)  # fmt: skip
    for key, cal in shared.items():
        assert again[key].residuals.tobytes() == cal.residuals.tobytes(), key


def test_shared_projections_keep_the_regime_rule(feed):
    # a day in another regime than every origin: no residual, the simulated odds are kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fits = fit_odds_calibrations(feed, category_sets=["cec"], withins=["3m"],
                                     as_of="2024-07-01", months=9, n_paths=20, rng=1,
                                     regimes={"cec": (True, True)})  # fmt: skip
    cal = fits["cec", "3m"]
    assert len(cal.residuals) == 0 and cal.skipped > 0 and not cal.usable
    assert set_name(()) == "general" and set_name(["french", "cec"]) == "french+cec"


def test_shared_projections_need_a_set_and_a_window(feed):
    with pytest.raises(ParameterError, match="at least one"):
        fit_odds_calibrations(feed, category_sets=[], withins=["3m"])


def test_odds_calibrated_same_seed_same_answer_and_says_so(feed):
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return odds(520, categories=["cec"], within="3m", source=feed, n_paths=100, rng=4,
                        calibrate=True)  # fmt: skip

    a, b = run(), run()
    assert a.to_frame().equals(b.to_frame())
    assert a.calibration is not None and a.calibration.usable
    assert 0.0 <= a.probability <= 1.0
    assert "Calibrated" in a.note and f"{len(a.calibration.residuals)} residuals" in a.note
    assert a.to_frame()["residuals"].iloc[0] == len(a.calibration.residuals)


def test_odds_calibrated_falls_back_early(feed):
    # in 2022 fewer than 6 earlier origins have a projection: the simulated odds are kept
    kwargs = dict(categories=["cec"], within="3m", source=feed, as_of="2022-12-01", n_paths=50,
                  rng=2)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = odds(520, **kwargs)
        cal = odds(520, calibrate=True, **kwargs)
    assert not cal.calibration.usable
    assert cal.probability == raw.probability
    assert "the simulated odds are shown" in cal.note


def test_odds_calibrate_errors(feed):
    with pytest.raises(ParameterError, match="calibrate: expected True or False"):
        odds(500, source=feed, calibrate="yes")


def test_cli_calibrated(capsys):
    args = ["odds", "--score", "530", "--category", "cec", "--within", "3m", "--paths", "50",
            "--seed", "3", "--format", "csv", "--calibrated"]  # fmt: skip
    assert cli.main(args) == 0
    header, row = capsys.readouterr().out.strip().splitlines()[:2]
    assert header == "as_of,score,categories,within,rounds,probability,se,residuals"
    assert row.startswith("2025-12-17,530,general+cec,3m,")


@pytest.mark.parametrize(
    "extra", [["--profile", "profile.toml"], ["--schedule", "plan.toml"]], ids=["profile", "plan"]
)
def test_cli_calibrated_errors_name_the_flag(capsys, extra):
    args = ["odds", "--calibrated", "--within", "3m", *extra]
    if "--profile" not in extra:
        args += ["--score", "500"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("eeforecast odds: error: --calibrated:")
