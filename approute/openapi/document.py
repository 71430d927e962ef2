"""The project's route handlers as an OpenAPI 3.1.0 document.

    document = openapi_document(app.project.table, app.project.modules,
                                title="shop", version="1.0.0")

Every ``route.py`` and each method it exports is an operation, HEAD and
OPTIONS excepted (approute answers them itself). Pages, metadata routes
and the routes approute serves itself (this document, the docs page) are
left out. The rules (docs/openapi.md):

* paths: ``/api/items/[id]`` → ``/api/items/{id}``; a catch-all
  ``[...path]`` → ``{path}``; an optional catch-all ``[[...slug]]`` gives two
  path items, ``/api/docs/{slug}`` and ``/api/docs``, with one operation
  each (OpenAPI path params are always required);
* ``operationId``: the method and the route's segments, ``get_api_items_id``,
  ``_empty`` after it for the path without an optional catch-all, ``_2``…
  when two routes spell alike;
* ``tags``: ``@api(tags=...)``, else the route's first static segment after a
  leading ``api`` (``/api/items/[id]`` → ``items``, ``/health`` → ``health``);
* ``summary``/``description``: ``@api``'s, else the docstring's first line
  and the rest.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

from approute.handlers.methods import HTTP_METHODS
from approute.handlers.module import RouteModule
from approute.openapi.components import Components
from approute.openapi.operation import operation
from approute.routing.scan import RouteFile
from approute.routing.segments import Segment, SegmentKind
from approute.routing.table import RouteTable

__all__ = ["OPENAPI_VERSION", "SERVED_MODULE", "openapi_document"]

OPENAPI_VERSION: Final = "3.1.0"
# The module name of the routes approute serves itself (document, docs
# page): the document describes the user's routes only.
SERVED_MODULE: Final = "approute.openapi.served"
# approute answers these itself (HEAD from GET, OPTIONS with Allow).
_SKIPPED: Final = frozenset({"HEAD", "OPTIONS"})
_WORD_CHARS: Final = frozenset(string.ascii_letters + string.digits)


def openapi_document(
    table: RouteTable,
    modules: Mapping[Path, RouteModule],
    *,
    title: str,
    version: str,
    base_path: str = "",
) -> dict[str, Any]:
    """The OpenAPI 3.1.0 document of ``table``'s route handlers (pages,
    metadata routes, HEAD and OPTIONS left out); ``base_path`` becomes its
    one server URL."""
    components = Components()
    found: list[tuple[str, str, str, dict[str, Any]]] = []  # path, method, id, operation
    for route in table.routes:
        module = modules.get(route.file)
        if route.kind != "route" or module is None or _served(module):
            continue
        route_tags = _route_tags(route)
        for path, params, suffix in _variants(route):
            for method in HTTP_METHODS:
                handler = module.handlers.get(method)
                if handler is None or method in _SKIPPED:
                    continue
                op = operation(handler, params, components)
                declared = handler.declaration.options.tags if handler.declaration else None
                tags = list(declared) if declared is not None else route_tags
                if tags:
                    op = {"tags": tags, **op}
                found.append((path, method.lower(), _operation_id(method, route) + suffix, op))
    paths: dict[str, dict[str, Any]] = {}
    taken: set[str] = set()
    for path, method, base_id, op in sorted(found, key=lambda item: item[0]):
        op["operationId"] = _unique(base_id, taken)
        paths.setdefault(path, {})[method] = op
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version},
    }
    if base_path:
        document["servers"] = [{"url": base_path}]
    document["paths"] = paths
    schemas = components.schemas
    if schemas:
        document["components"] = {"schemas": schemas}
    return document


def _served(module: RouteModule) -> bool:
    return module.module.__name__.startswith(SERVED_MODULE)


def _variants(route: RouteFile) -> list[tuple[str, tuple[Segment, ...], str]]:
    """``(path, its params, operationId suffix)``: one, or two for an
    optional catch-all (with it, and without it)."""
    parts = [
        segment.value if segment.kind is SegmentKind.STATIC else "{" + segment.value + "}"
        for segment in route.segments
    ]
    variants = [("/" + "/".join(parts), route.params, "")]
    last = route.segments[-1] if route.segments else None
    if last is not None and last.kind is SegmentKind.OPTIONAL_CATCH_ALL:
        variants.append(("/" + "/".join(parts[:-1]), route.params[:-1], "_empty"))
    return variants


def _route_tags(route: RouteFile) -> list[str]:
    statics = [unquote(s.value) for s in route.segments if s.kind is SegmentKind.STATIC]
    if statics[:1] == ["api"] and len(statics) > 1:
        return [statics[1]]
    return statics[:1]


def _operation_id(method: str, route: RouteFile) -> str:
    # Every run of other characters is one "_": /api/a-b → api_a_b.
    text = " ".join(unquote(segment.value) for segment in route.segments)
    words = "".join(char if char in _WORD_CHARS else " " for char in text).split()
    return "_".join([method.lower(), *(words or ["index"])])


def _unique(base: str, taken: set[str]) -> str:
    name, count = base, 1
    while name in taken:
        count += 1
        name = f"{base}_{count}"
    taken.add(name)
    return name
