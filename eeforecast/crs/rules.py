"""The CRS grid as versioned tables: which table scores a given day.

Each version of IRCC's Comprehensive Ranking System is one TOML file in ``data/rules/``, named after
the day it came into force and read once. A future change of points is one more file; no code
changes. Changes that were reported but have no confirmed point values are listed in
``data/unconfirmed.toml``: a day on or after one of them is scored with the last table before it,
and the result carries a note saying so.
"""

from __future__ import annotations

import datetime as _dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import pandas as pd

from ..checks import as_day
from ..errors import ParameterError

#: The first day the CRS scored anyone.
FIRST_DAY = pd.Timestamp("2015-01-01")


@dataclass(frozen=True)
class Rules:
    """One version of the CRS grid.

    Attributes
    ----------
    name : str
        The day the version came into force, ``YYYY-MM-DD``; results name their rules by it.
    in_force : pandas.Timestamp
        The same day as a timestamp.
    change : str
        What changed on that day, in a few words.
    core, spouse, transferability, additional : Mapping
        The tables of blocks A-D, read-only, as in the TOML file [CRS points].
    """

    name: str
    in_force: pd.Timestamp
    change: str
    core: Any
    spouse: Any
    transferability: Any
    additional: Any


def _freeze(value: Any) -> Any:
    """Read-only copy of parsed TOML: tables become mapping proxies, arrays tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


def data_path(*parts: str):
    """The packaged file or folder ``eeforecast/crs/data/<parts...>`` (a Traversable)."""
    path = resources.files("eeforecast.crs").joinpath("data")
    for part in parts:
        path = path.joinpath(part)
    return path


@cache
def all_versions() -> tuple[Rules, ...]:
    """Every table in ``data/rules/``, oldest first."""
    out = []
    for entry in data_path("rules").iterdir():
        if not entry.name.endswith(".toml"):
            continue
        table = tomllib.loads(entry.read_text(encoding="utf-8"))
        name = entry.name.removesuffix(".toml")
        if str(table["in_force"]) != name:  # a copied file whose day was not updated
            raise RuntimeError(f"rules/{entry.name}: in_force {table['in_force']} != file name")
        out.append(
            Rules(
                name=name,
                in_force=pd.Timestamp(table["in_force"]),
                change=table["change"],
                core=_freeze(table["core"]),
                spouse=_freeze(table["spouse"]),
                transferability=_freeze(table["transferability"]),
                additional=_freeze(table["additional"]),
            )
        )
    return tuple(sorted(out, key=lambda rules: rules.in_force))


@cache
def _unconfirmed() -> tuple[tuple[pd.Timestamp, str], ...]:
    """(day, change) of the reported changes with no confirmed points."""
    table = tomllib.loads(data_path("unconfirmed.toml").read_text(encoding="utf-8"))
    return tuple((pd.Timestamp(item["day"]), item["change"]) for item in table.get("change", []))


def as_of_day(as_of: object = None) -> pd.Timestamp:
    """The scoring day: ``as_of`` read as a day, today when None.

    Raises
    ------
    ParameterError
        Naming ``as_of`` when it is not a date or falls before 2015-01-01.
    """
    day = pd.Timestamp(_dt.date.today()) if as_of is None else as_day(as_of, "as_of")
    if day < FIRST_DAY:
        raise ParameterError(
            f"as_of: the CRS scores days from {FIRST_DAY:%Y-%m-%d}, got {day:%Y-%m-%d}"
        )
    return day


def rules_for(day: pd.Timestamp) -> tuple[Rules, tuple[str, ...]]:
    """The table in force on ``day`` and the notes a score on that day must carry.

    Parameters
    ----------
    day : pandas.Timestamp
        A scoring day on or after 2015-01-01 (see :func:`as_of_day`).

    Returns
    -------
    rules : Rules
        The last version whose ``in_force`` day is on or before ``day``.
    notes : tuple of str
        One note for each reported change with no confirmed points that is due by ``day`` and
        later than ``rules``: the score uses ``rules`` all the same.
    """
    if day < FIRST_DAY:
        raise ParameterError(
            f"as_of: the CRS scores days from {FIRST_DAY:%Y-%m-%d}, got {day:%Y-%m-%d}"
        )
    rules = [version for version in all_versions() if version.in_force <= day][-1]
    notes = tuple(
        f"a change reported for {when:%Y-%m-%d} ({what}) has no confirmed point values and is "
        f"not in the tables: this score uses the {rules.name} rules"
        for when, what in _unconfirmed()
        if rules.in_force < when <= day
    )
    return rules, notes


def rules_versions() -> pd.DataFrame:
    """The versions of the CRS grid known to the package.

    Returns
    -------
    pandas.DataFrame
        One row per day with ``in_force`` (day), ``rules`` (the version name a score on or after
        that day reports, until the next table), ``change`` and ``status``: ``"table"`` for a
        transcribed version, ``"unconfirmed"`` for a reported change without point values (its
        ``rules`` is the table still used).

    Examples
    --------
    >>> rules_versions()["rules"].tolist()[:3]
    ['2015-01-01', '2016-11-19', '2017-06-06']
    """
    rows = [(v.in_force, v.name, v.change, "table") for v in all_versions()]
    for when, what in _unconfirmed():
        rows.append((when, rules_for(when)[0].name, what, "unconfirmed"))
    frame = pd.DataFrame(rows, columns=["in_force", "rules", "change", "status"])
    return frame.sort_values("in_force", kind="stable", ignore_index=True)
