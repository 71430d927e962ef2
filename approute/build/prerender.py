"""Which paths a build prerenders, and prerendering them.

As ``next build`` (docs/cli.md, "approute build"): every cached GET (segment
``dynamic = "force-static"``, ``revalidate = N`` or ``revalidate = False``)
of a route without params is rendered once; a route with params is rendered
for each entry of its ``generate_static_params()`` (sync or async; catch-all
values are lists). The handler sees the same empty request a cached handler
sees at runtime, at ``http://localhost:3000`` (Next.js's prerender origin),
and goes through the route cache's own render step, so a build stores
exactly what a runtime MISS would.

A prerender that does not answer 2xx fails the build naming the route and
the path (the route cache never stores one, so the path could not be served
as prerendered). A 2xx the route cache may not store either (it sets a
cookie, or is a 204/206) stays on demand, as at runtime.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from approute.app import App
from approute.cache.entry import CacheEntry
from approute.cache.memory import MemoryCacheHandler
from approute.errors import ProjectError
from approute.handlers.context import Params
from approute.handlers.module import RouteModule
from approute.handlers.route_cache import RouteCache
from approute.handlers.static_params import static_params, static_params_where
from approute.http.paths import normalize_path, split_segments
from approute.http.static_request import static_request
from approute.routing.scan import RouteFile
from approute.routing.segments import SegmentKind

__all__ = ["PlannedRoute", "PrerenderOutcome", "Progress", "plan_routes", "prerender", "route_url"]

logger = logging.getLogger("approute")

Progress = Callable[[int, int, str], None]
"""``progress(done, total, path)``: called before each prerender and once at the end."""


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    """One route of the table, and the paths a build prerenders for it."""

    route: RouteFile
    module: RouteModule
    url: str
    cached: bool
    dynamic: bool
    listed: bool  # generate_static_params gave the paths (● rather than ○)
    paths: tuple[tuple[str, Params], ...] = ()


@dataclass(slots=True)
class PrerenderOutcome:
    """What prerendering produced: stored entries and paths left on demand."""

    entries: dict[str, CacheEntry] = field(default_factory=dict)
    on_demand: dict[str, str] = field(default_factory=dict)  # path -> why


def route_url(route: RouteFile) -> str:
    """The route as a URL pattern: groups gone, folders as the router reads
    them (``%5Fx`` → ``_x``), params as ``[id]``."""
    parts = [s.value if s.kind is SegmentKind.STATIC else s.folder for s in route.segments]
    return "/" + "/".join(parts)


def _path_for(route: RouteFile, given: object, app: App, where: str) -> str:
    """The canonical path of one ``generate_static_params()`` entry (checked
    here; written by the route's own ``path_for``)."""
    if not isinstance(given, Mapping):
        raise ProjectError(f"{where}: generate_static_params() entries are dicts; got {given!r}")
    names = [param.value for param in route.params]
    unknown = sorted(str(key) for key in given if key not in names)
    if unknown:
        raise ProjectError(
            f"{where}: generate_static_params() entry {dict(given)!r}: {unknown[0]!r} is not "
            f"a param of {route.pattern} (its params: {', '.join(map(repr, names)) or 'none'})"
        )
    for segment in route.params:
        name = segment.value
        value = given.get(name)
        if segment.kind is SegmentKind.DYNAMIC:
            if not isinstance(value, str) or not value:
                raise ProjectError(
                    f"{where}: generate_static_params() entry {dict(given)!r}: "
                    f"{name!r} must be a non-empty string"
                )
            continue
        if value is None and segment.kind is SegmentKind.OPTIONAL_CATCH_ALL:
            continue
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str) and item for item in value
        ):
            raise ProjectError(
                f"{where}: generate_static_params() entry {dict(given)!r}: "
                f"{name!r} must be a list of non-empty strings"
            )
        if not value and segment.kind is SegmentKind.CATCH_ALL:
            raise ProjectError(
                f"{where}: generate_static_params() entry {dict(given)!r}: "
                f"{name!r} of a [...{name}] route needs at least one segment"
            )
    # What a request for it normalises to (dot segments resolved).
    path = route.path_for(given).encode("ascii")
    normalized = normalize_path(path, trailing_slash=app.project.config.trailing_slash)
    return normalized.redirect or normalized.path


