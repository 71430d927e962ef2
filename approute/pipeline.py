"""The request order, Next.js's, and nowhere else.

For every HTTP request:

1. drop client-sent internal headers (``x-middleware-*``, ``x-nextjs-*``,
   ``x-approute-*``: CVE-2025-29927) and refuse oversized heads (431);
2. normalise the raw path once (400 for malformed escapes; 308 for ``//``,
   ``\\`` and the trailing slash, before anything else runs);
3. the middleware, if its matcher matches that same canonical path (or its
   decoded form): it may answer, redirect, proxy, rewrite the path, or
   change the route's request headers; it runs once per request;
4. match the route (400 when a param does not decode; 404 page otherwise);
5. dispatch to the handler, cancelling everything if the client goes away;
6. send the response with the middleware's headers, then run ``after()``
   and ``wait_until()`` work.

Later stages (config headers/redirects/rewrites, middleware, ``public/``)
slot in here in Next.js's order.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from approute._scope import AfterTask
from approute._types import Receive, Scope, Send
from approute.errors import BadRequest, HeadersTooLarge, RequestError
from approute.handlers.dispatch import dispatch, request_error_response
from approute.handlers.module import RouteModule
from approute.http.body import BodyChannel
from approute.http.cookies import parse_cookie_header
from approute.http.headers import Headers
from approute.http.paths import normalize_path, split_segments
from approute.http.proxy import UpstreamProxy
from approute.http.request import NextRequest, RequestLimits
from approute.http.response import Response
from approute.http.url import SearchParams
from approute.middleware.module import MiddlewareModule
from approute.middleware.run import MiddlewareOutcome, merge_cookies, run_middleware
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
_NO_HEADERS: Final = Headers()
_NO_QUERY: Final = SearchParams()


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

    __slots__ = ("_after_tasks", "_middleware", "_modules", "_options", "_proxy", "_table")

    def __init__(
        self,
        table: RouteTable,
        modules: Mapping[Path, RouteModule],
        options: PipelineOptions,
        middleware: MiddlewareModule | None = None,
    ) -> None:
        self._table = table
        self._modules = dict(modules)
        self._options = options
        self._middleware = middleware
        self._proxy = UpstreamProxy()
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
        channel = _body_channel(scope, receive, raw_headers, options.limits)
        task = asyncio.current_task()
        if task is None:  # pragma: no cover - ASGI servers always run us in a task
            raise RuntimeError("approute must run inside an asyncio task")
        cycle = _Cycle(task, scope, channel, send, normalized.path, query_bytes, raw_headers)
        channel.watch(cycle.on_disconnect)
        try:
            await self._serve(cycle)
        except asyncio.CancelledError:
            if not cycle.cancelled_by_disconnect:
                raise
            task.uncancel()
            logger.info("%s: client disconnected; request cancelled", cycle.path)
        finally:
            cycle.done = True
            channel.close()
            for request in cycle.requests:
                request.close()
        if cycle.after:
            self._run_after(cycle.path, cycle.after)

    async def _serve(self, cycle: _Cycle) -> None:
        """Middleware, then the route (or the 404), with the middleware's
        headers on whatever answers."""
        extra: list[tuple[bytes, bytes]] = []
        middleware = self._middleware
        if middleware is not None and self._middleware_matches(middleware, cycle):
            outcome = await self._run_middleware(middleware, cycle)
            if outcome is None:
                return
            extra = outcome.response_headers
        match = self._table.match(split_segments(cycle.path))
        if match is None:
            await _send_not_found(cycle.send, cycle.head_only, extra)
            return
        route = self._modules[match.route.file]
        request = cycle.request(cycle.raw_headers, self._options.limits, cycle.add_forwarded)
        try:
            answer = await dispatch(route, request, match.params, dev=self._options.dev)
            if answer.state is not None:
                cycle.after.extend(answer.state.after)
            response = answer.response
            if extra:
                _merge_headers(response, extra)
            await response.send_asgi(cycle.send, head_only=answer.head_only)
        except Exception as error:  # a stream that failed half-way: log, drop
            logger.error(
                "%s: error while sending the response: %s: %s",
                route.where,
                type(error).__name__,
                error,
                exc_info=error,
            )

    def _middleware_matches(self, middleware: MiddlewareModule, cycle: _Cycle) -> bool:
        matcher = middleware.matcher
        if matcher.matches_everything:
            return True
        if not matcher.needs_request_data:
            return matcher.matches(
                cycle.path, headers=_NO_HEADERS, cookies={}, query=_NO_QUERY, host=None
            )
        headers = Headers.from_asgi(cycle.raw_headers)
        host = headers.get("host")
        return matcher.matches(
            cycle.path,
            headers=headers,
            cookies=parse_cookie_header(headers.get("cookie") or ""),
            query=SearchParams(cycle.query),
            host=host.rsplit(":", 1)[0].lower() if host else None,
        )

    async def _run_middleware(
        self, middleware: MiddlewareModule, cycle: _Cycle
    ) -> MiddlewareOutcome | None:
        """Run the middleware; None when it answered (the route never runs)."""
        request = cycle.request(cycle.raw_headers, self._options.limits, True)
        try:
            outcome = await run_middleware(middleware, request)
        except RequestError:
            raise
        except Exception as error:
            # Fail closed (NX-10): a broken middleware never lets the route run.
            logger.error(
                "%s: middleware raised %s: %s",
                middleware.where,
                type(error).__name__,
                error,
                exc_info=error,
            )
            await send_server_error(cycle.send)
            return None
        cycle.after.extend(outcome.pending)
        if outcome.respond is not None:
            await outcome.respond.send_asgi(cycle.send, head_only=cycle.head_only)
            return None
        if outcome.proxy_url is not None:
            await self._proxy.forward(
                outcome.proxy_url, request, cycle.send, head_only=cycle.head_only
            )
            return None
        if outcome.rewrite_path is not None:
            # The route sees the destination's path and query (Next.js).
            cycle.path = normalize_path(outcome.rewrite_path.encode("latin-1")).path
            cycle.query = outcome.rewrite_query
        if outcome.forward_headers is not None or outcome.cookies is not None:
            headers = outcome.forward_headers
            if headers is None:
                headers = Headers.from_asgi(cycle.raw_headers)
            else:
                cycle.add_forwarded = False  # exactly the headers it chose
            if outcome.cookies is not None:
                headers = merge_cookies(headers, outcome.cookies)
            cycle.raw_headers = list(headers.to_asgi())
        return outcome

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

    def _run_after(self, where: str, tasks: list[AfterTask | Awaitable[Any]]) -> None:
        job = asyncio.get_running_loop().create_task(_after(where, tasks))
        self._after_tasks.add(job)
        job.add_done_callback(self._after_tasks.discard)

    async def drain(self) -> None:
        """Wait for pending ``after()`` tasks and close the proxy (shutdown)."""
        if self._after_tasks:
            await asyncio.gather(*self._after_tasks, return_exceptions=True)
        await self._proxy.close()


def _is_internal(name: bytes) -> bool:
    # Some proxies fold "_" into "-": x_middleware_subrequest counts too (NX-01).
    return name.startswith(_INTERNAL_PREFIXES) or (
        b"_" in name and name.replace(b"_", b"-").startswith(_INTERNAL_PREFIXES)
    )


class _Cycle:
    """One request on its way through the pipeline."""

    __slots__ = (
        "add_forwarded",
        "after",
        "cancelled_by_disconnect",
        "channel",
        "done",
        "head_only",
        "path",
        "query",
        "raw_headers",
        "requests",
        "scope",
        "send",
        "task",
    )

    def __init__(
        self,
        task: asyncio.Task[object],
        scope: Scope,
        channel: BodyChannel,
        send: Send,
        path: str,
        query: bytes,
        raw_headers: list[tuple[bytes, bytes]],
    ) -> None:
        self.task = task
        self.scope = scope
        self.channel = channel
        self.send = send
        self.path = path
        self.query = query.decode("latin-1")
        self.raw_headers = raw_headers
        self.head_only = scope["method"] == "HEAD"
        self.add_forwarded = True
        self.after: list[AfterTask | Awaitable[Any]] = []
        self.requests: list[NextRequest] = []
        self.done = False
        self.cancelled_by_disconnect = False

    def request(
        self, raw_headers: list[tuple[bytes, bytes]], limits: RequestLimits, add_forwarded: bool
    ) -> NextRequest:
        """A ``NextRequest`` for the current path, query and headers."""
        request = NextRequest.from_asgi(
            self.scope,
            self.channel,
            path=self.path,
            query=self.query,
            raw_headers=raw_headers,
            limits=limits,
            add_forwarded=add_forwarded,
        )
        self.requests.append(request)
        return request

    def on_disconnect(self) -> None:
        """Cancel the request task, unless the response is already done."""
        if not self.done:
            self.cancelled_by_disconnect = True
            self.task.cancel()


def _merge_headers(response: Response, extra: list[tuple[bytes, bytes]]) -> None:
    """The middleware's response headers under the route's (Next.js: the route
    wins per name; ``Set-Cookie`` lines add up)."""
    headers = response.headers
    for name, value in extra:
        key = name.decode("latin-1")
        if key == "set-cookie":
            headers.append(key, value.decode("latin-1"))
        elif not headers.has(key):
            headers.set(key, value.decode("latin-1"))


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


async def _after(where: str, tasks: list[AfterTask | Awaitable[Any]]) -> None:
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


async def _send_not_found(
    send: Send, head_only: bool, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = list(_NOT_FOUND_HEADERS)
    if extra:
        names = {name for name, _ in headers}
        headers += [(n, v) for n, v in extra if n not in names or n == b"set-cookie"]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head_only else _NOT_FOUND_HTML})


async def send_server_error(send: Send) -> None:
    """500 for an error outside any handler: ``text/plain``, body
    ``Internal Server Error`` (Next.js)."""
    await Response(_SERVER_ERROR, status=500, headers={"content-type": "text/plain"}).send_asgi(
        send
    )
