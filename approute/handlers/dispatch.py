"""Calling a route handler and turning what happens into a ``Response``: the
call itself (async on the loop, sync in a worker thread), its return value,
navigation signals, request errors (4xx), anything else (500, never a
traceback to the client outside dev). ``handlers.render`` puts them together."""

from __future__ import annotations

from typing import Any

import orjson

from approute._threads import run_sync
from approute.errors import HTTPStatusSignal, ProblemError, RedirectSignal, RequestError
from approute.handlers.context import Params, RouteContext
from approute.handlers.module import Handler, RouteModule
from approute.http.dev_error import dev_error_response, error_text
from approute.http.request import NextRequest
from approute.http.response import NextResponse, Response

__all__ = [
    "call_handler",
    "error_response",
    "method_not_allowed",
    "request_error_response",
    "signal_response",
    "to_response",
]

_HTML = "text/html; charset=utf-8"


def method_not_allowed(allow: str) -> Response:
    """405 with ``Allow`` (RFC 9110; Next.js sends none) and an empty body."""
    return Response(status=405, headers={"allow": allow})


def request_error_response(error: RequestError) -> Response:
    """A 4xx with a short plain-text reason (an RFC 9457 problem for a
    declared input); the connection closes after a body error, since the
    rest of the body was never read."""
    if isinstance(error, ProblemError):
        return Response(
            orjson.dumps(error.problem),
            status=error.status,
            headers={"content-type": "application/problem+json"},
        )
    response = Response(str(error), status=error.status)
    if error.closes_connection:
        response.headers.set("connection", "close")
    return response


def error_response(
    where: str, error: BaseException | None, *, dev: bool, accept: str | None = None
) -> Response:
    """500: empty in production (Next.js); in dev the traceback, as a page
    for a browser (``accept``) and as text otherwise."""
    if dev and error is not None:
        return dev_error_response(
            f"500 Internal Server Error in {where}", error_text(error), accept
        )
    return Response(status=500)


def signal_response(signal: RedirectSignal | HTTPStatusSignal) -> Response:
    """The answer of ``redirect()``, ``not_found()``, ``forbidden()``…"""
    if isinstance(signal, RedirectSignal):
        return Response(status=signal.status, headers={"location": signal.location})
    return Response(status=signal.status)


async def call_handler(
    handler: Handler, request: NextRequest, params: Params, route: RouteModule
) -> Any:
    """Call ``handler`` with as many of ``(request, ctx)`` as it takes."""
    arity = handler.arity
    if arity == 2:
        declaration = handler.declaration
        if declaration is not None and declaration.takes_input:
            ctx: RouteContext[Any] = await declaration.read_input(
                request, route.params_type(params)
            )
        else:
            ctx = RouteContext(route.params_type(params))
        args: tuple[Any, ...] = (request, ctx)
    else:
        args = (request,) if arity == 1 else ()
    if handler.is_async:
        return await handler.func(*args)
    # A worker thread; headers()/cookies() work there too (approute._threads).
    return await run_sync(handler.func, *args)


def to_response(result: Any, route: RouteModule, handler: Handler) -> Response:
    """The handler's return value as a ``Response`` (checked against its
    declaration when it has one); a ``TypeError`` saying what to return
    instead when it is none."""
    method = handler.method
    if handler.declaration is not None and result is not None:
        result = handler.declaration.response(result)
    if isinstance(result, Response):
        if isinstance(result, NextResponse) and (result.is_next or result.rewrite_url):
            helper = "next" if result.is_next else "rewrite"
            raise TypeError(
                f"NextResponse.{helper}() was used in a route handler ({route.where} {method}); "
                "it only means something in middleware"
            )
        return result
    if route.kind == "page" and isinstance(result, str):
        return Response(result, headers={"content-type": _HTML})
    if result is None:
        raise TypeError(
            f"No response is returned from route handler '{route.where}'. Ensure you return "
            "a `Response` or a `NextResponse` in all branches of your handler."
        )
    raise TypeError(
        f"route handler '{route.where}' {method} returned {type(result).__name__}, "
        "not a Response; return Response(...) or NextResponse.json(...)"
    )
