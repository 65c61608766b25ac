"""The CRS score scale and IRCC's pool bands, in one place.

Arrays over scores have :data:`N_SCORES` cells, one per CRS point 0..1200. IRCC publishes the pool
in the 15 leaf bands of :data:`BANDS`; the top band, 601-1200, holds the provincial nominees (600
nomination points plus a core score).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BANDS",
    "BAND_HI",
    "BAND_LO",
    "BAND_OF_SCORE",
    "MAX_SCORE",
    "NOMINEE_FLOOR",
    "N_SCORES",
    "SCORES",
]

#: Highest CRS score [CRS points].
MAX_SCORE = 1200
#: Number of scores 0..1200 [scores].
N_SCORES = MAX_SCORE + 1
#: Every score 0..1200.
SCORES = np.arange(N_SCORES)
#: Lowest score of a provincial nominee: 600 nomination points plus at least 1 [CRS points].
NOMINEE_FLOOR = 601

#: The 15 leaf bands of IRCC's pool snapshots, ascending, ``(lo, hi)`` inclusive [CRS points].
BANDS: tuple[tuple[int, int], ...] = (
    (0, 300),
    (301, 350),
    (351, 400),
    (401, 410),
    (411, 420),
    (421, 430),
    (431, 440),
    (441, 450),
    (451, 460),
    (461, 470),
    (471, 480),
    (481, 490),
    (491, 500),
    (501, 600),
    (601, 1200),
)
#: Lowest and highest score of each band [CRS points].
BAND_LO = np.array([lo for lo, _ in BANDS])
BAND_HI = np.array([hi for _, hi in BANDS])
#: Band index of every score 0..1200.
BAND_OF_SCORE = np.searchsorted(BAND_HI, SCORES)
