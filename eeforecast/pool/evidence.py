"""What the rounds revealed about each category sub-pool, what the model assumes beyond it, and the
researcher's own settings.

:func:`subpool_report` is the plausibility report behind
:meth:`~eeforecast.pool.PoolModel.subpools` (eligible stock above 450 and 500 with their ranges,
share of the pool, the bounds the rounds and snapshots put on it, rounds behind it, stale or not);
:func:`with_subpool` sets or bounds a category's stock, share or refill for a sensitivity run
(:meth:`~eeforecast.pool.PoolModel.with_subpool`), :func:`~eeforecast.pool.parse_subpool_table`
reads the same settings from a schedule's ``[subpool.<category>]`` tables, and
:func:`assumptions_frame` lists what a simulation assumed, one row per category.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scores import NOMINEE_FLOOR, SCORES
from .subpools import MIN_CATEGORY_ROUNDS

__all__ = [
    "RANGE_Z",
    "SUBPOOL_FIELDS",
    "SubpoolReport",
    "assumptions_frame",
    "parse_subpool_table",
    "subpool_report",
    "with_subpool",
]

#: A user's range ``(low, high)`` of a stock or a refill is read as the 80% range of the
#: per-path log-normal multiplier: ``sd = ln(high / low) / (2 RANGE_Z)``.
RANGE_Z = 1.2815515655446004

#: The settings of a ``[subpool.<category>]`` table and of
#: :meth:`~eeforecast.pool.PoolModel.with_subpool`.
SUBPOOL_FIELDS = ("include", "share", "share_below", "stock_ge", "refill")


def _range(value: object, where: str, *, share: bool) -> tuple[float, float]:
    """``(low, high)`` from a number (both equal) or ``{low, high}`` / a pair; named errors."""
    if isinstance(value, Mapping):
        unknown = set(value) - {"low", "high"}
        if unknown or not {"low", "high"} <= set(value):
            raise ParameterError(f"{where}: expected {{low = ..., high = ...}}, got {value!r}")
        pair = (value["low"], value["high"])
    elif isinstance(value, list | tuple):
        if len(value) != 2:
            raise ParameterError(f"{where}: expected (low, high), got {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    out = []
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise ParameterError(f"{where}: expected numbers > 0, got {value!r}")
        if share and v > 1:
            raise ParameterError(f"{where}: expected shares in (0, 1], got {value!r}")
        out.append(float(v))
    if out[1] < out[0]:
        raise ParameterError(f"{where}: high must be >= low, got {value!r}")
    return out[0], out[1]


def _stock(value: object, where: str) -> dict[int, tuple[float, float]]:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ParameterError(
            f"{where}: expected one {{score = count}} or {{score = {{low, high}}}}, got {value!r}"
        )
    ((score, count),) = value.items()
    try:
        t = int(score)
    except (TypeError, ValueError):
        raise ParameterError(f"{where}: the score must be a CRS score, got {score!r}") from None
    if not 0 <= t <= 600:
        raise ParameterError(f"{where}: the score must be in 0..600, got {t}")
    return {t: _range(count, f"{where}.{t}", share=False)}


def parse_subpool_table(data: object, where: str = "subpool") -> dict[str, dict]:
    """Read ``[subpool.<category>]`` tables into the keyword arguments of
    :meth:`~eeforecast.pool.PoolModel.with_subpool`.

    Parameters
    ----------
    data : mapping
        Category slug -> table with any of :data:`~eeforecast.pool.evidence.SUBPOOL_FIELDS`:
        ``include`` (true/false),
        ``share`` and ``share_below`` (a share, or ``{low, high}``), ``stock_ge`` (``{500 =
        3000}`` or ``{500 = {low = 2000, high = 8000}}``), ``refill`` (a multiplier, or
        ``{low, high}``).
    where : str
        Prefix of the error messages.

    Returns
    -------
    dict of str to dict

    Raises
    ------
    ParameterError
        Naming the field, e.g. ``subpool.cec.share_below: expected shares in (0, 1]``.

    Examples
    --------
    >>> parse_subpool_table({"cec": {"share_below": {"low": 0.2, "high": 0.5}}})
    {'cec': {'share_below': (0.2, 0.5)}}
    """
    if not isinstance(data, Mapping):
        raise ParameterError(f"{where}: expected tables [{where}.<category>]")
    out = {}
    for cat, table in data.items():
        here = f"{where}.{cat}"
        if not isinstance(table, Mapping):
            raise ParameterError(f"{here}: expected a table of settings")
        unknown = set(table) - set(SUBPOOL_FIELDS)
        if unknown:
            raise ParameterError(
                f"{here}: unknown field(s) {sorted(unknown)}; expected {', '.join(SUBPOOL_FIELDS)}"
            )
        kwargs: dict = {}
        for key, value in table.items():
            if key == "include":
                if not isinstance(value, bool):
                    raise ParameterError(f"{here}.include: expected true or false, got {value!r}")
                kwargs[key] = value
            elif key == "stock_ge":
                kwargs[key] = _stock(value, f"{here}.{key}")
            else:
                kwargs[key] = _range(value, f"{here}.{key}", share=key != "refill")
        out[str(cat)] = kwargs
    return out


def _describe(settings: Mapping) -> str:
    parts = []
    for key, value in settings.items():
        if isinstance(value, dict):
            ((t, (lo, hi)),) = value.items()
            value = f">={t}: {lo:g}" if lo == hi else f">={t}: {lo:g}-{hi:g}"
        elif isinstance(value, tuple):
            value = f"{value[0]:g}" if value[0] == value[1] else f"{value[0]:g}-{value[1]:g}"
        parts.append(f"{key}={value}")
    return "user: " + ", ".join(parts)


def with_subpool(model, category: str, **settings):
    """A copy of ``model`` with a category's sub-pool set or bounded by the user.

    Parameters
    ----------
    model : PoolModel
    category : str
        A fitted category (not ``general`` or ``pnp``).
    include : bool, optional
        Take part in forecasts and scenarios (a stale category takes part only with True).
    share : float or (low, high), optional
        Steady-state eligible share at every score below 601 [fraction]: a number fixes it; a
        range is drawn per path below the revealed floor and its geometric midpoint caps the
        share above it.
    share_below : float or (low, high), optional
        The same below the revealed floor only [fraction].
    stock_ge : dict {score: count or (low, high)}, optional
        The eligible candidates at or above ``score`` after the as-of day's rounds: the sub-pool
        is scaled to the count (or the geometric midpoint), its shares capped at 1, and a range
        is the 80% range of the per-path stock multiplier [candidates]. Not with ``share``
        (both set the stock); with ``share_below``, the share below the floor is the one given.
    refill : float or (low, high), optional
        Multiplier of the fitted refill (inflow share and conversion): a number fixes it, a
        range is the 80% range of its per-path draw [-].

    Returns
    -------
    PoolModel
        With the category's :class:`~eeforecast.pool.CategoryFit` changed and ``source`` naming
        the settings.

    Raises
    ------
    ParameterError
        Unknown category or setting, or a value out of range (named).
    """
    if category not in model.categories:
        known = ", ".join(sorted(model.categories))
        raise ParameterError(
            f"category {category!r}: no fitted sub-pool to set (fitted: {known}; general and "
            "pnp are structural)"
        )
    unknown = set(settings) - set(SUBPOOL_FIELDS)
    if unknown:
        raise ParameterError(
            f"{sorted(unknown)}: unknown sub-pool setting(s); expected {', '.join(SUBPOOL_FIELDS)}"
        )
    given = {k: v for k, v in settings.items() if v is not None}
    where = f"subpool.{category}"
    parsed = parse_subpool_table({category: given}, "subpool")[category] if given else {}
    if "share" in parsed and "stock_ge" in parsed:
        raise ParameterError(
            f"{where}: share and stock_ge both set the eligible stock; give one (share_below "
            "with stock_ge sets the share below the revealed floor)"
        )
    fit = model.categories[category]
    if "include" in parsed:
        fit = replace(fit, include=parsed["include"])
    if "refill" in parsed:
        lo, hi = parsed["refill"]
        mid = math.sqrt(lo * hi)
        fit = replace(
            fit,
            refill=min(fit.refill * mid, 1.0),
            conversion=fit.conversion * mid,
            flow_conversion=fit.flow_conversion * mid,
            refill_sd=math.log(hi / lo) / (2 * RANGE_Z),
        )
    if "stock_ge" in parsed:  # scales the whole sub-pool, its shares capped at everybody
        ((t, (lo, hi)),) = parsed["stock_ge"].items()
        day = model.as_of + pd.Timedelta(days=1)
        scaled = replace(model, categories={**model.categories, category: fit})
        now = float(scaled.eligible_on(category, day)[t:].sum())
        if now <= 0:
            raise ParameterError(
                f"{where}.stock_ge: the fitted sub-pool holds nobody at or above {t} on "
                f"{day:%Y-%m-%d}, so it cannot be scaled; set share or share_below instead"
            )
        factor = math.sqrt(lo * hi) / now
        fit = replace(
            fit,
            drift=fit.drift + math.log(factor),
            share_below=min(1.0, fit.share_below * factor),
            below_lo=min(1.0, fit.below_lo * factor),
            below_hi=min(1.0, fit.below_hi * factor),
            cap=min(1.0, fit.cap * factor) if np.isfinite(fit.cap) else fit.cap,
            level_sd=math.log(hi / lo) / (2 * RANGE_Z),
        )
    for key in ("share", "share_below"):  # after stock_ge: a share the user gives is kept
        if key in parsed:
            lo, hi = parsed[key]
            mid = math.sqrt(lo * hi)
            fit = replace(fit, share_below=mid, below_lo=lo, below_hi=hi)
            if key == "share":
                fit = replace(fit, cap=mid)
            if fit.floor is None:
                fit = replace(fit, floor=601)  # nothing revealed: the range holds everywhere
    out = replace(model, categories={**model.categories, category: fit})
    if parsed:
        previous = model.categories[category].source
        note = _describe(parsed)
        source = note if previous == "fitted" else f"{previous}; {note[6:]}"
        out = replace(out, categories={**out.categories, category: replace(fit, source=source)})
    return out


def assumptions_frame(model, categories=None) -> pd.DataFrame:
    """One row per category of what a simulation on ``model`` assumes about its sub-pool.

    Columns: ``category, included, stale, regime, floor`` [CRS points], ``share_above``
    (steady-state eligible share at the floor and above), ``share_below`` with
    ``share_below_lo``/``share_below_hi`` (below the floor: median and per-path range, capped
    at 1) [fraction], ``level_sd``, ``refill_sd`` [-], ``rounds`` and ``source`` (``fitted`` or
    the user's settings). ``pnp`` carries its regime and, in the invite-all regime, the tail
    ``cutoff = loc - scale ln N + scale ln E`` and the nominations per day in ``source``.
    """
    rows = []
    names = sorted(model.categories) if categories is None else list(dict.fromkeys(categories))
    conv_days = model.config.refill_days
    for cat in names:
        if cat == "pnp":
            nom = model.nominees
            if nom is None:
                continue
            detail = (
                f"cutoff = {nom.tail_loc:.0f} - {nom.tail_scale:.1f} ln N + "
                f"{nom.tail_scale:.1f} ln E; {nom.inflow_rate:.0f} nominations/day"
                if nom.invite_all
                else f"top N of the nominee shape (mean {model.nominee_mean:.0f}, sd "
                f"{model.nominee_sd:.0f})"
            )
            rows.append(
                {
                    "category": "pnp",
                    "included": True,
                    "stale": False,
                    "regime": nom.regime,
                    "floor": NOMINEE_FLOOR,
                    "share_above": 1.0,
                    "share_below": 0.0,
                    "share_below_lo": 0.0,
                    "share_below_hi": 0.0,
                    "level_sd": np.nan,
                    "refill_sd": nom.inflow_log_sd if nom.invite_all else model.nominee_rate_sd,
                    "rounds": nom.n_rounds,
                    "source": f"fitted: {detail}",
                }
            )
            continue
        fit = model.categories.get(cat)
        if fit is None:
            continue
        above = fit.cap
        if not np.isfinite(above):  # the engine's conversion cap (PoolModel.state)
            conv = min(max(fit.conversion * np.exp(fit.drift), fit.flow_conversion), 1.0)
            above = min(1.0, conv * conv_days)
        rows.append(
            {
                "category": cat,
                "included": bool(fit.include),
                "stale": bool(fit.stale),
                "regime": fit.regime,
                "floor": fit.floor,
                "share_above": above,
                "share_below": fit.share_below,
                "share_below_lo": fit.below_lo,
                "share_below_hi": min(fit.below_hi, 1.0),
                "level_sd": fit.level_sd,
                "refill_sd": fit.refill_sd,
                "rounds": fit.n_rounds,
                "source": fit.source,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "category",
            "included",
            "stale",
            "regime",
            "floor",
            "share_above",
            "share_below",
            "share_below_lo",
            "share_below_hi",
            "level_sd",
            "refill_sd",
            "rounds",
            "source",
        ],
    )


@dataclass
class SubpoolReport:
    """The plausibility report of a pool model's sub-pools
    (:meth:`~eeforecast.pool.PoolModel.subpools`).

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day described (after its rounds).
    frame : pandas.DataFrame
        One row per category; see :func:`~eeforecast.pool.evidence.subpool_report`.
    """

    as_of: pd.Timestamp
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The table (a copy)."""
        return self.frame.copy()

    def __str__(self) -> str:
        def rng(r, t):
            lo, hi = getattr(r, f"eligible_ge_{t}_lo_80"), getattr(r, f"eligible_ge_{t}_hi_80")
            return f"{getattr(r, f'eligible_ge_{t}'):,.0f} ({lo:,.0f}-{hi:,.0f})"

        head = ["category", ">=450 (80%)", ">=500 (80%)", "of pool", "floor", "share below",
                "rounds 12m", "last round", "status"]  # fmt: skip
        body = []
        for r in self.frame.itertuples(index=False):
            below = (
                f"{r.share_below:.2f} ({r.share_below_lo:.2f}-{r.share_below_hi:.2f})"
                if r.category != "pnp"
                else "-"
            )
            last = f"{r.last_round:%Y-%m-%d} @ {r.last_cutoff}" if pd.notna(r.last_round) else "-"
            status = r.regime.replace("_", "-")
            if r.stale:
                status = "stale" + (", included" if r.included else ", left out")
            if not str(r.source).startswith("fitted"):
                status += f"; {r.source}"
            body.append([r.category, rng(r, 450), rng(r, 500), f"{r.share_of_pool:.0%}",
                         str(r.floor), below, str(r.rounds_12m), last, status])  # fmt: skip
        widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head) - 1)]

        def line(row):
            cells = [row[0].ljust(widths[0])]
            cells += [row[i].rjust(widths[i]) for i in range(1, len(widths))]
            return "  " + "  ".join(cells) + "  " + row[-1]

        title = (
            f"Category sub-pools on {self.as_of:%Y-%m-%d}: eligible candidates after its rounds "
            "(80% range of the Monte Carlo draws); floor = lowest cutoff of the last 12 months, "
            "below which no round revealed the stock and the share is assumed"
        )
        return "\n".join([title, line(head), *map(line, body)])

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        return self.frame._repr_html_()


