"""``AccessLog``: one line per HTTP response in the Common Log Format, on the
``approute.access`` logger (``approute start --access-log``); for a
WebSocket, one line when its handshake is answered (101, or the refusal).

The app writes it, not the server, so granian and uvicorn log the same line,
with the size of the body actually sent (neither server's own access log
has it). The request target is logged as the client sent it, every byte
that is not printable ASCII (and ``"``, ``\\``) as ``\\xhh``: a client
cannot forge a second log line or break the quoting.

    127.0.0.1 - - [07/Dec/2026:14:05:03 +0000] "GET /api/users/42?x=1 HTTP/1.1" 200 26
"""

from __future__ import annotations

import logging
import time
from typing import Final

from approute._types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AccessLog", "common_log_line"]

logger = logging.getLogger("approute.access")

# Each byte as it is logged: printable ASCII but the quote and backslash as
# themselves, everything else as \xhh.
_BYTE_TEXT: Final = tuple(
    chr(b) if 0x21 <= b <= 0x7E and b not in (0x22, 0x5C) else f"\\x{b:02x}" for b in range(256)
)


def _escaped(raw: bytes) -> str:
    return "".join([_BYTE_TEXT[b] for b in raw])


def _timestamp(now: float) -> str:
    # Local time, as Apache's; %b is the C locale's month (Python's default).
    return time.strftime("%d/%b/%Y:%H:%M:%S %z", time.localtime(now))


def common_log_line(scope: Scope, status: int, size: int, now: float) -> str:
    """The Common Log Format line for ``scope`` answered with ``status`` and
    ``size`` body bytes (``-`` for none) at ``now`` (epoch seconds)."""
    client = scope.get("client")
    host = _escaped(str(client[0]).encode()) if client else "-"
    target: bytes = scope.get("raw_path") or scope["path"].encode()
    query: bytes = scope.get("query_string", b"")
    if query:
        target += b"?" + query
    method = _escaped(scope.get("method", "GET").encode())  # a WebSocket has none: GET
    request = f"{method} {_escaped(target)} HTTP/{scope.get('http_version', '1.1')}"
    return f'{host} - - [{_timestamp(now)}] "{request}" {status} {size or "-"}'


class AccessLog:
    """``app`` logging one Common Log Format line per HTTP request, after
    its response (or its failure: status 0 when none was started)."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "websocket":
            await self.app(scope, receive, _handshake_logged(scope, send))
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        status = 0
        size = 0

        async def counted(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            logger.info("%s", common_log_line(scope, status, size, time.time()))


def _handshake_logged(scope: Scope, send: Send) -> Send:
    """``send`` logging the handshake's answer once: 101 when accepted, the
    refusal's status and body bytes (403 for a bare close)."""
    status = size = 0
    logged = False

    async def logging_send(message: Message) -> None:
        nonlocal status, size, logged
        if not logged:
            kind = message["type"]
            if kind == "websocket.http.response.start":
                status = message["status"]
            elif kind == "websocket.http.response.body":
                size += len(message.get("body", b""))
                logged = not message.get("more_body", False)
            elif kind in ("websocket.accept", "websocket.close"):
                status, logged = (101 if kind == "websocket.accept" else 403), True
            if logged:
                logger.info("%s", common_log_line(scope, status, size, time.time()))
        await send(message)

    return logging_send
