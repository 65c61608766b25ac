"""Schedules: which rounds to simulate, as explicit rounds, repeating rules and budgets.

:class:`Invitations` (a round's size) and :class:`Round` live in :mod:`.rounds`;
:class:`Rule` is a repeating round on a calendar (:class:`~eeforecast.simulate.calendar.Cadence`),
:class:`Budget` a total of invitations spread over the rounds of a cadence, and :class:`Schedule`
a set of them, loadable from a mapping or a TOML file.
"""

from __future__ import annotations

import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..checks import as_day, as_model_day, as_positive, as_slug
from ..errors import ParameterError
from ..files import read_file
from ..pool import parse_subpool_table
from .calendar import Cadence, weekend_days
from .rounds import Invitations, Round, parse_draw

__all__ = [
    "FILLS",
    "MAX_ROUND_SIZE",
    "Budget",
    "Invitations",
    "Round",
    "Rule",
    "Schedule",
    "ScheduleWarning",
    "parse_draw",
]

#: Largest round a budget may plan [candidates]: IRCC's largest round so far invited 27,332
#: (#176, CEC, 2021-02-13).
MAX_ROUND_SIZE = 30_000

#: How categories a schedule leaves out are treated: ``None`` (no rounds) or ``"recent"`` (their
#: recent pace, see :func:`eeforecast.forecast.with_recent_pace`).
FILLS = (None, "recent")


class ScheduleWarning(UserWarning):
    """Rounds of a schedule fall on a weekend, or before the as-of day (and are dropped)."""


@dataclass(frozen=True)
class Rule:
    """A repeating round: ``category`` invites ``invitations`` at every day of a cadence.

    Parameters
    ----------
    category : str
        Category slug.
    invitations : Invitations
        Invitations per round [candidates].
    every : int or Cadence
        Days between rounds [days], or a calendar cadence (weekly on a weekday, monthly, business
        days only, holidays skipped: :class:`~eeforecast.simulate.calendar.Cadence`).
    start : pandas.Timestamp or None
        First day; ``None`` means the schedule's start (e.g. the ``--as-of`` day).
    end : pandas.Timestamp
        No round after this day.
    """

    category: str
    invitations: Invitations
    every: int | Cadence
    start: pd.Timestamp | None
    end: pd.Timestamp

    @classmethod
    def make(
        cls,
        category: str,
        invitations: object,
        *,
        end: object,
        start: object = None,
        where: str = "rule",
        **cadence,
    ) -> Rule:
        """Validated constructor; ``cadence`` takes the schedule file's keys (``every``,
        ``weekday``, ``monthly``, ``business_days``, ``skip_holidays``).

        Examples
        --------
        >>> r = Rule.make("cec", 3000, every="2w", weekday="wed", end="2026-02-28")
        >>> [f"{d:%m-%d}" for d in r.dates("2026-01-01")]
        ['01-07', '01-21', '02-04', '02-18']
        """
        first, last = _span(start, end, where)
        return cls(
            as_slug(category, f"{where}.category"),
            Invitations.parse(invitations, f"{where}.invitations"),
            Cadence.parse(cadence, where),
            first,
            last,
        )

    @property
    def cadence(self) -> Cadence:
        """The cadence (``every`` in days as a :class:`Cadence`)."""
        return Cadence.parse(self.every, "rule.every")

    def dates(self, default_start: pd.Timestamp | None = None) -> list[pd.Timestamp]:
        """The days of the rounds the rule generates."""
        start = self.start if self.start is not None else default_start
        if start is None:
            raise ParameterError(f"rule {self.category}: 'from' is missing and no start was given")
        return list(self.cadence.dates(start, self.end))


