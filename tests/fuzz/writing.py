"""Output folders that are a file, read-only, full, or vanish while ``report`` / ``data`` write.

Each case runs the command in a subprocess on the bundled feed with a temporary project root
(``EEFORECAST_HOME``), so nothing is written in the checkout. A full disk is a file-size limit
(``RLIMIT_FSIZE``: writes past it fail with EFBIG, as on a full disk they fail with ENOSPC); a
read-only folder bites even for root (the child runs without the capabilities that bypass
permissions, see :func:`fuzz.runner.run_subprocess`).

Checks: a refusal is one clean line, comes before the long computation when the folder is
unusable from the start (``fail_within``), and leaves the folder exactly as it was; a success
leaves every file of the output; no temporary file is ever left; after a failed write the
folder holds the old output or the new one, never a mix.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .feeds import base_bytes, bundled_path
from .runner import Result, Verdict, base_env, judge, leftovers, run_subprocess, snapshot_tree
from .surface import argv

#: Files a report writes (besides forecast.html): figures/<stem>.png and .svg.
REPORT_FILES = 17
PROCESSED = [
    "rounds.csv",
    "snapshots.csv",
    "snapshot_totals.csv",
    "snapshots_wide.csv",
    "issues.txt",
]


@dataclass(frozen=True)
class WriteCase:
    id: str
    command: str  # "report" or "data"
    expect: str  # "written", "refused" or "written-or-refused"
    out: str = "folder"  # folder | old-report | file | inside-file | proc | readonly
    fsize: int | None = None
    unprivileged: bool = False
    vanish: bool = False
    fail_within: float | None = None
    mention: str | None = None
    timeout: float = 300.0
    note: str = ""
    cls: str = "writing"


def catalogue() -> list[WriteCase]:
    return [
        WriteCase("writing/report/baseline", "report", "written", "old-report"),
        WriteCase("writing/report/out-is-file", "report", "refused", "file", fail_within=5,
                  note="--out names an existing file"),
        WriteCase("writing/report/out-inside-file", "report", "refused", "inside-file",
                  fail_within=5),
        WriteCase("writing/report/out-in-proc", "report", "refused", "proc", fail_within=5,
                  note="--out under /proc (nothing can be created there)"),
        WriteCase("writing/report/out-read-only", "report", "refused", "readonly",
                  unprivileged=True, fail_within=5),
        WriteCase("writing/report/disk-full-at-figures", "report", "refused", "old-report",
                  fsize=150_000, mention=r"\.(png|svg|html)",
                  note="writes past 150 kB fail (EFBIG): the first large figure fails"),
        WriteCase("writing/report/disk-full-at-html", "report", "refused", "old-report",
                  fsize=500_000, mention=r"\.(png|svg|html)",
                  note="writes past 500 kB fail: every figure fits, the 1.6 MB HTML does not"),
        WriteCase("writing/report/folder-vanishes", "report", "written-or-refused", "folder",
                  vanish=True, note="the output folder is removed once the first file is "
                  "written under it (a figure or a file of a temporary folder)"),
        WriteCase("writing/data/baseline", "data", "written", "old-data"),
        WriteCase("writing/data/read-only", "data", "refused", "readonly-data",
                  unprivileged=True, fail_within=5),
        WriteCase("writing/data/processed-is-file", "data", "refused", "data-file", fail_within=5),
        WriteCase("writing/data/disk-full", "data", "refused", "old-data", fsize=6_500,
                  mention=r"\.(csv|txt)"),
    ]  # fmt: skip


def _home(work: Path) -> Path:
    home = work / "home"
    raw = home / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy2(bundled_path(), raw / bundled_path().name)
    (home / "data" / "processed").mkdir()
    (home / "reports").mkdir()
    for p in (work, home, home / "data", raw, home / "data" / "processed", home / "reports"):
        p.chmod(0o755)
    return home


def _old_report(out: Path) -> None:
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "forecast.html").write_text("<html>old report</html>\n")
    for i in range(8):
        (out / "figures" / f"old-{i}.png").write_bytes(b"old")


def run_case(case: WriteCase, work: Path) -> tuple[Verdict, Result]:
    work.mkdir(parents=True, exist_ok=True)
    home = _home(work)
    source = work / "feed.json"  # the small base: the same code paths, a faster report
    source.write_bytes(base_bytes("small"))
    processed = home / "data" / "processed"
    out: Path | None = None
    if case.command == "report":
        out = work / "out"
        if case.out == "old-report":
            _old_report(out)
        elif case.out == "file":
            out.write_text("I am a file\n")
        elif case.out == "inside-file":
            (work / "afile").write_text("I am a file\n")
            out = work / "afile" / "out"
        elif case.out == "proc":
            out = Path("/proc/eefuzz-report")
        elif case.out == "readonly":
            out.mkdir()
            _old_report(out)
            out.chmod(0o555)
            (out / "figures").chmod(0o555)
    else:
        if case.out == "old-data":
            for name in PROCESSED:
                (processed / name).write_text("old\n")
        elif case.out == "readonly-data":
            for name in PROCESSED:
                (processed / name).write_text("old\n")
            processed.chmod(0o555)
        elif case.out == "data-file":
            processed.rmdir()
            processed.write_text("I am a file\n")
    watched = out if case.command == "report" else processed
    before = snapshot_tree(watched) if watched.is_dir() else {}
    options = {"source": str(source)}
    if case.command == "report":
        options["out"] = str(out)
    env = base_env(home)
    during = _vanisher(out) if case.vanish else None
    res = run_subprocess(
        argv(case.command, **options),
        timeout=case.timeout,
        env=env,
        cwd=str(home),
        fsize=case.fsize,
        unprivileged=case.unprivileged,
        during=during,
    )
    for p in (out, processed):
        if p is not None and p.is_dir() and not str(p).startswith("/proc"):
            p.chmod(0o755)
            for sub in p.rglob("*"):
                if sub.is_dir():
                    sub.chmod(0o755)
    after = snapshot_tree(watched) if watched.is_dir() else {}
    res.extra.update(before=len(before), after=len(after))
    return _check(case, res, watched, before, after), res


def _vanisher(out: Path) -> Callable:
    """Remove ``out`` once the first file is written under it (a figure, or a file in a
    temporary folder the command writes the report into before swapping it in): the folder
    vanishes while the report is written, whatever the way of writing. (A folder removed after
    the command has written and checked every file is not this case: no command can see it.)"""

    def during(proc):
        deadline = time.monotonic() + 280
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                written = out.is_dir() and any(p.is_file() for p in out.rglob("*"))
            except OSError:  # a temporary file renamed or removed while listing
                written = False
            if written:
                shutil.rmtree(out, ignore_errors=True)
                return
            time.sleep(0.005)

    return during


def _check(case, res, watched, before, after) -> Verdict:
    oracle = "error" if case.expect == "refused" else "any-clean"
    verdict = judge(res, oracle, mention=case.mention, fail_within=case.fail_within, cpu_time=True)
    left = leftovers(watched) if watched.is_dir() else []
    if left:
        return Verdict("wrong", f"temporary files left: {left[:3]}")
    if verdict.outcome == "ok":
        if case.command == "report":
            html = watched / "forecast.html"
            figures = watched / "figures"
            n_fig = (
                len([p for p in figures.glob("*") if p.suffix in (".png", ".svg")])
                if (figures.is_dir())
                else 0
            )
            if not html.is_file() or n_fig < REPORT_FILES - 1:
                return Verdict(
                    "wrong",
                    f"exit 0 but the report is incomplete: forecast.html "
                    f"{'present' if html.is_file() else 'missing'}, {n_fig} of "
                    f"{REPORT_FILES - 1} figures",
                )
        else:
            missing = [n for n in PROCESSED if not (watched / n).is_file()]
            if missing:
                return Verdict("wrong", f"exit 0 but files missing: {missing}")
    if verdict.outcome in ("clean-error", "wrong") and case.expect == "refused":
        changed = sorted(k for k in after if before.get(k) != after.get(k))
        if case.command == "report":
            # the old forecast.html kept beside new figures: a report that matches none
            html_old = "forecast.html" in before and before.get("forecast.html") == after.get(
                "forecast.html"
            )
            new = [k for k in changed if k.startswith("figures/")]
            mixed = html_old and new
            old_kept = ["forecast.html"]
        else:
            old_kept = [k for k in before if k in after and before[k] == after[k]]
            new = changed
            mixed = new and old_kept
        if mixed:
            return Verdict(
                "wrong",
                f"failed run left a mix: {len(new)} new file(s) beside old {old_kept[:2]} "
                f"(e.g. {new[:2]}); {verdict.detail[:160]}",
            )
    return verdict


def run_in_tempdir(case: WriteCase) -> tuple[Verdict, Result]:
    folder = Path(tempfile.mkdtemp(prefix="eefuzz-write-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        return run_case(case, folder / "w")
    finally:
        for p in folder.rglob("*"):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
