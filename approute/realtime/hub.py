"""``WebSocketHub``: an app's WebSocket connections in this process.

A ``websocket`` scope goes: origin check (403) → the handshake through the
HTTP pipeline (``realtime.handshake``: middleware, rewrites, the route's
``GET``) → accepted when the route upgraded, and the per-worker connection
limit allows (1013 otherwise) → the ``Session`` until the client leaves.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import weakref
from collections.abc import Callable

from approute._types import ASGIApp, Receive, Scope, Send
from approute.config.websocket import WebSocketConfig, normalize_origin, origin_is_host
from approute.realtime.handshake import Handshake
from approute.realtime.served_by import on_granian
from approute.realtime.session import Session
from approute.realtime.topics import Broker, Deliver, MemoryBroker, Topics

__all__ = ["WebSocketHub", "going_away", "open_hubs"]

logger = logging.getLogger("approute")

open_hubs: weakref.WeakSet[WebSocketHub] = weakref.WeakSet()
"""Every hub of this process: what a server's shutdown closes
(``going_away``)."""


class WebSocketHub:
    """The connections and topics of one app in one process."""

    __slots__ = (
        "__weakref__",
        "_config",
        "_going_away",
        "_leaving",
        "_origins",
        "_sessions",
        "_warned_headers",
        "topics",
    )

    def __init__(
        self,
        config: WebSocketConfig,
        *,
        pubsub: str | None = None,
        redis_prefix: str = "approute:",
        going_away: tuple[int, str] = (1001, "server shutting down"),
    ) -> None:
        self._config = config
        self._origins = frozenset(config.allowed_origins)
        self._sessions: set[Session] = set()
        self._going_away = going_away
        self._leaving: list[asyncio.Future[None]] | None = None  # set on shutdown
        self._warned_headers = False
        broker: Callable[[Deliver], Broker] = MemoryBroker
        if pubsub is not None:
            from approute.realtime.redis_broker import (
                RedisBroker,  # only with pubsub: the redis extra
            )

            broker = functools.partial(RedisBroker, url=pubsub, prefix=redis_prefix)
        self.topics = Topics(broker)
        open_hubs.add(self)

    def __len__(self) -> int:
        return len(self._sessions)

    async def serve(self, scope: Scope, receive: Receive, send: Send, http: ASGIApp) -> None:
        """One ``websocket`` scope; ``http`` answers its handshake as a GET."""
        if (await receive())["type"] != "websocket.connect":
            return
        handshake = Handshake(scope, receive, send)
        path = scope.get("path", "/")
        if self._leaving is not None:
            await handshake.deny(503, "Service Unavailable: shutting down")
            return
        if not self._origin_allowed(scope):
            logger.warning("%s: WebSocket handshake refused (403): cross-origin", path)
            await handshake.deny(403, "Forbidden: cross-origin WebSocket")
            return
        await http(handshake.http_scope, handshake.receive, handshake.send)
        upgrade, accept = handshake.upgrade, handshake.accept
        if upgrade is None or accept is None or handshake.gone:
            return
        if accept["headers"] and not self._warned_headers and on_granian():
            self._warned_headers = True
            names = sorted({name.decode("latin-1") for name, _ in accept["headers"]})
            logger.warning(
                "%s: granian does not send a WebSocket handshake's headers (%s); "
                "serve with `approute start --server uvicorn` to send them",
                path,
                ", ".join(names),
            )
        try:
            await send(accept)
        except Exception:  # the client left during the handshake
            return
        if self._leaving is not None:  # shutdown began during this handshake
            code, reason = self._going_away
            await send({"type": "websocket.close", "code": code, "reason": reason})
            return
        limit = self._config.max_connections
        if len(self._sessions) >= limit:
            logger.warning(
                "%s: WebSocket closed with 1013: %d connections open in this worker "
                "(max_connections)",
                path,
                limit,
            )
            await send({"type": "websocket.close", "code": 1013, "reason": "try again later"})
            return
        session = Session(
            upgrade, receive, send, config=self._config, topics=self.topics, where=path
        )
        self._sessions.add(session)
        try:
            await session.run()
        finally:
            self._sessions.discard(session)

    def _origin_allowed(self, scope: Scope) -> bool:
        """No ``Origin`` (not a browser), the request's own host, or a listed one."""
        origin: bytes | None = None
        host: bytes | None = None
        for name, value in scope.get("headers") or ():
            if name == b"origin":
                origin = value
            elif name == b"host":
                host = value
        if origin is None or "*" in self._origins:
            return True
        normalized = normalize_origin(origin.decode("latin-1"))
        if normalized is None:
            return False  # "null" (a sandboxed page, a file) or garbage
        if normalized in self._origins:
            return True
        return host is not None and origin_is_host(normalized, host.decode("latin-1"))

    def going_away(self) -> list[asyncio.Future[None]]:
        """Close every connection (1001; 1012 under ``approute dev``'s
        reloader) once its queue is sent; their ends, to wait for."""
        if self._leaving is None:  # once: a server asks for each connection
            code, reason = self._going_away
            for session in self._sessions:
                session.begin_close(code, reason)
            self._leaving = [session.finished for session in self._sessions]
        return self._leaving

    async def close(self) -> None:
        """The broker's connections (the app's shutdown)."""
        await self.topics.broker.close()


def going_away() -> list[asyncio.Future[None]]:
    """Close every WebSocket of this process (``going_away`` of each hub)."""
    return [finished for hub in list(open_hubs) for finished in hub.going_away()]
