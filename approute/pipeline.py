"""The request order, Next.js's, and nowhere else.

For every HTTP request:

1. drop client-sent internal headers (``x-middleware-*``, ``x-nextjs-*``,
   ``x-approute-*``: CVE-2025-29927) and refuse oversized heads (431);
2. normalise the raw path once (400 for malformed escapes; 308 for ``//``,
   ``\\`` and the trailing slash, before anything else runs);
3. match the route (400 when a param does not decode; 404 page otherwise);
4. dispatch to the handler, cancelling it if the client goes away;
5. send the response, then run ``after()`` tasks.

Later stages (config headers/redirects/rewrites, middleware, ``public/``)
slot in here in Next.js's order.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from approute._scope import AfterTask
from approute._types import Receive, Scope, Send
from approute.errors import BadRequest, HeadersTooLarge, RequestError
from approute.handlers.dispatch import Dispatch, dispatch, request_error_response
from approute.handlers.module import RouteModule
from approute.http.body import BodyChannel
from approute.http.paths import normalize_path, split_segments
from approute.http.request import NextRequest, RequestLimits
from approute.http.response import Response
from approute.routing.table import RouteTable

__all__ = ["Pipeline", "PipelineOptions", "send_server_error"]

logger = logging.getLogger("approute")

# CVE-2025-29927: these request headers are approute's (and Next.js's) own
# signalling; a client never gets to set them.
_INTERNAL_PREFIXES: Final = (b"x-middleware-", b"x-nextjs-", b"x-approute-")
_NOT_FOUND_HTML: Final = (
    b'<!DOCTYPE html><html><head><meta charset="utf-8"><title>404: This page could not '
    b"be found.</title></head><body><h1>404</h1><p>This page could not be found.</p>"
    b"</body></html>"
)
_NOT_FOUND_HEADERS: Final = (
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-cache, no-store, max-age=0, must-revalidate"),
    (b"content-length", str(len(_NOT_FOUND_HTML)).encode()),
)
_SERVER_ERROR: Final = b"Internal Server Error"


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Settings the pipeline reads on every request (fixed at startup)."""

    dev: bool = False
    trailing_slash: bool = False
    limits: RequestLimits = field(default_factory=RequestLimits)
    max_head_size: int = 16 * 1024
    max_headers: int = 100


