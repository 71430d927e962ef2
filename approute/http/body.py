"""The request body channel: the only reader of ASGI ``receive``.

A whole-body ``read()`` receives in the reader's own task. A stream
(``chunks()``) gets a pump task that reads ``receive`` and hands chunks
over. Either way ``http.disconnect`` is noticed, so that a handler still
running for a client that went away is cancelled: a request whose body is
read (or that has none) is watched by a ``DisconnectWatch`` once it has
run a little while. ``receive`` is never called before the handler reads:
that makes uvicorn send ``100 Continue``, which must not happen for a body
refused by its ``Content-Length`` (413 first).

A body must keep coming (:class:`~approute.http.body_limits.BodyPace`): a
pause of ``idle`` seconds, a whole body slower than ``deadline`` seconds, or
fewer than ``min_rate`` bytes a second on average once ``grace`` seconds
have passed, each end it with 408. Restarting one idle timer per byte let a client hold a connection
for ever with a byte every 20 seconds. A whole-body read is first checked by
a ``PaceWatch`` shared by the app's requests (most bodies have arrived
long before); only a read still going then gets a timer of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Callable

from approute._types import Receive
from approute.errors import BodyTooLarge, RequestError
from approute.http.body_limits import BodyPace
from approute.http.body_watch import DisconnectWatch, PaceWatch

__all__ = ["BodyChannel", "BodyTimeout", "ClientDisconnected"]

# Enough for a few network reads; more would let a handler that never reads
# its body buffer it all in memory.
_MAX_QUEUED_CHUNKS = 16
# Over the limit, the rest of a body is read and dropped before the 413 (as
# nginx's lingering close): a client that sends its whole body before
# reading (Python's http.client, requests) would otherwise have the 413
# thrown away by the reset that closing on unread bytes causes. Bounded: up
# to this many times the limit in all, 5 s, and 1 s without a byte.
_LINGER_LIMITS = 4
_LINGER_SECONDS = 5.0
_LINGER_IDLE = 1.0


class ClientDisconnected(RequestError):
    """The client went away while its body was being read."""

    status = 499


class BodyTimeout(RequestError):
    """408: the client stopped sending its body."""

    status = 408


class BodyChannel:
    """Owns ``receive`` for one request: body chunks in order, and disconnects."""

    __slots__ = (
        "_buffered",
        "_chunks",
        "_complete",
        "_content_length",
        "_deadline",
        "_linger",
        "_loop",
        "_on_disconnect",
        "_pace",
        "_pace_watch",
        "_progress",
        "_pump",
        "_reader",
        "_receive",
        "_received",
        "_started",
        "_timed_out",
        "_waiter",
        "_watch",
        "consumed",
        "disconnected",
    )

    def __init__(
        self,
        receive: Receive,
        *,
        has_body: bool,
        content_length: int | None,
        pace: BodyPace | None,
        pace_watch: PaceWatch | None = None,
        linger: bool = True,
    ) -> None:
        self._receive = receive
        # False for ``Expect: 100-continue``: reading would invite the body.
        self._linger = linger
        self._content_length = content_length
        self._pace = pace
        # The app's shared watch for ``pace`` (one of this channel's own otherwise).
        self._pace_watch = pace_watch
        self._reader: asyncio.Task[object] | None = None
        self._chunks: deque[bytes] = deque()
        self._buffered: bytes | None = None
        self._complete = not has_body
        self._waiter: asyncio.Future[None] | None = None
        self._pump: asyncio.Task[None] | None = None
        self._watch: DisconnectWatch | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._progress = self._started = 0.0
        self._received = 0
        self._on_disconnect: Callable[[], None] | None = None
        self._timed_out = False
        self.consumed = False
        self.disconnected = False

    @property
    def content_length(self) -> int | None:
        """The declared ``Content-Length``, if the client sent one."""
        return self._content_length

    def watch(
        self,
        on_disconnect: Callable[[], None],
        *,
        watch: DisconnectWatch | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        """Call ``on_disconnect`` when the client goes away.

        A body-less request, or one whose body was read, is watched once
        ``watch`` (one shared by the app's requests; by default one for this
        request) says it has run for a while: most requests are answered
        sooner. A streamed body's pump watches from the first read.
        ``loop`` is the running loop when the caller knows it already.
        """
        self._on_disconnect = on_disconnect
        if watch is None:
            watch = DisconnectWatch()
        if loop is None:
            loop = asyncio.get_running_loop()
        self._watch = watch
        self._loop = loop
        if self._complete:
            watch.add(self, loop)

    def close(self) -> None:
        """Stop the pump (the response is done)."""
        self._on_disconnect = None
        if self._watch is not None:
            self._watch.discard(self)
            self._watch = None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        if self._pump is not None:
            self._pump.cancel()
            self._pump = None

    def _start(self) -> None:
        if self._pump is None:
            loop = asyncio.get_running_loop()
            self._progress = self._started = loop.time()
            self._pump = loop.create_task(self._run())

    async def _run(self) -> None:
        receive = self._receive
        pace = self._pace
        while True:
            due = None
            if not self._complete and pace is not None:
                due = pace.due(self._started, self._progress, self._received)
            if due is not None:
                try:
                    async with asyncio.timeout_at(due):
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
                    self._received += len(body)
                    self._progress = asyncio.get_running_loop().time()
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
            await self._discard_rest(limit)
            raise BodyTooLarge(f"request body is over the {limit} byte limit")
        buffered = self._buffered
        if buffered is not None:
            if limit is not None and len(buffered) > limit:
                raise BodyTooLarge(f"request body is over the {limit} byte limit")
            return buffered
        if self.consumed:
            raise RuntimeError("the request body was already streamed")
        if self._complete:  # the request has no body
            self.consumed = True
            self._buffered = b""
            return b""
        return await self._read_here(limit)

    async def _read_here(self, limit: int | None) -> bytes:
        """``read()`` before anyone streamed: ``receive`` in the reader's own
        task. A pump task and its hand-offs cost more than a small body; the
        pace is one timer per read, re-armed while data arrives in time."""
        self.consumed = True
        loop = self._loop or asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        pace = self._pace
        watch = None
        if pace is not None and task is not None:
            self._progress = self._started = loop.time()
            watch = self._pace_watch
            if watch is None:
                watch = self._pace_watch = PaceWatch(pace)
            if watch.delay is not None:
                self._reader = task
                watch.add(self, loop)
            else:
                watch = None
        receive = self._receive
        parts: list[bytes] = []
        size = 0
        too_large = False
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "http.request":
                    body = message.get("body", b"")
                    if body:
                        self._progress = loop.time()
                        size += len(body)
                        self._received = size
                        if limit is not None and size > limit:
                            too_large = True
                            self._complete = not message.get("more_body", False)
                            break
                        parts.append(body)
                    # Content-Length bytes are the whole body: some servers
                    # (granian) still say more_body=True, and waiting for
                    # their empty last message costs a round trip.
                    if not message.get("more_body", False) or size == self._content_length:
                        break
                elif kind == "http.disconnect":
                    self.disconnected = True
                    raise ClientDisconnected("client disconnected while sending the body")
        except asyncio.CancelledError:
            if self._timed_out and task is not None:  # our deadline, not a cancel
                task.uncancel()
                raise BodyTimeout("timed out reading the request body") from None
            raise
        finally:
            if watch is not None:
                watch.discard(self)
                self._reader = None
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
        if too_large:
            await self._discard_rest(limit)
            raise BodyTooLarge(f"request body is over the {limit} byte limit")
        self._complete = True
        body = self._buffered = parts[0] if len(parts) == 1 else b"".join(parts)
        if self._on_disconnect is not None and self._watch is not None:
            self._watch.add(self, loop)  # now watched as a body-less request
        return body

    async def _discard_rest(self, limit: int | None) -> None:
        """Read and drop what is left of an over-limit body, within the
        linger bounds, so the client is done sending when the 413 and the
        close come. A body declared bigger than the bounds is not read."""
        if not self._linger or self._complete or limit is None:
            return
        budget = limit * _LINGER_LIMITS - self._received
        declared = self._content_length
        if declared is not None and declared - self._received > budget:
            return
        loop = asyncio.get_running_loop()
        end = loop.time() + _LINGER_SECONDS
        receive = self._receive
        try:
            while budget > 0:
                async with asyncio.timeout_at(min(end, loop.time() + _LINGER_IDLE)):
                    message = await receive()
                if message["type"] != "http.request":
                    self.disconnected = True
                    return
                body = message.get("body", b"")
                budget -= len(body)
                self._received += len(body)
                if not message.get("more_body", False) or self._received == declared:
                    self._complete = True
                    return
        except TimeoutError:
            return

    def _pace_checkpoint(self, loop: asyncio.AbstractEventLoop) -> None:
        """The shared watch's check of a read still going: late → 408, else
        a timer of the read's own from here on."""
        task, pace = self._reader, self._pace
        if task is not None and pace is not None:
            self._check_pace(task, loop, pace)

    def _check_pace(
        self, task: asyncio.Task[object], loop: asyncio.AbstractEventLoop, pace: BodyPace
    ) -> None:
        due = pace.due(self._started, self._progress, self._received)
        if due is None:  # pragma: no cover - a timer is armed only with a rule on
            self._deadline = None
        elif loop.time() >= due:
            self._timed_out = True
            self._deadline = None
            task.cancel()
        else:
            self._deadline = loop.call_at(due, self._check_pace, task, loop, pace)
