"""Run one request through a ``RouteModule``: choose the handler by method,
call it (async on the loop, sync in a worker thread), and turn whatever
happens into a ``Response``: navigation signals, request errors (4xx),
anything else (500, logged, never a traceback to the client outside dev)."""

from __future__ import annotations

import logging
import traceback
from typing import Any

import anyio.to_thread

from approute._scope import RequestState, request_state
from approute.cache.data import DataCache
from approute.errors import HTTPStatusSignal, RedirectSignal, RequestError
from approute.handlers.context import Params, RouteContext
from approute.handlers.module import Handler, RouteModule
from approute.http.request import NextRequest
from approute.http.response import NextResponse, Response

__all__ = [
    "Dispatch",
    "dispatch",
    "error_response",
    "method_not_allowed",
    "request_error_response",
]

logger = logging.getLogger("approute")

_HTML = "text/html; charset=utf-8"


class Dispatch:
    """The outcome of one dispatch: the response, and the request state the
    handler left (applied by ``handlers.render``)."""

    __slots__ = ("error", "head_only", "response", "state")

    def __init__(
        self,
        response: Response,
        state: RequestState | None,
        head_only: bool,
        error: Exception | None = None,
    ) -> None:
        self.response = response
        self.state = state
        self.head_only = head_only
        # What the handler raised, when the response is its 500 (for the build).
        self.error = error


def method_not_allowed(allow: str) -> Response:
    """405 with ``Allow`` (RFC 9110; Next.js sends none) and an empty body."""
    return Response(status=405, headers={"allow": allow})


def request_error_response(error: RequestError) -> Response:
    """A 4xx with a short plain-text reason; the connection closes after a
    body error, since the rest of the body was never read."""
    response = Response(str(error), status=error.status)
    if error.status in (408, 413):
        response.headers.set("connection", "close")
    return response


def error_response(where: str, error: BaseException | None, *, dev: bool) -> Response:
    """500: empty in production (Next.js), the traceback as text in dev."""
    if dev and error is not None:
        text = "".join(traceback.format_exception(error))
        return Response(f"500 Internal Server Error in {where}\n\n{text}", status=500)
    return Response(status=500)


def _signal_response(signal: RedirectSignal | HTTPStatusSignal) -> Response:
    if isinstance(signal, RedirectSignal):
        return Response(status=signal.status, headers={"location": signal.location})
    return Response(status=signal.status)


async def _call(handler: Handler, request: NextRequest, params: Params) -> Any:
    arity = handler.arity
    args: tuple[Any, ...] = (
        (request, RouteContext(params)) if arity == 2 else (request,) if arity == 1 else ()
    )
    if handler.is_async:
        return await handler.func(*args)
    # anyio copies the context into the worker thread, so headers()/cookies()
    # work in sync handlers too.
    return await anyio.to_thread.run_sync(handler.func, *args)


def _to_response(result: Any, route: RouteModule, method: str) -> Response:
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


async def dispatch(
    route: RouteModule,
    request: NextRequest,
    params: Params,
    *,
    dev: bool = False,
    cache: DataCache | None = None,
) -> Dispatch:
    """Answer ``request`` with ``route``'s handler for its method; ``cache``
    is the app's data cache (``@cached``, ``fetch``, ``draft_mode()``)."""
    method = request.method
    handler = route.handlers.get(method)
    head_only = method == "HEAD"
    if handler is None:
        if head_only and "GET" in route.handlers:
            handler = route.handlers["GET"]
        elif method == "OPTIONS" and route.kind == "route":
            return Dispatch(Response(status=204, headers={"allow": route.allow}), None, False)
        else:
            return Dispatch(method_not_allowed(route.allow), None, False)
    state = RequestState(request, cache)
    token = request_state.set(state)
    failure: Exception | None = None
    try:
        response = _to_response(await _call(handler, request, params), route, method)
    except (RedirectSignal, HTTPStatusSignal) as signal:
        response = _signal_response(signal)
    except RequestError as error:
        response = request_error_response(error)
    except Exception as error:
        logger.error(
            "%s: %s handler raised %s: %s",
            route.where,
            handler.method,
            type(error).__name__,
            error,
            exc_info=error,
        )
        response = error_response(route.where, error, dev=dev)
        failure = error
    finally:
        state.in_handler = False
        request_state.reset(token)
    return Dispatch(response, state, head_only, failure)
