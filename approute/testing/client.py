"""In-process HTTP clients for approute apps (httpx over ASGI).

Two things set them apart from a server (docs/testing.md):

* A client built from a project path gives the app its own in-memory cache
  (``MemoryCacheHandler``), so tests neither read nor write the
  ``.approute/cache`` that ``approute dev`` serves; ``cache_handler=`` picks
  another store.
* ``raise_server_exceptions=True`` (the default, as Starlette's
  ``TestClient``): what a handler or the middleware raised is raised from
  the client call instead of returning the 500. The client asks for it
  through the ``approute.server_errors`` scope extension
  (``pipeline.answers.report_server_error``), so it works for an app built
  with ``create_app()`` too; for any other ASGI app it is the exception
  that escapes the app (with ``False``: a 500, as Starlette's).
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import Any

import httpx

from approute._types import ASGIApp, Receive, Scope, Send
from approute.app import create_app
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.pipeline import SERVER_ERRORS
from approute.testing.websocket import WebSocketTestSession, websocket_scope

__all__ = ["AsyncTestClient", "TestClient"]

_BASE_URL = "http://localhost:3000"

AppOrRoot = ASGIApp | str | os.PathLike[str]


def _as_app(app: AppOrRoot, cache_handler: CacheHandler | None) -> ASGIApp:
    if isinstance(app, str | os.PathLike):
        # A fresh store per client: nothing shared with `approute dev` or
        # with an earlier test run.
        handler = MemoryCacheHandler() if cache_handler is None else cache_handler
        return create_app(app, cache_handler=handler)
    if cache_handler is not None:
        raise TypeError(
            "cache_handler= applies to a project path, not to an app that is already "
            "built; pass it to create_app(root, cache_handler=...) instead"
        )
    return app


class _RaiseServerErrors:
    """``app`` asked, through the scope, for the exceptions it answers with
    a 500; the first one is raised once the response is sent (for a
    WebSocket: once the handshake is answered or the connection ends)."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        errors: list[Exception] = []
        extensions = {**(scope.get("extensions") or {}), SERVER_ERRORS: {"errors": errors}}
        await self.app({**scope, "extensions": extensions}, receive, send)
        if errors:
            raise errors[0]


def _asgi_transport(app: ASGIApp, raise_server_exceptions: bool) -> httpx.ASGITransport:
    if not raise_server_exceptions:
        # As Starlette's TestClient: an exception out of the app is a 500 too.
        return httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.ASGITransport(app=_RaiseServerErrors(app))


class _LoopTransport(httpx.BaseTransport):
    """Runs the async ASGI transport on an event loop in a daemon thread
    (so a client nobody closed never keeps the interpreter alive)."""

    def __init__(self, app: ASGIApp, raise_server_exceptions: bool) -> None:
        self._app = app
        self._transport = _asgi_transport(app, raise_server_exceptions)
        self.websocket_app = _RaiseServerErrors(app) if raise_server_exceptions else app
        self.loop = self._loop = asyncio.new_event_loop()
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

    A project path is loaded with a private in-memory cache unless
    ``cache_handler`` names a store (for an app, give it to ``create_app``).
    ``raise_server_exceptions=True`` raises what a handler or the middleware
    raised from the call that made the request; ``False`` returns the 500.
    """

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        app: AppOrRoot,
        *,
        base_url: str = _BASE_URL,
        cache_handler: CacheHandler | None = None,
        raise_server_exceptions: bool = True,
        **kwargs: Any,
    ) -> None:
        transport = _LoopTransport(_as_app(app, cache_handler), raise_server_exceptions)
        super().__init__(transport=transport, base_url=base_url, **kwargs)
        self._loop_transport = transport

    def websocket_connect(
        self,
        url: str,
        *,
        subprotocols: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> WebSocketTestSession:
        """A WebSocket to ``url`` (a path), with the client's headers and
        cookies on the handshake; use it in a ``with`` block. A refused
        handshake raises ``WebSocketDenied`` with the response.

        ``Origin`` is absent unless ``headers`` set it (not a browser)."""
        request = self.build_request("GET", url, headers=headers)
        if subprotocols:
            request.headers["sec-websocket-protocol"] = ", ".join(subprotocols)
        scope = websocket_scope(request, subprotocols or [], {"websocket.http.response": {}})
        transport = self._loop_transport
        return WebSocketTestSession(transport.websocket_app, scope, transport.loop)


class AsyncTestClient(httpx.AsyncClient):
    """An async client for an app or a project folder (use in async tests);
    ``cache_handler`` and ``raise_server_exceptions`` as ``TestClient``'s."""

    __test__ = False

    def __init__(
        self,
        app: AppOrRoot,
        *,
        base_url: str = _BASE_URL,
        cache_handler: CacheHandler | None = None,
        raise_server_exceptions: bool = True,
        **kwargs: Any,
    ) -> None:
        transport = _asgi_transport(_as_app(app, cache_handler), raise_server_exceptions)
        super().__init__(transport=transport, base_url=base_url, **kwargs)
