"""Shared fixtures. Tests always read the bundled feed (see ../conftest.py), never a live copy."""

from __future__ import annotations

import copy
import json
import warnings

import pytest

from eeforecast import config


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
    from eeforecast.data import load_feed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_feed(config.RAW_FEED)
