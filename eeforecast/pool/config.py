"""The settings of the pool fit, as one frozen object (:class:`PoolConfig`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import ParameterError

__all__ = ["PoolConfig"]

#: Fields that must be > 0 (spans and shape settings); the others must be >= 0.
_POSITIVE = (
    "half_life_days",
    "lookback_days",
    "refill_days",
    "flow_window_days",
    "lower_z",
    "edge_ratio",
    "max_gap_days",
    "lifetime_days",
    "drift_half_life_days",
    "rate_window_days",
    "rate_half_life_days",
    "regime_max_lag",
    "stale_days",
    "rate_min_days",
)


@dataclass(frozen=True)
class PoolConfig:
    """Tuning of :func:`eeforecast.pool.fit_pool`; the numbered assumptions are in its Notes.

    Attributes
    ----------
    half_life_days : float
        Recency weighting of past rounds in the calibrations: a round's weight halves every
        this many days [days].
    lookback_days : float
        Rounds older than this are not used for calibration [days].
    refill_days : float
        A score emptied longer ago than this counts as refilled (assumption 3); conversion stops
        at the share ``conversion * refill_days`` of a score (assumption 6) [days].
    flow_window_days : float
        Window of the net-inflow estimate (assumption 5) [days].
    lower_z : float
        Truncation of the nominees' core-score distribution below its mean (assumption 2) [sd].
    edge_ratio : float
        Density just above 500 relative to the 491-500 band's mean density
        (:func:`eeforecast.pool.density_from_bands`) [ratio].
    max_gap_days : float
        A round calibrates the model only if a published snapshot precedes it by at most this
        [days].
    lifetime_days : float
        Profile lifetime in the prior ``conversion = refill / lifetime`` of
        :func:`eeforecast.pool.fit_category` [days].
    prior_weight : float
        Weight of that prior [-].
    drift_half_life_days : float
        Recency half-life of a category's drift level (assumption 3) [days].
    drift_shrink : float
        Pseudo-weight shrinking the drift toward 0 [-].
    nominee_ridge : float
        Shrinks the nominee sd toward its default (:func:`eeforecast.pool.fit_nominee_shape`)
        [-].
    rate_window_days, rate_half_life_days : float
        Window and recency half-life of a category's invitation pace (assumptions 6 and 8)
        [days].
    cap_nominee_inflow : bool
        Apply assumption 8 (the nominees' net inflow is at most the PNP rounds' pace).
    nominee_regime : {"auto", "invite_all", "top_n"}
        How PNP rounds invite (assumption 10): detected from the data (``auto``), or forced.
    regime_window : int
        Latest PNP rounds whose median invitations / nominees ratio decides the regime
        [rounds].
    regime_share : float
        That median at or above which every nominee is invited [-].
    regime_max_lag : float
        A ratio counts only if the snapshot published with the round is at most this old
        [days].
    stale_days : float
        A category without a round in this many days is stale: left out of forecasts and
        scenarios unless asked for [days].
    rate_min_days : float
        A category seen in one round gathered its candidates over this many days
        (assumption 13, as :func:`eeforecast.pool.invitation_rate`'s shortest span) [days].
    below_spread : float
        Without a round below its revealed floor, a category's steady-state share there is drawn
        per path between the share above the floor divided and multiplied by this (capped at 1,
        assumption 11) [-]; 1: no spread.

    Raises
    ------
    ParameterError
        A setting that is not a finite number in its range (named).

    Examples
    --------
    >>> PoolConfig(lookback_days=365).lookback_days
    365
    >>> PoolConfig(lookback_days=0)
    Traceback (most recent call last):
    ...
    eeforecast.errors.ParameterError: lookback_days: expected a number > 0, got 0
    """

    half_life_days: float = 180.0
    lookback_days: float = 730.0
    refill_days: float = 365.0
    flow_window_days: float = 180.0
    lower_z: float = 2.0
    edge_ratio: float = 1.0
    max_gap_days: float = 45.0
    lifetime_days: float = 365.0
    prior_weight: float = 0.3
    drift_half_life_days: float = 45.0
    drift_shrink: float = 0.5
    nominee_ridge: float = 0.5
    rate_window_days: float = 365.0
    rate_half_life_days: float = 180.0
    cap_nominee_inflow: bool = True
    nominee_regime: str = "auto"
    regime_window: int = 4
    regime_share: float = 0.97
    regime_max_lag: float = 3.0
    stale_days: float = 365.0
    rate_min_days: float = 90.0
    below_spread: float = 3.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "nominee_regime":
                if value not in ("auto", "invite_all", "top_n"):
                    raise ParameterError(
                        f"{f.name}: expected 'auto', 'invite_all' or 'top_n', got {value!r}"
                    )
                continue
            if f.name == "regime_window" and not (
                isinstance(value, int) and not isinstance(value, bool) and value >= 1
            ):
                raise ParameterError(f"{f.name}: expected a whole number >= 1, got {value!r}")
            if f.name == "below_spread" and not (
                isinstance(value, int | float) and not isinstance(value, bool) and value >= 1
            ):
                raise ParameterError(f"{f.name}: expected a number >= 1, got {value!r}")
            if f.name == "cap_nominee_inflow":
                if not isinstance(value, bool):
                    raise ParameterError(f"{f.name}: expected True or False, got {value!r}")
                continue
            number = isinstance(value, int | float) and not isinstance(value, bool)
            if f.name in _POSITIVE:
                if not (number and math.isfinite(value) and value > 0):
                    raise ParameterError(f"{f.name}: expected a number > 0, got {value!r}")
            elif not (number and math.isfinite(value) and value >= 0):
                raise ParameterError(f"{f.name}: expected a number >= 0, got {value!r}")
