"""A candidate's odds: the probability of an invitation within a span, given a CRS score.

One Monte Carlo simulation of the forecast round schedule (:func:`eeforecast.projection.project`)
answers the question for every score at once (and, in :mod:`eeforecast.profile_odds`, for a CRS
profile, its what-if changes and a score that moves over time). A candidate with score ``s`` is invited in a round
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

from .checks import as_generator, as_scores, as_span
from .data import LABELS, Feed
from .errors import ParameterError
from .odds_calibration import OddsCalibration, fit_odds_calibration, lowest_cutoffs, regime_of
from .pool import PoolModel, ThinPoolWarning, thin_note
from .projection import Projection, eligible_categories, invitation_probability, project
from .simulate import Schedule

__all__ = [
    "ASSUMPTIONS",
    "INVITE_ALL_NOTE",
    "SCENARIO_ASSUMPTIONS",
    "OddsResult",
    "as_projection",
    "check_categories",
    "odds",
    "validate",
]

ASSUMPTIONS = (
    "Assumptions: rounds follow the forecast schedule (each category active in the last 12 "
    "months keeps its recent pace, each round's size drawn from the category's last 12 sizes; "
    "categories without a round in the last 12 months hold none; no policy change); the pool "
    "receives its estimated inflow with its variability; the candidate's score stays fixed and "
    "the profile stays active over the horizon; general rounds always count; at a cutoff tie the "
    "candidate is invited with the share of tied candidates invited (one half where the engine "
    "does not report it), as IRCC breaks ties by profile submission time; a round that runs out "
    "of eligible candidates invites everybody eligible; a category's eligible share below the "
    "lowest cutoff of its last 12 months is an assumption drawn within a range."
)

#: Added to the note of a nominee's odds when PNP rounds invite every nominee.
INVITE_ALL_NOTE = (
    "PNP rounds invite every nominee in the pool (the invite-all regime): a nominee in the pool "
    "is invited at the next PNP round whatever the score, as long as the regime holds; the "
    "probability above is that of a PNP cutoff (the lowest score among the nominees of a round) "
    "at or below the score, the question a backtest of cutoffs can check."
)


#: The assumptions when a scenario's schedule was simulated (``project(schedule=...)``).
SCENARIO_ASSUMPTIONS = ASSUMPTIONS.replace(
    "rounds follow the forecast schedule (each category active in the last 12 "
    "months keeps its recent pace, each round's size drawn from the category's last 12 sizes; "
    "categories without a round in the last 12 months hold none; no policy change)",
    "rounds follow the scenario's schedule (categories it leaves out hold no round, or, when it "
    "asks for it, keep their recent pace: each round's size drawn from the category's last 12 "
    "sizes)",
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
    assumptions : pandas.DataFrame or None
        What the simulation assumed about each simulated category's sub-pool, one row per
        category (:meth:`eeforecast.pool.PoolModel.assumptions`).
    calibration : OddsCalibration or None
        The residuals the probability was calibrated on (``odds(..., calibrate=True)``); when
        there were fewer than its ``min_residuals``, ``probability`` is the simulated one.
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
    assumptions: pd.DataFrame | None = None
    calibration: OddsCalibration | None = None

    def to_frame(self) -> pd.DataFrame:
        """One row: ``as_of, score, categories, within, rounds, probability, se``, and
        ``residuals`` (the residuals it was calibrated on, 0 when too few) when calibrated."""
        frame = pd.DataFrame(
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
        if self.calibration is not None:
            cal = self.calibration
            frame["residuals"] = len(cal.residuals) if cal.usable else 0
        return frame

    def __str__(self) -> str:
        names = ", ".join(LABELS.get(c, c) for c in self.categories)
        return (
            f"P(invited within {self.within} of {self.as_of:%Y-%m-%d} | CRS {self.score}; "
            f"eligible: {names}) = {self.probability:.1%} (\u00b1{self.se:.1%}, "
            f"{self.rounds} eligible rounds expected, {self.n_paths} paths)\n{self.note}"
        )


def as_projection(projection: object) -> Projection:
    """``projection`` itself, or a ParameterError when it is not a :class:`~eeforecast.projection.Projection`."""
    if not isinstance(projection, Projection):
        raise ParameterError(
            f"projection: expected an eeforecast.projection.Projection, got "
            f"{type(projection).__name__}"
        )
    return projection


def check_categories(paths: Projection, cats: tuple[str, ...], stacklevel: int) -> None:
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
    schedule: Schedule | None = None,
    calibrate: bool = False,
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
    schedule : Schedule, optional
        A scenario's rounds instead of the forecast schedule (see
        :func:`eeforecast.projection.project`; ``projection=project(..., schedule=plan)`` is
        the same).
    calibrate : bool
        Calibrate the probability on the projection's errors at the monthly origins of the
        :data:`~eeforecast.odds_calibration.CALIBRATION_MONTHS` months before the day
        (:func:`eeforecast.odds_calibration.fit_odds_calibration` on ``source``, one projection
        of :data:`~eeforecast.odds_calibration.CALIBRATION_PATHS` paths per origin, randomness
        spawned from ``rng``); not for a scenario.

    Returns
    -------
    OddsResult

    Raises
    ------
    ParameterError
        Score outside 0..1200, category not a slug (or a new one without forecast rounds),
        malformed ``within``, ``calibrate`` with a scenario.

    Notes
    -----
    See :func:`eeforecast.projection.project` and
    :func:`eeforecast.projection.invitation_probability`; the assumptions are in
    ``OddsResult.note``. Calibrated, the lowest eligible cutoff of each path is moved by each
    residual (actual minus simulated median lowest cutoff at an earlier origin whose window had
    ended by the day) and the probability is the share of the pairs at or below the score; its
    ``se`` is then that of a share of the residuals, ``sqrt(p (1 - p) / n)``
    (:mod:`eeforecast.odds_calibration`).
    """
    cats = validate(score, categories, within)
    if projection is not None and schedule is not None:
        raise ParameterError("schedule: give a schedule or a projection built from it, not both")
    if not isinstance(calibrate, bool):
        raise ParameterError(f"calibrate: expected True or False, got {calibrate!r}")
    if calibrate and schedule is not None:
        raise ParameterError(
            "calibrate: a scenario's odds cannot be calibrated on the forecast schedule's past "
            "errors; drop calibrate or the schedule"
        )
    if projection is not None:
        paths = as_projection(projection)
    else:
        paths = project(
            source,
            pool=pool,
            as_of=as_of,
            span=within,
            n_paths=n_paths,
            rng=rng,
            schedule=schedule,
        )
    check_categories(paths, cats, stacklevel=3)
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
    note = SCENARIO_ASSUMPTIONS if paths.scenario else ASSUMPTIONS
    note += " " + " ".join(paths.notes) if paths.notes else ""
    if "pnp" in cats and paths.invite_all("pnp"):
        note += " " + INVITE_ALL_NOTE
    calibration = None
    if calibrate:
        if paths.scenario:
            raise ParameterError(
                "calibrate: the projection simulates a scenario; its odds cannot be calibrated "
                "on the forecast schedule's past errors"
            )
        calibration = fit_odds_calibration(
            source,
            categories=cats,
            within=within,
            as_of=paths.as_of,
            regime=regime_of(paths, cats),
            rng=as_generator(rng).spawn(1)[0],
        )
        if calibration.usable:
            low = lowest_cutoffs(paths, cats, within)
            p = float(calibration.probability(low, [int(score)])[0])
            se = float(np.sqrt(p * (1 - p) / len(calibration.residuals)))
        note += " " + calibration.note()
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
        assumptions=paths.assumptions,
        calibration=calibration,
    )
