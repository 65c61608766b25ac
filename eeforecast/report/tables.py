"""The report's tables: the summary, the pool's trend and the backtest views."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation import summarize
from ..plots import candidates_above

__all__ = ["backtest_views", "pool_trend", "summary_table"]


def summary_table(
    rounds: pd.DataFrame, forecast: pd.DataFrame | None, categories: list[str]
) -> pd.DataFrame:
    """Latest round and forecast next round of each category.

    Parameters
    ----------
    rounds : pandas.DataFrame
        Tidy rounds.
    forecast : pandas.DataFrame or None
        The forecast frame (``category, step, date, cutoff, cutoff_lo_80, cutoff_hi_80, model``);
        the step-1 row of each category is used.
    categories : list of str
        Rows, in order.

    Returns
    -------
    pandas.DataFrame
        ``category, last_round, last_date, last_invitations, last_cutoff`` [CRS points],
        ``date, invitations, cutoff, cutoff_lo_80, cutoff_hi_80, model`` (the forecast next round;
        NaN where none).
    """
    rows = []
    for cat in categories:
        past = rounds[rounds["category"] == cat]
        last = past.iloc[-1] if len(past) else None
        row = {
            "category": cat,
            "last_round": last["draw_number"] if last is not None else None,
            "last_date": last["date"] if last is not None else pd.NaT,
            "last_invitations": int(last["invitations"]) if last is not None else np.nan,
            "last_cutoff": int(last["cutoff"]) if last is not None else np.nan,
        }
        nxt = None
        if forecast is not None and len(forecast):
            fc = forecast[forecast["category"] == cat].sort_values("step")
            nxt = fc.iloc[0] if len(fc) else None
        for col in ("date", "invitations", "cutoff", "cutoff_lo_80", "cutoff_hi_80", "model"):
            row[col] = nxt[col] if nxt is not None and col in nxt.index else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def pool_trend(feed, threshold: int = 501) -> pd.DataFrame:
    """Pool size and candidates with a score >= ``threshold`` in the latest snapshot, with their
    change.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``pool``, ``above``): ``quantity, as_of, value`` [candidates],
        ``change_4w``, ``change_12w`` [candidates] against the latest snapshot at least 4 and 12
        weeks older (NaN when there is none), and ``since_4w``, ``since_12w``, those snapshots'
        dates (snapshots are irregular: "4 weeks" can be 5).
    """
    hist = candidates_above(feed.snapshots, threshold)
    if hist.empty:
        return pd.DataFrame(
            columns=[
                "quantity",
                "as_of",
                "value",
                "change_4w",
                "change_12w",
                "since_4w",
                "since_12w",
            ]
        )
    last = hist.iloc[-1]
    rows = []
    for qty, name in (
        ("pool", "Candidates in the pool"),
        ("above", f"Candidates at or above {threshold}"),
    ):
        row = {"quantity": name, "as_of": last["as_of"], "value": float(last[qty])}
        for weeks in (4, 12):
            older = hist[hist["as_of"] <= last["as_of"] - pd.Timedelta(weeks=weeks)]
            row[f"change_{weeks}w"] = (
                float(last[qty] - older.iloc[-1][qty]) if len(older) else np.nan
            )
            row[f"since_{weeks}w"] = older.iloc[-1]["as_of"] if len(older) else pd.NaT
        rows.append(row)
    return pd.DataFrame(rows)


def backtest_views(rows: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The two views figure 6 draws from a backtest frame (:func:`eeforecast.evaluation.cross_validation` rows): MAE by model x step over all categories (``model, step, mae``
    [CRS points]) and interval coverage by model x level (``model, level, coverage`` [fraction])."""
    if rows is None or rows.empty:
        return pd.DataFrame(columns=["model", "step", "mae"]), None
    errors = summarize(rows, by=("step",))[["model", "step", "mae"]]
    overall = summarize(rows, by=())
    cov_cols = [c for c in overall.columns if c.startswith("coverage_")]
    cov = overall.melt(
        id_vars=["model"], value_vars=cov_cols, var_name="level", value_name="coverage"
    ).dropna()
    cov["level"] = cov["level"].str.removeprefix("coverage_").astype(float)
    return errors, cov
