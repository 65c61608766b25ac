"""A candidate's odds: the probability of an invitation within a horizon, given a CRS score.

One Monte Carlo simulation answers the question for every score at once. The forecast round schedule
(:func:`eeforecast.forecast.forecast_schedule`: each active category's expected round dates and
sizes) is run on the fitted pool (:func:`eeforecast.pool.fit_pool`) by the engine
(:func:`eeforecast.simulate.simulate`), with random inflow and random round sizes, giving a cutoff
for every round on every path: :class:`CutoffPaths`. A candidate with score ``s`` is invited in a
round they are eligible for when ``s`` is above the round's cutoff, or equal to it with the share of
tied candidates invited; a round that ran out of eligible candidates invited all of them. The
probability for any score, category set and horizon is then a count
over paths (:func:`invitation_probability`), so it is fast, and monotone in the score by
construction.

:func:`odds` is the one-call interface (``eeforecast odds``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .categories import CATEGORIES, LABELS
from .errors import ParameterError
from .pool import MAX_SCORE, SCORES, ThinPoolWarning, thin_note
from .simulate import is_slug

__all__ = [
    "TIE_SHARE",
    "ELIGIBLE_FLOOR",
    "CutoffPaths",
    "OddsResult",
    "invitation_probability",
    "odds",
    "parse_within",
    "simulate_cutoff_paths",
    "validate",
]

#: Share of the candidates tied at a round's cutoff who are invited, when the engine does not
#: report it per path [fraction]. IRCC invites the tied candidates whose profiles were submitted
#: before a time; for a candidate whose submission time is unknown relative to the others, the
#: expected share is one half.
TIE_SHARE = 0.5

#: Lowest score a category's eligible candidates can have [CRS points]: provincial nominees hold
#: 600 nomination points plus a core score.
ELIGIBLE_FLOOR = {"pnp": 601}

_WITHIN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}
#: Longest horizon accepted [days].
MAX_HORIZON_DAYS = 731

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


def parse_within(within: str | pd.DateOffset) -> pd.DateOffset:
    """Parse a horizon such as ``"3m"``, ``"6m"``, ``"1y"``, ``"26w"`` or ``"90d"``.

    Parameters
    ----------
    within : str or pandas.DateOffset
        A positive whole number followed by ``d``, ``w``, ``m`` or ``y``.

    Returns
    -------
    pandas.DateOffset

    Raises
    ------
    ParameterError
        If malformed, zero, or longer than two years.

    Examples
    --------
    >>> parse_within("6m")
    <DateOffset: months=6>
    """
    if isinstance(within, pd.DateOffset):
        offset = within
    else:
        match = _WITHIN.match(str(within))
        if not match:
            raise ParameterError(
                f"within: expected a horizon like 3m, 6m, 12m, 26w, 90d or 1y, got {within!r}"
            )
        n, unit = int(match.group(1)), match.group(2).lower()
        if n < 1:
            raise ParameterError(f"within: the horizon must be positive, got {within!r}")
        offset = pd.DateOffset(**{_UNITS[unit]: n})
    probe = pd.Timestamp("2000-01-01")
    days = (probe + offset - probe).days
    if days < 1 or days > MAX_HORIZON_DAYS:
        raise ParameterError(f"within: the horizon must be 1 day to 2 years, got {within!r}")
    return offset


def _check_score(score) -> np.ndarray:
    arr = np.asarray(score)
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        raise ParameterError(f"score: expected a CRS score 0..{MAX_SCORE}, got {score!r}")
    if np.any(~np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise ParameterError(f"score: CRS scores are whole numbers 0..{MAX_SCORE}, got {score!r}")
    if np.any(arr < 0) or np.any(arr > MAX_SCORE):
        raise ParameterError(f"score: must be between 0 and {MAX_SCORE} CRS points, got {score!r}")
    return arr.astype(np.int64)


def _check_categories(categories: Iterable[str] | str | None) -> tuple[str, ...]:
    """The candidate's categories, validated, with ``general`` always included (first)."""
    if categories is None:
        categories = ()
    if isinstance(categories, str):
        categories = (categories,)
    out = ["general"]
    for cat in categories:
        slug = str(cat).strip().lower()
        if not is_slug(slug):
            raise ParameterError(
                f"category {cat!r}: not a category slug (lower-case words joined by '-', e.g. "
                f"{', '.join(CATEGORIES[:3])}, or the slug of a new round type)"
            )
        if slug not in out:
            out.append(slug)
    return tuple(out)


