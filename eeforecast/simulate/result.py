"""The result of a simulation: ``(n_paths, n_rounds)`` arrays, tidy frames, a summary and a plot."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..checks import LEVELS
from ..scores import MAX_SCORE
from .schedule import Round

if TYPE_CHECKING:  # for annotations only: the calibration module imports this one
    from .calibration import ReplayCalibration

__all__ = ["DRY_SHARE", "SimulationResult", "assumptions_text", "path_quantiles"]

#: A round running dry on more than this share of the paths is warned about [fraction].
DRY_SHARE = 0.05


def assumptions_text(frame: pd.DataFrame) -> str:
    """The assumptions frame of a simulation as indented text under a heading."""
    with pd.option_context("display.width", 200, "display.max_columns", None):
        body = frame.to_string(index=False)
    return "Sub-pool assumptions\n" + "\n".join("  " + line for line in body.splitlines())


def path_quantiles(values: np.ndarray, q) -> np.ndarray:
    """Quantiles over the paths (axis 0) of a ``(n_paths, n_rounds)`` array [its units].

    The quantiles are sample values (``inverted_cdf``), so a cutoff stays a whole score; NaN
    (nobody invited on that path) is left out. ``q`` is a probability or a list of them (then
    one row per probability)."""
    if not np.isnan(values).any():  # the common case, vectorised (nanquantile loops by column)
        return np.quantile(values, q, axis=0, method="inverted_cdf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column: nobody invited
        return np.nanquantile(values, q, axis=0, method="inverted_cdf")


@dataclass
class SimulationResult:
    """Simulated rounds: ``(n_paths, n_rounds)`` arrays plus the schedule.

    Attributes
    ----------
    rounds : list of Round
        The rounds simulated, in order.
    start : pandas.Timestamp
        Day of the starting pool state.
    cutoff : numpy.ndarray of int, (n_paths, n_rounds)
        Lowest score invited [CRS points]; 1201 when nobody could be invited.
    invited : numpy.ndarray, (n_paths, n_rounds)
        Candidates invited (less than requested only if too few were eligible) [candidates].
    pool : numpy.ndarray, (n_paths, n_rounds)
        Candidates left after the round [candidates].
    inflow, outflow : numpy.ndarray, (n_paths, n_rounds)
        Candidates who joined / left (expiry) since the previous round [candidates].
    above : dict int -> numpy.ndarray, (n_paths, n_rounds)
        Candidates left at or above each threshold after the round (backlog) [candidates].
    start_pool : numpy.ndarray, (n_paths,)
        Candidates at the start [candidates].
    requested : numpy.ndarray, (n_paths, n_rounds)
        Invitations each round was asked to issue (drawn when a round's size is random)
        [candidates].
    tie : numpy.ndarray, (n_paths, n_rounds)
        Share of the eligible candidates at the cutoff score who were invited (the tie-break
        by profile time reached that far); NaN when nobody was invited [fraction 0..1].
    deterministic : bool
        True for the single expected path.
    invites_all : numpy.ndarray of bool, (n_rounds,) or None
        Rounds that invite their category's whole eligible stock by design (``invitations =
        "all"``, or a category in the invite-all regime such as PNP since 2025-04): inviting
        everybody is then the round, not a shortfall.
    assumptions : pandas.DataFrame or None
        What the simulation assumed about each category's sub-pool, one row per category
        (:meth:`eeforecast.pool.PoolModel.assumptions`); set by
        :func:`eeforecast.simulate.simulate_feed`.
    calibration : eeforecast.simulate.calibration.ReplayCalibration or None
        The replays that widen the cutoff intervals of :meth:`to_frame` (set by
        ``simulate_feed(..., calibrate=True)``); None: the intervals are as simulated.
    """

    rounds: list[Round]
    start: pd.Timestamp
    cutoff: np.ndarray
    invited: np.ndarray
    pool: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    above: dict[int, np.ndarray] = field(default_factory=dict)
    start_pool: np.ndarray | None = None
    requested: np.ndarray | None = None
    tie: np.ndarray | None = None
    deterministic: bool = True
    invites_all: np.ndarray | None = None
    assumptions: pd.DataFrame | None = None
    calibration: ReplayCalibration | None = None

    @classmethod
    def _build(cls, rounds, arrays, start, *, deterministic, thresholds, invites_all=None):
        above = arrays["above"]
        return cls(
            rounds=list(rounds),
            start=start,
            cutoff=arrays["cutoff"].astype(np.int16),
            invited=arrays["invited"],
            pool=arrays["pool"],
            inflow=arrays["inflow"],
            outflow=arrays["outflow"],
            above={t: above[i] for i, t in enumerate(thresholds)},
            start_pool=arrays["start_pool"],
            requested=arrays["requested"],
            tie=arrays["tie"],
            deterministic=deterministic,
            invites_all=(
                np.zeros(len(rounds), bool) if invites_all is None else np.asarray(invites_all)
            ),
        )

    @property
    def n_paths(self) -> int:
        """Number of paths [paths]."""
        return self.cutoff.shape[0]

    @property
    def n_rounds(self) -> int:
        """Number of rounds."""
        return self.cutoff.shape[1]

    @property
    def _by_design(self) -> np.ndarray:
        if self.invites_all is None:
            return np.zeros(self.n_rounds, dtype=bool)
        return np.asarray(self.invites_all, dtype=bool)

    @property
    def dry(self) -> np.ndarray:
        """(n_paths, n_rounds) bool: the round ran dry on that path, i.e. invited fewer than it
        was asked because everybody eligible was invited (a shortfall). Rounds that invite
        everybody by design (``invites_all``) never run dry."""
        return (self.invited < self.requested - 0.5) & ~self._by_design[None, :]

    @property
    def exhausted(self) -> np.ndarray:
        """(n_paths, n_rounds) bool: the round invited everybody eligible on that path, by
        design (``invites_all``) or because it ran dry (:attr:`dry`)."""
        return self.dry | self._by_design[None, :]

    def to_frame(
        self, levels: Sequence[int] = LEVELS, *, replayed: bool = False, calibrated: bool = True
    ) -> pd.DataFrame:
        """One row per round, the medians over paths and, with several paths, their quantiles.

        Columns: ``date, category, invitations`` (asked), ``cutoff`` with ``cutoff_lo_<L>,
        cutoff_hi_<L>`` [CRS points]; ``pool`` and each ``above_<T>`` (candidates left with a
        score >= T after the round) with their ``_lo_<L>``/``_hi_<L>`` [candidates];
        ``invited`` (less than asked when the round ran dry) with its ``_lo_<L>``/``_hi_<L>``
        [candidates]; ``invites_all`` (the round invites everybody eligible by design, e.g. PNP
        in the invite-all regime: ``invitations`` is then the median stock), ``exhausted_share``
        (the share of paths on which the round invited everybody eligible) and ``dry_share``
        (the share on which it did so because it was asked for more: ran dry) [fraction]. A
        round's cutoff on a path where it invited everybody is the score of its lowest whole
        candidate; where nobody was eligible it is missing, never 0. When a schedule filled categories in at
        their recent pace, ``filled`` (after ``invitations``) marks their rounds.
        ``replayed=True`` keeps the replayed past rounds (column ``replayed``); by default only
        the rounds asked for are returned, in the order held, so row ``i`` is the ``i``-th round
        asked for. With a :attr:`calibration` (and ``calibrated``, the default) the
        ``cutoff_lo_<L>, cutoff_hi_<L>`` of the rounds asked for are widened by it
        (:meth:`~eeforecast.simulate.calibration.ReplayCalibration.widen`), a ``calibrated``
        column says which rows were (False: too few replay scores, kept as simulated) and
        ``frame.attrs["calibration"]`` states what the calibration rests on;
        ``calibrated=False`` gives the intervals as simulated.
        """
        cut = np.where(self.cutoff > MAX_SCORE, np.nan, self.cutoff.astype(float))
        frame = pd.DataFrame(
            {
                "date": [r.date for r in self.rounds],
                "category": [r.category for r in self.rounds],
                "invitations": np.median(self.requested, axis=0),
                "cutoff": path_quantiles(cut, 0.5),
            }
        )
        bounds = [(lv, (100 - lv) / 200) for lv in levels] if self.n_paths > 1 else []
        qs = [q for _, a in bounds for q in (a, 1 - a)]
        if bounds:
            rows = path_quantiles(cut, qs)
            for (level, _), lo, hi in zip(bounds, rows[0::2], rows[1::2], strict=True):
                frame[f"cutoff_lo_{level}"], frame[f"cutoff_hi_{level}"] = lo, hi
        quantities = {"pool": self.pool, **{f"above_{t}": arr for t, arr in self.above.items()}}
        quantities["invited"] = self.invited
        for name, arr in quantities.items():
            frame[name] = np.median(arr, axis=0)
            if bounds:
                rows = np.quantile(arr, qs, axis=0, method="inverted_cdf")
                for (level, _), lo, hi in zip(bounds, rows[0::2], rows[1::2], strict=True):
                    frame[f"{name}_lo_{level}"], frame[f"{name}_hi_{level}"] = lo, hi
        frame["invites_all"] = self._by_design
        frame["exhausted_share"] = self.exhausted.mean(axis=0)
        frame["dry_share"] = self.dry.mean(axis=0)
        cal = self.calibration if calibrated and bounds else None
        if cal is not None:
            asked = np.array([not r.replayed for r in self.rounds], dtype=bool)
            widened = cal.widen(frame[asked], levels)
            frame["calibrated"] = False
            for col in [c for c in widened if c.startswith("cutoff_") or c == "calibrated"]:
                frame.loc[asked, col] = widened[col].to_numpy()
            frame.attrs["calibration"] = cal.text(levels, frame.loc[asked, "category"])
        if any(r.filled for r in self.rounds):
            frame.insert(3, "filled", [r.filled for r in self.rounds])
        frame["invitations"] = frame["invitations"].round().astype("int64")
        for col in [c for c in frame if c.startswith("cutoff")]:
            # whole CRS points; missing (nobody invited in most paths) stays missing
            frame[col] = frame[col].astype("int64" if frame[col].notna().all() else "Int64")
        if replayed:
            frame["replayed"] = [r.replayed for r in self.rounds]
        else:
            keep = np.array([not r.replayed for r in self.rounds], dtype=bool)
            frame = frame[keep].reset_index(drop=True)
        return frame

    def final(self) -> pd.Series:
        """The last round's row of :meth:`to_frame` (e.g. the hypothetical round)."""
        return self.to_frame(replayed=True).iloc[-1]

    def shortfalls(self, share: float = DRY_SHARE) -> pd.DataFrame:
        """The simulated (not replayed) rounds that ran dry on more than ``share`` of the paths:
        ``date, category, invitations`` (asked), ``invited`` (median) [candidates] and
        ``dry_share`` [fraction]. A round that ran dry invited everybody eligible."""
        frame = self.to_frame(levels=())[
            ["date", "category", "invitations", "invited", "dry_share"]
        ]
        return frame[frame["dry_share"] > share].reset_index(drop=True)

    def warn_shortfalls(
        self, stacklevel: int = 2, share: float = DRY_SHARE, *, at_most: int = 3
    ) -> None:
        """A warning for each round of :meth:`shortfalls`; more than ``at_most`` of them are said
        once, in one line (a daily rule over years would otherwise print thousands)."""
        rows = list(self.shortfalls(share).itertuples(index=False))

        def what(row) -> str:
            return f"{row.category}:{row.invitations}@{row.date:%Y-%m-%d}"

        def how(row) -> str:
            return (
                f"on {row.dry_share:.0%} of the paths; median invited {row.invited:,.0f}"
                if self.n_paths > 1
                else f"only {row.invited:,.0f} eligible candidates were left to invite"
            )

        if len(rows) > at_most:
            first, last = rows[0], rows[-1]
            warnings.warn(
                f"{len(rows):,} rounds ran dry (invited everybody eligible), from "
                f"{what(first)} ({how(first)}) to {what(last)}; see the result's 'invited'",
                UserWarning,
                stacklevel=stacklevel + 1,
            )
            return
        for row in rows:
            warnings.warn(
                f"round {what(row)} ran dry (invited everybody eligible) {how(row)}",
                UserWarning,
                stacklevel=stacklevel + 1,
            )

    def summary(self) -> str:
        """A readable summary: start, paths, rounds and the per-round table."""
        mode = (
            "deterministic (expected path)"
            if self.deterministic
            else (f"Monte Carlo, {self.n_paths} paths")
        )
        n_rep = sum(r.replayed for r in self.rounds)
        head = [
            "Simulated rounds of invitations",
            f"  start      {self.start:%Y-%m-%d}, pool {float(np.median(self.start_pool)):,.0f}"
            " candidates",
            f"  mode       {mode}",
            f"  rounds     {self.n_rounds - n_rep} simulated"
            + (f" after {n_rep} replayed past rounds" if n_rep else ""),
            f"  invited    {float(np.median(self.invited.sum(axis=1))):,.0f} (median total)",
        ]
        with pd.option_context("display.width", 200, "display.max_columns", None):
            frame = self.to_frame()
            for col in ("exhausted_share", "dry_share"):
                frame[col] = [f"{v:.0%}" for v in frame[col]]
            table = frame.to_string(index=False, float_format=lambda v: f"{v:,.0f}")
        text = "\n".join(head) + "\n\n" + table
        if self.assumptions is not None and len(self.assumptions):
            text += "\n\n" + assumptions_text(self.assumptions)
        if "calibration" in frame.attrs:
            text += "\n\n" + frame.attrs["calibration"]
        return text

    def __str__(self) -> str:
        return self.summary()

    def plot(self, ax=None, *, level: int = 80):
        """Cutoff per round by category: medians as markers and lines, ``level`` % intervals as
        error bars. Returns the matplotlib Axes."""
        import matplotlib.pyplot as plt  # heavy, and only for a plot: imported where used

        frame = self.to_frame()
        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4))
        for cat, grp in frame.groupby("category", sort=False):
            lo = f"cutoff_lo_{level}"
            if lo in grp:
                err = np.vstack(
                    [grp["cutoff"] - grp[lo], grp[f"cutoff_hi_{level}"] - grp["cutoff"]]
                )
                ax.errorbar(
                    grp["date"],
                    grp["cutoff"],
                    yerr=err,
                    marker="o",
                    capsize=3,
                    label=f"{cat} ({level}% interval)",
                )
            else:
                ax.plot(grp["date"], grp["cutoff"], marker="o", label=cat)
        ax.set_xlabel("round date")
        ax.set_ylabel("cutoff [CRS points]")
        ax.set_title("Simulated cutoffs")
        ax.legend(fontsize="small")
        return ax
