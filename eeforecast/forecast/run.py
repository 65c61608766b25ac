"""Today's forecast: the next rounds of each active category with calibrated intervals
(:func:`forecast`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..checks import LEVELS, MAX_HORIZON, as_levels, as_slugs, as_whole
from ..data import Feed, as_feed
from ..errors import ParameterError
from ..scores import MAX_SCORE
from .calibration import calibrate
from .catalogue import auto_candidates, check_models
from .history import ACTIVE_DAYS, active_categories
from .rolling import raw_backtest, raw_forecasts

__all__ = ["ForecastResult", "forecast"]


@dataclass
class ForecastResult:
    """Forecasts of the next rounds of each category at one as-of day.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The origin.
    levels : tuple of int
        Interval levels [%].
    table : pandas.DataFrame
        ``category, step, date, cutoff, cutoff_lo_<L>, cutoff_hi_<L>, ..., invitations, model``:
        the ``auto`` model's forecasts (the model named in ``model``).
    models : pandas.DataFrame
        Every model's calibrated forecasts, wide (as :func:`calibrate` returns them).
    backtest : pandas.DataFrame
        The rolling-origin backtest before ``as_of`` used to choose models and calibrate.
    selection : pandas.DataFrame
        Per category: the chosen model and each model's recent backtest MAE (``mae_<m>``) and
        CRPS (``crps_<m>``, what ``auto`` is chosen by) [CRS points].
    """

    as_of: pd.Timestamp
    levels: tuple[int, ...]
    table: pd.DataFrame
    models: pd.DataFrame
    backtest: pd.DataFrame
    selection: pd.DataFrame

    def forecast(self) -> pd.DataFrame:
        """The forecast table (a copy)."""
        return self.table.copy()

    def to_frame(self, which: str = "forecast") -> pd.DataFrame:
        """``forecast`` (default), ``models``, ``backtest`` or ``selection`` as a DataFrame."""
        frames = {
            "forecast": self.table,
            "models": self.models,
            "backtest": self.backtest,
            "selection": self.selection,
        }
        if which not in frames:
            raise ParameterError(f"which: one of {sorted(frames)}, got {which!r}")
        return frames[which].copy()

    def summary(self) -> str:
        """A readable summary: per category the chosen model and the next round's forecast."""
        lines = [f"Cutoff forecast as of {self.as_of:%Y-%m-%d} (levels {list(self.levels)})"]
        lv = self.levels[0] if self.levels else None
        for _, row in self.table[self.table["step"] == 1].iterrows():
            band = ""
            if lv is not None:
                band = f" [{row[f'cutoff_lo_{lv}']:.0f}, {row[f'cutoff_hi_{lv}']:.0f}] {lv}%"
            lines.append(
                f"  {row['category']:<11} {row['date']:%Y-%m-%d} ~{row['invitations']:.0f} "
                f"invitations: cutoff {row['cutoff']:.0f}{band} ({row['model']})"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


def _selection_table(cv: pd.DataFrame, models, as_of, select_window: int) -> pd.DataFrame:
    """Per category, each model's MAE and CRPS over its last ``select_window`` step-1 forecasts
    (:func:`calibrate` chooses ``auto`` by the CRPS) [CRS points]."""
    rows = []
    if cv.empty:  # no evaluated forecast yet (e.g. a category without rounds in the window)
        return pd.DataFrame()
    known = cv[np.isfinite(cv["actual"].astype(float)) & (cv["date"] <= as_of) & (cv["step"] == 1)]
    for cat, part in known.groupby("category", sort=True):
        part = part.sort_values("date", kind="stable").tail(select_window)
        row = {"category": cat, "n": len(part)}
        for m in models:
            row[f"mae_{m}"] = float(np.mean(np.abs(part["actual"] - part[m])))
        for m in models:
            row[f"crps_{m}"] = float(np.mean(part[f"{m}_crps"]))
        rows.append(row)
    return pd.DataFrame(rows)


#: Most (origin, category) forecasts of the calibration backtest: IRCC's feed needs about 120
#: over two years; a feed with far more rounds (many a day) is calibrated on evenly spaced
#: origins up to this number, so its forecast stays a matter of seconds, not hours.
MAX_CALIBRATION_FORECASTS = 240


def forecast(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    horizon: int = 3,
    categories: Sequence[str] | None = None,
    levels: Sequence[int] = LEVELS,
    models: Sequence | None = None,
    auto_from: Sequence[str] | None = None,
    calibration_days: int = 730,
    n_jobs: int | None = 1,
    progress: bool | None = None,
) -> ForecastResult:
    """Forecast the next ``horizon`` rounds of each active category, with calibrated intervals.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed). It is cut at ``as_of``.
    as_of : date-like, optional
        Origin day; step 1 is each category's first round after it.
    horizon : int
        Rounds per category [rounds].
    categories : sequence of str, optional
        Categories to forecast among the active ones, those with a round in the 12 months before
        ``as_of`` (default: all of them).
    levels : sequence of int
        Interval levels [%].
    models : sequence of CutoffModel, optional
        Default :data:`DEFAULT_MODELS`; ``naive`` is always added.
    auto_from : sequence of str, optional
        The models ``auto`` may choose among (default: the package's own models in
        ``models``; a custom model joins the choice only when named here).
    calibration_days : int
        The rolling-origin backtest over this many days before ``as_of`` chooses each category's
        model and calibrates the intervals [days]. It always covers every active category, so
        a category's forecast does not depend on which others are requested.
    n_jobs : int or None
        Processes for that backtest (None: all cores).
    progress : bool or None
        Show a progress bar (None: only on a terminal).

    Returns
    -------
    ForecastResult

    Raises
    ------
    ParameterError
        For a requested category that is not active on ``as_of`` (named, with its last round),
        a horizon below 1 or a bad level.

    Notes
    -----
    Step ``k``'s forecast and interval depend only on the feed, ``as_of``, the models and
    ``calibration_days``: not on ``horizon`` (as long as it reaches ``k``) nor on the other
    requested categories. The calibration backtest runs over all active categories, intervals
    are calibrated per step on the residuals of steps up to it (pooling categories only for one
    with fewer than 8 of them) and ``auto`` is chosen per category by the CRPS of its step-1
    forecasts (:func:`calibrate`).

    Examples
    --------
    >>> res = forecast(as_of="2025-06-30", categories=["cec"], horizon=2)
    >>> res.table[["category", "step"]].values.tolist()
    [['cec', 1], ['cec', 2]]
    """
    horizon = as_whole(horizon, "horizon", maximum=MAX_HORIZON)
    calibration_days = as_whole(calibration_days, "calibration_days")
    categories = as_slugs(categories)
    levels = as_levels(levels)
    models = check_models(models)
    candidates = auto_candidates(models, auto_from)
    feed = as_feed(source, as_of=as_of)
    day = feed.day
    active = active_categories(feed, as_of=day)
    if categories:
        last_round = feed.rounds.groupby("category")["date"].max()
        for c in categories:
            if c not in last_round.index:
                raise ParameterError(f"category {c!r}: no round of it on or before {day:%Y-%m-%d}")
            if c not in active:
                raise ParameterError(
                    f"category {c!r}: not active on {day:%Y-%m-%d} (its last round was "
                    f"{last_round[c]:%Y-%m-%d}; active means a round in the {ACTIVE_DAYS} days "
                    "before the as-of day)"
                )
        cats = list(dict.fromkeys(categories))
    else:
        cats = active
    if not cats:
        raise ParameterError(f"as_of {day:%Y-%m-%d}: no category held a round in the last year")
    # every active category, whatever was requested: the pooled calibration of a category with
    # few residuals must not depend on the request (calibration and choice are per step)
    raw_past = raw_backtest(
        feed,
        start=day - pd.Timedelta(days=calibration_days),
        end=day,
        horizon=horizon,
        models=models,
        categories=active,
        n_jobs=n_jobs,
        progress=progress,
        max_forecasts=MAX_CALIBRATION_FORECASTS,
    )
    raw_now = pd.DataFrame(raw_forecasts(feed, day, active, horizon, models))
    raw = pd.concat([raw_past, raw_now], ignore_index=True)
    wide = calibrate(raw, levels, candidates=candidates)
    wide = wide[wide["category"].isin(cats)]
    now = wide[wide["origin"] == day].reset_index(drop=True)
    past = wide[wide["origin"] < day].reset_index(drop=True)
    table = pd.DataFrame(
        {
            "category": now["category"],
            "step": now["step"].astype(int),
            "date": pd.to_datetime(now["date"]),
            "cutoff": now["auto"].clip(0, MAX_SCORE),
        }
    )
    for lv in levels:  # a Gaussian interval can reach past the CRS scale: clip it
        table[f"cutoff_lo_{lv}"] = now[f"auto_lo_{lv}"].clip(0, MAX_SCORE)
        table[f"cutoff_hi_{lv}"] = now[f"auto_hi_{lv}"].clip(0, MAX_SCORE)
    table["invitations"] = now["invitations"].round().astype("int64")
    table["model"] = now["auto_model"]
    order = {c: i for i, c in enumerate(cats)}
    table = table.sort_values(
        ["category", "step"], key=lambda s: s.map(order) if s.name == "category" else s
    ).reset_index(drop=True)
    names = [m.name for m in models]
    selection = _selection_table(past, names, day, 30)
    if not selection.empty:
        chosen = now.drop_duplicates("category").set_index("category")["auto_model"]
        selection.insert(1, "chosen", selection["category"].map(chosen))
    return ForecastResult(
        as_of=day, levels=levels, table=table, models=now, backtest=past, selection=selection
    )
