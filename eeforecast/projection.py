"""The forecast round schedule simulated on the pool: the one Monte Carlo behind the odds and the
backlog (:func:`project`).

The forecast round schedule (:func:`eeforecast.forecast.forecast_schedule`: each active category's
expected round dates, each size drawn from its recent sizes) runs on the fitted pool with random
inflow (:func:`eeforecast.simulate.simulate_feed`), giving every round's cutoff, the pool and the
candidates above thresholds on every path: a :class:`Projection`. A candidate's odds
(:mod:`eeforecast.odds`) and the backlog (:mod:`eeforecast.backlog`) are read from it, so the report
runs one simulation for both.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from .checks import as_n_paths, as_scores, as_span, is_slug
from .data import CATEGORIES, Feed
from .errors import ParameterError
from .forecast import K_SIZES, category_history, forecast_schedule, with_recent_pace
from .pool import PoolModel, PoolState, ThinPoolWarning, thin_note
from .scores import MAX_SCORE, NOMINEE_FLOOR, SCORES
from .simulate import Invitations, Round, Schedule, Start, simulate_feed, start_from

__all__ = [
    "ELIGIBLE_FLOOR",
    "K_SIZES",
    "TIE_SHARE",
    "Projection",
    "eligible_categories",
    "invitation_probability",
    "project",
]

#: Share of the candidates tied at a round's cutoff who are invited, when the engine does not
#: report it per path [fraction]. IRCC invites the tied candidates whose profiles were submitted
#: before a time; for a candidate whose submission time is unknown relative to the others, the
#: expected share is one half.
TIE_SHARE = 0.5


#: Lowest score a category's eligible candidates can have [CRS points]: provincial nominees hold
#: 600 nomination points plus a core score.
ELIGIBLE_FLOOR = {"pnp": NOMINEE_FLOOR}

#: A category whose rounds run dry on more than this share of the paths is reported [fraction].
DRY_SHARE = 0.05


def eligible_categories(categories: Iterable[str] | str | None) -> tuple[str, ...]:
    """A candidate's categories, validated, with ``general`` always included (first)."""
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
                "general, cec, pnp, or the slug of a new round type)"
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
        Rounds that count: of a category the candidate is eligible for, inside the span.
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
    scores = as_scores(scores)
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
class Projection:
    """The forecast round schedule simulated on the pool: the one simulation behind the odds
    and the backlog.

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
    span_end : pandas.Timestamp or None
        End of the simulated span; a longer ``within`` is refused.
    exhausted : numpy.ndarray of bool, shape (n_paths, n_rounds), or None
        Rounds that ran dry (asked for more than were eligible): everybody eligible was invited,
        and their cutoff is the score of the lowest whole candidate on that path (``tie`` 1).
        Rounds that invite everybody by design (``invites_all``) are not counted.
    simulated : numpy.ndarray of int, shape (n_paths, n_rounds), or None
        The engine's cutoffs (the same as ``cutoffs``) [CRS points].
    invites_all : numpy.ndarray of bool, shape (n_rounds,), or None
        Rounds that invite their category's whole stock by design (PNP in the invite-all
        regime: its size is the nominations since the previous round on the path).
    assumptions : pandas.DataFrame or None
        What the simulation assumed about each simulated category's sub-pool
        (:meth:`eeforecast.pool.PoolModel.assumptions`).
    left_out : tuple of str
        Stale categories left out of the schedule (no round in the last 12 months; see
        ``include_stale``).
    unsimulated : tuple of str
        Categories with forecast rounds that were left out: the pool model has no eligibility
        estimate for them (no round of theirs with a published snapshot).
    thin : dict of str to int
        Simulated categories whose sub-pool rests on fewer than
        :data:`eeforecast.pool.MIN_CATEGORY_ROUNDS` past rounds,
        with that number of rounds.
    state : PoolState or None
        The pool state the simulation started from (its expected net inflow completes the
        backlog between rounds).
    pool_notes : tuple of str
        The pool model's caveats (``PoolModel.notes``).
    scenario : bool
        True when a given schedule (``project(schedule=...)``) was simulated instead of the
        forecast schedule.
    """

    as_of: pd.Timestamp
    dates: pd.DatetimeIndex
    categories: np.ndarray
    cutoffs: np.ndarray
    tie: np.ndarray | float = TIE_SHARE
    schedule: pd.DataFrame = field(default_factory=pd.DataFrame)
    simulation: object = None
    notes: list[str] = field(default_factory=list)
    span_end: pd.Timestamp | None = None
    exhausted: np.ndarray | None = None
    simulated: np.ndarray | None = None
    unsimulated: tuple[str, ...] = ()
    thin: dict[str, int] = field(default_factory=dict)
    state: PoolState | None = None
    pool_notes: tuple[str, ...] = ()
    scenario: bool = False
    invites_all: np.ndarray | None = None
    assumptions: pd.DataFrame | None = None
    left_out: tuple[str, ...] = ()

    @property
    def n_paths(self) -> int:
        """Monte Carlo paths [paths]."""
        return self.cutoffs.shape[0]

    @property
    def end(self) -> pd.Timestamp:
        """Last scheduled round's day (the span simulated)."""
        return self.dates.max() if len(self.dates) else self.as_of

    def known_categories(self, categories) -> tuple[str, ...]:
        """``categories`` validated as :func:`eeforecast.odds.odds` does, ``general`` first; a
        slug that is neither a known category nor one with forecast rounds here is a
        ParameterError."""
        cats = eligible_categories(categories)
        for cat in cats:
            if cat not in CATEGORIES and cat not in self.unsimulated and cat not in self.categories:
                raise ParameterError(
                    f"category {cat!r}: not a known category and no forecast rounds of it as of "
                    f"{self.as_of:%Y-%m-%d} (no past rounds with a published pool snapshot)"
                )
        return cats

    def exhausted_share(self, category: str, within: str | None = None) -> float:
        """Share of paths in which a round of ``category`` (within ``within``, default all)
        ran dry: it was asked for more than were eligible [fraction]. Rounds that invite
        everybody by design (``invites_all``) never count."""
        if self.exhausted is None:
            return 0.0
        mask = self.categories == category
        if within is not None:
            mask &= self.dates <= self.as_of + as_span(within)
        if not mask.any():
            return 0.0
        return float(self.exhausted[:, mask].any(axis=1).mean())

    def invite_all(self, category: str) -> bool:
        """Whether ``category``'s rounds invite its whole stock by design (PNP in the
        invite-all regime)."""
        if self.invites_all is None:
            return False
        mask = self.categories == category
        return bool(mask.any() and self.invites_all[mask].all())

    def dry_frame(self) -> pd.DataFrame:
        """Per simulated category: ``category, rounds, invites_all, dry_share`` (share of paths
        in which one of its rounds ran dry over the span) and ``max_round_dry_share`` (the
        largest share for a single round) [fraction]."""
        rows = []
        for cat in dict.fromkeys(self.categories):
            mask = self.categories == cat
            per_round = self.exhausted[:, mask].mean(axis=0) if self.exhausted is not None else [0]
            rows.append(
                {
                    "category": cat,
                    "rounds": int(mask.sum()),
                    "invites_all": self.invite_all(cat),
                    "dry_share": self.exhausted_share(cat),
                    "max_round_dry_share": float(np.max(per_round)),
                }
            )
        return pd.DataFrame(rows)

    def eligible_rounds(self, categories=(), within="6m") -> np.ndarray:
        """Boolean mask of the rounds a candidate in ``categories`` can be invited in."""
        cats = eligible_categories(categories)
        end = self.as_of + as_span(within)
        if self.span_end is not None and end > self.span_end:
            raise ParameterError(
                f"within: {within} reaches {end:%Y-%m-%d}, beyond the simulated schedule "
                f"(to {self.span_end:%Y-%m-%d}); project a longer span"
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
        scores = as_scores(scores)
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

    def __repr__(self) -> str:
        return (
            f"Projection(as_of={self.as_of:%Y-%m-%d}, {len(self.dates)} rounds to "
            f"{self.end:%Y-%m-%d}, {self.n_paths} paths)"
        )


def _round_specs(
    schedule: pd.DataFrame, sizes: dict[str, np.ndarray], invite_all: frozenset = frozenset()
) -> list:
    """Engine rounds from the forecast schedule; each size drawn from the category's recent
    sizes (equal probabilities), or the scheduled size when the category has none; a category
    in ``invite_all`` invites its whole stock on the path (``"all"``)."""
    rounds = []
    for row in schedule.itertuples(index=False):
        recent = sizes.get(row.category, ())
        if row.category in invite_all:
            spec = Invitations("all", ())
        elif len(recent):
            vals = tuple(float(max(1, int(v))) for v in recent)
            spec = Invitations(
                "choice", (("values", vals), ("p", tuple(1 / len(vals) for _ in vals)))
            )
        else:
            spec = Invitations("fixed", (("value", max(float(row.invitations), 1.0)),))
        rounds.append(Round(pd.Timestamp(row.date), row.category, spec))
    return rounds


def _forecast_rounds(feed: Feed, model: PoolModel, day, end, include_stale: bool):
    """The forecast schedule frame to ``end`` (stale categories added when asked or set
    ``include``), the notes, and the stale categories left out."""
    days = (end - day).days
    schedule = forecast_schedule(feed, as_of=day, days=days)
    extra = [c for c, fit in model.categories.items() if fit.include and fit.stale]
    if include_stale or extra:
        stale = forecast_schedule(feed, as_of=day, days=days, include_stale=True)
        wanted = set(schedule["category"]) | set(extra)
        if include_stale:
            wanted |= set(stale["category"])
        schedule = stale[stale["category"].isin(wanted)].reset_index(drop=True)
    left_out = sorted(c for c in model.excluded() if c not in set(schedule["category"]))
    notes = []
    if left_out:
        notes.append(
            f"stale (no round in the last 12 months), left out of the schedule: "
            f"{', '.join(left_out)}"
        )
    return schedule, notes, left_out


def _scenario_rounds(start: Start, plan: Schedule, end: pd.Timestamp):
    """A scenario's rounds up to ``end`` (left-out categories filled when it asks), its
    schedule frame (``date, category, invitations, filled``; ``invitations`` missing for a
    round that invites everybody eligible), notes, and thin sub-pools."""
    if not isinstance(plan, Schedule):
        raise ParameterError(f"schedule: expected a Schedule, got {type(plan).__name__}")
    known = set(start.state.eligible) | {"general"}
    plan, filled = with_recent_pace(plan, start.pool.feed, as_of=start.day, end=end, known=known)
    rounds = plan.expand(start.day)
    unknown = sorted({r.category for r in rounds} - known)
    if unknown:
        raise ParameterError(
            f"schedule: no pool estimate for {', '.join(unknown)} as of {start.day:%Y-%m-%d} "
            f"(known: {', '.join(sorted(known))})"
        )
    notes = []
    if filled:
        notes.append(f"scenario: categories filled at their recent pace: {', '.join(filled)}")
    late = [r for r in rounds if r.date > end]
    if late:
        notes.append(f"scenario: {len(late)} round(s) after {end:%Y-%m-%d} are beyond the span")
    rounds = [r for r in rounds if r.date <= end]
    frame = pd.DataFrame(
        {
            "date": pd.DatetimeIndex([r.date for r in rounds]),
            "category": [r.category for r in rounds],
            # a round that invites everybody eligible has no size before it is run
            "invitations": [
                np.nan if r.invitations.dist == "all" else r.invitations.expected() for r in rounds
            ],
            "filled": [r.filled for r in rounds],
        }
    )
    thin = start.pool.thin(frame["category"].unique())
    notes.extend(thin_note(c, n) for c, n in thin.items())
    return rounds, frame, notes, [], thin


def project(
    source: Feed | str | os.PathLike | None = None,
    *,
    pool: PoolModel | None = None,
    as_of: object = None,
    span: str = "12m",
    n_paths: int | None = 2000,
    rng: int | np.random.Generator | None = None,
    thresholds: Sequence[int] = (501,),
    room: bool = True,
    schedule: Schedule | None = None,
    include_stale: bool = False,
    subpools: dict[str, dict] | None = None,
) -> Projection:
    """Simulate the forecast round schedule (or a scenario's) over ``span`` and keep every
    round's cutoffs.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed); it is cut at ``as_of``.
    pool : PoolModel, optional
        The pool fitted on the same feed as of ``as_of`` (fitted here when omitted).
    as_of : date-like, optional
        The day of the question (default: the feed's day).
    span : str
        Span of the schedule, a typed span such as ``"12m"`` or ``"26w"``
        (:func:`eeforecast.checks.as_span`).
    n_paths : int or None
        Monte Carlo paths; None gives the deterministic expected path [paths].
    rng : int, numpy.random.Generator or None
        Randomness (inflow, round sizes and parameters), converted once.
    thresholds : sequence of int
        Scores whose backlog (candidates at or above) is tracked per round [CRS points].
    room : bool
        The engine's assumption that IRCC sizes a category round well inside its eligible pool
        (see :func:`eeforecast.simulate.simulate_feed`).
    schedule : Schedule, optional
        A scenario to simulate instead of the forecast schedule (its rounds up to the span's
        end; with ``fill="recent"`` the categories it leaves out keep their recent pace,
        :func:`eeforecast.forecast.with_recent_pace`, and ``notes`` names them). Then
        :func:`eeforecast.odds.odds` and :func:`eeforecast.backlog.backlog` read the scenario.
    include_stale : bool
        Also schedule the stale categories (no round in the last 12 months), left out by
        default (a category set ``include=True`` in ``subpools`` is scheduled either way).
    subpools : dict of str to dict, optional
        A researcher's settings per category (:meth:`eeforecast.pool.PoolModel.with_subpool`:
        ``include``, ``share``, ``share_below``, ``stock_ge``, ``refill``), shown in
        ``assumptions``; they override the scenario's own ``[subpool]`` tables.

    Returns
    -------
    Projection

    Notes
    -----
    The engine starts from the latest snapshot on or before ``as_of`` and replays the rounds
    recorded since with their actual sizes; then the forecast schedule
    (:func:`eeforecast.forecast.forecast_schedule`) runs with each round's size drawn from the
    category's last :data:`~eeforecast.forecast.K_SIZES` round sizes; PNP in the invite-all
    regime invites its whole stock on each path (the nominations since the previous round).
    Categories the pool model has no eligibility estimate for, and stale ones, are left out
    (listed in ``notes``). A round that runs out of eligible candidates invites all of them: its
    cutoff is the score of the lowest whole candidate on that path, with every tie invited
    (``exhausted``).
    """
    n_paths = as_n_paths(n_paths)
    offset = as_span(span, "span")
    start = start_from(source, pool=pool, as_of=as_of)
    if getattr(schedule, "subpools", None):  # the scenario's [subpool] tables
        subpools = {**schedule.subpools, **(subpools or {})}
    model = start.pool.with_subpools(subpools)
    if model is not start.pool:
        start = replace(start, pool=model, state=model.state(as_of=start.state.as_of))
    feed, day, state = start.pool.feed, start.day, start.state
    end = day + offset
    plan = schedule
    left_out = []
    if schedule is not None:
        future, schedule, notes, dropped, thin = _scenario_rounds(start, schedule, end)
    else:
        schedule, notes, left_out = _forecast_rounds(feed, model, day, end, include_stale)
        known = set(state.eligible) | {"general"}
        dropped = sorted(set(schedule["category"]) - known)
        if dropped:
            notes.append(
                f"no pool estimate for {', '.join(dropped)}: their rounds are not simulated"
            )
        schedule = schedule[schedule["category"].isin(known) & (schedule["date"] > day)]
        schedule = schedule.reset_index(drop=True)
        thin = start.pool.thin(schedule["category"].unique())
        notes.extend(thin_note(c, n) for c, n in thin.items())
        sizes = {
            c: category_history(feed, c, as_of=day, thresholds=()).sizes_all[-K_SIZES:]
            for c in schedule["category"].unique()
        }
        nominees = start.pool.nominees
        invite_all = frozenset({"pnp"} if nominees is not None and nominees.invite_all else ())
        future = _round_specs(schedule, sizes, invite_all)
    if not future:
        raise ParameterError(
            f"as_of {day:%Y-%m-%d}: no round is expected in the next {span}; nothing to project"
        )
    with warnings.catch_warnings():  # thin sub-pools are in ``notes`` (and odds() warns)
        warnings.simplefilter("ignore", ThinPoolWarning)
        result = simulate_feed(
            pool=start.pool,
            schedule=future,
            as_of=day,
            room=room,
            n_paths=n_paths,
            rng=rng,
            thresholds=tuple(thresholds),
        )
    keep = np.array([not r.replayed for r in result.rounds], dtype=bool)
    categories = np.array([r.category for r in result.rounds], dtype=object)[keep]
    cutoffs = np.asarray(result.cutoff)[:, keep].astype(np.int64)
    tie = np.asarray(result.tie, dtype=float)[:, keep]
    # A round that could not fill its invitations invited everybody eligible: its cutoff is the
    # score of its lowest whole candidate on the path (what the engine reports), every tie invited.
    exhausted = result.dry[:, keep]
    tie = np.where(exhausted, 1.0, tie)
    cats_all = [*dict.fromkeys(categories)]
    return Projection(
        as_of=day,
        dates=pd.DatetimeIndex([r.date for r in result.rounds])[keep],
        categories=categories,
        cutoffs=cutoffs,
        tie=tie,
        exhausted=exhausted,
        simulated=cutoffs,
        invites_all=np.asarray(result.invites_all)[keep],
        assumptions=model.assumptions(cats_all),
        left_out=tuple(left_out),
        schedule=schedule,
        simulation=result,
        notes=notes,
        span_end=end,
        unsimulated=tuple(dropped),
        thin=thin,
        state=state,
        pool_notes=tuple(start.pool.notes),
        scenario=plan is not None,
    )
