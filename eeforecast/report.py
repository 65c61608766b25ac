"""The report: runs the whole pipeline and writes ``forecast.html`` with its figures.

load feed -> fit pool -> simulate -> forecast -> backtest -> odds -> figures -> HTML. :func:`run`
computes everything into a :class:`Report` (pure: no file is written); :func:`write` saves it into an
output folder (``forecast.html`` plus ``figures/*.png`` and ``figures/*.svg``), every file atomically;
:func:`build_report` does both and is what ``eeforecast report`` and ``make forecast`` call.

The HTML is self-contained (figures embedded as PNG) and also links each figure's PNG and SVG beside
it. Every number in the summary table comes from the same objects the figures are drawn from. The
same seed gives byte-identical files.
"""

from __future__ import annotations

import base64
import html
import io
import os
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import __version__, plots
from ._io import atomic_write
from .errors import EEForecastError, ParameterError

#: Figure file stems, in report order.
FIGURES: tuple[str, ...] = (
    "01-cutoff-history",
    "02-invitations",
    "03-pool",
    "04-backlog",
    "05-forecast",
    "06-backtest",
    "07-odds",
    "08-records",
)

#: Horizons of the odds figure.
ODDS_HORIZONS: tuple[str, ...] = ("3m", "6m", "12m")

_SVG_SALT = "eeforecast"


