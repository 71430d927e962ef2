"""In-process HTTP clients for approute apps (httpx over ASGI)."""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import httpx

from approute._types import ASGIApp
from approute.app import create_app

__all__ = ["AsyncTestClient", "TestClient"]

_BASE_URL = "http://localhost:3000"

AppOrRoot = ASGIApp | str | os.PathLike[str]


def _as_app(app: AppOrRoot) -> ASGIApp:
    if isinstance(app, str | os.PathLike):
        return create_app(app)
    return app


class _LoopTransport(httpx.BaseTransport):
    """Runs the async ASGI transport on an event loop in a daemon thread
    (so a client nobody closed never keeps the interpreter alive)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app
        self._transport = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="approute-testclient", daemon=True
        )
        self._thread.start()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self._transport.handle_async_request(request)
            # Raw bytes: the outer client decodes Content-Encoding itself.
            body = b"".join([chunk async for chunk in response.aiter_raw()])
            return response.status_code, response.headers.raw, body

        status, headers, body = asyncio.run_coroutine_threadsafe(run(), self._loop).result()
        # stream=, not content=: httpx would add a Content-Length the app never sent.
        return httpx.Response(
            status, headers=headers, stream=httpx.ByteStream(body), request=request
        )

    def close(self) -> None:
        if self._loop.is_running():
            close = getattr(self._app, "close", None)
            if close is not None:
                # What a server's shutdown does: after() work waited for, the
                # caches and fetch()'s connections closed (no socket left to
                # the garbage collector).
                asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()


class TestClient(httpx.Client):
    """A synchronous client for an app or a project folder.

    ``TestClient(app)`` accepts what ``create_app`` returns (or any ASGI app),
    or a project path. Closing it (``with TestClient(...) as client:``)
    closes the app as a server's shutdown would.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, app: AppOrRoot, *, base_url: str = _BASE_URL, **kwargs: Any) -> None:
        super().__init__(transport=_LoopTransport(_as_app(app)), base_url=base_url, **kwargs)


class AsyncTestClient(httpx.AsyncClient):
    """An async client for an app or a project folder (use in async tests)."""

    __test__ = False

    def __init__(self, app: AppOrRoot, *, base_url: str = _BASE_URL, **kwargs: Any) -> None:
        super().__init__(
            transport=httpx.ASGITransport(app=_as_app(app)), base_url=base_url, **kwargs
        )
