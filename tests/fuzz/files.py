"""Hostile files given as ``--source`` (a feed) or ``--schedule`` (a TOML schedule of rounds).

Each :class:`FileCase` makes its file in a folder (``setup(folder) -> path``), then the command is
run on it in a subprocess (a FIFO or ``/dev/zero`` blocks or eats memory in C code, where no
in-process watchdog can stop it). ``unprivileged`` runs the command without the capabilities that
let root ignore file permissions.

>>> cases = catalogue()
>>> len({c.id for c in cases}) == len(cases)
True
"""

from __future__ import annotations

import codecs
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .feeds import base_bytes
from .surface import argv

#: A schedule the tests can trust (two rounds, one rule).
GOOD_SCHEDULE = """\
[[round]]
date = "2026-01-07"
category = "cec"
invitations = 3000

[[rule]]
category = "pnp"
invitations = {dist = "choice", values = [500, 800], p = [0.5, 0.5]}
every = 14
from = "2026-01-05"
to = "2026-03-01"
"""


@dataclass(frozen=True)
class FileCase:
    cls: str  # files:source or files:schedule
    id: str
    setup: Callable[[Path], str]
    oracle: str = "error"
    timeout: float = 30.0
    unprivileged: bool = False  # file permissions bite even for root
    note: str = ""
    heavy: bool = False  # only in explore (slow or big)
    inprocess_ok: bool = False  # cheap content case that cannot block in C code
    forbid: str | None = None
    mention: str | None = None

    @property
    def kind(self) -> str:
        return self.cls.split(":", 1)[1]

    def argv(self, path: str, feed: str) -> list[str]:
        if self.kind == "source":
            return argv("rounds", source=path)
        return argv("simulate", base=False, source=feed, schedule=path, format="csv")


# --- file makers -------------------------------------------------------------------------------


def _write(name: str, data: bytes | str) -> Callable[[Path], str]:
    def setup(folder: Path) -> str:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)

    return setup


def _fifo(folder: Path) -> str:
    path = folder / "pipe"
    os.mkfifo(path)
    return str(path)


def _device(dev: str) -> Callable[[Path], str]:
    return lambda folder: dev


def _folder(folder: Path) -> str:
    path = folder / "a-folder"
    path.mkdir()
    return str(path)


def _unreadable(data: bytes) -> Callable[[Path], str]:
    def setup(folder: Path) -> str:
        path = folder / "secret"
        path.write_bytes(data)
        path.chmod(0)
        return str(path)

    return setup


def _symlink_loop(folder: Path) -> str:
    a, b = folder / "a", folder / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    return str(a)


def _dangling(folder: Path) -> str:
    link = folder / "dangling"
    link.symlink_to(folder / "nowhere")
    return str(link)


def _long_name(folder: Path) -> str:
    return str(folder / ("x" * 300))


def _socket_file(folder: Path) -> str:
    path = folder / "sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))  # left bound until the folder goes; open() on it fails with ENXIO
    _KEEP.append(s)
    return str(path)


_KEEP: list = []


def _sparse(size: int) -> Callable[[Path], str]:
    def setup(folder: Path) -> str:
        path = folder / "sparse.json"
        with open(path, "wb") as f:
            f.truncate(size)
        return str(path)

    return setup


def _padded_feed(size: int) -> Callable[[Path], str]:
    def setup(folder: Path) -> str:
        path = folder / "padded.json"
        payload = base_bytes("small")
        with open(path, "wb") as f:
            f.write(payload[:-1])
            chunk = b" " * (1 << 20)
            for _ in range(size >> 20):
                f.write(chunk)
            f.write(payload[-1:])
        return str(path)

    return setup


def _toml(text: str, encoding: str = "utf-8", bom: bytes = b"") -> Callable[[Path], str]:
    return _write("plan.toml", bom + text.encode(encoding))


def _nested_toml(depth: int) -> str:
    return "x = " + "[" * depth + "1" + "]" * depth + "\n"


def _nested_inline(depth: int) -> str:
    return "x = " + "{a = " * depth + "1" + "}" * depth + "\n"


def _rule(**fields) -> str:
    base = {"category": '"cec"', "invitations": "1000", "every": "14", "from": '"2026-01-01"',
            "to": '"2026-03-01"'}  # fmt: skip
    base.update({k: v for k, v in fields.items() if v is not None})
    for k in [k for k, v in fields.items() if v is None]:
        base.pop(k, None)
    return "[[rule]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items())


def _round(**fields) -> str:
    base = {"date": '"2026-01-07"', "category": '"cec"', "invitations": "3000"}
    base.update(fields)
    return "[[round]]\n" + "".join(f"{k} = {v}\n" for k, v in base.items())