@dataclass
class Settings:
    """Knobs of a report run (the defaults are what ``make forecast`` uses).

    Attributes
    ----------
    seed : int
        Seed of every random draw (Monte Carlo paths).
    n_paths : int
        Monte Carlo paths of the schedule simulation behind the odds and the backlog [paths].
    horizon : int
        Rounds forecast per category [rounds].
    calibration_days : int
        Span of the rolling-origin backtest before the as-of day that chooses each category's
        model, calibrates the intervals and is shown in the report [days].
    odds_horizon : str
        Span of the simulated schedule (the longest odds horizon).
    backlog_weeks : int
        Weeks the backlog is projected [weeks].
    threshold : int
        The backlog counts candidates above this score [CRS points].
    n_jobs : int or None
        Processes for the backtest (None: up to the cores available).
    models : sequence of model specifications or None
        Cutoff models (None: :data:`eeforecast.forecast.DEFAULT_MODELS`).
    """

    seed: int = 20251217
    n_paths: int = 2000
    horizon: int = 6
    calibration_days: int = 730
    odds_horizon: str = "12m"
    backlog_weeks: int = 26
    threshold: int = 500
    n_jobs: int | None = None
    models: tuple | None = None

    def __post_init__(self) -> None:
        from .odds import parse_within
        from .pool import BAND_EDGES

        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"seed: expected a whole number >= 0, got {seed!r}")
        for name in ("n_paths", "horizon", "calibration_days", "backlog_weeks"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ParameterError(f"{name}: expected a whole number >= 1, got {value!r}")
        if self.n_jobs is not None and (not isinstance(self.n_jobs, int) or self.n_jobs < 1):
            raise ParameterError(
                f"n_jobs: expected a whole number >= 1 or None, got {self.n_jobs!r}"
            )
        try:
            parse_within(self.odds_horizon)
        except ParameterError:
            raise ParameterError(
                f"odds_horizon: expected a horizon like 3m, 6m, 12m, 26w or 1y, got "
                f"{self.odds_horizon!r}"
            ) from None
        edges = sorted(hi for _, hi in BAND_EDGES if hi < 1200)  # "above 500" = 501 and up
        if self.threshold not in edges:
            raise ParameterError(
                f"threshold: expected the top of one of IRCC's pool bands "
                f"({', '.join(map(str, edges))}), got {self.threshold!r}"
            )


@dataclass
class Report:
    """Everything the report shows, computed once; figures and tables are drawn from it.

    Attributes
    ----------
    feed : eeforecast.feed.Feed
    as_of : pandas.Timestamp
        Day the report describes (``--as-of`` or the last round's date).
    settings : Settings
    pool : eeforecast.pool.PoolModel or None
        The fitted pool model (None if it could not be fitted; see ``notes``).
    forecast_result : eeforecast.forecast.ForecastResult or None
        The forecast object; ``forecast`` is its table.
    forecast : pandas.DataFrame or None
        Next rounds per category: ``category, step, date, cutoff, cutoff_lo_80, ...``.
    backtest_rows : pandas.DataFrame or None
        The rolling-origin backtest behind the forecast (one row per origin x category x step).
    backtest : pandas.DataFrame or None
        Its summary per model x category x step (:func:`eeforecast.backtest.summarize`).
    paths : eeforecast.odds.CutoffPaths or None
        The Monte Carlo simulation of the forecast schedule.
    backlog_result : eeforecast.forecast.BacklogResult or None
        The backlog projection (:func:`eeforecast.forecast.backlog`).
    backlog : pandas.DataFrame or None
        Its weekly frame with ``above_<501>`` renamed ``above``: ``date, pool, above`` and their
        interval columns [candidates].
    odds : pandas.DataFrame or None
        ``category, within, score, probability`` (from ``paths``).
    by_size : pandas.DataFrame or None
        The next round's simulated cutoff of each main category at several sizes
        (:func:`eeforecast.forecast.cutoff_by_size`): ``category, date, invitations, cutoff`` and
        interval columns.
    figures : dict[str, matplotlib.figure.Figure]
        Figure stem -> figure, in :data:`FIGURES` order.
    summary : pandas.DataFrame
        The summary table (latest round and forecast next cutoff per category).
    pool_summary : pandas.DataFrame
        Pool size and trend (latest snapshot vs 4 and 12 weeks earlier).
    notes : list of str
        Data-quality findings and warnings raised while computing (shown in the report).
    """

    feed: object
    as_of: pd.Timestamp
    settings: Settings
    pool: object = None
    forecast_result: object = None
    forecast: pd.DataFrame | None = None
    backtest_rows: pd.DataFrame | None = None
    backtest: pd.DataFrame | None = None
    paths: object = None
    backlog_result: object = None
    backlog: pd.DataFrame | None = None
    odds: pd.DataFrame | None = None
    by_size: pd.DataFrame | None = None
    figures: dict[str, Figure] = field(default_factory=dict)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    pool_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Report(as_of={self.as_of:%Y-%m-%d}, {len(self.feed.rounds)} rounds, "
            f"{len(self.figures)} figures, seed={self.settings.seed})"
        )

    def text_summary(self) -> str:
        """The summary table as plain text (what the terminal shows after a build)."""
        lines = [f"Express Entry report, data as of {self.as_of:%Y-%m-%d}"]
        for r in self.summary.itertuples():
            nxt = "no forecast"
            if pd.notna(r.cutoff):
                nxt = (
                    f"next ~{_fmt_date(r.date)}: cutoff {_fmt_int(r.cutoff)} "
                    f"(80%: {_fmt_int(r.cutoff_lo_80)}-{_fmt_int(r.cutoff_hi_80)})"
                )
            lines.append(
                f"  {plots.short_label(r.category):<11} last #{r.last_round} "
                f"{_fmt_date(r.last_date)} cutoff {_fmt_int(r.last_cutoff)}; {nxt}"
            )
        for r in self.pool_summary.itertuples():
            ahead = ""
            if hasattr(r, "projected"):
                ahead = (
                    f"; projected {_fmt_int(r.projected)} on {_fmt_date(r.projected_date)} "
                    f"(80%: {_fmt_int(r.projected_lo_80)}-{_fmt_int(r.projected_hi_80)})"
                )
            lines.append(
                f"  {r.quantity}: {_fmt_int(r.value)} on {_fmt_date(r.as_of)} "
                f"({_fmt_signed(r.change_12w)} since {_fmt_date(r.since_12w)}){ahead}"
            )
        missing = [n for n in self.notes if "not available" in n]
        lines += [f"  note: {n}" for n in missing]
        if self.flags:
            names = ", ".join(plots.short_label(c) for c in self.flags)
            lines.append(f"  caution: read the odds of {names} with care (see the report's notes)")
        return "\n".join(lines)


# --- tables ----------------------------------------------------------------------------------------


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


def pool_trend(feed, threshold: int = 500) -> pd.DataFrame:
    """Pool size and candidates above ``threshold`` in the latest snapshot, with their change.

    Returns
    -------
    pandas.DataFrame
        One row per quantity (``pool``, ``above``): ``quantity, as_of, value`` [candidates],
        ``change_4w``, ``change_12w`` [candidates] against the latest snapshot at least 4 and 12
        weeks older (NaN when there is none), and ``since_4w``, ``since_12w``, those snapshots'
        dates (snapshots are irregular: "4 weeks" can be 5).
    """
    hist = plots.candidates_above(feed.snapshots, threshold)
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
        ("above", f"Candidates above {threshold}"),
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


# --- pipeline --------------------------------------------------------------------------------------


class _Progress:
    """Stage-by-stage progress on stderr (a tqdm bar over the pipeline's stages)."""

    def __init__(self, stages: list[str], enabled: bool):
        self.enabled = enabled
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=len(stages),
                desc="report",
                unit="step",
                file=sys.stderr,
                leave=True,
                dynamic_ncols=True,
            )

    def stage(self, name: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=True)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


_IGNORED_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _note_warnings(report: Report, stage: str, caught) -> None:
    """Keep the warnings about the data and the models as report notes (deprecation notices
    of libraries are for developers, not readers, and are dropped)."""
    for w in caught:
        if issubclass(w.category, _IGNORED_WARNINGS):
            continue
        text = f"{stage}: {w.message}"
        if text not in report.notes:
            report.notes.append(text)