def invitation_probability(
    cutoffs: np.ndarray,
    eligible: np.ndarray,
    scores: np.ndarray | Sequence[int] = SCORES,
    tie: np.ndarray | float = TIE_SHARE,
) -> np.ndarray:
    """Probability that a candidate at each score is invited in at least one eligible round.

    Parameters
    ----------
    cutoffs : numpy.ndarray of int, shape (n_paths, n_rounds)
        Simulated cutoff of every round on every path [CRS points] (``> 1200``: nobody invited).
    eligible : numpy.ndarray of bool, shape (n_rounds,)
        Rounds that count: of a category the candidate is eligible for, inside the horizon.
    scores : array of int
        Scores to evaluate [CRS points].
    tie : float or numpy.ndarray broadcastable to ``cutoffs``
        Share of the candidates at the cutoff score who are invited [fraction 0..1]; NaN (a
        round that invited nobody) counts as :data:`TIE_SHARE`.

    Returns
    -------
    numpy.ndarray, shape ``scores.shape``
        Probability [fraction 0..1], non-decreasing in the score.

    Notes
    -----
    On a path let :math:`m` be the lowest cutoff of the eligible rounds. A candidate at
    :math:`s > m` is invited for sure (in the round whose cutoff is :math:`m`); at :math:`s < m`
    never (every eligible round's cutoff is above the score); at :math:`s = m` with probability
    :math:`1 - \\prod_{r: c_r = m} (1 - \\tau_r)` over the rounds cutting at :math:`m` with tie
    shares :math:`\\tau_r` (independent tie-breaks). Averaging over paths,
    :math:`P(s) = \\Pr(m < s) + E[\\text{tie term at } m = s]`, which is non-decreasing in
    :math:`s` because the tie term at :math:`s` is at most :math:`\\Pr(m = s)`.

    Examples
    --------
    >>> cut = np.array([[500, 480], [520, 505]])
    >>> invitation_probability(cut, np.array([True, True]), [479, 480, 481, 505, 506], 0.5)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    cutoffs = np.asarray(cutoffs)
    if cutoffs.ndim != 2:
        raise ParameterError(f"cutoffs: expected shape (n_paths, n_rounds), got {cutoffs.shape}")
    n_paths, n_rounds = cutoffs.shape
    eligible = np.asarray(eligible, dtype=bool)
    if eligible.shape != (n_rounds,):
        raise ParameterError(f"eligible: expected shape ({n_rounds},), got {eligible.shape}")
    scores = _check_score(scores)
    tie = np.asarray(tie, dtype=float)
    tie = np.where(np.isnan(tie), TIE_SHARE, np.clip(tie, 0.0, 1.0))  # NaN: nobody was invited
    tie = np.broadcast_to(tie, cutoffs.shape)
    never = MAX_SCORE + 1
    cut = np.where(eligible[None, :], np.minimum(cutoffs.astype(np.int64), never), never)
    if n_rounds == 0 or n_paths == 0:
        return np.zeros(scores.shape)
    low = cut.min(axis=1)  # (n_paths,)
    at_low = (cut == low[:, None]) & eligible[None, :]
    p_tie = 1.0 - np.prod(np.where(at_low, 1.0 - tie, 1.0), axis=1)
    p_tie = np.where(low < never, p_tie, 0.0)
    below = np.bincount(low, minlength=never + 1).astype(float)
    strictly_below = np.concatenate([[0.0], np.cumsum(below)])  # count(low < s) at index s
    ties = np.bincount(low, weights=p_tie, minlength=never + 1)
    return (strictly_below[scores] + ties[scores]) / n_paths


@dataclass
class CutoffPaths:
    """Simulated cutoffs of the forecast round schedule: the one simulation behind the odds.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The day the odds are computed for; rounds after it count.
    dates : pandas.DatetimeIndex, shape (n_rounds,)
        Days of the scheduled rounds.
    categories : numpy.ndarray of str, shape (n_rounds,)
        Their categories.
    cutoffs : numpy.ndarray of int, shape (n_paths, n_rounds)
        Simulated cutoffs [CRS points].
    tie : float or numpy.ndarray, shape (n_paths, n_rounds)
        Share of tied candidates invited at each cutoff [fraction].
    schedule : pandas.DataFrame
        The forecast schedule simulated (``date, category, invitations, ...``).
    simulation : eeforecast.simulate.SimulationResult or None
        The engine's full result (pool and backlog per round), replayed past rounds included.
    notes : list of str
        What was dropped or assumed while building the schedule.
    horizon_end : pandas.Timestamp or None
        End of the simulated span; longer horizons are refused.
    exhausted : numpy.ndarray of bool, shape (n_paths, n_rounds), or None
        Rounds that ran out of eligible candidates (invited fewer than asked): everybody eligible
        was invited, so their ``cutoffs`` are set to the bottom of the category's range
        (:data:`ELIGIBLE_FLOOR`) and ``tie`` to 1.
    simulated : numpy.ndarray of int, shape (n_paths, n_rounds), or None
        The engine's cutoffs before that adjustment (lowest score invited) [CRS points].
    unsimulated : tuple of str
        Categories with forecast rounds that were left out: the pool model has no eligibility
        estimate for them (no round of theirs with a published snapshot).
    thin : dict of str to int
        Simulated categories whose sub-pool rests on fewer than
        :data:`eeforecast.pool.MIN_CATEGORY_ROUNDS` past rounds,
        with that number of rounds.
    """

    as_of: pd.Timestamp
    dates: pd.DatetimeIndex
    categories: np.ndarray
    cutoffs: np.ndarray
    tie: np.ndarray | float = TIE_SHARE
    schedule: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulation: object = None
    notes: list[str] = field(default_factory=list)
    horizon_end: pd.Timestamp | None = None
    exhausted: np.ndarray | None = None
    simulated: np.ndarray | None = None
    unsimulated: tuple[str, ...] = ()
    thin: dict[str, int] = field(default_factory=dict)

    @property
    def n_paths(self) -> int:
        """Monte Carlo paths [paths]."""
        return self.cutoffs.shape[0]

    @property
    def end(self) -> pd.Timestamp:
        """Last scheduled round's day (the horizon simulated)."""
        return self.dates.max() if len(self.dates) else self.as_of

    def known_categories(self, categories) -> tuple[str, ...]:
        """``categories`` validated as :func:`odds` does, ``general`` first; a slug that is
        neither a known category nor one with forecast rounds here is a ParameterError."""
        cats = _check_categories(categories)
        for cat in cats:
            if cat not in CATEGORIES and cat not in self.unsimulated and cat not in self.categories:
                raise ParameterError(
                    f"category {cat!r}: not a known category and no forecast rounds of it as of "
                    f"{self.as_of:%Y-%m-%d} (no past rounds with a published pool snapshot)"
                )
        return cats

    def exhausted_share(self, category: str, within: str | None = None) -> float:
        """Share of paths in which a round of ``category`` (within ``within``, default all)
        ran out of eligible candidates [fraction]."""
        if self.exhausted is None:
            return 0.0
        mask = self.categories == category
        if within is not None:
            mask &= self.dates <= self.as_of + parse_within(within)
        if not mask.any():
            return 0.0
        return float(self.exhausted[:, mask].any(axis=1).mean())

    def eligible_rounds(self, categories=(), within="6m") -> np.ndarray:
        """Boolean mask of the rounds a candidate in ``categories`` can be invited in."""
        cats = _check_categories(categories)
        end = self.as_of + parse_within(within)
        if self.horizon_end is not None and end > self.horizon_end:
            raise ParameterError(
                f"within: {within} reaches {end:%Y-%m-%d}, beyond the simulated schedule "
                f"(to {self.horizon_end:%Y-%m-%d}); simulate a longer horizon"
            )
        return np.isin(self.categories, cats) & (self.dates > self.as_of) & (self.dates <= end)

    def probability(self, scores=SCORES, categories=(), within="6m") -> np.ndarray:
        """Probability of an invitation within ``within`` at each score [fraction 0..1]."""
        mask = self.eligible_rounds(categories, within)
        return invitation_probability(self.cutoffs, mask, scores, self.tie)

    def curves(
        self,
        category_sets: Iterable[Sequence[str] | str],
        withins: Iterable[str] = ("3m", "6m", "12m"),
        scores=SCORES,
    ) -> pd.DataFrame:
        """Tidy odds curves: ``category, within, score, probability`` for every combination.

        ``category`` names the set by its categories other than general joined with ``+``
        (``general`` for a candidate with none), e.g. ``("cec",)`` -> ``cec`` (eligible for CEC
        and general rounds), ``("cec", "french")`` -> ``cec+french``.
        """
        scores = _check_score(scores)
        frames = []
        for cats in category_sets:
            cats = (cats,) if isinstance(cats, str) else tuple(cats)
            checked = self.known_categories(cats)
            name = "+".join(checked[1:]) or "general"
            for within in withins:
                frames.append(
                    pd.DataFrame(
                        {
                            "category": name,
                            "within": within,
                            "score": scores,
                            "probability": self.probability(scores, checked, within),
                        }
                    )
                )
        cols = ["category", "within", "score", "probability"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)

    def backlog(self, threshold: int, levels: Sequence[int] = (80, 95)) -> pd.DataFrame:
        """Projected pool and candidates at or above ``threshold`` after each scheduled round.

        Returns ``date, pool, above`` (medians over paths) with ``<quantity>_lo_<L>`` and
        ``<quantity>_hi_<L>`` quantile columns [candidates]; one row per round day (the last
        round of a day).
        """
        sim = self.simulation
        if sim is None or threshold not in getattr(sim, "above", {}):
            raise ParameterError(f"threshold {threshold}: not tracked in this simulation")
        keep = np.array([not r.replayed for r in sim.rounds], dtype=bool)
        dates = pd.DatetimeIndex([r.date for r in sim.rounds])[keep]
        series = {
            "pool": np.asarray(sim.pool)[:, keep],
            "above": np.asarray(sim.above[threshold])[:, keep],
        }
        out = pd.DataFrame({"date": dates})
        for name, arr in series.items():
            out[name] = np.median(arr, axis=0)
            for lv in levels:
                a = (100 - lv) / 200
                out[f"{name}_lo_{lv}"] = np.quantile(arr, a, axis=0)
                out[f"{name}_hi_{lv}"] = np.quantile(arr, 1 - a, axis=0)
        return out.groupby("date", sort=True).tail(1).reset_index(drop=True)

    def __repr__(self) -> str:
        return (
            f"CutoffPaths(as_of={self.as_of:%Y-%m-%d}, {len(self.dates)} rounds to "
            f"{self.end:%Y-%m-%d}, {self.n_paths} paths)"
        )


