"""Stage 4, forecast: the next rounds of each category, with calibrated intervals.

=====================  ===================================================================
``history``            :class:`History`: one category's rounds known on an origin day
``schedule``           the round schedule: gaps, sizes, :func:`forecast_schedule`
``models``             the model protocol (:class:`CutoffModel`), baselines, combination
``statistical``        ETS, ARIMA and autoregressions (statsmodels)
``structural``         the pool engine on the forecast schedule (and mixed over sizes)
``experimental``       models that lost in the backtest, kept to reproduce it
``catalogue``          the default models and the checks on a list of models
``rolling``            every model's raw forecasts at rolling origins
``calibration``        conformal intervals and the ``auto`` choice
``scoring``            CRPS and interval scores of a predictive distribution
``run``                :func:`forecast`: today's forecast
=====================  ===================================================================
"""

from .calibration import CRPS_LEVEL, SCHEDULE_COLUMNS, calibrate
from .catalogue import (
    DEFAULT_CHOICE,
    DEFAULT_LEVELS,
    DEFAULT_MODELS,
    EXPERIMENTAL_MODELS,
    auto_candidates,
    check_models,
)
from .experimental import HuberLevel, SnapshotChange, SnapshotQuantile, count_above, score_for_count
from .history import (
    ACTIVE_DAYS,
    DEFAULT_GAP_DAYS,
    REGIME_START,
    Future,
    History,
    active_categories,
    category_history,
)
from .models import (
    ENSEMBLE_METHOD,
    Combination,
    CutoffModel,
    Drift,
    FittedCutoffModel,
    FittedModel,
    Naive,
    NaiveEmpirical,
    NaiveFallback,
    WindowMean,
    naive_errors,
)
from .rolling import RAW_COLUMNS, origins, raw_backtest, raw_forecasts
from .run import ForecastResult, forecast
from .schedule import (
    K_SIZES,
    MIN_GAP_DAYS,
    MIN_GAPS,
    MIN_PACE_DAYS,
    forecast_schedule,
    future_of,
    gap_days,
    next_round_day,
    recent_rounds,
    schedule_category,
    size_quantiles,
    with_recent_pace,
)
from .scoring import crps_ensemble, crps_normal, interval_score, weighted_interval_score
from .statistical import AR, ARIMA, ETS
from .structural import SizeMixture, Structural

__all__ = [
    "ENSEMBLE_METHOD",
    "naive_errors",
    "K_SIZES",
    "ACTIVE_DAYS",
    "AR",
    "ARIMA",
    "CRPS_LEVEL",
    "DEFAULT_CHOICE",
    "DEFAULT_GAP_DAYS",
    "DEFAULT_LEVELS",
    "DEFAULT_MODELS",
    "ETS",
    "EXPERIMENTAL_MODELS",
    "MIN_GAPS",
    "MIN_GAP_DAYS",
    "MIN_PACE_DAYS",
    "RAW_COLUMNS",
    "REGIME_START",
    "SCHEDULE_COLUMNS",
    "Combination",
    "CutoffModel",
    "Drift",
    "FittedCutoffModel",
    "FittedModel",
    "ForecastResult",
    "Future",
    "History",
    "HuberLevel",
    "Naive",
    "NaiveEmpirical",
    "NaiveFallback",
    "SizeMixture",
    "SnapshotChange",
    "SnapshotQuantile",
    "Structural",
    "WindowMean",
    "active_categories",
    "auto_candidates",
    "calibrate",
    "category_history",
    "check_models",
    "count_above",
    "crps_ensemble",
    "crps_normal",
    "interval_score",
    "weighted_interval_score",
    "score_for_count",
    "forecast",
    "forecast_schedule",
    "future_of",
    "gap_days",
    "next_round_day",
    "origins",
    "raw_backtest",
    "raw_forecasts",
    "recent_rounds",
    "schedule_category",
    "size_quantiles",
    "with_recent_pace",
]
