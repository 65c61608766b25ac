"""Conditional-cutoff evaluation: predict each past round's cutoff from its actual size.

For every round dated in ``start..end`` the pool model is fitted on the feed as it stood the day
before the round (the rounds up to that day and the snapshots published by then). The engine
(:func:`eeforecast.simulate.conditional_cutoff`) starts from the latest snapshot, replays the rounds
held since with their actual invitations, adds the inflow, then invites the round's actual
invitations in its category. The predicted cutoff is compared with the actual one and with the
naive guess, the category's previous cutoff. Nothing dated on or after the round is used.

``python -m eeforecast.evaluation.conditional`` (``make evaluate``) prints the table, writes the
per-round rows to ``reports/conditional_cutoff_eval.csv`` and, with ``--write-results``, the
results page ``docs/results/conditional.md`` and the README's headline table.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

from .. import config
from ..checks import LEVELS, as_day
from ..data import Feed, FeedWarning, as_feed
from ..errors import EEForecastError
from ..files import atomic_write
from ..pool import STRUCTURAL, fit_pool, take_top
from ..simulate import conditional_cutoff
from .results import write_headline, write_page, write_summary

__all__ = ["conditional_markdown", "conditional_table", "evaluate_conditional", "main"]

#: Categories shown first and in the by-year table.
FOCUS = ("cec", "pnp", "french")


def _engine_cutoff(pool, row, day, room: bool) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = conditional_cutoff(
            None, row.category, int(row.invitations), as_of=day, date=row.date, pool=pool,
            room=room,
        )  # fmt: skip
    return float(result.final()["cutoff"])


def _intervals(pool, row, day, n_paths: int, seed: int) -> dict:
    """80%/95% intervals of the default answer (room) by Monte Carlo, with parameter
    uncertainty (``lo_80`` ...) and with inflow noise only (``inflow_lo_80`` ...)."""
    out = {}
    for prefix, uncertain in (("", True), ("inflow_", False)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            final = conditional_cutoff(
                None,
                row.category,
                int(row.invitations),
                as_of=day,
                date=row.date,
                pool=pool,
                n_paths=n_paths,
                rng=seed,
                parameter_uncertainty=uncertain,
            ).final()
        for level in LEVELS:
            for side in ("lo", "hi"):
                value = final.get(f"cutoff_{side}_{level}")
                out[f"{prefix}{side}_{level}"] = float(value) if pd.notna(value) else np.nan
    return out


def _predict(full: Feed, row, engine: str, n_paths: int, seed: int) -> dict:
    """Predicted cutoffs for one round from the feed as it stood the day before.

    ``model``: the engine without the room assumption (with ``engine="pool"``: the pool model's
    expected sub-pool and :func:`take_top`); ``model_room``: with it (the default answer);
    ``runs_dry``: the modelled sub-pool is smaller than the round.
    """
    day = row.date - pd.Timedelta(days=1)
    pool = fit_pool(full.truncate(as_of=day))
    try:
        eligible = pool.eligible_on(row.category, row.date)
    except EEForecastError:  # a category with no past rounds: no estimate
        return {"model": np.nan, "model_room": np.nan, "runs_dry": False}
    roomy = pool.with_room(row.category, row.invitations, row.date)
    out = {"runs_dry": bool(eligible.sum() < row.invitations)}
    if engine == "pool":
        out["model"] = float(take_top(eligible, row.invitations)[0])
        out["model_room"] = float(
            take_top(roomy.eligible_on(row.category, row.date), row.invitations)[0]
        )
        return out
    out["model"] = _engine_cutoff(pool, row, day, room=False)
    out["model_room"] = out["model"] if roomy is pool else _engine_cutoff(pool, row, day, True)
    if n_paths > 1:
        out.update(_intervals(pool, row, day, n_paths, seed))
    return out


def evaluate_conditional(
    source=None,
    *,
    start: object = "2024-01-01",
    end: object = None,
    engine: str = "simulate",
    n_paths: int = 0,
    seed: int = 20251217,
) -> pd.DataFrame:
    """One row per round dated in ``start..end``: its actual cutoff, the model's predictions and
    the naive guess, with errors and (``n_paths`` > 1) interval coverage flags.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed).
    start, end : date-like
        Rounds evaluated (default end: the last round).
    engine : {"simulate", "pool"}
        The engine (:func:`eeforecast.simulate.conditional_cutoff`) or the pool model's expected
        sub-pool alone.
    n_paths : int
        Monte Carlo paths for the intervals (0: none) [paths].
    seed : int
        Seed of the Monte Carlo.

    Returns
    -------
    pandas.DataFrame
        ``date, draw_number, category, invitations, actual, naive, model, model_room,
        runs_dry``, the errors ``*_error`` [CRS points] and, with paths, ``lo_80 ... hi_95``,
        ``inflow_lo_80 ...`` and the coverage flags ``cover_80 ...``.
    """
    full = as_feed(source)
    start = as_day(start, "start")
    end = as_day(end, "end") if end is not None else full.rounds["date"].max()
    rounds = full.rounds
    chosen = rounds[(rounds["date"] >= start) & (rounds["date"] <= end)]
    first_snapshot = full.snapshots["as_of"].min()
    rows = []
    for row in chosen.itertuples(index=False):
        if pd.isna(first_snapshot) or first_snapshot > row.date - pd.Timedelta(days=1):
            continue  # no snapshot known the day before
        before = rounds[(rounds["date"] < row.date) & (rounds["category"] == row.category)]
        naive = float(before["cutoff"].iloc[-1]) if len(before) else np.nan
        rows.append(
            {
                "date": row.date,
                "draw_number": row.draw_number,
                "category": row.category,
                "invitations": int(row.invitations),
                "actual": int(row.cutoff),
                "naive": naive,
                **_predict(full, row, engine, n_paths, seed),
            }
        )
    frame = pd.DataFrame(rows)
    for col in ("model", "model_room", "naive"):
        frame[f"{col}_error"] = frame[col] - frame["actual"]
    for prefix in ("", "inflow_"):
        for level in LEVELS:
            lo, hi = frame.get(f"{prefix}lo_{level}"), frame.get(f"{prefix}hi_{level}")
            if lo is not None:
                inside = (frame["actual"] >= lo) & (frame["actual"] <= hi)
                frame[f"{prefix}cover_{level}"] = inside.where(lo.notna()).astype(float)
    return frame


def conditional_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Per category, over the rounds where both the model and naive have a guess: ``rounds``,
    ``model_mae`` (the default answer, with room), ``model_no_room_mae``, ``naive_mae``,
    ``model_median_ae`` [CRS points], the coverage of the intervals (with parameter uncertainty
    ``cover_80``/``cover_95``, inflow noise only ``inflow_cover_*``) and ``model_wins``."""
    both = frame.dropna(subset=["model", "naive"])
    table = both.groupby("category").agg(
        rounds=("actual", "size"),
        model_mae=("model_room_error", lambda e: e.abs().mean()),
        model_no_room_mae=("model_error", lambda e: e.abs().mean()),
        naive_mae=("naive_error", lambda e: e.abs().mean()),
        model_median_ae=("model_room_error", lambda e: e.abs().median()),
    )
    for col in ("inflow_cover_80", "cover_80", "inflow_cover_95", "cover_95"):
        if col in both:
            table[col] = both.groupby("category")[col].mean()
    table["model_wins"] = table["model_mae"] < table["naive_mae"]
    order = [c for c in (*FOCUS, "general") if c in table.index]
    order += sorted(c for c in table.index if c not in order)
    return table.loc[order].reset_index()


