"""A cache of fitted pool models, so that a command does not refit the same pool every run.

:func:`cached_fit` returns :func:`~eeforecast.pool.fit_pool`'s model for a feed, an as-of day and a
:class:`~eeforecast.pool.PoolConfig`, from memory or from a file in
:func:`eeforecast.config.cache_dir` when the same question was fitted before. The key holds
everything the fit depends on: the feed's content (its tidy frames, findings and revisions, after
the as-of cut), the day, the settings, and the source code of the stages the fit runs (``data``
and ``pool``) with the versions of Python, numpy and pandas; a change to any of them is a
different key, so a stale model is never read. Files are written atomically and the folder keeps
the :data:`MAX_FILES` most recently used. A file that cannot be read is refitted and rewritten.

The cache folder holds Python pickles: like any pickle, they are only as trustworthy as the
folder. It is the project's own ``data/processed/cache`` unless ``EEFORECAST_CACHE`` moves it;
``EEFORECAST_CACHE=off`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import warnings
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from .. import config as paths
from ..data import Feed, as_feed
from ..files import atomic_write
from .config import PoolConfig
from .fit import fit_pool
from .model import PoolModel

__all__ = ["MAX_FILES", "cached_fit", "fit_key"]

#: Cached model files kept in the cache folder (the least recently used go first).
MAX_FILES = 24
#: Models kept in memory by one process.
_MEMORY: OrderedDict[str, PoolModel] = OrderedDict()
_MEMORY_SIZE = 8


@lru_cache(maxsize=1)
def _code_hash() -> str:
    """A hash of the source files the fit runs (the data and pool stages) and of the versions
    of the libraries it computes with."""
    digest = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    for stage in ("data", "pool"):
        for path in sorted((root / stage).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for part in (__version__, sys.version, np.__version__, pd.__version__, "scores"):
        digest.update(part.encode())
    digest.update((root / "scores.py").read_bytes())
    return digest.hexdigest()


def _frame_hash(frame: pd.DataFrame) -> bytes:
    values = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    return values.tobytes() + ",".join(map(str, frame.columns)).encode()


def fit_key(feed: Feed, *, as_of: object = None, config: PoolConfig | None = None) -> str:
    """The cache key of ``fit_pool(feed, as_of=as_of, config=config)`` (a hex digest)."""
    feed = feed.truncate(as_of=as_of) if as_of is not None else feed
    digest = hashlib.sha256(_code_hash().encode())
    for frame in (feed.rounds, feed.snapshots, feed.totals):
        digest.update(_frame_hash(frame))
    digest.update(repr((feed.as_of, feed.issues, feed.revisions)).encode())
    digest.update(repr(config or PoolConfig()).encode())
    return digest.hexdigest()


def _read(path: Path) -> PoolModel | None:
    try:
        with path.open("rb") as handle:
            model = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return None
    return model if isinstance(model, PoolModel) else None


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("pool-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in files[MAX_FILES:]:
        try:
            stale.unlink()
        except OSError:  # another process pruned it first
            pass


def _said(model: PoolModel) -> PoolModel:
    """The model, after its caveats are warned about as a fresh fit warns about them."""
    for note in model.notes:
        warnings.warn(note, UserWarning, stacklevel=3)
    return model


def cached_fit(
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    config: PoolConfig | None = None,
) -> PoolModel:
    """:func:`~eeforecast.pool.fit_pool`, answered from the cache when the same fit was made.

    Parameters
    ----------
    source, as_of, config
        As for :func:`~eeforecast.pool.fit_pool`.

    Returns
    -------
    PoolModel
        Equal to a fresh fit (the key covers everything the fit reads); its caveats
        (``PoolModel.notes``) are warned about as a fresh fit's are. The
        model is shared with later calls: do not modify its arrays.
    """
    feed = as_feed(source, as_of=as_of)
    key = fit_key(feed, config=config)
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        return _said(_MEMORY[key])
    folder = paths.cache_dir()
    path = folder / f"pool-{key[:40]}.pkl" if folder is not None else None
    model = _read(path) if path is not None and path.is_file() else None
    if model is None:
        model = fit_pool(feed, config=config)
        if path is not None:
            try:
                atomic_write(path, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
                _prune(folder)
            except OSError:  # a read-only or full folder: the fit stands, uncached
                pass
    else:
        _said(model)
        try:
            os.utime(path)  # most recently used
        except OSError:
            pass
    _MEMORY[key] = model
    while len(_MEMORY) > _MEMORY_SIZE:
        _MEMORY.popitem(last=False)
    return model
