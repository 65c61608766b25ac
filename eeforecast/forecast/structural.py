"""The structural model: forecast the schedule, then ask the pool engine for the cutoff."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..pool import cached_fit
from ..simulate import Round, simulate_feed
from .history import History
from .models import FittedModel, Naive, NaiveFallback, quiet
from .schedule import forecast_schedule

__all__ = ["Structural"]


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
        feed = history.feed
        if feed is None or not len(feed.snapshots):
            return NaiveFallback(self, history, "no pool snapshot before the origin")
        try:
            with quiet():
                model = cached_fit(feed, as_of=history.as_of)
        except (ValueError, RuntimeError, np.linalg.LinAlgError) as exc:
            return NaiveFallback(self, history, f"pool fit failed: {exc}")
        state = model.state()
        if history.category != "general" and history.category not in state.eligible:
            return NaiveFallback(self, history, "the pool model has no eligible estimate")
        return _StructuralFit(self, history, model)


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
