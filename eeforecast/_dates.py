"""One reader of the dates users give (``as_of``, round days, backtest spans)."""

from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from .errors import ParameterError

#: A day written YYYY-MM-DD, optionally followed by a time ("2025-06-30 00:00:00", ISO "T").
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def as_day(value: object, name: str) -> pd.Timestamp:
    """A day (midnight, tz-naive) from a date-like value.

    Parameters
    ----------
    value : str, datetime.date, numpy.datetime64 or pandas.Timestamp
        A string must be written YYYY-MM-DD (a time after it is allowed and dropped): other
        forms such as ``03/04/2024`` mean different days in different countries and are refused
        rather than guessed. Numbers are refused too (``20240326`` is not a day).
    name : str
        The parameter or field named in the error.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ParameterError
        Naming ``name`` and the value.

    Examples
    --------
    >>> as_day("2025-06-30", "as_of")
    Timestamp('2025-06-30 00:00:00')
    >>> as_day("03/04/2024", "as_of")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: as_of: expected a date YYYY-MM-DD, got '03/04/2024'
    """
    ok = isinstance(value, _dt.date | np.datetime64) or (
        isinstance(value, str) and _ISO.fullmatch(value.strip()) is not None
    )
    day = pd.NaT
    if ok:
        try:
            day = pd.Timestamp(value.strip() if isinstance(value, str) else value)
        except (ValueError, TypeError):
            day = pd.NaT
    if pd.isna(day):
        raise ParameterError(f"{name}: expected a date YYYY-MM-DD, got {value!r}")
    if day.tzinfo is not None:
        day = day.tz_convert(None)
    return day.normalize()
