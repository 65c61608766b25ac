"""Calibrated intervals and the backtest-chosen ``auto`` model (:func:`calibrate`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtri  # the normal quantile; scipy.stats costs ~1 s to import

from ..checks import LEVELS, as_levels
from ..errors import ParameterError
from ..simulate.calibration import MIN_SCORES, WINDOW, conformal_quantile
from .catalogue import DEFAULT_CHOICE
from .scoring import crps_ensemble, crps_normal

__all__ = ["CRPS_LEVEL", "SCHEDULE_COLUMNS", "calibrate", "conformal_quantile"]

#: The calibrated interval whose half-width, read as a normal's, gives a Gaussian model's CRPS
#: [%].
CRPS_LEVEL = 80

#: Columns of a backtest frame that describe the round rather than a model's forecast.
SCHEDULE_COLUMNS = (
    "date",
    "actual",
    "invitations",
    "expected_date",
    "actual_invitations",
    "last_invitations",
)


def calibrate(
    raw: pd.DataFrame,
    levels: Sequence[int] = LEVELS,
    *,
    calibrate: bool = True,
    window: int = WINDOW,
    min_scores: int = MIN_SCORES,
    select_window: int = 30,
    min_select: int = 8,
    margin: float = 0.1,
    default: str = DEFAULT_CHOICE,
    candidates: Sequence[str] | None = None,
    select_by: str = "crps",
) -> pd.DataFrame:
    """Calibrated intervals for every model and the backtest-chosen ``auto`` model.

    Parameters
    ----------
    raw : pandas.DataFrame
        Long raw forecasts (:func:`raw_forecasts` records): ``origin, category, step, date,
        actual, invitations, model, mean, sd`` and optionally ``draws`` (a model's ensemble for
        the row, or None).
    levels : sequence of int
        Interval levels [%].
    calibrate : bool
        False keeps the models' own Gaussian intervals (``mean +- z * sd``).
    window : int
        Number of most recent normalised residuals of the (model, category) at steps ``1..k``
        used for step ``k`` [forecasts].
    min_scores : int
        Fewer residuals than this in the category at steps ``1..k``: use those of all categories
        in ``raw`` at those steps (normalised, so no level leaks between categories); fewer
        still: the Gaussian interval.
    select_window, min_select : int
        The ``auto`` model of a category at an origin is the model with the lowest mean CRPS
        (``select_by``) over the category's last ``select_window`` evaluated step-1 forecasts
        (the next round); with fewer than ``min_select`` of them, ``default``. One model serves
        all steps.
    margin : float
        ``default`` is kept unless another model's score is lower by more than this fraction
        (choosing on a short, noisy error history otherwise chases luck).
    default : str
        Model used before enough backtest errors exist (falls back to ``naive`` when absent).
    candidates : sequence of str, optional
        The models ``auto`` may choose among (default: every model in ``raw``).
    select_by : {"crps", "mae"}
        Choose ``auto`` by the CRPS of the whole predictive distribution (default) or by the
        absolute error of the point forecast.

    Returns
    -------
    pandas.DataFrame
        Wide: ``origin, category, step, date, actual, invitations`` (and the other
        :data:`SCHEDULE_COLUMNS` present in ``raw``), then per model ``<m>,
        <m>_lo_<L>, <m>_hi_<L>, <m>_crps`` (the CRPS against ``actual``, NaN while unknown)
        [CRS points], then ``auto, auto_lo_<L>, auto_hi_<L>, auto_crps, auto_model``.

    Notes
    -----
    Conformal-style calibration: each forecast's normalised residual ``|actual - mean| / sd`` is a
    score. At an origin, the scores of forecasts at steps ``1..k`` whose rounds had already
    happened (``date <= origin``) are the calibration set of step ``k``; the interval is ``mean
    +- q * sd`` with ``q`` the ``ceil((n + 1) L / 100)``-th smallest score. It assumes the recent
    scores are exchangeable with the coming one: the intervals widen when a model has been
    surprised lately. The scores are divided by each step's own sd, so the steps share one
    scale; pooling the earlier steps in keeps the set recent (a step-3 forecast is scored three
    rounds after it was made, a step-1 forecast the next day) and large. The half-width at step
    ``k`` is then raised to that of step ``k - 1`` from the same origin where it is smaller (a
    later round is never more certain than an earlier one). Only information available at the
    origin is used, so the backtest of these intervals is honest. Calibration of step ``k`` uses steps
    ``1..k`` only and the choice uses step-1 errors only, so step ``k``'s forecast and interval
    do not depend on how many steps ``raw`` holds; they depend on the other categories only
    through the pooled scores of a category with fewer than ``min_scores``.

    The whole forecast is scored by the CRPS (:func:`eeforecast.forecast.crps_normal`). A model that
    gives a mean and an sd is read as the normal whose 80% interval (:data:`CRPS_LEVEL`) is its
    calibrated one: ``sd = half-width / z_0.9``, closed-form CRPS. A model that gives an
    ensemble (``draws``, e.g. :class:`~eeforecast.forecast.NaiveEmpirical`) keeps its own
    distribution: its intervals are the draws' quantiles (no conformal rescaling) and its CRPS
    is exact. A forecast is scored only once its round has happened, and ``auto`` at an origin
    uses only the scores of rounds dated on or before it.
    """
    levels = as_levels(levels)
    if raw.empty:
        raise ParameterError("calibrate: no forecasts to calibrate")
    if select_by not in ("crps", "mae"):
        raise ParameterError(f"select_by: 'crps' or 'mae', got {select_by!r}")
    keys = ["origin", "category", "step"]
    base = (
        raw.drop_duplicates(keys)[keys + [c for c in SCHEDULE_COLUMNS if c in raw.columns]]
        .sort_values(keys)
        .reset_index(drop=True)
    )
    models = list(dict.fromkeys(raw["model"]))
    choices = models if candidates is None else [m for m in models if m in set(candidates)]
    if not choices:
        raise ParameterError(f"candidates: none of {list(candidates)} is among the models run")
    if default not in choices:
        default = "naive" if "naive" in choices else choices[0]
    out = base.copy()
    origin = base["origin"].to_numpy()
    date = base["date"].to_numpy()
    cat = base["category"].to_numpy()
    actual = base["actual"].to_numpy(dtype=float)
    known = np.isfinite(actual)
    step = base["step"].to_numpy(dtype=int)

    def _by_date(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.flatnonzero(mask)
        idx = idx[np.argsort(date[idx], kind="stable")]
        return idx, date[idx]

    # calibration sets per (category, step) and per step (all categories): steps 1..k, by date
    sets: dict = {}
    for k in np.unique(step):
        at_k = known & (step <= k)
        sets[("*", k)] = _by_date(at_k)
        for c in np.unique(cat[step == k]):
            sets[(c, k)] = _by_date(at_k & (cat == c))

    def _calibration_rows(i: int) -> np.ndarray | None:
        """Rows whose scores calibrate row ``i``: its category's last ``window`` at steps up to
        its step known at its origin, else all categories', else None (Gaussian)."""
        for key in ((cat[i], step[i]), ("*", step[i])):
            idx, days = sets[key]
            n = int(np.searchsorted(days, origin[i], side="right"))
            if n >= min_scores:
                return idx[max(0, n - window) : n]
        return None

    calib_rows = [_calibration_rows(i) for i in range(len(base))] if calibrate else []
    # the 80% half-width read as a normal's is the Gaussian CRPS's sd, whatever levels are asked
    needed = sorted({*levels, CRPS_LEVEL})
    zs = {lv: ndtri(0.5 + lv / 200) for lv in needed}
    abs_err, crps = {}, {}
    for m in models:
        part = raw[raw["model"] == m].set_index(keys).reindex(pd.MultiIndex.from_frame(base[keys]))
        mean = part["mean"].to_numpy(dtype=float)
        sd = part["sd"].to_numpy(dtype=float)
        draws = part["draws"].to_numpy() if "draws" in part.columns else np.full(len(base), None)
        ens = np.array([d is not None for d in draws], dtype=bool)
        out[m] = mean
        err = np.abs(actual - mean)
        abs_err[m] = err
        score = err / sd
        q = {lv: np.full(len(base), zs[lv]) for lv in needed}
        for i, rows in enumerate(calib_rows):
            if rows is None or ens[i]:
                continue
            for lv in needed:
                q[lv][i] = conformal_quantile(score[rows], lv)
        halves = {}
        for lv in needed:
            # a later round is never more certain than an earlier one: the half-width at step k
            # is at least that of step k - 1 from the same origin
            halves[lv] = pd.Series(q[lv] * sd).groupby([origin, cat]).cummax().to_numpy()
        for lv in levels:
            lo, hi = mean - halves[lv], mean + halves[lv]
            for i in np.flatnonzero(ens):  # an ensemble's interval is its own quantiles
                lo[i], hi[i] = np.quantile(draws[i], [0.5 - lv / 200, 0.5 + lv / 200])
            out[f"{m}_lo_{lv}"] = lo
            out[f"{m}_hi_{lv}"] = hi
        score_m = np.full(len(base), np.nan)
        gauss = known & ~ens
        score_m[gauss] = crps_normal(
            mean[gauss], halves[CRPS_LEVEL][gauss] / zs[CRPS_LEVEL], actual[gauss]
        )
        for i in np.flatnonzero(known & ens):
            score_m[i] = crps_ensemble(draws[i], actual[i])
        crps[m] = score_m
        out[f"{m}_crps"] = score_m
    by = {"crps": crps, "mae": abs_err}[select_by]
    # auto: per (origin, category), the model with the lowest recent step-1 backtest CRPS (MAE)
    chosen = np.full(len(base), default, dtype=object)
    for c in np.unique(cat):
        idx, days = _by_date(known & (step == 1) & (cat == c))
        mine = cat == c
        for o in np.unique(origin[mine]):
            n = int(np.searchsorted(days, o, side="right"))
            if n < min_select:
                continue
            last = idx[max(0, n - select_window) : n]
            means = {m: float(np.mean(by[m][last])) for m in choices}
            best = min(means, key=lambda m: (means[m], choices.index(m)))
            if means[best] >= (1 - margin) * means[default]:
                best = default
            chosen[mine & (origin == o)] = best
    out["auto_model"] = chosen
    for col in ["", *[f"_{s}_{lv}" for lv in levels for s in ("lo", "hi")], "_crps"]:
        values = np.empty(len(base))
        for m in models:
            sel = chosen == m
            values[sel] = out.loc[sel, f"{m}{col}"].to_numpy()
        out[f"auto{col}"] = values
    return out