def subpool_report(model, *, as_of: object = None, n_draws: int = 2000) -> SubpoolReport:
    """The plausibility report: every sub-pool against what the rounds revealed.

    Parameters
    ----------
    model : PoolModel
    as_of : date-like, optional
        Day described, after its rounds (default: the model's ``as_of``).
    n_draws : int
        Draws of the per-path multipliers behind the 80% ranges (fixed seed) [draws].

    Returns
    -------
    SubpoolReport
        One row per category (``pnp`` included): ``category, eligible_ge_450,
        eligible_ge_500`` with ``_lo_80``/``_hi_80`` (the level and below-floor draws of the
        Monte Carlo) and ``eligible`` [candidates]; ``share_of_pool`` [fraction]; ``floor``
        [CRS points]; ``stock_ge_floor`` (the model's eligible at or above the floor),
        ``candidates_ge_floor`` (everybody at or above the floor now: the snapshot's bound on
        that stock) and ``largest_round_12m`` (the largest round of the last 12 months: that
        many stood at or above its cutoff, at or above the floor, on its day) [candidates];
        ``share_below`` with its range [fraction]; ``rounds`` (behind
        the fit), ``rounds_12m``, ``last_round``, ``last_cutoff``, ``regime``, ``stale``,
        ``included``, ``thin`` (fewer than :data:`~eeforecast.pool.MIN_CATEGORY_ROUNDS`
        rounds) and ``source``.
    """
    day = (model.as_of if as_of is None else pd.Timestamp(as_of)) + pd.Timedelta(days=1)
    total, inflow = model.pool_on(day)
    pool = total.sum()
    rounds = model.rounds
    rng = np.random.default_rng(0)
    u, v = rng.standard_normal(n_draws), rng.random(n_draws)
    rows = []
    assumed = assumptions_frame(model, [*sorted(model.categories), "pnp"]).set_index("category")
    for cat in [*sorted(model.categories), "pnp"]:
        own = rounds[rounds["category"] == cat]
        year = own[own["date"] > day - pd.Timedelta(days=model.config.stale_days)]
        e = model.eligible(cat, total, inflow, day)
        if cat == "pnp":
            floor, fit = NOMINEE_FLOOR, None
            lo_mult = hi_mult = np.ones(n_draws)
            level = np.ones(n_draws)
        else:
            fit = model.categories[cat]
            floor = fit.floor if fit.floor is not None else 0
            level = np.exp(fit.level_sd * u)
            lo, hi = 1.0, 1.0  # below the floor: the range of the share, relative
            if fit.share_below > 0 and fit.below_lo > 0:
                lo, hi = fit.below_lo / fit.share_below, fit.below_hi / fit.share_below
            lo_mult = np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * v)
            hi_mult = lo_mult
        below = SCORES < floor
        out = {"category": cat}
        for t in (450, 500):
            keep = SCORES >= t
            above_part = (e * (keep & ~below)).sum()
            low_part = (e * (keep & below)).sum()
            cap_low = (total * (keep & below)).sum()
            cap_high = (total * (keep & ~below)).sum()
            draws = np.minimum(above_part * level, cap_high) + np.minimum(
                low_part * lo_mult * level, cap_low
            )
            out[f"eligible_ge_{t}"] = float(e[keep].sum())
            out[f"eligible_ge_{t}_lo_80"] = float(np.quantile(draws, 0.1))
            out[f"eligible_ge_{t}_hi_80"] = float(np.quantile(draws, 0.9))
        del hi_mult
        a = assumed.loc[cat]
        out.update(
            {
                "eligible": float(e.sum()),
                "share_of_pool": float(e.sum() / pool) if pool > 0 else np.nan,
                "floor": int(floor),
                "stock_ge_floor": float(e[floor:].sum()),
                "candidates_ge_floor": float(
                    total[floor:601].sum() if cat != "pnp" else total[601:].sum()
                ),
                "largest_round_12m": float(year["invitations"].max()) if len(year) else 0.0,
                "share_below": a["share_below"],
                "share_below_lo": a["share_below_lo"],
                "share_below_hi": a["share_below_hi"],
                "rounds": int(fit.n_rounds) if fit is not None else int(a["rounds"]),
                "rounds_12m": len(year),
                "last_round": own["date"].max() if len(own) else pd.NaT,
                "last_cutoff": int(own["cutoff"].iloc[-1]) if len(own) else None,
                "regime": a["regime"],
                "stale": bool(a["stale"]),
                "included": bool(a["included"]),
                "thin": fit is not None and fit.n_rounds < MIN_CATEGORY_ROUNDS,
                "source": a["source"],
            }
        )
        rows.append(out)
    frame = pd.DataFrame(rows)
    return SubpoolReport(as_of=day - pd.Timedelta(days=1), frame=frame)
