"""The reading, forecast and simulate commands on a feed 87 times the size of IRCC's.

The large feed: 34,000 plausible rounds from 2015-01-31 to 2025-12-17 (about nine a day, one pool
snapshot a day, built by the fuzz suite's ``volume/34000-rounds`` case, 46 MB). Each command runs
as a whole process (``rounds``, ``forecast --horizon 2``, ``simulate --draw cec:3000``, with the
cache of fitted pool models off), once on the bundled feed (389 rounds) and once on the large one;
the report prints both times and their ratio. No step may be super-linear in the rounds: the
ratio should stay near or below the ratio of sizes (87), and each command on the large feed
within its target.

Run ``python benchmarks/bench_volume.py`` (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from fuzz.feeds import bundled_path, many_rounds  # noqa: E402

N_ROUNDS = 34_000

#: Targets on the large feed, whole process, 2 cores [s].
TARGETS = {"rounds": 30.0, "forecast": 120.0, "simulate": 60.0}

COMMANDS = {
    "rounds": ["rounds", "--format", "csv"],
    "forecast": ["forecast", "--horizon", "2", "--quiet", "--format", "csv"],
    "simulate": ["simulate", "--draw", "cec:3000", "--format", "csv"],
}


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "eeforecast", *argv], check=True, capture_output=True, env=env
    )
    return time.perf_counter() - start


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="eeforecast-bench-volume-"))
    large = folder / "feed-34000.json"
    large.write_bytes(many_rounds(N_ROUNDS))
    env = dict(os.environ, EEFORECAST_CACHE="off", MPLBACKEND="Agg")
    env.pop("EEFORECAST_FEED", None)
    for name, argv in COMMANDS.items():
        small = timed([*argv, "--source", str(bundled_path())], env)
        big = timed([*argv, "--source", str(large)], env)
        print(
            f"eeforecast {name}: bundled feed (389 rounds) {small:.1f} s, {N_ROUNDS:,} rounds "
            f"{big:.1f} s: {big / small:.1f}x the time for {N_ROUNDS / 389:.0f}x the rounds "
            f"(target {TARGETS[name]:.0f} s)"
        )
        print("BENCH " + json.dumps({
            "name": f"eeforecast {name} on {N_ROUNDS:,} rounds, whole process",
            "measured_s": big, "target_s": TARGETS[name], "bundled_s": small,
        }))  # fmt: skip
    large.unlink()
    folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