def _stage(report: Report, progress: _Progress, name: str, func: Callable[[], object]):
    """Run one stage, collecting its warnings into the report's notes; time it."""
    progress.stage(name)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func()
        finally:
            report.timings[name] = time.perf_counter() - start
            progress.done()
    _note_warnings(report, name, caught)
    return result


def run(
    source: str | os.PathLike | None = None,
    as_of=None,
    settings: Settings | None = None,
    progress: bool = False,
) -> Report:
    """Run the pipeline and return the :class:`Report` (nothing is written).

    Parameters
    ----------
    source : path, optional
        IRCC-format feed (default: the bundled snapshot, or the live copy ``update`` saved).
    as_of : date-like, optional
        Behave as if it were that day (only rounds and snapshots on or before it exist).
    settings : Settings, optional
        Seed, Monte Carlo paths, horizons.
    progress : bool
        Show progress bars on stderr.

    Notes
    -----
    Stages: feed -> pool (:func:`eeforecast.pool.fit_pool`) -> forecast with its rolling-origin
    backtest (:func:`eeforecast.forecast.forecast`) -> Monte Carlo simulation of the forecast
    schedule on the pool (:func:`eeforecast.odds.simulate_cutoff_paths`: odds and backlog) ->
    figures. The simulation draws from a stream spawned from ``settings.seed``.
    """
    from .feed import FeedError, load_feed

    settings = settings or Settings()
    stages = ["feed", "pool", "forecast", "simulation", "backlog", "sizes", "figures"]
    bar = _Progress(stages, progress)
    try:
        bar.stage("feed")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            feed = load_feed(source, as_of=as_of)
        if feed.rounds.empty:
            when = f" on or before {pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
            raise FeedError(f"{source or 'the bundled feed'}: no round{when}; no report to build")
        bar.done()
        day = feed.as_of if feed.as_of is not None else feed.rounds["date"].max()
        report = Report(feed=feed, as_of=pd.Timestamp(day), settings=settings)
        _note_warnings(report, "feed", caught)
        sim_seed, backlog_seed, size_seed = np.random.SeedSequence(settings.seed).spawn(3)
        report.pool = _stage(report, bar, "pool", lambda: _fit_pool(feed, report))
        _stage(report, bar, "forecast", lambda: _forecast(feed, report, progress))
        _stage(
            report,
            bar,
            "simulation",
            lambda: _simulate(feed, report, np.random.default_rng(sim_seed)),
        )
        _stage(
            report,
            bar,
            "backlog",
            lambda: _backlog(feed, report, np.random.default_rng(backlog_seed)),
        )
        _stage(
            report,
            bar,
            "sizes",
            lambda: _by_size(feed, report, np.random.default_rng(size_seed)),
        )
        _stage(report, bar, "figures", lambda: _figures(report))
    finally:
        bar.close()
    return report


def _missing(report: Report, what: str, exc: Exception) -> None:
    report.notes.append(f"{what} not available: {type(exc).__name__}: {exc}")


def _fit_pool(feed, report: Report):
    from .pool import fit_pool

    try:
        return fit_pool(feed, as_of=report.as_of)
    except EEForecastError as exc:  # e.g. no snapshot published by the as-of day
        _missing(report, "pool model", exc)
        return None


def _forecast(feed, report: Report, progress: bool) -> None:
    from .backtest import summarize
    from .forecast import forecast

    cfg = report.settings
    try:
        result = forecast(
            feed,
            horizon=cfg.horizon,
            calibration_days=cfg.calibration_days,
            n_jobs=cfg.n_jobs,
            models=cfg.models,
            progress=progress,
        )
    except EEForecastError as exc:
        _missing(report, "forecast", exc)
        return
    report.forecast_result = result
    report.forecast = result.table.copy()
    rows = result.backtest
    if rows is not None and len(rows) and np.isfinite(rows["actual"]).any():
        report.backtest_rows = rows
        report.backtest = summarize(rows, by=("category", "step"))


