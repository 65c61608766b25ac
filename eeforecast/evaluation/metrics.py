"""Accuracy tables of a rolling-origin backtest frame (:func:`summarize`, :func:`targets`,
:func:`schedule_accuracy`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..forecast import SCHEDULE_COLUMNS
from ..forecast.scoring import weighted_interval_score

__all__ = ["crps_table", "model_names", "schedule_accuracy", "summarize", "targets"]

#: The baseline of the CRPS skill: naive with its own past errors as its distribution.
CRPS_BASELINE = "naive_emp"


def model_names(cv: pd.DataFrame) -> list[str]:
    fixed = {"origin", "category", "step", "auto_model", *SCHEDULE_COLUMNS}
    return [
        c
        for c in cv.columns
        if c not in fixed and "_lo_" not in c and "_hi_" not in c and not c.endswith("_crps")
    ]


def _crps(part: pd.DataFrame, model: str) -> float:
    col = f"{model}_crps"
    return float(np.mean(part[col])) if col in part.columns else np.nan


def _wis(part: pd.DataFrame, cv: pd.DataFrame, model: str) -> float:
    levels = interval_levels(cv, model)
    if not levels:
        return np.nan
    intervals = {lv: (part[f"{model}_lo_{lv}"], part[f"{model}_hi_{lv}"]) for lv in levels}
    return float(np.mean(weighted_interval_score(part["actual"], part[model], intervals)))


def interval_levels(cv: pd.DataFrame, model: str) -> list[int]:
    prefix = f"{model}_lo_"
    return sorted(int(c[len(prefix) :]) for c in cv.columns if c.startswith(prefix))


def summarize(
    cv: pd.DataFrame, by: Sequence[str] = ("category", "step"), models: Sequence[str] | None = None
) -> pd.DataFrame:
    """Accuracy of every model in a :func:`cross_validation` frame.

    Parameters
    ----------
    cv : pandas.DataFrame
        The backtest frame.
    by : sequence of str
        Grouping columns (``()`` for one row per model).
    models : sequence of str, optional
        Models to summarise (default: every model column, ``auto`` included).

    Returns
    -------
    pandas.DataFrame
        One row per model and group: ``model, <by>, n, mae, rmse, bias`` [CRS points],
        ``coverage_<L>`` [fraction], ``width_<L>`` [CRS points], ``skill`` (``1 - mae /
        mae_naive`` on the same rounds; positive means better than naive), ``crps`` and ``wis``
        [CRS points] and ``crps_skill`` (``1 - crps / crps`` of ``naive_emp`` on the same
        rounds, NaN without it). ``bias`` is the mean of ``forecast - actual``.

    Notes
    -----
    ``crps`` is the mean of the frame's ``<model>_crps`` column
    (:func:`eeforecast.forecast.calibrate`: the calibrated Gaussian, or the exact ensemble CRPS).
    ``wis`` is the weighted interval score of the model's point (as the median) and its
    intervals at every level in the frame (:func:`eeforecast.forecast.weighted_interval_score`).
    """
    models = list(models) if models is not None else model_names(cv)
    by = list(by)
    unknown = [c for c in [*by, *models] if c not in cv.columns]
    if unknown:
        raise ParameterError(
            f"summarize: no column {unknown[0]!r} in the backtest frame (group by origin, "
            "category, step or date; models are its model columns)"
        )
    data = cv[np.isfinite(cv["actual"])]
    groups = data.groupby(by, sort=True) if by else [((), data)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        mae_naive = float(np.mean(np.abs(part["naive"] - part["actual"])))
        crps_base = _crps(part, CRPS_BASELINE)
        for m in models:
            err = part[m] - part["actual"]
            row = {"model": m, **dict(zip(by, key, strict=True)), "n": len(part)}
            row["mae"] = float(np.mean(np.abs(err)))
            row["rmse"] = float(np.sqrt(np.mean(err**2)))
            row["bias"] = float(np.mean(err))
            for lv in interval_levels(cv, m):
                lo, hi = part[f"{m}_lo_{lv}"], part[f"{m}_hi_{lv}"]
                inside = (part["actual"] >= lo) & (part["actual"] <= hi)
                row[f"coverage_{lv}"] = float(np.mean(inside))
                row[f"width_{lv}"] = float(np.mean(hi - lo))
            row["skill"] = 1 - row["mae"] / mae_naive if mae_naive > 0 else np.nan
            row["crps"] = _crps(part, m)
            row["wis"] = _wis(part, cv, m)
            row["crps_skill"] = 1 - row["crps"] / crps_base if crps_base > 0 else np.nan
            rows.append(row)
    out = pd.DataFrame(rows)
    return out.sort_values(["model", *by], kind="stable").reset_index(drop=True)


def targets(cv: pd.DataFrame, model: str = "auto", min_rounds: int = 8) -> pd.DataFrame:
    """Check the project's accuracy targets for ``model`` per category at step 1.

    Returns one row per category with at least ``min_rounds`` step-1 rounds: ``n, mae, mae_naive,
    skill, flat`` (the actual cutoffs' standard deviation below 5 points), ``coverage_<L>``,
    ``ok`` (MAE no worse than naive; better by 20% unless flat; every coverage within 10
    percentage points of nominal), and ``crps``, ``crps_naive_emp`` [CRS points] and
    ``crps_skill`` when the frame has them (:func:`crps_table` gives every step).
    """
    one = cv[(cv["step"] == 1) & np.isfinite(cv["actual"])]
    levels = interval_levels(cv, model)
    rows = []
    for cat, part in one.groupby("category", sort=True):
        if len(part) < min_rounds:
            continue
        mae = float(np.mean(np.abs(part[model] - part["actual"])))
        mae_naive = float(np.mean(np.abs(part["naive"] - part["actual"])))
        flat = float(np.std(part["actual"])) < 5
        skill = 1 - mae / mae_naive if mae_naive > 0 else 0.0
        row = {"category": cat, "n": len(part), "mae": mae, "mae_naive": mae_naive}
        row.update({"skill": skill, "flat": flat})
        ok = mae <= mae_naive + 1e-9 and (flat or skill >= 0.2)
        for lv in levels:
            inside = (part["actual"] >= part[f"{model}_lo_{lv}"]) & (
                part["actual"] <= part[f"{model}_hi_{lv}"]
            )
            row[f"coverage_{lv}"] = float(np.mean(inside))
            ok = ok and abs(row[f"coverage_{lv}"] - lv / 100) <= 0.10
        row["ok"] = ok
        if f"{model}_crps" in part.columns and f"{CRPS_BASELINE}_crps" in part.columns:
            row["crps"] = _crps(part, model)
            row[f"crps_{CRPS_BASELINE}"] = _crps(part, CRPS_BASELINE)
            base = row[f"crps_{CRPS_BASELINE}"]
            row["crps_skill"] = 1 - row["crps"] / base if base > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def crps_table(
    cv: pd.DataFrame,
    model: str = "auto",
    baseline: str = CRPS_BASELINE,
    min_rounds: int = 8,
    by: Sequence[str] = ("category", "step"),
) -> pd.DataFrame:
    """CRPS of ``model`` against ``baseline`` per category and step (the project's target: skill
    above 0 in every category with at least ``min_rounds`` step-1 rounds).

    Returns
    -------
    pandas.DataFrame
        Per group of a category with at least ``min_rounds`` step-1 rounds: ``n``, ``crps``,
        ``crps_<baseline>``, ``wis``, ``wis_<baseline>`` [CRS points], ``crps_skill`` (``1 -
        crps / crps_<baseline>``) and ``ok`` (skill above 0).
    """
    data = cv[np.isfinite(cv["actual"])]
    counts = data[data["step"] == 1].groupby("category").size()
    keep = counts[counts >= min_rounds].index
    data = data[data["category"].isin(keep)]
    if data.empty:
        return pd.DataFrame()
    table = summarize(data, by=by, models=[model, baseline])
    mine = table[table["model"] == model].set_index(list(by))
    base = table[table["model"] == baseline].set_index(list(by))
    out = pd.DataFrame(
        {
            "n": mine["n"],
            "crps": mine["crps"],
            f"crps_{baseline}": base["crps"],
            "wis": mine["wis"],
            f"wis_{baseline}": base["wis"],
        }
    )
    base = out[f"crps_{baseline}"]
    out["crps_skill"] = (1 - out["crps"] / base).where(base > 0)
    out["ok"] = out["crps_skill"] > 0
    return out.reset_index()


def schedule_accuracy(cv: pd.DataFrame, by: Sequence[str] = ("category",)) -> pd.DataFrame:
    """Accuracy of the schedule models (round sizes and dates) in a backtest frame.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n``, ``size_mae`` (the size model's error) and ``size_mae_naive`` (repeating
        the category's last size) [candidates], ``date_mae`` and ``date_bias`` (expected minus
        actual date) [days].
    """
    by = list(by)
    data = cv[np.isfinite(cv["actual_invitations"])]
    groups = data.groupby(by, sort=True) if by else [((), data)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        days = (part["expected_date"] - part["date"]).dt.days.astype(float)
        rows.append(
            {
                **dict(zip(by, key, strict=True)),
                "n": len(part),
                "size_mae": float(
                    np.mean(np.abs(part["invitations"] - part["actual_invitations"]))
                ),
                "size_mae_naive": float(
                    np.mean(np.abs(part["last_invitations"] - part["actual_invitations"]))
                ),
                "date_mae": float(np.mean(np.abs(days))),
                "date_bias": float(np.mean(days)),
            }
        )
    return pd.DataFrame(rows)
