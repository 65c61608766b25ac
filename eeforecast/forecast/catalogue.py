"""The package's cutoff models: the defaults, the experimental ones, and the checks on a list of
models (:func:`check_models`) that every forecast and backtest applies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..checks import LEVELS
from ..errors import ParameterError
from .experimental import HuberLevel, SnapshotChange, SnapshotQuantile
from .models import Combination, Drift, Naive, NaiveEmpirical, WindowMean
from .statistical import AR, ARIMA, ETS
from .structural import SizeMixture, Structural

__all__ = [
    "BUILTIN_TYPES",
    "DEFAULT_CHOICE",
    "DEFAULT_LEVELS",
    "DEFAULT_MODELS",
    "EXPERIMENTAL_MODELS",
    "auto_candidates",
    "check_models",
]

#: The interval levels a forecast reports unless asked for others [%].
DEFAULT_LEVELS = LEVELS

_AR1 = AR(name="ar1")
_ARX = AR(exog=("log_invitations", "log_gap"), name="arx")

#: The models every forecast and backtest runs (baselines first). ``ar1`` and ``arx`` are
#: ARIMA(1, 0, 0) models (the second with regressors) fitted by least squares; the exact-likelihood
#: :class:`ARIMA` versions are slower for the same accuracy in the backtest.
#: ``naive_emp`` (naive with its own past errors as its distribution) is the CRPS baseline.
DEFAULT_MODELS: tuple = (
    Naive(),
    NaiveEmpirical(),
    WindowMean(k=3),
    Drift(),
    ETS(),
    _AR1,
    _ARX,
    Combination(members=(Naive(), ETS(), _AR1, _ARX)),
)
#: Models tried in the backtest and left out of the defaults because they lost to naive or to
#: ``combo`` (see the backtest results page); pass them in ``models=`` to rerun them.
EXPERIMENTAL_MODELS: tuple = (HuberLevel(), SnapshotQuantile(), SnapshotChange())
#: The model the ``auto`` choice falls back to and keeps unless another is clearly better.
DEFAULT_CHOICE = "combo"
#: The package's own model classes: ``auto`` chooses among these unless told otherwise.
BUILTIN_TYPES = (
    Naive,
    NaiveEmpirical,
    WindowMean,
    Drift,
    ETS,
    ARIMA,
    AR,
    Combination,
    Structural,
    SizeMixture,
    HuberLevel,
    SnapshotQuantile,
    SnapshotChange,
)


def check_models(models: Iterable | None) -> tuple:
    """The models of a run: :data:`DEFAULT_MODELS` when None, ``naive`` added when missing.

    Raises
    ------
    ParameterError
        A model without a string ``name`` or a ``fit`` method (named by its position and
        type), two models with one name, or a model named ``auto``.
    """
    models = tuple(DEFAULT_MODELS if models is None else models)
    for i, model in enumerate(models):
        name = getattr(model, "name", None)
        if not isinstance(name, str) or not name:
            raise ParameterError(
                f"models[{i}] ({type(model).__name__}): a cutoff model needs a non-empty string "
                "'name' (see eeforecast.forecast.CutoffModel)"
            )
        if not callable(getattr(model, "fit", None)):
            raise ParameterError(
                f"model {name!r} ({type(model).__name__}): no fit(history) method (see "
                "eeforecast.forecast.CutoffModel)"
            )
        try:
            hash(model)
        except TypeError:
            raise ParameterError(
                f"model {name!r} ({type(model).__name__}): a model must be hashable (fits are "
                "cached by it); make it a frozen dataclass"
            ) from None
    names = [m.name for m in models]
    if len(set(names)) != len(names):
        raise ParameterError(f"models: names must be unique, got {names}")
    if "naive" not in names:
        models = (Naive(),) + models
    if "auto" in names:
        raise ParameterError("models: 'auto' is reserved for the backtest-selected model")
    return models


def auto_candidates(models: Sequence, auto_from: Iterable[str] | None = None) -> tuple[str, ...]:
    """The names ``auto`` may choose among: the package's own models in ``models`` (by type),
    or, when given, the names in ``auto_from`` (each must be one of ``models``)."""
    names = [m.name for m in models]
    if auto_from is None:
        return tuple(m.name for m in models if isinstance(m, BUILTIN_TYPES))
    if isinstance(auto_from, str):
        raise ParameterError(f"auto_from: expected a list of model names, got {auto_from!r}")
    chosen = tuple(dict.fromkeys(auto_from))
    unknown = [n for n in chosen if n not in names]
    if unknown or not chosen:
        raise ParameterError(
            f"auto_from: {unknown or 'nothing'} is not among the models run ({', '.join(names)})"
        )
    return chosen
