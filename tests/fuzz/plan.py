"""How each kind of case is run (shared by :mod:`fuzz.explore` and ``tests/test_fuzz.py``).

Feeds: ``rounds`` and ``pool`` read the ``small`` base in-process (cheap), heavy cases in a
subprocess; ``forecast`` and ``simulate`` read the ``full`` base in a subprocess. Arguments:
in-process unless heavy or a command that writes files (``update``, ``data``, ``report``: those
run in a subprocess with a temporary project root). Files: in a subprocess, except schedule
contents that cannot block in C code.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from . import feeds, surface
from .args import ArgCase
from .files import FileCase
from .runner import Result, Verdict, base_env, judge, run_inprocess, run_subprocess

CHEAP = ("rounds", "pool", "pool-as-of")

#: The day ``pool-as-of`` cuts every feed at: the day before the newest round (2025-12-17), so
#: the as-of logic (snapshots published later, revised snapshots) runs on every mutation.
AS_OF_CUT = "2025-12-16"
EXPENSIVE = ("forecast", "simulate")

#: Time limits [s]: beyond them a run is a hang.
LIMITS = {"rounds": 60, "pool": 60, "pool-as-of": 60, "forecast": 240, "simulate": 240}


def feed_argv(command: str, source: str) -> list[str]:
    """The argv of a feed command (``pool-as-of``: pool cut at :data:`AS_OF_CUT`)."""
    if command == "pool-as-of":
        return surface.argv("pool", source=source, as_of=AS_OF_CUT)
    return surface.argv(command, source=source)


def make_home(folder: Path) -> Path:
    """A temporary project root (``EEFORECAST_HOME``) holding a copy of the bundled feed."""
    home = folder / "home"
    raw = home / "data" / "raw"
    if not raw.is_dir():
        raw.mkdir(parents=True)
        shutil.copy2(feeds.bundled_path(), raw / feeds.bundled_path().name)
        (home / "data" / "processed").mkdir()
        (home / "reports").mkdir()
    return home


def _slug(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:12]


class Workspace:
    """A folder for the payloads, a project root and the baselines of unmutated runs."""

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder or tempfile.mkdtemp(prefix="eefuzz-", dir="/tmp"))
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o755)
        self.home = make_home(self.folder)
        self._baselines: dict[tuple[str, str, str], Result] = {}

    def env(self) -> dict[str, str]:
        return base_env(self.home)

    def write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(data)
        return path

    def baseline(self, command: str, base: str, mode: str) -> Result:
        key = (command, base, mode)
        if key not in self._baselines:
            path = self.write(f"base-{base}.json", feeds.base_bytes(base))
            res = self._run(feed_argv(command, str(path)), command, mode)
            if res.status != 0:
                raise RuntimeError(f"baseline {key} failed: {res.stderr[-500:]}")
            self._baselines[key] = res
        return self._baselines[key]

    def _run(self, argv: list[str], command: str, mode: str, timeout: float | None = None):
        limit = timeout or LIMITS.get(command, 120)
        if mode == "inprocess":
            return run_inprocess(argv, timeout=limit)
        return run_subprocess(argv, timeout=limit, env=self.env(), cwd=str(self.home))

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def feed_mode(case: feeds.FeedCase, command: str) -> str:
    return "inprocess" if command in CHEAP and not case.heavy else "subprocess"


def run_feed(
    ws: Workspace,
    case: feeds.FeedCase,
    command: str,
    timeout: float | None = None,
    mode: str | None = None,
) -> tuple[Verdict, Result]:
    """Run one feed case through ``command`` (``mode``: ``inprocess`` or ``subprocess``,
    default :func:`feed_mode`) and judge it against the run of the unmutated base."""
    base = "small" if command in CHEAP else "full"
    mode = mode or feed_mode(case, command)
    path = ws.write(f"feed-{_slug(case.id)}-{command}.json", case.payload(base))
    try:
        res = ws._run(feed_argv(command, str(path)), command, mode, timeout)
    finally:
        path.unlink(missing_ok=True)
    oracle = case.oracle
    if command == "pool-as-of" and oracle == "finding":
        # the mutated round may be one the cut hides (its findings are not public yet)
        oracle = "any-clean"
    verdict = judge(res, oracle, ws.baseline(command, base, mode), mention=case.mention)
    return verdict, res


def arg_mode(case: ArgCase) -> str:
    return "subprocess" if case.heavy or case.subprocess_only else "inprocess"


def run_arg(ws: Workspace, case: ArgCase) -> tuple[Verdict, Result]:
    argv = list(case.argv)
    if arg_mode(case) == "inprocess":
        res = run_inprocess(argv, timeout=case.timeout)
    else:
        res = run_subprocess(
            argv,
            timeout=case.timeout,
            env=ws.env(),
            cwd=str(ws.home),
            # update: nothing may leave the machine (127.0.0.1:443 refuses the connection)
            resolve={"www.canada.ca": "127.0.0.1"},
        )
    verdict = judge(
        res, case.oracle, mention=case.mention, forbid=case.forbid, fail_within=case.fail_within
    )
    return verdict, res


def file_mode(case: FileCase) -> str:
    return "inprocess" if case.inprocess_ok else "subprocess"


def run_file(
    ws: Workspace, case: FileCase, timeout: float | None = None, mode: str | None = None
) -> tuple[Verdict, Result]:
    """Make the case's file, run the command on it (``mode`` default :func:`file_mode`)."""
    mode = mode or file_mode(case)
    sub = Path(tempfile.mkdtemp(dir=ws.folder))
    sub.chmod(0o755)
    try:
        path = case.setup(sub)
        argv = case.argv(path, str(feeds.bundled_path()))
        limit = timeout or case.timeout
        if mode == "inprocess":
            res = run_inprocess(argv, timeout=limit)
        else:
            res = run_subprocess(
                argv, timeout=limit, env=ws.env(), cwd=str(ws.home),
                unprivileged=case.unprivileged,
            )  # fmt: skip
        verdict = judge(res, case.oracle, mention=case.mention, forbid=case.forbid)
    finally:
        for p in sub.rglob("*"):
            if p.is_dir() and not p.is_symlink():
                os.chmod(p, 0o755)
        shutil.rmtree(sub, ignore_errors=True)
    return verdict, res
