"""``eeforecast update``: fetch IRCC's live feed, validate it, and replace the local copy safely."""

from __future__ import annotations

import http.client
import os
import shutil
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from .. import config
from ..checks import MAX_FILE_BYTES, MAX_TIMEOUT, MIN_TIMEOUT, as_bounded, as_whole
from ..errors import FeedError, UpdateError
from ..files import atomic_path, read_file
from .feed import Feed, FeedWarning
from .load import read_feed
from .parse import parse_feed

__all__ = ["update"]

Opener = Callable[..., object]


#: Bytes asked of the server per read while downloading [bytes].
_CHUNK = 65_536


def update(
    url: str = config.FEED_URL,
    *,
    dest: str | os.PathLike | None = None,
    timeout: float = 30.0,
    max_bytes: int = 20_000_000,
    allowed_hosts: frozenset[str] = config.ALLOWED_HOSTS,
    opener: Opener | None = None,
    force: bool = False,
) -> Path:
    """Download IRCC's live feed, validate it and atomically replace the local copy.

    The previous copy is kept beside it as ``*.previous.json`` (not rewritten when the download is
    byte-identical to it). A local file that is not a valid feed (corrupt, truncated) never
    replaces a valid previous copy: the last good backup is kept, and a warning says so. On any
    failure nothing is replaced.

    Parameters
    ----------
    url : str
        Address of the feed; must be ``https`` on an allowed host.
    dest : path, optional
        Where to write (default :data:`eeforecast.config.LIVE_FEED`).
    timeout : float
        Limit on the whole download, from the request to the last byte [s]; also the limit on
        each network wait, so a stalled download stops after about twice this at most.
        From :data:`eeforecast.checks.MIN_TIMEOUT` to :data:`~eeforecast.checks.MAX_TIMEOUT`.
    max_bytes : int
        Refuse a payload larger than this [bytes]; 1 to
        :data:`eeforecast.checks.MAX_FILE_BYTES` (the most the reader reads).
    allowed_hosts : frozenset of str
        Hosts the feed (and any redirect) may come from.
    opener : callable, optional
        ``opener(request, timeout=...)`` returning a response with ``read(n)`` (and optionally
        ``read1(n)`` and ``geturl()``). Default: a :mod:`urllib.request` opener that checks
        every redirect (https, allowed host) *before* following it. Tests inject a stub.
    force : bool
        Keep a feed whose last round is dated before the last round of the feed it replaces
        (``dest`` if it exists and can be read, else the bundled
        :data:`eeforecast.config.RAW_FEED`). By default such a feed is refused.

    Returns
    -------
    pathlib.Path
        The updated file.

    Raises
    ------
    UpdateError
        Not https, host or redirect not allowed, network or HTTP failure, download slower than
        ``timeout``, payload too large, a payload that is not a valid feed, a feed older than the
        local one (without ``force``), or the file cannot be written.
    """
    timeout = as_bounded(timeout, "timeout", MIN_TIMEOUT, MAX_TIMEOUT)
    max_bytes = as_whole(max_bytes, "max_bytes", minimum=1, maximum=MAX_FILE_BYTES)
    _check_url(url, allowed_hosts)
    dest = Path(dest) if dest is not None else config.LIVE_FEED
    opener = opener or _default_opener(allowed_hosts)
    payload = _download(url, opener, timeout=timeout, max_bytes=max_bytes, hosts=allowed_hosts)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            feed = parse_feed(payload, source=url)
    except FeedError as exc:
        raise UpdateError(
            f"downloaded feed is invalid: {exc}; the local data is unchanged"
        ) from None
    if feed.rounds.empty:
        raise UpdateError(f"{url}: the feed holds no rounds; the local data is unchanged")
    if not force:
        _refuse_older(feed, dest)
    try:
        current = dest.read_bytes() if dest.is_file() else None
        if current == payload:
            return dest  # already up to date: keep the file, its time stamp and the previous copy
        if current is not None:
            backup = dest.with_name(dest.stem + ".previous.json")
            problem = _invalid(current, dest)
            if problem is None or _invalid_file(backup) is not None:
                with atomic_path(backup) as tmp:
                    shutil.copy2(dest, tmp)
            else:  # never replace a good backup with a broken file
                warnings.warn(
                    f"{dest} was not a valid feed ({problem}); it is replaced, and the last good "
                    f"copy {backup} is kept",
                    UserWarning,
                    stacklevel=2,
                )
        with atomic_path(dest) as tmp:
            tmp.write_bytes(payload)
    except OSError as exc:
        where = exc.filename or dest
        raise UpdateError(
            f"cannot write {where}: {exc.strerror or exc}; {dest} is unchanged"
        ) from None
    return dest


