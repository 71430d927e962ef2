"""The request order, Next.js's, in one place: ``Pipeline``.

For every HTTP request (each stage is a module of this package):

1. ``head``: drop client-sent internal headers, refuse oversized heads
   (431), normalise the path once (400, or 308 for ``//``, ``\\`` and the
   trailing slash); outside ``base_path`` is a 404;
2. ``config_rules``: ``redirects()`` answer (the first match);
   ``headers()`` go on whatever answers next;
3. ``middleware``, if its matcher matches that same canonical path: it may
   answer, redirect, proxy, rewrite the path, or change the route's request
   headers; it runs once per request;
4. ``before_files`` rewrites (every match applies, in order);
5. ``routes``: ``public/`` files, then static routes;
6. ``after_files`` rewrites (each match re-checks files and all routes);
7. dynamic routes;
8. ``fallback`` rewrites (each match re-checks files and all routes);
9. the 404 page (``answers``).

A rewrite to another origin goes to ``proxy``. A route runs with
cancellation if the client goes away; then its ``after()`` work runs
(``background``).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approute._types import Receive, Scope, Send
from approute.cache.data import DataCache
from approute.config.load import ProjectConfig
from approute.config.rules import RequestFacts, RewriteRule
from approute.errors import BadRequest, RequestError
from approute.handlers.dispatch import request_error_response
from approute.handlers.module import RouteModule
from approute.handlers.route_cache import RouteCache
from approute.http.body import BodyChannel
from approute.http.body_watch import DisconnectWatch, PaceWatch
from approute.http.compression import gzip_send
from approute.http.request import RequestLimits
from approute.http.targets import ExternalURL
from approute.middleware.module import MiddlewareModule
from approute.pipeline.answers import send_not_found, send_router_redirect, with_headers
from approute.pipeline.background import BackgroundWork
from approute.pipeline.config_rules import ConfigRules
from approute.pipeline.cycle import RequestCycle, strip_base_path
from approute.pipeline.head import HeadGuard
from approute.pipeline.middleware import MiddlewareStage
from approute.pipeline.proxy import ProxyStage
from approute.pipeline.routes import RouteStage
from approute.public import PublicFiles
from approute.routing.table import RouteTable

__all__ = ["Pipeline", "PipelineOptions"]

logger = logging.getLogger("approute")


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Settings the pipeline reads on every request (fixed at startup)."""

    dev: bool = False
    limits: RequestLimits = field(default_factory=RequestLimits)
    config: ProjectConfig = field(default_factory=ProjectConfig)
    max_head_size: int = 16 * 1024
    max_headers: int = 100


