"""A candidate's odds: the probability of an invitation within a span, given a CRS score.

One Monte Carlo simulation of the forecast round schedule (:func:`eeforecast.projection.project`)
answers the question for every score at once, and for a score that changes over time
(:func:`odds_path`; :func:`odds_over_time` for a CRS profile as it ages and gains experience). A candidate with score ``s`` is invited in a round
they are eligible for when ``s`` is above the round's cutoff, or equal to it with the share of tied
candidates invited; a round that ran out of eligible candidates invited all of them. The
probability for any score, category set and span is then a count over paths
(:func:`eeforecast.projection.invitation_probability`), so it is fast, and monotone in the score by
construction. :func:`odds` is the one-call interface (``eeforecast odds``, also with
``--profile``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import crs
from .checks import as_day, as_months, as_scores, as_span
from .data import LABELS, Feed
from .errors import ParameterError
from .pool import PoolModel, ThinPoolWarning, thin_note
from .projection import (
    TIE_SHARE,
    Projection,
    eligible_categories,
    invitation_probability,
    project,
)

__all__ = ["ASSUMPTIONS", "OddsResult", "odds", "odds_over_time", "odds_path", "validate"]

ASSUMPTIONS = (
    "Assumptions: rounds follow the forecast schedule (each category active in the last 12 "
    "months keeps its recent pace, each round's size drawn from the category's last 12 sizes; "
    "categories without a round in the last 12 months hold none; no policy change); the pool "
    "receives its estimated inflow with its variability; the candidate's score stays fixed and "
    "the profile stays active over the horizon; general rounds always count; at a cutoff tie the "
    "candidate is invited with the share of tied candidates invited (one half where the engine "
    "does not report it), as IRCC breaks ties by profile submission time; a round that runs out "
    "of eligible candidates invites everybody eligible."
)


@dataclass
class OddsResult:
    """A candidate's probability of an invitation within a horizon.

    Attributes
    ----------
    score : int
        CRS score [CRS points].
    categories : tuple of str
        Categories the candidate is eligible for (``general`` always first).
    within : str
        Horizon.
    probability : float
        Probability of at least one invitation within the horizon [fraction 0..1].
    se : float
        Monte Carlo standard error of ``probability`` [fraction].
    as_of : pandas.Timestamp
        Day of the question.
    rounds : int
        Scheduled rounds the candidate is eligible for within the horizon [rounds].
    n_paths : int
        Monte Carlo paths [paths].
    note : str
        The assumptions behind the number.
    """

    score: int
    categories: tuple[str, ...]
    within: str
    probability: float
    se: float
    as_of: pd.Timestamp
    rounds: int
    n_paths: int
    note: str = ASSUMPTIONS

    def to_frame(self) -> pd.DataFrame:
        """One row: ``as_of, score, categories, within, rounds, probability, se``."""
        return pd.DataFrame(
            [
                {
                    "as_of": self.as_of,
                    "score": self.score,
                    "categories": "+".join(self.categories),
                    "within": self.within,
                    "rounds": self.rounds,
                    "probability": round(self.probability, 4),
                    "se": round(self.se, 4),
                }
            ]
        )

    def __str__(self) -> str:
        names = ", ".join(LABELS.get(c, c) for c in self.categories)
        return (
            f"P(invited within {self.within} of {self.as_of:%Y-%m-%d} | CRS {self.score}; "
            f"eligible: {names}) = {self.probability:.1%} (\u00b1{self.se:.1%}, "
            f"{self.rounds} eligible rounds expected, {self.n_paths} paths)\n{self.note}"
        )


def _as_projection(projection: object) -> Projection:
    if not isinstance(projection, Projection):
        raise ParameterError(
            f"projection: expected an eeforecast.projection.Projection, got "
            f"{type(projection).__name__}"
        )
    return projection


def _check_categories(paths: Projection, cats: tuple[str, ...], stacklevel: int) -> None:
    """Refuse unknown categories; warn of those the simulation left out or rests thinly on."""
    paths.known_categories(cats)
    left_out = [c for c in cats if c in paths.unsimulated]
    if left_out:
        warnings.warn(
            f"odds: no pool estimate for {', '.join(left_out)} as of {paths.as_of:%Y-%m-%d}: "
            "its forecast rounds are not simulated, so the probability counts only the other "
            "eligible rounds (a lower bound)",
            UserWarning,
            stacklevel=stacklevel,
        )
    for cat in cats:
        if cat in paths.thin:
            warnings.warn(thin_note(cat, paths.thin[cat]), ThinPoolWarning, stacklevel=stacklevel)


def validate(score, categories: Iterable[str] | str = (), within: str = "6m") -> tuple[str, ...]:
    """Check a candidate's question before any work; return the categories with ``general``.

    Raises
    ------
    ParameterError
        Score not a whole number in 0..1200, category not a slug, malformed ``within``.
    """
    as_scores(score)
    if np.ndim(score) != 0:
        raise ParameterError(f"score: expected one CRS score, got {score!r}")
    cats = eligible_categories(categories)
    as_span(within)
    return cats


def odds(
    score: int,
    *,
    categories: Iterable[str] | str = (),
    within: str = "6m",
    source: Feed | str | os.PathLike | None = None,
    pool: PoolModel | None = None,
    projection: Projection | None = None,
    as_of: object = None,
    n_paths: int | None = 2000,
    rng: int | np.random.Generator | None = None,
) -> OddsResult:
    """Probability that a candidate with ``score`` is invited within ``within``.

    Parameters
    ----------
    score : int
        The candidate's CRS score, 0..1200 (with the 600 nomination points if nominated)
        [CRS points].
    categories : iterable of str
        Categories the candidate is eligible for (e.g. ``("cec", "french")``); general rounds
        always count.
    within : str
        Span: ``"3m"``, ``"6m"``, ``"12m"``, ``"26w"``, ``"90d"`` ...
    source : Feed, path or None
        The feed to simulate from (None: the default feed).
    pool : PoolModel, optional
        A pool already fitted on the feed as of ``as_of``.
    projection : Projection, optional
        An existing simulation of the forecast schedule to read (then ``source``, ``pool``,
        ``as_of``, ``n_paths`` and ``rng`` are not used).
    as_of : date-like, optional
        The day of the question (default: the latest in the data).
    n_paths : int or None
        Monte Carlo paths; None: the deterministic expected path [paths].
    rng : int, numpy.random.Generator or None
        Randomness of the simulation.

    Returns
    -------
    OddsResult

    Raises
    ------
    ParameterError
        Score outside 0..1200, category not a slug (or a new one without forecast rounds),
        malformed ``within``.

    Notes
    -----
    See :func:`eeforecast.projection.project` and
    :func:`eeforecast.projection.invitation_probability`; the assumptions are in
    ``OddsResult.note``.
    """
    cats = validate(score, categories, within)
    if projection is not None:
        paths = _as_projection(projection)
    else:
        paths = project(source, pool=pool, as_of=as_of, span=within, n_paths=n_paths, rng=rng)
    _check_categories(paths, cats, stacklevel=3)
    mask = paths.eligible_rounds(cats, within)
    if not mask.any():
        warnings.warn(
            f"odds: no round of {'+'.join(cats)} is expected within {within} of "
            f"{paths.as_of:%Y-%m-%d}, so the probability is 0 whatever the score",
            UserWarning,
            stacklevel=2,
        )
    p = float(invitation_probability(paths.cutoffs, mask, [int(score)], paths.tie)[0])
    se = float(np.sqrt(p * (1 - p) / paths.n_paths))
    note = ASSUMPTIONS + (" " + " ".join(paths.notes) if paths.notes else "")
    return OddsResult(
        score=int(score),
        categories=cats,
        within=str(within),
        probability=p,
        se=se,
        as_of=paths.as_of,
        rounds=int(mask.sum()),
        n_paths=paths.n_paths,
        note=note,
    )


#: The columns of :func:`odds_path`, in order.
PATH_COLUMNS: tuple[str, ...] = (
    "date",
    "until",
    "score",
    "categories",
    "rounds",
    "probability",
    "se",
)


def _steps(values: object, index: pd.DatetimeIndex, name: str) -> list:
    """``values`` aligned on the step days: a Series on the same days, or one value for all."""
    if isinstance(values, pd.Series):
        days = pd.DatetimeIndex([as_day(d, f"{name} index") for d in values.index])
        if not days.equals(index):
            raise ParameterError(f"{name}: expected the same days as scores_by_date")
        return list(values)
    return [values] * len(index)


def odds_path(
    scores_by_date: pd.Series,
    categories_by_date: pd.Series | Iterable[str] | str | None,
    projection: Projection,
) -> pd.DataFrame:
    """Probability of an invitation by each date for a score (and eligibility) that changes.

    A candidate's score moves with birthdays, experience and expiring tests; a round counts with
    the score and the categories the candidate has on the round's day. The probability is read
    from the simulated cutoffs of ``projection``, on each path, round by round.

    Parameters
    ----------
    scores_by_date : pandas.Series
        CRS scores indexed by the days they take effect, ascending: each holds until the next
        day of the index [CRS points].
    categories_by_date : pandas.Series, iterable of str, str or None
        The categories the candidate is eligible for, on the same days (each value an iterable
        of slugs or a comma-separated string), or one set for the whole path; general rounds
        always count.
    projection : Projection
        The simulation of the forecast schedule (:func:`eeforecast.projection.project`).

    Returns
    -------
    pandas.DataFrame
        One row per step that starts by the end of the simulated span: ``date`` (its first
        day), ``until`` (its last day: the day before the next step, the span's end for the
        last), ``score``, ``categories`` (``general+...``), ``rounds`` (the scheduled rounds
        the candidate is eligible for in the step) [rounds], ``probability`` of at least one
        invitation from the first ``date`` to ``until`` [fraction 0..1] and its Monte Carlo
        ``se`` [fraction].

    Raises
    ------
    ParameterError
        Days not ascending or repeated, a score outside 0..1200, a category that is not a slug
        or unknown to ``projection``, or a path that starts after the simulated span.

    Notes
    -----
    On path :math:`p` a round :math:`r` (after ``projection.as_of``, on or after the first
    day of the path, in a category eligible on its day :math:`t_r`) invites the candidate with
    probability :math:`q_{pr} = 1` if :math:`s(t_r) > c_{pr}`, :math:`\\tau_{pr}` if
    :math:`s(t_r) = c_{pr}` and 0 below, where :math:`s(t)` is the score in force on day
    :math:`t`, :math:`c` the cutoff and :math:`\\tau` the tie share (NaN counts as
    :data:`eeforecast.projection.TIE_SHARE`). Tie-breaks are independent, so
    :math:`P(\\text{invited by } d) = 1 - \\frac{1}{n}\\sum_p \\prod_{r: t_r \\le d}(1 - q_{pr})`.
    For a constant score and categories this equals
    :func:`eeforecast.projection.invitation_probability`. A score that rises after a round does
    not count in that round. An invitation is not followed by anything: the candidate is
    counted once, whether or not later rounds would invite them again.

    Examples
    --------
    >>> from eeforecast.projection import Projection
    >>> paths = Projection(
    ...     as_of=pd.Timestamp("2026-01-01"),
    ...     dates=pd.DatetimeIndex(["2026-01-10", "2026-02-10"]),
    ...     categories=np.array(["general", "general"], dtype=object),
    ...     cutoffs=np.array([[480, 470], [500, 490]]),
    ...     tie=0.5,
    ...     span_end=pd.Timestamp("2026-03-01"),
    ... )
    >>> scores = pd.Series([475, 495], index=pd.to_datetime(["2026-01-01", "2026-02-01"]))
    >>> odds_path(scores, (), paths)[["date", "score", "probability"]]
            date  score  probability
    0 2026-01-01    475          0.0
    1 2026-02-01    495          1.0
    """
    paths = _as_projection(projection)
    if not isinstance(scores_by_date, pd.Series) or scores_by_date.empty:
        raise ParameterError("scores_by_date: expected a pandas Series of scores indexed by day")
    days = pd.DatetimeIndex([as_day(d, "scores_by_date index") for d in scores_by_date.index])
    if not days.is_monotonic_increasing or days.has_duplicates:
        raise ParameterError("scores_by_date: the days must be ascending, each once")
    scores = as_scores(scores_by_date.to_numpy(), "scores_by_date")
    cats = [
        eligible_categories([x for x in c.split(",") if x.strip()] if isinstance(c, str) else c)
        for c in _steps(categories_by_date, days, "categories_by_date")
    ]
    end = paths.span_end if paths.span_end is not None else paths.end
    inside = days <= end
    if not inside.any():
        raise ParameterError(
            f"scores_by_date: starts {days[0]:%Y-%m-%d}, after the simulated span "
            f"(to {end:%Y-%m-%d})"
        )
    days, scores, cats = days[inside], scores[inside], cats[: int(inside.sum())]
    for step in dict.fromkeys(cats):
        _check_categories(paths, step, stacklevel=3)
    until = pd.DatetimeIndex([*(days[1:] - pd.Timedelta(days=1)), end])
    # the step in force on each round's day (-1: before the path starts)
    order = np.argsort(paths.dates.to_numpy(), kind="stable")
    rdays = paths.dates[order]
    step = np.searchsorted(days.to_numpy(), rdays.to_numpy(), side="right") - 1
    counted = (step >= 0) & (rdays > paths.as_of) & (rdays <= end)
    step = np.maximum(step, 0)
    eligible = counted & np.array(
        [c in cats[k] for c, k in zip(paths.categories[order], step, strict=True)], dtype=bool
    )
    cut = np.asarray(paths.cutoffs)[:, order]
    tie = np.broadcast_to(np.asarray(paths.tie, dtype=float), paths.cutoffs.shape)[:, order]
    tie = np.where(np.isnan(tie), TIE_SHARE, np.clip(tie, 0.0, 1.0))
    s = scores[step][None, :]
    q = np.where(s > cut, 1.0, np.where(s == cut, tie, 0.0)) * eligible[None, :]
    survive = np.cumprod(1.0 - q, axis=1)  # (n_paths, n_rounds): not invited up to round r
    last = np.searchsorted(rdays.to_numpy(), until.to_numpy(), side="right") - 1
    p = np.array([1.0 - survive[:, i].mean() if i >= 0 else 0.0 for i in last])
    p = np.clip(p, 0.0, 1.0)
    rounds = np.bincount(step[eligible], minlength=len(days))
    return pd.DataFrame(
        {
            "date": days,
            "until": until,
            "score": scores,
            "categories": ["+".join(c) for c in cats],
            "rounds": rounds,
            "probability": p,
            "se": np.sqrt(p * (1 - p) / paths.n_paths),
        },
        columns=list(PATH_COLUMNS),
    )


def odds_over_time(
    profile: crs.Profile | str | os.PathLike,
    projection: Projection,
    *,
    months: int | str | None = None,
    categories: Iterable[str] = (),
) -> pd.DataFrame:
    """A CRS profile's probability of an invitation by each month's end, as its score moves.

    Each scheduled round is scored with the profile as it stands on the round's day (age,
    expired tests and ECAs, the rules in force, and the Canadian experience of the month:
    :func:`eeforecast.crs.profile_after`), with the categories it is eligible for that day;
    :func:`odds_path` reads the probability from the one simulation. The rows are the months
    of :func:`eeforecast.crs.timeline`.

    Parameters
    ----------
    profile : eeforecast.crs.Profile or path
        The candidate (a TOML file is read with :meth:`eeforecast.crs.Profile.from_toml`); its
        counts are those of ``projection.as_of``.
    projection : Projection
        The simulation of the forecast schedule; its ``as_of`` is the first month's day.
    months : int or str, optional
        Months to follow (``12`` or ``"12m"``); default: every month that starts inside the
        simulated span [months].
    categories : iterable of str
        Categories to add to those the profile gives (e.g. an occupation category it does not
        name).

    Returns
    -------
    pandas.DataFrame
        One row per month: ``date`` (its first day), ``until`` (its last day, or the span's
        end), ``score`` and ``categories`` on ``date``, ``rounds`` (eligible scheduled rounds in
        the month) [rounds], ``probability`` of at least one invitation from the projection's
        day to ``until`` [fraction 0..1], ``se`` [fraction] and ``change`` (what moved since the
        month before: :func:`eeforecast.crs.timeline`).

    Examples
    --------
    >>> from eeforecast.crs import LanguageTest, Profile
    >>> from eeforecast.projection import Projection
    >>> paths = Projection(
    ...     as_of=pd.Timestamp("2026-01-01"),
    ...     dates=pd.DatetimeIndex(["2026-01-20", "2026-02-20"]),
    ...     categories=np.array(["cec", "cec"], dtype=object),
    ...     cutoffs=np.array([[430, 430]]),
    ...     span_end=pd.Timestamp("2026-03-01"),
    ... )
    >>> p = Profile(age=29, education="bachelors", canadian_experience_years=0,
    ...             canadian_experience_months=11, working_in_canada=True,
    ...             english=LanguageTest("clb", 9, 9, 9, 9))
    >>> odds_over_time(p, paths)[["date", "score", "categories", "probability"]]
            date  score   categories  probability
    0 2026-01-01    379      general          0.0
    1 2026-02-01    432  general+cec          1.0
    2 2026-03-01    432  general+cec          1.0
    """
    paths = _as_projection(projection)
    profile = profile if isinstance(profile, crs.Profile) else crs.Profile.from_toml(profile)
    end = paths.span_end if paths.span_end is not None else paths.end
    if months is None:
        months = 0
        while paths.as_of + pd.DateOffset(months=months + 1) <= end:
            months += 1
    extra = eligible_categories(categories)[1:]
    line = crs.timeline(profile, months=as_months(months, "months"), as_of=paths.as_of)
    line = line[line["date"] <= end].reset_index(drop=True)
    starts = pd.DatetimeIndex(line["date"])
    rounds = paths.dates[(paths.dates > paths.as_of) & (paths.dates <= end)]
    days = starts.union(rounds.unique())
    month = np.searchsorted(starts.to_numpy(), days.to_numpy(), side="right") - 1
    totals, cats = [], []
    for day, m in zip(days, month, strict=True):
        result = crs.score(crs.profile_after(profile, int(m)), as_of=day)
        totals.append(result.total)
        cats.append(result.categories + extra)
    fine = odds_path(
        pd.Series(totals, index=days), pd.Series(cats, index=days, dtype=object), paths
    )
    by_month = fine.groupby(month)
    return pd.DataFrame(
        {
            "date": starts,
            "until": [*(starts[1:] - pd.Timedelta(days=1)), end],
            "score": by_month["score"].first().to_numpy(),
            "categories": by_month["categories"].first().to_numpy(),
            "rounds": by_month["rounds"].sum().to_numpy(),
            "probability": by_month["probability"].last().to_numpy(),
            "se": by_month["se"].last().to_numpy(),
            "change": line["change"].to_numpy(),
        }
    )
