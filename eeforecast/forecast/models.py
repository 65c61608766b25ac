"""Cutoff models: the protocol every model follows, the baselines and the combination.

A model is a specification (a frozen dataclass with a ``name``); ``model.fit(history)`` returns a
fitted model whose ``forecast(future)`` gives a point forecast and a standard deviation per step
[CRS points]. :class:`CutoffModel` and :class:`FittedCutoffModel` state that contract;
:func:`fit_model` and :func:`forecast_model` enforce it, naming the model that breaks it.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile; scipy.stats costs ~1 s to import

from ..errors import ParameterError
from .history import Future, History, category_history

__all__ = [
    "ENSEMBLE_METHOD",
    "FALLBACK_SD",
    "MIN_SD",
    "Combination",
    "CutoffModel",
    "Drift",
    "FittedCutoffModel",
    "FittedModel",
    "Naive",
    "NaiveEmpirical",
    "NaiveFallback",
    "WindowMean",
    "diff_sd",
    "naive_errors",
    "ensemble_of",
    "fit_model",
    "forecast_model",
    "level_fit",
    "quiet",
]

#: Standard deviation used when a category has too few rounds to estimate one [CRS points].
FALLBACK_SD = 20.0


#: No forecast standard deviation is smaller than this (cutoffs are whole points) [CRS points].
MIN_SD = 1.0


@runtime_checkable
class FittedCutoffModel(Protocol):
    """What ``model.fit(history)`` returns."""

    def forecast(self, future: Future) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts and standard deviations for the ``future.steps`` next rounds, as two
        arrays of that length; finite, the standard deviations > 0 [CRS points]."""
        ...  # pragma: no cover


#: A fitted model may also give its predictive distribution as draws, with a method
#: ``ensemble(future) -> list of 1-D arrays`` (one array of equally likely cutoffs per step)
#: [CRS points]. :func:`eeforecast.forecast.calibrate` then reads its intervals from the
#: draws' quantiles and scores it by the exact ensemble CRPS instead of a Gaussian.
ENSEMBLE_METHOD = "ensemble"


@runtime_checkable
class CutoffModel(Protocol):
    """The contract of a cutoff model: what ``forecast``, ``cross_validation`` and ``calibrate``
    rely on.

    A model is a specification, usually a frozen dataclass, so it can be compared, hashed (fits
    are cached by it) and sent to worker processes (it must pickle).

    Attributes
    ----------
    name : str
        Its column in every frame: unique among the models of a run, not ``auto``.

    Methods
    -------
    fit(history)
        Fit to one category's :class:`~eeforecast.forecast.History` and return a
        :class:`FittedCutoffModel`. A model that cannot fit (too few rounds) should return a
        fallback such as :class:`NaiveFallback` rather than raise.

    Notes
    -----
    A fitted model with an ``ensemble(future)`` method (:data:`ENSEMBLE_METHOD`) gives its
    predictive distribution as draws: its intervals are their quantiles and its CRPS is exact.

    Models other than the package's own are forecast, calibrated and scored like the others,
    but the ``auto`` choice considers them only when named in ``auto_from`` (of
    :func:`eeforecast.forecast.forecast` and :func:`eeforecast.evaluation.cross_validation`).
    """

    name: str

    def fit(self, history: History) -> FittedCutoffModel: ...  # pragma: no cover


def fit_model(model: CutoffModel, history: History) -> FittedCutoffModel:
    """``model.fit(history)``, with a :class:`ParameterError` naming the model if the result
    breaks the :class:`FittedCutoffModel` contract."""
    name = getattr(model, "name", type(model).__name__)
    fitted = model.fit(history)
    if not callable(getattr(fitted, "forecast", None)):
        raise ParameterError(
            f"model {name!r}: fit() returned {type(fitted).__name__}, which has no "
            "forecast(future) method"
        )
    return fitted


