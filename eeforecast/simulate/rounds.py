"""A round of invitations and its size: :class:`Invitations` (a number or a distribution),
:class:`Round`, and :func:`parse_draw` for the command line's ``CATEGORY:N[@YYYY-MM-DD]``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..checks import MAX_INVITATIONS, as_model_day, as_positive, as_slug
from ..errors import ParameterError

__all__ = ["Invitations", "Round", "parse_draw"]

_DISTS = {"normal": ("mean", "sd"), "uniform": ("low", "high"), "choice": ("values", "p")}


@dataclass(frozen=True)
class Invitations:
    """How many candidates a round invites: a fixed number or a distribution.

    Parameters
    ----------
    dist : {"fixed", "normal", "uniform", "choice", "all"}
        ``fixed``: always ``value``; ``normal``: ``mean``, ``sd``, rounded to the nearest integer
        and floored at 1; ``uniform``: integers ``low..high`` inclusive; ``choice``: one of
        ``values`` with probabilities ``p`` (equal if omitted); ``all`` (written ``"all"``):
        every candidate eligible on the path, whatever their number (the engine sets it).
    params : tuple of (name, value)
        The distribution's parameters [candidates].

    Notes
    -----
    The deterministic (expected-path) mode uses :meth:`expected`: the fixed value, the mean, the
    midpoint, or the probability-weighted mean of the choices.
    """

    dist: str
    params: tuple

    @classmethod
    def parse(cls, spec: object, where: str = "invitations") -> Invitations:
        """From an ``int`` (fixed) or a mapping such as ``{dist="normal", mean=3000, sd=500}``."""
        if isinstance(spec, Invitations):
            return spec
        if isinstance(spec, str) and spec == "all":
            return cls("all", ())
        if not isinstance(spec, Mapping):
            return cls("fixed", (("value", _size(spec, where)),))
        spec = dict(spec)
        dist = spec.pop("dist", None)
        if dist not in _DISTS:
            raise ParameterError(f"{where}.dist: expected one of {', '.join(_DISTS)}, got {dist!r}")
        names = _DISTS[dist]
        unknown = set(spec) - set(names)
        if unknown:
            raise ParameterError(f"{where}: unknown field(s) {sorted(unknown)} for dist={dist!r}")
        if dist == "normal":
            for key in ("mean", "sd"):
                if key not in spec:
                    raise ParameterError(f"{where}.{key}: missing (dist='normal')")
            mean = _size(spec["mean"], f"{where}.mean", integer=False)
            sd = spec["sd"]
            if (
                isinstance(sd, bool)
                or not isinstance(sd, (int, float))
                or not 0 <= sd <= MAX_INVITATIONS
            ):
                raise ParameterError(
                    f"{where}.sd: must be a number from 0 to {MAX_INVITATIONS:,}, got {sd!r}"
                )
            return cls(dist, (("mean", mean), ("sd", float(sd))))
        if dist == "uniform":
            for key in ("low", "high"):
                if key not in spec:
                    raise ParameterError(f"{where}.{key}: missing (dist='uniform')")
            low = _size(spec["low"], f"{where}.low")
            high = _size(spec["high"], f"{where}.high")
            if high < low:
                raise ParameterError(f"{where}.high: must be >= low ({low:g}), got {high:g}")
            return cls(dist, (("low", low), ("high", high)))
        values = spec.get("values")
        if not isinstance(values, (list, tuple)) or not values:
            raise ParameterError(f"{where}.values: expected a non-empty list of counts")
        vals = tuple(_size(v, f"{where}.values[{i}]") for i, v in enumerate(values))
        p = spec.get("p")
        if p is None:
            probs = tuple(1.0 / len(vals) for _ in vals)
        else:
            if not isinstance(p, (list, tuple)) or len(p) != len(vals):
                raise ParameterError(f"{where}.p: expected {len(vals)} probabilities")
            for i, x in enumerate(p):
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    raise ParameterError(f"{where}.p[{i}]: expected a probability, got {x!r}")
            probs = tuple(float(x) for x in p)
            if any(not (0 <= x <= 1) for x in probs) or abs(sum(probs) - 1) > 1e-9:
                raise ParameterError(f"{where}.p: probabilities must be >= 0 and add to 1")
        return cls(dist, (("values", vals), ("p", probs)))

    @property
    def _p(self) -> dict:
        return dict(self.params)

    @property
    def random(self) -> bool:
        """Whether the count is drawn (not fixed)."""
        p = self._p
        if self.dist in ("fixed", "all"):
            return False
        if self.dist == "normal":
            return p["sd"] > 0
        if self.dist == "uniform":
            return p["high"] > p["low"]
        return len(set(p["values"])) > 1

    def expected(self) -> float:
        """The expected count [candidates] (0 for ``all``: the engine counts the stock)."""
        p = self._p
        if self.dist == "all":
            return 0.0
        if self.dist == "fixed":
            return p["value"]
        if self.dist == "normal":
            return p["mean"]
        if self.dist == "uniform":
            return (p["low"] + p["high"]) / 2
        return float(np.dot(p["values"], p["p"]))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws as float64 whole numbers >= 1 [candidates]."""
        p = self._p
        if self.dist == "all":
            return np.zeros(size)
        if self.dist == "fixed":
            return np.full(size, p["value"])
        if self.dist == "normal":
            return np.maximum(np.rint(rng.normal(p["mean"], p["sd"], size)), 1.0)
        if self.dist == "uniform":
            return rng.integers(int(p["low"]), int(p["high"]) + 1, size).astype(float)
        return rng.choice(np.asarray(p["values"]), size=size, p=np.asarray(p["p"]))

    def __str__(self) -> str:
        p = self._p
        if self.dist == "all":
            return "all"
        if self.dist == "fixed":
            return f"{p['value']:.0f}"
        if self.dist == "choice":
            return f"choice{list(int(v) for v in p['values'])}"
        return f"{self.dist}(" + ", ".join(f"{k}={v:g}" for k, v in self.params) + ")"


