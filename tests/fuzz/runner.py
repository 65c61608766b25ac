"""Run one case and classify what happened.

Two ways to run the ``eeforecast`` command:

* :func:`run_inprocess` calls ``eeforecast.cli.main(argv)`` in this process (cheap: no imports),
  with stdout and stderr captured as a UTF-8 terminal would encode them, and a SIGALRM watchdog
  (main thread only) that stops a run after ``timeout`` seconds. For inputs that cannot hang in
  C code or exhaust memory.
* :func:`run_subprocess` starts ``python -c BOOT`` (which calls the same ``main``) in its own
  process group, with a hard time limit (the group is killed), an address-space limit, optional
  file-size limit (a full disk), optional host map (``www.canada.ca`` -> 127.0.0.1 for the local
  HTTPS server) and optionally without the capabilities that let root ignore permissions.

Outcomes (:data:`OUTCOMES`):

``ok``              exit 0 (and the oracle holds)
``clean-error``     exit 2, exactly one non-warning line on stderr, no traceback (and the oracle
                    holds)
``traceback``       a Python traceback
``hang``            the time limit was reached
``crash``           killed by a signal or another exit status, without a traceback
``unclear-error``   exit 2 but not exactly one error line
``warning-flood``   more than :data:`FLOOD` warning lines
``wrong``           the oracle is violated: a feed that must be refused was accepted, output that
                    must equal the unmutated feed's differs, a finding is missing, a message
                    names the wrong thing, a file was half-written, ...
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

OUTCOMES = (
    "ok",
    "clean-error",
    "traceback",
    "hang",
    "crash",
    "unclear-error",
    "warning-flood",
    "wrong",
)
PASSING = ("ok", "clean-error")

#: More warning lines than this is a flood [lines].
FLOOD = 50

#: Address-space limit of a subprocess [bytes] (``/dev/zero`` must not eat the machine).
MEMORY_LIMIT = 6 << 30

WARNING_PREFIX = "eeforecast: warning:"

#: Prefix that runs a command as root without the capabilities that bypass file permissions.
DROP_PRIVILEGES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]


def can_drop_privileges() -> bool:
    """Whether permission cases can run: not root, or root with ``setpriv``."""
    import shutil

    return os.geteuid() != 0 or shutil.which("setpriv") is not None


#: The subprocess entry: optional limits and host map, then ``eeforecast.cli.main(argv)``.
BOOT = r"""
import json, os, sys
cfg = json.loads(sys.argv[1])
import resource
if cfg.get("memory"):
    resource.setrlimit(resource.RLIMIT_AS, (cfg["memory"], cfg["memory"]))
if cfg.get("fsize") is not None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (cfg["fsize"], cfg["fsize"]))
if cfg.get("resolve"):
    import socket
    _real = socket.getaddrinfo
    _map = cfg["resolve"]
    def _getaddrinfo(host, *args, **kwargs):
        return _real(_map.get(host, host), *args, **kwargs)
    socket.getaddrinfo = _getaddrinfo
sys.argv = ["eeforecast", *cfg["argv"]]
from eeforecast.cli import main
sys.exit(main(cfg["argv"]))
"""


@dataclass
class Result:
    """What one run of the command did."""

    argv: list[str]
    status: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    mode: str = "inprocess"
    extra: dict = field(default_factory=dict)

    @property
    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith(WARNING_PREFIX)]

    @property
    def other_lines(self) -> list[str]:
        """Non-empty stderr lines that are not warnings (the error line, a traceback, noise)."""
        return [
            line
            for line in self.stderr.splitlines()
            if line.strip() and not line.startswith(WARNING_PREFIX)
        ]


@dataclass
class Verdict:
    outcome: str
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome in PASSING


# --- running ---------------------------------------------------------------------------------------


class _Timeout(BaseException):
    """Raised by the watchdog inside the run (a BaseException: ``except Exception`` lets it by)."""


def run_inprocess(argv: list[str], timeout: float = 30.0) -> Result:
    """``eeforecast.cli.main(argv)`` here, stdout/stderr captured; a traceback is formatted into
    stderr as Python would print it, exit status 1."""
    from eeforecast.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", errors="strict", write_through=True)
    err = io.TextIOWrapper(
        err_bytes, encoding="utf-8", errors="backslashreplace", write_through=True
    )
    watchdog = threading.current_thread() is threading.main_thread() and timeout
    previous = None
    timed_out = False
    status: int | None

    def _alarm(signum, frame):
        raise _Timeout()

    start = time.monotonic()
    if watchdog:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(list(argv))
            except SystemExit as exc:
                code = exc.code
                if code is None:
                    status = 0
                elif isinstance(code, int):
                    status = code
                else:
                    print(code, file=sys.stderr)
                    status = 1
            except _Timeout:
                timed_out, status = True, None
            except KeyboardInterrupt:
                raise
            except BaseException:  # noqa: BLE001 - the point is to see it
                sys.stderr.write(traceback.format_exc())
                status = 1
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
    except _Timeout:  # fired while unwinding
        timed_out, status = True, None
    finally:
        if watchdog:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    seconds = time.monotonic() - start
    return Result(
        list(argv),
        status,
        out_bytes.getvalue().decode("utf-8", "replace"),
        err_bytes.getvalue().decode("utf-8", "replace"),
        seconds,
        timed_out,
        "inprocess",
    )


def base_env(home: str | os.PathLike | None = None, **extra: str) -> dict[str, str]:
    """Environment of a subprocess: UTF-8 locale, headless matplotlib, ``EEFORECAST_HOME`` (so
    nothing is written in the checkout), no ``EEFORECAST_FEED`` unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EEFORECAST_", "PYTEST_", "COV_")) and k != "PYTHONPATH"
    }
    env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", MPLBACKEND="Agg", PYTHONHASHSEED="0")
    if home is not None:
        env["EEFORECAST_HOME"] = str(home)
    env.update(extra)
    return env


