"""The proxy stage: a rewrite to another origin (a config rule's or the
middleware's) streams the request there and its answer back, through
``http.proxy`` (hop-by-hop and internal headers dropped, redirects relayed,
502/504 for an unreachable or slow upstream)."""

from __future__ import annotations

from approute.http.proxy import UpstreamProxy
from approute.http.request import NextRequest, RequestLimits
from approute.http.targets import ExternalURL
from approute.pipeline.cycle import RequestCycle

__all__ = ["ProxyStage"]


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
        if request is None:
            request = cycle.request(cycle.raw_headers, self._limits, cycle.add_forwarded)
        await self._upstream.forward(target.href, request, cycle.send, head_only=cycle.head_only)

    async def close(self) -> None:
        """Close the HTTP client (shutdown)."""
        await self._upstream.close()