def _choice(p: str, values: str = "[500, 800]") -> str:
    return _round(invitations=f'{{dist = "choice", values = {values}, p = {p}}}')


def _many_rounds_toml(n: int) -> str:
    return "".join(
        _round(date=f'"{2026 + i // 336:04d}-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}"')
        for i in range(n)
    )


def catalogue() -> list[FileCase]:
    latin1 = "# r\u00e9gles de l'ann\u00e9e\n" + GOOD_SCHEDULE
    feed = base_bytes("small")
    source = [
        FileCase("files:source", "files/source/fifo", _fifo, "any-clean", timeout=10,
                 note="a FIFO nobody writes to"),
        FileCase("files:source", "files/source/dev-zero", _device("/dev/zero"), "any-clean",
                 timeout=60, note="endless NUL bytes"),
        FileCase("files:source", "files/source/dev-urandom", _device("/dev/urandom"), "any-clean",
                 timeout=60, heavy=True),
        FileCase("files:source", "files/source/dev-null", _device("/dev/null"), "error"),
        FileCase("files:source", "files/source/proc-status", _device("/proc/self/status"), "error"),
        FileCase("files:source", "files/source/folder", _folder, "error"),
        FileCase("files:source", "files/source/unreadable", _unreadable(feed), "error",
                 unprivileged=True),
        FileCase("files:source", "files/source/symlink-loop", _symlink_loop, "error"),
        FileCase("files:source", "files/source/dangling-symlink", _dangling, "error"),
        FileCase("files:source", "files/source/name-too-long", _long_name, "error"),
        FileCase("files:source", "files/source/unix-socket", _socket_file, "error"),
        FileCase("files:source", "files/source/sparse-3GB", _sparse(3 << 30), "any-clean",
                 timeout=120, heavy=True, note="3 GB of NUL bytes (a sparse file)"),
        FileCase("files:source", "files/source/padded-200MB", _padded_feed(200 << 20),
                 "any-clean", timeout=120, heavy=True, note="a valid feed padded to 200 MB"),
    ]  # fmt: skip
    schedule = [
        ("fifo", _fifo, "any-clean", {"timeout": 10}),
        ("dev-zero", _device("/dev/zero"), "any-clean", {"timeout": 60}),
        ("dev-null", _device("/dev/null"), "error", {}),
        ("folder", _folder, "error", {}),
        ("unreadable", _unreadable(GOOD_SCHEDULE.encode()), "error", {"unprivileged": True}),
        ("missing", lambda folder: str(folder / "missing.toml"), "error", {}),
        ("good", _toml(GOOD_SCHEDULE), "any-clean", {"inprocess_ok": True}),
        ("latin1", _toml(latin1, "latin-1"), "error", {"inprocess_ok": True}),
        ("utf16", _toml(GOOD_SCHEDULE, "utf-16"), "error", {"inprocess_ok": True}),
        ("utf8-bom", _toml(GOOD_SCHEDULE, bom=codecs.BOM_UTF8), "any-clean",
         {"inprocess_ok": True}),
        ("binary", _write("plan.toml", bytes(range(256)) * 4), "error", {"inprocess_ok": True}),
        ("empty", _toml(""), "error", {"inprocess_ok": True}),
        ("p-words", _toml(_choice('["a", "b"]')), "error", {"inprocess_ok": True}),
        ("p-nested", _toml(_choice("[[0.5], [0.5]]")), "error", {"inprocess_ok": True}),
        ("p-table", _toml(_choice("[{a = 1}, 0.5]")), "error", {"inprocess_ok": True}),
        ("p-bool", _toml(_choice("[true, false]")), "error", {"inprocess_ok": True}),
        ("p-nan", _toml(_choice("[nan, 0.5]")), "error", {"inprocess_ok": True}),
        ("p-negative", _toml(_choice("[1.5, -0.5]")), "error", {"inprocess_ok": True}),
        ("p-scalar", _toml(_choice("0.5")), "error", {"inprocess_ok": True}),
        ("values-words", _toml(_choice("[0.5, 0.5]", '["a", "b"]')), "error",
         {"inprocess_ok": True}),
        ("nested-array-5000", _toml(_nested_toml(5000)), "error", {"inprocess_ok": True}),
        ("nested-array-100", _toml(_nested_toml(100)), "error", {"inprocess_ok": True}),
        ("nested-inline-5000", _toml(_nested_inline(5000)), "error", {"inprocess_ok": True}),
        ("daily-to-2027", _toml(_rule(every="1", to='"2027-06-30"')), "any-clean",
         {"inprocess_ok": True, "note": "a daily rule over 18 months: most rounds run dry"}),
        ("daily-to-2100", _toml(_rule(every="1", to='"2100-01-01"')), "any-clean",
         {"timeout": 120, "note": "a daily rule to 2100 (27,000 rounds)"}),
        ("daily-to-9999", _toml(_rule(every="1", to='"9999-12-31"')), "any-clean",
         {"timeout": 120, "heavy": True, "note": "fails only after ~40 s"}),
        ("to-2262", _toml(_rule(every="7", to='"2262-04-12"')), "any-clean", {"timeout": 120}),
        ("from-year-1", _toml(_rule(**{"from": '"0001-01-01"'})), "any-clean",
         {"inprocess_ok": True}),
        ("every-zero", _toml(_rule(every="0")), "error", {"inprocess_ok": True}),
        ("every-fraction", _toml(_rule(every="1.5")), "error", {"inprocess_ok": True}),
        ("every-1e20", _toml(_rule(every="100000000000000000000")), "any-clean",
         {"inprocess_ok": True}),
        ("every-words", _toml(_rule(every='"weekly"')), "error", {"inprocess_ok": True}),
        ("invitations-1e30", _toml(_round(invitations="1" + "0" * 30)), "any-clean",
         {"inprocess_ok": True, "forbid": r"-9223372036854775808|-\d{12,}"}),
        ("invitations-int64-plus-1", _toml(_round(invitations="9223372036854775808")),
         "any-clean", {"inprocess_ok": True, "forbid": r"-9223372036854775808|-\d{12,}"}),
        ("invitations-1e300", _toml(_round(invitations="1e300")), "any-clean",
         {"inprocess_ok": True}),
        ("invitations-inf", _toml(_round(invitations="inf")), "error", {"inprocess_ok": True}),
        ("invitations-nan", _toml(_round(invitations="nan")), "error", {"inprocess_ok": True}),
        ("invitations-zero", _toml(_round(invitations="0")), "error", {"inprocess_ok": True}),
        ("invitations-string", _toml(_round(invitations='"3,000"')), "error",
         {"inprocess_ok": True}),
        ("normal-sd-negative", _toml(_round(invitations='{dist = "normal", mean = 3000, sd = -1}')),
         "error", {"inprocess_ok": True}),
        ("normal-sd-huge", _toml(_round(invitations='{dist = "normal", mean = 3000, sd = 1e300}')),
         "any-clean", {"inprocess_ok": True}),
        ("uniform-reversed", _toml(_round(invitations='{dist = "uniform", low = 5, high = 1}')),
         "error", {"inprocess_ok": True}),
        ("uniform-huge", _toml(_round(invitations='{dist = "uniform", low = 1, high = 1e300}')),
         "any-clean", {"inprocess_ok": True}),
        ("choice-empty", _toml(_round(invitations='{dist = "choice", values = []}')), "error",
         {"inprocess_ok": True}),
        ("dist-unknown", _toml(_round(invitations='{dist = "poisson", lam = 3}')), "error",
         {"inprocess_ok": True}),
        ("date-toml-datetime", _toml(_round(date="2026-01-07T07:32:00Z")), "any-clean",
         {"inprocess_ok": True}),
        ("date-toml-date", _toml(_round(date="2026-01-07")), "any-clean", {"inprocess_ok": True}),
        ("date-integer", _toml(_round(date="20260107")), "error", {"inprocess_ok": True}),
        ("date-year-9999", _toml(_round(date='"9999-12-31"')), "any-clean",
         {"inprocess_ok": True, "mention": r"^(?!.*no pool snapshot)"}),
        ("date-before-as-of", _toml(_round(date='"2020-01-01"')), "any-clean",
         {"inprocess_ok": True}),
        ("category-upper", _toml(_round(category='"CEC"')), "any-clean", {"inprocess_ok": True}),
        ("category-number", _toml(_round(category="5")), "error", {"inprocess_ok": True}),
        ("unknown-key", _toml("[[rounds]]\ndate = 1\n"), "error", {"inprocess_ok": True}),
        ("round-missing-field", _toml('[[round]]\ndate = "2026-01-07"\n'), "error",
         {"inprocess_ok": True}),
        ("round-not-table", _toml("round = 5\n"), "error", {"inprocess_ok": True}),
        ("rounds-10000", _toml(_many_rounds_toml(10000)), "any-clean",
         {"timeout": 120, "note": "10,000 explicit rounds"}),
        ("rules-2000", _toml("".join(_rule() for _ in range(2000))), "any-clean",
         {"timeout": 120}),
    ]  # fmt: skip
    cases = source + [
        FileCase("files:schedule", f"files/schedule/{slug}", setup, oracle, **meta)
        for slug, setup, oracle, meta in schedule
    ]
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "duplicate file case ids"
    return cases
