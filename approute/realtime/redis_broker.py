"""Topics across workers and instances: Redis pub/sub (docs/websockets.md).

Each process holds one subscriber connection, subscribed to the channels
of the topics its connections listen to (``<prefix>ws:<topic>``, the
prefix being the app's Redis prefix, so two apps on one Redis never hear
each other), and publishes on a second, pooled client. A message on the
wire is one byte for its kind (``t`` text, ``b`` binary), the publishing
peer's 32-character id, then the data.

Redis being down loses the messages published meanwhile, never a
connection: a publish logs a warning, and the listener reconnects every
second and subscribes again to every topic it had.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any, Final

from approute.errors import ProjectError
from approute.http.websocket import Frame
from approute.realtime.topics import Deliver

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import PubSub

__all__ = ["RedisBroker"]

logger = logging.getLogger("approute")

_ID_LENGTH: Final = 32  # uuid4().hex
_RETRY_AFTER: Final = 1.0  # seconds between reconnects of the listener
_CONFIRM_TIMEOUT: Final = 5.0


class RedisBroker:
    """Publishes to, and listens on, one Redis."""

    __slots__ = (
        "_client",
        "_confirmations",
        "_deliver",
        "_errors",
        "_listener",
        "_prefix",
        "_pubsub",
        "_subscribe_errors",
        "_subscriber",
        "_topics",
    )

    def __init__(self, deliver: Deliver, *, url: str, prefix: str) -> None:
        try:
            import redis.asyncio  # an optional extra
            import redis.exceptions
        except ImportError:
            raise ProjectError(
                f"pubsub = {url!r} needs the redis extra: pip install 'approute[redis]'"
            ) from None
        self._deliver = deliver
        self._prefix = f"{prefix}ws:"
        self._errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError, OSError)
        self._subscribe_errors = (TimeoutError, *self._errors)
        try:
            self._client: Redis = redis.asyncio.Redis.from_url(
                url, socket_timeout=2.0, socket_connect_timeout=2.0
            )
            # Blocking reads wait for the next message as long as it takes.
            self._subscriber: Redis = redis.asyncio.Redis.from_url(url, socket_connect_timeout=2.0)
        except ValueError as error:
            raise ProjectError(f"pubsub = {url!r} is not a Redis URL: {error}") from None
        self._pubsub: PubSub | None = None
        self._listener: asyncio.Task[None] | None = None
        self._topics: set[str] = set()
        self._confirmations: dict[bytes, asyncio.Future[None]] = {}

    def _channel(self, topic: str) -> bytes:
        return (self._prefix + topic).encode()

    async def subscribe(self, topic: str) -> None:
        self._topics.add(topic)
        channel = self._channel(topic)
        confirmed = self._confirmations[channel] = asyncio.get_running_loop().create_future()
        try:
            pubsub = self._pubsub
            if self._listener is None:
                # It connects and subscribes to every topic, this one too.
                self._listener = asyncio.get_running_loop().create_task(self._listen())
            elif pubsub is not None:
                await pubsub.subscribe(channel)
            # (pubsub None: the listener is reconnecting, with every topic.)
            # Subscribed once Redis says so: a publish after this is heard.
            await asyncio.wait_for(asyncio.shield(confirmed), _CONFIRM_TIMEOUT)
        except self._subscribe_errors as error:
            logger.warning("pubsub: could not subscribe to %r yet (%r); retrying", topic, error)
        finally:
            self._confirmations.pop(channel, None)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)
        if self._pubsub is not None:
            with contextlib.suppress(*self._errors):
                await self._pubsub.unsubscribe(self._channel(topic))

    async def publish(self, topic: str, frame: Frame, sender: str) -> None:
        if isinstance(frame, str):
            payload = b"t" + sender.encode() + frame.encode()
        else:
            payload = b"b" + sender.encode() + frame
        try:
            await self._client.publish(self._channel(topic), payload)
        except self._errors as error:
            logger.warning("pubsub: a message to %r was lost: Redis unavailable (%r)", topic, error)

    async def _listen(self) -> None:
        """Hold the subscriber connection: (re)connect with every topic,
        deliver each message; retry every second while Redis is away."""
        down = False
        while True:
            pubsub = self._pubsub
            try:
                if pubsub is None:
                    if not self._topics:  # the next subscribe starts listening again
                        self._listener = None
                        return
                    pubsub = self._pubsub = self._subscriber.pubsub()
                    await pubsub.subscribe(*map(self._channel, self._topics))
                    if down:
                        logger.warning("pubsub: Redis reachable again; topics resumed")
                        down = False
                while True:
                    message = await pubsub.get_message(timeout=None)
                    if message is not None:
                        self._receive(message)
            except self._errors as error:
                # Waiting subscribers go on: the topics are subscribed on reconnect.
                for confirmed in self._confirmations.values():
                    if not confirmed.done():
                        confirmed.set_result(None)
                if not down:
                    logger.warning(
                        "pubsub: Redis unavailable (%r); reconnecting every %g s",
                        error,
                        _RETRY_AFTER,
                    )
                    down = True
                self._pubsub = None
                if pubsub is not None:
                    with contextlib.suppress(*self._errors):
                        await pubsub.aclose()
                await asyncio.sleep(_RETRY_AFTER)

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        channel = message.get("channel")
        if kind == "subscribe":
            confirmed = self._confirmations.get(channel)  # type: ignore[arg-type]
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
            return
        data = message.get("data")
        if kind != "message" or not isinstance(channel, bytes) or not isinstance(data, bytes):
            return
        topic = channel[len(self._prefix) :].decode()
        sender = data[1 : 1 + _ID_LENGTH].decode("latin-1")
        body = data[1 + _ID_LENGTH :]
        frame: Frame = body.decode() if data[:1] == b"t" else body
        self._deliver(topic, frame, sender)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._pubsub is not None:
            with contextlib.suppress(*self._errors):
                await self._pubsub.aclose()
        await self._client.aclose()
        await self._subscriber.aclose()
