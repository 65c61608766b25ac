"""Set-up shared by the tests and the doctests: the bundled feed, a headless matplotlib, and a
cache of fitted pool models in a temporary folder (never the project's data/processed)."""

import os
import tempfile

import matplotlib

from eeforecast import config

matplotlib.use("Agg")
os.environ["EEFORECAST_FEED"] = str(config.RAW_FEED)
os.environ.setdefault("EEFORECAST_CACHE", tempfile.mkdtemp(prefix="eeforecast-cache-"))
