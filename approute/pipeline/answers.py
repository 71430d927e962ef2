"""Answers the router makes itself, in Next.js's shapes: redirects, the 404
page, the 500 outside a handler, and headers added to whatever is sent;
and ``report_server_error``, which hands the exception behind any 500 to a
test client that asked for it."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Final

from approute._types import Message, Scope, Send
from approute.http.default_headers import DefaultHeaders
from approute.http.response import Response

__all__ = [
    "NOT_FOUND_HTML",
    "SERVER_ERRORS",
    "report_server_error",
    "send_not_found",
    "send_router_redirect",
    "send_server_error",
    "with_headers",
]

NOT_FOUND_HTML: Final = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>404: This page could not '
    b"be found.</title></head><body><h1>404</h1><p>This page could not be found.</p>"
    b"</body></html>"
)
_NOT_FOUND_HEADERS: Final = (
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store, max-age=0, must-revalidate"),
    (b"content-length", str(len(NOT_FOUND_HTML)).encode()),
)
_SERVER_ERROR: Final = b"Internal Server Error"
_SET_COOKIE: Final = b"set-cookie"

SERVER_ERRORS: Final = "approute.server_errors"
"""The ASGI scope extension (``scope["extensions"]``) through which a test
client asks for the exceptions behind failed answers (a 500, or a streamed
body cut half-way): its value is ``{"errors": []}``, a list the app appends
each one to. No server sets it (a client cannot: the server builds the
scope); ``approute.testing`` does."""

Pairs = list[tuple[bytes, bytes]]


async def send_router_redirect(send: Send, location: str, status: int) -> None:
    """Router-made redirects (trailing slash, ``//``, config ``redirects()``):
    the ``Location`` as given, the location as the body, no content type,
    ``refresh`` only on 308 (Next.js)."""
    body = location.encode("latin-1")
    headers = [(b"location", body), (b"content-length", str(len(body)).encode())]
    if status == 308:
        headers.append((b"refresh", b"0;url=" + body))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def send_not_found(send: Send, head_only: bool) -> None:
    """The 404 page (``text/html``, never cached)."""
    await send({"type": "http.response.start", "status": 404, "headers": list(_NOT_FOUND_HEADERS)})
    await send({"type": "http.response.body", "body": b"" if head_only else NOT_FOUND_HTML})


async def send_server_error(send: Send) -> None:
    """500 for an error outside any handler: ``text/plain``, body
    ``Internal Server Error`` (Next.js)."""
    response = Response(_SERVER_ERROR, status=500, headers={"content-type": "text/plain"})
    await response.send_asgi(send)


def report_server_error(scope: Scope, error: Exception) -> None:
    """Hand ``error``, already logged and answered (a 500, or a stream cut
    short), to whoever asked for it through the ``SERVER_ERRORS`` scope
    extension; nothing otherwise. Only the error path calls it, so a
    request that succeeds pays nothing."""
    extensions = scope.get("extensions")
    if extensions:
        wanted = extensions.get(SERVER_ERRORS)
        if wanted is not None:
            wanted["errors"].append(error)


def with_headers(
    send: Send,
    *,
    defaults: Sequence[tuple[bytes, bytes]] = (),
    overrides: Sequence[tuple[bytes, bytes]] = (),
) -> Send:
    """``send`` that adds headers to the response start.

    ``defaults`` (the middleware's) lose to the response's own headers;
    ``overrides`` (config ``headers()``) replace them. ``Set-Cookie`` lines
    always add up. Names are lower-case bytes.
    """
    if not overrides:
        return DefaultHeaders(send, defaults) if defaults else send
    replaced = {name for name, _ in overrides if name != _SET_COOKIE}
    overriding = list(overrides)

    def overridden(message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            headers = [(n, v) for n, v in message.get("headers") or () if n not in replaced]
            message = {**message, "headers": headers + overriding}
        return send(message)

    # Defaults first (they may be overridden too), as one list would have it.
    return DefaultHeaders(overridden, defaults) if defaults else overridden
