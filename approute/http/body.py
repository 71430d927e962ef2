"""The request body channel: the only reader of ASGI ``receive``.

One pump task reads ``receive`` and hands body chunks to the request's
readers, and notices ``http.disconnect`` so that a handler still running
for a client that went away is cancelled. The pump starts at once for a
request without a body (it then only waits for the disconnect), and on the
first body read otherwise: calling ``receive`` makes uvicorn send
``100 Continue``, which must not happen for a body refused by its
``Content-Length`` (413 first).
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import AsyncIterator, Callable

from approute._types import Receive
from approute.errors import BodyTooLarge, RequestError

__all__ = ["WATCH_DELAY", "BodyChannel", "BodyTimeout", "ClientDisconnected", "parse_size"]

# Enough for a few network reads; more would let a handler that never reads
# its body buffer it all in memory.
_MAX_QUEUED_CHUNKS = 16

# How long a body-less request runs before its disconnect watch starts.
WATCH_DELAY = 0.25

_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>b|kb|mb|gb)?")


class ClientDisconnected(RequestError):
    """The client went away while its body was being read."""

    status = 499


class BodyTimeout(RequestError):
    """408: the client stopped sending its body."""

    status = 408


def parse_size(value: int | str, *, where: str = "body_size_limit") -> int:
    """Bytes from an int or a string like ``"512kb"``, ``"4mb"``, ``"1gb"``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where} must be bytes (int) or a size like '4mb'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{where} must not be negative; got {value}")
        return value
    match = _SIZE.fullmatch(value.strip().lower())
    if match is None:
        raise ValueError(f"{where}: cannot read {value!r}; write e.g. '512kb' or '4mb'")
    return int(float(match["number"]) * _UNITS[match["unit"] or "b"])


class BodyChannel:
    """Owns ``receive`` for one request: body chunks in order, and disconnects."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_complete",
        "_content_length",
        "_on_disconnect",
        "_pump",
        "_receive",
        "_timed_out",
        "_timeout",
        "_timer",
        "_waiter",
        "consumed",
        "disconnected",
    )

    def __init__(
        self,
        receive: Receive,
        *,
        has_body: bool,
        content_length: int | None,
        timeout: float | None,
    ) -> None:
        self._receive = receive
        self._content_length = content_length
        self._timeout = timeout
        self._chunks: deque[bytes] = deque()
        self._buffered: bytes | None = None
        self._complete = not has_body
        self._waiter: asyncio.Future[None] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._on_disconnect: Callable[[], None] | None = None
        self._timed_out = False
        self.consumed = False
        self.disconnected = False

    @property
    def content_length(self) -> int | None:
        """The declared ``Content-Length``, if the client sent one."""
        return self._content_length

    def watch(self, on_disconnect: Callable[[], None], *, after: float = WATCH_DELAY) -> None:
        """Call ``on_disconnect`` when the client goes away.

        With a body the pump starts on the first read (see the module
        docstring). Without one it starts ``after`` seconds in: most
        requests are answered sooner, and a timer costs far less than a task
        per request; a handler still running then (or a stream) is watched.
        """
        self._on_disconnect = on_disconnect
        if self._complete:
            self._timer = asyncio.get_running_loop().call_later(after, self._start)

    def close(self) -> None:
        """Stop the pump (the response is done)."""
        self._on_disconnect = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    def _start(self) -> None:
        self._timer = None
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        receive = self._receive
        while True:
            if not self._complete and self._timeout is not None:
                try:
                    async with asyncio.timeout(self._timeout):
                        message = await receive()
                except TimeoutError:
                    self._timed_out = True
                    self._wake()
                    return
            else:
                message = await receive()
            kind = message["type"]
            if kind == "http.request":
                if self._complete:
                    continue
                body = message.get("body", b"")
                if body:
                    self._chunks.append(body)
                if not message.get("more_body", False):
                    self._complete = True
                self._wake()
                while len(self._chunks) >= _MAX_QUEUED_CHUNKS:
                    await self._wait()
            elif kind == "http.disconnect":
                self.disconnected = True
                self._wake()
                callback = self._on_disconnect
                if callback is not None:
                    callback()
                return

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def chunks(self) -> AsyncIterator[bytes]:
        """Yield the body as it arrives. Streamed once; a body that ``read()``
        buffered is replayed (the middleware and the route may both read it)."""
        if self._buffered is not None:
            if self._buffered:
                yield self._buffered
            return
        if self.consumed:
            raise RuntimeError("the request body was already streamed")
        self.consumed = True
        if not self._complete:
            self._start()
        while True:
            if self._chunks:
                chunk = self._chunks.popleft()
                self._wake()
                yield chunk
                continue
            if self._complete:
                return
            if self.disconnected:
                raise ClientDisconnected("client disconnected while sending the body")
            if self._timed_out:
                raise BodyTimeout("timed out reading the request body")
            await self._wait()

    async def read(self, limit: int | None) -> bytes:
        """The whole body; over ``limit`` bytes → ``BodyTooLarge`` (413).

        A declared ``Content-Length`` over the limit is refused before a byte
        is read (and before uvicorn sends ``100 Continue``).
        """
        if limit is not None and (self._content_length or 0) > limit:
            raise BodyTooLarge(f"request body is over the {limit} byte limit")
        buffered = self._buffered
        if buffered is not None:
            if limit is not None and len(buffered) > limit:
                raise BodyTooLarge(f"request body is over the {limit} byte limit")
            return buffered
        parts: list[bytes] = []
        size = 0
        async for chunk in self.chunks():
            size += len(chunk)
            if limit is not None and size > limit:
                raise BodyTooLarge(f"request body is over the {limit} byte limit")
            parts.append(chunk)
        body = self._buffered = parts[0] if len(parts) == 1 else b"".join(parts)
        return body
