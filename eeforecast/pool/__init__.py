"""Stage 2, pool: the Express Entry pool as a CRS score distribution.

=====================  ===================================================================
``state``              :class:`PoolState` (the pool on one day), :func:`take_top`
``density``            IRCC's bands <-> candidates at every score; shapes inside bands
``flows``              where past rounds took candidates from; net inflow per band
``subpools``           category sub-pools: depletion, refill, fit, floor, pace, room
``uncertainty``        the Monte Carlo spreads of the sub-pools
``nominees``           the provincial nominees: regime, score shape, lower tail, inflow
``evidence``           the plausibility report, a researcher's settings, the assumptions
``cache``              the fitted models kept between runs (:func:`cached_fit`)
``config``             :class:`PoolConfig`, the settings of the fit
``model``              :class:`PoolModel`, the fitted pool
``past``               ``PastRounds``, the rounds as the calibrations read them
``fit``                :func:`fit_pool`, in one stage per group of assumptions
=====================  ===================================================================

Examples
--------
>>> from eeforecast.pool import fit_pool
>>> model = fit_pool(as_of="2025-12-15")
>>> model.state().total.shape
(1201,)
"""

from .cache import cached_fit
from .config import PoolConfig
from .density import (
    DEFAULT_NOMINEE_SHAPE,
    band_tilt,
    bands_from_density,
    density_from_bands,
    nominee_shape,
    tilt_factors,
)
from .evidence import SubpoolReport, parse_subpool_table
from .fit import fit_pool, nominee_model
from .flows import allocate_round, band_flows, summarize_flows
from .model import STRUCTURAL, PoolModel
from .nominees import (
    NomineeModel,
    NomineeTail,
    detect_regime,
    fit_nominee_shape,
    fit_nominee_tail,
    min_cutoff,
    min_cutoff_quantile,
    nominee_cutoff_shape,
    nominee_inflow,
    nominee_residuals,
)
from .state import PoolState, take_top
from .subpools import (
    MIN_CATEGORY_ROUNDS,
    CategoryFit,
    ThinPoolWarning,
    below_range,
    category_eligible,
    depletion_age,
    fit_category,
    invitation_rate,
    revealed_floor,
    room_for_round,
    seen_once,
    thin_note,
)
from .uncertainty import ahead_errors, level_errors, pace_changes

__all__ = [
    "DEFAULT_NOMINEE_SHAPE",
    "MIN_CATEGORY_ROUNDS",
    "NomineeTail",
    "STRUCTURAL",
    "CategoryFit",
    "NomineeModel",
    "PoolConfig",
    "PoolModel",
    "PoolState",
    "SubpoolReport",
    "ThinPoolWarning",
    "ahead_errors",
    "allocate_round",
    "cached_fit",
    "band_flows",
    "band_tilt",
    "below_range",
    "bands_from_density",
    "category_eligible",
    "density_from_bands",
    "depletion_age",
    "detect_regime",
    "fit_category",
    "fit_nominee_shape",
    "fit_nominee_tail",
    "fit_pool",
    "invitation_rate",
    "level_errors",
    "min_cutoff",
    "min_cutoff_quantile",
    "nominee_cutoff_shape",
    "nominee_inflow",
    "nominee_residuals",
    "nominee_shape",
    "nominee_model",
    "pace_changes",
    "parse_subpool_table",
    "revealed_floor",
    "room_for_round",
    "seen_once",
    "summarize_flows",
    "take_top",
    "thin_note",
    "tilt_factors",
]
