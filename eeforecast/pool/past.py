"""The rounds up to the fit's day as the calibrations read them (:class:`PastRounds`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .config import PoolConfig
from .density import score_inflow
from .flows import allocate_round

__all__ = ["PastRounds"]


@dataclass
class PastRounds:
    """The rounds up to the fit's day, as the calibrations read them.

    Attributes
    ----------
    dates, category, invitations, cutoff : numpy.ndarray, shape (R,)
        The rounds [datetime64], [slug], [candidates], [CRS points].
    snapshot : numpy.ndarray of int, shape (R,)
        Index of the latest snapshot on or before each round (-1: none).
    gap : numpy.ndarray, shape (R,)
        Days from that snapshot to the round (``inf`` without one) [days].
    usable : numpy.ndarray of bool, shape (R,)
        Rounds that calibrate the model: within ``lookback_days`` of the fit's day, with a
        snapshot at most ``max_gap_days`` before them.
    weight : numpy.ndarray, shape (R,)
        Recency weight, halving every ``half_life_days`` [-].
    """

    dates: np.ndarray
    category: np.ndarray
    invitations: np.ndarray
    cutoff: np.ndarray
    snapshot: np.ndarray
    gap: np.ndarray
    usable: np.ndarray
    weight: np.ndarray
    snapshot_dates: np.ndarray
    counts: np.ndarray
    densities: np.ndarray
    inflow: np.ndarray
    _before: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, rounds, dates, counts, densities, inflow, day, config: PoolConfig) -> PastRounds:
        r_dates = rounds["date"].to_numpy(dtype="datetime64[ns]")
        day64 = np.datetime64(day, "ns")
        lookback = np.timedelta64(int(config.lookback_days), "D")
        recent = (r_dates > day64 - lookback) & (r_dates <= day64)
        snap_of = np.searchsorted(dates, r_dates, side="right") - 1
        gap = np.where(
            snap_of >= 0,
            (r_dates - dates[np.maximum(snap_of, 0)]) / np.timedelta64(1, "D"),
            np.inf,
        )
        return cls(
            dates=r_dates,
            category=rounds["category"].to_numpy(),
            invitations=rounds["invitations"].to_numpy(dtype=float),
            cutoff=rounds["cutoff"].to_numpy(),
            snapshot=snap_of,
            gap=gap,
            usable=recent & (snap_of >= 0) & (gap <= config.max_gap_days),
            weight=0.5 ** ((day64 - r_dates) / np.timedelta64(1, "D") / config.half_life_days),
            snapshot_dates=dates,
            counts=counts,
            densities=densities,
            inflow=inflow,
        )

    def inflow_at(self, j: int) -> np.ndarray:
        """Net inflow per score in snapshot ``j``'s shape [candidates/day]."""
        return score_inflow(self.inflow, self.densities[j], self.counts[j])

    def before(self, i: int) -> np.ndarray:
        """Candidates at each score just before round ``i``: its snapshot, minus the rounds
        held since, plus the net inflow since (as :meth:`PoolModel.pool_on`) [candidates]."""
        if i not in self._before:
            j = self.snapshot[i]
            total = self.densities[j].copy()
            between = np.flatnonzero(
                (self.dates >= self.snapshot_dates[j]) & (self.dates < self.dates[i])
            )
            for k in between:
                total -= allocate_round(
                    total, self.category[k], self.invitations[k], self.cutoff[k]
                )
            total += self.inflow_at(j) * self.gap[i]
            self._before[i] = np.maximum(total, 0.0)
        return self._before[i]

    def forget(self) -> None:
        """Drop the cached pools (after the densities changed)."""
        self._before.clear()