@dataclass(frozen=True)
class Budget:
    """A total of invitations spread evenly over the rounds of a cadence.

    A levels-plan target turned into rounds: ``total`` invitations of ``category`` from
    ``start`` to ``end``, one round at every day of ``every``, each inviting ``total / n`` (whole
    numbers differing by at most one, the larger ones first, adding up to ``total``).

    Parameters
    ----------
    category : str
        Category slug.
    total : int
        Invitations over the span [candidates].
    every : Cadence
        When the rounds are held.
    start : pandas.Timestamp or None
        First day (``None``: the schedule's start, e.g. the as-of day).
    end : pandas.Timestamp
        Last day.
    max_size : float
        Largest round the budget may need (:data:`~eeforecast.simulate.MAX_ROUND_SIZE`) [candidates].

    Raises
    ------
    ParameterError
        From :meth:`rounds`: no round day in the span, or a round size below 1 or above
        ``max_size`` (the budget cannot be met at this cadence).

    Examples
    --------
    >>> b = Budget.make("cec", 40000, start="2026-01-01", end="2026-12-31", every="2w-wed")
    >>> rounds = b.rounds()
    >>> len(rounds), int(rounds[0].invitations.expected()), int(rounds[-1].invitations.expected())
    (26, 1539, 1538)
    """

    category: str
    total: int
    every: Cadence
    start: pd.Timestamp | None
    end: pd.Timestamp
    max_size: float = MAX_ROUND_SIZE

    @classmethod
    def make(
        cls,
        category: str,
        total: object,
        *,
        end: object,
        start: object = None,
        max_size: object = MAX_ROUND_SIZE,
        where: str = "budget",
        **cadence,
    ) -> Budget:
        """Validated constructor; ``cadence`` as for :meth:`Rule.make`."""
        first, last = _span(start, end, where)
        return cls(
            as_slug(category, f"{where}.category"),
            int(as_positive(total, f"{where}.total", integer=True)),
            Cadence.parse(cadence, where),
            first,
            last,
            as_positive(max_size, f"{where}.max_size"),
        )

    def rounds(self, default_start: pd.Timestamp | None = None) -> list[Round]:
        """The budget's rounds, each with its share of the total."""
        where = f"budget {self.category} {self.total:,}"
        start = self.start if self.start is not None else default_start
        if start is None:
            raise ParameterError(f"{where}: 'from' is missing and no start was given")
        days = self.every.dates(start, self.end)
        span = f"{start:%Y-%m-%d}..{self.end:%Y-%m-%d}"
        if not len(days):
            raise ParameterError(
                f"{where}: no round day {self.every.describe()} in {span}; the budget cannot be "
                "met at this cadence"
            )
        n = len(days)
        base, extra = divmod(self.total, n)
        if base < 1:
            raise ParameterError(
                f"{where}: {n} rounds {self.every.describe()} in {span} would invite less than "
                f"one candidate each; use a sparser cadence"
            )
        if base + (extra > 0) > self.max_size:
            raise ParameterError(
                f"{where}: {n} rounds {self.every.describe()} in {span} would invite "
                f"{self.total / n:,.0f} each, more than the largest plausible round "
                f"({self.max_size:,.0f}); the budget cannot be met at this cadence (use a denser "
                "cadence or raise max_size)"
            )
        return [
            Round(day, self.category, Invitations("fixed", (("value", float(base + (i < extra))),)))
            for i, day in enumerate(days)
        ]


def _span(start: object, end: object, where: str) -> tuple[pd.Timestamp | None, pd.Timestamp]:
    first = None if start is None else as_model_day(start, f"{where}.from")
    last = as_model_day(end, f"{where}.to")
    if first is not None and last < first:
        raise ParameterError(f"{where}.to: {last:%Y-%m-%d} is before from {first:%Y-%m-%d}")
    return first, last


_CADENCE_KEYS = ("every", "weekday", "monthly", "business_days", "skip_holidays")


