"""The ``eeforecast`` command: a thin layer over the Python API.

Every command that reads the rounds takes ``--source`` (an IRCC-format feed instead of the
bundled one), ``--as-of`` (behave as if it were that day), ``--verbose`` (print every data-quality
finding of the feed) and, where it prints data, ``--format table|csv|json``; ``crs`` reads only
profiles and takes ``--as-of`` (the scoring day) and ``--format``. Commands that draw random numbers take
``--seed``. Errors caused by input print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings

from .. import __version__, config
from ..data import FeedNote
from ..errors import EEForecastError
from . import commands
from .output import FORMATS

__all__ = ["build_parser", "main"]

#: Default seed of every command that draws random numbers.
SEED = 20251217


def iso_day(text: str) -> str:
    """An argparse type: a day written YYYY-MM-DD (03/04/2024 means March in one country and
    April in another, so other forms are refused rather than guessed)."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}")
    return text.strip()


def _calibrated(sub) -> None:
    """The ``--calibrated`` flag of the commands that simulate given rounds."""
    sub.add_argument(
        "--calibrated",
        action="store_true",
        help="widen the cutoff intervals by replays of the rounds held after the quarterly "
        "origins of the past three years (split conformal, per category and 1-3 / 4-6 months "
        "ahead; needs --paths); prints what they were calibrated on",
    )


