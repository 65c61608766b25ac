"""Progress bars for the slow steps, drawn only on an interactive terminal.

A log file or a CI run gets no bar and no carriage-return noise, whatever was asked for:
``show=None`` means "on a terminal", ``show=False`` never, ``show=True`` on a terminal too.
"""

from __future__ import annotations

import sys

__all__ = ["bar", "interactive"]


def interactive() -> bool:
    """True when stderr is a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


class _NoBar:
    """What :func:`bar` returns when nothing is drawn."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def bar(total: int, *, desc: str, unit: str, show: bool | None = None):
    """A tqdm bar on stderr, or an object with the same methods that draws nothing.

    Parameters
    ----------
    total : int
        Steps to count.
    desc, unit : str
        The bar's label and unit.
    show : bool or None
        False: never; otherwise only when stderr is a terminal.
    """
    if show is False or not interactive():
        return _NoBar()
    from tqdm.auto import tqdm  # imported only when a bar is drawn

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
