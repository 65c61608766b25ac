"""Round days by calendar: cadences (every N days or weeks, monthly), business days and Canada's
federal statutory holidays.

A :class:`Cadence` says when a repeating round is held; :meth:`Cadence.dates` lists the days
between two dates. The holidays are computed by rule (:func:`federal_holidays`), not downloaded.

Holidays
--------
The ten *general holidays* of the Canada Labour Code (R.S.C. 1985, c. L-2, s. 166, as amended in
2021 by S.C. 2021, c. 11 to add the National Day for Truth and Reconciliation): New Year's Day,
Good Friday, Victoria Day (the Monday before 25 May), Canada Day, Labour Day (first Monday of
September), National Day for Truth and Reconciliation (30 September, from 2021), Thanksgiving Day
(second Monday of October), Remembrance Day, Christmas Day and Boxing Day. Assumed: a holiday on a
Saturday or Sunday is observed on the next weekday that is not itself a holiday (as in the federal
public service's collective agreements; Christmas on a Saturday is observed on Monday the 27th and
Boxing Day on Tuesday the 28th). Not included: Easter Monday and the August civic holiday, which
much of the federal public service also observes but which are not general holidays under the
Code, and provincial holidays. The rules hold from 2021 until Parliament changes the list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from dateutil.relativedelta import MO
from pandas.tseries.holiday import (
    AbstractHolidayCalendar,
    GoodFriday,
    Holiday,
    next_monday,
    next_monday_or_tuesday,
)

from ..checks import MAX_EVERY, short_number
from ..errors import ParameterError

__all__ = ["WEEKDAYS", "Cadence", "FederalHolidays", "federal_holidays", "weekend_days"]

#: Weekday names accepted in schedules, Monday = 0.
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_NAMES = {v: k for k, v in WEEKDAYS.items()}
_ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class FederalHolidays(AbstractHolidayCalendar):
    """Canada's federal general holidays (Canada Labour Code s. 166), as observed (see the module
    notes)."""

    rules = [
        Holiday("New Year's Day", month=1, day=1, observance=next_monday),
        GoodFriday,
        Holiday("Victoria Day", month=5, day=24, offset=pd.DateOffset(weekday=MO(-1))),
        Holiday("Canada Day", month=7, day=1, observance=next_monday),
        Holiday("Labour Day", month=9, day=1, offset=pd.DateOffset(weekday=MO(1))),
        Holiday(
            "National Day for Truth and Reconciliation",
            month=9,
            day=30,
            start_date="2021-09-30",
            observance=next_monday,
        ),
        Holiday("Thanksgiving Day", month=10, day=1, offset=pd.DateOffset(weekday=MO(2))),
        Holiday("Remembrance Day", month=11, day=11, observance=next_monday),
        Holiday("Christmas Day", month=12, day=25, observance=next_monday),
        Holiday("Boxing Day", month=12, day=26, observance=next_monday_or_tuesday),
    ]


def federal_holidays(start: object, end: object) -> pd.DatetimeIndex:
    """The observed federal holidays from ``start`` to ``end`` (inclusive).

    Examples
    --------
    >>> [f"{d:%m-%d}" for d in federal_holidays("2026-01-01", "2026-12-31")]
    ['01-01', '04-03', '05-18', '07-01', '09-07', '09-30', '10-12', '11-11', '12-25', '12-28']
    """
    days = FederalHolidays().holidays(pd.Timestamp(start), pd.Timestamp(end))
    return pd.DatetimeIndex(days).normalize()


def weekend_days(dates) -> np.ndarray:
    """Boolean mask of the days that fall on a Saturday or Sunday."""
    return np.asarray(pd.DatetimeIndex(dates).day_of_week >= 5)


_EVERY = re.compile(r"^\s*(\d+)\s*([dw]?)\s*$", re.IGNORECASE)
_TEXT = re.compile(
    r"^(?:(?P<n>\d+)(?P<unit>[dw])?(?:-(?P<wd>[a-z]{3}))?"
    r"|monthly-(?:(?P<day>\d+)|(?P<week>[1-4]|last)(?P<mwd>[a-z]{3})))"
    r"(?P<flags>(?:\+(?:bd|hol))*)$",
    re.IGNORECASE,
)


def _weekday(value: object, where: str) -> int:
    key = str(value).strip().lower()[:3] if isinstance(value, str) else None
    if key not in WEEKDAYS:
        raise ParameterError(f"{where}: expected a weekday mon..sun, got {value!r}")
    return WEEKDAYS[key]


def _flag(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise ParameterError(f"{where}: expected true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class Cadence:
    """When a repeating round is held.

    Exactly one of ``days``, ``weeks`` or the monthly fields is set.

    Parameters
    ----------
    days : int or None
        Every ``days`` days from the first day [days].
    weeks : int or None
        Every ``weeks`` weeks [weeks], on ``weekday`` (default: the first day's weekday).
    weekday : int or None
        Weekday of weekly rounds, or of monthly rounds with ``month_week`` (Monday = 0).
    month_day : int or None
        Monthly, on this day of the month (1..31; a month without it uses its last day).
    month_week : int or None
        Monthly, on the ``month_week``-th ``weekday`` of the month (1..4, or -1 for the last).
    business_days : bool
        A round falling on a Saturday or Sunday moves to the next weekday.
    skip_holidays : bool
        A round falling on a federal holiday (:func:`federal_holidays`) moves to the next day
        that is not one (nor, with ``business_days``, a weekend day).

    Notes
    -----
    Written in a schedule file as ``every = 14`` (days) or ``every = "2w"`` with an optional
    ``weekday = "wed"``, or ``monthly = {day = 15}`` or ``monthly = {weekday = "thu", week = 1}``
    (``week = -1``: the last), with ``business_days = true`` and ``skip_holidays = true``; or as
    one string (:meth:`parse`, the command line): ``14d``, ``2w``, ``2w-wed``, ``monthly-15``,
    ``monthly-1thu``, ``monthly-lastthu``, each optionally followed by ``+bd`` and ``+hol``.
    Two rounds moved onto the same day are held once, and a round moved past the last day is
    dropped.

    Examples
    --------
    >>> c = Cadence.parse("monthly-1thu+bd")
    >>> [f"{d:%Y-%m-%d}" for d in c.dates("2026-01-01", "2026-03-31")]
    ['2026-01-01', '2026-02-05', '2026-03-05']
    >>> str(c), c.rounds_per_year
    ('monthly-1thu+bd', 12.0)
    """

    days: int | None = None
    weeks: int | None = None
    weekday: int | None = None
    month_day: int | None = None
    month_week: int | None = None
    business_days: bool = False
    skip_holidays: bool = False

    @classmethod
    def parse(cls, spec: object, where: str = "cadence") -> Cadence:
        """From a string (see Notes), a whole number of days, or a mapping with the schedule
        file's keys ``every``, ``weekday``, ``monthly``, ``business_days``, ``skip_holidays``
        (``every`` may also be a whole cadence string such as ``"monthly-1thu"``)."""
        if isinstance(spec, Cadence):
            return spec
        if isinstance(spec, str):
            return cls._from_text(spec, where)
        if not isinstance(spec, Mapping):
            spec = {"every": spec}
        unknown = set(spec) - {"every", "weekday", "monthly", "business_days", "skip_holidays"}
        if unknown:
            raise ParameterError(f"{where}: unknown field(s) {sorted(unknown)}")
        flags = {
            k: _flag(spec[k], f"{where}.{k}")
            for k in ("business_days", "skip_holidays")
            if k in spec
        }
        every = spec.get("every")
        if isinstance(every, str) and not _EVERY.match(every) and set(spec) <= {"every", *flags}:
            text = cls._from_text(every, f"{where}.every")  # e.g. every = "monthly-1thu"
            return replace(text, **{k: v or getattr(text, k) for k, v in flags.items()})
        if ("every" in spec) == ("monthly" in spec):
            raise ParameterError(
                f"{where}: give either 'every' (e.g. 14 or \"2w\") or 'monthly' (e.g. "
                '{day = 15} or {weekday = "thu", week = 1})'
            )
        if "monthly" in spec:
            if "weekday" in spec:
                raise ParameterError(f"{where}.weekday: monthly rounds take it inside 'monthly'")
            return cls(**cls._monthly(spec["monthly"], f"{where}.monthly"), **flags)
        every = spec["every"]
        days, weeks = cls._every(every, f"{where}.every")
        weekday = None
        if "weekday" in spec:
            weekday = _weekday(spec["weekday"], f"{where}.weekday")
            if weeks is None:
                if days % 7:
                    raise ParameterError(
                        f"{where}.weekday: needs 'every' in whole weeks (e.g. \"2w\"), "
                        f"got {every!r}"
                    )
                days, weeks = None, days // 7
        return cls(days=days, weeks=weeks, weekday=weekday, **flags)

    @staticmethod
    def _every(every: object, where: str) -> tuple[int | None, int | None]:
        if isinstance(every, bool) or not isinstance(every, int | str | np.integer):
            raise ParameterError(
                f'{where}: must be a whole number of days >= 1 or a span like "2w", got {every!r}'
            )
        match = _EVERY.match(str(every))
        n = int(match.group(1)) if match and len(match.group(1)) <= 6 else 0
        weeks = bool(match) and match.group(2).lower() == "w"
        if not 1 <= n * (7 if weeks else 1) <= MAX_EVERY:
            raise ParameterError(
                f"{where}: must be a whole number of days >= 1 (at most {MAX_EVERY:,}) or a span "
                f'like "2w" or "14d" (monthly rounds are written monthly = {{...}}), got '
                f"{short_number(every)}"
            )
        return (None, n) if weeks else (n, None)

    @staticmethod
    def _monthly(spec: object, where: str) -> dict:
        if not isinstance(spec, Mapping):
            raise ParameterError(
                f'{where}: expected {{day = 15}} or {{weekday = "thu", week = 1}}, got {spec!r}'
            )
        keys = set(spec)
        if keys == {"day"}:
            day = spec["day"]
            if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
                raise ParameterError(f"{where}.day: expected a day of the month 1..31, got {day!r}")
            return {"month_day": day}
        if keys == {"weekday", "week"}:
            week = spec["week"]
            if isinstance(week, bool) or week not in (1, 2, 3, 4, -1):
                raise ParameterError(
                    f"{where}.week: expected 1, 2, 3, 4 or -1 (the last), got {week!r}"
                )
            return {"month_week": week, "weekday": _weekday(spec["weekday"], f"{where}.weekday")}
        raise ParameterError(
            f"{where}: expected the keys day, or weekday and week; got {sorted(keys)}"
        )

    @classmethod
    def _from_text(cls, text: str, where: str) -> Cadence:
        match = _TEXT.match(text.strip().lower())
        if not match:
            raise ParameterError(
                f"{where}: expected a cadence such as 14d, 2w, 2w-wed, monthly-15, monthly-1thu "
                f"or monthly-lastthu (optionally +bd, +hol), got {text!r}"
            )
        g = match.groupdict()
        flags = {"business_days": "+bd" in g["flags"], "skip_holidays": "+hol" in g["flags"]}
        if g["n"] is not None:
            spec = {"every": g["n"] + (g["unit"] or "d")}
            if g["wd"]:
                spec["weekday"] = g["wd"]
            return cls.parse({**spec, **flags}, where)
        if g["day"] is not None:
            monthly = {"day": int(g["day"])}
        else:
            monthly = {"weekday": g["mwd"], "week": -1 if g["week"] == "last" else int(g["week"])}
        return cls.parse({"monthly": monthly, **flags}, where)

    def __str__(self) -> str:
        if self.days is not None:
            text = f"{self.days}d"
        elif self.weeks is not None:
            text = f"{self.weeks}w" + (
                f"-{_NAMES[self.weekday]}" if self.weekday is not None else ""
            )
        elif self.month_day is not None:
            text = f"monthly-{self.month_day}"
        else:
            week = "last" if self.month_week == -1 else str(self.month_week)
            text = f"monthly-{week}{_NAMES[self.weekday]}"
        return text + ("+bd" if self.business_days else "") + ("+hol" if self.skip_holidays else "")

    def describe(self) -> str:
        """The cadence in words, e.g. ``every 2 weeks on Wednesday``."""
        if self.days is not None:
            text = f"every {self.days} days" if self.days != 1 else "every day"
        elif self.weeks is not None:
            text = f"every {self.weeks} weeks" if self.weeks != 1 else "every week"
            if self.weekday is not None:
                text += f" on {_DAY_NAMES[self.weekday]}"
        elif self.month_day is not None:
            text = f"monthly on day {self.month_day}"
        else:
            text = f"monthly on the {_ORDINALS[self.month_week]} {_DAY_NAMES[self.weekday]}"
        extra = [
            w
            for w, on in (
                ("business days only", self.business_days),
                ("federal holidays skipped", self.skip_holidays),
            )
            if on
        ]
        return text + (f" ({', '.join(extra)})" if extra else "")

    @property
    def rounds_per_year(self) -> float:
        """Rounds a year before business-day moves [rounds/year]."""
        if self.days is not None:
            return 365.25 / self.days
        if self.weeks is not None:
            return 365.25 / (7 * self.weeks)
        return 12.0

    def dates(self, start: object, end: object) -> pd.DatetimeIndex:
        """The days of the rounds from ``start`` to ``end`` (inclusive), ascending."""
        start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
        if end < start:
            return pd.DatetimeIndex([])
        if self.days is not None:
            days = pd.date_range(start, end, freq=pd.offsets.Day(self.days))
        elif self.weeks is not None:
            weekday = start.day_of_week if self.weekday is None else self.weekday
            days = pd.date_range(start, end, freq=pd.offsets.Week(self.weeks, weekday=weekday))
        elif self.month_day is not None:
            first = pd.date_range(start - pd.offsets.MonthBegin(1), end, freq="MS")
            first = first[first + pd.offsets.MonthEnd(0) >= start]
            last = (first + pd.offsets.MonthEnd(0)).day
            days = first + pd.to_timedelta(np.minimum(self.month_day, last) - 1, unit="D")
        elif self.month_week == -1:
            days = pd.date_range(start, end, freq=pd.offsets.LastWeekOfMonth(weekday=self.weekday))
        else:
            offset = pd.offsets.WeekOfMonth(week=self.month_week - 1, weekday=self.weekday)
            days = pd.date_range(start, end, freq=offset)
        days = pd.DatetimeIndex(days[(days >= start) & (days <= end)]).normalize()
        if self.business_days or self.skip_holidays:
            mask = "1111100" if self.business_days else "1111111"
            holidays = federal_holidays(start, end + pd.Timedelta(days=31))
            moved = np.busday_offset(
                days.values.astype("datetime64[D]"),
                0,
                roll="forward",
                weekmask=mask,
                holidays=holidays.values.astype("datetime64[D]") if self.skip_holidays else [],
            )
            days = pd.DatetimeIndex(np.unique(moved)).as_unit(days.unit)
            days = days[days <= end]
        return days
