"""``eeforecast update`` against a local HTTPS server (loopback only, nothing leaves the machine).

The command runs in a subprocess exactly as a user runs it, ``update --url
https://www.canada.ca:PORT/path``, with two standard-library shims in the child (see
:data:`fuzz.runner.BOOT`): ``www.canada.ca`` resolves to 127.0.0.1, and ``SSL_CERT_FILE`` points to
a self-signed certificate made for ``www.canada.ca`` (``openssl`` must be on the PATH). So the
package's real opener, TLS verification, redirect checks, size and time limits are exercised.
``EEFORECAST_HOME`` is a temporary project root: the live feed is
``HOME/data/raw/ee_rounds_live.json``, its backup ``ee_rounds_live.previous.json``.

Checks after every case (besides the exit status / error line):

* refused: the live file and its backup are byte-identical to before, no temporary file is left;
* updated: the live file is the served payload;
* always: a backup that was a valid feed is still a valid feed (the last good copy is never lost).
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import http.server
import json
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .feeds import base_doc, bundled_path, dump, nested
from .runner import Result, Verdict, base_env, judge, leftovers, run_subprocess
from .surface import argv

LIVE = "ee_rounds_live.json"
PREVIOUS = "ee_rounds_live.previous.json"


# --- payloads ----------------------------------------------------------------------------------------


def _newer_doc() -> dict:
    """The bundled feed plus a made-up round #389 of 2025-12-18 (newer than the bundled one)."""
    doc = base_doc("full")
    new = copy.deepcopy(doc["rounds"][1])  # a CEC round
    new.update(drawNumber="389", drawDate="2025-12-18", drawDateFull="December 18, 2025",
               drawSize="2,000", drawCRS="510")  # fmt: skip
    doc["rounds"].insert(0, new)
    return doc


def payloads() -> dict[str, bytes]:
    bundled = bundled_path().read_bytes()
    older = base_doc("full")
    older["rounds"] = older["rounds"][5:]
    newer = _newer_doc()
    deep = _newer_doc()
    deep["rounds"][0]["mitext"] = "@NEST@"
    deep_bytes = dump(deep).replace(b'"@NEST@"', nested(5000).encode(), 1)
    huge = _newer_doc()
    huge["rounds"][0]["drawSize"] = "99999999999999999999"
    oob = _newer_doc()
    oob["rounds"][0]["drawDate"] = "9999-12-31"
    grouped = _newer_doc()
    grouped["rounds"][0]["drawSize"] = "1,5"
    return {
        "bundled": bundled,
        "older": dump(older),
        "newer": dump(newer),
        "newer-bom": b"\xef\xbb\xbf" + dump(newer),
        "newer-utf16": dump(newer).decode().encode("utf-16"),
        "corrupt": dump(newer)[:-300],
        "deep": deep_bytes,
        "huge-count": dump(huge),
        "year-9999": dump(oob),
        "grouping-1,5": dump(grouped),
        "empty": b"",
        "no-rounds": b'{"classes": "wb-tables", "rounds": []}',
        "html": b"<!DOCTYPE html><html><body>Service unavailable</body></html>",
        "padded-25MB": dump(newer)[:-1] + b" " * (25 << 20) + b"}",
    }


# --- the server ------------------------------------------------------------------------------------


def make_certificate(folder: Path, host: str) -> tuple[Path, Path]:
    """A self-signed certificate and key for ``host`` (openssl)."""
    cert, key = folder / f"{host}.crt", folder / f"{host}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
         "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={host}",
         "-addext", f"subjectAltName=DNS:{host}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    cert.chmod(0o644)
    return cert, key


