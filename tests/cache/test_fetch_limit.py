"""``fetch`` stops reading once the decoded body is over ``max_response_size``
(50 MiB by default): a gzip bomb from a real local upstream raises
``ResponseTooLarge`` with memory bounded by the limit, never the inflated
size (issue 11, finding 7). Memory is measured with ``tracemalloc`` (every
Python allocation, in every thread)."""

from __future__ import annotations

import asyncio
import tracemalloc
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from approute._types import Receive, Scope, Send
from approute.errors import ResponseTooLarge
from approute.fetch import fetch
from tests.support.servers import RunningServer, run_server

MiB = 1024 * 1024
BOMB_SIZE = 100 * MiB
DEFAULT_LIMIT = 50 * MiB  # docs/caching.md


def _zeros_compressed(size: int, wbits: int) -> bytes:
    """``size`` zero bytes compressed, built 1 MiB at a time."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(MiB)
    parts = [compressor.compress(block) for _ in range(size // MiB)]
    return b"".join([*parts, compressor.flush()])


def _gzip(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


class BombUpstream:
    """Small compressed bodies that decode to ``BOMB_SIZE`` bytes."""

    def __init__(self) -> None:
        gzip_bomb = _zeros_compressed(BOMB_SIZE, 31)
        self.bodies: dict[str, tuple[bytes, bytes]] = {
            "/gzip": (b"gzip", gzip_bomb),
            "/deflate": (b"deflate", _zeros_compressed(BOMB_SIZE, 15)),
            "/raw-deflate": (b"deflate", _zeros_compressed(BOMB_SIZE, -15)),
            "/gzip-gzip": (b"gzip, gzip", _gzip(gzip_bomb)),
            "/small-gzip": (b"gzip", _gzip(b"x" * 1000)),
            "/small": (b"identity", b"x" * 1000),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        path = scope["path"]
        status, headers = 200, []
        if path == "/redirect":  # a redirect whose own body is a bomb
            status, headers = 302, [(b"location", b"/small")]
            path = "/gzip"
        encoding, body = self.bodies[path]
        headers.append((b"content-encoding", encoding))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def bombs() -> Iterator[RunningServer]:
    with run_server(BombUpstream(), "h11") as server:
        yield server


def _fetch_traced(url: str, **kwargs: Any) -> tuple[Any, int]:
    """(what ``fetch`` returned or raised, peak bytes allocated meanwhile)."""
    tracemalloc.start()
    try:
        outcome: Any = asyncio.run(fetch(url, **kwargs))
    except ResponseTooLarge as error:
        outcome = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


@pytest.mark.parametrize("path", ["/gzip", "/deflate", "/raw-deflate", "/gzip-gzip"])
def test_a_compression_bomb_stops_at_the_default_limit(bombs: RunningServer, path: str) -> None:
    outcome, peak = _fetch_traced(bombs.url + path)
    assert isinstance(outcome, ResponseTooLarge), f"fetch returned {outcome!r}"
    assert outcome.limit == DEFAULT_LIMIT
    assert "max_response_size" in str(outcome)
    assert peak < DEFAULT_LIMIT + 8 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_a_lower_limit_bounds_memory_to_it(bombs: RunningServer) -> None:
    outcome, peak = _fetch_traced(bombs.url + "/gzip", max_response_size=MiB)
    assert isinstance(outcome, ResponseTooLarge)
    assert outcome.limit == MiB
    assert peak < 8 * MiB, f"peak {peak / MiB:.0f} MiB"


def test_a_redirect_body_is_discarded_unread(bombs: RunningServer) -> None:
    outcome, peak = _fetch_traced(bombs.url + "/redirect")
    assert not isinstance(outcome, ResponseTooLarge)
    assert (outcome.status, outcome.redirected, outcome.url) == (200, True, bombs.url + "/small")
    assert asyncio.run(outcome.bytes()) == b"x" * 1000
    assert peak < 8 * MiB, f"peak {peak / MiB:.0f} MiB"


@pytest.mark.parametrize("path", ["/small", "/small-gzip"])
def test_a_body_at_the_limit_is_returned_and_one_byte_more_raises(
    bombs: RunningServer, path: str
) -> None:
    response = asyncio.run(fetch(bombs.url + path, max_response_size=1000))
    assert asyncio.run(response.bytes()) == b"x" * 1000
    with pytest.raises(ResponseTooLarge, match=r"over 999 bytes"):
        asyncio.run(fetch(bombs.url + path, max_response_size=999))


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "1mb"])
def test_max_response_size_must_be_a_positive_int(value: Any) -> None:
    with pytest.raises((TypeError, ValueError), match="max_response_size"):
        asyncio.run(fetch("http://127.0.0.1:1/", max_response_size=value))
