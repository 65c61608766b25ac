"""The Express Entry pool as a CRS score distribution.

(Contract stub written by the lead; the pool helper owns and fills this module.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: CRS scores 0..1200 inclusive; arrays over scores have this length.
MAX_SCORE = 1200
SCORES = np.arange(MAX_SCORE + 1)


@dataclass(frozen=True)
class PoolState:
    """The pool on one day, as arrays over CRS scores 0..1200.

    Attributes
    ----------
    as_of : pandas.Timestamp
        Day the state describes.
    total : numpy.ndarray, shape (1201,)
        Candidates at each CRS score [candidates].
    eligible : dict[str, numpy.ndarray]
        Category slug -> candidates eligible for that category's rounds at each score, shape
        (1201,) [candidates]. ``general`` rounds draw from ``total``; it need not be present.
    inflow : numpy.ndarray, shape (1201,)
        Expected net inflow per day at each score (new profiles + nominations - expiries),
        [candidates/day]. May be negative at some scores.
    inflow_sd : numpy.ndarray, shape (1201,)
        Standard deviation of the daily net inflow at each score, for Monte Carlo
        [candidates/day].
    inflow_eligible : dict[str, numpy.ndarray]
        Category slug -> share of the inflow at each score that is eligible for the category,
        shape (1201,) [fraction 0..1].
    """

    as_of: pd.Timestamp
    total: np.ndarray
    eligible: dict[str, np.ndarray] = field(default_factory=dict)
    inflow: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_sd: np.ndarray = field(default_factory=lambda: np.zeros(MAX_SCORE + 1))
    inflow_eligible: dict[str, np.ndarray] = field(default_factory=dict)
