"""Simulating rounds of invitations on the pool's score distribution.

A round is ``(date, category, invitations)``: it invites the top ``invitations`` candidates eligible
for the category, from the highest CRS score down, and only part of the candidates at the lowest
score reached (the cutoff), as IRCC breaks ties there by profile submission time. Between rounds the
pool receives its net inflow (new profiles and nominations, less expiries).

The module is layered like the rest of the package:

* :class:`Invitations`, :class:`Round`, :class:`Rule` and :class:`Schedule` describe what happens
  (an explicit list of rounds and repeating rules, loadable from TOML);
* :func:`simulate` runs a schedule on a :class:`~eeforecast.pool.PoolState`, as one expected path
  (deterministic) or as ``n_paths`` Monte Carlo paths, on arrays of shape ``(n_paths, n_scores)``;
* :class:`SimulationResult` holds ``(n_paths, n_rounds)`` arrays and turns them into tidy frames,
  a printed summary and a plot;
* :func:`run_scenarios` spreads many schedules over a :class:`concurrent.futures.Executor`;
* :func:`conditional_cutoff` answers "if IRCC invites N in category X next, what is the cutoff?"
  from a feed, as it stood on a day.
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._dates import as_day as _day
from ._random import as_generator
from .categories import CATEGORIES
from .errors import ParameterError
from .pool import BAND_EDGES, MAX_SCORE, PoolState, ThinPoolWarning, thin_note, tilt_factors

__all__ = [
    "Invitations",
    "Round",
    "Rule",
    "Schedule",
    "SimulationResult",
    "simulate",
    "run_scenarios",
    "conditional_cutoff",
    "simulate_feed",
    "replayed_rounds",
    "replay",
    "replay_summary",
    "parse_draw",
    "is_slug",
    "NOISE_BANDS",
]

#: Number of CRS scores 0..1200 [scores].
N_SCORES = MAX_SCORE + 1

#: Score bands within which inflow noise is shared (IRCC's 15 leaf bands, ascending)
#: [CRS points]. The net inflow's variability is estimated per band, so it is drawn per band.
NOISE_BANDS: tuple[tuple[int, int], ...] = BAND_EDGES

#: Counts below this are rounding residue of taken scores and count as nobody [candidates].
_EPS = 1e-7

#: Interval levels reported by :meth:`SimulationResult.to_frame` [percent].
LEVELS = (80, 95)

_DISTS = {"normal": ("mean", "sd"), "uniform": ("low", "high"), "choice": ("values", "p")}


# --- schedules -------------------------------------------------------------------------------


#: A category slug: lower-case words of letters and digits joined by ``-`` (known categories
#: and the slugs :func:`eeforecast.categories.categorize` derives for new round types).
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(text: object) -> bool:
    """True if ``text`` looks like a category slug (``cec``, ``senior-managers-with-...``).

    Examples
    --------
    >>> is_slug("cec"), is_slug("senior-managers-with-canadian-work-experience"), is_slug("C E C")
    (True, True, False)
    """
    return isinstance(text, str) and _SLUG.fullmatch(text) is not None


def _check_category(category: object, where: str) -> str:
    """A category slug: a known one or any slug-like name of a new round type. Whether the pool
    has an estimate for it is checked when the rounds are simulated."""
    if not is_slug(category):
        raise ParameterError(
            f"{where}: {category!r} is not a category slug (lower-case words joined by '-', "
            f"e.g. {', '.join(CATEGORIES[:3])}, or the slug of a new round type)"
        )
    return category


def _positive_number(value: object, where: str, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ParameterError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{where}: must be > 0, got {value:g}")
    if integer and value != int(value):
        raise ParameterError(f"{where}: must be a whole number, got {value:g}")
    return value


@dataclass(frozen=True)
class Invitations:
    """How many candidates a round invites: a fixed number or a distribution.

    Parameters
    ----------
    dist : {"fixed", "normal", "uniform", "choice"}
        ``fixed``: always ``value``; ``normal``: ``mean``, ``sd``, rounded to the nearest integer
        and floored at 1; ``uniform``: integers ``low..high`` inclusive; ``choice``: one of
        ``values`` with probabilities ``p`` (equal if omitted).
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
        if not isinstance(spec, Mapping):
            return cls("fixed", (("value", _positive_number(spec, where, integer=True)),))
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
            mean = _positive_number(spec["mean"], f"{where}.mean")
            sd = spec["sd"]
            if isinstance(sd, bool) or not isinstance(sd, (int, float)) or not sd >= 0:
                raise ParameterError(f"{where}.sd: must be a number >= 0, got {sd!r}")
            return cls(dist, (("mean", mean), ("sd", float(sd))))
        if dist == "uniform":
            for key in ("low", "high"):
                if key not in spec:
                    raise ParameterError(f"{where}.{key}: missing (dist='uniform')")
            low = _positive_number(spec["low"], f"{where}.low", integer=True)
            high = _positive_number(spec["high"], f"{where}.high", integer=True)
            if high < low:
                raise ParameterError(f"{where}.high: must be >= low ({low:g}), got {high:g}")
            return cls(dist, (("low", low), ("high", high)))
        values = spec.get("values")
        if not isinstance(values, (list, tuple)) or not values:
            raise ParameterError(f"{where}.values: expected a non-empty list of counts")
        vals = tuple(
            _positive_number(v, f"{where}.values[{i}]", integer=True) for i, v in enumerate(values)
        )
        p = spec.get("p")
        if p is None:
            probs = tuple(1.0 / len(vals) for _ in vals)
        else:
            if not isinstance(p, (list, tuple)) or len(p) != len(vals):
                raise ParameterError(f"{where}.p: expected {len(vals)} probabilities")
            probs = tuple(float(x) for x in p)
            if any(not (x >= 0) for x in probs) or abs(sum(probs) - 1) > 1e-9:
                raise ParameterError(f"{where}.p: probabilities must be >= 0 and add to 1")
        return cls(dist, (("values", vals), ("p", probs)))

    @property
    def _p(self) -> dict:
        return dict(self.params)

    @property
    def random(self) -> bool:
        """Whether the count is drawn (not fixed)."""
        p = self._p
        if self.dist == "fixed":
            return False
        if self.dist == "normal":
            return p["sd"] > 0
        if self.dist == "uniform":
            return p["high"] > p["low"]
        return len(set(p["values"])) > 1

    def expected(self) -> float:
        """The expected count [candidates]."""
        p = self._p
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
        if self.dist == "fixed":
            return np.full(size, p["value"])
        if self.dist == "normal":
            return np.maximum(np.rint(rng.normal(p["mean"], p["sd"], size)), 1.0)
        if self.dist == "uniform":
            return rng.integers(int(p["low"]), int(p["high"]) + 1, size).astype(float)
        return rng.choice(np.asarray(p["values"]), size=size, p=np.asarray(p["p"]))

    def __str__(self) -> str:
        p = self._p
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
        Category slug (:data:`eeforecast.categories.CATEGORIES`); ``general`` draws from everybody.
    invitations : Invitations
        Invitations issued [candidates].
    replayed : bool
        True for a past round replayed with its actual size (see :func:`conditional_cutoff`).
    """

    date: pd.Timestamp
    category: str
    invitations: Invitations
    replayed: bool = False

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
        """Validated constructor (raises :class:`ParameterError` naming ``where``)."""
        return cls(
            _day(date, f"{where}.date"),
            _check_category(category, f"{where}.category"),
            Invitations.parse(invitations, f"{where}.invitations"),
            replayed,
        )


@dataclass(frozen=True)
class Rule:
    """A repeating round: ``category`` invites ``invitations`` every ``every`` days.

    Parameters
    ----------
    category : str
        Category slug.
    invitations : Invitations
        Invitations per round [candidates].
    every : int
        Days between rounds [days].
    start : pandas.Timestamp or None
        First round; ``None`` means the schedule's start (e.g. the ``--as-of`` day).
    end : pandas.Timestamp
        No round after this day.
    """

    category: str
    invitations: Invitations
    every: int
    start: pd.Timestamp | None
    end: pd.Timestamp

    def dates(self, default_start: pd.Timestamp | None = None) -> list[pd.Timestamp]:
        """The days of the rounds the rule generates."""
        start = self.start if self.start is not None else default_start
        if start is None:
            raise ParameterError(f"rule {self.category}: 'from' is missing and no start was given")
        if self.end < start:
            return []
        return list(pd.date_range(start, self.end, freq=f"{self.every}D"))


@dataclass(frozen=True)
class Schedule:
    """Rounds to simulate: an explicit list plus repeating rules.

    Build one with :meth:`from_dict`, :meth:`from_toml` or directly from :class:`Round` objects.
    :meth:`expand` returns the rounds in the order they are held (by date; on one day, explicit
    rounds first in their given order, then rule rounds in rule order).

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

    @classmethod
    def from_dict(cls, data: Mapping) -> Schedule:
        """From a mapping with lists ``round`` (``date, category, invitations``) and ``rule``
        (``category, invitations, every, from, to``), as in the TOML file."""
        if not isinstance(data, Mapping):
            raise ParameterError("schedule: expected a table with 'round' and/or 'rule' lists")
        unknown = set(data) - {"round", "rule"}
        if unknown:
            raise ParameterError(
                f"schedule: unknown key(s) {sorted(unknown)}; expected [[round]] and [[rule]]"
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
                item, where, required=("category", "invitations", "every", "to"), optional=("from",)
            )
            every = item["every"]
            if isinstance(every, bool) or not isinstance(every, int) or every < 1:
                raise ParameterError(
                    f"{where}.every: must be a whole number of days >= 1, got {every!r}"
                )
            start = _day(item["from"], f"{where}.from") if "from" in item else None
            end = _day(item["to"], f"{where}.to")
            if start is not None and end < start:
                raise ParameterError(f"{where}.to: {end:%Y-%m-%d} is before from {start:%Y-%m-%d}")
            rules.append(
                Rule(
                    _check_category(item["category"], f"{where}.category"),
                    Invitations.parse(item["invitations"], f"{where}.invitations"),
                    every,
                    start,
                    end,
                )
            )
        return cls(tuple(rounds), tuple(rules))

    @classmethod
    def from_toml(cls, path: str | Path) -> Schedule:
        """Read a schedule file.

        Example file::

            [[round]]
            date = "2026-01-07"
            category = "cec"
            invitations = 3000

            [[rule]]
            category = "general"
            invitations = {dist = "normal", mean = 2500, sd = 400}
            every = 14        # [days]
            from = "2026-01-14"
            to = "2026-06-30"
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ParameterError(f"schedule {path}: cannot read: {exc.strerror}") from exc
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"schedule {path}: malformed TOML: {exc}") from exc
        try:
            return cls.from_dict(data)
        except ParameterError as exc:
            raise ParameterError(f"schedule {path}: {exc}") from None

    def __add__(self, other: Schedule) -> Schedule:
        return Schedule(self.rounds + other.rounds, self.rules + other.rules)

    def expand(self, start: object = None) -> list[Round]:
        """Every round, in the order held; rules without ``from`` start on ``start``."""
        start = None if start is None else _day(start, "start")
        items = [(r.date, 0, i, r) for i, r in enumerate(self.rounds)]
        for j, rule in enumerate(self.rules):
            items += [
                (d, 1 + j, 0, Round(d, rule.category, rule.invitations)) for d in rule.dates(start)
            ]
        items.sort(key=lambda t: t[:3])
        return [t[3] for t in items]


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
    try:
        n = int(count.strip().replace(",", "").replace("_", ""))
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


# --- the array engine ------------------------------------------------------------------------


def _band_index() -> np.ndarray:
    """Noise band of each score, in reversed order (index k is score 1200 - k)."""
    idx = np.empty(N_SCORES, dtype=np.intp)
    for b, (lo, hi) in enumerate(NOISE_BANDS):
        idx[lo : hi + 1] = b
    return idx[::-1].copy()


_BAND_REV = _band_index()


@dataclass(frozen=True)
class _Engine:
    """Everything a worker needs, as plain arrays in reversed score order (index k = 1200 - k).

    ``eligible`` and ``inflow_eligible`` have one row per tracked category (those with rounds in
    the schedule, ``general`` excluded); ``cat`` is the row of each round (-1 = general).
    """

    total: np.ndarray  # (S,)
    eligible: np.ndarray  # (C, S)
    inflow: np.ndarray  # (S,) per day
    inflow_sd: np.ndarray  # (S,) per sqrt(day)
    inflow_eligible: np.ndarray  # (C, S)
    conversion: np.ndarray  # (C, S) share of the candidates at a score turning eligible per day
    conv_cap: np.ndarray  # (C, S) eligible share up to which conversion acts
    days: np.ndarray  # (R,) days since the previous round (or the start)
    cat: np.ndarray  # (R,) int
    thresholds: tuple[int, ...]
    horizon: float = math.inf  # conversion caps: min(1, conversion * horizon)
    level_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,)
    refill_sd: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,), pnp's is 0
    rate_sd: float = 0.0  # nominee inflow (refill_sd["pnp"])
    shift_sd: float = 0.0  # nominee scores [CRS points]
    level_floor: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (C,)
    tilt_sd: float = 0.0  # tilt of the density inside 501-600 [-]


#: Scores 601..1200 (the nominees) are indices 0..599 in reversed order.
_NOM = MAX_SCORE - 600


@dataclass(frozen=True)
class _Params:
    """Per-path parameter draws (multipliers of 1 and shift 0: the model as fitted).

    ``level`` (P, C) multiplies each category's eligible stock, ``refill`` (P, C) its
    inflow share and conversion, ``rate`` (P,) the nominees' expected net inflow and ``shift``
    (P,) moves the nominees' scores [CRS points]. ``tilt`` (P, 100), if not None, multiplies
    the starting candidates and eligible counts at reversed indices 600..699 (scores
    600..501) (:func:`eeforecast.pool.tilt_factors`, band total kept).
    """

    level: np.ndarray
    refill: np.ndarray
    rate: np.ndarray
    shift: np.ndarray
    tilt: np.ndarray | None = None

    @classmethod
    def none(cls, n_paths: int, n_cat: int) -> _Params:
        return cls(
            np.ones((n_paths, n_cat)),
            np.ones((n_paths, n_cat)),
            np.ones(n_paths),
            np.zeros(n_paths, dtype=np.int64),
        )

    @classmethod
    def draw(cls, eng: _Engine, rng: np.random.Generator, n_paths: int) -> _Params:
        n_cat = eng.eligible.shape[0]
        u = rng.standard_normal((n_paths, 2 * n_cat + 2))
        tilt = None
        if eng.tilt_sd > 0:  # drawn last: without it the other draws are unchanged
            delta = eng.tilt_sd * rng.standard_normal(n_paths)
            tilt = tilt_factors(eng.total[_NOM : _NOM + 100][::-1], delta)[:, ::-1].copy()
        return cls(
            np.maximum(np.exp(eng.level_sd[None, :] * u[:, :n_cat]), eng.level_floor[None, :]),
            np.exp(eng.refill_sd[None, :] * u[:, n_cat : 2 * n_cat]),
            np.exp(eng.rate_sd * u[:, 2 * n_cat]),
            np.rint(eng.shift_sd * u[:, 2 * n_cat + 1]).astype(np.int64),
            tilt,
        )


def _shift_nominees(arr: np.ndarray, shift: int) -> np.ndarray:
    """Move the nominees' part (reversed indices 0..599 = scores 1200..601) of ``arr`` (..., S)
    up by ``shift`` points; counts pushed beyond 601 or 1200 stay at the edge (sums kept)."""
    out = np.array(arr, dtype=float, copy=True)
    if shift == 0:
        return out
    target = np.clip(np.arange(_NOM) - shift, 0, _NOM - 1)
    flat = out.reshape(-1, out.shape[-1])
    for row in flat:
        row[:_NOM] = np.bincount(target, weights=row[:_NOM], minlength=_NOM)
    return out


def _path_arrays(eng: _Engine, par: _Params) -> dict:
    """Per-path starting arrays of the numpy engine (shapes (P, S) and (C, P, S))."""
    n_paths = par.rate.shape[0]
    total = np.repeat(eng.total[None, :], n_paths, axis=0)
    elig = np.repeat(eng.eligible[:, None, :], n_paths, axis=1)
    m = np.repeat(eng.inflow[None, :], n_paths, axis=0)
    sd = np.repeat(eng.inflow_sd[None, :], n_paths, axis=0)
    m[:, :_NOM] *= par.rate[:, None]
    for sh in np.unique(par.shift):
        if sh == 0:
            continue
        rows = par.shift == sh
        total[rows] = _shift_nominees(eng.total, sh)
        elig[:, rows] = _shift_nominees(eng.eligible, sh)[:, None, :]
        m[rows] = _shift_nominees(m[rows], sh)
        sd[rows] = _shift_nominees(eng.inflow_sd, sh)
    if par.tilt is not None:  # the shape inside 501-600
        total[:, _NOM : _NOM + 100] *= par.tilt
        elig[:, :, _NOM : _NOM + 100] *= par.tilt[None, :, :]
    elig = np.minimum(elig * par.level.T[:, :, None], total[None, :, :])
    ref = par.refill.T[:, :, None]  # (C, P, 1)
    ie = np.minimum(eng.inflow_eligible[:, None, :] * ref, 1.0)
    conv = np.minimum(eng.conversion[:, None, :] * ref, 1.0)
    with np.errstate(invalid="ignore"):
        cap = np.where(conv > 0, np.minimum(1.0, conv * eng.horizon), 0.0)
    return {"total": total, "elig": elig, "m": m, "sd": sd, "ie": ie, "conv": conv, "cap": cap}


def _run_numpy(
    eng: _Engine, invitations: np.ndarray, z: np.ndarray | None, par: _Params | None = None
) -> dict:
    """The engine in numpy, vectorised over paths (the readable specification).

    Parameters
    ----------
    invitations : (P, R) float array [candidates]
    z : (P, R, B) standard normals (one per path, round interval and noise band) or None
        (expected inflow).
    par : per-path parameter draws, or None (the parameters as fitted).

    Returns a dict of arrays (P, R).
    """
    n_paths, n_rounds = invitations.shape
    S = N_SCORES
    n_cat = eng.eligible.shape[0]
    if par is None:  # the parameters as fitted: shared arrays, no per-path copies
        arrays = {
            "total": np.repeat(eng.total[None, :], n_paths, axis=0),
            "elig": np.repeat(eng.eligible[:, None, :], n_paths, axis=1),
            "ie": eng.inflow_eligible[:, None, :],
            "m": eng.inflow[None, :],
            "sd": eng.inflow_sd[None, :],
            "conv": eng.conversion[:, None, :],
            "cap": eng.conv_cap[:, None, :],
        }
    else:
        arrays = _path_arrays(eng, par)
    T = arrays["total"]
    E = arrays["elig"]  # (C, P, S)
    ie = arrays["ie"]  # (C, P, S)
    m, sd = arrays["m"], arrays["sd"]  # (P, S)
    conv_p, cap_p = arrays["conv"], arrays["cap"]
    rows = np.arange(n_paths)
    converting = [j for j in range(n_cat) if eng.conversion[j].any()]
    out = _empty_out(eng, invitations)
    pool = T.sum(axis=1)
    out["start_pool"][:] = pool
    for r in range(n_rounds):
        d = float(eng.days[r])
        if d > 0:
            if z is not None:
                net = z[:, r, _BAND_REV]
                net *= sd * math.sqrt(d)
                net += m * d
            else:
                net = m * d
            pos = np.maximum(net, 0)
            gained = np.broadcast_to(pos.sum(axis=1), (n_paths,))
            told = T.copy() if n_cat else None
            T += net
            np.maximum(T, 0, out=T)
            new_pool = T.sum(axis=1)
            out["inflow"][:, r] = gained
            out["outflow"][:, r] = pool + gained - new_pool
            pool = new_pool
            if n_cat:
                # Expiry (negative net) removes the same share of every category at a score;
                # new profiles (positive net) join category c with share inflow_eligible.
                denom = told + pos
                keep = np.divide(T, denom, out=np.ones_like(denom), where=denom > 0)
                E *= keep
                E += pos * ie
                # conversion: candidates at a score turning eligible, until the category's
                # share there reaches its cap (and never beyond everybody)
                for j in converting:
                    room = np.maximum(cap_p[j] * T - E[j], 0.0)
                    E[j] += np.minimum(np.minimum(conv_p[j] * d, 1.0) * T, room)
                    np.minimum(E[j], T, out=E[j])
        # --- the round: top-n of the category, part of the tie at the cutoff ---
        c = int(eng.cat[r])
        src = T if c < 0 else E[c]
        n = invitations[:, r]
        cum = np.cumsum(src, axis=1)
        reached = cum >= (n - 1e-9 * np.maximum(n, 1))[:, None]
        idx = reached.argmax(axis=1)
        found = reached[rows, idx]
        if not found.all():
            # everybody eligible is invited: the cutoff is the lowest score with candidates
            positive = src > 0
            last = S - 1 - positive[:, ::-1].argmax(axis=1)
            idx = np.where(found, idx, last)
        kmax = int(idx.max()) + 1
        reach = np.arange(kmax)[None, :] <= idx[:, None]  # the scores this round drew from
        take = np.where(np.arange(kmax)[None, :] < idx[:, None], src[:, :kmax], 0.0)
        at = src[rows, idx]
        take[rows, idx] = np.clip(n - (cum[rows, idx] - at), 0, at)
        tie = np.divide(take[rows, idx], at, out=np.full(n_paths, np.nan), where=at > 0)
        out["tie"][:, r] = tie
        invited = take.sum(axis=1)
        tsub = T[:, :kmax]
        ratio = np.divide(take, tsub, out=np.zeros_like(take), where=tsub > 0)
        np.minimum(ratio, 1, out=ratio)
        tsub -= take
        tsub[reach & (tsub < _EPS)] = 0.0  # rounding residue of a taken score is nobody
        for j in range(n_cat):
            ej = E[j][:, :kmax]
            if j == c:
                ej -= take
            else:
                # conditional independence given score: category j loses the share of its
                # candidates that the round took from everybody at that score
                ej *= 1 - ratio
            ej[reach & (ej < _EPS)] = 0.0
        pool = T.sum(axis=1)
        out["cutoff"][:, r] = np.where(invited > 0, MAX_SCORE - idx, S)
        out["invited"][:, r] = invited
        out["pool"][:, r] = pool
        for i, t in enumerate(eng.thresholds):
            out["above"][i, :, r] = T[:, : MAX_SCORE - t + 1].sum(axis=1)
    return out


def _empty_out(eng: _Engine, invitations: np.ndarray) -> dict:
    n_paths, n_rounds = invitations.shape
    out = {k: np.zeros((n_paths, n_rounds)) for k in ("invited", "pool", "inflow", "outflow")}
    out["cutoff"] = np.zeros((n_paths, n_rounds), dtype=np.int64)
    out["above"] = np.zeros((len(eng.thresholds), n_paths, n_rounds))
    out["start_pool"] = np.zeros(n_paths)
    out["requested"] = np.array(invitations, dtype=np.float64)
    out["tie"] = np.full((n_paths, n_rounds), np.nan)
    return out


def _kernel(
    total,
    elig,
    m,
    sd,
    ie,
    conv,
    horizon,
    lev,
    refm,
    rate,
    shift,
    tilt,
    use_tilt,
    band_start,
    days,
    cat,
    inv,
    z,
    use_z,
    t_k,
    cutoff,
    invited,
    pool_out,
    inflow,
    outflow,
    above,
    start_pool,
    tie,
):  # pragma: no cover
    """The engine for one path at a time, in loops (compiled with numba).

    Same arithmetic as :func:`_run_numpy` per score, so the two agree to rounding (identical
    cutoffs); the pool is carried by its ledger (``pool + inflow - outflow - invited``) instead
    of being re-summed. The category updates are separate loops so that they vectorise.
    Each path starts from the parameters drawn for it (``lev``, ``refm``, ``rate``, ``shift``,
    ``tilt`` if ``use_tilt``; see :class:`_Params`), applied as in :func:`_path_arrays`.
    """
    S = total.shape[0]
    C = elig.shape[0]
    B = band_start.shape[0] - 1
    NOM = S - 601  # reversed indices 0..NOM-1 are the nominees (scores 1200..601)
    n_paths, n_rounds = inv.shape
    T = np.empty(S)
    E = np.empty((C, S))
    mp = np.empty(S)
    sdp = np.empty(S)
    iep = np.empty((C, S))
    convp = np.empty((C, S))
    cap = np.empty((C, S))
    conv_any = np.zeros(C, dtype=np.bool_)
    for c in range(C):
        for k in range(S):
            if conv[c, k] > 0:
                conv_any[c] = True
    keep = np.empty(S)
    posk = np.empty(S)
    ratio = np.empty(S)
    takek = np.empty(S)
    for p in range(n_paths):
        # --- this path's parameters ---
        sh = shift[p]
        for k in range(S):
            T[k] = total[k]
            mp[k] = m[k] * rate[p] if k < NOM else m[k]
            sdp[k] = sd[k]
        for c in range(C):
            for k in range(S):
                E[c, k] = elig[c, k]
        if sh != 0:  # nominees move by sh points; those pushed past an edge stay there
            for k in range(NOM):
                T[k] = 0.0
                mp[k] = 0.0
                sdp[k] = 0.0
                for c in range(C):
                    E[c, k] = 0.0
            for j in range(NOM):
                t = min(max(j - sh, 0), NOM - 1)
                T[t] += total[j]
                mp[t] += m[j] * rate[p]
                sdp[t] += sd[j]
                for c in range(C):
                    E[c, t] += elig[c, j]
        if use_tilt:  # the shape inside 501-600 (reversed indices NOM..NOM+99)
            for j in range(100):
                T[NOM + j] *= tilt[p, j]
                for c in range(C):
                    E[c, NOM + j] *= tilt[p, j]
        for c in range(C):
            lv = lev[p, c]
            rf = refm[p, c]
            for k in range(S):
                E[c, k] = min(E[c, k] * lv, T[k])
                iep[c, k] = min(ie[c, k] * rf, 1.0)
                ck = min(conv[c, k] * rf, 1.0)
                convp[c, k] = ck
                cap[c, k] = min(1.0, ck * horizon) if ck > 0 else 0.0
        pool = 0.0
        for k in range(S):
            pool += T[k]
        start_pool[p] = pool
        for r in range(n_rounds):
            d = days[r]
            if d > 0:
                sq = math.sqrt(d)
                gained = 0.0
                lost = 0.0
                for b in range(B):
                    zb = z[p, r, B - 1 - b] if use_z else 0.0  # bands run top down here
                    for k in range(band_start[b], band_start[b + 1]):
                        net = zb * (sdp[k] * sq) + mp[k] * d
                        pos = max(net, 0.0)
                        told = T[k]
                        tn = max(told + net, 0.0)
                        T[k] = tn
                        denom = told + pos
                        keep[k] = tn / denom if denom > 0 else 1.0
                        posk[k] = pos
                        gained += pos
                        lost += denom - tn
                for c in range(C):
                    for k in range(S):
                        E[c, k] = E[c, k] * keep[k] + posk[k] * iep[c, k]
                for c in range(C):
                    if conv_any[c]:
                        for k in range(S):
                            e = E[c, k]
                            room = max(cap[c, k] * T[k] - e, 0.0)
                            e = e + min(min(convp[c, k] * d, 1.0) * T[k], room)
                            E[c, k] = min(e, T[k])
                inflow[p, r] = gained
                outflow[p, r] = lost
                pool = pool + gained - lost
            c = cat[r]
            n = inv[p, r]
            thr = n - 1e-9 * max(n, 1.0)
            cum = 0.0
            idx = -1
            if c < 0:
                for k in range(S):
                    cum += T[k]
                    if cum >= thr:
                        idx = k
                        break
            else:
                for k in range(S):
                    cum += E[c, k]
                    if cum >= thr:
                        idx = k
                        break
            if idx < 0:  # too few eligible: all are invited
                idx = 0
                for k in range(S - 1, -1, -1):
                    if (T[k] if c < 0 else E[c, k]) > 0:
                        idx = k
                        break
                cum = 0.0
                for k in range(idx + 1):
                    cum += T[k] if c < 0 else E[c, k]
            at = T[idx] if c < 0 else E[c, idx]
            excl = cum - at
            part = min(max(n - excl, 0.0), at)
            if c < 0:  # general: everybody above the cutoff is invited
                for k in range(idx):
                    tk = T[k]
                    ratio[k] = 1.0 if tk > 0 else 0.0
                    takek[k] = tk
                    T[k] = 0.0
            else:
                for k in range(idx):
                    t = E[c, k]
                    tk = T[k]
                    ratio[k] = min(t / tk, 1.0) if tk > 0 else 0.0
                    tk = tk - t
                    T[k] = tk if tk >= _EPS else 0.0
                    takek[k] = t
            tk = T[idx]
            ratio[idx] = min(part / tk, 1.0) if tk > 0 else 0.0
            tk = tk - part
            T[idx] = tk if tk >= _EPS else 0.0
            takek[idx] = part
            got = excl + part if part > 0 else 0.0
            if at > 0:
                tie[p, r] = part / at
            for j in range(C):
                kk = idx + 1
                if j == c:
                    for k in range(kk):
                        e = E[j, k] - takek[k]
                        E[j, k] = e if e >= _EPS else 0.0
                else:
                    for k in range(kk):
                        e = E[j, k] * (1 - ratio[k])
                        E[j, k] = e if e >= _EPS else 0.0
            pool -= got
            cutoff[p, r] = S - 1 - idx if got > 0 else S
            invited[p, r] = got
            pool_out[p, r] = pool
            for i in range(t_k.shape[0]):
                acc = 0.0
                for k in range(t_k[i]):
                    acc += T[k]
                above[i, p, r] = acc


_COMPILED = {}


def _numba_kernel():
    """The compiled kernel, or None when numba is not installed."""
    if "kernel" not in _COMPILED:
        try:
            import numba
        except ImportError:  # pragma: no cover - numba is a dependency
            _COMPILED["kernel"] = None
        else:
            _COMPILED["kernel"] = numba.njit(cache=True, nogil=True)(_kernel)
    return _COMPILED["kernel"]


_BAND_START = np.array([MAX_SCORE - hi for lo, hi in reversed(NOISE_BANDS)] + [N_SCORES])


def _run_numba(
    eng: _Engine, invitations: np.ndarray, z: np.ndarray | None, par: _Params | None = None
) -> dict:
    kernel = _numba_kernel()
    out = _empty_out(eng, invitations)
    n_paths, n_rounds = invitations.shape
    if par is None:
        par = _Params.none(n_paths, eng.eligible.shape[0])
    zz = z if z is not None else np.zeros((1, 1, 1))
    t_k = np.array([MAX_SCORE - t + 1 for t in eng.thresholds], dtype=np.int64)
    kernel(
        eng.total,
        eng.eligible,
        eng.inflow,
        eng.inflow_sd,
        eng.inflow_eligible,
        eng.conversion,
        float(eng.horizon),
        np.ascontiguousarray(par.level, float),
        np.ascontiguousarray(par.refill, float),
        np.ascontiguousarray(par.rate, float),
        np.ascontiguousarray(par.shift, np.int64),
        np.ascontiguousarray(par.tilt if par.tilt is not None else np.ones((1, 100)), float),
        par.tilt is not None,
        _BAND_START,
        eng.days,
        eng.cat.astype(np.int64),
        np.ascontiguousarray(invitations, float),
        zz,
        z is not None,
        t_k,
        out["cutoff"],
        out["invited"],
        out["pool"],
        out["inflow"],
        out["outflow"],
        out["above"],
        out["start_pool"],
        out["tie"],
    )
    return out


def _run_paths(eng: _Engine, invitations: np.ndarray, z, engine: str, par=None) -> dict:
    """Run the rounds for a block of paths with the chosen back end."""
    run = _run_numba if engine == "numba" else _run_numpy
    return run(eng, invitations, z, par)


def _chunk_task(
    eng: _Engine,
    specs: tuple,
    n: int,
    seed: np.random.SeedSequence,
    engine: str,
    random_inflow: bool,
    random_sizes: bool,
    parameter_uncertainty: bool = False,
) -> dict:
    """One block of Monte Carlo paths (module level so that executors can pickle it).

    Three streams are spawned from ``seed``: sizes, inflow noise and parameters (the first two
    are those of a run without parameter uncertainty, which is therefore unchanged).
    """
    size_seed, noise_seed, param_seed = seed.spawn(3)
    size_rng = np.random.default_rng(size_seed)
    inv = np.empty((n, len(specs)))
    for r, spec in enumerate(specs):
        inv[:, r] = spec.draw(size_rng, n) if random_sizes else spec.expected()
    z = None
    if random_inflow and np.any(eng.inflow_sd > 0):
        z = np.random.default_rng(noise_seed).standard_normal((n, len(specs), len(NOISE_BANDS)))
    par = None
    if parameter_uncertainty:
        par = _Params.draw(eng, np.random.default_rng(param_seed), n)
    return _run_paths(eng, inv, z, engine, par)


def _engine_for(state: PoolState, rounds: Sequence[Round], thresholds: Sequence[int]) -> tuple:
    """Validate and convert a state + rounds to an :class:`_Engine` and the tracked categories."""
    total = np.asarray(state.total, dtype=float)
    if total.shape != (N_SCORES,):
        raise ParameterError(f"state.total: expected shape ({N_SCORES},), got {total.shape}")
    if not np.all(np.isfinite(total)) or np.any(total < 0):
        raise ParameterError("state.total: counts must be finite and >= 0")
    start = _day(state.as_of, "state.as_of")
    tracked: list[str] = []
    for i, rnd in enumerate(rounds):
        where = f"round {i + 1} ({rnd.category} on {rnd.date:%Y-%m-%d})"
        if rnd.date < start:
            raise ParameterError(f"{where}: date is before the pool state's day {start:%Y-%m-%d}")
        if i and rnd.date < rounds[i - 1].date:
            raise ParameterError(f"{where}: rounds must be in date order")
        if rnd.category != "general" and rnd.category not in tracked:
            if rnd.category not in state.eligible:
                known = ", ".join(["general", *sorted(state.eligible)])
                raise ParameterError(
                    f"{where}: the pool state of {start:%Y-%m-%d} has no eligible estimate "
                    f"for category {rnd.category!r}: it has no past rounds with a published "
                    f"pool snapshot (estimated: {known})"
                )
            tracked.append(rnd.category)
    elig = np.zeros((len(tracked), N_SCORES))
    ie = np.zeros((len(tracked), N_SCORES))
    conv = np.zeros((len(tracked), N_SCORES))
    horizon = float(getattr(state, "horizon", math.inf))
    if not horizon > 0:
        raise ParameterError(f"state.horizon: must be > 0 days, got {horizon!r}")
    share = np.divide(1.0, total, out=np.zeros(N_SCORES), where=total > 0)
    for c, cat in enumerate(tracked):
        e = np.asarray(state.eligible[cat], dtype=float)
        if e.shape != (N_SCORES,) or not np.all(np.isfinite(e)) or np.any(e < 0):
            raise ParameterError(f"state.eligible[{cat!r}]: expected {N_SCORES} finite counts >= 0")
        elig[c] = np.minimum(e, total)
        if cat in state.inflow_eligible:
            f = np.asarray(state.inflow_eligible[cat], dtype=float)
            if f.shape != (N_SCORES,) or np.any(~(f >= 0) | (f > 1)):
                raise ParameterError(
                    f"state.inflow_eligible[{cat!r}]: expected {N_SCORES} shares in 0..1"
                )
            ie[c] = f
        else:  # same eligible share among newcomers as in the stock at that score
            ie[c] = np.clip(elig[c] * share, 0, 1)
        k = np.asarray(state.conversion.get(cat, 0.0) if state.conversion else 0.0, dtype=float)
        if k.shape not in ((), (N_SCORES,)) or np.any(~np.isfinite(k) | (k < 0) | (k > 1)):
            raise ParameterError(
                f"state.conversion[{cat!r}]: expected a rate (or {N_SCORES} rates) in 0..1 per "
                f"day, got {state.conversion.get(cat)!r}"
            )
        conv[c] = k
    with np.errstate(invalid="ignore"):
        cap = np.where(conv > 0, np.minimum(1.0, conv * horizon), 0.0)
    inflow = np.asarray(state.inflow, dtype=float)
    sd = np.asarray(state.inflow_sd, dtype=float)
    for name, arr in (("inflow", inflow), ("inflow_sd", sd)):
        if arr.shape != (N_SCORES,) or not np.all(np.isfinite(arr)):
            raise ParameterError(f"state.{name}: expected {N_SCORES} finite values")
    if np.any(sd < 0):
        raise ParameterError("state.inflow_sd: must be >= 0")
    ths = []
    for t in (thresholds,) if np.ndim(thresholds) == 0 else thresholds:  # one score or several
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t <= MAX_SCORE:
            raise ParameterError(f"thresholds: expected CRS scores 0..{MAX_SCORE}, got {t!r}")
        ths.append(int(t))
    dates = [start, *[r.date for r in rounds]]
    days = np.diff(np.array([d.value for d in dates], dtype=np.int64)) / 86_400e9
    cat = np.array(
        [-1 if r.category == "general" else tracked.index(r.category) for r in rounds],
        dtype=np.intp,
    )

    def _sd(value: object, name: str) -> float:
        v = float(value) if value is not None else 0.0
        if not (math.isfinite(v) and v >= 0):
            raise ParameterError(f"state.{name}: expected a finite sd >= 0, got {value!r}")
        return v

    level_sd = getattr(state, "level_sd", None) or {}
    refill_sd = getattr(state, "refill_sd", None) or {}
    lev = np.array([_sd(level_sd.get(c, 0.0), f"level_sd[{c!r}]") for c in tracked])
    ref = np.array(
        [0.0 if c == "pnp" else _sd(refill_sd.get(c, 0.0), f"refill_sd[{c!r}]") for c in tracked]
    )
    level_floor = getattr(state, "level_floor", None) or {}
    floor = np.array([_sd(level_floor.get(c, 0.0), f"level_floor[{c!r}]") for c in tracked])
    eng = _Engine(
        total[::-1].copy(),
        elig[:, ::-1].copy(),
        inflow[::-1].copy(),
        sd[::-1].copy(),
        ie[:, ::-1].copy(),
        conv[:, ::-1].copy(),
        cap[:, ::-1].copy(),
        days,
        cat,
        tuple(ths),
        horizon,
        lev.reshape(len(tracked)),
        ref.reshape(len(tracked)),
        _sd(refill_sd.get("pnp", 0.0), "refill_sd['pnp']"),
        _sd(getattr(state, "nominee_shift_sd", 0.0), "nominee_shift_sd"),
        floor.reshape(len(tracked)),
        _sd(getattr(state, "tilt_sd", 0.0), "tilt_sd"),
    )
    return eng, tracked


def _as_rounds(schedule: Schedule | Iterable[Round], start: pd.Timestamp) -> list[Round]:
    if isinstance(schedule, Schedule):
        return schedule.expand(start)
    rounds = list(schedule)
    if not all(isinstance(r, Round) for r in rounds):
        raise ParameterError("schedule: expected a Schedule or a list of Round objects")
    return rounds


def simulate(
    state: PoolState,
    schedule: Schedule | Iterable[Round],
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    thresholds: Sequence[int] = (),
    random_inflow: bool = True,
    random_sizes: bool = True,
    parameter_uncertainty: bool = True,
    executor: Executor | None = None,
    chunk_paths: int = 500,
    engine: str = "auto",
) -> SimulationResult:
    """Simulate a schedule of rounds on a pool state.

    Parameters
    ----------
    state : PoolState
        The pool on the start day (``state.as_of``); rounds may not be earlier.
    schedule : Schedule or iterable of Round
        Rounds to hold, in date order (a :class:`Schedule` is expanded from ``state.as_of``).
    n_paths : int or None
        ``None`` (default): one deterministic expected path (expected inflow, expected round
        sizes, float64). An integer >= 1: Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness for Monte Carlo; converted once with :func:`numpy.random.default_rng`. Each
        block of ``chunk_paths`` paths gets its own stream (:meth:`SeedSequence.spawn`), so the
        result depends on ``rng``, ``n_paths`` and ``chunk_paths`` but not on ``executor``.
    thresholds : sequence of int
        Report the candidates left at or above these scores after each round (backlog)
        [CRS points].
    random_inflow, random_sizes : bool
        In Monte Carlo, draw the net inflow (per noise band, see Notes) and the invitation counts
        of rounds given as distributions. Off: expected values.
    parameter_uncertainty : bool
        In Monte Carlo, draw per path the model's parameters around their fitted values, with
        the sds of the state (``level_sd``, ``refill_sd``, ``nominee_shift_sd``,
        ``tilt_sd``; see Notes).
        Off: inflow noise and random sizes only, exactly as before this option existed. The
        deterministic path never uses it.
    executor : concurrent.futures.Executor or None
        Runs the blocks of paths (e.g. a ``ProcessPoolExecutor`` or a dask client's executor).
    chunk_paths : int
        Paths per block [paths].
    engine : {"auto", "numba", "numpy"}
        ``numpy``: vectorised over paths (the readable specification); ``numba``: the same
        arithmetic compiled, one path at a time with every update fused into one pass per
        round (several times faster, see the README's benchmarks); ``auto``: numpy for the
        deterministic path (no compilation needed), numba for Monte Carlo when installed.
        Both give the same cutoffs.

    Returns
    -------
    SimulationResult
        Arrays of shape ``(n_paths, n_rounds)`` (``n_paths`` = 1 when deterministic).

    Notes
    -----
    State: candidates per score :math:`T(s)` and, per category :math:`X`, the eligible
    :math:`E_X(s) \\le T(s)`. A round of category :math:`X` inviting :math:`n` takes
    :math:`t(s) = E_X(s)` above the cutoff :math:`c = \\max\\{s: \\sum_{u \\ge s} E_X(u) \\ge n\\}`
    and the remainder at :math:`c` (ties broken by profile time, which is assumed independent of
    everything else). ``general`` rounds use :math:`E = T`. Then :math:`T \\leftarrow T - t`,
    :math:`E_X \\leftarrow E_X - t` and every other category loses
    :math:`E_Y(s)\\,t(s)/T(s)`: category memberships are assumed **conditionally independent
    given the score**, so the invited at a score are a representative sample of everybody there.

    Between rounds separated by :math:`\\Delta` days the net inflow at score :math:`s` is
    :math:`\\mu(s)\\Delta + \\sigma(s)\\sqrt{\\Delta}\\,z_b` (``state.inflow`` and ``inflow_sd``),
    with one standard normal :math:`z_b` per noise band :data:`NOISE_BANDS` and interval (scores
    of a band move together; bands and intervals are independent). Expiries are inside the net
    inflow, so :math:`T + \\text{net}` can go below zero: it is clipped at zero and the ledger
    records the positive part as ``inflow`` and what actually left as ``outflow``, so
    ``start + inflow - outflow - invited = pool`` holds exactly. Positive net inflow joins
    category :math:`X` with share ``state.inflow_eligible[X]`` (default: the stock's share at that
    score); negative net inflow removes the same share of every category. Then, with
    :math:`k_X` = ``state.conversion[X]`` [1/day], candidates already in the pool turn eligible
    (new language results, Canadian experience, arrivals replacing expired profiles):
    :math:`E_X \\leftarrow \\min(T, E_X + \\min(k_X \\Delta T, \\max(0, a_X T - E_X)))`, where
    the cap :math:`a_X = \\min(1, k_X\\,h)` with :math:`h` = ``state.horizon`` (profiles last
    :math:`h` days, so at most :math:`k_X h` of a score can have turned eligible). This is the
    refill that lets a category's rounds go on month after month at scores its earlier rounds
    emptied.

    **Parameter uncertainty.** The inflow noise alone gives intervals far narrower than the
    model's real error (it takes the fitted sub-pools and refill rates as exact). With
    ``parameter_uncertainty`` each Monte Carlo path first draws, independently, for every
    category :math:`X` in the schedule: a level multiplier :math:`e^{\\sigma_L u}` on its eligible
    stock (capped at :math:`T`), a refill multiplier :math:`e^{\\sigma_R v}` on its inflow share
    and conversion rate (capped at 1), and, for the nominees (601..1200), a multiplier
    :math:`e^{\\sigma_N v'}` on their expected net inflow and a shift of their scores by
    :math:`\\mathrm{round}(\\sigma_S w)` points (counts pushed past 601 or 1200 stay at the
    edge), with :math:`u, v, v', w` standard normal and the sds ``state.level_sd[X]``,
    ``state.refill_sd[X]``, ``state.refill_sd["pnp"]`` and ``state.nominee_shift_sd``
    (estimated by :func:`eeforecast.pool.fit_pool`, assumption 9). With ``state.tilt_sd`` > 0
    the shape of the starting pool inside 501-600 is also tilted: the candidates and eligible
    counts at score :math:`s` are multiplied by :math:`e^{\\sigma_B t (s - 550.5) / 100}`,
    rescaled so that the band's total is kept (:func:`eeforecast.pool.tilt_factors`; only
    the band's total is published), :math:`t` standard normal, drawn after the others. The
    multipliers have median 1, so the median path stays near the deterministic one; a level
    error acts once (the stock on the start day), a refill error on every interval of the
    path. They are drawn from a third stream spawned per block, so switching them off leaves
    the other draws unchanged.

    Counts are expected values (fractional) in both modes; with integer pools, integer inflows
    and categories whose eligibility is 0 or 1 at each score they stay integers and the engine
    matches a per-candidate simulation exactly (see ``benchmarks/bench_simulate.py``).
    """
    start = _day(state.as_of, "state.as_of")
    rounds = _as_rounds(schedule, start)
    if not rounds:
        raise ParameterError("schedule: no rounds to simulate")
    eng, tracked = _engine_for(state, rounds, thresholds)
    specs = tuple(r.invitations for r in rounds)
    expected = np.array([[s.expected() for s in specs]])
    if engine not in ("auto", "numba", "numpy"):
        raise ParameterError(f"engine: expected 'auto', 'numba' or 'numpy', got {engine!r}")
    if engine == "auto":  # numba pays off for many paths; one path is quick either way
        engine = "numpy" if n_paths is None or _numba_kernel() is None else "numba"
    elif engine == "numba" and _numba_kernel() is None:
        raise ParameterError("engine='numba' but numba is not installed")
    if n_paths is None:
        det = _run_paths(eng, expected, None, engine)
        return SimulationResult._build(
            rounds, det, start, deterministic=True, thresholds=eng.thresholds
        )
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) or n_paths < 1:
        raise ParameterError(f"n_paths: expected a whole number >= 1 or None, got {n_paths!r}")
    if not isinstance(chunk_paths, (int, np.integer)) or chunk_paths < 1:
        raise ParameterError(f"chunk_paths: expected a whole number >= 1, got {chunk_paths!r}")
    gen = as_generator(rng)
    root = np.random.SeedSequence(gen.integers(0, 2**63, size=4).tolist())
    sizes = [min(chunk_paths, n_paths - i) for i in range(0, int(n_paths), int(chunk_paths))]
    seeds = root.spawn(len(sizes))
    args = [
        (eng, specs, n, s, engine, random_inflow, random_sizes, bool(parameter_uncertainty))
        for n, s in zip(sizes, seeds, strict=True)
    ]
    if executor is None:
        parts = [_chunk_task(*a) for a in args]
    else:
        futures = [executor.submit(_chunk_task, *a) for a in args]
        parts = [f.result() for f in futures]
    merged = {
        k: np.concatenate([p[k] for p in parts], axis=-2 if k == "above" else 0)
        for k in parts[0]
        if k != "start_pool"
    }
    merged["start_pool"] = np.concatenate([p["start_pool"] for p in parts])
    return SimulationResult._build(
        rounds, merged, start, deterministic=False, thresholds=eng.thresholds
    )


# --- results ---------------------------------------------------------------------------------


def _quantile(values: np.ndarray, q: float) -> np.ndarray:
    """Column quantiles that are sample values (``inverted_cdf``), NaN-aware."""

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: nobody invited
        return np.nanquantile(values, q, axis=0, method="inverted_cdf")


@dataclass
class SimulationResult:
    """Simulated rounds: ``(n_paths, n_rounds)`` arrays plus the schedule.

    Attributes
    ----------
    rounds : list of Round
        The rounds simulated, in order.
    start : pandas.Timestamp
        Day of the starting pool state.
    cutoff : numpy.ndarray of int, (n_paths, n_rounds)
        Lowest score invited [CRS points]; 1201 when nobody could be invited.
    invited : numpy.ndarray, (n_paths, n_rounds)
        Candidates invited (less than requested only if too few were eligible) [candidates].
    pool : numpy.ndarray, (n_paths, n_rounds)
        Candidates left after the round [candidates].
    inflow, outflow : numpy.ndarray, (n_paths, n_rounds)
        Candidates who joined / left (expiry) since the previous round [candidates].
    above : dict int -> numpy.ndarray, (n_paths, n_rounds)
        Candidates left at or above each threshold after the round (backlog) [candidates].
    start_pool : numpy.ndarray, (n_paths,)
        Candidates at the start [candidates].
    requested : numpy.ndarray, (n_paths, n_rounds)
        Invitations each round was asked to issue (drawn when a round's size is random)
        [candidates].
    tie : numpy.ndarray, (n_paths, n_rounds)
        Share of the eligible candidates at the cutoff score who were invited (the tie-break
        by profile time reached that far); NaN when nobody was invited [fraction 0..1].
    deterministic : bool
        True for the single expected path.
    """

    rounds: list[Round]
    start: pd.Timestamp
    cutoff: np.ndarray
    invited: np.ndarray
    pool: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    above: dict[int, np.ndarray] = field(default_factory=dict)
    start_pool: np.ndarray | None = None
    requested: np.ndarray | None = None
    tie: np.ndarray | None = None
    deterministic: bool = True

    @classmethod
    def _build(cls, rounds, arrays, start, *, deterministic, thresholds):
        above = arrays["above"]
        return cls(
            rounds=list(rounds),
            start=start,
            cutoff=arrays["cutoff"].astype(np.int16),
            invited=arrays["invited"],
            pool=arrays["pool"],
            inflow=arrays["inflow"],
            outflow=arrays["outflow"],
            above={t: above[i] for i, t in enumerate(thresholds)},
            start_pool=arrays["start_pool"],
            requested=arrays["requested"],
            tie=arrays["tie"],
            deterministic=deterministic,
        )

    @property
    def n_paths(self) -> int:
        """Number of paths [paths]."""
        return self.cutoff.shape[0]

    @property
    def n_rounds(self) -> int:
        """Number of rounds."""
        return self.cutoff.shape[1]

    def to_frame(self, levels: Sequence[int] = LEVELS, *, replayed: bool = False) -> pd.DataFrame:
        """One row per round: ``date, category, invitations, cutoff`` (median over paths), with
        several paths ``cutoff_lo_<L>, cutoff_hi_<L>`` for each level, then ``pool`` and
        ``above_<T>`` (medians). ``replayed=True`` keeps the replayed past rounds of
        :func:`conditional_cutoff` (column ``replayed``)."""
        cut = np.where(self.cutoff > MAX_SCORE, np.nan, self.cutoff.astype(float))
        frame = pd.DataFrame(
            {
                "date": [r.date for r in self.rounds],
                "category": [r.category for r in self.rounds],
                "invitations": np.median(self.requested, axis=0),
                "cutoff": _quantile(cut, 0.5),
            }
        )
        if self.n_paths > 1:
            for level in levels:
                a = (100 - level) / 200
                frame[f"cutoff_lo_{level}"] = _quantile(cut, a)
                frame[f"cutoff_hi_{level}"] = _quantile(cut, 1 - a)
        frame["pool"] = np.median(self.pool, axis=0)
        for t, arr in self.above.items():
            frame[f"above_{t}"] = np.median(arr, axis=0)
        frame["invitations"] = frame["invitations"].round().astype("int64")
        for col in [c for c in frame if c.startswith("cutoff")]:
            # whole CRS points; missing (nobody invited in most paths) stays missing
            frame[col] = frame[col].astype("int64" if frame[col].notna().all() else "Int64")
        if replayed:
            frame["replayed"] = [r.replayed for r in self.rounds]
        else:
            keep = np.array([not r.replayed for r in self.rounds], dtype=bool)
            frame = frame[keep].reset_index(drop=True)
        return frame

    def final(self) -> pd.Series:
        """The last round's row of :meth:`to_frame` (e.g. the hypothetical round)."""
        return self.to_frame(replayed=True).iloc[-1]

    def shortfalls(self) -> pd.DataFrame:
        """The simulated (not replayed) rounds that ran out of eligible candidates in the median
        path: ``date, category, invitations`` (asked) and ``invited`` (median) [candidates]."""
        keep = np.array([not r.replayed for r in self.rounds], dtype=bool)
        frame = self.to_frame()[["date", "category", "invitations"]]
        frame["invited"] = np.median(self.invited[:, keep], axis=0)
        return frame[frame["invited"] < frame["invitations"] - 0.5].reset_index(drop=True)

    def warn_shortfalls(self, stacklevel: int = 2) -> None:
        """A warning for each round of :meth:`shortfalls` (its cutoff is the lowest eligible
        score: the round invited everybody eligible)."""
        for row in self.shortfalls().itertuples(index=False):
            warnings.warn(
                f"round {row.category}:{row.invitations}@{row.date:%Y-%m-%d}: only "
                f"{row.invited:,.0f} eligible candidates were left to invite (median over paths)",
                UserWarning,
                stacklevel=stacklevel + 1,
            )

    def summary(self) -> str:
        """A readable summary: start, paths, rounds and the per-round table."""
        mode = (
            "deterministic (expected path)"
            if self.deterministic
            else (f"Monte Carlo, {self.n_paths} paths")
        )
        n_rep = sum(r.replayed for r in self.rounds)
        head = [
            "Simulated rounds of invitations",
            f"  start      {self.start:%Y-%m-%d}, pool {float(np.median(self.start_pool)):,.0f}"
            " candidates",
            f"  mode       {mode}",
            f"  rounds     {self.n_rounds - n_rep} simulated"
            + (f" after {n_rep} replayed past rounds" if n_rep else ""),
            f"  invited    {float(np.median(self.invited.sum(axis=1))):,.0f} (median total)",
        ]
        with pd.option_context("display.width", 200, "display.max_columns", None):
            table = self.to_frame().to_string(index=False, float_format=lambda v: f"{v:,.0f}")
        return "\n".join(head) + "\n\n" + table

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, *, level: int = 80):
        """Cutoff per round by category: medians as markers and lines, ``level`` % intervals as
        error bars. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt

        frame = self.to_frame()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        for cat, grp in frame.groupby("category", sort=False):
            lo = f"cutoff_lo_{level}"
            if lo in grp:
                err = np.vstack(
                    [grp["cutoff"] - grp[lo], grp[f"cutoff_hi_{level}"] - grp["cutoff"]]
                )
                ax.errorbar(
                    grp["date"],
                    grp["cutoff"],
                    yerr=err,
                    marker="o",
                    capsize=3,
                    label=f"{cat} ({level}% interval)",
                )
            else:
                ax.plot(grp["date"], grp["cutoff"], marker="o", label=cat)
        ax.set_xlabel("round date")
        ax.set_ylabel("cutoff [CRS points]")
        ax.set_title("Simulated cutoffs")
        ax.legend(fontsize="small")
        return ax


# --- scale-out -------------------------------------------------------------------------------


def _scenario_task(state, schedule, seed, kwargs) -> SimulationResult:
    return simulate(state, schedule, rng=np.random.default_rng(seed), **kwargs)


def run_scenarios(
    scenarios: Sequence[Schedule | Sequence[Round]] | Mapping[str, Schedule | Sequence[Round]],
    state,
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    executor: Executor | None = None,
    as_of: object = None,
    room: bool = True,
    **kwargs,
) -> list[SimulationResult] | dict[str, SimulationResult]:
    """Simulate many schedules on one pool, optionally spread over an executor.

    Parameters
    ----------
    scenarios : sequence or mapping of Schedule / list of Round
        The schedules; a mapping returns a dict with the same keys.
    state : Feed, fitted pool model, path, None or PoolState
        Starting pool. A feed, model or path (None: the bundled feed) starts as
        :func:`simulate_feed` does: from the latest snapshot on or before ``as_of``, with the
        rounds recorded since then replayed and the room rule (``room``) applied per scenario.
        A :class:`eeforecast.pool.PoolState` is used exactly as given: rounds held after its
        snapshot are not taken out.
    as_of, room
        See :func:`simulate_feed` (not used with a PoolState).
    n_paths, **kwargs
        Passed to :func:`simulate` (each scenario runs its paths serially in its worker).
    rng : int, numpy.random.Generator or None
        Converted once; one child seed per scenario (:meth:`SeedSequence.spawn`), so the results
        are the same with any executor or none.
    executor : concurrent.futures.Executor or None
        E.g. ``ProcessPoolExecutor(2)`` or ``dask.distributed.Client(...).get_executor()``.
    """
    keys = list(scenarios) if isinstance(scenarios, Mapping) else None
    items = [scenarios[k] for k in keys] if keys is not None else list(scenarios)
    if isinstance(state, PoolState):
        starts = [state] * len(items)
    else:
        resolved = _resolve(state, as_of)
        prepared = [_prepare(*resolved, s, room) for s in items]
        starts, items = [p[0] for p in prepared], [p[1] for p in prepared]
    gen = as_generator(rng)
    seeds = np.random.SeedSequence(gen.integers(0, 2**63, size=4).tolist()).spawn(len(items))
    kwargs = dict(kwargs, n_paths=n_paths)
    if executor is None:
        results = [
            _scenario_task(st, s, seed, kwargs)
            for st, s, seed in zip(starts, items, seeds, strict=True)
        ]
    else:
        futures = [
            executor.submit(_scenario_task, st, s, seed, kwargs)
            for st, s, seed in zip(starts, items, seeds, strict=True)
        ]
        results = [f.result() for f in futures]
    return dict(zip(keys, results, strict=True)) if keys is not None else results


# --- from a feed: the pool as it stood on a day ------------------------------------------------


def _resolve(source, as_of) -> tuple:
    """(rounds frame or None, PoolState, as-of day, pool model or None) from a feed, a fitted
    pool model, a PoolState or a path."""
    from .feed import Feed, load_feed
    from .pool import fit_pool

    day = None if as_of is None else _day(as_of, "as_of")
    if isinstance(source, PoolState):
        day = day if day is not None else _day(source.as_of, "state.as_of")
        return None, source, day, None
    if source is None or isinstance(source, (str, Path)):
        source = load_feed(source, as_of=day)
    if isinstance(source, Feed):
        feed = source.truncate(day) if day is not None else source
        source = fit_pool(feed, as_of=day)
        state = source.state()
        rounds = feed.rounds
        last = feed.as_of
        if last is None and len(rounds):
            last = max(rounds["date"].max(), feed.snapshots["as_of"].max())
    elif hasattr(source, "state"):  # a fitted pool model (eeforecast.pool.PoolModel)
        state = source.state(day) if day is not None else source.state()
        rounds = getattr(source, "rounds", None)
        last = getattr(source, "as_of", None)
        if day is not None and last is not None and day > _day(last, "model.as_of"):
            raise ParameterError(
                f"as_of: {day:%Y-%m-%d} is after the pool model's last day {last:%Y-%m-%d}; "
                "fit the model on data up to as_of"
            )
    else:
        raise ParameterError(
            f"source: expected a Feed, a pool model, a PoolState or a path, "
            f"got {type(source).__name__}"
        )
    if day is None:
        day = max(d for d in (_day(state.as_of, "state.as_of"), last) if d is not None)
        day = _day(day, "as_of")
    if rounds is not None:
        rounds = rounds[rounds["date"] <= day]
    model = source if hasattr(source, "state") else None
    return rounds, state, day, model


def replayed_rounds(rounds, since: object, until: object) -> list[Round]:
    """The rounds dated ``since <= date <= until``, as :class:`Round` objects with their actual
    invitations and ``replayed=True``.

    Parameters
    ----------
    rounds : Feed or pandas.DataFrame
        A feed, or a frame with ``date, category, invitations`` (e.g. ``feed.rounds``).
    since, until : date-like
        The snapshot's day and the as-of day. A snapshot describes the pool before the rounds
        held on its day, so the rounds dated on the snapshot's day are replayed too.
    """
    frame = rounds.rounds if hasattr(rounds, "rounds") else rounds
    since, until = _day(since, "since"), _day(until, "until")
    rows = frame[(frame["date"] >= since) & (frame["date"] <= until)]
    return [
        Round(
            pd.Timestamp(row.date),
            row.category,
            Invitations("fixed", (("value", float(row.invitations)),)),
            True,
        )
        for row in rows.itertuples(index=False)
    ]


def _check_not_before(rounds: Sequence[Round], day: pd.Timestamp) -> None:
    """Refuse a scheduled round dated before the as-of day, naming it."""
    for i, rnd in enumerate(rounds):
        if rnd.date < day:
            raise ParameterError(
                f"round {i + 1} ({rnd.category}:{rnd.invitations} on {rnd.date:%Y-%m-%d}): "
                f"date is before the as-of day {day:%Y-%m-%d}"
            )


def _prepare(past_rounds, state, day, model, schedule, room: bool) -> tuple[PoolState, list]:
    """The starting state and every round to simulate from a resolved source: the rounds
    recorded since the state's snapshot, replayed, then ``schedule`` (checked, thin sub-pools
    warned about, the room rule applied)."""
    rounds = _as_rounds(schedule, day)
    _check_not_before(rounds, day)
    _warn_thin(model, rounds)
    if room:
        state = _with_room(model, state, rounds)
    past: list[Round] = []
    if past_rounds is not None:
        for rnd in replayed_rounds(past_rounds, state.as_of, day):
            if rnd.category != "general" and rnd.category not in state.eligible:
                warnings.warn(
                    f"replaying the rounds since the snapshot of {state.as_of:%Y-%m-%d}: skipped "
                    f"the {rnd.category} round of {rnd.date:%Y-%m-%d} (the pool state has no "
                    "eligible estimate for that category)",
                    stacklevel=4,
                )
                continue
            past.append(rnd)
    return state, past + rounds


def simulate_feed(
    source=None,
    schedule: Schedule | Iterable[Round] = (),
    *,
    as_of: object = None,
    room: bool = True,
    **kwargs,
) -> SimulationResult:
    """Simulate rounds from the pool as it stood on ``as_of``.

    Parameters
    ----------
    source : Feed, fitted pool model, PoolState, path or None
        Where the pool comes from (``None``: the bundled feed). A feed is fitted with
        :func:`eeforecast.pool.fit_pool` as of ``as_of``; a fitted model gives
        ``model.state(as_of)`` and its rounds.
    schedule : Schedule or iterable of Round
        The hypothetical rounds, dated on or after ``as_of`` (rules without ``from`` start on
        ``as_of``).
    as_of : date-like or None
        The day the question is asked (default: the latest day in the data).
    room : bool
        Assume IRCC sizes a category round well inside its eligible pool: a category whose
        modelled sub-pool its largest scheduled round would take beyond 3/4 is scaled up until
        that round takes 3/4 (:meth:`eeforecast.pool.PoolModel.with_room`; not for ``pnp`` and
        ``general``). In Monte Carlo with parameter uncertainty the same holds on every path:
        a path's level multiplier is raised to the one at which that round takes 3/4 of the
        expected sub-pool (``PoolState.level_floor``). Needs a pool model; ignored for a bare
        PoolState.
    **kwargs
        Passed to :func:`simulate` (``n_paths``, ``rng``, ``thresholds`` ...).

    Notes
    -----
    The state is the latest pool snapshot on or before ``as_of``. The rounds recorded from the
    snapshot's day up to ``as_of`` are replayed first with their actual invitations (they are
    marked ``replayed`` and left out of :meth:`SimulationResult.to_frame` by default), and the
    expected inflow (or, in Monte Carlo, random inflow) since the snapshot is added. Past rounds
    of a category the pool state does not estimate are skipped with a warning.
    """
    state, rounds = _prepare(*_resolve(source, as_of), schedule, room)
    return simulate(state, rounds, **kwargs)


def _warn_thin(model, rounds: Sequence[Round]) -> None:
    """A :class:`eeforecast.pool.ThinPoolWarning` for each scheduled category whose sub-pool the
    pool model estimated from too few past rounds."""
    if model is None or not hasattr(model, "thin"):
        return
    for category, n in model.thin(rnd.category for rnd in rounds).items():
        warnings.warn(thin_note(category, n), ThinPoolWarning, stacklevel=3)


#: Largest share of a category's sub-pool that one round takes (the room assumption) [fraction].
MAX_TAKE = 0.75


def _with_room(model, state: PoolState, rounds: Sequence[Round]) -> PoolState:
    """The state after :meth:`PoolModel.with_room` for each category's largest scheduled round
    (unchanged without a pool model), with ``level_floor`` set so that every Monte Carlo path
    leaves that room too."""
    if model is None or not hasattr(model, "with_room"):
        return state
    from dataclasses import replace

    roomy = model
    floors = {}
    for category in dict.fromkeys(rnd.category for rnd in rounds):
        own = [rnd for rnd in rounds if rnd.category == category]
        largest = max(rnd.invitations.expected() for rnd in own)
        roomy = roomy.with_room(category, largest, own[0].date, max_take=MAX_TAKE)
        if category not in ("pnp", "general"):
            pool = float(roomy.eligible_on(category, own[0].date).sum())
            if pool > 0:
                floors[category] = min(1.0, largest / (MAX_TAKE * pool))
    new = state if roomy is model else roomy.state(state.as_of)
    return replace(new, level_floor={**new.level_floor, **floors})


def conditional_cutoff(
    source,
    category: str,
    invitations: object,
    as_of: object = None,
    *,
    date: object = None,
    room: bool = True,
    **kwargs,
) -> SimulationResult:
    """The cutoff if IRCC invites ``invitations`` in ``category`` next.

    Parameters
    ----------
    source : Feed, fitted pool model, PoolState, path or None
        See :func:`simulate_feed`.
    category : str
        Category slug of the hypothetical round.
    invitations : int or mapping
        Its size [candidates] (a distribution mapping is accepted, see :class:`Invitations`).
    as_of : date-like or None
        What is known: the latest snapshot on or before it, and the rounds up to it.
    date : date-like or None
        Day of the hypothetical round (default: ``as_of``).
    room : bool
        See :func:`simulate_feed`.
    **kwargs
        Passed to :func:`simulate` (``n_paths``, ``rng`` ...).

    Returns
    -------
    SimulationResult
        The replayed rounds since the snapshot, then the hypothetical round;
        :meth:`SimulationResult.final` is its row (``cutoff`` and, with paths, intervals).

    Examples
    --------
    >>> res = conditional_cutoff(None, "cec", 3000, as_of="2025-06-01")  # doctest: +SKIP
    >>> int(res.final()["cutoff"])  # doctest: +SKIP
    """
    past, state, day, model = _resolve(source, as_of)
    when = day if date is None else _day(date, "date")
    rnd = Round.make(when, category, invitations, where="hypothetical round")
    state, rounds = _prepare(past, state, day, model, [rnd], room)
    return simulate(state, rounds, **kwargs)


# --- multi-round replay: the actual rounds after an origin -----------------------------------


def replay(
    feed,
    origin: object,
    months: int = 6,
    *,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    room: bool = True,
    model=None,
    parameter_uncertainty: bool = True,
) -> pd.DataFrame:
    """Simulate the ACTUAL rounds held after ``origin`` from the pool as it stood on ``origin``.

    Parameters
    ----------
    feed : eeforecast.feed.Feed
        The full feed: the pool is fitted on ``feed.truncate(origin)`` only; the rounds dated
        after ``origin`` (up to ``months`` later) give the schedule (date, category, actual
        invitations) and the actual cutoffs to compare with.
    origin : date-like
        Day the replay starts (everything known up to and including it).
    months : int
        Length of the replay [months].
    n_paths : int or None
        ``None``: the deterministic expected path; otherwise Monte Carlo paths (random inflow;
        the sizes are the actual ones) that give ``lo_80`` / ``hi_80``.
    rng : int, numpy.random.Generator or None
        Randomness for Monte Carlo.
    room : bool
        See :func:`simulate_feed`.
    model : eeforecast.pool.PoolModel, optional
        The pool fitted at ``origin`` (fitted here when omitted).
    parameter_uncertainty : bool
        See :func:`simulate` (Monte Carlo only).

    Returns
    -------
    pandas.DataFrame
        One row per replayed round: ``origin, date, category, invitations, months_ahead`` (1 =
        the first month after the origin) ``, actual, simulated, naive`` (the category's last
        cutoff on or before the origin) and, with paths, ``lo_80, hi_80, lo_95, hi_95``
        [CRS points]. Rounds
        of categories with no past rounds at the origin are left out of the simulation.

    Notes
    -----
    Nothing after ``origin`` enters the model: the actual sizes and dates of the later rounds
    are given (the question is how well the pool dynamics track reality, not how well the
    schedule is forecast). Errors therefore grow only through the sub-pools' depletion and
    refill and the inflow.
    """
    from .pool import fit_pool

    origin = _day(origin, "origin")
    end = origin + pd.DateOffset(months=int(months))
    if model is None:
        model = fit_pool(feed.truncate(origin), as_of=origin)
    past = model.rounds
    future = feed.rounds[(feed.rounds["date"] > origin) & (feed.rounds["date"] <= end)]
    known = set(model.categories) | {"general", "pnp"}
    future = future[future["category"].isin(known)].reset_index(drop=True)
    cols = ["origin", "date", "category", "invitations", "months_ahead", "actual", "simulated"]
    if future.empty:
        return pd.DataFrame(columns=[*cols, "naive"])
    rounds = [
        Round(
            pd.Timestamp(r.date),
            r.category,
            Invitations("fixed", (("value", float(r.invitations)),)),
        )
        for r in future.itertuples(index=False)
    ]
    res = simulate_feed(
        model,
        rounds,
        as_of=origin,
        room=room,
        n_paths=n_paths,
        rng=rng,
        parameter_uncertainty=parameter_uncertainty,
    )
    frame = res.to_frame()
    last = past.groupby("category")["cutoff"].last()
    ahead = ((future["date"] - origin).dt.days // 30.4375).astype(int) + 1
    out = pd.DataFrame(
        {
            "origin": origin,
            "date": future["date"],
            "category": future["category"],
            "invitations": future["invitations"].astype("int64"),
            "months_ahead": ahead.clip(upper=int(months)),
            "actual": future["cutoff"].astype("int64"),
            "simulated": frame["cutoff"].astype(float).to_numpy(),
            "naive": future["category"].map(last).astype(float).to_numpy(),
        }
    )
    if n_paths is not None and n_paths > 1:
        for level in LEVELS:
            for side in ("lo", "hi"):
                out[f"{side}_{level}"] = frame[f"cutoff_{side}_{level}"].astype(float).to_numpy()
    return out


def replay_summary(frame: pd.DataFrame, split: int = 3) -> pd.DataFrame:
    """Error of a :func:`replay` frame (or several concatenated) per category and horizon.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows of :func:`replay` (``category, months_ahead, actual, simulated, naive`` and,
        optionally, ``lo_80, hi_80, lo_95, hi_95``).
    split : int
        Rounds up to ``split`` months ahead form the first horizon group, later ones the second
        [months].

    Returns
    -------
    pandas.DataFrame
        Index ``(category, ahead)`` with ``ahead`` like ``"1-3"`` / ``"4-6"``; columns
        ``rounds, mae, naive_mae, bias`` [CRS points] and ``coverage_80``, ``coverage_95``
        (share of actual cutoffs inside ``lo_80..hi_80`` / ``lo_95..hi_95``, NaN without
        intervals) [fraction]. A simulated cutoff
        of 1201 (nobody left to invite) counts as 1201. Rounds without a naive guess (a
        category's first round) are left out.

    Examples
    --------
    >>> f = pd.DataFrame({"category": ["cec", "cec"], "months_ahead": [1, 6],
    ...                   "actual": [520, 530], "simulated": [522, 520], "naive": [525, 525]})
    >>> replay_summary(f)[["rounds", "mae", "bias"]].to_dict("index")
    {('cec', '1-3'): {'rounds': 1, 'mae': 2.0, 'bias': 2.0}, ('cec', '4-6'): {'rounds': 1, 'mae': 10.0, 'bias': -10.0}}
    """
    f = frame.dropna(subset=["naive"]).copy()
    sim = f["simulated"].fillna(N_SCORES).astype(float)
    top = int(f["months_ahead"].max()) if len(f) else split
    f["ahead"] = [f"1-{split}" if m <= split else f"{split + 1}-{top}" for m in f["months_ahead"]]
    f["err"] = sim - f["actual"]
    f["nerr"] = f["naive"] - f["actual"]
    for level in LEVELS:
        lo, hi = f"lo_{level}", f"hi_{level}"
        if {lo, hi} <= set(f.columns):
            inside = (f["actual"] >= f[lo]) & (f["actual"] <= f[hi])
            f[f"cov{level}"] = inside.astype(float).where(f[lo].notna())
        else:
            f[f"cov{level}"] = np.nan
    out = f.groupby(["category", "ahead"]).agg(
        rounds=("err", "size"),
        mae=("err", lambda e: float(e.abs().mean())),
        naive_mae=("nerr", lambda e: float(e.abs().mean())),
        bias=("err", "mean"),
        coverage_80=("cov80", "mean"),
        coverage_95=("cov95", "mean"),
    )
    return out
