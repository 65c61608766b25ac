"""Inverse questions: the round size that brings a category's cutoff to a target
(:func:`size_for_cutoff`)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..checks import as_day, as_generator, as_levels, as_n_paths, as_scores, as_slug, as_whole
from ..data import Feed
from ..errors import ParameterError
from ..forecast import ACTIVE_DAYS
from ..pool import PoolModel
from ..scores import MAX_SCORE
from ..simulate import MAX_ROUND_SIZE, conditional_cutoff, start_from

__all__ = ["size_for_cutoff"]


def size_for_cutoff(
    category: str,
    target: int,
    source: Feed | str | os.PathLike | None = None,
    *,
    as_of: object = None,
    date: object = None,
    pool: PoolModel | None = None,
    n_paths: int | None = 500,
    rng: int | np.random.Generator | None = None,
    levels: Sequence[int] = (80,),
    room: bool = True,
    step: int = 50,
    max_size: int = MAX_ROUND_SIZE,
) -> pd.DataFrame:
    """The size of the category's next round whose cutoff reaches ``target``.

    Parameters
    ----------
    category : str
        Category slug; it must be active (a round in the year before ``as_of``).
    target : int
        The cutoff to reach: the round's cutoff at or below it [CRS points].
    source : Feed, path or None
        The feed (None: the default feed), cut at ``as_of``.
    as_of : date-like, optional
        The day of the question (default: the feed's day).
    date : date-like, optional
        Day of the round (default: the as-of day). No other round is held before it.
    pool : PoolModel, optional
        The pool fitted as of ``as_of``.
    n_paths : int or None
        Monte Carlo paths per size; None: the deterministic expected path (no bounds) [paths].
    rng : int, numpy.random.Generator or None
        Seed; every size uses the same draws (common random numbers).
    levels : sequence of int
        Interval levels of the size [%].
    room : bool
        The room assumption (:func:`eeforecast.simulate.simulate_feed`).
    step : int
        Sizes are searched in multiples of ``step`` [candidates].
    max_size : int
        Largest size considered (:data:`~eeforecast.simulate.MAX_ROUND_SIZE`) [candidates].

    Returns
    -------
    pandas.DataFrame
        One row: ``category, date, target`` [CRS points], ``invitations`` (the smallest size
        whose median cutoff is at or below ``target``) with ``invitations_lo_<L>,
        invitations_hi_<L>`` (the smallest sizes whose lower and upper cutoff bounds are: the
        interval of the size each path needs; missing when beyond ``step..max_size``)
        [candidates], ``cutoff, cutoff_lo_<L>, cutoff_hi_<L>`` at ``invitations`` [CRS points],
        ``past_min, past_max`` (the category's smallest and largest rounds of the past year)
        [candidates] and ``outside_past_year`` (the answer lies outside them).

    Raises
    ------
    ParameterError
        Unknown or inactive category, a target outside 0..1200, or a target that no size
        reaches: at or above the median cutoff of a ``step`` round (any round reaches it) or
        below that of a ``max_size`` round; the message names the bounds.

    Warns
    -----
    UserWarning
        The size lies outside the past year's sizes (an extrapolation).

    Notes
    -----
    With the same draws for every size (common random numbers), a path's cutoff does not rise
    with the size, so the median and each quantile fall with it and the smallest size reaching
    the target is found by bisection on multiples of ``step`` (about 10 simulations per
    quantity). On a path, the size needed is the smallest whose cutoff is at or below the
    target; the sizes reported are the quantiles of that need over the paths.

    Examples
    --------
    >>> row = size_for_cutoff("cec", 505, as_of="2025-12-17", n_paths=None).iloc[0]
    >>> int(row["invitations"]) > 3000
    True
    """
    category = as_slug(category, "category")
    scores = as_scores(target, "target")
    if scores.ndim != 0:
        raise ParameterError(f"target: expected one CRS score 0..{MAX_SCORE}, got {target!r}")
    target = int(scores)
    n_paths = as_n_paths(n_paths)
    levels = as_levels(levels)
    step = as_whole(step, "step")
    max_size = as_whole(max_size, "max_size", minimum=step)
    start = start_from(source, pool=pool, as_of=as_of)
    day = start.day
    if category != "general" and category not in start.state.eligible:
        raise ParameterError(
            f"category {category!r}: unknown, or no pool estimate as of {day:%Y-%m-%d} "
            f"(known: general, {', '.join(sorted(start.state.eligible))})"
        )
    r = start.rounds
    recent = (r["category"] == category) & (r["date"] > day - pd.Timedelta(days=ACTIVE_DAYS))
    if not recent.any():
        raise ParameterError(
            f"category {category!r}: no round of it in the {ACTIVE_DAYS} days before {day:%Y-%m-%d}"
        )
    past = r.loc[recent & (r["invitations"] > 0), "invitations"].to_numpy(dtype=float)
    when = day if date is None else as_day(date, "date")
    seed = rng if isinstance(rng, int | np.integer) else None
    if seed is None:
        seed = int(as_generator(rng).integers(2**63))
    else:
        as_generator(rng)  # a negative or boolean seed is refused here
    cache: dict[int, np.ndarray] = {}

    def cutoffs(k: int) -> np.ndarray:
        """Every path's cutoff with ``k * step`` invitations (cached)."""
        if k not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # thin pools and shortfalls: said by by-size
                res = conditional_cutoff(
                    None, category, k * step, as_of=day, date=when, pool=start.pool,
                    room=room, n_paths=n_paths, rng=seed,
                )  # fmt: skip
            cache[k] = res.cutoff[:, -1].astype(float)
        return cache[k]

    def quantile(k: int, q: float) -> float:
        return float(np.quantile(cutoffs(k), q, method="inverted_cdf"))

    def smallest(q: float) -> int | None:
        """The smallest k with the q-quantile of the cutoff at or below the target."""
        lo, hi = 1, max_size // step
        if quantile(hi, q) > target:
            return None
        if quantile(lo, q) <= target:
            return lo
        while hi - lo > 1:  # invariant: q-quantile above the target at lo, at or below at hi
            mid = (lo + hi) // 2
            lo, hi = (lo, mid) if quantile(mid, q) <= target else (mid, hi)
        return hi

    top = max_size // step
    if quantile(1, 0.5) <= target:
        raise ParameterError(
            f"target: {target} is at or above the median cutoff of a {step}-invitation "
            f"{category} round ({quantile(1, 0.5):.0f}); any round size reaches it"
        )
    if quantile(top, 0.5) > target:
        raise ParameterError(
            f"target: {target} is below the median cutoff of a {top * step:,}-invitation "
            f"{category} round ({quantile(top, 0.5):.0f}), the largest considered (max_size); "
            "no plausible round reaches it"
        )
    k = smallest(0.5)
    row = {"category": category, "date": when, "target": target, "invitations": k * step}
    bounds = [(lv, (100 - lv) / 200) for lv in levels] if n_paths and n_paths > 1 else []
    for level, a in bounds:
        # P(need <= n) = P(cutoff(n) <= target): the a-quantile of the size each path needs is
        # the smallest size whose cutoff's a-quantile reaches the target
        lo, hi = smallest(a), smallest(1 - a)
        row[f"invitations_lo_{level}"] = pd.NA if lo is None else lo * step
        row[f"invitations_hi_{level}"] = pd.NA if hi is None else hi * step
    row["cutoff"] = int(quantile(k, 0.5))
    for level, a in bounds:
        row[f"cutoff_lo_{level}"] = int(quantile(k, a))
        row[f"cutoff_hi_{level}"] = int(quantile(k, 1 - a))
    row["past_min"], row["past_max"] = int(past.min()), int(past.max())
    row["outside_past_year"] = not past.min() <= k * step <= past.max()
    if row["outside_past_year"]:
        warnings.warn(
            f"size_for_cutoff: {category} needs {k * step:,} invitations for a median cutoff of "
            f"{target}, outside its rounds of the past year ({past.min():,.0f}..{past.max():,.0f}): "
            "an extrapolation",
            UserWarning,
            stacklevel=2,
        )
    frame = pd.DataFrame([row])
    for col in [c for c in frame if c.startswith("invitations_")]:
        frame[col] = frame[col].astype("Int64")
    return frame
