"""Real cache stores for the shared handler suite: files in tmp, a real redis-server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.cache.support import Upstream
from tests.support.servers import RunningServer, run_server


@pytest.fixture
def anyio_backend() -> str:
    """redis.asyncio needs asyncio."""
    return "asyncio"


@pytest.fixture(scope="module")
def upstream() -> Iterator[tuple[Upstream, RunningServer]]:
    """A second local uvicorn that counts its hits, for ``fetch`` tests."""
    app = Upstream()
    with run_server(app, "h11") as server:
        yield app, server