@dataclass(frozen=True)
class Schedule:
    """Rounds to simulate: explicit rounds, repeating rules and budgets.

    Build one with :meth:`from_dict`, :meth:`from_toml`, :meth:`from_budget` or directly from
    :class:`Round`, :class:`Rule` and :class:`Budget` objects. :meth:`expand` returns the rounds
    in the order they are held (by date; on one day, explicit rounds first in their given order,
    then rule rounds in rule order, then budget rounds).

    Parameters
    ----------
    rounds, rules, budgets : tuple
        The explicit rounds, the repeating rules and the budgets.
    fill : {None, "recent"}
        ``"recent"``: the categories active in the year before the as-of day that the schedule
        does not mention keep their recent pace (applied by
        :func:`eeforecast.forecast.with_recent_pace`, which :func:`eeforecast.projection.project` and the
        scenario functions call; their rounds are marked ``filled``). ``None``: they hold no
        round.
    subpools : dict of str to dict
        A researcher's sub-pool settings per category for a sensitivity run
        (:func:`eeforecast.pool.parse_subpool_table`, applied with
        :meth:`eeforecast.pool.PoolModel.with_subpools`); empty: the fitted sub-pools.

    Examples
    --------
    >>> sched = Schedule.from_dict({
    ...     "round": [{"date": "2026-01-07", "category": "cec", "invitations": 3000}],
    ...     "rule": [{"category": "pnp", "invitations": 500, "every": 14,
    ...               "from": "2026-01-05", "to": "2026-02-01"}]})
    >>> [(f"{r.date:%m-%d}", r.category) for r in sched.expand()]
    [('01-05', 'pnp'), ('01-07', 'cec'), ('01-19', 'pnp')]
    """

    rounds: tuple[Round, ...] = ()
    rules: tuple[Rule, ...] = ()
    budgets: tuple[Budget, ...] = ()
    fill: str | None = None
    subpools: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        if self.fill not in FILLS:
            raise ParameterError(f"fill: expected None or 'recent', got {self.fill!r}")

    @classmethod
    def from_dict(cls, data: Mapping) -> Schedule:
        """From a mapping with lists ``round`` (``date, category, invitations``), ``rule``
        (``category, invitations, to``, optional ``from``, and a cadence: ``every`` with an
        optional ``weekday``, or ``monthly``; optional ``business_days``, ``skip_holidays``),
        ``budget`` (``category, total, to``, optional ``from``, ``max_size``, and a cadence) and
        a table ``defaults`` (``fill``), as in the TOML file, and optional ``subpool`` tables:
        a researcher's settings per category (:func:`eeforecast.pool.parse_subpool_table`)."""
        if not isinstance(data, Mapping):
            raise ParameterError("schedule: expected a table with 'round' and/or 'rule' lists")
        unknown = set(data) - {"round", "rule", "budget", "defaults", "subpool"}
        if unknown:
            raise ParameterError(
                f"schedule: unknown key(s) {sorted(unknown)}; expected [[round]], [[rule]], "
                "[[budget]], [defaults] and [subpool.<category>]"
            )
        rounds = []
        for i, item in enumerate(_as_list(data.get("round", []), "round")):
            where = f"round[{i}]"
            _check_keys(item, where, required=("date", "category", "invitations"), optional=())
            rounds.append(
                Round.make(item["date"], item["category"], item["invitations"], where=where)
            )
        rules = []
        for i, item in enumerate(_as_list(data.get("rule", []), "rule")):
            where = f"rule[{i}]"
            _check_keys(
                item,
                where,
                required=("category", "invitations", "to"),
                optional=("from", *_CADENCE_KEYS),
            )
            rules.append(
                Rule.make(
                    item["category"],
                    item["invitations"],
                    start=item.get("from"),
                    end=item["to"],
                    where=where,
                    **{k: item[k] for k in _CADENCE_KEYS if k in item},
                )
            )
        budgets = []
        for i, item in enumerate(_as_list(data.get("budget", []), "budget")):
            where = f"budget[{i}]"
            _check_keys(
                item,
                where,
                required=("category", "total", "to"),
                optional=("from", "max_size", *_CADENCE_KEYS),
            )
            budgets.append(
                Budget.make(
                    item["category"],
                    item["total"],
                    start=item.get("from"),
                    end=item["to"],
                    max_size=item.get("max_size", MAX_ROUND_SIZE),
                    where=where,
                    **{k: item[k] for k in _CADENCE_KEYS if k in item},
                )
            )
        defaults = data.get("defaults", {})
        if not isinstance(defaults, Mapping):
            raise ParameterError("schedule: 'defaults' must be a table ([defaults])")
        _check_keys(defaults, "defaults", required=(), optional=("fill",))
        fill = defaults.get("fill")
        if fill not in FILLS:
            raise ParameterError(
                f'defaults.fill: expected "recent" (left-out categories keep their recent '
                f"pace), got {fill!r}"
            )
        subpools = parse_subpool_table(data["subpool"]) if "subpool" in data else {}
        return cls(tuple(rounds), tuple(rules), tuple(budgets), fill, subpools)

    @classmethod
    def from_toml(cls, path: str | Path) -> Schedule:
        """Read a schedule file.

        Example file::

            [defaults]
            fill = "recent"   # categories not below keep their recent pace

            [[round]]
            date = "2026-01-07"
            category = "cec"
            invitations = 3000

            [[rule]]
            category = "general"
            invitations = {dist = "normal", mean = 2500, sd = 400}
            every = "2w"        # or 14 [days]
            weekday = "wed"
            from = "2026-01-14"
            to = "2026-06-30"

            [[rule]]
            category = "french"
            invitations = 5000
            monthly = {weekday = "thu", week = 1}   # or {day = 15}
            business_days = true
            skip_holidays = true
            to = "2026-12-31"

            [[budget]]
            category = "healthcare"
            total = 20000     # [candidates], spread over the rounds
            monthly = {day = 15}
            from = "2026-01-01"
            to = "2026-12-31"

            [subpool.cec]     # optional: a sub-pool set or bounded for a sensitivity run
            share_below = {low = 0.2, high = 0.5}
        """
        path = Path(path)
        try:
            data = read_file(path, what="a TOML schedule", noun="schedule", error=ParameterError)
        except ParameterError as exc:
            reason = str(exc).removeprefix(f"{path}: ")
            raise ParameterError(f"schedule {path}: cannot read: {reason}") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ParameterError(
                f"schedule {path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it "
                "as UTF-8"
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"schedule {path}: malformed TOML: {exc}") from None
        except RecursionError:
            raise ParameterError(
                f"schedule {path}: nested deeper than Python can read (a schedule needs 3 levels)"
            ) from None
        try:
            return cls.from_dict(data)
        except ParameterError as exc:
            raise ParameterError(f"schedule {path}: {exc}") from None

    @classmethod
    def from_budget(
        cls,
        category: str,
        total: int,
        *,
        end: object,
        start: object = None,
        max_size: float = MAX_ROUND_SIZE,
        fill: str | None = None,
        **cadence,
    ) -> Schedule:
        """A schedule of one budget (:class:`Budget`): ``total`` invitations [candidates] of
        ``category`` from ``start`` to ``end`` at a cadence (``every=``, ``weekday=``,
        ``monthly=``, ``business_days=``, ``skip_holidays=``)."""
        budget = Budget.make(category, total, start=start, end=end, max_size=max_size, **cadence)
        return cls(budgets=(budget,), fill=fill)

    def __add__(self, other: Schedule) -> Schedule:
        return Schedule(
            self.rounds + other.rounds,
            self.rules + other.rules,
            self.budgets + other.budgets,
            self.fill or other.fill,
            {**self.subpools, **other.subpools},
        )

    @property
    def categories(self) -> tuple[str, ...]:
        """The categories the schedule mentions, in order of first mention."""
        items = [*self.rounds, *self.rules, *self.budgets]
        return tuple(dict.fromkeys(item.category for item in items))

    @property
    def end(self) -> pd.Timestamp | None:
        """The last day the schedule covers (its last round, rule or budget end), or None."""
        days = [r.date for r in self.rounds] + [r.end for r in (*self.rules, *self.budgets)]
        return max(days) if days else None

    def expand(self, start: object = None, *, warn: bool = True) -> list[Round]:
        """Every round, in the order held.

        Rules and budgets without ``from`` start on ``start``. With ``start`` (the as-of day),
        rule rounds dated before it are dropped, a budget starting before it is an error, and
        one :class:`ScheduleWarning` (with ``warn``) says how many rounds were dropped and how
        many fall on a Saturday or Sunday.
        """
        start = None if start is None else as_day(start, "start")
        items = [(r.date, 0, i, r) for i, r in enumerate(self.rounds)]
        early = []
        for j, rule in enumerate(self.rules):
            for d in rule.dates(start):
                rnd = Round(d, rule.category, rule.invitations)
                if start is not None and d < start:
                    early.append(rnd)
                else:
                    items.append((d, 1 + j, 0, rnd))
        for j, budget in enumerate(self.budgets):
            if start is not None and budget.start is not None and budget.start < start:
                raise ParameterError(
                    f"budget {budget.category} {budget.total:,}: from {budget.start:%Y-%m-%d} is "
                    f"before the as-of day {start:%Y-%m-%d}; a budget is spread over future "
                    "rounds only (give what is left of it from the as-of day)"
                )
            offset = 1 + len(self.rules) + j
            items += [(r.date, offset, 0, r) for r in budget.rounds(start)]
        items.sort(key=lambda t: t[:3])
        rounds = [t[3] for t in items]
        if warn:
            _warn_days(rounds, early, start)
        return rounds


