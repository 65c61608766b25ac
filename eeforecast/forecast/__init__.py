"""Stage 4, forecast: the next rounds of each category, with calibrated intervals.

=====================  ===================================================================
``history``            :class:`History`: one category's rounds known on an origin day
``schedule``           the round schedule: gaps, sizes, :func:`forecast_schedule`
``models``             the model protocol (:class:`CutoffModel`), baselines, combination
``statistical``        ETS, ARIMA and autoregressions (statsmodels)
``structural``         the pool engine on the forecast schedule
``experimental``       models that lost in the backtest, kept to reproduce it
``catalogue``          the default models and the checks on a list of models
``rolling``            every model's raw forecasts at rolling origins
``calibration``        conformal intervals and the ``auto`` choice
``run``                :func:`forecast`: today's forecast
=====================  ===================================================================
"""

from .calibration import SCHEDULE_COLUMNS, calibrate
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
    Combination,
    CutoffModel,
    Drift,
    FittedCutoffModel,
    FittedModel,
    Naive,
    NaiveFallback,
    WindowMean,
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
from .statistical import AR, ARIMA, ETS
from .structural import Structural

__all__ = [
    "K_SIZES",
    "ACTIVE_DAYS",
    "AR",
    "ARIMA",
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
    "NaiveFallback",
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
