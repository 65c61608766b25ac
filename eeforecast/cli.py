"""The ``eeforecast`` command: a thin layer over the Python API.

Every command takes ``--source`` (an IRCC-format feed instead of the bundled one), ``--as-of`` (behave as
if it were that day) and, where it prints data, ``--format table|csv|json``. Errors caused by input print
one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings

import pandas as pd

from . import __version__
from .errors import EEForecastError

FORMATS = ("table", "csv", "json")


def emit(frame: pd.DataFrame, fmt: str = "table", file=None) -> None:
    """Print ``frame`` as an aligned table, CSV or JSON records (dates as ISO strings)."""
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
    elif fmt == "json":
        file.write(out.to_json(orient="records", indent=1, double_precision=10) + "\n")
    else:
        with pd.option_context(
            "display.max_rows", None, "display.max_columns", None, "display.width", 200
        ):
            file.write(out.to_string(index=False, na_rep="") + "\n")


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
        help="behave as if it were that day: only rounds and pool snapshots "
        "dated on or before it exist",
    )
    if prints_data:
        parser.add_argument(
            "--format",
            choices=FORMATS,
            default="table",
            help="output format (csv and json are machine-readable)",
        )


def _load(args):
    from .feed import load_feed

    return load_feed(args.source, as_of=args.as_of)


# --- foundation commands (lead) ---------------------------------------------------------------


def _cmd_rounds(args) -> int:
    rounds = _load(args).rounds
    if args.category:
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
    from .feed import update

    path = update(args.url, timeout=args.timeout, max_bytes=args.max_bytes)
    print(f"updated {path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``eeforecast`` command."""
    parser = argparse.ArgumentParser(
        prog="eeforecast",
        description="Express Entry pool model, round simulation and cutoff forecasts.",
    )
    parser.add_argument("--version", action="version", version=f"eeforecast {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub = subparsers.add_parser("rounds", help="print the tidy rounds of invitations")
    _common(sub)
    sub.add_argument(
        "--category", action="append", metavar="C", help="only this category slug (repeatable)"
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
    sub.add_argument("--timeout", type=float, default=30.0, help="network timeout [s]")
    sub.add_argument(
        "--max-bytes",
        type=int,
        default=20_000_000,
        dest="max_bytes",
        help="refuse a payload larger than this [bytes]",
    )
    sub.set_defaults(func=_cmd_update)

    # --- pool & simulation commands (pool/simulate engineers) ---------------------------------

    # --- forecast commands (forecast engineer) ------------------------------------------------

    # --- report commands (report engineer) ----------------------------------------------------

    return parser


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
