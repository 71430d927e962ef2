"""The filesystem and route stages: ``public/`` files, then routes.

A route runs one of two ways, both through ``handlers.render``: a cacheable
GET (``RouteModule.cached_get``, not in draft mode) goes to the route cache,
keyed by the route and its params; anything else renders with the request
itself, and the response is sent here. ``dynamic_params = False`` serves
only the params ``generate_static_params()`` lists (a 404 otherwise).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from approute._scope import watched_route
from approute.cache.data import DataCache
from approute.handlers.dev_cached import WatchedRequest
from approute.handlers.module import RouteModule
from approute.handlers.render import render_route
from approute.handlers.route_cache import RouteCache
from approute.handlers.static_params import static_params
from approute.http.request import RequestLimits
from approute.http.websocket import HANDSHAKE_KEY
from approute.pipeline.answers import report_server_error, send_not_found
from approute.pipeline.cycle import RequestCycle
from approute.public import PublicFiles, serve_file
from approute.routing.matcher import RouteMatch
from approute.routing.table import RouteTable

__all__ = ["RouteStage"]

logger = logging.getLogger("approute")

_ParamsKey = tuple[tuple[str, Any], ...]


def _params_key(params: Mapping[str, Any]) -> _ParamsKey:
    return tuple(
        sorted((k, tuple(v) if isinstance(v, list) else str(v)) for k, v in params.items())
    )


class RouteStage:
    """``public/`` files and the route table, with what running a route needs."""

    __slots__ = (
        "_data_cache",
        "_dev",
        "_dynamic",
        "_limits",
        "_listed",
        "_modules",
        "_public",
        "_route_cache",
        "_table",
        "_trailing_slash",
        "_warned_reads",
        "has_files",
    )

    def __init__(
        self,
        table: RouteTable,
        modules: Mapping[Path, RouteModule],
        *,
        limits: RequestLimits,
        trailing_slash: bool,
        dev: bool,
        public: PublicFiles | None,
        route_cache: RouteCache | None,
        data_cache: DataCache | None,
    ) -> None:
        self._table = table
        self._dynamic = frozenset(r.file for r in table.routes if table.is_dynamic(r))
        self._modules = dict(modules)
        self._limits = limits
        self._trailing_slash = trailing_slash
        self._dev = dev
        self._public = public if public is not None and public.may_serve else None
        # Read before awaiting serve_file: no coroutine when there are none.
        self.has_files = self._public is not None
        self._route_cache = route_cache
        # Dev: cached routes already warned about reading request data.
        self._warned_reads: set[str] = set()
        self._data_cache = data_cache
        self._listed: dict[Path, frozenset[_ParamsKey]] = {}

    def match(self, path: str) -> RouteMatch | None:
        """The route for a canonical path, static or dynamic."""
        return self._table.match_path(path)

    def is_static(self, match: RouteMatch) -> bool:
        """Whether the route has no params (it runs before ``after_files``)."""
        return match.route.file not in self._dynamic

    async def serve_file(self, route_path: str, cycle: RequestCycle) -> bool:
        """A ``public/`` file at this path, if there is one."""
        public = self._public
        if public is None:
            return False
        found = public.lookup(route_path)
        if found is None:
            return False
        if not await serve_file(found, cycle.scope["method"], cycle.facts().headers, cycle.send):
            await send_not_found(cycle.send, cycle.head_only)  # deleted since startup
        return True

    async def serve_path(self, route_path: str, cycle: RequestCycle) -> bool:
        """A file or any route at ``route_path`` (a rewrite's destination)."""
        if await self.serve_file(route_path, cycle):
            return True
        found = self._table.match_path(route_path)
        if found is None:
            return False
        await self.run(found, cycle)
        return True

    async def run(self, match: RouteMatch, cycle: RequestCycle) -> None:
        """Run the matched route for this request and send its answer."""
        route = self._modules[match.route.file]
        segment = route.segment
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
            and route.cached_get
            and cycle.scope["method"] in ("GET", "HEAD")
            # Draft mode bypasses the route cache: the handler runs (Next.js).
            and (data_cache is None or not data_cache.draft.in_headers(cycle.raw_headers))
            # A WebSocket handshake runs the GET: it may upgrade.
            and HANDSHAKE_KEY not in cycle.scope
        ):
            # Keyed by the route and its params, never by the incoming path:
            # rewrites (has: host, query…) from many paths share one entry
            # only when they reach the same route with the same params.
            path = match.route.path_for(match.params, trailing_slash=self._trailing_slash)
            failure = await route_cache.respond(
                route,
                match.params,
                path,
                lambda: cycle.static_request(
                    self._limits, path, strict=segment.forbids_request_data
                ),
                cycle.send,
                head_only=cycle.head_only,
                dev=self._dev,
            )
            if failure is not None:
                report_server_error(cycle.scope, failure)
            return
        # Dev renders a cached GET per request: note what production won't give it.
        watched = self._dev and route.cached_get and cycle.scope["method"] in ("GET", "HEAD")
        if watched:
            request = cycle.request(
                cycle.raw_headers, self._limits, cycle.add_forwarded, WatchedRequest
            )
            token = watched_route.set((route.where, self._warned_reads))
        else:
            request = cycle.reusable_request or cycle.request(
                cycle.raw_headers, self._limits, cycle.add_forwarded
            )
        try:
            try:
                rendered = await render_route(
                    route, request, match.params, dev=self._dev, data=data_cache
                )
            finally:
                if watched:
                    watched_route.reset(token)
            if rendered.after:
                cycle.after.extend(rendered.take_after())
            if rendered.error is not None:
                report_server_error(cycle.scope, rendered.error)
            await rendered.response.send_asgi(cycle.send, head_only=rendered.head_only)
        except Exception as error:  # a stream that failed half-way: log, drop
            logger.error(
                "%s: error while sending the response: %s: %s",
                route.where,
                type(error).__name__,
                error,
                exc_info=error,
            )
            report_server_error(cycle.scope, error)

    async def _listed_params(self, route: RouteModule) -> frozenset[_ParamsKey]:
        """The params ``generate_static_params()`` lists, read once per route."""
        listed = self._listed.get(route.file)
        if listed is None:
            entries = await static_params(route)
            listed = self._listed[route.file] = frozenset(
                _params_key(params) for params in entries if isinstance(params, Mapping)
            )
        return listed
