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

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from eeforecast.evaluation.results import write_page  # noqa: E402

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


def results_page(summary: list[tuple[str, int, list[dict], float]]) -> str:
    """The benchmarks' results page (Markdown), from the measurements of this run."""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, load average "
        f"{os.getloadavg()[0]:.1f} at the end). Each script's docstring says what it measures "
        "and against which reference; the figures depend on the machine and its other load.",
        "",
        "| benchmark | measured | target | ratio | speed-up over the reference |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, status, records, _ in summary:
        if status != 0:
            lines.append(f"| {name}: FAILED | | | | |")
        for rec in records:
            measured = float(rec["measured_s"])
            target = rec.get("target_s")
            ref = rec.get("reference_s")
            lines.append(
                f"| {rec.get('name', name)} | {measured * 1e3:,.1f} ms | "
                + (
                    f"{float(target) * 1e3:,.0f} ms | {measured / float(target):.2f} | "
                    if target
                    else "| | "
                )
                + (f"{float(ref) / measured:,.1f}x |" if ref else "|")
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "pattern", nargs="?", default="", help="run only the benchmarks whose file name has it"
    )
    parser.add_argument(
        "--write-results", action="store_true", help="write docs/results/benchmarks.md"
    )
    args = parser.parse_args(argv)
    write = args.write_results
    scripts = discover(args.pattern)
    if not scripts:
        print(f"no benchmark file name contains {args.pattern!r}", file=sys.stderr)
        return 2
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
    if write:
        print(write_page("benchmarks", results_page(summary)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
