"""Models tried in the backtest and left out of the defaults because they lost (see the results
pages); kept so that their figures can be reproduced: a robust level and two snapshot models,
with the banded-snapshot lookups they use."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..scores import BAND_LO
from .history import History
from .models import MIN_SD, FittedModel, Naive, NaiveFallback, diff_sd, level_fit, quiet

__all__ = ["HuberLevel", "SnapshotChange", "SnapshotQuantile", "count_above", "score_for_count"]


def _tail_knots(bands: np.ndarray, band_lo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ``log(1 + candidates at or above them)`` at the band edges (and 1201, where
    nobody is), ascending in score."""
    counts = np.asarray(bands, dtype=float)
    above = np.cumsum(counts[::-1])[::-1]  # at or above each band's lower score
    scores = np.concatenate([np.asarray(band_lo, dtype=float), [1201.0]])
    return scores, np.log1p(np.concatenate([above, [0.0]]))


def count_above(bands, band_lo, score) -> np.ndarray:
    """Candidates at or above ``score`` in a banded snapshot [candidates].

    Parameters
    ----------
    bands : array-like, shape (15,)
        Candidates per band [candidates].
    band_lo : array-like, shape (15,)
        The bands' lowest scores, ascending [CRS points].
    score : float or array-like
        Scores [CRS points].

    Notes
    -----
    Inside a band the count at or above a score is interpolated log-linearly between the band's
    edges: an exponential tail (the density falls by a constant factor per point across the
    band). Exact at the band edges.

    Examples
    --------
    >>> lo = [0, 301, 351, 401, 411, 421, 431, 441, 451, 461, 471, 481, 491, 501, 601]
    >>> bands = [0] * 13 + [99, 0]
    >>> [round(float(count_above(bands, lo, s)), 6) for s in (501, 551, 601)]
    [99.0, 9.0, 0.0]
    >>> round(float(score_for_count(bands, lo, 9)), 6)
    551.0
    """
    x, logn = _tail_knots(bands, band_lo)
    return np.expm1(np.interp(np.asarray(score, dtype=float), x, logn))


def score_for_count(bands, band_lo, count) -> np.ndarray:
    """The score at which ``count`` candidates are at or above it (inverse of
    :func:`count_above`) [CRS points]; counts beyond the pool give its lowest score."""
    x, logn = _tail_knots(bands, band_lo)
    # decreasing in score: reverse, and break ties of empty bands so xp strictly increases
    xp = logn[::-1] + np.arange(len(logn)) * 1e-12
    return np.interp(np.log1p(np.asarray(count, dtype=float)), xp, x[::-1])


@dataclass(frozen=True)
class HuberLevel:
    """A robust level: the Huber M-estimate of the location of the last ``k`` cutoffs.

    Notes
    -----
    Like :class:`WindowMean`, but a cutoff far from the others (an unusually small PNP round,
    say) is down-weighted instead of pulling the level: statsmodels' ``RLM`` with Huber's
    ``t = 1.345`` norm and a MAD scale, on a constant. The standard deviation is that robust
    scale times ``sqrt(1 + 1/k)`` [CRS points]. When the window's cutoffs have no spread (MAD of
    zero) the level is their median.
    """

    k: int = 6
    name: str = "huber"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:
        y = history.cutoff[-self.k :]
        k = len(y)
        mad = float(np.median(np.abs(y - np.median(y)))) * 1.4826
        if k < 3 or mad < 1e-9:
            level = float(np.median(y))
            sd = diff_sd(history.cutoff)
        else:
            import statsmodels.api as sm  # statsmodels is heavy: imported where used

            with quiet():
                res = sm.RLM(y, np.ones((k, 1)), M=sm.robust.norms.HuberT()).fit()
            level = float(res.params[0])
            sd = float(res.scale)
            if not (np.isfinite(level) and np.isfinite(sd)):
                return NaiveFallback(self, history, "robust fit failed")
        sd = max(sd * math.sqrt(1 + 1 / k), MIN_SD)
        return level_fit(self, history, level, sd)


@dataclass(frozen=True)
class SnapshotQuantile:
    """The score at which the latest snapshot holds the round's share of candidates.

    Parameters
    ----------
    k : int
        The category's share is the median over its last ``k`` rounds with a snapshot.

    Notes
    -----
    Each past round ``i`` of the category invited ``n_i`` candidates down to cutoff ``c_i``; the
    snapshot published with it held ``A_i(c_i)`` candidates at or above ``c_i`` (all programs;
    :func:`count_above`, exponential tail inside a band). Their ratio ``f_i = n_i / A_i(c_i)`` is
    the share of the pool's top that the category's rounds reach (its eligible fraction, times
    the part not taken by other rounds since the snapshot). With ``f`` the geometric median of
    the last ``k`` ratios, the next round of expected size ``n`` is forecast at the score where
    the latest snapshot known at the origin holds ``n / f`` candidates at or above it
    (:func:`score_for_count`): a pure lookup, no pool engine. With an unchanged pool, size and
    share it repeats the last cutoff; a pool whose top grew since, or a larger round, moves it
    along the pool's distribution. Every step uses the same snapshot. The standard deviation is
    that of :class:`Naive` (calibration rescales it). Without a snapshot: the naive forecast.
    """

    k: int = 3
    name: str = "snap"
    min_obs: int = 1

    def fit(self, history: History) -> FittedModel:

        bands = history.snap_bands
        if bands is None or history.latest_bands is None:
            return NaiveFallback(self, history, "no pool snapshot before the origin")
        ok = np.flatnonzero(np.isfinite(bands).all(axis=1))[-self.k :]
        if not len(ok):
            return NaiveFallback(self, history, "no round with a pool snapshot")
        lo = BAND_LO.astype(float)
        above = np.array(
            [float(count_above(bands[i], lo, history.cutoff[i])) for i in ok], dtype=float
        )
        share = history.invitations[ok] / np.maximum(above, 1.0)
        f = float(np.exp(np.median(np.log(share))))
        return _SnapshotFit(self, history, f, lo)