class Server:
    """A threaded HTTPS server on 127.0.0.1 answering from ``routes`` (path -> behaviour).

    Behaviours: ``("body", status, headers, bytes)``, ``("drip", bytes, parts, pause_s)``,
    ``("redirect", status, location)``, ``("short", bytes, announced)`` (Content-Length says
    more than is sent), ``("stall", seconds)`` (no answer for that long),
    ``("endless", chunk)`` (chunked body that never ends, bounded to 60 s).
    """

    def __init__(self, cert: Path, key: Path):
        self.routes: dict[str, tuple] = {}
        self.hits: list[str] = []
        routes, hits = self.routes, self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802
                hits.append(self.path)
                spec = routes.get(self.path, ("body", 404, {}, b"not found"))
                kind = spec[0]
                try:
                    if kind == "body":
                        _, status, headers, body = spec
                        self.send_response(status)
                        for k, v in headers.items():
                            self.send_header(k, v)
                        self.send_header("Content-Length", str(len(body)))
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.wfile.write(body)
                    elif kind == "drip":
                        _, body, parts, pause = spec
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        step = max(1, len(body) // parts)
                        for i in range(0, len(body), step):
                            self.wfile.write(body[i : i + step])
                            self.wfile.flush()
                            time.sleep(pause)
                    elif kind == "redirect":
                        _, status, location = spec
                        self.send_response(status)
                        self.send_header("Location", location)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    elif kind == "short":
                        _, body, announced = spec
                        self.send_response(200)
                        self.send_header("Content-Length", str(announced))
                        self.end_headers()
                        self.wfile.write(body)
                        self.wfile.flush()
                        self.close_connection = True
                    elif kind == "stall":
                        time.sleep(spec[1])
                        self.close_connection = True
                    elif kind == "endless":
                        self.send_response(200)
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        chunk = spec[1]
                        stop = time.monotonic() + 60
                        while time.monotonic() < stop:
                            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                    self.close_connection = True

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"https://www.canada.ca:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- cases -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateCase:
    id: str
    routes: dict = field(hash=False)  # path -> behaviour; "{url:/x}" in a location is expanded
    expect: str  # "updated", "refused", "same" (already up to date) or "any-clean"
    live: str | None = None  # payload name of the live file before, "folder", or None
    previous: str | None = None  # payload name of the backup before
    options: dict = field(default_factory=dict, hash=False)  # surface options
    served: str | None = None  # payload name the live file must hold when updated
    mention: str | None = None
    timeout: float = 60.0
    fail_within: float | None = None
    unprivileged: bool = False  # file permissions bite (a read-only data folder)
    readonly_raw: bool = False
    fsize: int | None = None  # a full disk: file size limit [bytes]
    trust: bool = True  # SSL_CERT_FILE given
    cert: str = "www.canada.ca"
    note: str = ""
    cls: str = "update"

    @property
    def path(self) -> str:
        """The served path (neutral: an error line naming it must not match a ``mention``)."""
        import hashlib

        return f"/f{hashlib.sha1(self.id.encode()).hexdigest()[:10]}/feed.json"


def _body(name: str, status: int = 200, headers: dict | None = None) -> tuple:
    return ("body", status, headers or {}, name)  # name resolved to bytes by the runner


def catalogue() -> list[UpdateCase]:
    c = []

    def add(slug, route, expect, **kw):
        c.append(UpdateCase(f"update/{slug}", {"": route}, expect, **kw))

    add("fresh/no-live", _body("newer"), "updated", served="newer")
    add("fresh/bundled-equal", _body("bundled"), "updated", served="bundled")
    add("replace/good-live", _body("newer"), "updated", live="bundled", served="newer")
    add("replace/good-live-and-previous", _body("newer"), "updated", live="bundled",
        previous="older", served="newer")  # fmt: skip
    add("identical", _body("bundled"), "same", live="bundled", previous="older")
    add("older/refused", _body("older"), "refused", live="bundled", previous="older")
    add("older/forced", _body("older"), "updated", live="bundled", served="older",
        options={"force": True})  # fmt: skip
    add("bom", _body("newer-bom"), "any-clean", live="bundled")
    for name in ["corrupt", "empty", "no-rounds", "html", "newer-utf16", "grouping-1,5"]:
        add(f"payload/{name}", _body(name), "refused", live="bundled", previous="older")
    for name in ["deep", "huge-count", "year-9999"]:
        add(f"payload/{name}", _body(name), "refused", live="bundled", previous="older",
            note="the same payload classes that make the reader fail")  # fmt: skip
    add("too-large/default-limit", _body("padded-25MB"), "refused", live="bundled",
        note="25 MB against the default 20,000,000-byte limit")  # fmt: skip
    add("too-large/max-bytes-1000", _body("newer"), "refused", live="bundled",
        options={"max_bytes": "1000"}, mention=r"larger than 1,000 bytes")  # fmt: skip
    add("max-bytes/zero", _body("newer"), "refused", live="bundled",
        options={"max_bytes": "0"}, mention=r"(?i)max.?bytes|larger than 0 bytes")  # fmt: skip
    add("max-bytes/negative", _body("newer"), "refused", live="bundled",
        options={"max_bytes": "-1"}, mention=r"(?i)max.?bytes")  # fmt: skip
    for slug, value in [("zero", "0"), ("negative", "-1"), ("nan", "nan")]:
        add(f"timeout/{slug}", _body("newer"), "refused", live="bundled",
            options={"net_timeout": value}, mention=r"(?i)timeout")  # fmt: skip
    add("timeout/inf", _body("newer"), "any-clean", live="bundled",
        options={"net_timeout": "inf"})  # fmt: skip
    add("timeout/1e308", _body("newer"), "any-clean", live="bundled",
        options={"net_timeout": "1e308"})  # fmt: skip
    add("slow/drip", ("drip", "newer", 20, 0.25), "refused", live="bundled",
        options={"net_timeout": "1"}, fail_within=4, note="5 s of dripping, timeout 1 s")  # fmt: skip
    add("slow/stall", ("stall", 20), "refused", live="bundled", options={"net_timeout": "1"},
        fail_within=4, timeout=30)  # fmt: skip
    add("slow/endless", ("endless", b"x" * 65536), "refused", live="bundled",
        options={"max_bytes": "5000000"}, timeout=60)  # fmt: skip
    add("short-body", ("short", "newer", 10_000_000), "refused", live="bundled")
    for status in (404, 500, 304, 204):
        add(f"http/{status}", _body("newer", status=status), "refused", live="bundled")
    add("gzip-encoded", _body("newer-gzip", headers={"Content-Encoding": "gzip"}), "any-clean",
        live="bundled")  # fmt: skip
    add("redirect/http", ("redirect", 302, "http://www.canada.ca/feed.json"), "refused",
        live="bundled")  # fmt: skip
    add("redirect/foreign", ("redirect", 301, "https://example.org/feed.json"), "refused",
        live="bundled")  # fmt: skip
    add("redirect/file", ("redirect", 302, "file:///etc/passwd"), "refused", live="bundled")
    add("redirect/loop", ("redirect", 302, "{url:self}"), "refused", live="bundled")
    c.append(UpdateCase(
        "update/redirect/allowed",
        {"": ("redirect", 301, "{url:/moved/target.json}"), "/moved/target.json": _body("newer")},
        "updated", live="bundled", served="newer",
    ))  # fmt: skip
    add("tls/wrong-host", _body("newer"), "refused", live="bundled", cert="example.org")
    add("tls/untrusted", _body("newer"), "refused", live="bundled", trust=False)
    add("url/bad-ipv6", _body("newer"), "refused", options={"url": "https://[bad/x"})
    add("url/port-out-of-range", _body("newer"), "refused",
        options={"url": "https://www.canada.ca:99999/x.json"})  # fmt: skip
    # the local files
    add("local/live-corrupt-previous-good", _body("newer"), "updated", live="corrupt",
        previous="bundled", served="newer",
        note="a corrupt live file must not replace the last good backup")  # fmt: skip
    add("local/live-corrupt-no-previous", _body("newer"), "updated", live="corrupt",
        served="newer")  # fmt: skip
    add("local/live-folder", _body("newer"), "refused", live="folder")
    add("local/raw-read-only", _body("newer"), "refused", live="bundled", previous="older",
        unprivileged=True, readonly_raw=True)  # fmt: skip
    add("local/disk-full", _body("newer"), "refused", live="bundled", previous="older",
        fsize=200_000, note="file size limit 200 kB: the backup copy or the new file fails")  # fmt: skip
    add("local/disk-full-no-previous", _body("newer"), "refused", live="bundled",
        fsize=200_000)  # fmt: skip
    return c


# --- running ------------------------------------------------------------------------------------------


class Lab:
    """The certificates and the server, shared by the cases of one run."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o755)
        self.cert, self.key = make_certificate(folder, "www.canada.ca")
        self.other_cert, self.other_key = make_certificate(folder, "example.org")
        self.bundle = folder / "bundle.pem"
        self.bundle.write_bytes(self.cert.read_bytes() + self.other_cert.read_bytes())
        self.bundle.chmod(0o644)
        self.payloads = payloads()
        self.payloads["newer-gzip"] = gzip.compress(self.payloads["newer"], mtime=0)
        self.servers = {
            "www.canada.ca": Server(self.cert, self.key),
            "example.org": Server(self.other_cert, self.other_key),
        }

    def close(self) -> None:
        for server in self.servers.values():
            server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def openssl_available() -> bool:
    return shutil.which("openssl") is not None


def _valid_feed(data: bytes | None) -> bool:
    """A JSON document with a non-empty ``rounds`` list (judged without the package)."""
    if data is None:
        return False
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(doc, dict) and isinstance(doc.get("rounds"), list) and bool(doc["rounds"])


def run_case(case: UpdateCase, lab: Lab, work: Path) -> tuple[Verdict, Result]:
    """Set up the project root, serve the case's routes, run ``update``, check the files."""
    home = work / case.id.replace("/", "_")
    raw = home / "data" / "raw"
    raw.mkdir(parents=True)
    shutil.copy2(bundled_path(), raw / bundled_path().name)
    (home / "data" / "processed").mkdir()
    for p in (work, home, home / "data", raw):
        p.chmod(0o755)
    live, previous = raw / LIVE, raw / PREVIOUS
    if case.live == "folder":
        live.mkdir()
    elif case.live:
        live.write_bytes(lab.payloads[case.live])
    if case.previous:
        previous.write_bytes(lab.payloads[case.previous])
    before = {p.name: (p.read_bytes() if p.is_file() else None) for p in (live, previous)}
    if case.readonly_raw:
        raw.chmod(0o555)
    server = lab.servers[case.cert]
    for sub, spec in case.routes.items():
        spec = _resolve(spec, lab, server, case)
        server.routes[case.path if sub == "" else sub] = spec
    url = case.options.get("url") or server.url(case.path)
    options = {k: v for k, v in case.options.items() if k != "url"}
    env = base_env(home, HOME=str(home), MPLCONFIGDIR=str(home / ".mpl"))
    # trusts both test certificates: a wrong-host case fails on the name, not on trust
    env["SSL_CERT_FILE"] = str(lab.bundle if case.trust else lab.folder / "nothing.pem")
    res = run_subprocess(
        argv("update", url=url, **options),
        timeout=case.timeout,
        env=env,
        cwd=str(home),
        resolve={"www.canada.ca": "127.0.0.1", "example.org": "127.0.0.1"},
        fsize=case.fsize,
        unprivileged=case.unprivileged,
    )
    raw.chmod(0o755)
    after = {p.name: (p.read_bytes() if p.is_file() else None) for p in (live, previous)}
    res.extra["files_before"] = {k: (len(v) if v is not None else None) for k, v in before.items()}
    res.extra["files_after"] = {k: (len(v) if v is not None else None) for k, v in after.items()}
    return _check(case, res, before, after, lab, raw), res


def _resolve(spec: tuple, lab: Lab, server: Server, case: UpdateCase) -> tuple:
    kind = spec[0]
    if kind == "body":
        _, status, headers, name = spec
        return ("body", status, headers, lab.payloads[name] if isinstance(name, str) else name)
    if kind == "drip":
        return ("drip", lab.payloads[spec[1]], spec[2], spec[3])
    if kind == "short":
        return ("short", lab.payloads[spec[1]], spec[2])
    if kind == "redirect":
        location = spec[2]
        if location == "{url:self}":
            location = server.url(case.path)
        elif location.startswith("{url:"):
            location = server.url(location[5:-1])
        return ("redirect", spec[1], location)
    return spec


def _check(case, res, before, after, lab, raw) -> Verdict:
    oracle = {"updated": "any-clean", "same": "any-clean", "refused": "error"}.get(
        case.expect, "any-clean"
    )
    verdict = judge(res, oracle, mention=case.mention, fail_within=case.fail_within)
    if verdict.outcome == "clean-error" or (
        verdict.outcome == "wrong" and "misleading" in verdict.detail
    ):
        if after != before:
            changed = [k for k in after if after[k] != before[k]]
            return Verdict("wrong", f"refused but changed {changed}")
    if verdict.outcome == "ok":
        if case.expect == "updated" and case.served:
            if after[LIVE] != lab.payloads[case.served]:
                return Verdict("wrong", "reported success but the live file is not the download")
        if case.expect == "same" and after != before:
            return Verdict("wrong", "identical download but the files changed")
    if case.expect in ("updated", "same") and verdict.outcome == "clean-error":
        return Verdict("wrong", f"refused a good update: {verdict.detail}")
    # the last good copy is never lost
    if _valid_feed(before[PREVIOUS]) and not _valid_feed(after[PREVIOUS]):
        return Verdict(
            "wrong", "the last good backup (*.previous.json) was replaced by an invalid file"
        )
    if _valid_feed(before[LIVE]) and not (_valid_feed(after[LIVE]) or _valid_feed(after[PREVIOUS])):
        return Verdict("wrong", "no valid copy of the feed is left")
    left = leftovers(raw)
    if left:
        return Verdict("wrong", f"temporary files left: {left}")
    return verdict


@contextlib.contextmanager
def lab_in_tempdir():
    folder = Path(tempfile.mkdtemp(prefix="eefuzz-update-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        with Lab(folder / "lab") as lab:
            yield lab, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