@dataclass(frozen=True)
class Round:
    """One round of invitations.

    Parameters
    ----------
    date : pandas.Timestamp
        Day of the round.
    category : str
        Category slug (:data:`eeforecast.data.CATEGORIES`); ``general`` draws from everybody.
    invitations : Invitations
        Invitations issued [candidates].
    replayed : bool
        True for a past round replayed with its actual size (see :func:`conditional_cutoff`).
    filled : bool
        True for a round of a category the schedule left out, held at the category's recent pace
        (``Schedule(fill="recent")``).
    """

    date: pd.Timestamp
    category: str
    invitations: Invitations
    replayed: bool = False
    filled: bool = False

    @classmethod
    def make(
        cls,
        date: object,
        category: object,
        invitations: object,
        *,
        where: str = "round",
        replayed: bool = False,
    ) -> Round:
        """Validated constructor (raises :class:`~eeforecast.errors.ParameterError` naming ``where``)."""
        return cls(
            as_model_day(date, f"{where}.date"),
            as_slug(category, f"{where}.category"),
            Invitations.parse(invitations, f"{where}.invitations"),
            replayed,
        )


def _size(value: object, where: str, *, integer: bool = True) -> float:
    """A round size: a number from 1 to :data:`eeforecast.checks.MAX_INVITATIONS` [candidates]."""
    return as_positive(value, where, integer=integer, maximum=MAX_INVITATIONS)


def parse_draw(text: str, default_date: object = None) -> Round:
    """Parse the CLI's ``CATEGORY:N[@YYYY-MM-DD]`` into a :class:`Round`.

    Examples
    --------
    >>> r = parse_draw("cec:3000@2026-01-07")
    >>> r.category, r.invitations.expected(), f"{r.date:%Y-%m-%d}"
    ('cec', 3000.0, '2026-01-07')
    """
    where = f"--draw {text!r}"
    body, _, day = text.partition("@")
    category, sep, count = body.partition(":")
    if not sep or not count.strip():
        raise ParameterError(f"{where}: expected CATEGORY:N[@YYYY-MM-DD]")
    digits = count.strip().replace(",", "").replace("_", "")
    if len(digits) > 30:
        raise ParameterError(
            f"{where[:40]}...: N must be a whole number up to {MAX_INVITATIONS:,}, got "
            f"{len(digits):,} digits"
        )
    try:
        n = int(digits)
    except ValueError:
        raise ParameterError(f"{where}: N must be a whole number, got {count!r}") from None
    if n <= 0:
        raise ParameterError(f"{where}: N must be > 0, got {n}")
    if day:
        date = day
    elif default_date is not None:
        date = default_date
    else:
        raise ParameterError(f"{where}: no date and no default day")
    return Round.make(date, category.strip().lower(), n, where=where)
