"""The ``eeforecast`` command: a thin layer over the Python API.

Every command takes ``--source`` (an IRCC-format feed instead of the bundled one), ``--as-of`` (behave as
if it were that day) and, where it prints data, ``--format table|csv|json``. Errors caused by input print
one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings

import numpy as np
import pandas as pd

from . import __version__
from .errors import EEForecastError

FORMATS = ("table", "csv", "json")


def emit(frame: pd.DataFrame, fmt: str = "table", file=None) -> None:
    """Print ``frame`` as an aligned table, CSV or JSON records (dates as ISO strings).

    JSON has no infinity: an infinite number (e.g. a backlog that never clears) is written as
    the string ``"inf"`` or ``"-inf"``, as CSV and the table print it; missing values are ``null``.
    """
    file = file or sys.stdout
    out = frame.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        elif pd.api.types.is_datetime64_any_dtype(out[col]):
            stamps = out[col]
            with_time = (stamps.dropna() != stamps.dropna().dt.normalize()).any()
            out[col] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d")
    if fmt == "csv":
        out.to_csv(file, index=False, lineterminator="\n")
    elif fmt == "table" and out.empty:  # pandas would print "Empty DataFrame ..."
        file.write("  ".join(str(col) for col in out.columns) + "\n")
    elif fmt == "json":
        for col in out.select_dtypes("number").columns:
            values = out[col]
            if np.isinf(values.to_numpy(dtype=float)).any():
                out[col] = values.astype(object).where(~np.isinf(values), values.map(str))
        file.write(out.to_json(orient="records", indent=1, double_precision=10) + "\n")
    else:
        with pd.option_context(
            "display.max_rows", None, "display.max_columns", None, "display.width", 200
        ):
            file.write(out.to_string(index=False, na_rep="") + "\n")


def _rounded(frame: pd.DataFrame, decimals: int) -> pd.DataFrame:
    """Round the numeric columns only (``DataFrame.round`` warns on datetime columns)."""
    numeric = frame.select_dtypes("number").columns
    return frame.assign(**{col: frame[col].round(decimals) for col in numeric})


def _iso_day(text: str) -> str:
    """An argparse type: a day written YYYY-MM-DD (03/04/2024 means March in one country and
    April in another, so other forms are refused rather than guessed)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")
    return text.strip()