def _simulate(feed, report: Report, rng: np.random.Generator) -> None:
    from .odds import simulate_cutoff_paths

    cfg = report.settings
    if report.pool is None:
        report.notes.append("odds not available: no pool model")
        return
    try:
        paths = simulate_cutoff_paths(
            feed,
            report.pool,
            as_of=report.as_of,
            horizon=cfg.odds_horizon,
            n_paths=cfg.n_paths,
            rng=rng,
            thresholds=(cfg.threshold + 1,),
        )
    except EEForecastError as exc:
        _missing(report, "odds (schedule simulation)", exc)
        return
    report.paths = paths
    report.notes.extend(f"simulation: {n}" for n in paths.notes)
    cats = [
        c for c in plots.main_categories(feed.rounds, report.as_of) if c in set(paths.categories)
    ]
    report.odds = paths.curves([(c,) for c in cats], ODDS_HORIZONS)
    for cat in cats:
        share = paths.exhausted_share(cat)
        if share < 0.05:
            continue
        report.flags[cat] = (
            f"Caution: the simulated sub-pool runs out in {share:.0%}\nof paths; the odds at low "
            "scores follow from that"
        )
        note = (
            f"simulation: the {plots.label(cat)} sub-pool runs out of eligible candidates "
            f"within {cfg.odds_horizon} in {share:.0%} of the paths (a round then invites everybody "
            "eligible, whatever their score); the odds at low scores depend on the pool model's "
            "estimate of the category's inflow of eligible candidates"
        )
        if cat == "pnp" and report.pool is not None:
            total = report.pool.state().total
            low = 601 + int(np.argmax(total[601:] > 0.5))
            note += (
                f". The modelled nominees all score {low} or more, so a nominee below that is "
                "invited only in those paths: the PNP odds from 601 up to there are flat"
            )
        report.notes.append(note)
    for cat, (step, sim, lo, hi) in _consistency(report).items():
        flag = (
            f"Caution: simulated cutoff of round {step} ({sim:.0f}) is outside\n"
            f"the forecast's 95% interval {lo:.0f}\u2013{hi:.0f} (see the notes)"
        )
        report.flags[cat] = report.flags[cat] + "\n" + flag if cat in report.flags else flag
        report.notes.append(
            f"consistency: {plots.label(cat)}, {step} round(s) ahead: the pool simulation's "
            f"median cutoff {sim:.0f} is outside the statistical forecast's 95% interval "
            f"{lo:.0f}\u2013{hi:.0f}; this category's odds and backlog rest on the pool model's "
            "estimate of its sub-pool and should be read with care"
        )


def _backlog(feed, report: Report, rng: np.random.Generator) -> None:
    """The backlog projection of :func:`eeforecast.forecast.backlog` (figure 4, summary)."""
    from .forecast import backlog

    cfg = report.settings
    at = cfg.threshold + 1  # "above 500" = at or above 501, as IRCC's bands
    try:
        result = backlog(
            feed, weeks=cfg.backlog_weeks, thresholds=(at,), n_paths=max(cfg.n_paths, 2), rng=rng
        )
    except EEForecastError as exc:
        _missing(report, "backlog projection", exc)
        return
    report.backlog_result = result
    report.backlog = result.weekly.rename(
        columns=lambda c: c.replace(f"above_{at}", "above") if c.startswith("above_") else c
    )


def _by_size(feed, report: Report, rng: np.random.Generator) -> None:
    from .forecast import cutoff_by_size

    if report.pool is None:
        return
    tables = []
    for cat in plots.main_categories(feed.rounds, report.as_of):
        try:
            tables.append(
                cutoff_by_size(
                    feed,
                    cat,
                    model=report.pool,
                    n_paths=min(max(report.settings.n_paths, 2), 1000),  # intervals need paths
                    rng=rng,
                )
            )
        except EEForecastError as exc:
            _missing(report, f"cutoff by size ({cat})", exc)
    if tables:
        report.by_size = pd.concat(tables, ignore_index=True)


def _by_size_html(report: Report) -> str:
    table = report.by_size
    if table is None or table.empty:
        return ""
    rows = []
    for cat, part in table.groupby("category", sort=False):
        for i, r in enumerate(part.itertuples()):
            rows.append(
                [
                    html.escape(plots.label(cat)) if i == 0 else "",
                    _fmt_date(r.date) if i == 0 else "",
                    _fmt_int(r.invitations),
                    f"<b>{_fmt_int(r.cutoff)}</b>",
                    f"{_fmt_int(r.cutoff_lo_80)}\u2013{_fmt_int(r.cutoff_hi_80)}",
                    (
                        f"runs out in {r.exhausted_share:.0%} of paths"
                        if r.exhausted_share >= 0.05
                        else ""
                    ),
                ]
            )
    intro = (
        "<h3 id='by-size'>The next round's cutoff by its size</h3><p>The round's size, which "
        "IRCC publishes only with the round, moves the cutoff more than anything a forecast can "
        "know: in the README's 2023\u20132025 backtest (<i>eeforecast backtest "
        "--known-schedule</i>), told each round's actual size and date, the pool engine's error "
        "at the next round was 42\u201352% below naive's for CEC, French and healthcare, while "
        "with the size forecast no model gained 20% on naive in all five main categories. Here, "
        "for the "
        "sizes of each category's rounds of the past year (smallest, quartiles, largest), the "
        "simulated cutoff if that round comes next on its expected day: median and 80% "
        "interval. The summary's forecast does not know the size; these rows each assume one. "
        "The last column gives the share of paths in which the round runs out of eligible "
        "candidates (it then invites them all, and its cutoff on that path is the lowest "
        "score among them).</p>"
    )
    header = ["Category", "Expected day", "Invitations", "Cutoff", "80% interval", "Note"]
    return intro + _table(header, rows, 2)


