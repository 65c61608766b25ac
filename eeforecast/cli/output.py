"""Printing frames: an aligned table, CSV or JSON records, in one vocabulary of columns."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

__all__ = ["FORMATS", "emit", "rounded"]

FORMATS = ("table", "csv", "json")


def emit(frame: pd.DataFrame, fmt: str = "table", file=None) -> None:
    """Print ``frame`` as an aligned table, CSV or JSON records (dates as ISO strings).

    JSON has no infinity: an infinite number (e.g. a backlog that never clears) is written as
    the string ``"inf"`` or ``"-inf"``, as CSV and the table print it; missing values are ``null``.
    """
    file = file or sys.stdout
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            stamps = out[col]
            with_time = (stamps.dropna() != stamps.dropna().dt.normalize()).any()
            out[col] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d")
    if fmt == "csv":
        out.to_csv(file, index=False, lineterminator="\n")
    elif fmt == "table" and out.empty:  # pandas would print "Empty DataFrame ..."
        file.write("  ".join(str(col) for col in out.columns) + "\n")
    elif fmt == "json":
        for col in out.select_dtypes("number").columns:
            values = out[col]
            if np.isinf(values.to_numpy(dtype=float)).any():
                out[col] = values.astype(object).where(~np.isinf(values), values.map(str))
        file.write(out.to_json(orient="records", indent=1, double_precision=10) + "\n")
    else:
        with pd.option_context(
            "display.max_rows", None, "display.max_columns", None, "display.width", 200
        ):
            file.write(out.to_string(index=False, na_rep="") + "\n")


def rounded(frame: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Round the numeric columns only (``DataFrame.round`` warns on datetime columns)."""
    numeric = frame.select_dtypes("number").columns
    return frame.assign(**{col: frame[col].round(decimals) for col in numeric})
