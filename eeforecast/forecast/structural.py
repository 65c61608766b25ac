"""The structural models: forecast the schedule, then ask the pool engine for the cutoff
(:class:`Structural`), or for its distribution over the round sizes the category has used
(:class:`SizeMixture`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..pool import cached_fit
from ..simulate import Invitations, Round, simulate_feed
from .history import Future, History
from .models import MIN_SD, FittedModel, Naive, NaiveFallback, quiet
from .schedule import forecast_schedule

__all__ = ["SizeMixture", "Structural"]


@dataclass(frozen=True)
class Structural:
    """Forecast sizes and dates, then ask the pool engine for the cutoff.

    Notes
    -----
    The pool model (:func:`eeforecast.pool.fit_pool`) is fitted on the feed as of the origin.
    Every active category's expected rounds (:func:`forecast_schedule`) up to the last forecast
    date are simulated on it deterministically (:func:`eeforecast.simulate.simulate_feed`, which
    first replays the rounds held since the latest snapshot); this category's rounds use the
    dates and sizes of ``future``. The cutoff of each is the forecast. The spread is that of
    :class:`Naive` (calibration rescales it). Assumes the schedule forecast is right: an
    unexpected large round moves the cutoff that this model cannot see coming. It is slow
    (one pool fit per origin), so it is not among :data:`DEFAULT_MODELS`; add it explicitly.
    """

    name: str = "structural"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        model = _origin_pool(self, history)
        return model if isinstance(model, NaiveFallback) else _StructuralFit(self, history, model)


def _origin_pool(spec, history: History):
    """The pool model fitted on the data at the origin, or the :class:`NaiveFallback` that says
    why there is none (no snapshot yet, a failed fit, no eligible estimate for the category)."""
    feed = history.feed
    if feed is None or not len(feed.snapshots):
        return NaiveFallback(spec, history, "no pool snapshot before the origin")
    try:
        with quiet():
            model = cached_fit(feed, as_of=history.as_of)
    except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
        return NaiveFallback(spec, history, f"pool fit failed: {exc}")
    if history.category != "general" and history.category not in model.state().eligible:
        return NaiveFallback(spec, history, "the pool model has no eligible estimate")
    return model


class _StructuralFit(FittedModel):
    def __init__(self, spec, history, model):
        super().__init__(spec, history)
        self.model = model
        self._naive = Naive().fit(history)

    def forecast(self, future):

        h = self.history
        state = self.model.state()
        horizon = max(1, (future.dates[-1] - h.as_of).days)
        sched = forecast_schedule(h.feed, as_of=h.as_of, days=horizon, levels=())
        rounds = [
            Round.make(row.date, row.category, max(1, int(round(row.invitations))))
            for row in sched.itertuples(index=False)
            if row.category != h.category
            and (row.category == "general" or row.category in state.eligible)
        ]
        mine = [
            Round.make(d, h.category, max(1, int(round(n))))
            for d, n in zip(future.dates, future.invitations, strict=True)
        ]
        order = sorted(
            [(r.date, 1, i, r) for i, r in enumerate(rounds)]
            + [(r.date, 0, i, r) for i, r in enumerate(mine)],
            key=lambda t: t[:3],
        )
        with quiet():
            res = simulate_feed(pool=self.model, schedule=[t[3] for t in order], as_of=h.as_of)
        frame = res.to_frame()
        cut = frame.loc[frame["category"] == h.category, "cutoff"].to_numpy(dtype=float)
        _, sd = self._naive.forecast(future)
        if len(cut) != future.steps or not np.isfinite(cut).all():
            return self._naive.forecast(future)
        return cut, sd


def _other_rounds(history: History, state, until: pd.Timestamp) -> list:
    """The other active categories' forecast rounds up to ``until`` at their forecast sizes
    (those the pool state can simulate)."""
    horizon = max(1, (until - history.as_of).days)
    sched = forecast_schedule(history.feed, as_of=history.as_of, days=horizon, levels=())
    return [
        Round.make(row.date, row.category, max(1, int(round(row.invitations))))
        for row in sched.itertuples(index=False)
        if row.category != history.category
        and (row.category == "general" or row.category in state.eligible)
    ]


@dataclass(frozen=True)
class SizeMixture:
    """The pool engine's cutoff distribution, mixed over the round sizes the category has used.

    IRCC publishes a round's size only with the round, and the size moves the cutoff more than
    anything else a forecast can know. This model does not pretend to know it: the category's
    next rounds are simulated on the pool fitted at the origin (one fit per origin, cached)
    with each size one of the category's last ``k_sizes`` sizes, equally likely, and the
    forecast is the resulting ensemble of cutoffs (:data:`~eeforecast.forecast.ENSEMBLE_METHOD`),
    scored by its exact CRPS.

    Parameters
    ----------
    n_paths : int
        Monte Carlo paths per first-round size [paths].
    k_sizes : int
        The plausible sizes: the category's last this many round sizes [rounds].
    n_sizes : int
        The first round is run at this many sizes: the quantiles ``(i + 0.5) / n_sizes`` of
        those recent sizes, equally likely (a quadrature of the size distribution; fewer
        engine runs than one per distinct size).
    seed : int
        Seed of every simulation (the same for every size: common random numbers).

    Notes
    -----
    The first round is run at each of the ``n_sizes`` sizes with the same seed (the by-size
    machinery of :func:`eeforecast.simulate.cutoff_by_size`: common random numbers, so the
    sizes differ only by the size) and the draws are pooled; the category's later rounds draw
    their sizes from the recent sizes on each path. Rounds are dated as ``future`` says; the
    other active categories' forecast rounds are simulated in between at their forecast sizes
    (as :class:`Structural`). The point forecast is the ensemble's median. It fits a pool per
    origin and runs the engine ``n_sizes`` times per forecast, so it is not among the defaults.
    """

    name: str = "sizemix"
    n_paths: int = 100
    k_sizes: int = 12
    n_sizes: int = 5
    seed: int = 20251217
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        model = _origin_pool(self, history)
        return model if isinstance(model, NaiveFallback) else _SizeMixtureFit(self, history, model)


class _SizeMixtureFit(FittedModel):
    def __init__(self, spec, history, model):
        super().__init__(spec, history)
        self.model = model
        self._naive = Naive().fit(history)
        self._cache: dict = {}
        recent = np.maximum(history.sizes_all[-spec.k_sizes :], 1.0)
        self.recent = np.unique(np.round(recent).astype(int), return_counts=True)
        points = np.quantile(recent, (np.arange(spec.n_sizes) + 0.5) / spec.n_sizes)
        self.sizes = np.round(points).astype(int)  # ascending, may repeat
        self.params = {"recent_sizes": float(len(recent))}

    def by_size(self, future: Future) -> dict[int, np.ndarray] | None:
        """The category's simulated cutoffs for each first-round size of ``self.sizes``, with
        the same random draws (common random numbers): ``size -> (n_paths, steps)`` [CRS
        points]; None when the engine does not give every round."""
        key = (tuple(future.dates), tuple(np.asarray(future.invitations, dtype=float)))
        if key not in self._cache:
            self._cache[key] = self._simulate(future)
        return self._cache[key]

    def ensemble(self, future: Future) -> list[np.ndarray] | None:
        """The mixture: the draws of every size of ``self.sizes`` pooled (a size that appears
        twice counts twice)."""
        runs = self.by_size(future)
        if runs is None:
            return None
        draws = [
            np.concatenate([runs[int(n)][:, j] for n in self.sizes]) for j in range(future.steps)
        ]
        draws = [d[np.isfinite(d)] for d in draws]
        return draws if all(len(d) for d in draws) else None

    def _simulate(self, future: Future) -> dict[int, np.ndarray] | None:
        h, spec = self.history, self.spec
        others = _other_rounds(h, self.model.state(), future.dates[-1])
        values, counts = self.recent
        later = Invitations(
            "choice",
            (
                ("values", tuple(float(v) for v in values)),
                ("p", tuple(float(c) / counts.sum() for c in counts)),
            ),
        )
        runs = {}
        for size in dict.fromkeys(self.sizes.tolist()):
            mine = [Round.make(future.dates[0], h.category, int(size))]
            mine += [Round(pd.Timestamp(d), h.category, later) for d in future.dates[1:]]
            order = sorted(
                [(r.date, 1, i, r) for i, r in enumerate(others)]
                + [(r.date, 0, i, r) for i, r in enumerate(mine)],
                key=lambda t: t[:3],
            )
            with quiet():
                res = simulate_feed(
                    pool=self.model,
                    schedule=[t[3] for t in order],
                    as_of=h.as_of,
                    n_paths=spec.n_paths,
                    rng=spec.seed,
                )
            cols = [
                j for j, r in enumerate(res.rounds) if not r.replayed and r.category == h.category
            ]
            if len(cols) != future.steps:
                return None
            runs[int(size)] = np.asarray(res.cutoff, dtype=float)[:, cols]
        return runs

    def forecast(self, future: Future) -> tuple[np.ndarray, np.ndarray]:
        draws = self.ensemble(future)
        if draws is None:
            return self._naive.forecast(future)
        mean = np.array([float(np.median(d)) for d in draws])
        sd = np.array([max(float(np.std(d)), MIN_SD) for d in draws])
        return mean, sd