def _consistency(report: Report) -> dict[str, tuple[int, float, float, float]]:
    """Flag categories where the schedule simulation and the statistical forecast disagree.

    For each category and forecast step ``k``, the median simulated cutoff of the category's
    ``k``-th simulated round is compared with the forecast's 95% interval for step ``k``; the first
    step outside it is returned as ``category -> (step, simulated, lo, hi)``.
    """
    if report.paths is None or report.forecast is None or "cutoff_lo_95" not in report.forecast:
        return {}
    notes = {}
    for cat, fc in report.forecast.groupby("category", sort=False):
        cols = np.flatnonzero(report.paths.categories == cat)
        for row in fc.sort_values("step").itertuples():
            if row.step > len(cols):
                break
            cut = report.paths.simulated if report.paths.simulated is not None else None
            cut = report.paths.cutoffs if cut is None else cut
            sim = float(np.median(cut[:, cols[row.step - 1]]))
            lo, hi = float(np.floor(row.cutoff_lo_95)), float(np.ceil(row.cutoff_hi_95))
            if not lo <= sim <= hi:  # cutoffs are whole points
                notes[cat] = (int(row.step), sim, lo, hi)
                break
    return notes


def backtest_views(rows: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The two views figure 6 draws from a backtest frame (:func:`eeforecast.backtest.
    cross_validation` rows): MAE by model x step over all categories (``model, step, mae``
    [CRS points]) and interval coverage by model x level (``model, level, coverage`` [fraction])."""
    from .backtest import summarize

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


def _figures(report: Report) -> None:
    feed, day = report.feed, report.as_of
    rounds = feed.rounds
    cats = plots.main_categories(rounds, day)
    figs: dict[str, Figure] = {}
    figs["01-cutoff-history"] = plots.cutoff_history(rounds, day)
    figs["02-invitations"] = plots.invitations_by_period(rounds, day)
    panels = []
    if not feed.snapshots.empty:
        latest = feed.snapshot()
        year_ago = feed.snapshots[
            feed.snapshots["as_of"] <= latest["as_of"].iloc[0] - pd.DateOffset(years=1)
        ]
        for snap in (latest, feed.snapshot(year_ago["as_of"].max()) if len(year_ago) else None):
            if snap is not None:
                panels.append((snap, _density(report, snap)))
    figs["03-pool"] = plots.pool_distribution(panels, day)
    history = plots.candidates_above(feed.snapshots, report.settings.threshold)
    figs["04-backlog"] = plots.pool_backlog(history, report.backlog, day, report.settings.threshold)
    forecast = (
        report.forecast
        if report.forecast is not None
        else pd.DataFrame(columns=["category", "step", "date", "cutoff"])
    )
    figs["05-forecast"] = plots.forecast_fans(
        rounds, forecast, [c for c in cats if c in set(forecast["category"])], day
    )
    errors, coverage = backtest_views(report.backtest_rows)
    figs["06-backtest"] = plots.backtest_summary(errors, coverage, day)
    odds = (
        report.odds
        if report.odds is not None
        else pd.DataFrame(columns=["category", "within", "score", "probability"])
    )
    figs["07-odds"] = plots.odds_curves(odds, day, flags=report.flags)
    figs["08-records"] = plots.records(rounds, day)
    report.figures = figs
    report.summary = summary_table(rounds, report.forecast, cats)
    report.pool_summary = pool_trend(feed, report.settings.threshold)
    if report.backlog is not None and len(report.backlog) and len(report.pool_summary):
        end = report.backlog.iloc[-1]
        ps = report.pool_summary
        ps["projected_date"] = end["date"]
        for col in ("", "_lo_80", "_hi_80"):
            ps[f"projected{col}"] = [end[f"pool{col}"], end[f"above{col}"]]


def _density(report: Report, snapshot: pd.DataFrame) -> np.ndarray:
    """The 1-point density of a snapshot: the pool model's fit (with its nominee shape) when the
    model holds that snapshot, else :func:`eeforecast.pool.density_from_bands`."""
    from .pool import density_from_bands

    day = pd.Timestamp(snapshot["as_of"].iloc[0])
    model = report.pool
    if model is not None:
        hit = np.flatnonzero(pd.DatetimeIndex(model.snapshot_dates) == day)
        if hit.size:
            return np.asarray(model.densities[hit[0]])
    return density_from_bands(snapshot.sort_values("band_lo")["candidates"].to_numpy())


# --- output ----------------------------------------------------------------------------------------


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """Render ``fig`` as PNG or SVG bytes, deterministically (no dates, fixed SVG ids).

    The figure's layout is computed on the first call and frozen, so every later call (PNG or
    SVG) draws the same positions.
    """
    if fig.get_layout_engine() is not None:
        # Constrained layout starts each draw from the previous one, so a second render can move
        # things by a fraction of a pixel: lay out once, then freeze the positions.
        fig.draw_without_rendering()
        fig.set_layout_engine("none")
    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context({"svg.hashsalt": _SVG_SALT, "svg.fonttype": "path"}):
        fig.savefig(buf, format=fmt, metadata=meta)
    data = buf.getvalue()
    if fmt == "svg":
        data = _stable_svg_ids(data)
    return data


_CLIP_ID = re.compile(rb"\b(p[0-9a-f]{10})\b")


def _stable_svg_ids(svg: bytes) -> bytes:
    """Renumber the SVG's clip-path ids in order of first use: matplotlib derives some of them
    from object addresses, which differ from run to run."""
    ids: dict[bytes, bytes] = {}
    for match in _CLIP_ID.finditer(svg):
        ids.setdefault(match.group(1), b"clip%04d" % len(ids))
    return _CLIP_ID.sub(lambda m: ids[m.group(1)], svg)


def _fmt_int(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    return f"{float(value):,.0f}"


def _fmt_signed(value) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "\u2013"
    return f"{float(value):+,.0f}"


def _fmt_date(value) -> str:
    return "\u2013" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"


def _table(header: list[str], rows: list[list[str]], numeric_from: int = 1) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="{"num" if i >= numeric_from else "txt"}">{cell}</td>'
            for i, cell in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _summary_html(report: Report) -> str:
    rows = []
    for r in report.summary.itertuples():
        interval = (
            f"{_fmt_int(r.cutoff_lo_80)}\u2013{_fmt_int(r.cutoff_hi_80)}"
            if isinstance(r.cutoff_lo_80, int | float | np.number) and np.isfinite(r.cutoff_lo_80)
            else "\u2013"
        )
        rows.append(
            [
                html.escape(plots.label(r.category)),
                f"#{html.escape(str(r.last_round))} {_fmt_date(r.last_date)}",
                _fmt_int(r.last_invitations),
                _fmt_int(r.last_cutoff),
                _fmt_date(r.date),
                f"<b>{_fmt_int(r.cutoff)}</b>",
                interval,
                html.escape(str(r.model)) if isinstance(r.model, str) else "\u2013",
            ]
        )
    table = _table(
        [
            "Category",
            "Latest round",
            "Invited",
            "Cutoff",
            "Next round (expected)",
            "Forecast cutoff",
            "80% interval",
            "Model",
        ],
        rows,
    )
    ps = report.pool_summary
    projected = "projected" in ps
    pool_rows = []
    for r in ps.itertuples():
        row = [
            html.escape(r.quantity),
            _fmt_date(r.as_of),
            _fmt_int(r.value),
            f"{_fmt_signed(r.change_4w)} (since {_fmt_date(r.since_4w)})",
            f"{_fmt_signed(r.change_12w)} (since {_fmt_date(r.since_12w)})",
        ]
        if projected:
            row.append(
                f"{_fmt_int(r.projected)} ({_fmt_int(r.projected_lo_80)}\u2013"
                f"{_fmt_int(r.projected_hi_80)})"
            )
        pool_rows.append(row)
    header = [
        "Pool",
        "Snapshot",
        "Candidates",
        "Change over 4+ weeks",
        "Change over 12+ weeks",
    ]
    if projected:
        header.append(f"Projected on {_fmt_date(ps['projected_date'].iloc[0])} (80%)")
    return table + _table(header, pool_rows) + _clearance_html(report)


def _clearance_html(report: Report) -> str:
    """One sentence on the pace at which the backlog above the threshold falls."""
    res = report.backlog_result
    if res is None or res.clearance.empty:
        return ""
    c = res.clearance.iloc[0]
    above = (
        f"candidates above {report.settings.threshold} (about {_fmt_int(c['above_now'])} after "
        "the rounds held since the latest snapshot)"
    )
    if np.isfinite(c["weeks_to_clear"]):
        lo, hi = c.get("weeks_to_clear_lo_80", np.nan), c.get("weeks_to_clear_hi_80", np.nan)
        span = (
            f"{_fmt_int(lo)}\u2013{_fmt_int(hi)}" if np.isfinite(hi) else f"{_fmt_int(lo)} or more"
        )
        text = (
            f"At the forecast pace of rounds the {above} fall by about "
            f"{_fmt_int(c['pace_per_week'])} a week: about {_fmt_int(c['weeks_to_clear'])} weeks "
            f"to clear them (80%: {span} weeks)."
        )
    else:
        text = (
            f"At the forecast pace of rounds the {above} do not fall (net change about "
            f"{_fmt_signed(-c['pace_per_week'])} a week): the backlog is not cleared."
        )
    return f"<p>{html.escape(text)}</p>"


def _backtest_html(report: Report) -> str:
    bt = report.backtest
    if bt is None or bt.empty:
        return "<p class='missing'>The backtest is not available in this build.</p>"
    step1 = bt[bt["step"] == bt["step"].min()]
    pivot = step1.pivot_table(index="category", columns="model", values="mae", aggfunc="mean")
    first = [m for m in ("naive", "auto") if m in pivot.columns]
    models = first + [m for m in pivot.columns if m not in first]
    pivot = pivot[models]
    counts = step1.groupby("category")["n"].max() if "n" in step1 else None
    rows = []
    for cat, vals in pivot.iterrows():
        best = vals.idxmin()
        cells = [html.escape(plots.label(cat))]
        if counts is not None:
            cells.append(_fmt_int(counts.get(cat)))
        cells += [
            (f"<b>{v:.1f}</b>" if m == best else f"{v:.1f}") if np.isfinite(v) else "\u2013"
            for m, v in vals.items()
        ]
        rows.append(cells)
    header = (
        ["Category"]
        + (["Rounds"] if counts is not None else [])
        + [("auto (chosen)" if m == "auto" else m) + " MAE" for m in models]
    )
    rows_all = report.backtest_rows
    first, last = rows_all["origin"].min(), rows_all["origin"].max()
    return (
        "<p>One-round-ahead mean absolute error of the cutoff [CRS points] in the rolling-origin "
        f"backtest with origins from {_fmt_date(first)} to {_fmt_date(last)}: at each origin the "
        "models saw only the rounds and snapshots known by then. It is the backtest that chose "
        "each category's model (<i>auto</i>) and calibrated the intervals. The naive forecast "
        "(the category's previous cutoff) is beside every model and the best of each row is bold; "
        "where naive is bold, no model beat it.</p>" + _table(header, rows)
    )


_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1180px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.lead{color:#555;margin-top:0}
table{border-collapse:collapse;margin:1em 0;font-size:.92em}
th,td{padding:.3em .7em;border-bottom:1px solid #e3e3e3}th{text-align:left;background:#f5f5f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure{margin:2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.95em}.links{font-size:.85em;color:#666}
.missing{color:#a50f15}.notes li{font-size:.9em;color:#555}
footer{margin-top:3em;color:#777;font-size:.85em}
"""