def _paths(text: str) -> int:
    """An argparse type: a number of Monte Carlo paths (a whole number >= 1)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _common(parser: argparse.ArgumentParser, *, prints_data: bool = True) -> None:
    parser.add_argument(
        "--source",
        metavar="PATH",
        help="read this IRCC-format feed (JSON) instead of the bundled data",
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        dest="as_of",
        type=_iso_day,
        help="behave as if it were that day: only the rounds dated on or before it, and the "
        "pool snapshots published with them, exist",
    )
    if prints_data:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="table",
            help="output format (csv and json are machine-readable)",
        )


def _load(args, *, need_rounds: bool = True):
    from .feed import FeedError, load_feed

    feed = load_feed(args.source, as_of=args.as_of)
    if need_rounds and feed.rounds.empty:
        when = f" on or before {args.as_of}" if args.as_of else ""
        raise FeedError(f"{args.source or 'the bundled feed'}: no round{when}")
    return feed


# --- foundation commands (lead) ---------------------------------------------------------------


def _cmd_rounds(args) -> int:
    from .categories import CATEGORIES
    from .errors import ParameterError

    rounds = _load(args, need_rounds=False).rounds
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


def _cmd_pool(args) -> int:
    feed = _load(args)
    emit(feed.snapshot(), args.format)
    return 0


def _cmd_data(args) -> int:
    from .feed import FeedWarning, write_processed

    with warnings.catch_warnings():  # the findings go to issues.txt, listed once below
        warnings.simplefilter("ignore", FeedWarning)
        feed = _load(args)
    for path in write_processed(feed):
        print(path)
    if feed.issues:
        print(f"{len(feed.issues)} data-quality finding(s) in the feed, listed in issues.txt")
    return 0


def _cmd_update(args) -> int:
    from .config import LIVE_FEED
    from .feed import update

    before = LIVE_FEED.stat().st_mtime_ns if LIVE_FEED.is_file() else None
    path = update(args.url, timeout=args.timeout, max_bytes=args.max_bytes, force=args.force)
    if before is not None and path.stat().st_mtime_ns == before:
        print(f"{path} is already up to date (the download is identical)")
    else:
        print(f"updated {path}")
    return 0


def _cmd_simulate(args) -> int:
    from .errors import ParameterError
    from .simulate import Schedule, parse_draw, simulate_feed

    if not args.draw and not args.schedule:
        raise ParameterError("simulate: give at least one --draw CATEGORY:N or a --schedule")
    feed = _load(args)
    day = (
        feed.as_of
        if feed.as_of is not None
        else max(feed.rounds["date"].max(), feed.snapshots["as_of"].max())
    )
    schedule = Schedule(tuple(parse_draw(text, day) for text in args.draw))
    if args.schedule:
        schedule = schedule + Schedule.from_toml(args.schedule)
    rounds = sorted(schedule.expand(day), key=lambda r: r.date)
    if not rounds:
        raise ParameterError(f"--schedule {args.schedule}: no round to simulate in it")
    n_paths = None if args.n_paths == 1 else args.n_paths
    result = simulate_feed(
        feed,
        rounds,
        as_of=day,
        n_paths=n_paths,
        rng=args.seed,
        parameter_uncertainty=args.parameter_uncertainty,
    )
    result.warn_shortfalls()
    frame = result.to_frame()
    cols = ["date", "category", "invitations", "cutoff"]
    if n_paths:
        cols += [f"cutoff_{side}_{level}" for level in (80, 95) for side in ("lo", "hi")]
    frame = frame[cols + ["pool"]].copy()
    frame["pool"] = frame["pool"].round().astype("int64")
    emit(frame, args.format)
    return 0


# --- forecast commands (forecast engineer) ----------------------------------------------------


def _progress_flag(args):
    return False if getattr(args, "quiet", False) else None


def _models(args):
    from .forecast import DEFAULT_MODELS, Structural

    return DEFAULT_MODELS + ((Structural(),) if args.structural else ())


def _cmd_forecast(args) -> int:
    from .forecast import forecast

    result = forecast(
        _load(args),
        horizon=args.horizon,
        categories=args.category,
        levels=args.level,
        models=_models(args),
        n_jobs=args.jobs,
        progress=_progress_flag(args),
    )
    table = result.forecast()
    for col in [c for c in table.columns if c.startswith("cutoff")]:
        table[col] = table[col].round(1)
    emit(table, args.format)
    return 0


def _cmd_backtest(args) -> int:
    from .backtest import cross_validation, summarize

    cv = cross_validation(
        _load(args),
        start=args.start,
        end=args.end,
        horizon=args.horizon,
        levels=args.level,
        categories=args.category,
        models=_models(args),
        n_jobs=args.jobs,
        progress=_progress_flag(args),
        known_schedule=args.known_schedule,
    )
    if args.rows:
        emit(_rounded(cv, 2), args.format)
        return 0
    table = summarize(cv, by=("category", "step"))
    if not args.all_models:
        table = table[table["model"].isin(["auto", "naive"])]
    emit(_rounded(table, 3).reset_index(drop=True), args.format)
    return 0


def _cmd_backlog(args) -> int:
    from .forecast import backlog

    result = backlog(
        _load(args),
        weeks=args.weeks,
        thresholds=args.threshold,
        n_paths=args.n_paths,
        rng=args.seed,
    )
    frame = result.clearance if args.clearance else result.weekly
    emit(_rounded(frame, 1), args.format)
    if args.format == "table" and not args.clearance:
        print()
        emit(_rounded(result.clearance, 1), args.format)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``eeforecast`` command."""
    parser = _Parser(
        prog="eeforecast",
        description="Express Entry pool model, round simulation and cutoff forecasts.",
    )
    parser.add_argument("--version", action="version", version=f"eeforecast {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub = subparsers.add_parser("rounds", help="print the tidy rounds of invitations")
    _common(sub)
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        metavar="C",
        help="only these category slugs (repeatable)",
    )
    sub.set_defaults(func=_cmd_rounds)

    sub = subparsers.add_parser("pool", help="print the latest pool snapshot (CRS bands)")
    _common(sub)
    sub.set_defaults(func=_cmd_pool)

    sub = subparsers.add_parser("data", help="build data/processed/ from the raw feed")
    _common(sub, prints_data=False)
    sub.set_defaults(func=_cmd_data)

    from .config import FEED_URL

    sub = subparsers.add_parser("update", help="download IRCC's live feed into data/raw/")
    sub.add_argument("--url", default=FEED_URL, help="feed address (https, www.canada.ca only)")
    sub.add_argument("--timeout", type=float, default=30.0, help="limit on the whole download [s]")
    sub.add_argument(
        "--force",
        action="store_true",
        help="keep a feed whose last round is older than the local feed's (refused by default)",
    )
    sub.add_argument(
        "--max-bytes",
        type=int,
        default=20_000_000,
        dest="max_bytes",
        help="refuse a payload larger than this [bytes]",
    )
    sub.set_defaults(func=_cmd_update)

    # --- pool & simulation commands (pool/simulate engineers) ---------------------------------

    sub = subparsers.add_parser(
        "simulate", help="simulate rounds of invitations from the pool as it stood on --as-of"
    )
    _common(sub)
    sub.add_argument(
        "--draw",
        action="append",
        default=[],
        metavar="CATEGORY:N[@YYYY-MM-DD]",
        help="a round: category slug, invitations and day (default: the as-of day); repeatable",
    )
    sub.add_argument(
        "--schedule",
        metavar="FILE",
        help="TOML file of rounds and repeating rules ([[round]] / [[rule]], see the README)",
    )
    sub.add_argument(
        "--paths",
        type=_paths,
        default=1,
        dest="n_paths",
        help="Monte Carlo paths; 1 (default) = the deterministic expected path",
    )
    sub.add_argument(
        "--seed",
        type=int,
        default=20251217,
        help="seed of the Monte Carlo draws (default 20251217)",
    )
    sub.add_argument(
        "--no-parameter-uncertainty",
        action="store_false",
        dest="parameter_uncertainty",
        help="Monte Carlo with inflow noise (and random sizes) only, the pool model's "
        "estimated sub-pool levels, refill rates and nominee scores held fixed",
    )
    sub.set_defaults(func=_cmd_simulate)

    # --- forecast commands (forecast engineer) ------------------------------------------------

    def _levels_and_jobs(sub):
        sub.add_argument(
            "--level",
            type=int,
            nargs="+",
            default=[80, 95],
            metavar="L",
            help="prediction interval levels [%%] (default: 80 95)",
        )
        sub.add_argument(
            "--jobs",
            type=int,
            default=None,
            metavar="N",
            help="processes for the rolling-origin backtest (default: up to 2)",
        )
        sub.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
        sub.add_argument(
            "--structural",
            action="store_true",
            help="add the structural model (pool engine on forecast sizes; slower)",
        )
        sub.add_argument(
            "--category",
            action="extend",
            nargs="+",
            metavar="C",
            help="only these category slugs (default: categories active in the last year)",
        )

    sub = subparsers.add_parser(
        "forecast", help="forecast the next rounds' dates, sizes and cutoffs per category"
    )
    _common(sub)
    sub.add_argument("--horizon", type=int, default=3, help="rounds ahead per category")
    _levels_and_jobs(sub)
    sub.set_defaults(func=_cmd_forecast)

    sub = subparsers.add_parser(
        "backtest", help="rolling-origin backtest of the cutoff models (metrics table)"
    )
    _common(sub)
    sub.add_argument(
        "--start",
        default="2023-01-01",
        metavar="YYYY-MM-DD",
        type=_iso_day,
        help="evaluate rounds after this day (default 2023-01-01)",
    )
    sub.add_argument(
        "--end",
        default=None,
        metavar="YYYY-MM-DD",
        type=_iso_day,
        help="evaluate rounds up to this day (default: the last round)",
    )
    sub.add_argument("--horizon", type=int, default=3, help="rounds ahead per origin")
    sub.add_argument(
        "--rows", action="store_true", help="print the per-round forecasts instead of the summary"
    )
    sub.add_argument(
        "--all-models",
        action="store_true",
        dest="all_models",
        help="summarise every model (default: the chosen 'auto' model and naive)",
    )
    sub.add_argument(
        "--known-schedule",
        action="store_true",
        dest="known_schedule",
        help="diagnostic, not a forecast: give the models each round's actual date and size "
        "(published only with the round) to measure the error the unknown schedule causes",
    )
    _levels_and_jobs(sub)
    sub.set_defaults(func=_cmd_backtest)

    sub = subparsers.add_parser(
        "backlog", help="projected pool and candidates above scores over the coming weeks"
    )
    _common(sub)
    sub.add_argument("--weeks", type=int, default=26, help="weeks to project")
    sub.add_argument(
        "--threshold",
        type=int,
        nargs="+",
        default=[500],
        metavar="S",
        help="count candidates at or above these CRS scores (default 500)",
    )
    sub.add_argument("--paths", type=_paths, default=400, dest="n_paths", help="Monte Carlo paths")
    sub.add_argument(
        "--seed",
        type=int,
        default=20251217,
        help="seed of the Monte Carlo draws (default 20251217)",
    )
    sub.add_argument("--clearance", action="store_true", help="print only the time-to-clear table")
    sub.set_defaults(func=_cmd_backlog)

    # --- report commands (report engineer) ----------------------------------------------------

    sub = subparsers.add_parser(
        "report", help="run the whole pipeline and write forecast.html with its figures"
    )
    _common(sub, prints_data=False)
    sub.add_argument("--seed", type=int, default=20251217, help="seed of every random draw")
    sub.add_argument(
        "--out", metavar="DIR", help="output folder (default: reports/ of the project)"
    )
    sub.add_argument(
        "--paths", type=_paths, default=None, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    sub.set_defaults(func=_cmd_report)

    sub = subparsers.add_parser(
        "odds", help="probability that a candidate with a CRS score is invited within a horizon"
    )
    _common(sub)
    sub.add_argument("--score", type=int, required=True, help="the candidate's CRS score [points]")
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        metavar="C",
        default=[],
        help="categories the candidate is eligible for (repeatable; general rounds always count)",
    )
    sub.add_argument("--within", default="6m", help="horizon: 3m, 6m, 12m, 26w or 90d (default 6m)")
    sub.add_argument("--seed", type=int, default=20251217, help="seed of the simulation")
    sub.add_argument(
        "--paths", type=_paths, default=2000, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.set_defaults(func=_cmd_odds)

    sub = subparsers.add_parser(
        "by-size", help="the next round's cutoff at each of several sizes (what-if)"
    )
    _common(sub)
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        required=True,
        metavar="C",
        help="category slugs (active ones; repeatable)",
    )
    sub.add_argument(
        "--size",
        type=int,
        action="extend",
        nargs="+",
        metavar="N",
        help="invitations [candidates] (default: min, quartiles and max of the last 12 sizes)",
    )
    sub.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        type=_iso_day,
        help="day of the round (default: its expected day)",
    )
    sub.add_argument("--seed", type=int, default=20251217, help="seed of the simulation")
    sub.add_argument(
        "--paths", type=_paths, default=1000, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.set_defaults(func=_cmd_by_size)

    return parser


def _cmd_by_size(args) -> int:
    from .forecast import cutoff_by_size
    from .pool import fit_pool

    feed = _load(args)
    model = fit_pool(feed, as_of=feed.as_of)
    tables = [
        cutoff_by_size(
            feed,
            category,
            args.size,
            date=args.date,
            model=model,
            n_paths=args.n_paths,
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


def _cmd_report(args) -> int:
    from .report import build_report

    path, report = build_report(
        args.out,
        source=args.source,
        as_of=args.as_of,
        seed=args.seed,
        n_paths=args.n_paths,
        progress=not args.quiet,
    )
    print(report.text_summary())
    print(f"report written to {path.resolve()}")
    print(f"figures in {(path.parent / 'figures').resolve()}")
    return 0


def _cmd_odds(args) -> int:
    from .odds import odds, validate

    validate(args.score, args.category, args.within)  # fail before loading anything
    result = odds(
        _load(args),
        args.score,
        categories=tuple(args.category),
        within=args.within,
        as_of=args.as_of,
        n_paths=args.n_paths,
        rng=args.seed,
    )
    emit(result.to_frame(), args.format)
    if args.format == "table":
        print()
        print(result.note)
    return 0


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Print a warning as one line, without the source location."""
    print(f"eeforecast: warning: {message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the ``eeforecast`` command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except EEForecastError as exc:
        print(f"eeforecast {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # e.g. a read-only data folder: one line, nothing half-written
        print(f"eeforecast {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
