"""A metadata file → the ``RouteModule`` that serves it, so metadata routes
go through the same router, middleware, route cache, HEAD/405 and build as
every other route.

* A static file (``favicon.ico``, ``icon.png``, ``robots.txt``…) is read once
  at startup and answered with Next.js's content type.
* ``robots.py``/``sitemap.py``/``manifest.py`` define ``robots()``,
  ``sitemap()``, ``manifest()`` (sync or async) returning data, written out
  by ``metadata.robots``/``sitemap``/``manifest``.
* ``icon.py``/``apple-icon.py`` define ``icon()``, ``opengraph-image.py``/
  ``twitter-image.py`` define ``image()``, returning a ``Response`` (an
  ``approute.og.ImageResponse``) or the image's bytes.

Next.js's cache headers: ``public, max-age=0, must-revalidate``, and ``no-cache,
no-store`` for images and static files in dev. They are static (rendered by
``approute build``, or once on first request) unless the module sets
``dynamic``/``revalidate`` or imports ``headers``/``cookies``/``draft_mode``
at its top level; a static one that reads request data anyway fails with
``DynamicUsageError``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import ModuleType
from typing import Any, Final

import anyio.to_thread

from approute.errors import ProjectError
from approute.handlers.context import RouteContext
from approute.handlers.module import RouteModule, served_route_module
from approute.handlers.segment import SegmentConfig, read_segment_config
from approute.http.request import NextRequest
from approute.http.response import Response
from approute.metadata.manifest import render_manifest
from approute.metadata.robots import render_robots
from approute.metadata.shape import Shape
from approute.metadata.sitemap import render_sitemap
from approute.project.callables import defined_at, is_async_callable
from approute.public.files import content_type_for
from approute.routing.metadata_files import METADATA_ID, MetadataFile
from approute.routing.scan import RouteFile

__all__ = ["REVALIDATE", "metadata_route_module"]

REVALIDATE: Final = "public, max-age=0, must-revalidate"
_NO_CACHE: Final = "no-cache, no-store"
_ALLOW: Final = "GET, HEAD"

# Next.js 16.4.6's content types of the text files; images have their
# extension's (as public/ files: a static opengraph-image.gif is image/gif,
# where Next.js sends text/plain).
_TEXT_TYPES: Final = {
    "robots": "text/plain",
    "sitemap": "application/xml",
    "manifest": "application/manifest+json",
}
# Next.js fails the build above these (the sites' own limits).
_SIZE_LIMITS: Final = {"opengraph-image": 8 * 1024 * 1024, "twitter-image": 5 * 1024 * 1024}
_FUNCTIONS: Final = {
    "robots": "robots",
    "sitemap": "sitemap",
    "manifest": "manifest",
    "icon": "icon",
    "apple-icon": "icon",
    "opengraph-image": "image",
    "twitter-image": "image",
}
_TEXT_RENDERERS: Final[dict[str, Callable[[object, str], str]]] = {
    "robots": render_robots,
    "sitemap": render_sitemap,
    "manifest": render_manifest,
}
# Reading these makes a metadata route dynamic (Next.js: dynamic APIs).
_REQUEST_READERS: Final = frozenset({"headers", "cookies", "draft_mode"})
_IMAGE_EXPORTS: Final = ("size", "content_type", "alt")

GetHandler = Callable[[NextRequest, RouteContext[Any]], Awaitable[Response]]


def metadata_route_module(
    route: RouteFile, module: ModuleType | None, *, where: str, dev: bool
) -> RouteModule:
    """The ``RouteModule`` of metadata ``route``: ``module`` is the loaded
    Python file of a generated one, None for a static file."""
    metadata = route.metadata
    if metadata is None:
        raise ValueError(f"{where} is not a metadata route")
    if module is None:
        get, segment = _static_file(route.file, metadata, where, dev)
    else:
        get, segment = _generated(route, metadata, module, where, dev)
    return served_route_module(
        route,
        get,
        where=where,
        allow=_ALLOW,
        module=module or ModuleType(f"metadata:{where}"),
        segment=segment,
        cache_control=REVALIDATE if segment.interval is None else None,
    )


def _static_file(
    file: Path, metadata: MetadataFile, where: str, dev: bool
) -> tuple[GetHandler, SegmentConfig]:
    body = file.read_bytes()
    limit = _SIZE_LIMITS.get(metadata.name)
    if limit is not None and len(body) > limit:
        raise ProjectError(
            f"{where}: File size for {metadata.name} exceeds {limit // (1024 * 1024)}MB "
            f"(current: {len(body) / 1024 / 1024:.2f}MB); link previews would drop it"
        )
    headers = {
        "content-type": _TEXT_TYPES.get(metadata.name) or content_type_for(file.name),
        "cache-control": _NO_CACHE if dev else REVALIDATE,
    }

    async def get(request: NextRequest, ctx: RouteContext[Any]) -> Response:
        return Response(body, headers=headers)

    return get, SegmentConfig(dynamic="force-static")


def _generated(
    route: RouteFile, metadata: MetadataFile, module: ModuleType, where: str, dev: bool
) -> tuple[GetHandler, SegmentConfig]:
    name = _FUNCTIONS[metadata.name]
    func = getattr(module, name, None)
    if not callable(func):
        raise ProjectError(
            f"{where}: define `def {name}(...)` (sync or async): it computes the "
            f"{metadata.name} route"
        )
    listing = _listing(route, metadata, module, where)
    segment = read_segment_config(module, file=route.file, where=where)
    names = vars(module)
    if not any(name in names for name in ("dynamic", "revalidate")):
        # Static by default; dynamic when it imports a request-data reader
        # (the loaded module's own names: no second parse of its source).
        reads_request = bool(_REQUEST_READERS & names.keys())
        segment = replace(segment, dynamic="force-dynamic" if reads_request else "error")
    only_id = all(param.value == METADATA_ID for param in route.params)
    if listing is not None and only_id and segment.generate_static_params is None:
        # approute build prerenders each sitemap or image (Next.js does).
        segment = replace(segment, generate_static_params=functools.partial(listing.static_params))
    if metadata.is_image:
        return _image_handler(func, listing, _image_exports(module, where), where, dev), segment
    return _text_handler(func, listing, metadata.name, where), segment


@dataclass(frozen=True, slots=True)
class _Listing:
    """A module's ``generate_sitemaps()`` or ``generate_image_metadata()``:
    the ids a URL may name."""

    lister: Callable[..., Any]
    call: str  # as messages name it: "generate_sitemaps()"
    known: tuple[str, ...]  # the keys of one item
    suffix: str  # after the id in the URL: ".xml" for sitemaps
    takes_params: bool
    where: str

    async def items(self, params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The listed items, checked: dicts with an ``id``."""
        given = {"params": params} if self.takes_params else {}
        listed = await _call(self.lister, tuple(given), given)
        shape = Shape(self.where, self.call)
        return [
            shape.item(index).mapping(item, self.known, required=("id",))
            for index, item in enumerate(shape.items(listed))
        ]

    async def find(self, url_id: str, params: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The item the URL's id names (``3.xml``: id ``3`` of a sitemap), or None."""
        if not url_id.endswith(self.suffix):
            return None
        wanted = url_id.removesuffix(self.suffix) if self.suffix else url_id
        for item in await self.items(params):
            if str(item["id"]) == wanted:
                return item
        return None

    async def static_params(self) -> list[dict[str, str]]:
        """Every id as the route's params, for ``approute build``."""
        return [{METADATA_ID: f"{item['id']}{self.suffix}"} for item in await self.items({})]


def _listing(
    route: RouteFile, metadata: MetadataFile, module: ModuleType, where: str
) -> _Listing | None:
    """The module's lister, when it defines one; the scan found it in the
    source and gave the route its id segment, so both must agree."""
    name = metadata.lister
    lister = getattr(module, name, None) if name else None
    has_id = any(param.value == METADATA_ID for param in route.params)
    if name is None or (lister is None and not has_id):
        return None
    if (lister is not None) != has_id:
        raise ProjectError(
            f"{where}: define {name} at the top level of the module (a def, an assignment "
            "or an import): approute reads it from the source to know the URLs to serve"
        )
    if not callable(lister):
        raise ProjectError(f"{where}: {name} must be a function; got {type(lister).__name__}")
    if metadata.name == "sitemap":
        return _Listing(lister, f"{name}()", ("id",), ".xml", False, where)
    takes_params = "params" in _accepted(lister, ("params",), where)
    return _Listing(lister, f"{name}()", ("id", *_IMAGE_EXPORTS), "", takes_params, where)


def _text_handler(
    func: Callable[..., Any], listing: _Listing | None, name: str, where: str
) -> GetHandler:
    render = _TEXT_RENDERERS[name]
    accepted = _accepted(func, ("id",), where)
    headers = {"content-type": _TEXT_TYPES[name], "cache-control": REVALIDATE}

    async def get(request: NextRequest, ctx: RouteContext[Any]) -> Response:
        given: dict[str, Any] = {}
        if listing is not None:
            # /sitemap/<id>.xml: one of generate_sitemaps()'s ids, or 404.
            item = await listing.find(str(ctx.params.get(METADATA_ID, "")), {})
            if item is None:
                return Response("Not Found", status=404)
            given["id"] = item["id"]
        return Response(render(await _call(func, accepted, given), where), headers=headers)

    return get


def _image_handler(
    func: Callable[..., Any],
    listing: _Listing | None,
    exports: Mapping[str, Any],
    where: str,
    dev: bool,
) -> GetHandler:
    accepted = _accepted(func, ("params", "id"), where)
    content_type = exports.get("content_type") or "image/png"

    async def get(request: NextRequest, ctx: RouteContext[Any]) -> Response:
        params = {key: value for key, value in ctx.params.items() if key != METADATA_ID}
        given: dict[str, Any] = {"params": params}
        item_type = content_type
        if listing is not None:
            item = await listing.find(str(ctx.params.get(METADATA_ID, "")), params)
            if item is None:
                return Response("Not Found", status=404)
            given["id"] = item["id"]
            item_type = item.get("content_type") or content_type
        result = await _call(func, accepted, given)
        if isinstance(result, bytes | bytearray | memoryview):
            headers = {"content-type": item_type, "cache-control": REVALIDATE}
            result = Response(bytes(result), headers=headers)
        dev_image = dev and isinstance(result, Response)
        if dev_image and result.headers.get("cache-control") == REVALIDATE:
            result.headers.set("cache-control", _NO_CACHE)  # Next.js's ImageResponse in dev
        return result  # type: ignore[no-any-return]  # else dispatch says what to return

    return get


def _image_exports(module: ModuleType, where: str) -> dict[str, Any]:
    """``size``, ``content_type`` and ``alt``, checked. Next.js reads them
    for the page's ``<head>``; approute serves returned bytes with
    ``content_type``."""
    exports = {name: getattr(module, name) for name in _IMAGE_EXPORTS if hasattr(module, name)}
    size = exports.get("size")
    if size is not None:
        shape = Shape(where, "size").key("size")
        checked = shape.mapping(size, ("width", "height"), required=("width", "height"))
        for key, value in checked.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ProjectError(f"{where}: size[{key!r}] must be a positive int; got {value!r}")
    for name in ("content_type", "alt"):
        value = exports.get(name)
        if value is not None and not isinstance(value, str):
            raise ProjectError(f"{where}: {name} must be a str; got {type(value).__name__}")
    return exports


def _accepted(func: Callable[..., Any], offered: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Which of the ``offered`` keyword arguments ``func`` takes (all of them
    with ``**kwargs``); a required parameter that is not offered is an error."""
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return offered
    taken: list[str] = []
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            return offered
        if parameter.name in offered and parameter.kind is not inspect.Parameter.POSITIONAL_ONLY:
            taken.append(parameter.name)
        elif parameter.default is inspect.Parameter.empty and (
            parameter.kind is not inspect.Parameter.VAR_POSITIONAL
        ):
            allowed = " and ".join(f"`{name}`" for name in offered)
            raise ProjectError(
                f"{defined_at(func, where)}: {getattr(func, '__name__', 'the function')}() "
                f"requires `{parameter.name}`; it may take {allowed} as keywords, nothing else"
            )
    return tuple(taken)


async def _call(
    func: Callable[..., Any], accepted: tuple[str, ...], given: Mapping[str, Any]
) -> Any:
    arguments = {name: given[name] for name in accepted if name in given}
    if is_async_callable(func):
        return await func(**arguments)
    # A worker thread: rendering an image takes a while; anyio copies the
    # context, so headers() works there too.
    return await anyio.to_thread.run_sync(functools.partial(func, **arguments))
