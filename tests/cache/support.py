"""Helpers for the data cache tests: a controllable clock on a real app."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import orjson

from approute._types import Receive, Scope, Send
from approute.app import App, create_app
from approute.cache.data import DataCache
from approute.cache.memory import MemoryCacheHandler

MEMORY_CONFIG = "cache_handler = 'memory'\n"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def data_cache(app: App) -> DataCache:
    cache = app.pipeline._data_cache
    assert cache is not None
    return cache


def clocked_app(root: Path, *, dev: bool = False) -> tuple[App, Clock]:
    """``create_app(root)`` (a project using the memory store) with every
    cache clock replaced by one test clock."""
    app = create_app(root, dev=dev)
    clock = Clock()
    cache = data_cache(app)
    cache._clock = clock
    handler = cache.handler
    assert isinstance(handler, MemoryCacheHandler)
    handler._clock = clock
    route_cache = app.pipeline._route_cache
    if route_cache is not None:
        route_cache._clock = clock
    return app, clock


def count(root: Path, name: str = "count.txt") -> int:
    """How many times a project's counted function ran (see ``COUNTER``)."""
    path = root / name
    return int(path.read_text()) if path.exists() else 0


COUNTER = """
from collections import Counter
from pathlib import Path

import orjson

_ROOT = Path(__file__).resolve().parents[{depth}]


def bump(name="count.txt"):
    path = _ROOT / name
    n = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(n))
    return n
"""


def counter(depth: int) -> str:
    """Source of a ``bump()`` that counts calls in a file at the project root
    (``depth`` = how many folders the module is below the root, minus one)."""
    return COUNTER.format(depth=depth)


class Upstream:
    """An ASGI app that answers JSON and counts hits per (method, path)."""

    def __init__(self) -> None:
        self.hits: Counter[tuple[str, str]] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                kind = (await receive())["type"]
                if kind == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        method, path = scope["method"], scope["path"]
        self.hits[(method, path)] += 1
        n = self.hits[(method, path)]
        status = 200
        if path.startswith("/status/"):
            status = int(path.rsplit("/", 1)[1])
        if path == "/big":
            payload = b'"' + b"x" * (2 * 1024 * 1024 + 10) + b'"'
        elif path == "/redirect":
            await send(
                {"type": "http.response.start", "status": 302, "headers": [(b"location", b"/n")]}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        else:
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            payload = orjson.dumps(
                {"n": n, "method": method, "body": body.decode(), "headers": headers}
            )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"x-upstream", b"1")],
            }
        )
        await send({"type": "http.response.body", "body": payload})