def run_subprocess(
    argv: list[str],
    *,
    timeout: float = 60.0,
    env: dict[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    memory: int | None = MEMORY_LIMIT,
    fsize: int | None = None,
    resolve: dict[str, str] | None = None,
    unprivileged: bool = False,
    during=None,
) -> Result:
    """Run the command in a subprocess (its own process group, killed at ``timeout``).

    ``unprivileged``: make file permissions bite even when the tests run as root (the child
    runs without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH and CAP_FOWNER, via ``setpriv``).
    ``during(proc)`` is called once the process has started (e.g. to remove a folder while it
    writes); it runs in a thread.
    """
    cfg = {"argv": list(argv), "memory": memory, "fsize": fsize, "resolve": resolve}
    if env is None:
        env = base_env()
    command = [sys.executable, "-c", BOOT, json.dumps(cfg)]
    if unprivileged and os.geteuid() == 0:
        command = [*DROP_PRIVILEGES, *command]
    start = time.monotonic()
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out_f,
            stderr=err_f,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        helper = None
        if during is not None:
            helper = threading.Thread(target=during, args=(proc,), daemon=True)
            helper.start()
        timed_out = False
        status, cpu = _wait(proc, timeout)
        if status is None:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the group we started, nothing else
            proc.wait()
        if helper is not None:
            helper.join(timeout=5)
        seconds = time.monotonic() - start
        out_f.seek(0)
        err_f.seek(0)
        stdout = out_f.read().decode("utf-8", "replace")
        stderr = err_f.read().decode("utf-8", "replace")
    res = Result(list(argv), status, stdout, stderr, seconds, timed_out, "subprocess")
    if cpu is not None:
        res.extra["cpu"] = cpu
    return res


def _wait(proc: subprocess.Popen, timeout: float) -> tuple[int | None, float | None]:
    """(exit status or None at the time limit, the child's CPU time [s] or None if unknown),
    reaping the child with ``os.wait4`` to read its resource use."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere (a helper's poll())
            return proc.wait(), None
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            return None, None
        time.sleep(0.02)


# --- classifying -----------------------------------------------------------------------------------

_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)', re.MULTILINE)


def traceback_summary(stderr: str) -> tuple[str, str]:
    """(exception line, deepest package frame ``eeforecast/file.py:function``) of the last
    traceback in ``stderr``."""
    last = stderr.rfind("Traceback (most recent call last)")
    block = stderr[last:] if last >= 0 else stderr
    frames = _FRAME.findall(block)
    package = [f for f in frames if "/eeforecast/" in f[0].replace(os.sep, "/")]
    deepest = ""
    if package:
        path, line, func = package[-1]
        deepest = f"eeforecast/{path.replace(os.sep, '/').split('/eeforecast/')[-1]}:{func}"
    lines = block.splitlines()
    frame_lines = [i for i, ln in enumerate(lines) if _FRAME.match(ln)]
    exc = ""
    for ln in lines[(frame_lines[-1] + 1 if frame_lines else 0) :]:
        if ln.strip() and not ln[0].isspace() and not ln.startswith(WARNING_PREFIX):
            exc = ln.strip()
            break
    return exc[:300], deepest


def classify(res: Result, *, flood: int = FLOOD) -> Verdict:
    """The outcome without an oracle: ok, clean-error or a failure."""
    if res.timed_out:
        return Verdict("hang", f"no result after {res.seconds:.0f} s")
    if "Traceback (most recent call last)" in res.stderr:
        exc, deepest = traceback_summary(res.stderr)
        return Verdict("traceback", f"{exc} @ {deepest or '?'}")
    if len(res.warnings) > flood:
        return Verdict("warning-flood", f"{len(res.warnings)} warning lines")
    if res.status == 2:
        other = res.other_lines
        if len(other) == 1 and other[0].startswith("eeforecast"):
            return Verdict("clean-error", other[0][:400])
        return Verdict("unclear-error", f"{len(other)} error lines: {' | '.join(other)[:300]}")
    if res.status == 0:
        return Verdict("ok")
    if res.status is not None and res.status < 0:
        return Verdict("crash", f"killed by signal {-res.status}: {res.stderr[-200:]!r}")
    return Verdict("crash", f"exit status {res.status}: {res.stderr[-300:]!r}")


def judge(
    res: Result,
    oracle: str = "any-clean",
    baseline: Result | None = None,
    *,
    mention: str | None = None,
    forbid: str | None = None,
    fail_within: float | None = None,
    cpu_time: bool = False,
    flood: int = FLOOD,
) -> Verdict:
    """Classify ``res`` and check the oracle.

    ``baseline``: the run of the unmutated input (for ``same`` and ``finding``).
    ``mention``: a regex the error line must match when the input is refused.
    ``forbid``: a regex stdout must not match (e.g. a wrapped negative count).
    ``fail_within``: a refusal must come within this many seconds; with ``cpu_time``, seconds
    of the command's CPU time when known (a refusal "before the computation": on a shared,
    loaded machine the wall time measures the machine, not the command).
    """
    verdict = classify(res, flood=flood)
    if not verdict.passed:
        return verdict
    error = verdict.outcome == "clean-error"
    if error:
        if mention and not re.search(mention, verdict.detail):
            return Verdict("wrong", f"misleading message (expected /{mention}/): {verdict.detail}")
        spent = res.extra.get("cpu", res.seconds) if cpu_time else res.seconds
        if fail_within is not None and spent > fail_within:
            unit = "s of CPU time" if cpu_time and "cpu" in res.extra else "s"
            return Verdict("wrong", f"refused only after {spent:.1f} {unit} (> {fail_within:g} s)")
    if forbid and re.search(forbid, res.stdout):
        found = re.search(forbid, res.stdout).group(0)
        return Verdict("wrong", f"output holds {found!r}")
    if oracle == "error":
        if not error:
            return Verdict("wrong", "accepted an input that must be refused")
    elif oracle == "finding":
        if not error:
            new = _new_warnings(res, baseline)
            if not new:
                return Verdict("wrong", "read without a finding")
    elif oracle in ("same", "same-or-error"):
        if error and oracle == "same":
            return Verdict(
                "wrong", f"refused an input equivalent to the original: {verdict.detail}"
            )
        if not error and baseline is not None:
            diff = _difference(res, baseline)
            if diff:
                return Verdict("wrong", f"output differs from the unmutated input: {diff}")
    elif oracle != "any-clean":
        raise ValueError(f"unknown oracle {oracle!r}")
    return verdict


def _new_warnings(res: Result, baseline: Result | None) -> list[str]:
    seen = set(baseline.warnings) if baseline is not None else set()
    return [w for w in res.warnings if w not in seen]


def _difference(res: Result, baseline: Result) -> str:
    if res.stdout != baseline.stdout:
        a, b = baseline.stdout.splitlines(), res.stdout.splitlines()
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                return f"line {i + 1}: {x[:90]!r} -> {y[:90]!r}"
        return f"{len(a)} lines -> {len(b)} lines"
    if sorted(res.warnings) != sorted(baseline.warnings):
        extra = sorted(set(res.warnings) - set(baseline.warnings))
        lost = sorted(set(baseline.warnings) - set(res.warnings))
        return f"warnings differ (+{extra[:1]} -{lost[:1]})"
    return ""


# --- files -------------------------------------------------------------------------------------------


def snapshot_tree(root: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """``relative path -> (size, mtime_ns)`` of every file under ``root`` (for "nothing changed"
    and "nothing half-written" checks)."""
    root = Path(root)
    out = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*")):
        if path.is_file() or path.is_symlink():
            st = path.lstat()
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


def leftovers(root: str | os.PathLike) -> list[str]:
    """Temporary files left under ``root`` (``.*.tmp`` and the like)."""
    root = Path(root)
    if not root.exists():
        return []
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and (p.name.endswith((".tmp", ".part", "~")) or p.name.startswith(".#"))
    )
