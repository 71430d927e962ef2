"""One way to render a route, for every caller: a plain request, a
route-cache miss, an ISR background regeneration and the build's prerender.

request → the handler for its method (``handlers.dispatch`` calls it and
turns what happens into a ``Response``) → what the handler left behind
applied (``cookies().set`` lines on the response, ``revalidate_tag`` /
``revalidate_path`` calls on the data cache) → the response, and its
``after()`` work for the caller to run once the answer is out. Callers
differ only in what they do with the response (send it, or store and send
it) and when they run ``after()``; the leftovers are applied here, exactly
once per handler run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Final

from approute._scope import AfterTask, RequestState, request_state, unwatched
from approute.cache.data import DataCache
from approute.errors import HTTPStatusSignal, RedirectSignal, RequestError
from approute.handlers.context import Params
from approute.handlers.dispatch import (
    call_handler,
    error_response,
    method_not_allowed,
    request_error_response,
    signal_response,
    to_response,
)
from approute.handlers.module import RouteModule
from approute.http.request import NextRequest
from approute.http.response import Response
from approute.http.websocket import UpgradeResponse

__all__ = ["Rendered", "render_route"]

logger = logging.getLogger("approute")

_NO_AFTER: Final[tuple[AfterTask, ...]] = ()


class Rendered:
    """One handler run: its response and the work it left for later."""

    __slots__ = ("after", "error", "head_only", "response")

    def __init__(
        self,
        response: Response,
        head_only: bool,
        error: Exception | None = None,
        after: Sequence[AfterTask] = _NO_AFTER,
    ) -> None:
        self.response = response
        self.head_only = head_only  # a HEAD answered by GET: send no body
        self.error = error  # what the handler raised, if it did
        self.after = after

    def take_after(self) -> Sequence[AfterTask]:
        """The ``after()`` work, handed over once (whoever takes it runs it)."""
        tasks, self.after = self.after, _NO_AFTER
        return tasks


async def render_route(
    route: RouteModule,
    request: NextRequest,
    params: Params,
    *,
    dev: bool,
    data: DataCache | None,
) -> Rendered:
    """Run ``route``'s handler for ``request`` and apply what it left behind.
    One coroutine from request to response: every await costs on this path."""
    method = request.method
    handler = route.handlers.get(method)
    head_only = method == "HEAD"
    if handler is None:
        if head_only and "GET" in route.handlers:
            handler = route.handlers["GET"]
        elif method == "OPTIONS" and route.kind != "page":
            return Rendered(Response(status=204, headers={"allow": route.allow}), False)
        else:
            return Rendered(method_not_allowed(route.allow), False)
    state = RequestState(request, data)
    token = request_state.set(state)
    failure: Exception | None = None
    try:
        response = to_response(await call_handler(handler, request, params, route), route, handler)
    except (RedirectSignal, HTTPStatusSignal) as signal:
        response = signal_response(signal)
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
        accept = _accept(request) if dev else None
        response = error_response(route.where, error, dev=dev, accept=accept)
        failure = error
    finally:
        state.in_handler = False
        request_state.reset(token)
    if type(response) is UpgradeResponse:
        response.request = request  # the peer's request, once the handshake is accepted
    if state.cookie_headers is not None:
        for line in state.cookie_headers.get_set_cookie():
            response.headers.append("set-cookie", line)
    # Next.js marks the tags now; the next visit sees them revalidated.
    if state.revalidations and data is not None:
        await data.revalidate(state.revalidations)
    return Rendered(response, head_only, failure, state.after or _NO_AFTER)


def _accept(request: NextRequest) -> str | None:
    """The request's ``Accept``, read by approute itself (dev's error page):
    not a read of the handler's (handlers/dev_cached.py)."""
    with unwatched():
        return request.headers.get("accept")
