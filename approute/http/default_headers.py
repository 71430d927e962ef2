"""``DefaultHeaders``: an ASGI ``send`` that adds headers a response does not
set itself (a middleware's ``NextResponse.next()`` headers).

``Response.send_asgi`` recognises it and merges the headers while it builds
its own list, then calls the inner ``send``: the usual middleware-header
request pays one merge, not a wrapper call per message and a copied start
message. Any other sender goes through ``__call__``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Final

from approute._types import Message, Send

__all__ = ["DefaultHeaders", "add_defaults"]

Pairs = list[tuple[bytes, bytes]]
_SET_COOKIE: Final = b"set-cookie"


def add_defaults(headers: Pairs, defaults: Sequence[tuple[bytes, bytes]]) -> Pairs:
    """``headers`` plus each of ``defaults`` whose name they lack;
    ``Set-Cookie`` lines always add up. Names are lower-case bytes."""
    present = dict(headers)  # the names, in one C call
    merged = headers.copy()
    for pair in defaults:  # a loop: a comprehension is one more call
        if pair[0] not in present or pair[0] == _SET_COOKIE:
            merged.append(pair)
    return merged


class DefaultHeaders:
    """``send`` adding ``defaults`` to the response start."""

    __slots__ = ("defaults", "send")

    def __init__(self, send: Send, defaults: Sequence[tuple[bytes, bytes]]) -> None:
        self.send = send
        self.defaults = defaults

    def __call__(self, message: Message) -> Awaitable[None]:
        # Hands back send's awaitable: no coroutine of its own per message.
        if message["type"] == "http.response.start":
            headers = add_defaults(message.get("headers") or [], self.defaults)
            message = {**message, "headers": headers}
        return self.send(message)
