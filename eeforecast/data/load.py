"""Finding and loading a feed: which file is read, a cache, and the as-of cut.

``source=`` everywhere in the package is a :class:`~eeforecast.data.feed.Feed`, a path to an
IRCC-format JSON file, or None for the default feed (:func:`default_source`); :func:`as_feed` is the
one place that turns it into a feed cut at ``as_of``.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import replace
from pathlib import Path

from .. import config
from ..errors import FeedError, ParameterError
from ..files import read_file
from .feed import Feed, FeedWarning
from .parse import parse_feed

__all__ = ["as_feed", "default_source", "load_feed", "read_feed"]


def default_source() -> Path:
    """The feed read when no source is given.

    ``$EEFORECAST_FEED`` if set; else ``data/raw/ee_rounds_live.json`` when ``eeforecast update``
    has fetched one; else the bundled snapshot :data:`eeforecast.config.RAW_FEED`.
    """
    env = os.environ.get("EEFORECAST_FEED")
    if env:
        return Path(env)
    return config.LIVE_FEED if config.LIVE_FEED.exists() else config.RAW_FEED


def read_feed(source: str | os.PathLike | None = None) -> Feed:
    """Read an IRCC-format feed file (default: :func:`default_source`).

    Raises :class:`~eeforecast.errors.FeedError` if the file is missing, not a regular file
    (a FIFO, a device), larger than :data:`eeforecast.checks.MAX_FILE_BYTES`, or cannot be
    parsed.
    """
    path = Path(source) if source is not None else default_source()
    payload = read_file(path, what="an IRCC-format JSON feed", noun="feed", error=FeedError)
    return parse_feed(payload, source=str(path))


_CACHE: dict[tuple[str, int, int], Feed] = {}


def load_feed(source: str | os.PathLike | None = None, *, as_of: object = None) -> Feed:
    """Read a feed (cached by path, size and modification time) and cut it at ``as_of``.

    Parameters
    ----------
    source : path, optional
        An IRCC-format JSON feed. Default: :func:`default_source`.
    as_of : str or pandas.Timestamp, optional
        Behave as if it were that day: keep rounds dated on or before it and pool snapshots whose
        ``distribution_as_of`` is on or before it and that were published by then (with one of
        those rounds); see :meth:`Feed.truncate`.

    Returns
    -------
    Feed
        Its frames are copies: editing them does not change what later calls return.

    Examples
    --------
    >>> feed = load_feed(as_of="2024-03-26")
    >>> last = feed.rounds.iloc[-1]
    >>> last["draw_number"], last["category"], int(last["invitations"]), int(last["cutoff"])
    ('291', 'french', 1500, 388)
    """
    path = Path(source) if source is not None else default_source()
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None
    feed = _CACHE.get(key) if key else None
    if feed is None:
        with warnings.catch_warnings():  # said below, for the rounds kept
            warnings.simplefilter("ignore", FeedWarning)
            feed = read_feed(path)
        if key:
            _CACHE.clear()
            _CACHE[key] = feed
    feed = feed.truncate(as_of=as_of)
    # the cached feed is shared: hand out copies of its frames so a caller's edits stay theirs
    feed = replace(
        feed,
        rounds=feed.rounds.copy(),
        snapshots=feed.snapshots.copy(),
        totals=feed.totals.copy(),
    )
    feed.warn(stacklevel=2)
    return feed


def as_feed(source: Feed | str | os.PathLike | None = None, *, as_of: object = None) -> Feed:
    """The feed named by ``source``, cut at ``as_of``.

    Parameters
    ----------
    source : Feed, path or None
        A feed (cut here), a path to an IRCC-format feed, or None for :func:`default_source`.
    as_of : date-like, optional
        Behave as if it were that day (:meth:`Feed.truncate`).

    Raises
    ------
    ParameterError
        ``source`` is none of these (naming its type).
    FeedError
        The file cannot be read.
    """
    if source is None or isinstance(source, str | os.PathLike):
        return load_feed(source, as_of=as_of)
    if not isinstance(source, Feed):
        raise ParameterError(
            f"source: expected an eeforecast.data.Feed, a path or None, got {type(source).__name__}"
        )
    return source.truncate(as_of=as_of) if as_of is not None else source
