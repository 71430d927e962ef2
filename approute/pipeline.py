"""The request order, Next.js's, and nowhere else.

For every HTTP request:

1. drop client-sent internal headers (``x-middleware-*``, ``x-nextjs-*``,
   ``x-approute-*``: CVE-2025-29927) and refuse oversized heads (431);
2. normalise the raw path once (400 for malformed escapes; 308 for ``//``,
   ``\\`` and the trailing slash, before anything else runs); requests
   outside ``base_path`` are 404;
3. config ``headers()``: collected now, put on whatever answers (not on
   config redirects);
4. config ``redirects()``: the first match answers;
5. the middleware, if its matcher matches that same canonical path (or its
   decoded form): it may answer, redirect, proxy, rewrite the path, or
   change the route's request headers; it runs once per request;
6. ``before_files`` rewrites (every match applies, in order);
7. the filesystem: ``public/`` files and static routes;
8. ``after_files`` rewrites (each match re-checks files and all routes);
9. dynamic routes;
10. ``fallback`` rewrites (each match re-checks files and all routes);
11. the 404 page.

A route runs with cancellation if the client goes away; then ``after()``
and ``wait_until()`` work runs.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from approute._scope import AfterTask, run_after_tasks
from approute._types import Receive, Scope, Send
from approute.cache.data import DataCache
from approute.config.load import ProjectConfig
from approute.config.rules import RequestFacts, RewriteRule
from approute.cycle import (
    HeadFacts,
    RequestCycle,
    header_pair,
    is_internal_header,
    strip_base_path,
)
from approute.errors import BadRequest, HeadersTooLarge, RequestError
from approute.handlers.answers import (
    send_not_found,
    send_router_redirect,
    send_server_error,
    with_headers,
)
from approute.handlers.dispatch import dispatch, request_error_response
from approute.handlers.module import RouteModule
from approute.handlers.route_cache import RouteCache
from approute.http.body import BodyChannel, DisconnectWatch
from approute.http.compression import accepts_gzip, gzip_send
from approute.http.headers import Headers
from approute.http.paths import normalize_path
from approute.http.proxy import UpstreamProxy
from approute.http.request import RequestLimits
from approute.middleware.module import MiddlewareModule
from approute.middleware.run import MiddlewareOutcome, merge_cookies, run_middleware
from approute.public import PublicFiles, serve_file
from approute.routing.matcher import RouteMatch
from approute.routing.table import RouteTable

__all__ = ["Pipeline", "PipelineOptions", "send_server_error"]

logger = logging.getLogger("approute")


# Raw paths remembered with their canonical form (see _remember_canonical).
_CANONICAL_PATHS: Final = 4096


def _params_key(params: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else str(v)) for k, v in params.items())
    )


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Settings the pipeline reads on every request (fixed at startup)."""

    dev: bool = False
    limits: RequestLimits = field(default_factory=RequestLimits)
    config: ProjectConfig = field(default_factory=ProjectConfig)
    max_head_size: int = 16 * 1024
    max_headers: int = 100