def _caption(report: Report, stem: str) -> str:
    captions = {
        "01-cutoff-history": "Every round's cutoff by category; point area grows with the "
        "invitations; the last three years are shaded and drawn opaque.",
        "02-invitations": "Invitations per month over the last four years and per year since "
        "the first round, stacked by category.",
        "03-pool": "IRCC's published bands (as candidates per CRS point) and the pool model's "
        "fitted 1-point density, in the latest snapshot and one a year earlier.",
        "04-backlog": f"The pool total and the candidates above {report.settings.threshold} in "
        "every published snapshot, and their projection under the forecast round schedule.",
        "05-forecast": "Actual cutoffs of each main category's recent rounds and the forecast "
        "of its next rounds with 80% and 95% intervals.",
        "06-backtest": "Mean absolute error of each model by horizon (all categories), against "
        "naive; and the share of actual cutoffs inside the intervals against their nominal level.",
        "07-odds": "Probability that a candidate with a given CRS score, eligible for the "
        "category shown (and always for general rounds), is invited within 3, 6 and 12 months.",
        "08-records": "The largest rounds ever, the largest round of each category and the lowest "
        "and highest cutoff of each category, with round numbers and dates.",
    }
    return captions[stem]


def render_html(report: Report, images: dict[str, bytes]) -> str:
    """The report's HTML, with the PNG ``images`` (stem -> bytes) embedded."""
    day = f"{report.as_of:%Y-%m-%d}"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Express Entry forecast \u2014 {day}</title><style>{_CSS}</style></head><body>",
        f"<h1>Express Entry: rounds, pool and forecasts</h1><p class='lead'>Data as of {day} "
        f"({len(report.feed.rounds)} rounds, the latest #{report.feed.rounds['draw_number'].iloc[-1]}"
        f"). Seed {report.settings.seed}, {report.settings.n_paths:,} Monte Carlo paths.</p>",
        "<h2 id='summary'>Summary</h2>",
        "<p>Latest round of each main active category and the forecast of its next round "
        "(median and 80% prediction interval); below, the pool's size and trend.</p>",
        _summary_html(report),
        _by_size_html(report),
        "<h2 id='figures'>Figures</h2>",
    ]
    for i, stem in enumerate(FIGURES, start=1):
        data = base64.b64encode(images[stem]).decode("ascii")
        parts.append(
            f"<figure id='{stem}'><img alt='Figure {i}' src='data:image/png;base64,{data}'>"
            f"<figcaption><b>Figure {i}.</b> {html.escape(_caption(report, stem))} "
            f"<span class='links'>[<a href='figures/{stem}.png'>PNG</a> \u00b7 "
            f"<a href='figures/{stem}.svg'>SVG</a>]</span></figcaption></figure>"
        )
    parts += ["<h2 id='backtest'>Backtest</h2>", _backtest_html(report)]
    parts += ["<h2 id='methods'>Methods and assumptions</h2>", _METHODS]
    if report.notes:
        items = "".join(f"<li>{html.escape(n)}</li>" for n in report.notes)
        parts.append(f"<h2 id='notes'>Data notes</h2><ul class='notes'>{items}</ul>")
    parts.append(
        "<footer>Source: IRCC Express Entry rounds of invitations, Open Government Licence \u2013 "
        f"Canada. Built by eeforecast {__version__}. Forecasts are statistical estimates, not "
        "immigration advice.</footer></body></html>"
    )
    return "\n".join(parts) + "\n"


