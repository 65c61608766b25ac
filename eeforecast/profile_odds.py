"""A CRS profile's odds: its score and categories (:mod:`eeforecast.crs`) read from one simulation.

:func:`profile_odds` scores profiles on the projection's day and reads each one's odds;
:func:`what_if_odds` reads the odds after each single change that raises a profile's score (a
change can add a category, e.g. French at NCLC 7, whose rounds then count); :func:`odds_path`
reads the probability of an invitation by each date for a score that moves, and
:func:`odds_over_time` does so for a profile as it ages, gains experience and sees tests expire.
Every figure comes from the same :class:`~eeforecast.projection.Projection`, so the rows differ
only by the candidate, never by the random draws (``eeforecast odds --profile``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from . import crs
from .checks import as_day, as_months, as_scores
from .errors import ParameterError
from .odds import as_projection, check_categories, odds
from .projection import TIE_SHARE, Projection, eligible_categories

__all__ = [
    "AS_IT_IS",
    "PATH_COLUMNS",
    "WHAT_IF_COLUMNS",
    "odds_over_time",
    "odds_path",
    "profile_odds",
    "what_if_odds",
]

#: The label of the profile as it is among the rows of :func:`what_if_odds`.
AS_IT_IS = "(none: the profile as it is)"
#: The columns of :func:`what_if_odds`, in order.
WHAT_IF_COLUMNS: tuple[str, ...] = ("change", "score", "gain", "categories", "probability")


def _profile(profile: crs.Profile | str | os.PathLike) -> crs.Profile:
    return profile if isinstance(profile, crs.Profile) else crs.Profile.from_toml(profile)


def profile_odds(
    profiles: Iterable[crs.Profile | str | os.PathLike] | crs.Profile | str | os.PathLike,
    projection: Projection,
    *,
    within: str = "6m",
    categories: Iterable[str] = (),
) -> pd.DataFrame:
    """Each profile's score on the projection's day, its categories and its odds.

    Parameters
    ----------
    profiles : Profile, path, or an iterable of them
        The candidates (TOML files are read with :meth:`eeforecast.crs.Profile.from_toml`).
    projection : Projection
        The simulation of the forecast schedule (:func:`eeforecast.projection.project`); its
        ``as_of`` is the scoring day.
    within : str
        Span of the question, e.g. ``"6m"`` (at most the simulated span).
    categories : iterable of str
        Categories added to those each profile gives (:func:`eeforecast.crs.eligible_categories`:
        CEC from a year of Canadian experience, French from NCLC 7 on all four abilities, the
        profile's occupation category).

    Returns
    -------
    pandas.DataFrame
        One row per profile: ``profile, score, categories, as_of, within, rounds, probability,
        se`` (:meth:`eeforecast.odds.OddsResult.to_frame`, the profile first);
        ``attrs["notes"]`` holds the scores' notes prefixed by the profile's name and
        ``attrs["note"]`` the odds' assumptions.
    """
    paths = as_projection(projection)
    if isinstance(profiles, crs.Profile | str | os.PathLike):
        profiles = [profiles]
    rows, notes, note = [], [], ""
    for profile in map(_profile, profiles):
        result = crs.score(profile, as_of=paths.as_of)
        notes += [f"{profile.name}: {text}" for text in result.notes]
        chance = odds(result.total, categories=(*result.categories, *categories), within=within,
                      projection=paths)  # fmt: skip
        frame = chance.to_frame()
        first = frame[["score", "categories"]].iloc[0].to_dict()
        rows.append({"profile": profile.name, **first, **frame.drop(columns=list(first)).iloc[0]})
        note = chance.note
    out = pd.DataFrame(rows)
    out.attrs.update(notes=notes, note=note)
    return out


def what_if_odds(
    profile: crs.Profile | str | os.PathLike,
    projection: Projection,
    *,
    within: str = "6m",
    categories: Iterable[str] = (),
) -> pd.DataFrame:
    """The odds after each single change that raises a profile's score, from one simulation.

    Parameters
    ----------
    profile : Profile or path
        The candidate, scored on the projection's day.
    projection : Projection
        The simulation every row reads.
    within : str
        Span of the question, e.g. ``"6m"``.
    categories : iterable of str
        Categories added to those the profile (and each changed profile) gives.

    Returns
    -------
    pandas.DataFrame
        :data:`WHAT_IF_COLUMNS`: ``change`` (:func:`eeforecast.crs.what_if`'s changes and
        :data:`AS_IT_IS`), ``score`` and ``gain`` [CRS points], ``categories`` (``general+...``,
        with the change) and ``probability`` [fraction 0..1, rounded to 4 decimals]; the most
        likely first, then the larger gain.
    """
    paths = as_projection(projection)
    profile = _profile(profile)
    now = crs.score(profile, as_of=paths.as_of)
    options = [(AS_IT_IS, now.total, 0, now.categories)]
    for change in crs.what_if(profile, as_of=paths.as_of).itertuples(index=False):
        cats = tuple(c for c in change.categories.split(",") if c)
        options.append((change.change, change.total, change.gain, cats))
    rows = []
    for label, total, gain, cats in options:
        chance = odds(total, categories=(*cats, *categories), within=within, projection=paths)
        rows.append((label, total, gain, "+".join(chance.categories), chance.probability))
    out = pd.DataFrame(rows, columns=list(WHAT_IF_COLUMNS))
    out = out.sort_values(["probability", "gain"], ascending=False, kind="stable")
    out["probability"] = out["probability"].round(4)
    return out.reset_index(drop=True)


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
    paths = as_projection(projection)
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
        check_categories(paths, step, stacklevel=3)
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
    paths = as_projection(projection)
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
