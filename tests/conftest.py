"""Shared fixtures. Tests always read the bundled feed, never a live copy a user fetched."""

from __future__ import annotations

import copy
import json
import os
import warnings

import matplotlib
import pytest

from eeforecast import config

matplotlib.use("Agg")
os.environ["EEFORECAST_FEED"] = str(config.RAW_FEED)


@pytest.fixture(scope="session")
def raw_payload() -> dict:
    """The bundled IRCC feed as decoded JSON (do not mutate: use ``raw_copy``)."""
    return json.loads(config.RAW_FEED.read_text(encoding="utf-8"))


@pytest.fixture
def raw_copy(raw_payload) -> dict:
    """A deep copy of the bundled feed that a test may edit."""
    return copy.deepcopy(raw_payload)


@pytest.fixture(scope="session")
def feed():
    """The bundled feed, parsed once per session."""
    from eeforecast.feed import load_feed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_feed(config.RAW_FEED)
