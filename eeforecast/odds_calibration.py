"""A candidate's odds calibrated on the projection's errors at earlier origins.

The simulated odds (:mod:`eeforecast.odds`) read the lowest cutoff ``L`` of the rounds a candidate
is eligible for within a window from the Monte Carlo paths; its spread is what the model knows, not
what happened. At monthly origins ``t`` before the
day ``o`` whose windows had ended by ``o``, the residual ``r = A - M`` is the actual lowest eligible
cutoff ``A`` of ``(t, t + W]`` minus the median ``M`` of the simulated ``L`` at ``t``
(:func:`odds_residuals`); at ``o`` the calibrated probability of an invitation at score ``s`` is
the share of the pairs of a simulated path and a residual with ``L + r <= s``
(:func:`calibrated_probability`): every path's lowest cutoff moved by the errors the model made
before.
:func:`fit_odds_calibrations` runs one projection per earlier origin and reads every category
set's and window's residuals from it (:func:`fit_odds_calibration` for one of them);
:func:`eeforecast.odds.odds` applies it with ``calibrate=True``, the report for its odds figure.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .checks import as_day, as_generator, as_n_paths, as_scores, as_span, as_whole
from .data import Feed, as_feed
from .errors import ParameterError
from .projection import Projection, eligible_categories, project
from .scores import MAX_SCORE

__all__ = [
    "CALIBRATION_MONTHS",
    "CALIBRATION_PATHS",
    "MIN_RESIDUALS",
    "OddsCalibration",
    "calibrated_probability",
    "calibration_origins",
    "eligible_rounds",
    "fit_odds_calibration",
    "fit_odds_calibrations",
    "lowest_cutoffs",
    "lowest_median",
    "odds_residuals",
    "regime_of",
    "set_name",
    "window_lowest",
]

#: Earlier origins are the first days of the months in this span before the day [months].
CALIBRATION_MONTHS = 24

#: Fewer residuals than this leave the simulated odds as they are [residuals].
MIN_RESIDUALS = 6

#: Monte Carlo paths of each earlier origin's projection [paths].
CALIBRATION_PATHS = 300


def eligible_rounds(rounds: pd.DataFrame, categories) -> tuple[np.ndarray, np.ndarray]:
    """Dates and cutoffs of the rounds a candidate of ``categories`` can be invited in: theirs
    and the general rounds (a round that invited nobody does not count), by date.

    Parameters
    ----------
    rounds : pandas.DataFrame
        ``date, category, invitations, cutoff`` [CRS points].
    categories : str or iterable of str
        The candidate's categories (``general`` is added).
    """
    cats = eligible_categories(categories)
    r = rounds[rounds["category"].isin(cats) & (rounds["invitations"] > 0)]
    r = r.sort_values("date", kind="stable")
    return r["date"].to_numpy(dtype="datetime64[ns]"), r["cutoff"].to_numpy(dtype=float)


def window_lowest(dates: np.ndarray, cutoffs: np.ndarray, start, end) -> float:
    """Lowest cutoff of the rounds dated in ``(start, end]`` [CRS points]; inf when there is
    none (nobody is invited in the window)."""
    lo = np.searchsorted(dates, np.datetime64(pd.Timestamp(start)), side="right")
    hi = np.searchsorted(dates, np.datetime64(pd.Timestamp(end)), side="right")
    return float(cutoffs[lo:hi].min()) if hi > lo else np.inf


def lowest_cutoffs(projection: Projection, categories, within: str) -> np.ndarray:
    """Per path, the lowest cutoff of the rounds a candidate of ``categories`` is eligible for
    within ``within``; inf on a path without one [CRS points], shape (n_paths,)."""
    mask = projection.eligible_rounds(categories, within)
    if not mask.any():
        return np.full(projection.n_paths, np.inf)
    low = projection.cutoffs[:, mask].min(axis=1).astype(float)
    return np.where(low > MAX_SCORE, np.inf, low)


def lowest_median(projection: Projection, categories, within: str) -> float:
    """Median over the paths of :func:`lowest_cutoffs` [CRS points]; inf when no eligible round
    is held on at least half the paths."""
    return float(np.median(lowest_cutoffs(projection, categories, within)))


def calibration_origins(as_of, within: str, months: int = CALIBRATION_MONTHS) -> pd.DatetimeIndex:
    """The earlier origins: the first days of the months from ``months`` before ``as_of`` whose
    windows of length ``within`` had ended by ``as_of``.

    Examples
    --------
    >>> [f"{t:%Y-%m-%d}" for t in calibration_origins("2025-01-01", "3m", months=5)]
    ['2024-08-01', '2024-09-01', '2024-10-01']
    """
    day = as_day(as_of, "as_of")
    span = as_span(within, "within")
    first = day - pd.DateOffset(months=as_whole(months, "months"))
    starts = pd.date_range(first, day, freq="MS")
    return starts[(starts + span) <= day]


def calibrated_probability(lowest, residuals: np.ndarray, scores) -> np.ndarray:
    """The share of the pairs (path, residual) with ``lowest + r <= s`` at each score
    [fraction 0..1].

    Parameters
    ----------
    lowest : float or numpy.ndarray, shape (n_paths,)
        The simulated lowest eligible cutoff of each path at the day, inf on a path without an
        eligible round [CRS points]; one number (the median) gives the median variant.
    residuals : numpy.ndarray
        Actual minus simulated median lowest cutoff at earlier origins [CRS points]; inf for a
        window without an eligible round.
    scores : array of int
        Scores [CRS points].

    Returns
    -------
    numpy.ndarray, shape ``scores.shape``
        Non-decreasing in the score; NaN when there is no residual or no path.

    Examples
    --------
    >>> calibrated_probability(500.0, np.array([-10.0, 0.0, 5.0, np.inf]), [489, 490, 500, 520])
    array([0.  , 0.25, 0.5 , 0.75])
    >>> calibrated_probability(np.array([500.0, np.inf]), np.array([-10.0, 10.0]), [495, 510])
    array([0.25, 0.5 ])
    """
    scores = np.asarray(scores, dtype=float)
    lowest = np.atleast_1d(np.asarray(lowest, dtype=float))
    residuals = np.asarray(residuals, dtype=float)
    if not len(residuals) or not len(lowest):
        return np.full(scores.shape, np.nan)
    lows = np.sort((lowest[:, None] + residuals[None, :]).ravel())  # inf + r stays inf
    return np.searchsorted(lows, scores, side="right") / len(lows)


@dataclass(frozen=True)
class OddsCalibration:
    """The residuals that calibrate a candidate's odds within a window, as known on a day.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day; every residual's window ended by it.
    categories : tuple of str
        The candidate's categories (``general`` first).
    within : str
        The window.
    origins : pandas.DatetimeIndex
        The earlier origins with a residual.
    residuals : numpy.ndarray, shape (len(origins),)
        Actual lowest eligible cutoff minus the simulated median [CRS points]; inf where no
        eligible round was held in the window.
    regime : tuple of bool
        Whether each of ``categories`` invited its whole stock by design (PNP's invite-all
        regime) in the projections; only origins in the day's regime give residuals.
    min_residuals : int
        Fewer residuals than this: the simulated odds are kept [residuals].
    skipped : int
        Earlier origins without a residual (no projection, a median without a round, or another
        regime) [origins].
    """

    as_of: pd.Timestamp
    categories: tuple[str, ...]
    within: str
    origins: pd.DatetimeIndex
    residuals: np.ndarray
    regime: tuple[bool, ...] = ()
    min_residuals: int = MIN_RESIDUALS
    skipped: int = 0
    medians: Mapping = field(default_factory=dict, repr=False)

    @property
    def usable(self) -> bool:
        """Whether there are at least ``min_residuals`` residuals."""
        return len(self.residuals) >= self.min_residuals

    def probability(self, lowest, scores, simulated=None) -> np.ndarray:
        """Calibrated odds at ``scores`` [fraction 0..1] given the day's simulated lowest
        eligible cutoff per path (:func:`lowest_cutoffs`) [CRS points]; ``simulated`` (the
        simulated odds at ``scores``) is returned when the calibration is not usable."""
        scores = as_scores(scores)
        if not self.usable:
            if simulated is None:
                return np.full(scores.shape, np.nan)
            return np.asarray(simulated, dtype=float)
        return calibrated_probability(lowest, self.residuals, scores)

    def note(self) -> str:
        """What the odds were calibrated on, in one sentence."""
        n = len(self.residuals)
        if not n:
            return (
                f"Calibration: no earlier origin with a residual for {'+'.join(self.categories)} "
                f"within {self.within}; the simulated odds are shown."
            )
        span = f"{self.origins.min():%Y-%m} to {self.origins.max():%Y-%m}"
        if not self.usable:
            return (
                f"Calibration: only {n} residual(s) (monthly origins {span}), fewer than "
                f"{self.min_residuals}; the simulated odds are shown."
            )
        empty = int(np.isinf(self.residuals).sum())
        return (
            f"Calibrated: the lowest eligible cutoff within {self.within} of each simulated path "
            f"is moved by each of {n} residuals (actual minus simulated median lowest cutoff at "
            f"the monthly origins {span}, whose windows had ended by {self.as_of:%Y-%m-%d}; "
            f"{empty} of them without an eligible round), every pair equally likely."
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per residual: ``origin, median, residual`` [CRS points]."""
        return pd.DataFrame(
            {
                "origin": self.origins,
                "median": [self.medians.get(t, np.nan) for t in self.origins],
                "residual": self.residuals,
            }
        )


