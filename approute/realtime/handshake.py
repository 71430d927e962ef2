"""A WebSocket handshake as the HTTP GET it is, for the pipeline.

The pipeline sees an ``http`` scope (method GET, scheme http/https) and
runs every stage on it: head checks, config redirects and headers, the
middleware, rewrites, the route's ``GET``. What it sends comes back here:

* the start message of ``NextResponse.upgrade(...)``'s response (it carries
  the response under ``UPGRADE_KEY``): the handshake is accepted with that
  response's headers and cookies (and config ``headers()``), once the
  pipeline is done;
* any other response refuses the handshake: the client sees its status,
  headers and body (ASGI's ``websocket.http.response`` extension; a server
  without it answers 403).
"""

from __future__ import annotations

from typing import Any, Final

from approute._types import Message, Receive, Scope, Send
from approute.http.websocket import HANDSHAKE_KEY, UPGRADE_KEY, UpgradeResponse

__all__ = ["Handshake", "accept_message"]

_DENIAL: Final = "websocket.http.response"
# Headers of the 426 (or the transport's) that never go on a 101.
_NOT_ON_ACCEPT: Final = frozenset(
    {
        b"connection",
        b"content-encoding",
        b"content-length",
        b"content-type",
        b"sec-websocket-accept",
        b"sec-websocket-extensions",
        b"transfer-encoding",
        b"upgrade",
        b"vary",
    }
)
_SUBPROTOCOL: Final = b"sec-websocket-protocol"
_REQUEST: Final = {"type": "http.request", "body": b"", "more_body": False}


def accept_message(headers: list[tuple[bytes, bytes]]) -> Message:
    """``websocket.accept`` with the upgrade response's headers; a
    ``Sec-WebSocket-Protocol`` it set becomes the chosen subprotocol."""
    kept = []
    subprotocol = None
    for name, value in headers:
        if name == _SUBPROTOCOL:
            subprotocol = value.decode("latin-1")
        elif name not in _NOT_ON_ACCEPT:
            kept.append((name, value))
    return {"type": "websocket.accept", "headers": kept, "subprotocol": subprotocol}


class Handshake:
    """The handshake's ``http`` scope, ``receive`` and ``send`` for the pipeline."""

    __slots__ = (
        "_denying",
        "_read",
        "_receive",
        "_send",
        "accept",
        "gone",
        "http_scope",
        "upgrade",
    )

    def __init__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http_scope: dict[str, Any] = {
            **scope,
            "type": "http",
            "method": "GET",
            "scheme": "https" if scope.get("scheme") == "wss" else "http",
            HANDSHAKE_KEY: True,
        }
        http_scope.pop("subprotocols", None)
        self.http_scope = http_scope
        self._receive = receive
        self._send = send
        self._read = False
        self._denying = _DENIAL in (scope.get("extensions") or {})
        self.upgrade: UpgradeResponse | None = None
        self.accept: Message | None = None  # the websocket.accept to send
        self.gone = False  # the client left before the answer

    async def receive(self) -> Message:
        """An empty body, then (the disconnect watch) the client leaving."""
        if not self._read:
            self._read = True
            return _REQUEST
        while True:  # before the accept, only a disconnect can come
            message = await self._receive()
            if message["type"] == "websocket.disconnect":
                self.gone = True
                return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            upgrade = message.get(UPGRADE_KEY)
            if upgrade is not None:
                self.upgrade = upgrade
                self.accept = accept_message(list(message.get("headers") or ()))
                return
            if self._denying:
                await self._send({**message, "type": "websocket.http.response.start"})
        elif kind == "http.response.body" and self.upgrade is None:
            if self._denying:
                await self._send({**message, "type": "websocket.http.response.body"})
            elif not message.get("more_body", False):
                await self._send({"type": "websocket.close", "code": 1008})  # the server's 403

    async def deny(self, status: int, text: str) -> None:
        """Refuse the handshake with ``status`` and a short text body."""
        body = text.encode()
        headers = [(b"content-type", b"text/plain;charset=UTF-8")]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})