def _pct(value) -> str:
    return f"{value:.0%}" if pd.notna(value) else "-"


def conditional_markdown(
    frame: pd.DataFrame, table: pd.DataFrame, *, start, end, engine, seconds, n_paths, seed
) -> str:
    """The results page: the method, the table per category and by year, where naive wins."""
    how = "`conditional_cutoff`" if engine == "simulate" else "`PoolModel.eligible_on` + `take_top`"
    lines = [
        "# Conditional cutoff accuracy",
        "",
        "If IRCC invites N in category X next, what is the cutoff? Every round from "
        f"{start:%Y-%m-%d} to {end:%Y-%m-%d} predicted from the feed as it stood the day before "
        f"({how}, told the round's actual size and date), against naive (the category's previous "
        "cutoff). Mean absolute error [CRS points] over the rounds where both have a guess. "
        "*Model* is the default answer (with the room assumption); *no room* without it. "
        f"Written by `make evaluate` ({seconds:.0f} s).",
        "",
        "| category | rounds | model MAE | naive MAE | model median AE | no room MAE "
        "| 80% coverage (inflow only / full) | 95% coverage (inflow only / full) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in table.itertuples(index=False):
        r = row._asdict()
        lines.append(
            f"| {r['category']} | {r['rounds']} | {r['model_mae']:.1f} | {r['naive_mae']:.1f} | "
            f"{r['model_median_ae']:.1f} | {r['model_no_room_mae']:.1f} | "
            f"{_pct(r.get('inflow_cover_80'))} / {_pct(r.get('cover_80'))} | "
            f"{_pct(r.get('inflow_cover_95'))} / {_pct(r.get('cover_95'))} |"
        )
    both = frame.dropna(subset=["model", "naive"])
    if "cover_80" in frame and len(both):
        lines += [
            "",
            f"Coverage: share of the actual cutoffs inside the Monte Carlo interval of the default "
            f"answer ({n_paths} paths, seed {seed}); *inflow only* draws the net inflow alone, "
            "*full* also the parameters (sub-pool levels, refill, nominee scores, the shape inside "
            f"501-600). All rounds: 80% {_pct(both['inflow_cover_80'].mean())} / "
            f"{_pct(both['cover_80'].mean())}, 95% {_pct(both['inflow_cover_95'].mean())} / "
            f"{_pct(both['cover_95'].mean())}.",
        ]
    years = both.assign(year=both["date"].dt.year)
    years = years[years["category"].isin(FOCUS)]
    by_year = years.groupby(["category", "year"]).agg(
        rounds=("actual", "size"),
        model=("model_room_error", lambda e: e.abs().mean()),
        naive=("naive_error", lambda e: e.abs().mean()),
    )
    lines += ["", "By year:", "", "| category | year | rounds | model | naive |"]
    lines += ["|---|---|---:|---:|---:|"]
    for (cat, year), row in by_year.iterrows():
        lines.append(
            f"| {cat} | {year} | {int(row['rounds'])} | {row['model']:.1f} | {row['naive']:.1f} |"
        )
    losses = table[~table["model_wins"]]
    dry = frame[frame["runs_dry"] & ~frame["category"].isin(STRUCTURAL)]
    lines += ["", "Where naive wins or the model's sub-pool was smaller than the round:", ""]
    for row in losses.itertuples(index=False):
        lines.append(
            f"- {row.category}: model {row.model_mae:.1f} against naive {row.naive_mae:.1f} "
            f"over {row.rounds} round(s)."
        )
    for row in dry.itertuples(index=False):
        lines.append(
            f"- {row.date:%Y-%m-%d} {row.category} {row.invitations:,}: the modelled sub-pool was "
            f"smaller than the round (model {row.model:.0f}, with room {row.model_room:.0f}, "
            f"actual {row.actual}, naive {row.naive:.0f})."
        )
    if losses.empty and dry.empty:
        lines.append("- none.")
    lines += [
        "",
        "The defaults of `fit_pool` (`PoolConfig`) and the room share were chosen while looking "
        "at rounds of this span: each prediction uses only data dated before its round, but the "
        "choice of those few settings is not out of sample; later rounds are the real test.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line of ``make evaluate``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m eeforecast.evaluation.conditional", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--source", default=None, help="IRCC-format feed (default: bundled)")
    parser.add_argument("--start", default="2024-01-01")
    parser.add_argument("--end", default=None)
    parser.add_argument("--engine", choices=("simulate", "pool"), default="simulate")
    parser.add_argument("--paths", type=int, default=300, help="Monte Carlo paths (0: none)")
    parser.add_argument("--seed", type=int, default=20251217)
    parser.add_argument("--write-results", action="store_true", help="write the results page")
    parser.add_argument("--csv", default=str(config.REPORTS_DIR / "conditional_cutoff_eval.csv"))
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", FeedWarning)
    t0 = time.perf_counter()
    n_paths = args.paths if args.engine == "simulate" else 0
    frame = evaluate_conditional(
        args.source, start=args.start, end=args.end, engine=args.engine, n_paths=n_paths,
        seed=args.seed,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    table = conditional_table(frame)
    atomic_write(args.csv, frame.to_csv(index=False, lineterminator="\n"))
    start, end = frame["date"].min(), frame["date"].max()
    print(f"Conditional cutoff, {start:%Y-%m-%d}..{end:%Y-%m-%d}, engine={args.engine}, "
          f"{len(frame)} rounds, {seconds:.0f} s")  # fmt: skip
    with pd.option_context("display.width", 160, "display.max_columns", None):
        print(table.round(3).to_string(index=False))
    if args.write_results:
        text = conditional_markdown(
            frame, table, start=start, end=end, engine=args.engine, seconds=seconds,
            n_paths=n_paths, seed=args.seed,
        )  # fmt: skip
        print(write_page("conditional", text))
        write_summary("conditional", table)
        write_headline()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