def odds_residuals(
    rounds: pd.DataFrame,
    medians: Mapping[pd.Timestamp, tuple[float, tuple[bool, ...]]],
    *,
    categories,
    within: str,
    as_of: object,
    regime: tuple[bool, ...] = (),
    months: int = CALIBRATION_MONTHS,
    min_residuals: int = MIN_RESIDUALS,
) -> OddsCalibration:
    """The residuals of the simulated median lowest cutoff at the origins before ``as_of``.

    Parameters
    ----------
    rounds : pandas.DataFrame
        The rounds (``date, category, invitations, cutoff``); only those dated on or before
        ``as_of`` are read [CRS points].
    medians : mapping of pandas.Timestamp to (float, tuple of bool)
        Per earlier origin: the simulated median lowest eligible cutoff within ``within``
        (:func:`lowest_median`) [CRS points] and the invite-all regime of each category;
        missing origins give no residual.
    categories : str or iterable of str
        The candidate's categories (``general`` is added).
    within : str
        The window.
    as_of : date-like
        The day.
    regime : tuple of bool
        The day's invite-all regime of each category; only origins in it count.
    months, min_residuals : int
        :func:`calibration_origins`' look-back [months] and the fewest residuals that calibrate
        [residuals].

    Returns
    -------
    OddsCalibration
    """
    day = as_day(as_of, "as_of")
    cats = eligible_categories(categories)
    dates, cutoffs = eligible_rounds(rounds[rounds["date"] <= day], cats)
    span = as_span(within, "within")
    kept, res, skipped = [], [], 0
    for t in calibration_origins(day, within, months):
        med, reg = medians.get(t, (np.inf, None))[:2]
        if not np.isfinite(med) or tuple(reg) != tuple(regime):
            skipped += 1
            continue
        kept.append(t)
        res.append(window_lowest(dates, cutoffs, t, t + span) - med)
    return OddsCalibration(
        as_of=day,
        categories=cats,
        within=str(within),
        origins=pd.DatetimeIndex(kept),
        residuals=np.asarray(res, dtype=float),
        regime=tuple(regime),
        min_residuals=as_whole(min_residuals, "min_residuals"),
        skipped=skipped,
        medians={t: medians[t][0] for t in kept},
    )


