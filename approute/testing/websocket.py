"""``TestClient.websocket_connect(path)``: a WebSocket to the app in-process.

    with TestClient("examples") as client:
        with client.websocket_connect("/api/chat/lobby") as ws:
            ws.send_text("hi")
            assert ws.receive_json()["type"] == "joined"

The app runs on the client's event loop thread; messages cross with
queues. A refused handshake raises ``WebSocketDenied`` (an
``httpx.Response``: the status, headers and body the route or middleware
answered); the app closing the connection makes the next ``receive_*``
raise ``WebSocketDisconnect`` with its code and reason.
"""

from __future__ import annotations

import asyncio
import base64
import os
import queue
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Final

import httpx
import orjson

from approute._types import ASGIApp, Message, Scope

__all__ = ["WebSocketDenied", "WebSocketDisconnect", "WebSocketTestSession", "websocket_scope"]

_TIMEOUT: Final = 10.0  # seconds a receive waits for the app
_DONE: Final = "approute.testing.done"


class WebSocketDenied(Exception):  # Starlette's name for the same thing
    """The app refused the handshake: ``response`` is what it answered."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"WebSocket handshake refused with {response.status_code}")
        self.response = response


class WebSocketDisconnect(Exception):  # Starlette's name for the same thing
    """The app closed the connection with ``code`` and ``reason``."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with {code} {reason}".rstrip())
        self.code = code
        self.reason = reason


def websocket_scope(request: httpx.Request, subprotocols: list[str], extensions: Any) -> Scope:
    """The ASGI scope a server builds for this handshake request."""
    url = request.url
    key = base64.b64encode(os.urandom(16))
    headers = [
        *request.headers.raw,
        (b"connection", b"upgrade"),
        (b"upgrade", b"websocket"),
        (b"sec-websocket-version", b"13"),
        (b"sec-websocket-key", key),
    ]
    headers = [(name.lower(), value) for name, value in headers]
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "wss" if url.scheme == "https" else "ws",
        "server": (url.host, url.port or (443 if url.scheme == "https" else 80)),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": url.path,
        "raw_path": url.raw_path.split(b"?", 1)[0],
        "query_string": url.query,
        "headers": headers,
        "subprotocols": subprotocols,
        "extensions": extensions,
    }


class WebSocketTestSession:
    """One WebSocket to an app running on ``loop`` (in another thread)."""

    def __init__(self, app: ASGIApp, scope: Scope, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._scope = scope
        self._loop = loop
        self._from_app: queue.Queue[Message] = queue.Queue()
        # Bound to the loop on first use there (only the loop touches it).
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._task: Future[None] | None = None
        self.headers = httpx.Headers()  # of the accepted handshake
        self.subprotocol: str | None = None
        self._closed = False

    # -- the app's side, on the loop ---------------------------------------

    async def _run(self) -> None:
        async def send(message: Message) -> None:
            self._from_app.put(message)

        try:
            await self._app(self._scope, self._to_app.get, send)
        except BaseException as error:
            self._from_app.put({"type": _DONE, "error": error})
            raise
        self._from_app.put({"type": _DONE, "error": None})

    def _put(self, message: Message) -> None:
        self._loop.call_soon_threadsafe(self._to_app.put_nowait, message)

    def _get(self) -> Message:
        try:
            return self._from_app.get(timeout=_TIMEOUT)
        except queue.Empty:
            raise TimeoutError(f"the app sent nothing for {_TIMEOUT:g} s") from None

    # -- the client's side ---------------------------------------------------

    def __enter__(self) -> WebSocketTestSession:
        self._task = asyncio.run_coroutine_threadsafe(self._run(), self._loop)
        self._put({"type": "websocket.connect"})
        message = self._get()
        kind = message["type"]
        if kind == "websocket.accept":
            self.headers = httpx.Headers(message.get("headers") or [])
            self.subprotocol = message.get("subprotocol")
            return self
        self._closed = True
        if kind == "websocket.http.response.start":
            body = b""
            while True:
                part = self._get()
                if part["type"] != "websocket.http.response.body":
                    break
                body += part.get("body", b"")
                if not part.get("more_body", False):
                    break
            status, headers = message["status"], message.get("headers") or []
        elif kind == _DONE and message["error"] is not None:
            raise message["error"]
        else:  # websocket.close before accept, or nothing: a server answers 403
            status, headers, body = 403, [], b""
        if kind != _DONE:  # what the GET raised, when the client asked for it
            ended = self._get()
            if ended["type"] == _DONE and ended["error"] is not None:
                raise ended["error"]
        raise WebSocketDenied(httpx.Response(status, headers=headers, content=body))

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def send_text(self, data: str) -> None:
        """Send a text message."""
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        """Send a binary message."""
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, data: Any) -> None:
        """Send ``data`` as JSON text."""
        self.send_text(orjson.dumps(data).decode())

    def receive(self) -> Message:
        """The next ``websocket.send`` the app sent; ``WebSocketDisconnect``
        when it closed the connection instead."""
        message = self._get()
        kind = message["type"]
        if kind == "websocket.send":
            return message
        if kind == "websocket.close":
            self._closed = True
            self._put({"type": "websocket.disconnect", "code": message.get("code", 1000)})
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        if kind == _DONE and message["error"] is not None:
            raise message["error"]
        raise WebSocketDisconnect(1006, "the app ended without closing")

    def receive_text(self) -> str:
        """The next message, which must be text."""
        message = self.receive()
        if message.get("text") is None:
            raise TypeError("the app sent a binary message, not text")
        return str(message["text"])

    def receive_bytes(self) -> bytes:
        """The next message, which must be binary."""
        message = self.receive()
        if message.get("bytes") is None:
            raise TypeError("the app sent a text message, not binary")
        return bytes(message["bytes"])

    def receive_json(self) -> Any:
        """The next text message, parsed as JSON."""
        return orjson.loads(self.receive_text())

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close from the client's side and wait for the app to finish."""
        if not self._closed:
            self._closed = True
            self._put({"type": "websocket.disconnect", "code": code, "reason": reason})
        task = self._task
        if task is not None:
            try:
                task.result(_TIMEOUT)
            except Exception:  # already raised to the test, or a close hook's (logged)
                return
