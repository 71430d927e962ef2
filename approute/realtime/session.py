"""One accepted WebSocket connection: its hooks, called one at a time, and
its outbox, written by one task in the order the hooks asked.

The receive loop calls ``open``, then ``message`` for each message (the
next message waits for the hook: a connection's hooks never overlap), then
``close`` once. A ``Peer``'s ``send``/``close``/``subscribe``/``publish``
go to the outbox (from the event loop, or from a sync hook's thread), and
the writer task carries them out in order: a message sent after
``subscribe`` leaves once the subscription is in place.

Every limit closes with its RFC 6455 code and one log line: a message over
``max_message_size`` 1009, an outbox over ``max_queued_bytes`` 1008, no
message either way for ``idle_timeout`` 1001, a hook that raised 1011
(after the ``error`` hook).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from approute._threads import run_sync
from approute._types import Receive, Send
from approute.config.websocket import WebSocketConfig
from approute.http.websocket import CloseDetails, Frame, Message, Peer, UpgradeResponse

if TYPE_CHECKING:
    from approute.realtime.topics import Topics

__all__ = ["Session"]

logger = logging.getLogger("approute")

# Outbox operations, in the order they were asked for.
_SEND: Final = 0
_CLOSE: Final = 1
_SUBSCRIBE: Final = 2
_UNSUBSCRIBE: Final = 3
_PUBLISH: Final = 4
_DRAINED: Final = 5

# Seconds the close hook's publishes may take once the client is gone.
_DRAIN_TIMEOUT: Final = 5.0


def _size(frame: Frame) -> int:
    """Bytes on the wire: UTF-8 for text."""
    if isinstance(frame, bytes) or frame.isascii():
        return len(frame)
    return len(frame.encode())


_Op = tuple[int, Any, Any]


class Session:
    """One connection: the ``PeerLink`` behind its ``Peer``."""

    __slots__ = (
        "_close_sent",
        "_closing",
        "_config",
        "_hooks",
        "_idle_timer",
        "_last_activity",
        "_loop",
        "_outbox",
        "_queued",
        "_receive",
        "_send",
        "_thread",
        "_topics",
        "_wake",
        "finished",
        "peer",
        "where",
    )

    def __init__(
        self,
        upgrade: UpgradeResponse,
        receive: Receive,
        send: Send,
        *,
        config: WebSocketConfig,
        topics: Topics,
        where: str,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()
        self._hooks = upgrade.hooks
        self._receive = receive
        self._send = send
        self._config = config
        self._topics = topics
        self.where = where  # the path, for log lines
        self.peer = Peer(uuid.uuid4().hex, upgrade.request, self)
        self._outbox: deque[_Op] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._closing: CloseDetails | None = None  # the close frame we sent or queued
        self._close_sent = False  # or the connection failed: nothing more goes to it
        self._last_activity = self._loop.time()
        self._idle_timer: asyncio.TimerHandle | None = None
        self.finished: asyncio.Future[None] = self._loop.create_future()

    # -- PeerLink: called by the Peer, from any thread -----------------------

    def send(self, frame: Frame) -> None:
        self._post(self.deliver, frame)

    def close(self, code: int, reason: str) -> None:
        self._post(self.begin_close, code, reason)

    def subscribe(self, topic: str) -> None:
        self._post(self._push, (_SUBSCRIBE, topic, None))

    def unsubscribe(self, topic: str) -> None:
        self._post(self._push, (_UNSUBSCRIBE, topic, None))

    def publish(self, topic: str, frame: Frame) -> None:
        self._post(self._push, (_PUBLISH, topic, frame))

    def _post(self, action: Callable[..., None], *args: Any) -> None:
        if threading.get_ident() == self._thread:
            action(*args)
        else:  # a sync hook in its worker thread
            self._loop.call_soon_threadsafe(action, *args)

    # -- the outbox (event loop only) ----------------------------------------

    def _push(self, op: _Op) -> None:
        # Even while closing: a close hook may still publish or unsubscribe.
        self._outbox.append(op)
        self._wake.set()

    def deliver(self, frame: Frame) -> None:
        """Queue ``frame`` for the client (its own ``send``, or a publish)."""
        if self._closing is not None:
            return  # closing: nothing more goes to the client
        size = _size(frame)
        self._queued += size
        limit = self._config.max_queued_bytes
        if self._queued > limit:
            self.limit_close(
                1008,
                "too slow",
                f"{self._queued} bytes queued for a client reading too slowly "
                f"(max_queued_bytes {limit})",
            )
            return
        self._outbox.append((_SEND, frame, size))
        self._wake.set()

    def begin_close(self, code: int, reason: str, *, urgent: bool = False) -> None:
        """Close once what is queued is sent; ``urgent``: drop it first."""
        if self._closing is not None:
            return
        self._closing = CloseDetails(code, reason)
        if urgent:  # the messages go; what else was asked for still happens
            kept = [op for op in self._outbox if op[0] != _SEND]
            self._outbox.clear()
            self._outbox.extend(kept)
            self._queued = 0
        self._outbox.append((_CLOSE, code, reason))
        self._wake.set()

    def limit_close(self, code: int, reason: str, why: str) -> None:
        """A limit was reached: log it and close with ``code`` at once."""
        if self._closing is not None:
            return
        logger.warning("%s: WebSocket %s closed with %d: %s", self.where, self.peer.id, code, why)
        self.begin_close(code, reason, urgent=True)

    async def _write(self) -> None:
        """Carry out the outbox in order (cancelled when the connection ends)."""
        outbox, topics, peer_id = self._outbox, self._topics, self.peer.id
        while True:
            if not outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            kind, first, second = outbox.popleft()
            if kind == _SEND:
                self._queued -= second
                if not self._close_sent:
                    key = "text" if isinstance(first, str) else "bytes"
                    await self._to_client({"type": "websocket.send", key: first})
                    self._last_activity = self._loop.time()
            elif kind == _CLOSE:
                if not self._close_sent:
                    await self._to_client(
                        {"type": "websocket.close", "code": first, "reason": second}
                    )
                    self._close_sent = True
            elif kind == _SUBSCRIBE:
                await topics.subscribe(first, self)
            elif kind == _UNSUBSCRIBE:
                await topics.unsubscribe(first, self)
            elif kind == _PUBLISH:
                await topics.publish(first, second, peer_id)
            else:  # _DRAINED: everything asked before it is done
                first.set_result(None)

    async def _to_client(self, message: dict[str, Any]) -> None:
        try:
            await self._send(message)
        except Exception as error:  # the connection is gone (the receive loop sees it too)
            logger.debug("%s: WebSocket %s: send failed: %r", self.where, self.peer.id, error)
            self._close_sent = True
            if self._closing is None:
                self._closing = CloseDetails(1006)

    # -- the connection ------------------------------------------------------

    async def run(self) -> None:
        """Run the connection (accepted already) until the client is gone."""
        writer = self._loop.create_task(self._write())
        self._arm_idle(self._config.idle_timeout)
        details: CloseDetails | None = None
        try:
            await self._call("open", self.peer)
            limit = self._config.max_message_size
            receive = self._receive
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "websocket.disconnect":
                    details = CloseDetails(message.get("code", 1005), message.get("reason") or "")
                    break
                if kind != "websocket.receive":
                    continue
                self._last_activity = self._loop.time()
                data: Frame | None = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                size = _size(data)
                if size > limit:
                    self.limit_close(
                        1009,
                        "message too big",
                        f"a message of {size} bytes (max_message_size {limit})",
                    )
                    continue
                if self._closing is None:  # after our close frame, messages are dropped
                    await self._call("message", self.peer, Message(data))
        finally:
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            try:
                await self._end(writer, self._closing or details or CloseDetails(1006))
            finally:
                writer.cancel()
                self.finished.set_result(None)

    async def _end(self, writer: asyncio.Task[None], details: CloseDetails) -> None:
        """The client is gone: the ``close`` hook, then what it and earlier
        hooks left in the outbox (publishes, unsubscribes; no more sends),
        then out of every topic."""
        self._close_sent = True
        if self._closing is None:
            self._closing = details
        await self._call("close", self.peer, details)
        drained: asyncio.Future[None] = self._loop.create_future()
        self._push((_DRAINED, drained, None))
        # The writer only ends by failing: then nothing more is carried out.
        await asyncio.wait(
            (drained, writer), timeout=_DRAIN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        await self._topics.leave(self)

    async def _call(self, name: str, *args: Any) -> None:
        """Run hook ``name`` (sync ones in a worker thread); if it raises:
        log, call ``error``, close with 1011."""
        hook = getattr(self._hooks, name)
        if hook is None:
            return
        try:
            if inspect.iscoroutinefunction(hook):
                await hook(*args)
            else:
                result = await run_sync(hook, *args)
                if inspect.isawaitable(result):
                    await result
        except Exception as error:
            logger.error(
                "%s: WebSocket %s hook raised %s: %s",
                self.where,
                name,
                type(error).__name__,
                error,
                exc_info=error,
            )
            if name != "error":
                await self._call("error", self.peer, error)
            self.begin_close(1011, "internal error")  # after what the hooks queued

    def _arm_idle(self, delay: float | None) -> None:
        if delay is not None:
            self._idle_timer = self._loop.call_later(delay, self._check_idle)

    def _check_idle(self) -> None:
        idle = self._config.idle_timeout
        if idle is None or self._closing is not None:
            return
        quiet = self._loop.time() - self._last_activity
        if quiet >= idle:
            self.limit_close(1001, "idle timeout", f"no message either way for {idle:g} s")
        else:
            self._arm_idle(idle - quiet)
