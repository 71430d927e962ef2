"""``openapi = {...}`` in approute.config.py → the routes that serve the
document and the docs page, as route modules, so they go through the same
router, middleware, config headers, HEAD and 405 as every route.

Built at startup after the user's modules are loaded (the document
describes them, not itself): the document is written once, the docs
page's files read once. A user route at one of these URLs is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import orjson

from approute.config.openapi import OpenAPIConfig
from approute.errors import ProjectError
from approute.handlers.context import RouteContext
from approute.handlers.methods import allow_header
from approute.handlers.module import RouteModule, served_route_module
from approute.http.request import NextRequest
from approute.http.response import Response
from approute.openapi.docs_page import docs_page
from approute.openapi.document import SERVED_MODULE, openapi_document
from approute.project.layout import CONFIG_FILE
from approute.routing.scan import RouteFile
from approute.routing.segments import Segment, SegmentKind
from approute.routing.table import RouteTable

__all__ = ["openapi_routes"]

_JSON: Final = "application/json"
_HTML: Final = "text/html; charset=utf-8"
# Not a file on disk: the key the router and the pipeline know them by.
_FILES: Final = Path("<approute openapi>")


def openapi_routes(
    config: OpenAPIConfig | None,
    table: RouteTable,
    modules: Mapping[Path, RouteModule],
    *,
    base_path: str = "",
) -> list[tuple[RouteFile, RouteModule]]:
    """The routes serving the OpenAPI document of ``table`` at
    ``config.path`` and the docs page at ``config.docs`` (its files below
    it); none when ``config`` is None."""
    if config is None:
        return []
    where = f"{CONFIG_FILE}: openapi"
    document = openapi_document(
        table, modules, title=config.title, version=config.version, base_path=base_path
    )
    served = [_route(config.path, orjson.dumps(document), _JSON, f"{where}['path']")]
    if config.docs is not None:
        page = docs_page(
            docs_url=base_path + config.docs,
            document_url=base_path + config.path,
            title=config.title,
            where=f"{where}['docs']",
        )
        served.append(_route(config.docs, page.index, _HTML, f"{where}['docs']"))
        for name, (body, content_type) in page.files.items():
            served.append(_route(f"{config.docs}/{name}", body, content_type, f"{where}['docs']"))
    _check_free(served, table)
    return served


def _route(
    pattern: str, body: bytes, content_type: str, where: str
) -> tuple[RouteFile, RouteModule]:
    segments = tuple(Segment(SegmentKind.STATIC, part) for part in pattern.split("/")[1:])
    file = _FILES / pattern.lstrip("/")
    route = RouteFile(file=file, kind="route", pattern=pattern, segments=segments, display=where)
    headers = {"content-type": content_type}

    async def get(request: NextRequest, ctx: RouteContext[Any]) -> Response:
        return Response(body, headers=headers)

    module = served_route_module(
        route,
        get,
        where=where,
        allow=allow_header({"GET"}),
        module=ModuleType(f"{SERVED_MODULE}:{pattern}"),
    )
    return route, module


def _check_free(served: list[tuple[RouteFile, RouteModule]], table: RouteTable) -> None:
    """Each URL served here is free: no user route there, no two of ours."""
    taken = {route.segments: route for route in table.routes}
    for route, _ in served:
        other = taken.get(route.segments)
        if other is not None:
            raise ProjectError(
                f"{route.where} serves {route.pattern}, which {other.where} serves too; "
                f"move the route or choose another URL in {CONFIG_FILE}"
            )
        taken[route.segments] = route