#: Each simulated round's size is drawn from its category's last this many round sizes (as in
#: :func:`eeforecast.forecast.backlog`, so the odds and the backlog projection share one model).
K_SIZES = 12


def _round_specs(schedule: pd.DataFrame, sizes: dict[str, np.ndarray]) -> list:
    """Engine rounds from the forecast schedule; each size drawn from the category's recent
    sizes (equal probabilities), or the scheduled size when the category has none."""
    from .simulate import Invitations, Round

    rounds = []
    for row in schedule.itertuples(index=False):
        recent = sizes.get(row.category, ())
        if len(recent):
            vals = tuple(float(max(1, int(v))) for v in recent)
            spec = Invitations(
                "choice", (("values", vals), ("p", tuple(1 / len(vals) for _ in vals)))
            )
        else:
            spec = Invitations("fixed", (("value", max(float(row.invitations), 1.0)),))
        rounds.append(Round(pd.Timestamp(row.date), row.category, spec))
    return rounds


def simulate_cutoff_paths(
    feed=None,
    pool=None,
    *,
    as_of=None,
    horizon: str = "12m",
    n_paths: int = 2000,
    rng: int | np.random.Generator | None = None,
    thresholds: Sequence[int] = (501,),
    room: bool = True,
) -> CutoffPaths:
    """Simulate the forecast round schedule over ``horizon`` and keep every round's cutoffs.

    Parameters
    ----------
    feed : eeforecast.feed.Feed or path, optional
        The feed (default: the bundled one); it is cut at ``as_of``.
    pool : eeforecast.pool.PoolModel, optional
        The pool fitted on the same feed at ``as_of`` (fitted here when omitted).
    as_of : date-like, optional
        The day of the question (default: the feed's day or its last round).
    horizon : str
        Span of the schedule, as in :func:`parse_within` (``"12m"``).
    n_paths : int
        Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness (inflow and round sizes), converted once.
    thresholds : sequence of int
        Scores whose backlog (candidates at or above) is tracked per round [CRS points].
    room : bool
        The engine's assumption that IRCC sizes a category round well inside its eligible pool
        (see :func:`eeforecast.simulate.simulate_feed`).

    Returns
    -------
    CutoffPaths

    Notes
    -----
    The engine's :func:`eeforecast.simulate.simulate_feed` starts from the latest snapshot on or
    before ``as_of`` and replays the rounds recorded since with their actual sizes; then the forecast
    schedule (:func:`eeforecast.forecast.forecast_schedule`) runs with each round's size drawn
    from the category's last :data:`K_SIZES` round sizes (the size model of
    :func:`eeforecast.forecast.backlog`). Categories the pool model has no eligibility estimate
    for are left out (listed in ``notes``). A round that runs out of eligible candidates invites
    all of them: for the odds its cutoff becomes the bottom of the category's range with every tie
    invited (``exhausted``).
    """
    from .feed import Feed, load_feed
    from .forecast import category_history, forecast_schedule
    from .pool import fit_pool
    from .simulate import simulate_feed

    if isinstance(n_paths, bool) or not isinstance(n_paths, int | np.integer) or n_paths < 1:
        raise ParameterError(f"n_paths: expected a whole number >= 1, got {n_paths!r}")
    offset = parse_within(horizon)
    if feed is None or not isinstance(feed, Feed):
        feed = load_feed(feed, as_of=as_of)
    elif as_of is not None:
        feed = feed.truncate(as_of)
    day = pd.Timestamp(feed.as_of if feed.as_of is not None else feed.rounds["date"].max())
    if pool is None:
        pool = fit_pool(feed, as_of=day)
    state = pool.state(day)
    end = day + offset
    days = (end - day).days
    schedule = forecast_schedule(feed, as_of=day, horizon_days=days)
    notes = []
    known = set(state.eligible) | {"general"}
    dropped = sorted(set(schedule["category"]) - known)
    if dropped:
        notes.append(f"no pool estimate for {', '.join(dropped)}: their rounds are not simulated")
    schedule = schedule[schedule["category"].isin(known) & (schedule["date"] > day)]
    schedule = schedule.reset_index(drop=True)
    thin = pool.thin(schedule["category"].unique())
    notes.extend(thin_note(c, n) for c, n in thin.items())
    sizes = {
        c: category_history(feed, c, as_of=day, thresholds=()).sizes_all[-K_SIZES:]
        for c in schedule["category"].unique()
    }
    future = _round_specs(schedule, sizes)
    if not future:
        raise ParameterError(
            f"as_of {day:%Y-%m-%d}: no round is expected in the next {horizon}; cannot compute odds"
        )
    with warnings.catch_warnings():  # thin sub-pools are in ``notes`` (and odds() warns)
        warnings.simplefilter("ignore", ThinPoolWarning)
        result = simulate_feed(
            pool,
            future,
            as_of=day,
            room=room,
            n_paths=int(n_paths),
            rng=rng,
            thresholds=tuple(thresholds),
        )
    keep = np.array([not r.replayed for r in result.rounds], dtype=bool)
    categories = np.array([r.category for r in result.rounds], dtype=object)[keep]
    cutoffs = np.asarray(result.cutoff)[:, keep].astype(np.int64)
    tie = getattr(result, "tie", None)
    tie = (
        np.asarray(tie, dtype=float)[:, keep]
        if tie is not None
        else np.full(cutoffs.shape, TIE_SHARE)
    )
    # A round that could not fill its invitations invited everybody eligible: whatever their
    # score, down to the bottom of the category's range.
    exhausted = np.asarray(result.invited)[:, keep] < np.asarray(result.requested)[:, keep] - 0.5
    floor = np.array([ELIGIBLE_FLOOR.get(c, 0) for c in categories], dtype=np.int64)
    simulated = cutoffs
    cutoffs = np.where(exhausted, floor[None, :], cutoffs)
    tie = np.where(exhausted, 1.0, tie)
    return CutoffPaths(
        as_of=day,
        dates=pd.DatetimeIndex([r.date for r in result.rounds])[keep],
        categories=categories,
        cutoffs=cutoffs,
        tie=tie,
        exhausted=exhausted,
        simulated=simulated,
        schedule=schedule,
        simulation=result,
        notes=notes,
        horizon_end=end,
        unsimulated=tuple(dropped),
        thin=thin,
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


def validate(score, categories: Iterable[str] | str = (), within: str = "6m") -> tuple[str, ...]:
    """Check a candidate's question before any work; return the categories with ``general``.

    Raises
    ------
    ParameterError
        Score not a whole number in 0..1200, category not a slug, malformed ``within``.
    """
    _check_score(score)
    if np.ndim(score) != 0:
        raise ParameterError(f"score: expected one CRS score, got {score!r}")
    cats = _check_categories(categories)
    parse_within(within)
    return cats


def odds(
    feed_or_paths=None,
    score: int = 0,
    categories: Iterable[str] | str = (),
    within: str = "6m",
    as_of=None,
    n_paths: int = 2000,
    rng: int | np.random.Generator | None = None,
    *,
    pool=None,
) -> OddsResult:
    """Probability that a candidate with ``score`` is invited within ``within``.

    Parameters
    ----------
    feed_or_paths : Feed, CutoffPaths, path or None
        The feed to simulate from (default: the bundled one), or an existing
        :class:`CutoffPaths` simulation to reuse (then ``as_of``, ``n_paths`` and ``rng`` are
        ignored).
    score : int
        The candidate's CRS score, 0..1200 (with the 600 nomination points if nominated)
        [CRS points].
    categories : iterable of str
        Categories the candidate is eligible for (e.g. ``("cec", "french")``); general rounds
        always count.
    within : str
        Horizon: ``"3m"``, ``"6m"``, ``"12m"``, ``"26w"``, ``"90d"`` ...
    as_of : date-like, optional
        The day of the question (default: the latest in the data).
    n_paths : int
        Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness of the simulation.
    pool : eeforecast.pool.PoolModel, optional
        A pool already fitted on the feed at ``as_of``.

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
    See :func:`simulate_cutoff_paths` and :func:`invitation_probability`; the assumptions are in
    ``OddsResult.note``.
    """
    cats = validate(score, categories, within)
    if isinstance(feed_or_paths, CutoffPaths):
        paths = feed_or_paths
    else:
        paths = simulate_cutoff_paths(
            feed_or_paths, pool, as_of=as_of, horizon=within, n_paths=n_paths, rng=rng
        )
    paths.known_categories(cats)
    left_out = [c for c in cats if c in paths.unsimulated]
    if left_out:
        warnings.warn(
            f"odds: no pool estimate for {', '.join(left_out)} as of {paths.as_of:%Y-%m-%d}: "
            "its forecast rounds are not simulated, so the probability counts only the other "
            "eligible rounds (a lower bound)",
            UserWarning,
            stacklevel=2,
        )
    for cat in cats:
        if cat in paths.thin:
            warnings.warn(thin_note(cat, paths.thin[cat]), ThinPoolWarning, stacklevel=2)
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
