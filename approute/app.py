"""Build everything at startup; the ASGI callable.

``create_app(root)`` resolves the project's layout (``project.layout``: ``app/``
or ``src/app/``, the middleware file, ``.approute/``), scans and validates
the route tree, loads every route module and reads its exports, and hands
the frozen result to the ``Pipeline``. A request never scans folders or
imports project code: routes, the middleware, the config and the ``public/``
file list are read here once. What a request may still read or write on disk is
data: the body of a ``public/`` file, entries of the filesystem cache store
(``.approute/cache``) and of the build output (``.approute/build``), the
draft-mode secret (on first use), and uploads spooled to temporary files.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import EllipsisType

from approute._types import Receive, Scope, Send
from approute.cache.data import DataCache
from approute.cache.draft import DraftSecret
from approute.cache.handler import CacheHandler
from approute.cache.select import cache_handler_from_config, redis_prefix_for
from approute.config.load import ProjectConfig, load_config
from approute.errors import ProjectError
from approute.handlers.module import RouteModule, broken_route_module, read_route_module
from approute.handlers.route_cache import PrerenderedEntries, RouteCache
from approute.http.body_limits import BodyPace, parse_size
from approute.http.dev_error import dev_error_response
from approute.http.forms import FormLimits
from approute.http.request import RequestLimits
from approute.metadata.routes import metadata_route_module
from approute.middleware.module import read_middleware_module
from approute.openapi import openapi_routes
from approute.pipeline import Pipeline, PipelineOptions, report_server_error, send_server_error
from approute.project.layout import ProjectLayout
from approute.project.loader import add_root_to_path, load_module
from approute.public import PublicFiles
from approute.realtime import WebSocketHub, listen_for_going_away
from approute.routing.scan import scan_app
from approute.routing.table import RouteTable

__all__ = ["App", "ErrorApp", "LoadedProject", "create_app"]

logger = logging.getLogger("approute")


@dataclass(frozen=True, slots=True)
class LoadedProject:
    """What ``create_app`` read from the project, frozen: the narrow view
    ``approute build`` plans and prerenders from."""

    layout: ProjectLayout
    table: RouteTable
    modules: Mapping[Path, RouteModule]
    config: ProjectConfig
    limits: RequestLimits


class App:
    """An approute project as an ASGI application."""

    __slots__ = ("data_cache", "pipeline", "project", "websockets")

    def __init__(
        self,
        project: LoadedProject,
        pipeline: Pipeline,
        data_cache: DataCache,
        websockets: WebSocketHub,
    ) -> None:
        self.project = project
        self.pipeline = pipeline
        self.data_cache = data_cache  # approute build prerenders with it
        self.websockets = websockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            try:
                await self.pipeline(scope, receive, send)
            except Exception as error:
                logger.exception("unexpected error outside a handler")
                report_server_error(scope, error)
                await send_server_error(send)
        elif kind == "websocket":
            # The handshake is a GET: the hub calls this app with its http scope.
            await self.websockets.serve(scope, receive, send, self)
        elif kind == "lifespan":
            await _lifespan(receive, send, self)

    async def close(self) -> None:
        """Wait for background work and close the caches, the proxy client and
        the pub/sub (what the lifespan shutdown does; the build calls it when done)."""
        await self.pipeline.drain()
        await self.websockets.close()


async def _lifespan(receive: Receive, send: Send, app: App | None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if app is not None:
                listen_for_going_away()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if app is not None:
                await app.close()
            await send({"type": "lifespan.shutdown.complete"})
            return


class ErrorApp:
    """``approute dev`` with a broken project: every request shows the error,
    and the server stays up until the file is fixed (then it reloads)."""

    __slots__ = ("error",)

    def __init__(self, error: ProjectError) -> None:
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send, None)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1011})
            return
        accept = next((v for k, v in scope["headers"] if k == b"accept"), b"").decode("latin-1")
        title = "approute could not load the project:"
        await dev_error_response(title, f"{self.error}\n", accept).send_asgi(send)


def _limits(body_size_limit: int | str) -> RequestLimits:
    size = parse_size(body_size_limit)
    return RequestLimits(body_size_limit=size, form=replace(FormLimits(), max_body_size=size))


def create_app(
    root: str | os.PathLike[str] | ProjectLayout = ".",
    *,
    dev: bool = False,
    body_size_limit: int | str | None = None,
    body_timeout: float | EllipsisType | None = ...,
    body_deadline: float | EllipsisType | None = ...,
    body_min_rate: float | EllipsisType | None = ...,
    build_id: str | None = None,
    prerendered: PrerenderedEntries | None = None,
    cache_handler: CacheHandler | None = None,
) -> App:
    """Load the project at ``root`` (a folder, or its resolved layout) into
    an ASGI app.

    ``body_size_limit``, ``body_timeout``, ``body_deadline`` and
    ``body_min_rate`` override the config file's (``...``: the file's;
    ``None``: no limit). ``build_id`` and
    ``prerendered`` come from ``approute build``'s output
    (``approute.build.app_from_build``): route cache keys under the build id,
    misses seeded with the prerendered copies. ``cache_handler`` stores the
    route and data caches instead of the config's ``cache_handler`` (by
    default files under ``.approute/cache``); the app closes it with
    itself. Tests use it to keep out of the cache a running server shares::

        app = create_app("examples", cache_handler=MemoryCacheHandler())

    Raises ``ProjectError`` (naming file and line) when the project is wrong.
    """
    layout = root if isinstance(root, ProjectLayout) else ProjectLayout.find(root)
    root_path = layout.root
    add_root_to_path(root_path)
    routes = scan_app(layout.app_dir)
    table = RouteTable(routes)
    config = load_config(root_path)
    modules: dict[Path, RouteModule] = {}
    broken: list[ProjectError] = []
    for route in routes:
        where = layout.where(route.file)
        try:
            if route.metadata is not None:
                generated = route.metadata.generated
                module = load_module(route.file, root_path) if generated else None
                modules[route.file] = metadata_route_module(route, module, where=where, dev=dev)
                continue
            module = load_module(route.file, root_path)
            modules[route.file] = read_route_module(
                module, route, where=where, problem_details=config.problem_details
            )
        except ProjectError as error:
            broken.append(error)
            if dev:  # approute dev serves the other routes; this one shows its error.
                logger.error("%s", error)
                modules[route.file] = broken_route_module(error, route, where=where)
    if broken and not dev:
        # Every broken module at once, not one per build.
        if len(broken) == 1:
            raise broken[0]
        lines = "\n".join(f"  {error}" for error in broken)
        raise ProjectError(f"{len(broken)} route modules could not be loaded:\n{lines}")
    middleware = None
    if layout.middleware_file is not None:
        middleware = read_middleware_module(
            load_module(layout.middleware_file, root_path),
            file=layout.middleware_file,
            where=layout.where(layout.middleware_file),
        )
    # approute.config.py's `openapi`: the document of the routes above, and
    # its docs page, served as routes too.
    served = openapi_routes(config.openapi, table, modules, base_path=config.base_path)
    if served:
        modules.update((route.file, module) for route, module in served)
        table = RouteTable([*routes, *(route for route, _ in served)])
    # Dev serves files added to public/ later too (it scans again on a miss).
    public = PublicFiles.scan(layout.public_dir, rescan=dev)
    _check_public_conflicts(public, table, layout)
    limit = config.body_size_limit if body_size_limit is None else body_size_limit
    pace = BodyPace(
        idle=config.body_timeout if body_timeout is ... else body_timeout,
        deadline=config.body_deadline if body_deadline is ... else body_deadline,
        min_rate=config.body_min_rate if body_min_rate is ... else body_min_rate,
    )
    limits = replace(_limits(limit), body_pace=pace)
    options = PipelineOptions(dev=dev, limits=limits, config=config)
    # One store for routes and data, so one revalidate_tag reaches both
    # (creating it opens no file or connection). next dev renders routes on
    # demand but keeps the data cache (fetch, @cached).
    handler = cache_handler
    redis_prefix = redis_prefix_for(root_path, config.cache_prefix)
    if handler is None:
        handler = cache_handler_from_config(
            config.cache_handler, cache_dir=layout.cache_dir, redis_prefix=redis_prefix
        )
    data_cache = DataCache(handler, draft=DraftSecret(layout.draft_secret_file), dev=dev)
    route_cache = None
    if not dev and any(module.cached_get for module in modules.values()):
        route_cache = RouteCache(
            handler,
            build_id=build_id,
            prerendered=prerendered,
            data=data_cache,
            max_entries=config.route_cache_max_entries,
        )
    pipeline = Pipeline(table, modules, options, middleware, public, route_cache, data_cache)
    project = LoadedProject(layout, table, modules, config, limits)
    websockets = WebSocketHub(
        config.websocket,
        pubsub=config.pubsub,
        redis_prefix=redis_prefix,
        # approute dev's reloader restarts the server: 1012 says so.
        going_away=(1012, "server restarting") if dev else (1001, "server shutting down"),
    )
    return App(project, pipeline, data_cache, websockets)


def _check_public_conflicts(public: PublicFiles, table: RouteTable, layout: ProjectLayout) -> None:
    """A public file and a route at the same path is an error (Next.js)."""
    if not len(public):
        return
    for route in table.routes:
        clash = [] if table.is_dynamic(route) else public.conflicts([route.pattern])
        if clash:
            file = public.lookup(clash[0])
            raise ProjectError(
                f"A conflicting public file and page file was found for path {clash[0]}: "
                f"{file.display if file else clash[0]} and {layout.where(route.file)}"
            )
