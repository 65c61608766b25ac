"""Run every ``benchmarks/bench_*.py`` and print a summary of timings against targets.

Each benchmark is run as a script in its own process (``python bench_x.py``), so one cannot
disturb another's caches or imports, and prints its own report. A benchmark reports a measurement
by printing a line ``BENCH {json}`` with keys

* ``name``: what was measured;
* ``measured_s``: the time measured [s];
* ``target_s`` (optional): the target [s]; the summary prints ``measured/target`` (<= 1 meets it);
* ``reference_s`` (optional): the time of the reference implementation [s]; the summary prints
  the speed-up ``reference/measured``;
* ``min_speedup`` (optional): the speed-up required.

Usage: ``python benchmarks/run.py [PATTERN]`` (``make bench``); ``PATTERN`` filters file names.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(pattern: str = "") -> list[Path]:
    """The benchmark scripts, sorted by name."""
    return sorted(p for p in HERE.glob("bench_*.py") if pattern in p.name)


def run_one(path: Path) -> tuple[int, list[dict], float]:
    """Run one benchmark script, echo its output, return (exit status, BENCH records, wall s)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(path)], stdout=subprocess.PIPE, text=True, cwd=HERE.parent
    )
    records = []
    for line in proc.stdout:
        if line.startswith("BENCH "):
            try:
                records.append(json.loads(line[6:]))
            except json.JSONDecodeError:
                print(f"  (unreadable BENCH line: {line.strip()})")
            continue
        print(line, end="", flush=True)
    status = proc.wait()
    return status, records, time.perf_counter() - start


def _row(rec: dict) -> str:
    measured = float(rec["measured_s"])
    parts = [f"{rec.get('name', '?'):<58}", f"{measured * 1e3:>10.1f} ms"]
    if rec.get("target_s"):
        ratio = measured / float(rec["target_s"])
        parts.append(
            f"target {float(rec['target_s']) * 1e3:>8.0f} ms  ratio {ratio:5.2f} "
            f"{'met' if ratio <= 1 else 'MISSED'}"
        )
    if rec.get("reference_s"):
        speedup = float(rec["reference_s"]) / measured
        need = rec.get("min_speedup")
        verdict = "" if not need else (" met" if speedup >= need else " MISSED")
        shown = f"{speedup:,.0f}" if speedup >= 10 else f"{speedup:.2f}"  # parallel ratios ~1-2
        parts.append(f"speed-up {shown}x" + (f" (target {need:.0f}x{verdict})" if need else ""))
    return "  ".join(parts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    scripts = discover(argv[0] if argv else "")
    if not scripts:
        print("no benchmarks found")
        return 1
    summary: list[tuple[str, int, list[dict], float]] = []
    for path in scripts:
        print(f"=== {path.name} " + "=" * max(0, 70 - len(path.name)), flush=True)
        status, records, wall = run_one(path)
        summary.append((path.name, status, records, wall))
    print("\n=== summary " + "=" * 66)
    failed = 0
    for name, status, records, wall in summary:
        flag = "ok" if status == 0 else f"FAILED (exit {status})"
        failed += status != 0
        print(f"{name}: {flag}, {wall:.1f} s")
        for rec in records:
            print("  " + _row(rec))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
