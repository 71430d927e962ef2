"""Stream a request to another origin and its answer back (external rewrites).

Used for ``NextResponse.rewrite("https://other/...")`` in middleware and for
external ``rewrites()`` in the config. The destination only ever
comes from code or config, never from request data. Rules (docs/security.md,
tests/http/test_proxy.py):
hop-by-hop headers (and those the client names in ``Connection``) are
dropped both ways; upstream redirects are relayed, never followed; bodies
stream in both directions without buffering; an unreachable upstream is
502, a slow one 504. Internal headers (``x-middleware-*``, ``x-nextjs-*``,
``x-approute-*`` but the public ``x-approute-cache``) in the upstream's
answer are dropped: the client never sees them, whatever the upstream.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from approute._types import Send
from approute.http.headers import is_internal_header
from approute.http.request import NextRequest

if TYPE_CHECKING:  # imported where used: httpx is a tenth of a second of startup
    import httpx

__all__ = ["HOP_BY_HOP", "UpstreamProxy"]

logger = logging.getLogger("approute")

HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# The one approute header a response may carry (docs/caching.md).
_PUBLIC_HEADER: Final = b"x-approute-cache"


def _forward_headers(request: NextRequest) -> list[tuple[str, str]]:
    named = {
        token.strip().lower()
        for value in request.headers.get_all("connection")
        for token in value.split(",")
    }
    return [
        (name, value)
        for name, value in request.headers.multi_items()
        if name not in HOP_BY_HOP and name not in named
    ]


class UpstreamProxy:
    """One shared httpx client (connection pool) for every proxied request."""

    __slots__ = ("_client", "_timeout")

    def __init__(self, *, timeout: float = 30.0) -> None:
        self._timeout = timeout
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                follow_redirects=False,
                timeout=httpx.Timeout(self._timeout, connect=10.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                trust_env=False,
            )
        return self._client

    async def close(self) -> None:
        """Close pooled connections (app shutdown)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def forward(
        self, url: str, request: NextRequest, send: Send, *, head_only: bool = False
    ) -> None:
        """Send ``request`` to ``url`` and stream the answer to ``send``."""
        import httpx

        client = self._http()
        has_body = request.method not in ("GET", "HEAD")
        upstream_request = client.build_request(
            request.method,
            url,
            headers=_forward_headers(request),
            content=request.stream() if has_body else None,
        )
        try:
            upstream = await client.send(upstream_request, stream=True)
        except httpx.TimeoutException:
            logger.warning("proxy to %s timed out", url)
            await _plain(send, 504, b"Gateway Timeout")
            return
        except httpx.HTTPError as error:
            logger.warning("proxy to %s failed: %s", url, error)
            await _plain(send, 502, b"Bad Gateway")
            return
        try:
            named = {
                token.strip().lower()
                for value in upstream.headers.get_list("connection")
                for token in value.split(",")
            }
            headers = [
                (name, value)
                for name, value in upstream.headers.raw
                if (
                    (lower := name.decode("latin-1").lower()) not in HOP_BY_HOP
                    and lower not in named
                    and not _internal(name.lower())
                )
                or lower == "content-length"
            ]
            await send(
                {"type": "http.response.start", "status": upstream.status_code, "headers": headers}
            )
            if not head_only:
                async for chunk in upstream.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await upstream.aclose()


def _internal(name: bytes) -> bool:
    return is_internal_header(name) and name != _PUBLIC_HEADER


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
