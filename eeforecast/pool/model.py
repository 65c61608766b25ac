"""The fitted pool (:class:`PoolModel`): densities, nominee shape, flows and category sub-pools,
and the :class:`~eeforecast.pool.state.PoolState` the engine starts from."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..scores import BAND_HI, BAND_LO, NOMINEE_FLOOR, SCORES
from .config import PoolConfig
from .density import score_inflow
from .evidence import SubpoolReport, assumptions_frame, subpool_report, with_subpool
from .flows import allocate_round
from .nominees import NomineeModel
from .state import PoolState
from .subpools import (
    MIN_CATEGORY_ROUNDS,
    CategoryFit,
    category_eligible,
    depletion_age,
    room_for_round,
)

__all__ = ["STRUCTURAL", "PoolModel"]

#: Categories whose eligible sub-pool is structural rather than estimated: general rounds draw
#: from everybody, PNP rounds from the nominees (601-1200).
STRUCTURAL = ("general", "pnp")


@dataclass(frozen=True)
class PoolModel:
    """The pool fitted on a feed: densities, nominee shape, flows and category shares.

    Made by :func:`fit_pool`; :meth:`state` gives the :class:`PoolState` the engine starts from.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Last day of data used.
    snapshot_dates : numpy.ndarray of datetime64, shape (T,)
        Days of the published snapshots up to ``as_of``.
    counts : numpy.ndarray, shape (T, 15)
        Their band counts [candidates].
    densities : numpy.ndarray, shape (T, 1201)
        Their 1-point densities (:func:`density_from_bands`) [candidates].
    nominee_mean, nominee_sd : float
        Nominee core-score distribution (:func:`fit_nominee_shape`) [CRS points].
    inflow_bands, inflow_bands_sd : numpy.ndarray, shape (15,)
        Net inflow per band and its daily sd (:func:`summarize_flows`) [candidates/day].
    flows : pandas.DataFrame
        Per-interval band flows (:func:`band_flows`).
    categories : dict[str, CategoryFit]
        Estimated eligibility of every category with past rounds (except general and pnp).
    rounds : pandas.DataFrame
        Rounds up to ``as_of``.
    config : PoolConfig
        Settings of the fit.
    feed : eeforecast.data.Feed or None
        The feed cut at ``as_of`` (lets the engine replay the rounds since a snapshot).
    nominee_shift_sd : float
        sd of the past PNP cutoffs around the fitted nominee shape (assumption 9)
        [CRS points].
    nominee_rate_sd : float
        sd of the log of the PNP invitation pace between quarters (assumption 9) [-].
    tilt_sd : float
        sd of the tilt of the density inside 501-600 implied by past general rounds
        (assumption 9, :func:`band_tilt`) [-].
    notes : tuple of str
        Caveats of the fit, also emitted as ``UserWarning`` by :func:`fit_pool` (e.g. the net
        inflow could not be estimated from a single snapshot).
    nominees : NomineeModel or None
        The PNP regime, the nominees' lower tail and inflow (assumption 10).
    """

    as_of: pd.Timestamp
    snapshot_dates: np.ndarray
    counts: np.ndarray
    densities: np.ndarray
    nominee_mean: float
    nominee_sd: float
    inflow_bands: np.ndarray
    inflow_bands_sd: np.ndarray
    flows: pd.DataFrame
    categories: dict[str, CategoryFit]
    rounds: pd.DataFrame
    config: PoolConfig
    feed: object = None
    nominee_shift_sd: float = 0.0
    nominee_rate_sd: float = 0.0
    notes: tuple[str, ...] = ()
    tilt_sd: float = 0.0
    nominees: NomineeModel | None = None

    # -- states ------------------------------------------------------------------------------

    def _snapshot_index(self, as_of: object = None) -> int:
        day = self.as_of if as_of is None else pd.Timestamp(as_of)
        j = int(np.searchsorted(self.snapshot_dates, np.datetime64(day, "ns"), side="right")) - 1
        if j < 0:
            raise ParameterError(f"as_of: no pool snapshot on or before {day:%Y-%m-%d}")
        return j

    def _no_estimate(self, category: str) -> str:
        """Why ``category`` has no fitted sub-pool: which of its rounds is missing what."""
        day = f"{self.as_of:%Y-%m-%d}"
        known = ", ".join(sorted(self.categories) + list(STRUCTURAL))
        r = self.rounds
        own = r[r["category"] == category]
        if own.empty:
            return (
                f"category {category!r}: no past rounds up to {day}, so no round with a "
                f"published pool snapshot to estimate its eligible candidates from "
                f"(estimated: {known})"
            )
        last = own.iloc[-1]
        first_snap = pd.Timestamp(self.snapshot_dates[0])
        if own["distribution_as_of"].notna().any():
            why = (
                f"its rounds with a snapshot are outside the {self.config.lookback_days:g}-day "
                "lookback or too long after their snapshot"
            )
        elif last["date"] < first_snap:
            why = f"before snapshots were published, from {first_snap:%Y-%m-%d}"
        else:
            why = "published without one"
        return (
            f"category {category!r}: no {category} round with a published pool snapshot up to "
            f"{day} to estimate its eligible candidates from (its last round: "
            f"#{last['draw_number']} on {last['date']:%Y-%m-%d}, {why}; estimated: {known})"
        )

    def _depleting(self, category: str) -> tuple[np.ndarray, np.ndarray]:
        r = self.rounds
        mask = (r["category"] == category) | (r["category"] == "general")
        return r["date"].to_numpy()[mask], r["cutoff"].to_numpy()[mask]

    def eligible(
        self, category: str, total: np.ndarray, inflow: np.ndarray, at: object
    ) -> np.ndarray:
        """Eligible candidates of ``category`` at each score on day ``at`` given ``total``.

        ``inflow`` is the net inflow [candidates/day]. ``general`` is ``total``; ``pnp`` is
        ``total`` on 601..1200; other categories use :func:`category_eligible` with their
        :class:`CategoryFit` and the rounds before ``at``, at most their steady-state share
        (:meth:`CategoryFit.cap_shares`: below the revealed floor, ``share_below``; none of
        the nominees, assumption 7).
        """
        if category == "general":
            return np.array(total, dtype=float)
        if category == "pnp":
            return np.where(SCORES >= 601, total, 0.0)
        fit = self.categories.get(category)
        if fit is None:
            raise ParameterError(self._no_estimate(category))
        dates, cutoffs = self._depleting(category)
        age = depletion_age(dates, cutoffs, at)
        scale = np.exp(fit.drift)
        eligible = category_eligible(
            total, inflow, age, fit.refill, fit.conversion, self.config.refill_days
        )
        eligible = np.minimum(eligible * scale, total)
        cap = fit.cap_shares()
        return np.where(np.isnan(cap), eligible, np.minimum(eligible, cap * total))

    def pool_on(self, day: object) -> tuple[np.ndarray, np.ndarray]:
        """Expected total density just before the rounds of ``day``, and the net inflow.

        From the latest snapshot on or before ``day``: the rounds held since (on or after the
        snapshot's day, before ``day``) are taken out in proportion to the density above their
        cutoffs (:func:`allocate_round`) and the net inflow since is added.

        Returns
        -------
        total : numpy.ndarray, shape (1201,)
            [candidates]
        inflow : numpy.ndarray, shape (1201,)
            Net inflow per day [candidates/day].
        """
        day = pd.Timestamp(day).normalize()
        j = self._snapshot_index(day)
        snap = self.snapshot_dates[j]
        total = self.densities[j].copy()
        r = self.rounds
        between = r[(r["date"].to_numpy() >= snap) & (r["date"] < day)]
        for row in between.itertuples(index=False):
            total -= allocate_round(total, row.category, row.invitations, row.cutoff)
        inflow = score_inflow(self.inflow_bands, self.densities[j], self.counts[j])
        gap = (np.datetime64(day, "ns") - snap) / np.timedelta64(1, "D")
        return np.maximum(total + inflow * gap, 0.0), inflow

    def eligible_on(self, category: str, day: object) -> np.ndarray:
        """Expected eligible candidates of ``category`` at each score just before the rounds of
        ``day`` (:meth:`pool_on` and :meth:`eligible`) [candidates].

        Examples
        --------
        >>> from eeforecast.pool import fit_pool, take_top
        >>> model = fit_pool(as_of="2025-12-15")
        >>> cutoff, _ = take_top(model.eligible_on("cec", "2025-12-16"), 5000)
        >>> 500 < int(cutoff) < 530
        True
        """
        total, inflow = self.pool_on(day)
        return self.eligible(category, total, inflow, day)

    def with_room(
        self, category: str, invitations: float, day: object, max_take: float = 0.75
    ) -> PoolModel:
        """A copy whose ``category`` sub-pool leaves room for a round of ``invitations``.

        If the expected sub-pool just before the rounds of ``day`` (:meth:`eligible_on`) would
        be taken beyond ``max_take`` by the round, the category's ``drift`` is raised so that
        the round takes exactly ``max_take`` of it (:func:`room_for_round`); otherwise the model
        itself is returned. ``pnp`` and ``general`` are returned unchanged (PNP rounds invite
        nearly every nominee by design; general rounds draw from everybody).

        Parameters
        ----------
        category : str
            Category slug of the hypothetical round.
        invitations : float
            Its invitations [candidates].
        day : date-like
            Its day.
        max_take : float
            Largest share of the sub-pool one round takes [fraction].
        """
        if category in STRUCTURAL:
            return self
        eligible = self.eligible_on(category, day)
        sized = room_for_round(eligible, invitations, max_take)
        if sized.sum() <= eligible.sum() or eligible.sum() <= 0:
            return self
        fit = self.categories[category]
        factor = float(sized.sum() / eligible.sum())
        bigger = replace(
            fit,
            drift=fit.drift + float(np.log(factor)),
            share_below=min(1.0, fit.share_below * factor),
            below_lo=fit.below_lo * factor,
            below_hi=fit.below_hi * factor,
        )
        return replace(self, categories={**self.categories, category: bigger})

    def state(self, *, as_of: object = None) -> PoolState:
        """The pool at the latest snapshot on or before ``as_of`` (default: the model's).

        The state describes the pool before the rounds held on its day: rounds dated on or
        after ``state.as_of`` are not taken out. ``eligible`` holds ``pnp`` and every fitted
        category; ``inflow_eligible`` is the category's ``refill`` share times ``exp(drift)``
        below 601 (``pnp``: 1 on 601..1200, no conversion); ``conversion`` is, below 601, the
        larger of the fitted conversion times ``exp(drift)`` and the ``flow_conversion`` that
        sustains the category's recent invitations per day (:func:`fit_pool`, assumption 6);
        on 601..1200 both are 0 (assumption 7); ``refill_days`` is the fit's (conversion stops
        at the share ``conversion * refill_days``).
        """
        j = self._snapshot_index(as_of)
        day = pd.Timestamp(self.snapshot_dates[j])
        total = self.densities[j].copy()
        inflow = score_inflow(self.inflow_bands, total, self.counts[j])
        inflow_sd = score_inflow(self.inflow_bands_sd, total, self.counts[j])
        eligible = {"pnp": self.eligible("pnp", total, inflow, day)}
        inflow_eligible = {"pnp": (SCORES >= 601).astype(float)}
        conversion = {}
        level_sd, refill_sd = {}, {"pnp": float(self.nominee_rate_sd)}
        caps, floors, ranges, tails, tail_cov = {}, {}, {}, {}, {}
        nominees = self.nominees
        if nominees is not None and nominees.invite_all:  # assumption 10
            tails["pnp"] = (nominees.tail_loc, nominees.tail_scale, NOMINEE_FLOOR)
            tail_cov["pnp"] = np.asarray(nominees.tail_cov, dtype=float)
            band = inflow[601:].sum()
            if np.isfinite(nominees.inflow_rate) and band > 0:
                inflow[601:] *= nominees.inflow_rate / band
            if np.isfinite(nominees.inflow_log_sd):
                refill_sd["pnp"] = float(nominees.inflow_log_sd)
        for slug, fit in self.categories.items():
            level_sd[slug], refill_sd[slug] = float(fit.level_sd), float(fit.refill_sd)
            scale = np.exp(fit.drift)
            eligible[slug] = self.eligible(slug, total, inflow, day)
            below = SCORES < 601  # nominees refill the PNP sub-pool only (assumption 7)
            inflow_eligible[slug] = np.where(below, min(fit.refill * scale, 1.0), 0.0)
            conversion[slug] = np.where(
                below, min(max(fit.conversion * scale, fit.flow_conversion), 1.0), 0.0
            )
            caps[slug] = fit.cap_shares()
            if fit.floor is not None and fit.below_lo > 0:
                floors[slug] = int(fit.floor)
                mid = fit.share_below
                ranges[slug] = (fit.below_lo / mid, fit.below_hi / mid)
        return PoolState(
            as_of=day,
            total=total,
            eligible=eligible,
            inflow=inflow,
            inflow_sd=np.abs(inflow_sd),
            inflow_eligible=inflow_eligible,
            conversion=conversion,
            refill_days=float(self.config.refill_days),
            level_sd=level_sd,
            refill_sd=refill_sd,
            nominee_shift_sd=float(self.nominee_shift_sd),
            tilt_sd=float(self.tilt_sd),
            eligible_cap=caps,
            floor=floors,
            below_range=ranges,
            tails=tails,
            tail_cov=tail_cov,
        )

    # -- the sub-pools: evidence, assumptions, a researcher's settings ----------------------

    def subpools(self, *, as_of: object = None) -> SubpoolReport:
        """The plausibility report of the sub-pools
        (:func:`eeforecast.pool.evidence.subpool_report`): eligible stock above 450 and 500 with
        80% ranges, share of the pool, revealed floor and the bounds the rounds and snapshot put on it, rounds behind it, last
        round, stale or not. ``str()`` of it is a readable table.

        Examples
        --------
        >>> from eeforecast.pool import fit_pool
        >>> report = fit_pool(as_of="2025-12-17").subpools()
        >>> report.to_frame().set_index("category").loc["stem", "stale"]
        np.True_
        """
        return subpool_report(self, as_of=as_of)

    def with_subpool(self, category: str, **settings) -> PoolModel:
        """A copy with ``category``'s sub-pool set or bounded for a sensitivity run
        (:func:`eeforecast.pool.evidence.with_subpool`: ``include``, ``share``,
        ``share_below``, ``stock_ge``, ``refill``); every output built on it shows the
        settings (:meth:`assumptions`)."""
        return with_subpool(self, category, **settings)

    def with_subpools(self, settings: dict[str, dict] | None) -> PoolModel:
        """:meth:`with_subpool` for every ``category -> settings`` of a mapping (as
        :func:`eeforecast.pool.parse_subpool_table` returns); None: the model itself."""
        model = self
        for category, kwargs in (settings or {}).items():
            model = model.with_subpool(category, **kwargs)
        return model

    def assumptions(self, categories=None) -> pd.DataFrame:
        """What a simulation on this model assumes about each sub-pool, one row per category
        (:func:`eeforecast.pool.evidence.assumptions_frame`)."""
        return assumptions_frame(self, categories)

    def excluded(self) -> list[str]:
        """Fitted categories left out of forecasts and scenarios: stale ones not included by
        :meth:`with_subpool` (``include=True``) [slugs]."""
        return sorted(c for c, fit in self.categories.items() if not fit.include)

    # -- inspection --------------------------------------------------------------------------

    def density_frame(self, *, as_of: object = None) -> pd.DataFrame:
        """Tidy density of the state on ``as_of``: ``score, total, inflow, inflow_sd`` and one
        column per category's eligible count [candidates], [candidates/day]."""
        st = self.state(as_of=as_of)
        frame = pd.DataFrame(
            {"score": SCORES, "total": st.total, "inflow": st.inflow, "inflow_sd": st.inflow_sd}
        )
        for slug, arr in st.eligible.items():
            frame[slug] = arr
        frame.insert(0, "as_of", st.as_of)
        return frame

    def thin(self, categories=None) -> dict[str, int]:
        """The categories whose sub-pool estimate rests on too few past rounds.

        Parameters
        ----------
        categories : iterable of str, optional
            Slugs to check (default: every fitted category); unknown ones are ignored.

        Returns
        -------
        dict of str to int
            Slug -> past rounds behind its estimate, for those with fewer than
            :data:`MIN_CATEGORY_ROUNDS`, in slug order.
        """
        names = self.categories if categories is None else dict.fromkeys(categories)
        return {
            c: int(self.categories[c].n_rounds)
            for c in sorted(names)
            if c in self.categories and self.categories[c].n_rounds < MIN_CATEGORY_ROUNDS
        }

    def shares_frame(self) -> pd.DataFrame:
        """One row per category: ``category, share, refill, conversion, drift, n_rounds,
        last_date, last_cutoff, rmse_log`` (see :class:`CategoryFit`); ``pnp`` carries the
        nominee shape in ``nominee_mean, nominee_sd``."""
        rows = [fit.__dict__ for fit in self.categories.values()]
        frame = pd.DataFrame(
            rows,
            columns=[
                "category",
                "share",
                "refill",
                "conversion",
                "drift",
                "n_rounds",
                "last_date",
                "last_cutoff",
                "rmse_log",
                "flow_rate",
                "flow_cutoff",
                "flow_conversion",
                "level_sd",
                "refill_sd",
            ],
        )
        pnp = self.rounds[self.rounds["category"] == "pnp"]
        frame.loc[len(frame)] = {
            "category": "pnp",
            "share": 1.0,
            "refill": 1.0,
            "conversion": 0.0,
            "drift": 0.0,
            "n_rounds": len(pnp),
            "last_date": pnp["date"].max() if len(pnp) else pd.NaT,
            "last_cutoff": pnp["cutoff"].iloc[-1] if len(pnp) else None,
            "rmse_log": np.nan,
            "flow_rate": np.nan,
            "flow_cutoff": np.nan,
            "flow_conversion": 0.0,
            "level_sd": np.nan,
            "refill_sd": self.nominee_rate_sd,
        }
        frame["nominee_mean"] = np.where(frame["category"] == "pnp", self.nominee_mean, np.nan)
        frame["nominee_sd"] = np.where(frame["category"] == "pnp", self.nominee_sd, np.nan)
        frame["nominee_shift_sd"] = np.where(
            frame["category"] == "pnp", self.nominee_shift_sd, np.nan
        )
        return frame

    def inflow_frame(self) -> pd.DataFrame:
        """One row per band: ``band_lo, band_hi, inflow, inflow_sd`` [candidates/day]."""
        return pd.DataFrame(
            {
                "band_lo": BAND_LO,
                "band_hi": BAND_HI,
                "inflow": self.inflow_bands,
                "inflow_sd": self.inflow_bands_sd,
            }
        )

    def to_frame(self, kind: str = "density") -> pd.DataFrame:
        """Tidy frame of ``kind``: ``density``, ``shares``, ``inflow`` or ``flows``."""
        makers = {
            "density": self.density_frame,
            "shares": self.shares_frame,
            "inflow": self.inflow_frame,
            "flows": lambda: self.flows.copy(),
        }
        if kind not in makers:
            raise ParameterError(f"kind: expected one of {sorted(makers)}, got {kind!r}")
        return makers[kind]()

    def summary(self) -> str:
        """A readable summary: snapshot, totals, nominee shape, inflow, category shares."""
        j = len(self.snapshot_dates) - 1
        day = pd.Timestamp(self.snapshot_dates[j])
        counts = self.counts[j]
        lines = [
            f"PoolModel fitted as of {self.as_of:%Y-%m-%d}"
            + (
                f" (last round {pd.Timestamp(self.rounds['date'].max()):%Y-%m-%d})"
                if len(self.rounds)
                else ""
            ),
            f"  latest snapshot     {day:%Y-%m-%d}: {counts.sum():,.0f} candidates "
            f"({len(self.snapshot_dates)} snapshots used)",
            f"  501-600 / 601-1200  {counts[13]:,.0f} / {counts[14]:,.0f}",
            f"  nominee core score  mean {self.nominee_mean:.0f}, sd {self.nominee_sd:.0f} "
            f"[CRS points]; Monte Carlo: score shift sd {self.nominee_shift_sd:.0f}, "
            f"inflow log-sd {self.nominee_rate_sd:.2f}; 501-600 tilt sd {self.tilt_sd:.2f}",
            f"  net inflow          {self.inflow_bands.sum():+,.0f} /day in total "
            f"(sd {np.sqrt((self.inflow_bands_sd**2).sum()):,.0f}); 501-600 "
            f"{self.inflow_bands[13]:+,.0f}, 601-1200 {self.inflow_bands[14]:+,.0f} /day",
            *(f"  note: {note}" for note in self.notes),
            "  category     steady share  refill  conversion  drift  rounds  last round"
            "       pace [/day] @ cutoff  pace conversion",
        ]
        for slug, fit in sorted(self.categories.items()):
            last = (
                f"{fit.last_date:%Y-%m-%d} @ {fit.last_cutoff}"
                if fit.last_date is not None
                else "-"
            )
            lines.append(
                f"  {slug:<12} {fit.share:12.3f}  {fit.refill:6.3f}  {fit.conversion:10.5f}  "
                f"{fit.drift:+5.2f}  {fit.n_rounds:6d}  {last:<17} {fit.flow_rate:8.1f} @ "
                f"{fit.flow_cutoff:3.0f}  {fit.flow_conversion:15.5f}"
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return (
            f"PoolModel(as_of={self.as_of:%Y-%m-%d}, snapshots={len(self.snapshot_dates)}, "
            f"categories={sorted(self.categories)})"
        )
