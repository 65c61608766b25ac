"""One reader of the ``rng`` argument every random function takes."""

from __future__ import annotations

import numpy as np

from .errors import ParameterError


def as_generator(rng: object, name: str = "rng") -> np.random.Generator:
    """A numpy Generator from a seed, a Generator (used as is), a SeedSequence or None.

    Parameters
    ----------
    rng : int, numpy.random.Generator, numpy.random.SeedSequence or None
        A seed is a whole number >= 0; None draws fresh entropy (not reproducible).
    name : str
        The parameter named in the error.

    Raises
    ------
    ParameterError
        Any other value (a string, a float, a negative number, Python's ``random.Random``).

    Examples
    --------
    >>> bool(as_generator(7).integers(10) == as_generator(7).integers(10))
    True
    >>> as_generator("7")
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: rng: expected a seed (whole number >= 0), a numpy Generator or None, got '7'
    """
    if isinstance(rng, np.random.Generator):
        return rng
    seed_ok = isinstance(rng, int | np.integer) and not isinstance(rng, bool) and rng >= 0
    if rng is None or seed_ok or isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    raise ParameterError(
        f"{name}: expected a seed (whole number >= 0), a numpy Generator or None, got {rng!r}"
    )
