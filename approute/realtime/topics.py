"""Topics: which connections of this process listen to what, and the broker
that carries a ``publish`` to every process (``MemoryBroker``: this one;
``realtime.redis_broker.RedisBroker``: every worker and instance on one
Redis).

A publish always goes through the broker, and comes back to each process
as a delivery: with Redis, the publishing process hears its own message
like any other, so a subscriber in the same process gets it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from approute.http.websocket import Frame

if TYPE_CHECKING:
    from approute.realtime.session import Session

__all__ = ["Broker", "Deliver", "MemoryBroker", "Topics"]

# (topic, frame, the publishing peer's id)
Deliver = Callable[[str, Frame, str], None]


class Broker(Protocol):
    """Carries publishes between processes; calls ``deliver`` for each one
    on a topic this process subscribed to."""

    async def subscribe(self, topic: str) -> None:
        """Hear ``topic`` from now on (returns once that holds)."""
        ...

    async def unsubscribe(self, topic: str) -> None: ...
    async def publish(self, topic: str, frame: Frame, sender: str) -> None: ...
    async def close(self) -> None: ...


class MemoryBroker:
    """One process: a publish is delivered here and now."""

    __slots__ = ("_deliver",)

    def __init__(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def subscribe(self, topic: str) -> None:
        return None

    async def unsubscribe(self, topic: str) -> None:
        return None

    async def publish(self, topic: str, frame: Frame, sender: str) -> None:
        self._deliver(topic, frame, sender)

    async def close(self) -> None:
        return None


class Topics:
    """The topics of this process's connections."""

    __slots__ = ("_joined", "_ready", "_subscribers", "broker")

    def __init__(self, broker: Callable[[Deliver], Broker] = MemoryBroker) -> None:
        self._subscribers: dict[str, set[Session]] = {}
        # Each session's topics as done here (the Peer's own set runs ahead:
        # it changes when asked, this when the outbox carries it out).
        self._joined: dict[Session, set[str]] = {}
        # A topic's first subscription, while the broker sets it up: later
        # subscribers of the topic wait for it too.
        self._ready: dict[str, asyncio.Future[None]] = {}
        self.broker = broker(self.deliver)

    async def subscribe(self, topic: str, session: Session) -> None:
        self._joined.setdefault(session, set()).add(topic)
        subscribers = self._subscribers.get(topic)
        if subscribers is not None:
            subscribers.add(session)
            ready = self._ready.get(topic)
            if ready is not None:
                await asyncio.shield(ready)
            return
        self._subscribers[topic] = {session}
        ready = self._ready[topic] = asyncio.get_running_loop().create_future()
        try:
            await self.broker.subscribe(topic)
        finally:
            del self._ready[topic]
            ready.set_result(None)

    async def unsubscribe(self, topic: str, session: Session) -> None:
        joined = self._joined.get(session)
        if joined is not None:
            joined.discard(topic)
        subscribers = self._subscribers.get(topic)
        if subscribers is None or session not in subscribers:
            return
        subscribers.discard(session)
        if not subscribers:
            del self._subscribers[topic]
            await self.broker.unsubscribe(topic)

    async def leave(self, session: Session) -> None:
        """``session`` is gone: out of every topic it was in."""
        for topic in self._joined.pop(session, ()):
            await self.unsubscribe(topic, session)

    async def publish(self, topic: str, frame: Frame, sender: str) -> None:
        await self.broker.publish(topic, frame, sender)

    def deliver(self, topic: str, frame: Frame, sender: str) -> None:
        """A publish reached this process: to each subscriber but its sender."""
        for session in tuple(self._subscribers.get(topic, ())):
            if session.peer.id != sender:
                session.deliver(frame)
