"""Every path the package reads or writes, in one place.

The bundled IRCC feed lives in ``data/raw``; everything under ``data/processed`` and ``reports`` is
derived and can be rebuilt. ``EEFORECAST_HOME`` overrides the project root (useful when the package is
installed elsewhere than a checkout); ``EEFORECAST_CACHE`` the cache folder (``off`` turns the cache
off).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("EEFORECAST_HOME", Path(__file__).resolve().parent.parent))
DATA_DIR = ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
RAW_FEED = RAW_DIR / "ee_rounds_snapshot_2025-12-17.json"
PROCESSED_DIR = DATA_DIR / "processed"
REPORTS_DIR = ROOT / "reports"

#: IRCC's public address of the rounds feed (the file ``eeforecast update`` fetches).
FEED_URL = "https://www.canada.ca/content/dam/ircc/documents/json/ee_rounds_123_en.json"
#: Hosts ``eeforecast update`` may download from.
ALLOWED_HOSTS = frozenset({"www.canada.ca"})
#: Where ``eeforecast update`` saves the live feed; read instead of RAW_FEED once it exists.
LIVE_FEED = RAW_DIR / "ee_rounds_live.json"


def cache_dir() -> Path | None:
    """Where fitted pool models are cached (``data/processed/cache`` unless ``EEFORECAST_CACHE``
    names another folder); None when ``EEFORECAST_CACHE`` is ``off``. Read at each call, so a
    test or a script can move it."""
    value = os.environ.get("EEFORECAST_CACHE", "").strip()
    if value.lower() in ("off", "0", "false", "no"):
        return None
    return Path(value) if value else PROCESSED_DIR / "cache"