def forecast_model(
    fitted: FittedCutoffModel, future: Future, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """``fitted.forecast(future)`` checked: two float arrays of ``future.steps`` finite values,
    the standard deviations > 0; otherwise a :class:`ParameterError` naming the model."""
    out = fitted.forecast(future)
    try:
        mean, sd = out
        mean = np.asarray(mean, dtype=float).reshape(-1)
        sd = np.asarray(sd, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise ParameterError(
            f"model {name!r}: forecast() returned {type(out).__name__}; expected (mean, sd), "
            f"two arrays of {future.steps} values [CRS points]"
        ) from None
    if mean.shape != (future.steps,) or sd.shape != (future.steps,):
        raise ParameterError(
            f"model {name!r}: forecast() returned {mean.size} means and {sd.size} sds for "
            f"{future.steps} rounds; expected one of each per round"
        )
    if not (np.isfinite(mean).all() and np.isfinite(sd).all() and (sd > 0).all()):
        raise ParameterError(
            f"model {name!r}: forecast() returned non-finite means or sds, or an sd <= 0 "
            f"(means {mean.tolist()}, sds {sd.tolist()})"
        )
    return mean, sd


def ensemble_of(fitted: FittedCutoffModel, future: Future, name: str) -> list | None:
    """``fitted.ensemble(future)`` checked (one finite 1-D array per step), or None for a model
    without the method (:data:`ENSEMBLE_METHOD`) or whose method returns None."""
    method = getattr(fitted, ENSEMBLE_METHOD, None)
    draws = method(future) if callable(method) else None
    if draws is None:  # no ensemble (or none for this future): the model's mean and sd
        return None
    out = [np.asarray(d, dtype=float).reshape(-1) for d in draws]
    if len(out) != future.steps or not all(len(d) and np.isfinite(d).all() for d in out):
        raise ParameterError(
            f"model {name!r}: ensemble() must give one non-empty array of finite cutoffs per "
            f"round ({future.steps} rounds)"
        )
    return out


class FittedModel:
    """Base class of the package's fitted models: the forecast, a summary and a tidy frame."""

    name = "model"

    def __init__(self, spec, history: History):
        self.spec = spec
        self.history = history
        self.params: dict[str, float] = {}
        self.note = ""

    def forecast(self, future: Future) -> tuple[np.ndarray, np.ndarray]:
        """Point forecasts [CRS points] and their standard deviations [CRS points], per step."""
        raise NotImplementedError

    def summary(self) -> str:
        """A readable account of the fit."""
        h = self.history
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        first = pd.Timestamp(h.dates[0])
        last = pd.Timestamp(h.dates[-1])
        text = (
            f"{self.spec.name} for {h.category}: {h.n} rounds {first:%Y-%m-%d}..{last:%Y-%m-%d}"
            f" (as of {h.as_of:%Y-%m-%d})"
        )
        if params:
            text += f"; {params}"
        if self.note:
            text += f"; {self.note}"
        return text

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters as a tidy frame: ``model, category, as_of, parameter, value``."""
        return pd.DataFrame(
            {
                "model": self.spec.name,
                "category": self.history.category,
                "as_of": self.history.as_of,
                "parameter": list(self.params),
                "value": list(self.params.values()),
            }
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.summary()}>"


def diff_sd(y: np.ndarray) -> float:
    d = np.diff(y)
    return max(float(np.std(d, ddof=1)), MIN_SD) if len(d) >= 3 else FALLBACK_SD


class _Const(FittedModel):
    def __init__(self, spec, history, mean, sd_fn):
        super().__init__(spec, history)
        self._mean = mean
        self._sd_fn = sd_fn

    def forecast(self, future):
        h = np.arange(1, future.steps + 1, dtype=float)
        return self._mean(h), self._sd_fn(h)


def level_fit(spec, history, level: float, sd: float) -> _Const:
    """A fitted model forecasting a constant ``level`` with a constant ``sd`` [CRS points]."""
    fitted = _Const(spec, history, lambda h: np.full(len(h), level), lambda h: np.full(len(h), sd))
    fitted.params = {"level": level, "sd": sd}
    return fitted


@dataclass(frozen=True)
class Naive:
    """The category's previous cutoff.

    Notes
    -----
    Assumes the cutoff is a random walk between the category's rounds: the standard deviation at
    step ``h`` is ``sd(diff(y)) * sqrt(h)`` over the window [CRS points].
    """

    name: str = "naive"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        sd = diff_sd(y)
        fitted = _Const(self, history, lambda h: np.full(len(h), y[-1]), lambda h: sd * np.sqrt(h))
        fitted.params = {"last": y[-1], "sd": sd}
        return fitted


def naive_errors(
    dates: np.ndarray, cutoff: np.ndarray, step: int, max_gap_days: float, max_errors: int
) -> np.ndarray:
    """The step-``step`` errors of the naive forecast over a series of rounds: ``cutoff[j] -
    cutoff[j - step]`` for every round ``j`` whose ``step``-th predecessor is at most ``step *
    max_gap_days`` days older (a restart after a pause is no step), the last ``max_errors``
    of them [CRS points].

    Examples
    --------
    >>> d = np.array(["2024-01-01", "2024-01-15", "2024-12-01", "2024-12-15"], "datetime64[D]")
    >>> naive_errors(d, np.array([500.0, 505, 540, 530]), 1, 180, 40).tolist()
    [5.0, -10.0]
    """
    dates = np.asarray(dates).astype("datetime64[D]")
    cutoff = np.asarray(cutoff, dtype=float)
    if len(cutoff) <= step:
        return np.empty(0)
    days = (dates[step:] - dates[:-step]).astype(float)
    err = (cutoff[step:] - cutoff[:-step])[days <= step * max_gap_days]
    return err[-max_errors:]


@dataclass(frozen=True)
class NaiveEmpirical:
    """The previous cutoff, with the category's own past naive errors as its distribution.

    The point forecast is :class:`Naive`'s. The predictive distribution of step ``h`` is the
    previous cutoff plus each of the category's last ``max_errors`` step-``h`` naive errors
    (:func:`naive_errors`) of rounds in the ``lookback_days`` before the origin: an ensemble
    (:data:`ENSEMBLE_METHOD`), so it is scored by its exact CRPS. It is the baseline of the
    backtest's CRPS skill.

    Parameters
    ----------
    lookback_days : int
        Rounds of the category in this many days before the origin give the errors [days]
        (the regime cut of :func:`category_history` is not applied: errors are changes).
    max_errors : int
        At most this many most recent errors per step [errors].
    max_gap_days : float
        A pair of rounds ``h`` apart counts only within ``h * max_gap_days`` days [days].
    min_errors : int
        With fewer errors at a step, the ensemble is the :class:`Naive` Gaussian read at
        ``max_errors`` evenly spaced quantiles.

    Notes
    -----
    Assumes the coming change is exchangeable with the recent ones: no drift model, no size.
    """

    name: str = "naive_emp"
    lookback_days: int = 1095
    max_errors: int = 40
    max_gap_days: float = 180.0
    min_errors: int = 3
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        dates, cutoff = history.dates, history.cutoff
        if history.feed is not None:
            long = category_history(
                history.feed,
                history.category,
                as_of=history.as_of,
                lookback_days=self.lookback_days,
                regime_start=None,
                max_obs=10_000,
                thresholds=(),
            )
            dates, cutoff = long.dates, long.cutoff
        return _EmpiricalFit(self, history, dates, cutoff)


class _EmpiricalFit(FittedModel):
    def __init__(self, spec, history, dates, cutoff):
        super().__init__(spec, history)
        self._naive = Naive().fit(history)
        self._dates, self._cutoff = dates, cutoff
        self.params = {"last": float(history.cutoff[-1])}

    def ensemble(self, future: Future) -> list[np.ndarray]:
        spec = self.spec
        last = float(self.history.cutoff[-1])
        _, naive_sd = self._naive.forecast(future)
        grid = ndtri((np.arange(spec.max_errors) + 0.5) / spec.max_errors)
        out = []
        for h in range(1, future.steps + 1):
            err = naive_errors(self._dates, self._cutoff, h, spec.max_gap_days, spec.max_errors)
            if len(err) < spec.min_errors:
                err = naive_sd[h - 1] * grid
            out.append(last + err)
        return out

    def forecast(self, future: Future) -> tuple[np.ndarray, np.ndarray]:
        draws = self.ensemble(future)
        mean = np.full(future.steps, float(self.history.cutoff[-1]))
        sd = np.array([max(float(np.std(d)), MIN_SD) for d in draws])
        return mean, sd


@dataclass(frozen=True)
class WindowMean:
    """The mean of the category's last ``k`` cutoffs.

    Notes
    -----
    Assumes the cutoff fluctuates around a level that moves slowly; the standard deviation is
    that of the window's cutoffs around their ``k``-round moving mean, times ``sqrt(1 + 1/k)``.
    """

    k: int = 3
    name: str = "mean3"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        k = min(self.k, len(y))
        level = float(np.mean(y[-k:]))
        if len(y) > k + 2:
            roll = np.convolve(y, np.ones(k) / k, mode="valid")[:-1]
            sd = float(np.std(y[k:] - roll, ddof=1))
        else:
            sd = diff_sd(y)
        sd = max(sd, MIN_SD)
        return level_fit(self, history, level, sd)


@dataclass(frozen=True)
class Drift:
    """The previous cutoff plus the window's average change per round.

    Notes
    -----
    Random walk with drift: ``y[-1] + h * (y[-1] - y[0]) / (n - 1)``; standard deviation
    ``sd(diff(y)) * sqrt(h * (1 + h / (n - 1)))`` [CRS points].
    """

    name: str = "drift"
    min_obs: int = 2

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1) if n >= 2 else 0.0
        sd = diff_sd(y)
        m = max(n - 1, 1)
        fitted = _Const(
            self,
            history,
            lambda h: y[-1] + h * slope,
            lambda h: sd * np.sqrt(h * (1 + h / m)),
        )
        fitted.params = {"slope": slope, "sd": sd}
        return fitted


class NaiveFallback(FittedModel):
    """The naive forecast standing in for a model that cannot fit, with the reason in its note."""

    def __init__(self, spec, history, reason):
        super().__init__(spec, history)
        self._inner = Naive().fit(history)
        self.note = f"naive fallback ({reason})"

    def forecast(self, future):
        return self._inner.forecast(future)


@contextlib.contextmanager
def quiet():
    """Silence statsmodels' convergence and estimation chatter inside the block (only there)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclass(frozen=True)
class Combination:
    """The average of other models' forecasts.

    Parameters
    ----------
    members : tuple of model specifications
        The models averaged (equal weights).

    Notes
    -----
    Averaging forecasts with different errors cancels part of them; equal weights are hard to
    beat when the error history is short. The standard deviation is the root mean of the members'
    variances (assumes perfectly correlated errors: conservative before calibration). In
    :func:`raw_forecasts` the members' fits are shared with their own columns.
    """

    members: tuple = ()
    name: str = "combo"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        return _Combined(self, history, [m.fit(history) for m in self.members])

    def combine(self, forecasts: Sequence[tuple[np.ndarray, np.ndarray]]):
        """Combine members' ``(mean, sd)`` pairs into one."""
        means = np.array([f[0] for f in forecasts])
        sds = np.array([f[1] for f in forecasts])
        return means.mean(axis=0), np.sqrt((sds**2).mean(axis=0))


class _Combined(FittedModel):
    def __init__(self, spec, history, fitted):
        super().__init__(spec, history)
        self.fitted = fitted
        self.note = "mean of " + ", ".join(m.spec.name for m in fitted)

    def forecast(self, future):
        return self.spec.combine([f.forecast(future) for f in self.fitted])