def regime_of(projection: Projection, categories) -> tuple[bool, ...]:
    """Whether each of the candidate's categories invites its whole stock by design in
    ``projection`` (PNP's invite-all regime)."""
    return tuple(projection.invite_all(c) for c in eligible_categories(categories))


def set_name(categories) -> str:
    """The name of a category set: its categories other than general joined with ``+``
    (``general`` for a candidate with none), as in
    :meth:`eeforecast.projection.Projection.curves`.

    Examples
    --------
    >>> set_name(("cec", "french")), set_name(())
    ('cec+french', 'general')
    """
    return "+".join(eligible_categories(categories)[1:]) or "general"


def _longest(spans) -> str:
    """The longest of typed spans (the first of equal ones)."""
    day = pd.Timestamp("2000-01-01")
    return max(spans, key=lambda w: day + as_span(w, "withins"))


def fit_odds_calibrations(
    source: Feed | str | os.PathLike | None = None,
    *,
    category_sets,
    withins=("3m", "6m", "12m"),
    as_of: object = None,
    regimes: Mapping[str, tuple[bool, ...]] | None = None,
    months: int = CALIBRATION_MONTHS,
    min_residuals: int = MIN_RESIDUALS,
    n_paths: int | None = CALIBRATION_PATHS,
    span: str | None = None,
    rng: int | np.random.Generator | None = None,
) -> dict[tuple[str, str], OddsCalibration]:
    """Project once at every earlier origin and read the residuals of every category set and
    window from it.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed); each origin sees it as it stood then.
    category_sets : iterable of (str or iterable of str)
        The candidates' category sets (``general`` always counts), e.g. ``[("cec",), ("pnp",)]``.
    withins : iterable of str
        The windows (typed spans, :func:`eeforecast.checks.as_span`).
    as_of : date-like, optional
        The day (default: the feed's last round).
    regimes : mapping of str to tuple of bool, optional
        The day's invite-all regime of each set's categories (:func:`regime_of`), keyed by the
        set's name (:func:`set_name`); a set not in it: all False.
    months : int
        Look-back of the earlier origins [months].
    min_residuals : int
        Fewest residuals that calibrate [residuals].
    n_paths : int or None
        Monte Carlo paths of each earlier projection [paths].
    span : str, optional
        Span of the earlier projections (default: the longest window; never shorter).
    rng : int, numpy.random.Generator or None
        Randomness; the ``k``-th month of the look-back gets the ``k``-th stream spawned from
        it, whatever the windows, so an origin's projection is the same for every window.

    Returns
    -------
    dict of (str, str) to OddsCalibration
        Keyed by ``(set name, within)``.

    Notes
    -----
    One projection per earlier origin of the shortest window (about ``months`` of them), over
    ``span``, on the feed cut at its origin; every set's and window's median lowest eligible
    cutoff is read from it (:func:`lowest_median`), so the cost does not grow with the sets and
    windows. An origin where nothing can be projected (no pool snapshot yet, no round expected)
    gives no residual. :func:`fit_odds_calibration` is this function for one set and window.
    """
    feed = as_feed(source)
    day = feed.rounds["date"].max() if as_of is None else as_day(as_of, "as_of")
    feed = feed.truncate(as_of=day)
    sets = {}
    for cats in category_sets:
        cats = eligible_categories(cats)
        sets.setdefault(set_name(cats), cats)
    withins = tuple(dict.fromkeys(str(w) for w in withins))
    if not sets or not withins:
        raise ParameterError("category_sets, withins: at least one of each")
    n_paths = as_n_paths(n_paths)
    longest = _longest(withins if span is None else (*withins, span))
    shortest = min(withins, key=lambda w: pd.Timestamp("2000-01-01") + as_span(w, "withins"))
    origins = calibration_origins(day, shortest, months)
    # the k-th origin is the k-th month of the look-back for every window: the same stream
    streams = as_generator(rng).spawn(len(origins))
    regimes = dict(regimes or {})
    medians: dict = {(name, w): {} for name in sets for w in withins}
    for t, gen in zip(origins, streams, strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                proj = project(feed.truncate(as_of=t), as_of=t, span=longest, n_paths=n_paths,
                               rng=gen)  # fmt: skip
            except ParameterError:
                continue
        for name, cats in sets.items():
            reg = regime_of(proj, cats)
            for w in withins:
                if t + as_span(w, "withins") <= day:
                    medians[name, w][t] = (lowest_median(proj, cats, w), reg)
    return {
        (name, w): odds_residuals(
            feed.rounds,
            medians[name, w],
            categories=cats,
            within=w,
            as_of=day,
            regime=tuple(regimes.get(name, (False,) * len(cats))),
            months=months,
            min_residuals=min_residuals,
        )  # fmt: skip
        for name, cats in sets.items()
        for w in withins
    }


def fit_odds_calibration(
    source: Feed | str | os.PathLike | None = None,
    *,
    categories=(),
    within: str = "6m",
    as_of: object = None,
    regime: tuple[bool, ...] | None = None,
    months: int = CALIBRATION_MONTHS,
    min_residuals: int = MIN_RESIDUALS,
    n_paths: int | None = CALIBRATION_PATHS,
    span: str | None = None,
    rng: int | np.random.Generator | None = None,
) -> OddsCalibration:
    """Project at every earlier origin and collect the residuals that calibrate the odds of one
    category set within one window (:func:`fit_odds_calibrations` for one set and window).

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed); each origin sees it as it stood then.
    categories : str or iterable of str
        The candidate's categories (``general`` always counts).
    within : str
        The window (a typed span, :func:`eeforecast.checks.as_span`).
    as_of : date-like, optional
        The day (default: the feed's last round).
    regime : tuple of bool, optional
        The day's invite-all regime per category (:func:`regime_of`; default: all False).
    span : str, optional
        Span of the earlier projections (default: ``within``); a longer one gives the residuals
        :func:`fit_odds_calibrations` reads for ``within`` beside longer windows.
    months, min_residuals, n_paths, rng
        As in :func:`fit_odds_calibrations` [months, residuals, paths].

    Returns
    -------
    OddsCalibration
    """
    cats = eligible_categories(categories)
    regimes = None if regime is None else {set_name(cats): tuple(regime)}
    fits = fit_odds_calibrations(
        source, category_sets=[cats], withins=[within], as_of=as_of, regimes=regimes,
        months=months, min_residuals=min_residuals, n_paths=n_paths, span=span, rng=rng,
    )  # fmt: skip
    return fits[set_name(cats), str(within)]
