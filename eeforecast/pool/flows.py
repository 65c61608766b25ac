"""Flows between snapshots: where past rounds took their candidates from, and the net inflow."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scores import BANDS, MAX_SCORE, N_SCORES
from .density import bands_from_density

__all__ = ["allocate_round", "band_flows", "summarize_flows"]


def allocate_round(
    density: np.ndarray, category: str, invitations: float, cutoff: int
) -> np.ndarray:
    """Spread a past round's invitations over the scores it drew from.

    Parameters
    ----------
    density : numpy.ndarray, shape (1201,)
        Candidates at each score before the round [candidates].
    category : str
        The round's category slug: ``general`` draws from every score >= ``cutoff``, ``pnp``
        from 601..1200, any other category from ``cutoff``..600.
    invitations : float
        Invitations issued [candidates].
    cutoff : int
        The round's cutoff [CRS points].

    Returns
    -------
    numpy.ndarray, shape (1201,)
        Invited candidates at each score, proportional to ``density`` over the scores drawn from,
        summing to ``invitations`` [candidates].
    """
    lo = max(int(cutoff), 601) if category == "pnp" else int(cutoff)
    hi = MAX_SCORE if category in ("general", "pnp") else 600
    weights = np.zeros(N_SCORES)
    if lo <= hi:
        weights[lo : hi + 1] = density[lo : hi + 1]
    if weights.sum() <= 0:  # nobody left there in the model: put them at the cutoff score
        weights[min(max(int(cutoff), 0), MAX_SCORE)] = 1.0
    return invitations * weights / weights.sum()


def band_flows(
    dates: np.ndarray,
    counts: np.ndarray,
    densities: np.ndarray,
    rounds: pd.DataFrame,
) -> pd.DataFrame:
    """Net inflow per band per day between consecutive snapshots.

    Parameters
    ----------
    dates : numpy.ndarray of datetime64, shape (T,)
        Snapshot days, ascending.
    counts : numpy.ndarray, shape (T, 15)
        Band counts of each snapshot [candidates].
    densities : numpy.ndarray, shape (T, 1201)
        Their 1-point densities [candidates] (to spread rounds over bands).
    rounds : pandas.DataFrame
        Rounds with ``date, category, invitations, cutoff``.

    Returns
    -------
    pandas.DataFrame
        One row per interval: ``start, end, days`` and one column per band (``"0-300"`` ...)
        holding the net inflow rate [candidates/day].

    Notes
    -----
    A snapshot describes the pool before the rounds held on its day. The net inflow over
    ``[start, end)`` is ``counts(end) - counts(start) + invited``, where ``invited`` are the
    invitations of the rounds dated in ``[start, end)`` spread over bands by
    :func:`allocate_round` on the ``start`` density. It contains new profiles, nominations
    (+600), score changes, withdrawals and expiries (profiles last 12 months) together.
    """
    labels = [f"{lo}-{hi}" for lo, hi in BANDS]
    if len(dates) < 2:
        return pd.DataFrame(columns=["start", "end", "days", *labels])
    r_dates = rounds["date"].to_numpy()
    r_cat = rounds["category"].to_numpy()
    r_n = rounds["invitations"].to_numpy(dtype=float)
    r_c = rounds["cutoff"].to_numpy()
    rows = []
    for i in range(len(dates) - 1):
        days = (dates[i + 1] - dates[i]) / np.timedelta64(1, "D")
        inside = np.flatnonzero((r_dates >= dates[i]) & (r_dates < dates[i + 1]))
        invited = np.zeros(N_SCORES)
        for j in inside:
            invited += allocate_round(densities[i], r_cat[j], r_n[j], r_c[j])
        rate = (counts[i + 1] - counts[i] + bands_from_density(invited)) / days
        rows.append((dates[i], dates[i + 1], days, *rate))
    return pd.DataFrame(rows, columns=["start", "end", "days", *labels])


def summarize_flows(flows: pd.DataFrame, end: object, window: float = 180.0) -> tuple:
    """Mean and daily standard deviation of the net inflow per band over a recent window.

    Parameters
    ----------
    flows : pandas.DataFrame
        Output of :func:`band_flows`.
    end : date-like
        Last day of the window (intervals ending after it are ignored).
    window : float
        Length of the window [days]; intervals ending within it are used.

    Returns
    -------
    mean : numpy.ndarray, shape (15,)
        Net inflow per band [candidates/day]: the sum of the net changes over the sum of days.
    sd : numpy.ndarray, shape (15,)
        Standard deviation of one day's net inflow per band [candidates/day], assuming
        independent days: ``var(rate over d days) = sd**2 / d``.
    """
    end = pd.Timestamp(end)
    use = flows[(flows["end"] <= end) & (flows["end"] > end - pd.Timedelta(days=window))]
    if use.empty:
        use = flows[flows["end"] <= end].tail(6)
    if use.empty:
        return np.zeros(len(BANDS)), np.zeros(len(BANDS))
    days = use["days"].to_numpy(dtype=float)
    rates = use.iloc[:, 3:].to_numpy(dtype=float)
    mean = (rates * days[:, None]).sum(0) / days.sum()
    if len(use) > 1:
        sd = np.sqrt((days[:, None] * (rates - mean) ** 2).sum(0) / (len(use) - 1))
    else:
        sd = np.abs(mean) * np.sqrt(days[0])
    return mean, sd