def _download(
    url: str, opener: Opener, *, timeout: float, max_bytes: int, hosts: frozenset[str]
) -> bytes:
    """The body at ``url``, read in chunks under a limit on the total time and size."""
    request = urllib.request.Request(url, headers={"User-Agent": "eeforecast-update"})
    start = time.monotonic()
    chunks: list[bytes] = []
    size = 0
    try:
        with opener(request, timeout=timeout) as response:
            final = response.geturl() if hasattr(response, "geturl") else url
            _check_url(final, hosts)
            read = getattr(response, "read1", None) or response.read
            while True:
                chunk = read(_CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise UpdateError(f"{url}: payload larger than {max_bytes:,} bytes; not saved")
                if time.monotonic() - start > timeout:
                    raise UpdateError(
                        f"cannot fetch {url}: the download took longer than the timeout of "
                        f"{timeout:g} s ({size:,} bytes read); the local data is unchanged"
                    )
            short = getattr(response, "length", None)  # http.client: bytes still announced
            if isinstance(short, int) and short > 0:
                raise UpdateError(
                    f"cannot fetch {url}: the connection closed after {size:,} bytes, {short:,} "
                    "more were announced; the local data is unchanged"
                )
    except UpdateError:
        raise
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # URLError, timeouts and HTTP errors are OSErrors; IncompleteRead and BadStatusLine are
        # http.client.HTTPExceptions.
        reason = " ".join(str(exc).split()) or type(exc).__name__  # on one line
        if isinstance(exc, http.client.HTTPException) and type(exc).__name__ not in reason:
            reason = f"{type(exc).__name__}: {reason}"
        raise UpdateError(f"cannot fetch {url}: {reason}; the local data is unchanged") from None
    return b"".join(chunks)


def _invalid(payload: bytes, path: Path) -> str | None:
    """Why ``payload`` (the local file at ``path``) is not a valid feed, or None if it is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            parse_feed(payload, source=str(path))
    except FeedError as exc:
        return str(exc).removeprefix(f"{path}: ")
    return None


def _invalid_file(path: Path) -> str | None:
    """Why the file at ``path`` is not a valid feed (missing, unreadable, corrupt), or None."""
    try:
        payload = read_file(path, what="an IRCC-format JSON feed", error=FeedError)
    except FeedError as exc:
        return str(exc)
    return _invalid(payload, path)


def _refuse_older(feed: Feed, dest: Path) -> None:
    """Raise UpdateError if ``feed`` ends before the feed it would replace."""
    reference = _last_round(dest) if dest.is_file() else None
    if reference is None and config.RAW_FEED.is_file():
        reference = _last_round(config.RAW_FEED)
    if reference is None:
        return
    path, label, day = reference
    last = feed.rounds.iloc[-1]
    if last["date"] < day:
        raise UpdateError(
            f"downloaded feed ends with round #{last['draw_number']} of {last['date']:%Y-%m-%d}, "
            f"before the last round of {path} (round {label} of {day:%Y-%m-%d}); it may be an "
            "old or partial copy, nothing was saved (use --force or force=True to keep it anyway)"
        )


def _last_round(path: Path) -> tuple[Path, str, pd.Timestamp] | None:
    """(path, "#number", date) of the last round of a readable feed, else None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FeedWarning)
            rounds = read_feed(path).rounds
    except FeedError:
        return None
    if rounds.empty:
        return None
    return path, f"#{rounds['draw_number'].iloc[-1]}", rounds["date"].iloc[-1]


class _RedirectGuard(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to an https address on an allowed host; check before sending."""

    def __init__(self, allowed_hosts: frozenset[str]) -> None:
        super().__init__()
        self.allowed_hosts = allowed_hosts

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            _check_url(newurl, self.allowed_hosts)
        except UpdateError as exc:
            fp.close()
            raise UpdateError(f"redirect from {req.full_url!r}: {exc}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _default_opener(allowed_hosts: frozenset[str]) -> Opener:
    """``urlopen``'s handlers, with redirects checked before they are followed."""
    return urllib.request.build_opener(_RedirectGuard(allowed_hosts)).open


def _check_url(url: str, allowed_hosts: frozenset[str]) -> None:
    if not isinstance(url, str) or any(c.isspace() and c != " " or ord(c) < 32 for c in url):
        raise UpdateError(f"refusing {url!r}: a URL holds no control character or line break")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number 0..65535
    except ValueError as exc:
        raise UpdateError(f"refusing {url!r}: not a valid URL ({exc})") from None
    if parts.scheme != "https":
        raise UpdateError(f"refusing {url!r}: only https addresses are fetched")
    if parts.hostname not in allowed_hosts:
        raise UpdateError(
            f"refusing {url!r}: host {parts.hostname!r} is not in {sorted(allowed_hosts)}"
        )
