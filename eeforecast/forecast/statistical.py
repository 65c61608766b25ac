"""Statistical cutoff models from statsmodels: exponential smoothing, ARIMA and autoregression."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .history import History
from .models import MIN_SD, FittedModel, Naive, NaiveFallback, quiet

__all__ = ["AR", "ARIMA", "ETS"]


@dataclass(frozen=True)
class ETS:
    """Exponential smoothing (statsmodels ``ETSModel``, additive errors).

    Parameters
    ----------
    trend : bool
        Add a damped additive trend (used only with at least ``min_obs_trend`` rounds).

    Notes
    -----
    Simple exponential smoothing weights recent rounds geometrically (the smoothing weight is
    estimated by maximum likelihood); with ``trend`` a damped trend lets a run of falling cutoffs
    continue for a few rounds. Intervals come from the model's analytic forecast variance. With
    fewer than ``min_obs`` rounds the naive forecast is used.
    """

    trend: bool = False
    name: str = "ets"
    min_obs: int = 5
    min_obs_trend: int = 12

    def fit(self, history: History) -> FittedModel:
        if history.n < self.min_obs:
            return NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # heavy: imported where used

        loc, scale = _standardize(history.cutoff)
        y = pd.Series((history.cutoff - loc) / scale)
        trend = "add" if self.trend and history.n >= self.min_obs_trend else None
        try:
            with quiet():
                res = ETSModel(y, error="add", trend=trend, damped_trend=trend is not None).fit(
                    disp=False
                )
        except (ValueError, np.linalg.LinAlgError) as exc:
            return NaiveFallback(self, history, f"fit failed: {exc}")
        fitted = _Statsmodels(self, history, res, kind="ets", loc=loc, scale=scale)
        fitted.params = {k: float(v) for k, v in zip(res.param_names, res.params, strict=True)}
        return fitted


@dataclass(frozen=True)
class ARIMA:
    """ARIMA / regression with ARIMA errors (statsmodels ``SARIMAX``) on the round-indexed series.

    Parameters
    ----------
    order : tuple of int
        ``(p, d, q)``.
    exog : tuple of str
        Regressors among ``log_invitations``, ``log_gap``, ``log_above_<S>`` (see
        :class:`History`); columns that do not vary in the window are dropped.
    name : str
        Column name in frames.

    Notes
    -----
    With ``d = 0`` a constant is estimated: the cutoff reverts to the window's level, shifted by
    the regressors (a larger round reaches lower scores; a longer gap lets the pool refill).
    Future regressors come from the schedule models (expected size and gap) and the latest
    snapshot known at the origin. With fewer than ``min_obs`` rounds the naive forecast is used.
    """

    order: tuple[int, int, int] = (0, 1, 1)
    exog: tuple[str, ...] = ()
    name: str = "arima"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:
        if history.n < self.min_obs:
            return NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # heavy: imported where used

        cols, mean, scale = _exog_columns(history, self.exog)
        X = _exog_matrix(history.exog, cols, mean, scale)
        trend = "c" if self.order[1] == 0 else "n"
        loc, sd_y = _standardize(history.cutoff)
        try:
            with quiet():
                res = SARIMAX(
                    (history.cutoff - loc) / sd_y, exog=X, order=self.order, trend=trend
                ).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError) as exc:
            return NaiveFallback(self, history, f"fit failed: {exc}")
        if not np.isfinite(res.params).all():
            return NaiveFallback(self, history, "non-finite parameters")
        fitted = _Statsmodels(
            self, history, res, kind="arima", exog=(cols, mean, scale), loc=loc, scale=sd_y
        )
        rename = {f"x{i + 1}": c for i, c in enumerate(cols)}
        fitted.params = {
            rename.get(k, k): float(v) for k, v in zip(res.param_names, res.params, strict=True)
        }
        return fitted


@dataclass(frozen=True)
class AR:
    """Autoregression with optional regressors, by conditional least squares (statsmodels
    ``AutoReg``).

    Parameters
    ----------
    lags : int
        Autoregressive order ``p``.
    exog : tuple of str
        Regressors among ``log_invitations``, ``log_gap``, ``log_above_<S>`` (see
        :class:`History`); columns that do not vary in the window are dropped.
    name : str
        Column name in frames.

    Notes
    -----
    ``y[t] = c + phi_1 y[t-1] + ... + phi_p y[t-p] + beta' x[t] + e[t]``: with ``|phi| < 1`` the
    cutoff reverts to the window's level (shifted by the regressors: a larger round reaches lower
    scores, a longer gap lets the pool refill). Least squares instead of the exact likelihood of
    :class:`ARIMA` makes it much faster, which matters in the rolling-origin
    backtest. Forecast standard deviations are the model's (innovation variance propagated through
    the AR recursion, parameter uncertainty ignored). With fewer than ``min_obs`` rounds the naive
    forecast is used.
    """

    lags: int = 1
    exog: tuple[str, ...] = ()
    name: str = "ar1"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:
        if history.n < max(self.min_obs, self.lags + 3 + len(self.exog)):
            return NaiveFallback(self, history, f"{history.n} < {self.min_obs} rounds")
        from statsmodels.tsa.ar_model import AutoReg  # heavy: imported where used

        cols, mean, scale = _exog_columns(history, self.exog)
        X = _exog_matrix(history.exog, cols, mean, scale)
        loc, sd_y = _standardize(history.cutoff)
        try:
            with quiet():
                res = AutoReg(
                    (history.cutoff - loc) / sd_y, lags=self.lags, trend="c", exog=X
                ).fit()
        except (ValueError, np.linalg.LinAlgError) as exc:
            return NaiveFallback(self, history, f"fit failed: {exc}")
        if not np.isfinite(res.params).all():
            return NaiveFallback(self, history, "non-finite parameters")
        fitted = _Statsmodels(
            self, history, res, kind="autoreg", exog=(cols, mean, scale), loc=loc, scale=sd_y
        )
        names = ["const"] + [f"ar.L{i}" for i in range(1, self.lags + 1)] + list(cols)
        fitted.params = {k: float(v) for k, v in zip(names, res.params, strict=True)}
        return fitted


def _exog_columns(history: History, names) -> tuple[list, list, list]:
    """The regressors that vary in the window, with their means and standard deviations."""
    cols, mean, scale = [], [], []
    for name in names:
        if name not in history.exog:
            raise ParameterError(f"exog: unknown regressor {name!r}")
        x = history.exog[name]
        if np.isfinite(x).all() and np.std(x) > 1e-9:
            cols.append(name)
            mean.append(float(np.mean(x)))
            scale.append(float(np.std(x)))
    return cols, mean, scale


def _exog_matrix(exog: dict, cols, mean, scale) -> np.ndarray | None:
    """Standardised regressor matrix (unknown future values are set to their mean, 0)."""
    if not cols:
        return None
    X = np.column_stack([(exog[c] - m) / s for c, m, s in zip(cols, mean, scale, strict=True)])
    return np.where(np.isfinite(X), X, 0.0)


def _standardize(y: np.ndarray) -> tuple[float, float]:
    """Location and scale that put a cutoff series near 0 +- 1 (the optimisers converge faster
    and more reliably there; forecasts are transformed back)."""
    loc = float(np.mean(y))
    scale = float(np.std(y))
    return loc, scale if scale > 1e-9 else 1.0


class _Statsmodels(FittedModel):
    def __init__(self, spec, history, res, kind, exog=((), (), ()), loc=0.0, scale=1.0):
        super().__init__(spec, history)
        self.loc = loc
        self.scale = scale
        self.res = res
        self.kind = kind
        self.exog_cols = exog

    def forecast(self, future):
        steps = future.steps
        with quiet():
            if self.kind == "ets":
                n = self.history.n
                pred = self.res.get_prediction(start=n, end=n + steps - 1)
                mean = np.asarray(pred.predicted_mean, dtype=float)
                sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
            else:
                X = _exog_matrix(future.exog, *self.exog_cols)
                if self.kind == "autoreg":
                    n = self.history.n
                    pred = self.res.get_prediction(start=n, end=n + steps - 1, exog_oos=X)
                    mean = np.asarray(pred.predicted_mean, dtype=float)
                    sd = np.sqrt(np.asarray(pred.var_pred_mean, dtype=float))
                else:
                    pred = self.res.get_forecast(steps, exog=X)
                    mean = np.asarray(pred.predicted_mean, dtype=float)
                    sd = np.asarray(pred.se_mean, dtype=float)
        if not (np.isfinite(mean).all() and np.isfinite(sd).all()):
            return Naive().fit(self.history).forecast(future)
        return self.loc + self.scale * mean, np.maximum(self.scale * sd, MIN_SD)
