"""The command-line surface the harness drives, in one place.

Subcommand flags may be renamed while the package is restructured: every argv the harness builds
goes through :data:`FLAGS` and :data:`COMMANDS`, so a rename is a one-line change here.
"""

from __future__ import annotations

import sys

#: How to start the command in a subprocess (``python -m eeforecast`` is the stable entry).
PROG = [sys.executable, "-m", "eeforecast"]

#: logical option name -> flag on the command line.
FLAGS: dict[str, str] = {
    "source": "--source",
    "as_of": "--as-of",
    "format": "--format",
    "category": "--category",
    "url": "--url",
    "net_timeout": "--timeout",
    "max_bytes": "--max-bytes",
    "force": "--force",
    "draw": "--draw",
    "schedule": "--schedule",
    "paths": "--paths",
    "seed": "--seed",
    "horizon": "--horizon",
    "level": "--level",
    "jobs": "--jobs",
    "quiet": "--quiet",
    "start": "--start",
    "end": "--end",
    "weeks": "--weeks",
    "threshold": "--threshold",
    "out": "--out",
    "score": "--score",
    "within": "--within",
    "size": "--size",
    "date": "--date",
    "rows": "--rows",
}

#: Flags that take no value.
SWITCHES = {"force", "quiet", "rows"}

#: The baseline argv of each subcommand: cheap settings that still exercise the command
#: (few Monte Carlo paths, machine-readable output, no progress bar).
COMMANDS: dict[str, dict[str, object]] = {
    "rounds": {"format": "csv"},
    "pool": {"format": "csv"},
    "data": {},
    "update": {},
    "simulate": {"draw": "cec:3000", "format": "csv"},
    "forecast": {"quiet": True, "format": "csv", "horizon": "2", "jobs": "1"},
    "backtest": {"quiet": True, "format": "csv", "start": "2025-06-01", "horizon": "1"},
    "backlog": {"format": "csv", "paths": "20", "weeks": "8"},
    "report": {"quiet": True, "paths": "50"},
    "odds": {"format": "csv", "score": "480", "category": "cec", "paths": "50"},
    "by-size": {"format": "csv", "category": "cec", "size": "3000", "paths": "50"},
}

#: The commands every mutated feed goes through (cheap ones in-process, the rest in a
#: subprocess); the last two are expensive and run on a sample.
FEED_COMMANDS = ("rounds", "pool", "forecast", "simulate")


def argv(command: str, *, base: bool = True, **options: object) -> list[str]:
    """The argv of ``command`` with the baseline options (unless ``base=False``) overridden by
    ``options`` (logical names; a value of ``None`` drops the option, a list repeats the flag
    with each value, a tuple gives one flag with several values).

    >>> argv("odds", score="-1")[:3]
    ['odds', '--format', 'csv']
    >>> argv("rounds", base=False, as_of="2025-01-01")
    ['rounds', '--as-of', '2025-01-01']
    """
    merged: dict[str, object] = dict(COMMANDS[command]) if base else {}
    merged.update(options)
    out = [command]
    for name, value in merged.items():
        if value is None or value is False:
            continue
        flag = FLAGS[name]
        if name in SWITCHES:
            out.append(flag)
        elif isinstance(value, list):
            for item in value:
                out += [flag, str(item)]
        elif isinstance(value, tuple):
            out += [flag, *map(str, value)]
        else:
            out += [flag, str(value)]
    return out
