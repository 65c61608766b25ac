"""The pipeline: feed -> pool -> forecast with its backtest -> one simulation of the forecast
schedule (odds and backlog) -> the next cutoff by size -> figures, into a :class:`Report`."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import plots
from ..backlog import backlog
from ..checks import as_span
from ..data import load_feed
from ..errors import EEForecastError, FeedError, ParameterError
from ..evaluation import summarize
from ..forecast import forecast, next_round_day
from ..odds_calibration import CALIBRATION_PATHS, fit_odds_calibrations, lowest_cutoffs, regime_of
from ..pool import cached_fit, density_from_bands
from ..progress import bar as progress_bar
from ..projection import DRY_SHARE, project
from ..scores import BAND_LO
from ..simulate import cutoff_by_size
from .html import fmt_date, fmt_int, fmt_signed
from .tables import backtest_views, pool_trend, summary_table

__all__ = ["ODDS_SPANS", "Report", "Settings", "run"]

#: Spans of the odds figure, shortest first: those the odds backtest scores against its targets
#: (``make odds-backtest``); ``eeforecast odds --within`` answers for any other span.
ODDS_SPANS: tuple[str, ...] = ("3m", "6m")


@dataclass
class Settings:
    """Knobs of a report run (the defaults are what ``make forecast`` uses).

    Attributes
    ----------
    seed : int
        Seed of every random draw (Monte Carlo paths); :func:`eeforecast.report.build_report`
        derives it from its ``rng``.
    n_paths : int
        Monte Carlo paths of the schedule simulation behind the odds and the backlog [paths].
    horizon : int
        Rounds forecast per category [rounds].
    calibration_days : int
        Span of the rolling-origin backtest before the as-of day that chooses each category's
        model, calibrates the intervals and is shown in the report [days].
    span : str
        Span of the simulated schedule (at least the longest odds span; the notes read run-dry
        shares over it), e.g. ``"12m"``.
    backlog_weeks : int
        Weeks the backlog is projected [weeks].
    threshold : int
        The backlog counts candidates with a score >= this; the lowest score of one of IRCC's
        bands, so that the published snapshots count it exactly [CRS points].
    n_jobs : int or None
        Processes for the backtest (None: up to the cores available).
    models : sequence of model specifications or None
        Cutoff models (None: :data:`eeforecast.forecast.DEFAULT_MODELS`).
    calibrate_odds : bool
        Show the odds calibrated on the simulation's errors at the earlier monthly origins
        (:func:`eeforecast.odds_calibration.fit_odds_calibrations`, one projection per origin
        shared by every category and span); False shows the simulated odds.
    calibration_paths : int
        Monte Carlo paths of each earlier origin's projection [paths].
    """

    seed: int = 20251217
    n_paths: int = 2000
    horizon: int = 6
    calibration_days: int = 730
    span: str = "12m"
    backlog_weeks: int = 26
    threshold: int = 501
    n_jobs: int | None = None
    models: tuple | None = None
    calibrate_odds: bool = True
    calibration_paths: int = CALIBRATION_PATHS

    def __post_init__(self) -> None:
        seed = self.seed
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ParameterError(f"seed: expected a whole number >= 0, got {seed!r}")
        if not isinstance(self.calibrate_odds, bool):
            raise ParameterError(
                f"calibrate_odds: expected True or False, got {self.calibrate_odds!r}"
            )
        for name in (
            "n_paths",
            "horizon",
            "calibration_days",
            "backlog_weeks",
            "calibration_paths",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ParameterError(f"{name}: expected a whole number >= 1, got {value!r}")
        if self.n_jobs is not None and (not isinstance(self.n_jobs, int) or self.n_jobs < 1):
            raise ParameterError(
                f"n_jobs: expected a whole number >= 1 or None, got {self.n_jobs!r}"
            )
        offset = as_span(self.span, "span")
        start = pd.Timestamp("2000-01-01")
        if start + pd.Timedelta(weeks=self.backlog_weeks) > start + offset:
            raise ParameterError(
                f"backlog_weeks: {self.backlog_weeks} weeks reach beyond the simulated span "
                f"{self.span!r}"
            )
        edges = [int(lo) for lo in BAND_LO[1:]]
        if self.threshold not in edges:
            raise ParameterError(
                f"threshold: expected the lowest score of one of IRCC's pool bands "
                f"({', '.join(map(str, edges))}), got {self.threshold!r}"
            )


@dataclass
class Report:
    """Everything the report shows, computed once; figures and tables are drawn from it.

    Attributes
    ----------
    feed : eeforecast.data.Feed
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
        Its summary per model x category x step (:func:`eeforecast.evaluation.summarize`).
    projection : eeforecast.projection.Projection or None
        The Monte Carlo simulation of the forecast schedule: the odds and the backlog.
    backlog_result : eeforecast.backlog.BacklogResult or None
        The backlog read from ``projection`` (:func:`eeforecast.backlog.backlog`).
    backlog : pandas.DataFrame or None
        Its weekly frame with ``above_<threshold>`` renamed ``above``: ``date, pool, above``
        and their interval columns [candidates].
    odds : pandas.DataFrame or None
        ``category, within, score, probability`` [fraction 0..1], read from ``projection``;
        with ``calibrate_odds`` also ``simulated`` (the simulated probability) and
        ``residuals`` (the residuals ``probability`` was calibrated on, 0 where there were too
        few and it is the simulated one) [residuals].
    calibrations : dict of (str, str) to OddsCalibration
        The calibration of each category's odds within each span, keyed by ``(category,
        within)`` (empty when the odds are simulated).
    by_size : pandas.DataFrame or None
        The next round's simulated cutoff of each main category at several sizes, on its
        expected day (:func:`eeforecast.simulate.cutoff_by_size`): ``category, date,
        invitations, cutoff`` and interval columns.
    figures : dict[str, matplotlib.figure.Figure]
        Figure stem -> figure, in :data:`FIGURES` order.
    summary : pandas.DataFrame
        The summary table (latest round and forecast next cutoff per category).
    pool_summary : pandas.DataFrame
        Pool size and trend (latest snapshot vs 4 and 12 weeks earlier).
    notes : list of str
        Data-quality findings and warnings raised while computing (shown in the report).
    subpools : pandas.DataFrame or None
        The pool model's plausibility report of its sub-pools
        (:meth:`eeforecast.pool.PoolModel.subpools`), shown under the summary table.
    dry : pandas.DataFrame or None
        Per simulated category, the share of paths on which its rounds run dry and whether the
        data support it (:meth:`eeforecast.projection.Projection.dry_frame` plus ``supported``
        and ``why``).
    """

    feed: object
    as_of: pd.Timestamp
    settings: Settings
    pool: object = None
    forecast_result: object = None
    forecast: pd.DataFrame | None = None
    backtest_rows: pd.DataFrame | None = None
    backtest: pd.DataFrame | None = None
    projection: object = None
    backlog_result: object = None
    backlog: pd.DataFrame | None = None
    odds: pd.DataFrame | None = None
    calibrations: dict = field(default_factory=dict)
    by_size: pd.DataFrame | None = None
    figures: dict[str, Figure] = field(default_factory=dict)
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    pool_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    subpools: pd.DataFrame | None = None
    dry: pd.DataFrame | None = None

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
                    f"next ~{fmt_date(r.date)}: cutoff {fmt_int(r.cutoff)} "
                    f"(80%: {fmt_int(r.cutoff_lo_80)}-{fmt_int(r.cutoff_hi_80)})"
                )
            lines.append(
                f"  {plots.short_label(r.category):<11} last #{r.last_round} "
                f"{fmt_date(r.last_date)} cutoff {fmt_int(r.last_cutoff)}; {nxt}"
            )
        for r in self.pool_summary.itertuples():
            ahead = ""
            if hasattr(r, "projected"):
                ahead = (
                    f"; projected {fmt_int(r.projected)} on {fmt_date(r.projected_date)} "
                    f"(80%: {fmt_int(r.projected_lo_80)}-{fmt_int(r.projected_hi_80)})"
                )
            lines.append(
                f"  {r.quantity}: {fmt_int(r.value)} on {fmt_date(r.as_of)} "
                f"({fmt_signed(r.change_12w)} since {fmt_date(r.since_12w)}){ahead}"
            )
        missing = [n for n in self.notes if "not available" in n]
        lines += [f"  note: {n}" for n in missing]
        if self.flags:
            names = ", ".join(plots.short_label(c) for c in self.flags)
            lines.append(f"  caution: read the odds of {names} with care (see the report's notes)")
        return "\n".join(lines)


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


def _stage(report: Report, bar, name: str, func: Callable[[], object]):
    """Run one stage, collecting its warnings into the report's notes; time it."""
    bar.set_postfix_str(name)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func()
        finally:
            report.timings[name] = time.perf_counter() - start
            bar.update(1)
    _note_warnings(report, name, caught)
    return result


