"""Simulating from a feed, as it stood on a day: the pool fitted, the rounds held since its snapshot
replayed, then the question asked.

:func:`simulate_feed` runs any schedule; :func:`conditional_cutoff` answers "if IRCC invites N in
category X next, what is the cutoff?"; :func:`cutoff_by_size` asks it for several sizes with the
same random draws. All three take ``source=`` (a feed or a path), ``pool=`` (a fitted
:class:`~eeforecast.pool.PoolModel`, to save the fit) and ``as_of=``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..checks import (
    LEVELS,
    MAX_INVITATIONS,
    as_day,
    as_generator,
    as_levels,
    as_n_paths,
    short_number,
)
from ..data import Feed, as_feed
from ..errors import ParameterError
from ..pool import STRUCTURAL, PoolModel, PoolState, ThinPoolWarning, cached_fit, thin_note
from .calibration import calibrate_replays, check_calibrate
from .result import SimulationResult
from .run import as_rounds, simulate
from .schedule import Invitations, Round, Schedule

__all__ = [
    "ACTIVE_DAYS",
    "MAX_TAKE",
    "SIZE_QUANTILES",
    "Start",
    "conditional_cutoff",
    "cutoff_by_size",
    "prepare",
    "replayed_rounds",
    "simulate_feed",
    "start_from",
    "with_settings",
]

#: Largest share of a category's sub-pool that one round takes (the room assumption) [fraction].
MAX_TAKE = 0.75
#: A category is active when it held a round in this many days before the as-of day [days].
ACTIVE_DAYS = 365
#: Quantiles of the past year's round sizes that :func:`cutoff_by_size` asks about by default.
SIZE_QUANTILES = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True)
class Start:
    """Where a simulation from a feed starts.

    Attributes
    ----------
    pool : PoolModel
        The pool fitted as of ``day``.
    state : PoolState
        Its latest snapshot on or before ``day`` (before the rounds held since).
    day : pandas.Timestamp
        The as-of day.
    rounds : pandas.DataFrame
        The rounds known on ``day`` (those since the snapshot are replayed).
    """

    pool: PoolModel
    state: PoolState
    day: pd.Timestamp
    rounds: pd.DataFrame


def start_from(
    source: Feed | str | os.PathLike | None = None,
    *,
    pool: PoolModel | None = None,
    as_of: object = None,
) -> Start:
    """The pool as it stood on ``as_of``: ``pool`` if given, else fitted on ``source`` (or read
    from the cache of fitted models, :func:`~eeforecast.pool.cached_fit`).

    Raises
    ------
    ParameterError
        ``pool`` is not a :class:`~eeforecast.pool.PoolModel`, or was fitted as of another day than ``as_of``
        (a later fit would see the future, an earlier one misses rounds).
    """
    day = None if as_of is None else as_day(as_of, "as_of")
    if pool is None:
        if isinstance(source, PoolState):
            raise ParameterError(
                "source: a PoolState is simulated as it is with eeforecast.simulate.simulate"
                "(state, schedule); source= is a feed or a path"
            )
        feed = as_feed(source, as_of=day)
        pool = cached_fit(feed, as_of=day)
        day = feed.day if day is None else day
    elif not isinstance(pool, PoolModel):
        raise ParameterError(
            f"pool: expected a fitted PoolModel (fit_pool(...)), got {type(pool).__name__}"
        )
    elif day is not None and day != pool.as_of:
        raise ParameterError(
            f"pool: fitted as of {pool.as_of:%Y-%m-%d}, not as of {day:%Y-%m-%d} (a later fit "
            "would see the future, an earlier one misses rounds); fit it as of that day"
        )
    state = pool.state()
    day = max(pool.as_of, state.as_of) if day is None else day
    rounds = pool.rounds[pool.rounds["date"] <= day]
    return Start(pool=pool, state=state, day=day, rounds=rounds)


def replayed_rounds(rounds, since: object, until: object) -> list[Round]:
    """The rounds dated ``since <= date <= until``, as :class:`Round` objects with their actual
    invitations and ``replayed=True``.

    Parameters
    ----------
    rounds : Feed or pandas.DataFrame
        A feed, or a frame with ``date, category, invitations`` (e.g. ``feed.rounds``).
    since, until : date-like
        The snapshot's day and the as-of day. A snapshot describes the pool before the rounds
        held on its day, so the rounds dated on the snapshot's day are replayed too.
    """
    frame = rounds.rounds if hasattr(rounds, "rounds") else rounds
    since, until = as_day(since, "since"), as_day(until, "until")
    rows = frame[(frame["date"] >= since) & (frame["date"] <= until)]
    return [
        Round(
            pd.Timestamp(row.date),
            row.category,
            Invitations("fixed", (("value", float(row.invitations)),)),
            True,
        )
        for row in rows.itertuples(index=False)
    ]


def _check_not_before(rounds: Sequence[Round], day: pd.Timestamp) -> None:
    """Refuse a scheduled round dated before the as-of day, naming it."""
    for i, rnd in enumerate(rounds):
        if rnd.date < day:
            raise ParameterError(
                f"round {i + 1} ({rnd.category}:{rnd.invitations} on {rnd.date:%Y-%m-%d}): "
                f"date is before the as-of day {day:%Y-%m-%d}"
            )


def _warn_thin(pool: PoolModel, rounds: Sequence[Round]) -> None:
    """A :class:`eeforecast.pool.ThinPoolWarning` for each scheduled category whose sub-pool the
    pool model estimated from too few past rounds."""
    for category, n in pool.thin(rnd.category for rnd in rounds).items():
        warnings.warn(thin_note(category, n), ThinPoolWarning, stacklevel=4)


def _with_room(pool: PoolModel, state: PoolState, rounds: Sequence[Round]) -> PoolState:
    """The state after :meth:`PoolModel.with_room` for each category's largest scheduled round,
    with ``level_floor`` set so that every Monte Carlo path leaves that room too."""
    roomy = pool
    floors = {}
    for category in dict.fromkeys(rnd.category for rnd in rounds):
        own = [rnd for rnd in rounds if rnd.category == category]
        largest = max(rnd.invitations.expected() for rnd in own)
        roomy = roomy.with_room(category, largest, own[0].date, max_take=MAX_TAKE)
        if category not in STRUCTURAL:
            eligible = float(roomy.eligible_on(category, own[0].date).sum())
            if eligible > 0:
                floors[category] = min(1.0, largest / (MAX_TAKE * eligible))
    new = state if roomy is pool else roomy.state(as_of=state.as_of)
    return replace(new, level_floor={**new.level_floor, **floors})


def prepare(start: Start, schedule, room: bool = True) -> tuple[PoolState, list[Round]]:
    """The starting state and every round to simulate: the rounds recorded since the state's
    snapshot, replayed, then ``schedule`` (checked, thin sub-pools warned about, the room rule
    applied when ``room``)."""
    rounds = as_rounds(schedule, start.day)
    _check_not_before(rounds, start.day)
    _warn_thin(start.pool, rounds)
    state = _with_room(start.pool, start.state, rounds) if room else start.state
    past: list[Round] = []
    for rnd in replayed_rounds(start.rounds, state.as_of, start.day):
        if rnd.category != "general" and rnd.category not in state.eligible:
            warnings.warn(
                f"replaying the rounds since the snapshot of {state.as_of:%Y-%m-%d}: skipped "
                f"the {rnd.category} round of {rnd.date:%Y-%m-%d} (the pool state has no "
                "eligible estimate for that category)",
                stacklevel=3,
            )
            continue
        past.append(rnd)
    return state, past + rounds


def simulate_feed(
    source: Feed | str | os.PathLike | None = None,
    schedule: Schedule | Iterable[Round] = (),
    *,
    as_of: object = None,
    pool: PoolModel | None = None,
    room: bool = True,
    subpools: dict[str, dict] | None = None,
    calibrate: bool = False,
    **kwargs,
) -> SimulationResult:
    """Simulate rounds from the pool as it stood on ``as_of``.

    Parameters
    ----------
    source : Feed, path or None
        The feed (None: the default feed); the pool is fitted on it as of ``as_of``
        (:func:`eeforecast.pool.fit_pool`).
    schedule : Schedule or iterable of Round
        The hypothetical rounds, dated on or after ``as_of`` (rules without ``from`` start on
        ``as_of``).
    as_of : date-like or None
        The day the question is asked (default: the latest day in the data).
    pool : PoolModel, optional
        The pool already fitted as of ``as_of`` (``source`` is then not read).
    room : bool
        Assume IRCC sizes a category round well inside its eligible pool: a category whose
        modelled sub-pool its largest scheduled round would take beyond 3/4 is scaled up until
        that round takes 3/4 (:meth:`eeforecast.pool.PoolModel.with_room`; not for ``pnp`` and
        ``general``). In Monte Carlo with parameter uncertainty the same holds on every path:
        a path's level multiplier is raised to the one at which that round takes 3/4 of the
        expected sub-pool (``PoolState.level_floor``).
    subpools : dict of str to dict, optional
        A researcher's settings per category (:meth:`eeforecast.pool.PoolModel.with_subpool`),
        on top of the schedule's ``[subpool.<category>]`` tables; the result's
        ``assumptions`` shows them.
    calibrate : bool
        Widen the cutoff intervals by the replays of the earlier quarterly origins
        (:func:`eeforecast.simulate.calibration.calibrate_replays`; Monte Carlo only): the result's
        ``calibration`` holds the replays, and its
        :meth:`~SimulationResult.to_frame` returns the widened ``cutoff_lo_<L>,
        cutoff_hi_<L>`` with a ``calibrated`` column. The paths and the median are those of
        ``calibrate=False`` with the same ``rng``.
    **kwargs
        Passed to :func:`eeforecast.simulate.simulate` (``n_paths``, ``rng``, ``thresholds``
        ...).

    Raises
    ------
    ParameterError
        ``calibrate`` is not a bool, or is True without Monte Carlo paths (``n_paths`` of 2 or
        more).

    Notes
    -----
    The state is the latest pool snapshot on or before ``as_of``. The rounds recorded from the
    snapshot's day up to ``as_of`` are replayed first with their actual invitations (they are
    marked ``replayed`` and left out of :meth:`SimulationResult.to_frame` by default), and the
    expected inflow (or, in Monte Carlo, random inflow) since the snapshot is added. Past rounds
    of a category the pool state does not estimate are skipped with a warning. A stale
    category (no round in the last 12 months) is simulated when the schedule names it; the
    ``assumptions`` frame says it is stale.

    With ``calibrate``, the quarterly origins of the three years before ``as_of`` whose six-month
    replay windows had ended by ``as_of`` are replayed (only data published by ``as_of``), with
    the same number of paths, ``room`` and ``parameter_uncertainty``; their random streams come
    from ``rng`` after the simulation's own draws. Each category's intervals 1-3 and 4-6 months
    ahead are widened by the split-conformal quantile of how far its replayed actual cutoffs
    fell outside their intervals; rounds further ahead use the 4-6 widening. A category and
    bucket with fewer than :data:`~eeforecast.simulate.calibration.MIN_SCORES` scores keeps its
    simulated interval, flagged.
    """
    calibrate = check_calibrate(calibrate, kwargs.get("n_paths"))
    start = start_from(source, pool=pool, as_of=as_of)
    settings = Schedule(subpools={**getattr(schedule, "subpools", {}), **(subpools or {})})
    start = with_settings(start, settings)
    state, rounds = prepare(start, schedule, room)
    if calibrate:
        kwargs["rng"] = as_generator(kwargs.get("rng"))  # the replays draw after the simulation
    result = simulate(state, rounds, **kwargs)
    result.assumptions = start.pool.assumptions([r.category for r in rounds])
    if calibrate:
        if start.pool.feed is None:
            raise ParameterError("calibrate: the pool carries no feed to replay; give source=")
        result.calibration = calibrate_replays(
            start.pool.feed,
            start.day,
            n_paths=int(kwargs["n_paths"]),
            rng=kwargs["rng"],
            room=room,
            parameter_uncertainty=kwargs.get("parameter_uncertainty", True),
        )
    return result


def conditional_cutoff(
    source: Feed | str | os.PathLike | None,
    category: str,
    size: object,
    *,
    as_of: object = None,
    date: object = None,
    pool: PoolModel | None = None,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    room: bool = True,
    **kwargs,
) -> SimulationResult:
    """The cutoff if IRCC invites ``size`` candidates in ``category`` next.

    Parameters
    ----------
    source : Feed, path or None
        See :func:`simulate_feed`.
    category : str
        Category slug of the hypothetical round.
    size : int or mapping
        Its invitations [candidates] (a distribution mapping is accepted, see
        :class:`Invitations`).
    as_of : date-like or None
        What is known: the latest snapshot on or before it, and the rounds up to it.
    date : date-like or None
        Day of the hypothetical round (default: the as-of day).
    pool : PoolModel, optional
        See :func:`simulate_feed`.
    n_paths : int or None
        None: the deterministic expected path; a number: Monte Carlo paths [paths].
    rng : int, numpy.random.Generator or None
        Randomness of the Monte Carlo.
    room : bool
        See :func:`simulate_feed`.
    **kwargs
        Passed to :func:`eeforecast.simulate.simulate`.

    Returns
    -------
    SimulationResult
        The replayed rounds since the snapshot, then the hypothetical round;
        :meth:`SimulationResult.final` is its row (``cutoff`` and, with paths, intervals).

    Examples
    --------
    >>> res = conditional_cutoff(None, "cec", 3000, as_of="2025-06-01")
    >>> 450 < int(res.final()["cutoff"]) < 600
    True
    """
    start = start_from(source, pool=pool, as_of=as_of)
    when = start.day if date is None else as_day(date, "date")
    rnd = Round.make(when, category, size, where="hypothetical round")
    state, rounds = prepare(start, [rnd], room)
    result = simulate(state, rounds, n_paths=as_n_paths(n_paths), rng=rng, **kwargs)
    result.assumptions = start.pool.assumptions([r.category for r in rounds])
    return result


def with_settings(start: Start, schedule) -> Start:
    """``start`` with the schedule's ``[subpool.<category>]`` settings applied to its pool (the
    start itself when it has none)."""
    model = start.pool.with_subpools(getattr(schedule, "subpools", None))
    if model is start.pool:
        return start
    return replace(start, pool=model, state=model.state(as_of=start.state.as_of))


def cutoff_by_size(
    source: Feed | str | os.PathLike | None,
    category: str,
    sizes: Sequence[int] | None = None,
    *,
    as_of: object = None,
    date: object = None,
    pool: PoolModel | None = None,
    n_paths: int | None = None,
    rng: int | np.random.Generator | None = None,
    levels: Sequence[int] = LEVELS,
    room: bool = True,
) -> pd.DataFrame:
    """The cutoff of the category's next round at each of several sizes (a what-if table).

    The round's size moves its cutoff more than anything else a forecast can know, and IRCC
    publishes it only with the round: this table gives :func:`conditional_cutoff`'s answer for
    each size an analyst may expect, with the same random draws for every size (common random
    numbers), so a larger round never gets a higher cutoff.

    Parameters
    ----------
    source : Feed, path or None
        See :func:`simulate_feed`.
    category : str
        Category slug of the round; it must be active (a round in the :data:`ACTIVE_DAYS` days
        before ``as_of``).
    sizes : sequence of int, optional
        Invitations to ask about [candidates]. Default: the smallest, quartiles and largest of
        the category's round sizes of the past :data:`ACTIVE_DAYS` days, rounded to 50 within
        that range (duplicates dropped).
    as_of : date-like, optional
        What is known (default: the feed's last day).
    date : date-like, optional
        Day of the round (default: the as-of day; :func:`eeforecast.forecast.next_round_day`
        gives the category's expected one).
    pool : PoolModel, optional
        See :func:`simulate_feed`.
    n_paths : int or None
        None: the deterministic expected path, without intervals; a number: Monte Carlo paths
        per size [paths].
    rng : int, numpy.random.Generator or None
        Seed. Every size uses the same draws.
    levels : sequence of int
        Interval levels [%].
    room : bool
        See :func:`simulate_feed`.

    Returns
    -------
    pandas.DataFrame
        One row per size, ascending: ``category, date, invitations`` [candidates], ``cutoff``
        and ``cutoff_lo_<L>, cutoff_hi_<L>`` [CRS points] (median and interval over paths),
        ``invited`` (median over paths) [candidates], below ``invitations`` when the round ran
        out of eligible candidates in most paths, ``exhausted_share``, the share of paths in
        which it invited everybody eligible, and ``dry_share``, the share in which it did so
        because it was asked for more (ran dry) [fraction]. Such a round's cutoff on that path
        is the score of the lowest whole candidate among them. A PNP round in the invite-all
        regime always invites everybody (its size is the stock, ``exhausted_share`` 1,
        ``dry_share`` 0). The sub-pool assumptions are those of the pool model
        (:meth:`eeforecast.pool.PoolModel.assumptions`).

    Raises
    ------
    ParameterError
        An unknown or inactive category, a size below 1, ``n_paths`` below 1, a ``pool``
        fitted as of another day.

    Warns
    -----
    UserWarning
        A size larger than the eligible candidates left, or larger than the category's largest
        round of the past year (the room assumption then makes the answer an extrapolation).
    eeforecast.pool.ThinPoolWarning
        The category's sub-pool rests on too few past rounds.

    Notes
    -----
    Assumes this round is the next one: no other round is held between ``as_of`` and ``date``.
    How accurate the answer is when the size is right is measured by the conditional
    evaluation (:func:`eeforecast.evaluation.evaluate_conditional`).
    """
    n_paths = as_n_paths(n_paths)
    levels = as_levels(levels)
    start = start_from(source, pool=pool, as_of=as_of)
    day = start.day
    r = start.rounds
    recent = (r["category"] == category) & (r["date"] > day - pd.Timedelta(days=ACTIVE_DAYS))
    if not recent.any():
        raise ParameterError(
            f"category {category!r}: no round of it in the {ACTIVE_DAYS} days before {day:%Y-%m-%d}"
        )
    past = r.loc[recent & (r["invitations"] > 0), "invitations"].to_numpy(dtype=float)
    if sizes is None:
        rounded = np.round(np.quantile(past, SIZE_QUANTILES) / 50) * 50
        sizes = np.clip(rounded, past.min(), past.max())
    given = [sizes] if np.ndim(sizes) == 0 else list(sizes)
    if not given or not all(
        isinstance(n, int | np.integer | float)
        and not isinstance(n, bool)
        and 1 <= n <= MAX_INVITATIONS  # False for NaN and infinity
        and n == int(n)
        for n in given
    ):
        raise ParameterError(
            f"sizes: expected whole numbers from 1 to {MAX_INVITATIONS:,}, got "
            f"{', '.join(short_number(n) for n in given) or 'none'}"
        )
    sizes = sorted({int(n) for n in given})
    when = day if date is None else as_day(date, "date")
    if room and sizes[-1] > past.max():
        warnings.warn(
            f"by-size: {category} size {sizes[-1]:,} is above the category's largest round of "
            f"the past year ({past.max():,.0f}); the room assumption scales its sub-pool up to "
            "fit, so that cutoff is an extrapolation",
            UserWarning,
            stacklevel=2,
        )
    # one seed for every size (common random numbers): an int seed is used as given
    seed = rng if isinstance(rng, int | np.integer) else None
    if seed is None:
        seed = int(as_generator(rng).integers(2**63))
    else:
        as_generator(rng)  # a negative or boolean seed is refused here
    rows = []
    for i, n in enumerate(sizes):
        with warnings.catch_warnings():
            if i:  # said once, with the first size
                warnings.simplefilter("ignore", ThinPoolWarning)
            res = conditional_cutoff(
                None,
                category,
                n,
                as_of=day,
                date=when,
                pool=start.pool,
                room=room,
                n_paths=n_paths,
                rng=seed,
            )
        res.warn_shortfalls()
        row = res.to_frame(levels, replayed=True).iloc[-1]
        keep = ["category", "date", "invitations", "cutoff"]
        keep += [c for c in row.index if c.startswith(("cutoff_lo_", "cutoff_hi_"))]
        rows.append(
            {
                **row[keep].to_dict(),
                "invited": float(np.median(res.invited[:, -1])),
                "exhausted_share": float(np.mean(res.exhausted[:, -1])),
                "dry_share": float(np.mean(res.dry[:, -1])),
            }
        )
    return pd.DataFrame(rows)