class Pipeline:
    """The ASGI HTTP handler: one instance per app, built at startup."""

    __slots__ = ("_after_tasks", "_modules", "_options", "_table")

    def __init__(
        self,
        table: RouteTable,
        modules: Mapping[Path, RouteModule],
        options: PipelineOptions,
    ) -> None:
        self._table = table
        self._modules = dict(modules)
        self._options = options
        self._after_tasks: set[asyncio.Task[None]] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._handle(scope, receive, send)
        except RequestError as error:
            await request_error_response(error).send_asgi(send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        options = self._options
        raw_headers = self._check_head(scope)
        query_bytes: bytes = scope.get("query_string", b"")
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        normalized = normalize_path(raw_path, query_bytes, trailing_slash=options.trailing_slash)
        if normalized.redirect is not None:
            await _send_router_redirect(send, normalized.redirect, 308)
            return
        if query_bytes.count(b"&") >= options.limits.max_query_params:
            raise BadRequest("too many query parameters")
        match = self._table.match(split_segments(normalized.path))
        head_only = scope["method"] == "HEAD"
        if match is None:
            await _send_not_found(send, head_only)
            return
        route = self._modules[match.route.file]
        channel = _body_channel(scope, receive, raw_headers, options.limits)
        request = NextRequest.from_asgi(
            scope,
            channel,
            path=normalized.path,
            query=query_bytes.decode("latin-1"),
            raw_headers=raw_headers,
            limits=options.limits,
        )
        await self._respond(route, request, match.params, channel, send)

    def _check_head(self, scope: Scope) -> list[tuple[bytes, bytes]]:
        """Strip internal headers; refuse heads over the size/count limits (431)."""
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        internal = False
        for name, value in raw:
            size += len(name) + len(value)
            if _is_internal(name):
                internal = True
        options = self._options
        if size > options.max_head_size or len(raw) > options.max_headers:
            raise HeadersTooLarge("request headers are too large")
        if internal:
            raw = [pair for pair in raw if not _is_internal(pair[0])]
            scope["headers"] = raw
        return raw

    async def _respond(
        self,
        route: RouteModule,
        request: NextRequest,
        params: dict[str, str | list[str]],
        channel: BodyChannel,
        send: Send,
    ) -> None:
        """Dispatch and send, cancelling both if the client disconnects."""
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - ASGI servers always run us in a task
            raise RuntimeError("approute must run inside an asyncio task")
        cycle = _Cycle(task)
        channel.watch(cycle.on_disconnect)
        outcome: Dispatch | None = None
        try:
            outcome = await dispatch(route, request, params, dev=self._options.dev)
            await outcome.response.send_asgi(send, head_only=outcome.head_only)
        except asyncio.CancelledError:
            if not cycle.cancelled_by_disconnect:
                raise
            task.uncancel()
            logger.info("%s: client disconnected; handler cancelled", route.where)
        except Exception as error:  # a stream that failed half-way: log, drop
            logger.error(
                "%s: error while sending the response: %s: %s",
                route.where,
                type(error).__name__,
                error,
                exc_info=error,
            )
        finally:
            cycle.done = True
            channel.close()
            request.close()
        if outcome is not None and outcome.state is not None and outcome.state.after:
            self._run_after(route.where, outcome.state.after)

    def _run_after(self, where: str, tasks: list[AfterTask]) -> None:
        job = asyncio.get_running_loop().create_task(_after(where, tasks))
        self._after_tasks.add(job)
        job.add_done_callback(self._after_tasks.discard)

    async def drain(self) -> None:
        """Wait for pending ``after()`` tasks (at shutdown)."""
        if self._after_tasks:
            await asyncio.gather(*self._after_tasks, return_exceptions=True)


def _is_internal(name: bytes) -> bool:
    # Some proxies fold "_" into "-": x_middleware_subrequest counts too (NX-01).
    return name.startswith(_INTERNAL_PREFIXES) or (
        b"_" in name and name.replace(b"_", b"-").startswith(_INTERNAL_PREFIXES)
    )


class _Cycle:
    """Cancels the request task on disconnect, unless the response is done."""

    __slots__ = ("cancelled_by_disconnect", "done", "task")

    def __init__(self, task: asyncio.Task[object]) -> None:
        self.task = task
        self.done = False
        self.cancelled_by_disconnect = False

    def on_disconnect(self) -> None:
        if not self.done:
            self.cancelled_by_disconnect = True
            self.task.cancel()


def _body_channel(
    scope: Scope,
    receive: Receive,
    raw: list[tuple[bytes, bytes]],
    limits: RequestLimits,
) -> BodyChannel:
    content_length: int | None = None
    chunked = False
    for name, value in raw:
        if name == b"content-length":
            try:
                content_length = int(value)
            except ValueError:
                raise BadRequest("invalid Content-Length") from None
        elif name == b"transfer-encoding":
            chunked = True
    has_body = chunked or bool(content_length)
    return BodyChannel(
        receive,
        has_body=has_body,
        content_length=content_length,
        timeout=limits.body_timeout,
    )


async def _after(where: str, tasks: list[AfterTask]) -> None:
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


async def _send_router_redirect(send: Send, location: str, status: int) -> None:
    """Router-made redirects (Next.js): relative ``Location``, the location as
    the body, no content type, ``refresh`` only on 308."""
    body = location.encode("latin-1")
    headers = [(b"location", body), (b"content-length", str(len(body)).encode())]
    if status == 308:
        headers.append((b"refresh", b"0;url=" + body))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _send_not_found(send: Send, head_only: bool) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 404,
            "headers": list(_NOT_FOUND_HEADERS),
        }
    )
    await send({"type": "http.response.body", "body": b"" if head_only else _NOT_FOUND_HTML})


async def send_server_error(send: Send) -> None:
    """500 for an error outside any handler: ``text/plain``, body
    ``Internal Server Error`` (Next.js)."""
    await Response(_SERVER_ERROR, status=500, headers={"content-type": "text/plain"}).send_asgi(
        send
    )