def run(
    source: str | os.PathLike | None = None,
    *,
    as_of: object = None,
    settings: Settings | None = None,
    progress: bool | None = None,
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
    progress : bool or None
        Progress bar on stderr: never with False, else only on a terminal.

    Notes
    -----
    Stages: feed -> pool (:func:`eeforecast.pool.fit_pool`) -> forecast with its rolling-origin
    backtest (:func:`eeforecast.forecast.forecast`) -> one Monte Carlo simulation of the forecast
    schedule on the pool (:func:`eeforecast.projection.project`), read for the odds and the
    backlog -> the odds calibrated on the errors of projections at earlier origins
    (:func:`eeforecast.odds_calibration.fit_odds_calibrations`, separate from the day's one
    simulation) -> the next cutoff by size -> figures. The simulation, the calibration and the
    by-size table draw from streams spawned from ``settings.seed``.
    """
    settings = settings or Settings()
    stages = ["feed", "pool", "forecast", "simulation", "calibration", "sizes", "figures"]
    bar = progress_bar(len(stages), desc="report", unit="step", show=progress)
    try:
        bar.set_postfix_str("feed")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            feed = load_feed(source, as_of=as_of)
        if feed.rounds.empty:
            when = f" on or before {pd.Timestamp(as_of):%Y-%m-%d}" if as_of is not None else ""
            raise FeedError(f"{source or 'the bundled feed'}: no round{when}; no report to build")
        bar.update(1)
        day = feed.as_of if feed.as_of is not None else feed.rounds["date"].max()
        report = Report(feed=feed, as_of=pd.Timestamp(day), settings=settings)
        _note_warnings(report, "feed", caught)
        sim_seed, _, size_seed, cal_seed = np.random.SeedSequence(settings.seed).spawn(4)
        report.pool = _stage(report, bar, "pool", lambda: _fit_pool(feed, report))
        _stage(report, bar, "forecast", lambda: _forecast(feed, report, progress))
        _stage(
            report, bar, "simulation", lambda: _simulate(report, np.random.default_rng(sim_seed))
        )
        _stage(
            report,
            bar,
            "calibration",
            lambda: _calibrate_odds(report, np.random.default_rng(cal_seed)),
        )
        _stage(report, bar, "sizes", lambda: _by_size(report, np.random.default_rng(size_seed)))
        _stage(report, bar, "figures", lambda: _figures(report))
    finally:
        bar.close()
    return report


def _missing(report: Report, what: str, exc: Exception) -> None:
    report.notes.append(f"{what} not available: {type(exc).__name__}: {exc}")


def _fit_pool(feed, report: Report):
    try:
        pool = cached_fit(feed, as_of=report.as_of)
    except EEForecastError as exc:  # e.g. no snapshot published by the as-of day
        _missing(report, "pool model", exc)
        return None
    report.subpools = pool.subpools().to_frame()
    return pool


def _forecast(feed, report: Report, progress: bool | None) -> None:
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


def _simulate(report: Report, rng: np.random.Generator) -> None:
    """The one simulation of the forecast schedule: the odds, their cautions, the backlog."""
    cfg = report.settings
    if report.pool is None:
        report.notes.append("odds and backlog not available: no pool model")
        return
    try:
        projection = project(
            pool=report.pool,
            as_of=report.as_of,
            span=cfg.span,
            n_paths=cfg.n_paths,
            rng=rng,
            thresholds=(cfg.threshold,),
        )
    except EEForecastError as exc:
        _missing(report, "odds and backlog (schedule simulation)", exc)
        return
    report.projection = projection
    report.notes.extend(f"simulation: {n}" for n in projection.notes)
    feed = report.feed
    cats = [
        c
        for c in plots.main_categories(feed.rounds, report.as_of)
        if c in set(projection.categories)
    ]
    report.odds = projection.curves([(c,) for c in cats], ODDS_SPANS)
    report.dry = _dry_table(report, projection)
    for row in report.dry.itertuples(index=False):
        report.notes.append(f"simulation: {row.why}")
        if row.dry_share >= DRY_SHARE and row.category in cats and not row.supported:
            report.flags[row.category] = (
                f"Caution: the simulated sub-pool runs dry in {row.dry_share:.0%}\nof paths; "
                "the odds at low scores follow from that"
            )
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
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the pool's notes are in the report
            result = backlog(
                projection=projection, weeks=cfg.backlog_weeks, thresholds=(cfg.threshold,)
            )
    except EEForecastError as exc:
        _missing(report, "backlog projection", exc)
        return
    report.backlog_result = result
    at = f"above_{cfg.threshold}"
    report.backlog = result.weekly.rename(
        columns=lambda c: c.replace(at, "above") if c.startswith(at) else c
    )


def _calibrate_odds(report: Report, rng: np.random.Generator) -> None:
    """The odds of every category and span calibrated on the errors of projections at the
    earlier monthly origins (one projection per origin, shared), where there are enough
    residuals; the notes say what each was calibrated on."""
    cfg = report.settings
    if not cfg.calibrate_odds or report.odds is None or report.odds.empty:
        return
    projection = report.projection
    cats = list(dict.fromkeys(report.odds["category"]))
    try:
        fits = fit_odds_calibrations(
            report.feed,
            category_sets=[(c,) for c in cats],
            withins=ODDS_SPANS,
            as_of=report.as_of,
            regimes={c: regime_of(projection, (c,)) for c in cats},
            n_paths=cfg.calibration_paths,
            span=cfg.span,
            rng=rng,
        )
    except EEForecastError as exc:
        _missing(report, "calibrated odds (the simulated odds are shown)", exc)
        return
    odds = report.odds.assign(simulated=report.odds["probability"], residuals=0)
    for (cat, within), part in odds.groupby(["category", "within"], sort=False):
        cal = fits[cat, within]
        if cal.usable:
            low = lowest_cutoffs(projection, (cat,), within)
            odds.loc[part.index, "probability"] = cal.probability(low, part["score"].to_numpy())
            odds.loc[part.index, "residuals"] = len(cal.residuals)
    report.odds = _nested_spans(odds)
    report.calibrations = fits
    report.notes.extend(calibration_notes(fits))


def _nested_spans(odds: pd.DataFrame) -> pd.DataFrame:
    """A span's odds at least those of every shorter span, at each category and score: an
    invitation within 3 months is one within 6. Calibrated on different origins, a longer span's
    curve can otherwise dip below a shorter one's; where it does, it takes the shorter one's
    value."""
    order = {w: i for i, w in enumerate(ODDS_SPANS)}
    out = odds.sort_values("within", key=lambda w: w.map(order), kind="stable")
    out["probability"] = out.groupby(["category", "score"])["probability"].cummax()
    return out.loc[odds.index]


def calibration_notes(fits) -> list[str]:
    """One note per category: what its odds within each span were calibrated on."""
    notes = []
    cats = list(dict.fromkeys(cat for cat, _ in fits))
    for cat in cats:
        parts, regime = [], False
        for (c, within), cal in fits.items():
            if c != cat:
                continue
            regime = regime or any(cal.regime)
            n = len(cal.residuals)
            if cal.usable:
                empty = int(np.isinf(cal.residuals).sum())
                parts.append(
                    f"within {within} on {n} residuals (origins {cal.origins.min():%Y-%m} to "
                    f"{cal.origins.max():%Y-%m}"
                    + (f", {empty} without an eligible round" if empty else "")
                    + ")"
                )
            else:
                parts.append(
                    f"within {within} only {n} residual(s), fewer than {cal.min_residuals}: "
                    "the simulated odds are shown"
                )
        text = f"odds calibration: {plots.label(cat)}: " + "; ".join(parts)
        if regime:
            text += "; only origins in the day's invite-all regime count"
        notes.append(text)
    return notes


def _dry_table(report: Report, projection) -> pd.DataFrame:
    """Each simulated category's run-dry share over the span, and whether the data support it.

    A category whose rounds invite everybody by design (PNP in the invite-all regime) never
    runs dry: inviting its whole stock is what the data show IRCC does. Any other share above
    :data:`eeforecast.projection.DRY_SHARE` is not supported by the data: no round of the
    category has ever run out, so it follows from the assumed sub-pool below the revealed floor
    and its refill.
    """
    frame = projection.dry_frame()
    span = report.settings.span
    why, supported = [], []
    nominees = report.pool.nominees
    for row in frame.itertuples(index=False):
        name = plots.label(row.category)
        if row.invites_all:
            ratios = nominees.evidence["ratio"].dropna() if nominees is not None else []
            recent = ratios.iloc[-report.pool.config.regime_window :]
            why.append(
                f"{name} rounds invite every nominee in the pool (the invite-all regime: the "
                f"median of the latest {len(recent)} invitations / nominees ratios is "
                f"{np.median(recent):.2f}); a round's size is the nominations since the previous "
                "one and its cutoff the lowest of their scores, so inviting the whole stock is "
                "the regime the data show, not a shortfall"
            )
            supported.append(True)
        elif row.dry_share >= DRY_SHARE:
            why.append(
                f"the {name} sub-pool runs dry within {span} in {row.dry_share:.0%} of the paths "
                f"(at most {row.max_round_dry_share:.0%} for one round): not supported by the "
                "data (no round of the category has run out); it follows from the assumed share "
                "below the category's revealed floor and its refill (see the sub-pool table), "
                "and a round that runs dry invites everybody eligible"
            )
            supported.append(False)
        else:
            why.append(
                f"the {name} sub-pool runs dry within {span} in {row.dry_share:.0%} of the paths"
            )
            supported.append(True)
    return frame.assign(supported=supported, why=why)


def _by_size(report: Report, rng: np.random.Generator) -> None:
    if report.pool is None:
        return
    feed = report.feed
    tables = []
    for cat in plots.main_categories(feed.rounds, report.as_of):
        try:
            tables.append(
                cutoff_by_size(
                    None,
                    cat,
                    date=next_round_day(feed, cat, as_of=report.as_of),
                    pool=report.pool,
                    n_paths=min(max(report.settings.n_paths, 2), 1000),  # intervals need paths
                    rng=rng,
                )
            )
        except EEForecastError as exc:
            _missing(report, f"cutoff by size ({cat})", exc)
    if tables:
        report.by_size = pd.concat(tables, ignore_index=True)


def _consistency(report: Report) -> dict[str, tuple[int, float, float, float]]:
    """Flag categories where the schedule simulation and the statistical forecast disagree.

    For each category and forecast step ``k``, the median simulated cutoff of the category's
    ``k``-th simulated round is compared with the forecast's 95% interval for step ``k``; the first
    step outside it is returned as ``category -> (step, simulated, lo, hi)``.
    """
    if (
        report.projection is None
        or report.forecast is None
        or "cutoff_lo_95" not in report.forecast
    ):
        return {}
    notes = {}
    for cat, fc in report.forecast.groupby("category", sort=False):
        cols = np.flatnonzero(report.projection.categories == cat)
        for row in fc.sort_values("step").itertuples():
            if row.step > len(cols):
                break
            cut = report.projection.simulated if report.projection.simulated is not None else None
            cut = report.projection.cutoffs if cut is None else cut
            sim = float(np.median(cut[:, cols[row.step - 1]]))
            lo, hi = float(np.floor(row.cutoff_lo_95)), float(np.ceil(row.cutoff_hi_95))
            if not lo <= sim <= hi:  # cutoffs are whole points
                notes[cat] = (int(row.step), sim, lo, hi)
                break
    return notes


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
    day = pd.Timestamp(snapshot["as_of"].iloc[0])
    model = report.pool
    if model is not None:
        hit = np.flatnonzero(pd.DatetimeIndex(model.snapshot_dates) == day)
        if hit.size:
            return np.asarray(model.densities[hit[0]])
    return density_from_bands(snapshot.sort_values("band_lo")["candidates"].to_numpy())