class Pipeline:
    """The ASGI HTTP handler: one instance per app, built at startup."""

    __slots__ = (
        "_after_tasks",
        "_canonical",
        "_config",
        "_data_cache",
        "_disconnect_watch",
        "_dynamic",
        "_external_outside_base_path",
        "_has_rules",
        "_loop",
        "_loop_thread",
        "_middleware",
        "_modules",
        "_options",
        "_proxy",
        "_public",
        "_route_cache",
        "_static_params",
        "_table",
    )

    def __init__(
        self,
        table: RouteTable,
        modules: Mapping[Path, RouteModule],
        options: PipelineOptions,
        middleware: MiddlewareModule | None = None,
        public: PublicFiles | None = None,
        route_cache: RouteCache | None = None,
        data_cache: DataCache | None = None,
    ) -> None:
        self._route_cache = route_cache
        self._data_cache = data_cache
        self._static_params: dict[Path, frozenset[tuple[tuple[str, Any], ...]]] = {}
        self._table = table
        self._dynamic = frozenset(r.file for r in table.routes if table.is_dynamic(r))
        self._public = public if public is not None and len(public) else None
        self._modules = dict(modules)
        self._options = options
        self._config = options.config
        self._middleware = middleware
        self._proxy = UpstreamProxy()
        self._after_tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._disconnect_watch = DisconnectWatch()
        self._canonical: dict[bytes, str] = {}
        self._has_rules = options.config.has_rules
        self._external_outside_base_path = options.config.external_outside_base_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # One function for the whole request: every await costs. A
        # RequestError from any stage is answered with its 4xx on ``send``.
        out = send  # what answers: wrapped for gzip and config headers
        try:
            options = self._options
            config = self._config
            head = self._check_head(scope)
            raw_headers = head.raw
            query_bytes: bytes = scope.get("query_string", b"")
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            full_path = self._canonical.get(raw_path)
            if full_path is None:
                normalized = normalize_path(
                    raw_path,
                    query_bytes,
                    trailing_slash=config.trailing_slash,
                    base_path=config.base_path,
                )
                if normalized.redirect is not None:
                    await send_router_redirect(send, normalized.redirect, 308)
                    return
                full_path = normalized.path
                self._remember_canonical(raw_path, full_path)
            if query_bytes.count(b"&") >= options.limits.max_query_params:
                raise BadRequest("too many query parameters")
            path = strip_base_path(full_path, config.base_path)
            if head.gzip and config.compress and scope["method"] != "HEAD":
                out = gzip_send(out)
            if self._has_rules:
                query = query_bytes.decode("latin-1")
                facts = RequestFacts(raw_headers, query)
                if config.redirects and await self._config_redirect(
                    out, path, full_path, query, facts
                ):
                    return
                overrides = self._config_headers(path, full_path, facts)
                if overrides:
                    out = with_headers(out, overrides=overrides)
            if path is None and not self._external_outside_base_path:
                await send_not_found(out, scope["method"] == "HEAD")
                return
            channel = BodyChannel(
                receive,
                has_body=head.chunked or bool(head.content_length),
                content_length=head.content_length,
                pace=options.limits.body_pace,
            )
            loop, task = self._running_task()
            cycle = RequestCycle(
                task,
                scope,
                channel,
                out,
                path,
                full_path,
                query_bytes,
                raw_headers,
                config.base_path,
            )
            channel.watch(cycle.on_disconnect, watch=self._disconnect_watch, loop=loop)
        except RequestError as error:
            await request_error_response(error).send_asgi(send)
            return
        try:
            await self._serve(cycle)
        except asyncio.CancelledError:
            if not cycle.cancelled_by_disconnect:
                raise
            task.uncancel()
            logger.info("%s: client disconnected; request cancelled", cycle.path)
        except RequestError as error:
            await request_error_response(error).send_asgi(send)
        finally:
            cycle.done = True
            channel.close()
            for request in cycle.requests:
                request.close()
        if cycle.after:
            self._run_after(cycle.path, cycle.after)

    def _remember_canonical(self, raw_path: bytes, path: str) -> None:
        """Remember a raw path that needs no redirect: most requests repeat
        a few paths, and a lookup is a tenth of normalising. Bounded: the
        table starts over when full (a client sending endless new paths
        costs a little memory, never a lot)."""
        canonical = self._canonical
        if len(canonical) >= _CANONICAL_PATHS:
            canonical.clear()
        canonical[raw_path] = path

    def _running_task(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Task[Any]]:
        """The running loop and task, for the disconnect watch.

        ``asyncio.get_running_loop()`` (also inside ``current_task()``) makes
        a ``getpid()`` system call on Python 3.11, which profiles showed as
        a fifth of a small request's CPU; the loop is remembered instead.
        It is trusted only in the thread it was seen in, where at most one
        loop runs at a time: ``current_task(loop)`` is None there unless that
        loop is the running one (a test's previous loop falls through).
        """
        loop = self._loop
        if loop is not None and self._loop_thread == threading.get_ident():
            task = asyncio.current_task(loop)
            if task is not None:
                return loop, task
        loop = self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        task = asyncio.current_task(loop)
        if task is None:  # pragma: no cover - ASGI servers always run us in a task
            raise RuntimeError("approute must run inside an asyncio task")
        return loop, task

    def _config_headers(
        self, path: str | None, full_path: str, facts: RequestFacts
    ) -> list[tuple[bytes, bytes]]:
        """Every matching ``headers()`` rule; a later rule wins per name,
        ``Set-Cookie`` lines add up."""
        values: dict[bytes, bytes] = {}
        cookies: list[tuple[bytes, bytes]] = []
        for rule in self._config.headers:
            params = rule.source.match(path, full_path, facts)
            if params is None:
                continue
            for key, value in rule.apply(params):
                pair = header_pair(key, value)
                if pair is None:
                    logger.warning("config header %r skipped: its value cannot be sent", key)
                elif pair[0] == b"set-cookie":
                    cookies.append(pair)
                else:
                    values[pair[0]] = pair[1]
        return [*values.items(), *cookies]

    async def _config_redirect(
        self, send: Send, path: str | None, full_path: str, query: str, facts: RequestFacts
    ) -> bool:
        for rule in self._config.redirects:
            params = rule.source.match(path, full_path, facts)
            if params is not None:
                await send_router_redirect(send, rule.location(params, query), rule.status)
                return True
        return False

    async def _serve(self, cycle: RequestCycle) -> None:
        """Middleware, rewrites, files and routes, in Next.js's order."""
        if cycle.outside_base_path:
            await self._serve_outside_base_path(cycle)
            return
        middleware = self._middleware
        if middleware is not None and self._middleware_matches(middleware, cycle):
            outcome = await self._run_middleware(middleware, cycle)
            if outcome is None:
                return
            if outcome.response_headers:
                cycle.send = with_headers(cycle.send, defaults=outcome.response_headers)
        config = self._config
        route_path = cycle.path
        if config.before_files:
            # Every before_files rule applies, in order (Next.js).
            for rule in config.before_files:
                rewritten = self._rewrite(rule, route_path, cycle)
                if rewritten is None:
                    continue
                if rewritten.startswith("/"):
                    route_path = rewritten
                else:
                    await self._proxy_to(rewritten, cycle)
                    return
        if self._public is not None and await self._serve_file(route_path, cycle):
            return
        match = self._table.match_path(route_path)
        if match is not None and match.route.file not in self._dynamic:
            await self._run_route(match, cycle)
            return
        if config.after_files and await self._try_rewrites(config.after_files, route_path, cycle):
            return
        if match is not None:  # a dynamic route
            await self._run_route(match, cycle)
            return
        if config.fallback and await self._try_rewrites(config.fallback, route_path, cycle):
            return
        await send_not_found(cycle.send, cycle.head_only)

    async def _serve_outside_base_path(self, cycle: RequestCycle) -> None:
        """Outside ``base_path`` only ``base_path: False`` rewrites (external,
        so proxied) can answer; nothing else lives there (Next.js)."""
        config = self._config
        for rule in (*config.before_files, *config.after_files, *config.fallback):
            target = self._rewrite(rule, cycle.path, cycle)
            if target is not None and not target.startswith("/"):
                await self._proxy_to(target, cycle)
                return
        await send_not_found(cycle.send, cycle.head_only)

    async def _try_rewrites(
        self, rules: tuple[RewriteRule, ...], route_path: str, cycle: RequestCycle
    ) -> bool:
        """after_files / fallback: each matching rule re-checks the routes."""
        for rule in rules:
            rewritten = self._rewrite(rule, route_path, cycle)
            if rewritten is None:
                continue
            if not rewritten.startswith("/"):
                await self._proxy_to(rewritten, cycle)
                return True
            if await self._serve_file(rewritten, cycle):
                return True
            found = self._table.match_path(rewritten)
            if found is not None:
                await self._run_route(found, cycle)
                return True
        return False

    async def _serve_file(self, route_path: str, cycle: RequestCycle) -> bool:
        """The filesystem stage: a ``public/`` file at this path, if any."""
        public = self._public
        if public is None:
            return False
        found = public.lookup(route_path)
        if found is None:
            return False
        if not await serve_file(found, cycle.scope["method"], cycle.facts().headers, cycle.send):
            await send_not_found(cycle.send, cycle.head_only)  # deleted since startup
        return True

    def _rewrite(self, rule: RewriteRule, route_path: str, cycle: RequestCycle) -> str | None:
        """The destination of ``rule`` for this request: a canonical path, an
        absolute URL to proxy to, or None when it does not match."""
        if cycle.outside_base_path:
            params = rule.source.match(None, cycle.full_path, cycle.facts())
        else:
            params = rule.source.match(route_path, cycle.base_path + route_path, cycle.facts())
        if params is None:
            return None
        target, query = rule.target(params, cycle.query)
        if not target.startswith("/"):
            cycle.proxy_query = query
            return target
        return normalize_path(target.encode("latin-1")).path

    async def _proxy_to(self, url: str, cycle: RequestCycle) -> None:
        query = cycle.proxy_query
        request = cycle.request(cycle.raw_headers, self._options.limits, cycle.add_forwarded)
        await self._proxy.forward(
            url + (f"?{query}" if query else ""), request, cycle.send, head_only=cycle.head_only
        )

    async def _run_route(self, match: RouteMatch, cycle: RequestCycle) -> None:
        route = self._modules[match.route.file]
        segment = route.segment
        # dynamic_params = False: only the params generate_static_params lists.
        if (
            not segment.dynamic_params
            and segment.generate_static_params is not None
            and _params_key(match.params) not in await self._listed_params(route)
        ):
            await send_not_found(cycle.send, cycle.head_only)
            return
        route_cache = self._route_cache
        data_cache = self._data_cache
        if (
            route_cache is not None
            and route.segment.cached
            and cycle.scope["method"] in ("GET", "HEAD")
            and "GET" in route.handlers
            # Draft mode bypasses the route cache: the handler runs (Next.js).
            and (data_cache is None or not data_cache.draft.in_headers(cycle.raw_headers))
        ):
            # Keyed by the route and its params, never by the incoming path:
            # rewrites (has: host, query…) from many paths share one entry
            # only when they reach the same route with the same params.
            path = match.route.path_for(match.params, trailing_slash=self._config.trailing_slash)
            await route_cache.respond(
                route,
                match.params,
                path,
                lambda: cycle.static_request(
                    self._options.limits, path, strict=segment.forbids_request_data
                ),
                cycle.send,
                head_only=cycle.head_only,
                dev=self._options.dev,
            )
            return
        request = cycle.reusable_request or cycle.request(
            cycle.raw_headers, self._options.limits, cycle.add_forwarded
        )
        try:
            answer = await dispatch(
                route, request, match.params, dev=self._options.dev, cache=data_cache
            )
            state = answer.state
            if state is not None:
                cycle.after.extend(state.after)
                if state.revalidations and data_cache is not None:
                    await data_cache.revalidate(state.revalidations)
            await answer.response.send_asgi(cycle.send, head_only=answer.head_only)
        except Exception as error:  # a stream that failed half-way: log, drop
            logger.error(
                "%s: error while sending the response: %s: %s",
                route.where,
                type(error).__name__,
                error,
                exc_info=error,
            )

    async def _listed_params(self, route: RouteModule) -> frozenset[tuple[tuple[str, Any], ...]]:
        """``generate_static_params()``'s list, called once per route."""
        listed = self._static_params.get(route.file)
        if listed is None:
            generate = route.segment.generate_static_params
            result = generate() if generate is not None else []
            if inspect.isawaitable(result):
                result = await result
            listed = self._static_params[route.file] = frozenset(
                _params_key(params) for params in result
            )
        return listed

    def _middleware_matches(self, middleware: MiddlewareModule, cycle: RequestCycle) -> bool:
        matcher = middleware.matcher
        if not matcher.needs_request_data:
            return matcher.matches_path(cycle.path)
        facts = cycle.facts()
        return matcher.matches(
            cycle.path,
            headers=facts.headers,
            cookies=facts.cookies,
            query=facts.query,
            host=facts.host,
        )

    async def _run_middleware(
        self, middleware: MiddlewareModule, cycle: RequestCycle
    ) -> MiddlewareOutcome | None:
        """Run the middleware; None when it answered (the route never runs)."""
        request = cycle.request(cycle.raw_headers, self._options.limits, True)
        try:
            outcome = await run_middleware(middleware, request)
        except RequestError:
            raise
        except Exception as error:
            # Fail closed (docs/middleware.md): a broken middleware never lets the
            # route run.
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
        if (
            outcome.rewrite_path is None
            and outcome.forward_headers is None
            and outcome.cookies is None
            and not request.body_used
        ):
            cycle.reusable_request = request  # the route sees the same request
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
            path = normalize_path(outcome.rewrite_path.encode("latin-1")).path
            cycle.path = strip_base_path(path, cycle.base_path) or path
            cycle.query = outcome.rewrite_query
            cycle.reset_facts()
            if self._config.headers:
                # Rules matching the destination add their headers too
                # (Next.js); the request's own path's rules win a clash.
                extra = self._config_headers(cycle.path, path, cycle.facts())
                if extra:
                    cycle.send = with_headers(cycle.send, overrides=extra)
        if outcome.forward_headers is not None or outcome.cookies is not None:
            headers = outcome.forward_headers
            if headers is None:
                headers = Headers.from_asgi(cycle.raw_headers)
            else:
                cycle.add_forwarded = False  # exactly the headers it chose
            if outcome.cookies is not None:
                headers = merge_cookies(headers, outcome.cookies)
            cycle.raw_headers = list(headers.to_asgi())
            cycle.reset_facts()
        return outcome

    def _check_head(self, scope: Scope) -> HeadFacts:
        """One pass over the request headers: strip internal ones, refuse heads
        over the size/count limits (431), note what later stages need."""
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        internal = False
        head = HeadFacts(raw)
        content_length = accept_encoding = None
        for name, value in raw:
            size += len(name) + len(value)
            first = name[:1]
            if first == b"x":
                internal = internal or is_internal_header(name)
            elif first == b"c":
                if name == b"content-length":
                    content_length = value
            elif name == b"transfer-encoding":
                head.chunked = True
            elif name == b"accept-encoding":
                accept_encoding = value
        options = self._options
        # Values are parsed only once the head is known to be within the
        # limits: nothing client-sized runs before the 431.
        if size > options.max_head_size or len(raw) > options.max_headers:
            raise HeadersTooLarge("request headers are too large")
        if content_length is not None:
            if not content_length.isdigit() or len(content_length) > 18:
                raise BadRequest("invalid Content-Length")
            head.content_length = int(content_length)
        if accept_encoding is not None:
            head.gzip = accepts_gzip(accept_encoding)
        if internal:
            head.raw = scope["headers"] = [pair for pair in raw if not is_internal_header(pair[0])]
        return head

    def _run_after(self, where: str, tasks: list[AfterTask | Awaitable[Any]]) -> None:
        job = asyncio.get_running_loop().create_task(run_after_tasks(where, tasks))
        self._after_tasks.add(job)
        job.add_done_callback(self._after_tasks.discard)

    async def drain(self) -> None:
        """Wait for pending ``after()`` tasks and close the proxy (shutdown)."""
        if self._after_tasks:
            await asyncio.gather(*self._after_tasks, return_exceptions=True)
        await self._proxy.close()
        if self._route_cache is not None:
            await self._route_cache.close()
        if self._data_cache is not None:
            await self._data_cache.close()
