"""The servers ``approute start --server`` offers: process-level tests run on each."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["granian", "uvicorn"])
def start_server(request: pytest.FixtureRequest) -> str:
    """The ``--server`` value for ``approute start``."""
    return str(request.param)
