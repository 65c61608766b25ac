"""Files, read and written safely.

Reading (:func:`read_file`): only a regular file, at most a bounded size, so a FIFO, a device or
an endless file is refused with one line instead of blocking or filling the memory. Writing
(:func:`atomic_path`, :func:`atomic_write`): a failed run never leaves a half-written file
behind; :func:`replace_files` puts a set of files in place together (all or none).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from .checks import MAX_FILE_BYTES
from .errors import EEForecastError, OutputError

__all__ = ["atomic_path", "atomic_write", "check_folder", "read_file", "replace_files"]

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}


def read_file(
    path: str | os.PathLike,
    *,
    what: str = "a file",
    noun: str = "",
    limit: int = MAX_FILE_BYTES,
    error: type[EEForecastError] = EEForecastError,
) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    Parameters
    ----------
    path : path
        The file.
    what : str
        What the file should be, for the error ("an IRCC-format JSON feed").
    noun : str
        Its short name in "no such <noun> file" ("feed", "schedule").
    limit : int
        Largest size read [bytes] (default :data:`eeforecast.checks.MAX_FILE_BYTES`).
    error : type
        The exception raised, an :class:`~eeforecast.errors.EEForecastError`.

    Raises
    ------
    EEForecastError
        (``error``) naming the path: missing, not a regular file (a folder, a FIFO, a device, a
        socket: never opened for reading, so nothing blocks), larger than ``limit``, or
        unreadable.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{path}: no such {noun + ' ' if noun else ''}file") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder, expected {what}") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket
            raise error(f"{path}: is a socket, not a regular file; expected {what}") from None
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        kind = stat.S_IFMT(info.st_mode)
        if kind != stat.S_IFREG:
            name = _KINDS.get(kind, "a special file")
            if kind == stat.S_IFDIR:
                raise error(f"{path}: is a folder, expected {what}")
            raise error(f"{path}: is {name}, not a regular file; expected {what}")
        if info.st_size > limit:
            raise error(
                f"{path}: {info.st_size:,} bytes, more than the {limit:,} bytes read at most "
                f"(expected {what})"
            )
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            data = handle.read(limit + 1)  # a file that grows, or says it is empty (/proc)
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > limit:
        raise error(f"{path}: more than the {limit:,} bytes read at most (expected {what})")
    return data


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The temporary file is created in the same folder (so the rename is atomic on POSIX) and removed
    if the block raises. Parent folders are created.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("hello")
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically and return the path."""
    with atomic_path(path) as tmp:
        if isinstance(data, str):
            tmp.write_text(data, encoding="utf-8")
        else:
            tmp.write_bytes(data)
    return Path(path)


def check_folder(path: str | os.PathLike, *, what: str = "output folder") -> Path:
    """Check, before any long computation, that files can be written into folder ``path``.

    The folder may exist or not; its nearest existing ancestor must be a folder in which a
    temporary folder can be made (made and removed at once: the only test that holds for every
    file system, permission scheme and user). Nothing is left behind.

    Raises
    ------
    OutputError
        Naming the path: it is a file, lies inside a file, or cannot be written.
    """
    path = Path(path)
    probe = path
    while not probe.exists() and not probe.is_symlink():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        where = "is a file" if probe == path else f"lies inside the file {probe}"
        raise OutputError(f"{path}: {where}; the {what} must be a folder")
    try:
        tempfile.TemporaryDirectory(prefix=".eeforecast-check-", dir=probe).cleanup()
    except OSError as exc:
        raise OutputError(
            f"{path}: cannot write the {what} ({exc.strerror or exc} in {probe})"
        ) from None
    return path


def replace_files(root: str | os.PathLike, files: Mapping[str, bytes]) -> list[Path]:
    """Put a set of files into folder ``root`` together: all the new ones, or the old ones.

    Every file is written into a temporary folder inside ``root`` (the same file system) and
    checked; then each old file of the set is moved aside, each new one moved in, and the set
    checked again; the old files are removed last. If anything fails, the files moved so far are
    moved back: ``root`` holds the old set, never a mix. Files of ``root`` outside the set are
    never touched.

    Parameters
    ----------
    root : path
        The folder (created if missing).
    files : mapping of str to bytes
        Path relative to ``root`` (``"figures/01-history.png"``) -> content.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order given.

    Raises
    ------
    OutputError
        Naming the file that could not be written; ``root`` is as it was.
    """
    root = Path(root)
    names = [Path(name) for name in files]
    if any(n.is_absolute() or ".." in n.parts for n in names):
        raise ValueError("replace_files: paths must be relative and stay inside root")
    made: list[Path] = []  # folders made here, removed again on failure
    staging = backup = None
    moved_old: list[Path] = []
    moved_new: list[Path] = []
    current = root
    try:
        for folder in sorted({root, *(root / n.parent for n in names)}, key=lambda p: len(p.parts)):
            current = folder
            if not folder.is_dir():
                folder.mkdir(parents=True)
                made.append(folder)
        current = root
        staging = Path(tempfile.mkdtemp(prefix=".eeforecast-new-", dir=root))
        backup = Path(tempfile.mkdtemp(prefix=".eeforecast-old-", dir=root))
        for name, data in zip(names, files.values(), strict=True):
            current = root / name
            target = staging / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(target, 0o666 & ~_umask())
            if target.stat().st_size != len(data):
                raise OSError(errno.EIO, "written size differs", str(current))
        for name in names:
            current = root / name
            if current.is_dir() and not current.is_symlink():  # never move a folder aside
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(current))
        for name in names:
            current = root / name
            if current.exists() or current.is_symlink():
                os.replace(current, backup / _flat(name))
                moved_old.append(name)
        for name in names:
            current = root / name
            os.replace(staging / name, current)
            moved_new.append(name)
        for name, data in zip(names, files.values(), strict=True):
            current = root / name
            if current.stat().st_size != len(data):
                raise OSError(errno.EIO, "changed while writing", str(current))
    except OSError as exc:
        problem = exc.strerror or str(exc)
        if exc.errno == errno.ENOENT:
            problem += " (was the folder removed while writing?)"
        restored = _roll_back(root, backup, moved_new, moved_old, made)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if restored and backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
        state = (
            "the folder is as it was"
            if restored
            else f"some old files could not be put back: they are in {backup}"
        )
        raise OutputError(f"cannot write {current}: {problem}; {state}") from None
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)
    return [root / n for n in names]


def _flat(name: Path) -> str:
    return "__".join(name.parts)


def _roll_back(
    root: Path,
    backup: Path | None,
    moved_new: list[Path],
    moved_old: list[Path],
    made: list[Path],
) -> bool:
    """Undo :func:`replace_files`' moves; True if every old file is back in place."""
    ok = True
    for name in moved_new:
        with contextlib.suppress(OSError):
            (root / name).unlink()
    for name in moved_old:
        try:
            os.replace(backup / _flat(name), root / name)
        except OSError:
            ok = False
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty
    return ok
