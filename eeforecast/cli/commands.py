"""The ``eeforecast`` subcommands: each reads its arguments, calls the Python API, prints a frame.

A command function takes the parsed arguments and returns the exit status. Errors caused by input
are :class:`~eeforecast.errors.EEForecastError` and are printed on one line by
:func:`eeforecast.cli.main`.
"""

from __future__ import annotations

import warnings

import pandas as pd

from .. import config
from ..data import FeedWarning, as_feed, update, write_processed
from ..data.categories import CATEGORIES
from ..errors import FeedError, ParameterError
from ..files import check_folder
from .output import emit, rounded

__all__ = [
    "backlog_command",
    "backtest_command",
    "by_size_command",
    "data_command",
    "forecast_command",
    "odds_command",
    "pool_command",
    "report_command",
    "rounds_command",
    "simulate_command",
    "update_command",
]


def load(args, *, need_rounds: bool = True):
    """The feed named by ``--source`` cut at ``--as-of``; a feed without rounds is an error
    unless ``need_rounds`` is False."""
    feed = as_feed(args.source, as_of=args.as_of)
    if need_rounds and feed.rounds.empty:
        when = f" on or before {args.as_of}" if args.as_of else ""
        raise FeedError(f"{args.source or 'the bundled feed'}: no round{when}")
    return feed


def rounds_command(args) -> int:
    rounds = load(args, need_rounds=False).rounds
    if args.category:
        known = set(CATEGORIES) | set(rounds["category"])
        for cat in args.category:
            if cat not in known:
                raise ParameterError(
                    f"--category {cat!r}: unknown category (known: {', '.join(CATEGORIES)})"
                )
        rounds = rounds[rounds["category"].isin(args.category)]
    emit(rounds, args.format)
    return 0


def pool_command(args) -> int:
    emit(load(args).snapshot(), args.format)
    return 0


def data_command(args) -> int:
    with warnings.catch_warnings():  # the findings go to issues.txt and are listed below
        warnings.simplefilter("ignore", FeedWarning)
        feed = load(args)
    for path in write_processed(feed):
        print(path)
    if feed.issues:
        print(f"{len(feed.issues)} data-quality finding(s) in the feed (also in issues.txt):")
        for issue in feed.issues:
            print(f"  {issue}")
    return 0


def update_command(args) -> int:
    before = config.LIVE_FEED.stat().st_mtime_ns if config.LIVE_FEED.is_file() else None
    path = update(args.url, timeout=args.timeout, max_bytes=args.max_bytes, force=args.force)
    if before is not None and path.stat().st_mtime_ns == before:
        print(f"{path} is already up to date (the download is identical)")
    else:
        print(f"updated {path}")
    return 0


def simulate_command(args) -> int:
    from ..simulate import Schedule, parse_draw, simulate_feed  # heavy: imported where used

    if not args.draw and not args.schedule:
        raise ParameterError("simulate: give at least one --draw CATEGORY:N or a --schedule")
    feed = load(args)
    day = feed.day
    schedule = Schedule(tuple(parse_draw(text, day) for text in args.draw))
    if args.schedule:
        schedule = schedule + Schedule.from_toml(args.schedule)
    rounds = sorted(schedule.expand(day), key=lambda r: r.date)
    if not rounds:
        raise ParameterError(f"--schedule {args.schedule}: no round to simulate in it")
    result = simulate_feed(
        feed,
        rounds,
        as_of=day,
        n_paths=args.n_paths,
        rng=args.seed,
        parameter_uncertainty=args.parameter_uncertainty,
    )
    result.warn_shortfalls()
    frame = result.to_frame()
    cols = ["date", "category", "invitations", "cutoff"]
    if args.n_paths:
        cols += [f"cutoff_{side}_{level}" for level in (80, 95) for side in ("lo", "hi")]
    frame = frame[cols + ["pool"]].copy()
    frame["pool"] = frame["pool"].round().astype("int64")
    emit(frame, args.format)
    return 0


def _progress(args) -> bool | None:
    return False if getattr(args, "quiet", False) else None


def _models(args):
    from ..forecast import DEFAULT_MODELS, Structural  # heavy: imported where used

    return DEFAULT_MODELS + ((Structural(),) if args.structural else ())


def forecast_command(args) -> int:
    from ..forecast import forecast  # heavy: imported where used

    result = forecast(
        load(args),
        horizon=args.horizon,
        categories=args.category,
        levels=args.level,
        models=_models(args),
        n_jobs=args.jobs,
        progress=_progress(args),
    )
    table = result.forecast()
    for col in [c for c in table.columns if c.startswith("cutoff")]:
        table[col] = table[col].round(1)
    emit(table, args.format)
    return 0


def backtest_command(args) -> int:
    from ..evaluation import cross_validation, summarize  # heavy: imported where used

    cv = cross_validation(
        load(args),
        start=args.start,
        end=args.end,
        horizon=args.horizon,
        levels=args.level,
        categories=args.category,
        models=_models(args),
        n_jobs=args.jobs,
        progress=_progress(args),
        known_schedule=args.known_schedule,
    )
    if args.rows:
        emit(rounded(cv, 2), args.format)
        return 0
    table = summarize(cv, by=("category", "step"))
    if not args.all_models:
        table = table[table["model"].isin(["auto", "naive"])]
    emit(rounded(table, 3).reset_index(drop=True), args.format)
    return 0


def backlog_command(args) -> int:
    from ..backlog import backlog  # heavy: imported where used

    result = backlog(
        load(args),
        weeks=args.weeks,
        thresholds=args.threshold,
        n_paths=args.n_paths,
        rng=args.seed,
    )
    frame = result.clearance if args.clearance else result.weekly
    emit(rounded(frame, 1), args.format)
    if args.format == "table" and not args.clearance:
        print()
        emit(rounded(result.clearance, 1), args.format)
    return 0


def by_size_command(args) -> int:
    from ..forecast import next_round_day  # heavy: imported where used
    from ..pool import cached_fit  # heavy: imported where used
    from ..simulate import cutoff_by_size  # heavy: imported where used

    feed = load(args)
    pool = cached_fit(feed)
    tables = [
        cutoff_by_size(
            None,
            category,
            args.size,
            date=args.date or next_round_day(feed, category),
            pool=pool,
            n_paths=None if args.deterministic else args.n_paths,
            rng=args.seed,
        )
        for category in args.category
    ]
    emit(pd.concat(tables, ignore_index=True), args.format)
    if args.format == "table":
        print(
            "\nEach row: the cutoff if the category's next round (no other round before it) "
            "invites that many; median and intervals over the Monte Carlo paths."
        )
    return 0


def report_command(args) -> int:
    # the output folder is checked before anything heavy is imported or computed
    check_folder(args.out if args.out else config.REPORTS_DIR, what="report folder")
    from ..report import build_report  # heavy: imported where used

    path, report = build_report(
        args.out,
        source=args.source,
        as_of=args.as_of,
        rng=args.seed,
        n_paths=args.n_paths,
        progress=_progress(args),
    )
    print(report.text_summary())
    print(f"report written to {path.resolve()}")
    print(f"figures in {(path.parent / 'figures').resolve()}")
    return 0


def odds_command(args) -> int:
    from ..odds import odds, validate  # heavy: imported where used

    validate(args.score, args.category, args.within)  # fail before loading anything
    result = odds(
        args.score,
        categories=tuple(args.category),
        within=args.within,
        source=load(args),
        as_of=args.as_of,
        n_paths=args.n_paths,
        rng=args.seed,
    )
    emit(result.to_frame(), args.format)
    if args.format == "table":
        print()
        print(result.note)
    return 0
