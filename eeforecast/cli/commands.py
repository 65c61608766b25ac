"""The ``eeforecast`` subcommands: each reads its arguments, calls the Python API, prints a frame.

A command function takes the parsed arguments and returns the exit status. Errors caused by input
are :class:`~eeforecast.errors.EEForecastError` and are printed on one line by
:func:`eeforecast.cli.main`.
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

import pandas as pd

from .. import config
from ..checks import as_months
from ..crs import Profile, score, timeline, what_if
from ..data import FeedWarning, as_feed, update, write_processed
from ..data.categories import CATEGORIES
from ..errors import FeedError, ParameterError
from ..files import check_folder
from .output import emit, rounded

__all__ = [
    "backlog_command",
    "backtest_command",
    "by_size_command",
    "crs_command",
    "data_command",
    "forecast_command",
    "odds_command",
    "pool_command",
    "report_command",
    "rounds_command",
    "scenarios_command",
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


def subpools_command(args) -> int:
    from ..pool import cached_fit  # heavy: imported where used

    feed = load(args)
    report = cached_fit(feed, as_of=feed.day).subpools()
    if args.format == "table":
        print(report)
    else:
        emit(rounded(report.to_frame(), 3), args.format)
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
    _check_calibrated(args)
    feed = load(args)
    day = feed.day
    schedule = Schedule(tuple(parse_draw(text, day) for text in args.draw))
    if args.schedule:
        schedule = schedule + Schedule.from_toml(args.schedule)
    schedule, filled = _with_recent_pace(schedule, feed)
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
        subpools=schedule.subpools,
        calibrate=args.calibrated,
    )
    result.warn_shortfalls()
    frame = result.to_frame()
    cols = ["date", "category", "invitations", "cutoff"]
    if args.n_paths:
        cols += [f"cutoff_{side}_{level}" for level in (80, 95) for side in ("lo", "hi")]
    cols += ["calibrated"] if "calibrated" in frame else []
    extra = ["pool", "invited", "invites_all", "dry_share"]
    frame = frame[cols[:3] + (["filled"] if filled else []) + cols[3:] + extra].copy()
    for col in ("pool", "invited"):
        frame[col] = frame[col].round().astype("int64")
    frame["dry_share"] = frame["dry_share"].round(3)
    text = frame.attrs.get("calibration")
    emit(frame, args.format)
    if args.format == "table":
        _print_assumptions(result.assumptions)
        if text:
            print("\n" + text)
    return 0


def _check_calibrated(args) -> None:
    """``--calibrated`` needs Monte Carlo paths: refused early, naming both flags."""
    if args.calibrated and (args.n_paths is None or args.n_paths < 2):
        raise ParameterError("--calibrated: needs Monte Carlo paths, --paths 2 or more")


def _print_assumptions(frame, title: str | None = None) -> None:
    """The sub-pool assumptions of a simulation under the table (nothing when there are none)."""
    from ..simulate.result import assumptions_text  # heavy: imported where used

    if frame is None or not len(frame):
        return
    print()
    text = assumptions_text(rounded(frame, 3))
    print(text if title is None else text.replace("Sub-pool assumptions", title, 1))


def _with_recent_pace(schedule, feed):
    """The schedule with its ``[defaults] fill`` applied (the left-out categories' recent pace),
    said on stderr; and the filled categories."""
    from ..forecast import with_recent_pace  # heavy: imported where used

    schedule, filled = with_recent_pace(schedule, feed)
    if filled:
        print(f"eeforecast: filled at their recent pace: {', '.join(filled)}", file=sys.stderr)
    return schedule, filled


def _schedule_file(args):
    """The ``--schedule`` file, or None."""
    from ..simulate import Schedule  # heavy: imported where used

    return Schedule.from_toml(args.schedule) if getattr(args, "schedule", None) else None


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
        table = table[table["model"].isin(["auto", "naive", "naive_emp"])]
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
        schedule=_schedule_file(args),
    )
    frame = result.clearance if args.clearance else result.weekly
    emit(rounded(frame, 1), args.format)
    if args.format == "table" and not args.clearance:
        print()
        emit(rounded(result.clearance, 1), args.format)
    if args.format == "table":
        for note in result.notes:
            print(f"note: {note}")
        _print_assumptions(result.assumptions)
    return 0


def by_size_command(args) -> int:
    from ..forecast import next_round_day  # heavy: imported where used
    from ..pool import cached_fit  # heavy: imported where used
    from ..simulate import cutoff_by_size  # heavy: imported where used

    if args.target_cutoff is not None and args.size:
        raise ParameterError("--target-cutoff: give either --size or --target-cutoff, not both")
    feed = load(args)
    pool = cached_fit(feed)
    if args.target_cutoff is not None:
        return _size_for_cutoff(args, feed, pool)
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
        _print_assumptions(pool.assumptions(list(args.category)))
    return 0


def _size_for_cutoff(args, feed, pool) -> int:
    from ..forecast import next_round_day  # heavy: imported where used
    from ..scenarios import size_for_cutoff  # heavy: imported where used

    tables = [
        size_for_cutoff(
            category,
            args.target_cutoff,
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
            "\nEach row: the smallest round size (in steps of 50) whose median cutoff is at or "
            "below the target if it is the category's next round; invitations_lo/hi_80: the "
            "sizes at which 10% and 90% of the paths reach it. outside_past_year: beyond the "
            "category's rounds of the past year (past_min..past_max), an extrapolation."
        )
    return 0


def scenarios_command(args) -> int:
    from concurrent.futures import ProcessPoolExecutor  # imported where used

    from ..scenarios import MAX_CELLS, run_grid, scenario_grid  # heavy: imported where used
    from ..simulate import Schedule  # heavy: imported where used

    grid_args = [args.category, args.size, args.cadence]
    if args.schedule:
        if any(grid_args) or args.end or args.start:
            raise ParameterError(
                "--schedule: give schedule files or a grid (--category, --size, --cadence, "
                "--to), not both"
            )
        names = [Path(p).stem for p in args.schedule]
        if len(set(names)) < len(names):
            raise ParameterError("--schedule: two files have the same name")
        grid = {name: Schedule.from_toml(p) for name, p in zip(names, args.schedule, strict=True)}
    else:
        for flag, value in zip(("--category", "--size", "--cadence"), grid_args, strict=True):
            if not value:
                raise ParameterError(f"{flag}: required for a grid (or give --schedule files)")
        if not args.end:
            raise ParameterError("--to: required for a grid (the last day of the varied rounds)")
        grid = scenario_grid(
            args.category,
            args.size,
            args.cadence,
            start=args.start,
            end=args.end,
            base=Schedule(fill="recent" if args.fill else None),
        )
    if args.jobs < 1:
        raise ParameterError(f"--jobs: expected a whole number >= 1, got {args.jobs}")
    _check_calibrated(args)
    run = dict(
        n_paths=args.n_paths,
        rng=args.seed,
        thresholds=args.threshold,
        confirm=args.yes,
        calibrate=args.calibrated,
    )
    if len(grid) > MAX_CELLS and not args.yes:  # before loading anything
        run_grid(grid, **run)
    feed = load(args)
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            result = run_grid(grid, feed, executor=pool, **run)
    else:
        result = run_grid(grid, feed, **run)
    frame = result.frame if args.all_rounds else result.final()
    shown = list(dict.fromkeys(frame["category"]))  # the categories the calibration lists
    emit(rounded(frame, 0).assign(dry_share=frame["dry_share"].round(3)), args.format)
    filled = sorted({c for cats in result.filled.values() for c in cats})
    if args.format == "table" and filled:
        print(f"\nfilled at their recent pace: {', '.join(filled)}")
    if args.format == "table":
        frames = {name: r.assumptions for name, r in result.results.items()}
        distinct = {f.to_json() for f in frames.values() if f is not None}
        for name, frame in frames.items():  # once when every scenario assumed the same
            title = None if len(distinct) == 1 else f"Sub-pool assumptions, {name}"
            _print_assumptions(frame, title)
            if len(distinct) == 1:
                break
        if result.calibration is not None:
            print("\n" + result.calibration.text(categories=shown))
    if args.figures:
        _write_figures(result, Path(args.figures))
    return 0


def _write_figures(result, folder: Path) -> None:
    """The heat maps and one fan chart per scenario, as PNG files."""
    folder.mkdir(parents=True, exist_ok=True)
    values = ["cutoff", *(f"above_{t}" for t in result.thresholds)]
    figures = {f"heatmap-{v}": result.heatmap(v) for v in values}
    for name in result.results:
        figures["fan-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")] = result.fan(name)
    for stem, fig in figures.items():
        fig.savefig(folder / f"{stem}.png")
    print(f"{len(figures)} figures written to {folder.resolve()}", file=sys.stderr)


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
        calibrate_odds=not args.simulated_odds,
    )
    print(report.text_summary())
    print(f"report written to {path.resolve()}")
    print(f"figures in {(path.parent / 'figures').resolve()}")
    return 0


def odds_command(args) -> int:
    from ..odds import odds, validate  # heavy: imported where used

    if args.calibrated and args.schedule:
        raise ParameterError(
            "--calibrated: a scenario's odds (--schedule) cannot be calibrated on the forecast "
            "schedule's past errors"
        )
    if args.profile:
        if args.schedule:
            raise ParameterError("--schedule: a profile's odds read the forecast schedule only")
        if args.calibrated:
            raise ParameterError("--calibrated: calibrated odds are for a --score, not a --profile")
        return _profile_odds(args)
    if args.what_if:
        raise ParameterError("--what-if: give --profile (the changes are changes of a profile)")
    validate(args.score, args.category, args.within)  # fail before loading anything
    schedule = _schedule_file(args)
    result = odds(
        args.score,
        categories=tuple(args.category),
        within=args.within,
        source=load(args),
        as_of=args.as_of,
        n_paths=args.n_paths,
        rng=args.seed,
        schedule=schedule,
        calibrate=args.calibrated,
    )
    emit(result.to_frame(), args.format)
    if args.format == "table":
        print()
        print(result.note)
        _print_assumptions(result.assumptions)
    return 0


def _profile_odds(args) -> int:
    """``odds --profile``: each profile scored on the data's day, with its categories; with
    ``--what-if``, the odds after each single change. One simulation serves every row."""
    from ..odds import validate  # heavy: imported where used
    from ..profile_odds import profile_odds, what_if_odds  # heavy: imported where used
    from ..projection import project  # heavy: imported where used

    profiles = [Profile.from_toml(path) for path in args.profile]  # fail before loading
    validate(0, args.category, args.within)
    paths = project(
        load(args), as_of=args.as_of, span=args.within, n_paths=args.n_paths, rng=args.seed
    )
    table = profile_odds(profiles, paths, within=args.within, categories=args.category)
    if args.what_if:
        frames = [
            what_if_odds(p, paths, within=args.within, categories=args.category) for p in profiles
        ]
        for profile, frame in zip(profiles, frames, strict=True):
            frame.insert(0, "profile", profile.name)
        emit(pd.concat(frames, ignore_index=True), args.format)
    else:
        emit(table, args.format)
    if args.format == "table":
        print()
        for line in table.attrs["notes"]:
            print(line)
        print(
            f"Each profile scored as on {paths.as_of:%Y-%m-%d} (the data's day) and held there "
            f"over {args.within}; {paths.n_paths} paths of one simulation serve every row. "
            "eeforecast.profile_odds.odds_over_time follows a score that moves with the "
            "profile's dates."
        )
        print(table.attrs["note"])
    return 0


def crs_command(args) -> int:
    months = as_months(args.timeline, "--timeline") if args.timeline is not None else None
    profiles = [Profile.from_toml(path) for path in args.profile]
    if months is not None:
        frames = [timeline(p, months=months, as_of=args.as_of) for p in profiles]
    elif args.what_if:
        frames = [what_if(p, as_of=args.as_of) for p in profiles]
    else:
        results = [score(p, as_of=args.as_of) for p in profiles]
        frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
        if args.format == "json":
            frame["as_of"] = [r.as_of for r in results]
            frame["first_language"] = [r.first_language for r in results]
            frame["categories"] = [list(r.categories) for r in results]
            frame["notes"] = [list(r.notes) for r in results]
            frame["breakdown"] = [r.breakdown.to_dict("records") for r in results]
        emit(frame, args.format)
        if args.format == "table":
            print(f"\nscored as on {results[0].as_of:%Y-%m-%d}")
            for r in results:
                for note in r.notes:
                    print(f"{r.profile}: {note}")
        return 0
    for profile, frame in zip(profiles, frames, strict=True):
        frame.insert(0, "profile", profile.name)
    emit(pd.concat(frames, ignore_index=True), args.format)
    return 0
