"""The state of the request being handled, behind ``headers()``, ``cookies()``,
``draft_mode()``, ``after()``, ``@cached`` and ``fetch``: one ``ContextVar``,
so it works in async handlers and in the worker thread of a sync one (the
context is copied there)."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.set_cookie import ResponseCookies

__all__ = [
    "AfterTask",
    "RequestState",
    "current_state",
    "request_state",
    "run_after_tasks",
    "unwatched",
    "watched_route",
]

logger = logging.getLogger("approute")

AfterTask = Callable[[], Any] | Awaitable[Any]


@dataclass(slots=True)
class RequestState:
    """What one request's handler may read and leave behind."""

    request: NextRequest
    # The app's data cache (an ``approute.cache.data.DataCache``; typed
    # ``object`` because this module sits below ``approute.cache``). None:
    # ``@cached`` and ``fetch`` call through.
    cache: object | None = None
    in_handler: bool = True
    # Cookies set through cookies().set(...): merged into the handler's response.
    cookie_headers: Headers | None = None
    after: list[AfterTask] = field(default_factory=list)
    # revalidate_path/revalidate_tag calls: (tag, expire_now), applied by the
    # pipeline once the handler returns (Next.js: marked now, seen next visit).
    revalidations: list[tuple[str, bool]] = field(default_factory=list)

    def response_cookies(self) -> ResponseCookies:
        """The pending ``Set-Cookie`` lines, created on first use."""
        if self.cookie_headers is None:
            self.cookie_headers = Headers()
        return ResponseCookies(self.cookie_headers)


request_state: ContextVar[RequestState] = ContextVar("approute_request_state")

# Dev: the cached GET route (its file) whose handler runs, with the app's set
# of routes already warned for reading request data (handlers/dev_cached.py);
# None while approute itself reads the request (data cache modes, error pages).
watched_route: ContextVar[tuple[str, set[str]] | None] = ContextVar(
    "approute_watched_route", default=None
)


@contextmanager
def unwatched() -> Iterator[None]:
    """approute itself reads the request in here: not the handler's reads."""
    token = watched_route.set(None)
    try:
        yield
    finally:
        watched_route.reset(token)


def current_state(caller: str) -> RequestState:
    """The current request's state, or a clear error outside a request."""
    try:
        return request_state.get()
    except LookupError:
        raise RuntimeError(
            f"{caller} was called outside a request scope: call it while a route "
            "handler or middleware is handling a request"
        ) from None


async def run_after_tasks(where: str, tasks: Sequence[AfterTask | Awaitable[Any]]) -> None:
    """Run ``after()`` / ``wait_until()`` work in order; errors are logged."""
    for task in tasks:
        try:
            result = task() if callable(task) else task
            if inspect.isawaitable(result):
                await result
        except Exception as error:
            logger.error(
                "%s: after() task raised %s: %s",
                where,
                type(error).__name__,
                error,
                exc_info=error,
            )