async def _listed_paths(
    route: RouteFile, module: RouteModule, app: App
) -> tuple[tuple[str, Params], ...]:
    entries = await static_params(module)
    where = static_params_where(module)
    seen: dict[str, Params] = {}
    trailing_slash = app.project.config.trailing_slash
    for given in entries:
        path = _path_for(route, given, app, where)
        # The params the router decodes from the path (what a request gets);
        # a path a more specific route serves is that route's, not ours.
        match = app.project.table.match(split_segments(path))
        if match is None or match.route.file != route.file:
            other = app.project.modules[match.route.file].where if match is not None else "no route"
            logger.warning(
                "%s: generate_static_params() lists %s, which %s serves; not prerendered here",
                where,
                path,
                other,
            )
            continue
        # Stored under the path a request's params give (the route cache key).
        seen.setdefault(route.path_for(match.params, trailing_slash=trailing_slash), match.params)
    return tuple(seen.items())


async def plan_routes(app: App) -> list[PlannedRoute]:
    """Every route of ``app`` sorted by URL, with the paths to prerender
    (this calls ``generate_static_params()`` of cached routes)."""
    planned: list[PlannedRoute] = []
    for route in app.project.table.routes:
        module = app.project.modules[route.file]
        url = route_url(route)
        cached = module.cached_get
        dynamic = app.project.table.is_dynamic(route)
        listed = dynamic and cached and module.segment.generate_static_params is not None
        if not cached:
            paths: tuple[tuple[str, Params], ...] = ()
        elif dynamic:
            paths = await _listed_paths(route, module, app) if listed else ()
        else:
            paths = ((route.path_for({}, trailing_slash=app.project.config.trailing_slash), {}),)
        planned.append(PlannedRoute(route, module, url, cached, dynamic, listed, paths))
    planned.sort(key=lambda item: item.url)
    return planned


async def prerender(
    app: App, plan: list[PlannedRoute], progress: Progress | None = None
) -> PrerenderOutcome:
    """Render every planned path once, in table order; a non-2xx answer is
    a ``ProjectError`` naming the route and the path."""
    # The entries go to the build output, not the store; @cached/fetch data
    # goes to the app's data cache, shared with the servers (Next.js fills
    # its fetch cache at build too), and its tags reach the entries.
    cache = RouteCache(MemoryCacheHandler(), data=app.data_cache)
    outcome = PrerenderOutcome()
    total = sum(len(item.paths) for item in plan)
    limit = app.project.config.static_page_generation_timeout
    done = 0
    for item in plan:
        for path, params in item.paths:
            if progress is not None:
                progress(done, total, path)
            strict = item.module.segment.forbids_request_data
            request = static_request(
                path, app.project.limits, strict=strict, base_path=app.project.config.base_path
            )
            try:
                async with asyncio.timeout(limit):
                    status, entry, error = await cache.prerender(item.module, params, path, request)
            except TimeoutError:
                raise ProjectError(
                    f"{item.module.where}: Error occurred prerendering route {item.url} at "
                    f"path {path}: it took longer than {limit:g} s "
                    "(static_page_generation_timeout in approute.config.py)"
                ) from None
            done += 1
            if entry is not None:
                outcome.entries[path] = entry
            elif 200 <= status < 300:
                outcome.on_demand[path] = (
                    f"answers {status}" if status in (204, 206) else "sets a cookie"
                )
            else:
                if error is not None:
                    hint = f"{type(error).__name__}: {error}"
                elif status >= 500:
                    hint = "the handler's error is logged above"
                else:
                    hint = (
                        "a prerendered GET must answer 2xx; leave paths that should "
                        "not exist out of generate_static_params"
                    )
                raise ProjectError(
                    f"{item.module.where}: Error occurred prerendering route {item.url} "
                    f"at path {path}: GET answered {status} ({hint})"
                )
    if progress is not None:
        progress(done, total, "")
    await cache.close()
    return outcome