def paths_type(text: str) -> int:
    """An argparse type: a number of Monte Carlo paths (a whole number >= 1)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


class Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors are one line on stderr (exit status 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def common(parser: argparse.ArgumentParser, *, prints_data: bool = True) -> None:
    """The options every command but ``update`` takes."""
    parser.add_argument(
        "--source",
        metavar="PATH",
        help="read this IRCC-format feed (JSON) instead of the bundled data",
    )
    parser.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        dest="as_of",
        type=iso_day,
        help="behave as if it were that day: only the rounds dated on or before it, and the "
        "pool snapshots published with them, exist",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="print every data-quality finding of the feed (by default only those that change "
        "what is read)",
    )
    if prints_data:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="table",
            help="output format (csv and json are machine-readable)",
        )


def schedule_option(parser: argparse.ArgumentParser) -> None:
    """``--schedule FILE``: a scenario's rounds instead of the forecast schedule."""
    parser.add_argument(
        "--schedule",
        metavar="FILE",
        help="simulate this TOML schedule (a scenario) instead of the forecast schedule; with "
        '[defaults] fill = "recent" the categories it leaves out keep their recent pace',
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``eeforecast`` command."""
    parser = Parser(
        prog="eeforecast",
        description="Express Entry pool model, round simulation and cutoff forecasts.",
    )
    parser.add_argument("--version", action="version", version=f"eeforecast {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub = subparsers.add_parser("rounds", help="print the tidy rounds of invitations")
    common(sub)
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        metavar="C",
        help="only these category slugs (repeatable)",
    )
    sub.set_defaults(func=commands.rounds_command)

    sub = subparsers.add_parser("pool", help="print the latest pool snapshot (CRS bands)")
    common(sub)
    sub.set_defaults(func=commands.pool_command)

    sub = subparsers.add_parser(
        "subpools",
        help="print what past rounds revealed about each category sub-pool and what the pool "
        "model assumes beyond it (eligible stock, floor, share below it, status)",
    )
    common(sub)
    sub.set_defaults(func=commands.subpools_command)

    sub = subparsers.add_parser("data", help="build data/processed/ from the raw feed")
    common(sub, prints_data=False)
    sub.set_defaults(func=commands.data_command)

    sub = subparsers.add_parser("update", help="download IRCC's live feed into data/raw/")
    sub.add_argument(
        "--url", default=config.FEED_URL, help="feed address (https, www.canada.ca only)"
    )
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
    sub.set_defaults(func=commands.update_command)

    sub = subparsers.add_parser(
        "simulate", help="simulate rounds of invitations from the pool as it stood on --as-of"
    )
    common(sub)
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
        help="TOML file of rounds and repeating rules ([[round]] / [[rule]], see the engine methods page of the docs)",
    )
    sub.add_argument(
        "--paths",
        type=paths_type,
        default=None,
        dest="n_paths",
        help="Monte Carlo paths (default: the deterministic expected path) [paths]",
    )
    sub.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="seed of the Monte Carlo draws (default 20251217)",
    )
    sub.add_argument(
        "--no-parameter-uncertainty",
        action="store_false",
        dest="parameter_uncertainty",
        help="Monte Carlo with inflow noise (and random sizes) only, the pool model's "
        "estimated sub-pool levels, refill rates and nominee scores held fixed",
    )
    _calibrated(sub)
    sub.set_defaults(func=commands.simulate_command)

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
    common(sub)
    sub.add_argument("--horizon", type=int, default=3, help="rounds ahead per category")
    _levels_and_jobs(sub)
    sub.set_defaults(func=commands.forecast_command)

    sub = subparsers.add_parser(
        "backtest", help="rolling-origin backtest of the cutoff models (metrics table)"
    )
    common(sub)
    sub.add_argument(
        "--start",
        default="2023-01-01",
        metavar="YYYY-MM-DD",
        type=iso_day,
        help="evaluate rounds after this day (default 2023-01-01)",
    )
    sub.add_argument(
        "--end",
        default=None,
        metavar="YYYY-MM-DD",
        type=iso_day,
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
        help="summarise every model (default: the chosen 'auto' model, naive and naive_emp, "
        "the CRPS baseline)",
    )
    sub.add_argument(
        "--known-schedule",
        action="store_true",
        dest="known_schedule",
        help="diagnostic, not a forecast: give the models each round's actual date and size "
        "(published only with the round) to measure the error the unknown schedule causes",
    )
    _levels_and_jobs(sub)
    sub.set_defaults(func=commands.backtest_command)

    sub = subparsers.add_parser(
        "backlog", help="projected pool and candidates above scores over the coming weeks"
    )
    common(sub)
    sub.add_argument("--weeks", type=int, default=26, help="weeks to project")
    sub.add_argument(
        "--threshold",
        type=int,
        nargs="+",
        default=[500],
        metavar="S",
        help="count candidates at or above these CRS scores (default 500)",
    )
    sub.add_argument(
        "--paths", type=paths_type, default=400, dest="n_paths", help="Monte Carlo paths"
    )
    sub.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="seed of the Monte Carlo draws (default 20251217)",
    )
    sub.add_argument("--clearance", action="store_true", help="print only the time-to-clear table")
    schedule_option(sub)
    sub.set_defaults(func=commands.backlog_command)

    sub = subparsers.add_parser(
        "report", help="run the whole pipeline and write forecast.html with its figures"
    )
    common(sub, prints_data=False)
    sub.add_argument("--seed", type=int, default=SEED, help="seed of every random draw")
    sub.add_argument(
        "--out", metavar="DIR", help="output folder (default: reports/ of the project)"
    )
    sub.add_argument(
        "--paths", type=paths_type, default=None, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.add_argument(
        "--simulated-odds",
        action="store_true",
        help="show the simulated odds in figure 7 instead of the odds calibrated on the "
        "simulation's errors at the monthly origins of the 24 months before the day (the "
        "default; it adds one projection per earlier origin)",
    )
    sub.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    sub.set_defaults(func=commands.report_command)

    sub = subparsers.add_parser(
        "crs",
        help="score Express Entry profiles (TOML files) with the CRS grid in force on a day",
        description="Score Express Entry profiles with the Comprehensive Ranking System grid in "
        "force on --as-of: one row per profile (the blocks and the total), or each profile's "
        "score month by month (--timeline), or the single changes that raise it (--what-if). "
        "A profile is a TOML file of the candidate's facts (see the CRS methods page).",
    )
    sub.add_argument(
        "--profile",
        action="extend",
        nargs="+",
        required=True,
        metavar="P.toml",
        help="profile files, one row (or block of rows) each; the name is the file's stem",
    )
    sub.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        dest="as_of",
        type=iso_day,
        help="score as on that day: its rules version, the age from date_of_birth, the tests "
        "(valid 2 years) and ECA (5 years) still valid then (default: today)",
    )
    view = sub.add_mutually_exclusive_group()
    view.add_argument(
        "--timeline",
        metavar="SPAN",
        help="the score month by month over SPAN (24m, 2y) as the candidate ages, gains "
        "Canadian experience (working_in_canada) and tests or the ECA expire",
    )
    view.add_argument(
        "--what-if",
        action="store_true",
        dest="what_if",
        help="the single changes that raise the score (a language ability +1 level, French at "
        "NCLC 7, a year of Canadian work, a second credential, the spouse's language ...), "
        "largest gain first [CRS points]",
    )
    sub.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output format (json adds each profile's breakdown by factor and its notes)",
    )
    sub.set_defaults(func=commands.crs_command)

    sub = subparsers.add_parser(
        "odds",
        help="probability that a candidate (a CRS score or a profile) is invited within a horizon",
    )
    common(sub)
    who = sub.add_mutually_exclusive_group(required=True)
    who.add_argument("--score", type=int, help="the candidate's CRS score [points]")
    who.add_argument(
        "--profile",
        action="extend",
        nargs="+",
        metavar="P.toml",
        help="profile files instead of a score: each is scored on the data's day and counts in "
        "the categories it is eligible for (CEC from a year of Canadian experience, French "
        "from NCLC 7 on all four abilities, its occupation_category)",
    )
    sub.add_argument(
        "--what-if",
        action="store_true",
        dest="what_if",
        help="with --profile: the odds after each single change that raises the score, from "
        "the same simulation, most likely first",
    )
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        metavar="C",
        default=[],
        help="categories the candidate is eligible for, added to a profile's (repeatable; "
        "general rounds always count)",
    )
    sub.add_argument("--within", default="6m", help="horizon: 3m, 6m, 12m, 26w or 90d (default 6m)")
    sub.add_argument("--seed", type=int, default=SEED, help="seed of the simulation")
    sub.add_argument(
        "--paths", type=paths_type, default=2000, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.add_argument(
        "--calibrated",
        action="store_true",
        help="with --score: calibrate the probability on the simulation's errors at the monthly "
        "origins of the 24 months before the day (one projection per origin; the note says what "
        "it was calibrated on)",
    )
    schedule_option(sub)
    sub.set_defaults(func=commands.odds_command)

    sub = subparsers.add_parser(
        "by-size", help="the next round's cutoff at each of several sizes (what-if)"
    )
    common(sub)
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
        type=iso_day,
        help="day of the round (default: the day the schedule model expects it)",
    )
    sub.add_argument("--seed", type=int, default=SEED, help="seed of the simulation")
    sub.add_argument(
        "--paths", type=paths_type, default=1000, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.add_argument(
        "--deterministic",
        action="store_true",
        help="the deterministic expected path instead of Monte Carlo (no intervals)",
    )
    sub.add_argument(
        "--target-cutoff",
        type=int,
        dest="target_cutoff",
        metavar="S",
        help="instead of sizes: the round size whose median cutoff (and 80%% bounds) reaches "
        "this CRS score",
    )
    sub.set_defaults(func=commands.by_size_command)

    sub = subparsers.add_parser(
        "scenarios",
        help="run a grid of round sizes x cadences (or named schedule files) with the same draws",
    )
    common(sub)
    sub.add_argument(
        "--category",
        action="extend",
        nargs="+",
        metavar="C",
        help="grid: the categories whose rounds vary",
    )
    sub.add_argument(
        "--size",
        type=int,
        action="extend",
        nargs="+",
        metavar="N",
        help="grid: invitations per round [candidates]",
    )
    sub.add_argument(
        "--cadence",
        action="extend",
        nargs="+",
        metavar="K",
        help="grid: when the rounds are held: 14d, 2w, 2w-wed, monthly-15, monthly-1thu, "
        "monthly-lastthu, optionally +bd (business days) and +hol (federal holidays skipped)",
    )
    sub.add_argument(
        "--from",
        dest="start",
        metavar="YYYY-MM-DD",
        type=iso_day,
        help="grid: first day of the varied rounds (default: the as-of day)",
    )
    sub.add_argument(
        "--to",
        dest="end",
        metavar="YYYY-MM-DD",
        type=iso_day,
        help="grid: last day of the varied rounds",
    )
    sub.add_argument(
        "--no-fill",
        action="store_false",
        dest="fill",
        help="grid: the other categories hold no round (default: their recent pace)",
    )
    sub.add_argument(
        "--schedule",
        action="extend",
        nargs="+",
        metavar="FILE",
        help="instead of a grid: named scenarios, one TOML schedule file each (named by the file)",
    )
    sub.add_argument(
        "--threshold",
        type=int,
        nargs="+",
        default=[500],
        metavar="S",
        help="track the candidates at or above these CRS scores (default 500)",
    )
    sub.add_argument(
        "--paths", type=paths_type, default=300, dest="n_paths", help="Monte Carlo paths [paths]"
    )
    sub.add_argument("--seed", type=int, default=SEED, help="seed (the same draws in every cell)")
    sub.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="processes running the scenarios"
    )
    sub.add_argument(
        "--yes",
        action="store_true",
        help="run a grid larger than the cell limit (200) without asking",
    )
    sub.add_argument(
        "--all-rounds",
        action="store_true",
        dest="all_rounds",
        help="print every round of every scenario (the tidy frame) instead of the last ones",
    )
    sub.add_argument(
        "--figures",
        metavar="DIR",
        help="write the heat maps and one fan chart per scenario (PNG) into this folder",
    )
    _calibrated(sub)
    sub.set_defaults(func=commands.scenarios_command)

    return parser


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Print a warning as one line, without the source location."""
    print(f"eeforecast: warning: {one_line(message)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the ``eeforecast`` command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            if not getattr(args, "verbose", False):  # findings that change nothing read
                warnings.simplefilter("ignore", FeedNote)
            warnings.showwarning = _show_warning
            return int(args.func(args) or 0)
    except EEForecastError as exc:
        print(f"eeforecast {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:  # e.g. a read-only data folder: one line, nothing half-written
        print(f"eeforecast {args.command}: error: {one_line(exc)}", file=sys.stderr)
        return 2


def one_line(message: object) -> str:
    r"""A message on one line: line breaks and other control characters it quotes (from a file
    name or a URL) are written as escapes.

    >>> one_line("cannot fetch https://x\nHost: y")
    'cannot fetch https://x\\nHost: y'
    """
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in str(message)
    )
