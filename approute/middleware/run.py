"""Call the middleware for one request (async on the loop, sync in a worker
thread) and hand back what it returned; what that means for the request is
``pipeline.middleware``'s ``MiddlewareResult``."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from approute._threads import run_sync
from approute.http.cookies import RequestCookies
from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.response import Response
from approute.http.set_cookie import ResponseCookies
from approute.middleware.event import NextFetchEvent
from approute.middleware.module import MiddlewareModule

__all__ = ["merge_cookies", "run_middleware", "wrong_answer"]


async def run_middleware(
    middleware: MiddlewareModule, request: NextRequest
) -> tuple[Response | None, Sequence[Awaitable[Any]]]:
    """The middleware's answer (None: continue) and its ``wait_until()``
    work; exceptions propagate (the pipeline answers 500). Anything but
    None or a ``Response`` is a ``TypeError`` naming the file."""
    # The event only for a middleware that takes one: most take (request).
    event = NextFetchEvent._for_request(request) if middleware.takes_event else None
    args: tuple[Any, ...] = (request,) if event is None else (request, event)
    if middleware.is_async:
        result = await middleware.func(*args)
    else:
        result = await run_sync(middleware.func, *args)
    if result is not None and not isinstance(result, Response):
        raise wrong_answer(middleware, result)
    return result, () if event is None else event.pending


def wrong_answer(middleware: MiddlewareModule, result: object) -> TypeError:
    """The error for a middleware that returned neither None nor a ``Response``."""
    return TypeError(
        f"{middleware.where}: the middleware returned {type(result).__name__}; "
        "return None, NextResponse.next(), NextResponse.rewrite(url), "
        "NextResponse.redirect(url) or a Response"
    )


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
