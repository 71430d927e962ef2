"""The proxy stage: a rewrite to another origin (a config rule's or the
middleware's) streams the request there and its answer back, through
``http.proxy`` (hop-by-hop and internal headers dropped, redirects relayed,
502/504 for an unreachable or slow upstream). A WebSocket handshake is
never proxied: it gets 501 and no connection leaves (Next.js's upgrade
proxying was an SSRF, GHSA-c4j6-fc7j-m34r)."""

from __future__ import annotations

import logging

from approute.http.proxy import UpstreamProxy
from approute.http.request import NextRequest, RequestLimits
from approute.http.response import Response
from approute.http.targets import ExternalURL
from approute.http.websocket import HANDSHAKE_KEY
from approute.pipeline.cycle import RequestCycle

__all__ = ["ProxyStage"]

logger = logging.getLogger("approute")


class ProxyStage:
    """Forwards requests to other origins; one HTTP client per app."""

    __slots__ = ("_limits", "_upstream")

    def __init__(self, limits: RequestLimits) -> None:
        self._limits = limits
        self._upstream = UpstreamProxy()

    async def forward(
        self, target: ExternalURL, cycle: RequestCycle, request: NextRequest | None = None
    ) -> None:
        """Proxy ``request`` (by default the cycle's own, as the client sent
        it) to ``target`` and stream the answer to the client."""
        if HANDSHAKE_KEY in cycle.scope:
            logger.warning("%s: a WebSocket handshake is not proxied to another origin", cycle.path)
            response = Response("WebSocket handshakes are not proxied", status=501)
            await response.send_asgi(cycle.send)
            return
        if request is None:
            request = cycle.request(cycle.raw_headers, self._limits, cycle.add_forwarded)
        await self._upstream.forward(target.href, request, cycle.send, head_only=cycle.head_only)

    async def close(self) -> None:
        """Close the HTTP client (shutdown)."""
        await self._upstream.close()
