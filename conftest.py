"""Set-up shared by the tests and the doctests: the bundled feed, a headless matplotlib."""

import os

import matplotlib

from eeforecast import config

matplotlib.use("Agg")
os.environ["EEFORECAST_FEED"] = str(config.RAW_FEED)