class Pipeline:
    """The ASGI HTTP handler: one instance per app, its stages built at startup."""

    __slots__ = (
        "_background",
        "_config",
        "_data_cache",
        "_disconnect_watch",
        "_external_outside_base_path",
        "_has_rules",
        "_head",
        "_loop",
        "_loop_thread",
        "_middleware",
        "_options",
        "_pace_watch",
        "_proxy",
        "_route_cache",
        "_routes",
        "_rules",
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
        config = options.config
        self._options = options
        self._config = config
        self._head = HeadGuard(
            max_head_size=options.max_head_size,
            max_headers=options.max_headers,
            trailing_slash=config.trailing_slash,
            base_path=config.base_path,
        )
        self._rules = ConfigRules(config)
        self._proxy = ProxyStage(options.limits)
        self._middleware = (
            MiddlewareStage(
                middleware,
                limits=options.limits,
                proxy=self._proxy,
                config=self._rules,
                rewrite_headers=bool(config.headers),
                dev=options.dev,
            )
            if middleware is not None
            else None
        )
        self._routes = RouteStage(
            table,
            modules,
            limits=options.limits,
            trailing_slash=config.trailing_slash,
            dev=options.dev,
            public=public,
            route_cache=route_cache,
            data_cache=data_cache,
        )
        self._route_cache = route_cache
        self._data_cache = data_cache
        self._background = BackgroundWork()
        self._has_rules = config.has_rules  # properties: read once, not per request
        self._external_outside_base_path = config.external_outside_base_path
        self._disconnect_watch = DisconnectWatch()
        pace = options.limits.body_pace
        self._pace_watch = PaceWatch(pace) if pace is not None else None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # One function for the whole request: every await costs. A
        # RequestError from any stage is answered with its 4xx on ``send``.
        out = send  # what answers: wrapped for gzip and config headers
        try:
            config = self._config
            head = self._head.check(scope)
            query_bytes: bytes = scope.get("query_string", b"")
            raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
            full_path, redirect = self._head.canonical_path(raw_path, query_bytes)
            if redirect is not None:
                await send_router_redirect(send, redirect, 308)
                return
            if query_bytes.count(b"&") >= self._options.limits.max_query_params:
                raise BadRequest("too many query parameters")
            path = strip_base_path(full_path, config.base_path)
            if head.gzip and config.compress and scope["method"] != "HEAD":
                out = gzip_send(out)
            if self._has_rules:
                query = query_bytes.decode("latin-1")
                facts = RequestFacts(head.raw, query)
                if config.redirects and await self._rules.redirect(
                    out, path, full_path, query, facts
                ):
                    return
                overrides = self._rules.headers(path, full_path, facts)
                if overrides:
                    out = with_headers(out, overrides=overrides)
            if path is None and not self._external_outside_base_path:
                await send_not_found(out, scope["method"] == "HEAD")
                return
            channel = BodyChannel(
                receive,
                has_body=head.chunked or bool(head.content_length),
                content_length=head.content_length,
                pace=self._options.limits.body_pace,
                pace_watch=self._pace_watch,
                linger=not head.expects_continue,
            )
            loop, task = self._running_task()
            cycle = RequestCycle(
                task, scope, channel, out, path, full_path, query_bytes, head.raw, config.base_path
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
            self._background.start(cycle.path, cycle.after)

    async def _serve(self, cycle: RequestCycle) -> None:
        """Middleware, rewrites, files and routes, in Next.js's order."""
        if cycle.outside_base_path:
            await self._serve_outside_base_path(cycle)
            return
        middleware = self._middleware
        if middleware is not None and middleware.matches(cycle) and not await middleware.run(cycle):
            return  # it answered
        config, routes = self._config, self._routes
        route_path = cycle.path
        for rule in config.before_files:  # every match applies, in order
            target = self._rules.rewrite(rule, route_path, cycle)
            if isinstance(target, ExternalURL):
                await self._proxy.forward(target, cycle)
                return
            if target is not None:
                route_path = target.path
        if routes.has_files and await routes.serve_file(route_path, cycle):
            return
        match = routes.match(route_path)
        if match is not None and routes.is_static(match):
            await routes.run(match, cycle)
            return
        if config.after_files and await self._rewrite(config.after_files, route_path, cycle):
            return
        if match is not None:  # a dynamic route
            await routes.run(match, cycle)
            return
        if config.fallback and await self._rewrite(config.fallback, route_path, cycle):
            return
        await send_not_found(cycle.send, cycle.head_only)

    async def _rewrite(
        self, rules: tuple[RewriteRule, ...], route_path: str, cycle: RequestCycle
    ) -> bool:
        """after_files / fallback: the first rule whose target answers wins;
        an internal target re-checks files and every route."""
        for rule in rules:
            target = self._rules.rewrite(rule, route_path, cycle)
            if target is None:
                continue
            if isinstance(target, ExternalURL):
                await self._proxy.forward(target, cycle)
                return True
            if await self._routes.serve_path(target.path, cycle):
                return True
        return False

    async def _serve_outside_base_path(self, cycle: RequestCycle) -> None:
        """Outside ``base_path`` only ``base_path: False`` rewrites (external,
        so proxied) can answer; nothing else lives there (Next.js)."""
        config = self._config
        for rule in (*config.before_files, *config.after_files, *config.fallback):
            target = self._rules.rewrite(rule, cycle.path, cycle)
            if isinstance(target, ExternalURL):
                await self._proxy.forward(target, cycle)
                return
        await send_not_found(cycle.send, cycle.head_only)

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

    async def drain(self) -> None:
        """Wait for pending ``after()`` tasks and close what the stages hold (shutdown)."""
        await self._background.drain()
        await self._proxy.close()
        if self._route_cache is not None:
            await self._route_cache.close()
        if self._data_cache is not None:
            await self._data_cache.close()