_METHODS = """
<ul>
<li><b>Data.</b> IRCC's public feed of rounds of invitations: each round's date, type, invitations
and cutoff, and the pool's distribution by CRS band published with most rounds since 2022. Nothing
after the as-of date is used.</li>
<li><b>Pool.</b> The 15 published bands are turned into candidates at each CRS score (a smooth
density that reproduces every band total); category sub-pools are estimated from past category
rounds; net inflow per score from consecutive snapshots after adding back the invited.</li>
<li><b>Forecasts.</b> Baselines (naive = previous cutoff of the category) always run beside the
statistical models; the model shown per category is chosen by its recent one-round-ahead
backtest errors, not by in-sample fit, and stays on <i>combo</i> (the mean of naive, ETS, AR(1)
and ARX) unless another model's error is more than 10% lower, so the backtest table's best
model is not always the one shown; intervals are widened or narrowed so that their backtest
coverage matches the nominal level, and never narrow with the horizon. The forecasts do not
know the next round's size, which moves the cutoff most (see the table by size).</li>
<li><b>Backlog and odds.</b> The forecast round schedule (each active category at its recent
pace, each round's size drawn from the category's last 12 sizes) is simulated many times on the
fitted pool with random inflow. The backlog projection reads the pool after each week; a candidate
is invited in a round of a category they are eligible for (general rounds always count) when
their score is above the round's cutoff, or equal to it with the share of tied candidates invited;
a round that runs out of eligible candidates invites all of them. The score is assumed fixed over
the horizon and the profile active throughout; IRCC may change the schedule or the categories at
any time. Where the simulation disagrees with the statistical forecast, or a category's simulated
sub-pool runs out, the notes and figure 7 say so.</li>
<li><b>Not modelled.</b> Policy changes (new categories, points removed, as on 2025-03-25),
unannounced pauses, and the candidate's own profile date (ties are broken by it).</li>
</ul>
"""


