"""Run the middleware for one request and say what it decided.

Next.js's actions (proxy.mdx, resolve-routes.ts), as a ``MiddlewareOutcome``:

* ``None`` / ``NextResponse.next()`` → continue; ``next(request={"headers":
  h})`` makes the route see exactly ``h``; headers and cookies on the
  returned response go on the final response, and its cookies are visible to
  the route's ``cookies()``;
* ``NextResponse.rewrite(url)`` → same origin: route the destination path and
  query instead; another origin: proxy the request there;
* a redirect (3xx with ``Location``) → answered here, a same-origin
  ``Location`` made relative, the location as the body;
* any other response → sent as it is; the route never runs.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlsplit

import anyio.to_thread

from approute.http.cookies import RequestCookies
from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.response import REDIRECT_STATUSES, NextResponse, Response
from approute.http.set_cookie import ResponseCookies
from approute.middleware.event import NextFetchEvent
from approute.middleware.module import MiddlewareModule

__all__ = ["MiddlewareOutcome", "merge_cookies", "run_middleware"]

# Never copied from the middleware's response onto the final one (Next.js:
# resolve-routes.ts and server-ipc's filterReqHeaders).
_NOT_MERGED: Final = frozenset(
    {
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"transfer-encoding",
        b"connection",
        b"keep-alive",
        b"expect",
        b"accept-encoding",
    }
)
_PATH_SAFE: Final = "/%:@!$&'()*+,;=-._~"
# All printable ASCII but WHATWG's fragment percent-encode set (space " < > `).
_FRAGMENT_SAFE: Final = "!#$%&'()*+,-./:;=?@[\\]^_{|}~"


@dataclass(slots=True)
class MiddlewareOutcome:
    """What the pipeline does next."""

    respond: Response | None = None
    rewrite_path: str | None = None
    rewrite_query: str = ""
    proxy_url: str | None = None
    forward_headers: Headers | None = None
    response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    cookies: ResponseCookies | None = None
    pending: list[Awaitable[Any]] = field(default_factory=list)


async def _call(middleware: MiddlewareModule, request: NextRequest, event: NextFetchEvent) -> Any:
    args: tuple[Any, ...] = (request, event) if middleware.takes_event else (request,)
    if middleware.is_async:
        return await middleware.func(*args)
    return await anyio.to_thread.run_sync(middleware.func, *args)


def _same_origin_path(url: str, origin: str, *, fragment: bool = False) -> str | None:
    """The path+query of ``url`` when it is on ``origin``, else None;
    ``fragment=True`` keeps its ``#fragment`` too (a redirect's, not a
    rewrite's: routing never sees one)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}".lower() != origin.lower():
        return None
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    path += f"?{parts.query}" if parts.query else ""
    if fragment and parts.fragment:
        path += "#" + quote(parts.fragment, safe=_FRAGMENT_SAFE)
    return path


def _redirect(response: Response, location: str, origin: str) -> Response:
    """A middleware redirect's shape (Next.js): a same-origin ``Location``
    relative (the hash kept: ``getRelativeURL`` strips only the origin), the
    location as the body, no content type, no refresh."""
    relative = _same_origin_path(location, origin, fragment=True)
    target = relative if relative is not None else location
    headers = Headers([(name, value) for name, value in response.headers.multi_items()])
    headers.set("location", target)
    headers.delete("content-type")
    headers.delete("content-length")
    return Response(target.encode(), status=response.status, headers=headers)


async def run_middleware(middleware: MiddlewareModule, request: NextRequest) -> MiddlewareOutcome:
    """Call the middleware; exceptions propagate (the pipeline answers 500)."""
    event = NextFetchEvent._for_request(request)
    result = await _call(middleware, request, event)
    outcome = MiddlewareOutcome(pending=event.pending)
    if result is None:
        return outcome
    if not isinstance(result, Response):
        raise TypeError(
            f"{middleware.where}: the middleware returned {type(result).__name__}; "
            "return None, NextResponse.next(), NextResponse.rewrite(url), "
            "NextResponse.redirect(url) or a Response"
        )
    is_next = isinstance(result, NextResponse) and result.is_next
    rewrite_url = result.rewrite_url if isinstance(result, NextResponse) else None
    if not is_next and rewrite_url is None:
        location = result.headers.get("location") if result.status in REDIRECT_STATUSES else None
        if location:
            outcome.respond = _redirect(result, location, request.next_url.origin)
        else:
            outcome.respond = result
        return outcome
    raw = result.raw_headers()
    if isinstance(result, NextResponse):
        outcome.forward_headers = result.forward_headers
        if any(name == b"set-cookie" for name, _ in raw):
            outcome.cookies = result.cookies
    outcome.response_headers = [pair for pair in raw if pair[0] not in _NOT_MERGED]
    if rewrite_url is not None:
        target = _same_origin_path(rewrite_url, request.next_url.origin)
        if target is None:
            outcome.proxy_url = rewrite_url
        else:
            path, _, query = target.partition("?")
            outcome.rewrite_path = path
            outcome.rewrite_query = query
    return outcome


def merge_cookies(headers: Headers, cookies: ResponseCookies) -> Headers:
    """The route's request headers with the middleware's ``Set-Cookie``s applied
    to its ``Cookie`` header (Next.js: the route's ``cookies()`` sees them)."""
    merged = headers.copy()
    jar = RequestCookies(merged)
    for cookie in cookies.get_all():
        if cookie.value == "" and cookie.expires is not None and cookie.expires.timestamp() <= 0:
            jar.delete(cookie.name)
        else:
            jar.set(cookie.name, cookie.value)
    return merged