class _SnapshotFit(FittedModel):
    def __init__(self, spec, history, share, band_lo):
        super().__init__(spec, history)
        self.share = share
        self.band_lo = band_lo
        self._naive = Naive().fit(history)
        self.params = {"share": share}

    def forecast(self, future):
        _, sd = self._naive.forecast(future)
        need = np.maximum(future.invitations, 1.0) / self.share
        mean = score_for_count(self.history.latest_bands, self.band_lo, need)
        return np.asarray(mean, dtype=float), sd


@dataclass(frozen=True)
class SnapshotChange:
    """The previous cutoff moved by the pool's change since it and by the size change.

    Notes
    -----
    For consecutive rounds ``i - 1, i`` of the category: ``x_i = log A_i(c_{i-1}) - log
    A_{i-1}(c_{i-1})``, the change in the log number of candidates at or above the previous
    cutoff between the snapshots published with the two rounds (:func:`count_above`), and
    ``z_i = log(n_i / n_{i-1})``, the log size ratio. The model is the regression through the
    origin ``c_i - c_{i-1} = b_1 x_i + b_2 z_i + e_i`` fitted by least squares on the window's
    pairs; the forecast is ``c_last + b_1 x + b_2 log(n / n_last)`` with ``x`` measured on the
    latest snapshot known at the origin and ``n`` the size model's forecast (the last size by
    default, so ``z = 0``). A top of the pool that grew since the last round pushes the cutoff
    up; a larger round pulls it down. Every step gets the step-1 shift. The standard deviation
    is the residual one times ``sqrt(h)``. With fewer than ``min_obs`` pairs: the naive forecast.
    """

    name: str = "snapchg"
    min_obs: int = 8

    def fit(self, history: History) -> FittedModel:

        bands = history.snap_bands
        if bands is None or history.latest_bands is None:
            return NaiveFallback(self, history, "no pool snapshot before the origin")
        lo = BAND_LO.astype(float)
        y = history.cutoff
        rows = []
        for i in range(1, history.n):
            if not (np.isfinite(bands[i]).all() and np.isfinite(bands[i - 1]).all()):
                continue
            a_now = float(count_above(bands[i], lo, y[i - 1]))
            a_then = float(count_above(bands[i - 1], lo, y[i - 1]))
            x = math.log1p(a_now) - math.log1p(a_then)
            z = math.log(max(history.invitations[i], 1.0) / max(history.invitations[i - 1], 1.0))
            rows.append((x, z, y[i] - y[i - 1]))
        if len(rows) < self.min_obs:
            return NaiveFallback(self, history, f"{len(rows)} < {self.min_obs} round pairs")
        X = np.array([r[:2] for r in rows])
        d = np.array([r[2] for r in rows])
        beta, *_ = np.linalg.lstsq(X, d, rcond=None)
        resid = d - X @ beta
        sd = max(float(np.sqrt(np.sum(resid**2) / max(len(d) - 2, 1))), MIN_SD)
        ok = np.flatnonzero(np.isfinite(bands).all(axis=1))
        if not len(ok) or ok[-1] != history.n - 1:
            return NaiveFallback(self, history, "the last round has no pool snapshot")
        x_now = math.log1p(float(count_above(history.latest_bands, lo, y[-1]))) - math.log1p(
            float(count_above(bands[-1], lo, y[-1]))
        )
        fitted = _ChangeFit(self, history, beta, x_now, sd)
        fitted.params = {"b_pool": float(beta[0]), "b_size": float(beta[1]), "x": x_now, "sd": sd}
        return fitted


class _ChangeFit(FittedModel):
    def __init__(self, spec, history, beta, x_now, sd):
        super().__init__(spec, history)
        self.beta, self.x_now, self.sd = beta, x_now, sd

    def forecast(self, future):
        h = np.arange(1, future.steps + 1, dtype=float)
        last = self.history.cutoff[-1]
        z = np.log(np.maximum(future.invitations, 1.0) / max(self.history.invitations[-1], 1.0))
        mean = last + self.beta[0] * self.x_now + self.beta[1] * z
        return mean, self.sd * np.sqrt(h)