def write(report: Report, out_dir: str | os.PathLike | None = None, progress: bool = False) -> Path:
    """Write the report into ``out_dir`` (default :data:`eeforecast.config.REPORTS_DIR`).

    Writes ``forecast.html`` and ``figures/<stem>.png`` / ``.svg`` for every figure, each file
    atomically; returns the HTML's path. Every file is rendered in memory first, so a failure
    leaves the folder as it was.
    """
    from tqdm.auto import tqdm

    from .config import REPORTS_DIR

    out = Path(out_dir) if out_dir is not None else REPORTS_DIR
    figures_dir = out / "figures"
    files = {}
    stems = tqdm(FIGURES, desc="rendering", unit="figure", file=sys.stderr, disable=not progress)
    for stem in stems:
        files[figures_dir / f"{stem}.png"] = figure_bytes(report.figures[stem], "png")
        files[figures_dir / f"{stem}.svg"] = figure_bytes(report.figures[stem], "svg")
    images = {stem: files[figures_dir / f"{stem}.png"] for stem in FIGURES}
    html_text = render_html(report, images)
    for path, data in files.items():
        atomic_write(path, data)
    return atomic_write(out / "forecast.html", html_text)


def build_report(
    out_dir: str | os.PathLike | None = None,
    source: str | os.PathLike | None = None,
    as_of=None,
    seed: int = 20251217,
    n_paths: int | None = None,
    progress: bool = False,
    **settings,
) -> tuple[Path, Report]:
    """Run the pipeline and write the report; return ``(html_path, report)``.

    Parameters
    ----------
    out_dir : path, optional
        Output folder (default :data:`eeforecast.config.REPORTS_DIR`); nothing is written elsewhere.
    source, as_of
        As in :func:`eeforecast.feed.load_feed`.
    seed : int
        Seed of every random draw; the same seed gives identical files.
    n_paths : int, optional
        Monte Carlo paths (default :class:`Settings`'s) [paths].
    progress : bool
        Show progress on stderr.
    **settings
        Other :class:`Settings` fields (``horizon``, ``calibration_days``, ...).
    """
    if n_paths is not None:
        settings["n_paths"] = n_paths
    try:
        cfg = Settings(seed=seed, **settings)  # checks every value
    except TypeError as exc:
        raise ParameterError(f"report settings: {exc}") from None
    report = run(source, as_of=as_of, settings=cfg, progress=progress)
    path = write(report, out_dir, progress=progress)
    return path, report