def _warn_days(rounds: list[Round], early: list[Round], start: pd.Timestamp | None) -> None:
    """One :class:`ScheduleWarning` for the whole schedule: rounds on weekends, dropped rounds."""
    parts = []
    weekend = [r for r, w in zip(rounds, weekend_days([r.date for r in rounds]), strict=True) if w]
    if weekend:
        first = weekend[0]
        parts.append(
            f"{len(weekend)} of {len(rounds)} rounds fall on a Saturday or Sunday (first: "
            f"{first.category} on {first.date:%a %Y-%m-%d}); IRCC holds rounds on weekdays "
            "(business_days = true moves them to the Monday)"
        )
    if early:
        parts.append(
            f"{len(early)} rule round(s) dated before the as-of day {start:%Y-%m-%d} are "
            f"dropped (first: {early[0].category} on {early[0].date:%Y-%m-%d})"
        )
    if parts:
        warnings.warn("schedule: " + "; ".join(parts), ScheduleWarning, stacklevel=3)


def _as_list(value: object, name: str) -> list:
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ParameterError(f"schedule: '{name}' must be a list of tables ([[{name}]])")
    return value


def _check_keys(item: Mapping, where: str, *, required: tuple, optional: tuple) -> None:
    missing = [k for k in required if k not in item]
    if missing:
        raise ParameterError(f"{where}: missing field(s) {missing}")
    unknown = set(item) - set(required) - set(optional)
    if unknown:
        raise ParameterError(f"{where}: unknown field(s) {sorted(unknown)}")
