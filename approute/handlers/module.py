"""``RouteModule``: a loaded ``route.py`` or ``page.py``, its exports read once.

Everything a request needs is decided here at startup: which methods exist,
whether each handler is async, how many arguments it takes, and the
``Allow`` value. A request only looks these up.
"""

from __future__ import annotations

import logging
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from approute.errors import ProjectError
from approute.handlers.context import RouteContext, RouteParams
from approute.handlers.declaration import Declaration, read_declaration
from approute.handlers.methods import HTTP_METHODS, allow_header
from approute.handlers.segment import SegmentConfig, read_segment_config
from approute.http.dev_error import dev_error_response
from approute.project.callables import defined_at, is_async_callable, positional_shape
from approute.routing.scan import RouteFile, RouteKind

__all__ = [
    "Handler",
    "RouteModule",
    "broken_route_module",
    "export_warnings",
    "read_route_module",
    "served_route_module",
]

logger = logging.getLogger("approute")

ProblemShaper = Callable[[dict[str, Any], Any], Any]

_PAGE_ALLOW = "GET, HEAD"
# What a handler's second parameter may be annotated with, as written.
_CONTEXT_NAMES: Final = frozenset({"RouteContext", "Input", "Any", "object"})


@dataclass(frozen=True, slots=True)
class Handler:
    """One exported method handler, inspected at load time."""

    func: Callable[..., Any]
    method: str
    is_async: bool
    arity: int  # how many of (request, ctx) it takes: 0, 1 or 2
    # What it accepts and answers (Input[...] / @api), compiled; None: undeclared.
    declaration: Declaration | None = None


@dataclass(frozen=True, slots=True)
class RouteModule:
    """A route or page module ready to dispatch."""

    file: Path
    where: str  # the path shown to the user in messages (app/api/x/route.py)
    pattern: str  # the route, e.g. "/api/users/[id]"
    kind: RouteKind
    handlers: Mapping[str, Handler]
    allow: str
    module: ModuleType
    segment: SegmentConfig = field(default_factory=SegmentConfig)
    param_names: tuple[str, ...] = ()  # the route's params in URL order
    # The Cache-Control of its cached responses when the route fixes it
    # (metadata routes: Next.js's "public, max-age=0, must-revalidate");
    # None: the route cache's s-maxage.
    cache_control: str | None = None
    # The one "cacheable GET" decision: the segment config caches it and the
    # module exports GET. The router, the app and the build all read this.
    cached_get: bool = field(init=False)
    # ctx.params' type: a dict whose missing key names the route's params.
    params_type: type[RouteParams] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cached_get", self.segment.cached and "GET" in self.handlers)
        params_type = RouteParams.for_route(self.pattern, self.param_names)
        object.__setattr__(self, "params_type", params_type)

    @property
    def methods(self) -> frozenset[str]:
        """The methods the module exports itself."""
        return frozenset(self.handlers)


def _arity(func: Callable[..., Any], name: str, where: str, pattern: str) -> int:
    """How many of ``(request, ctx)`` to pass; a signature that cannot take
    them is a ``ProjectError`` naming the file and line."""
    location = defined_at(func, where)
    shape = positional_shape(func)
    if shape is None:
        return 2
    if shape.required_keyword is not None:
        raise ProjectError(
            f"{location}: {name} has a required keyword-only argument "
            f"{shape.required_keyword!r}; a handler takes (request) or (request, ctx)"
        )
    if shape.required > 2:
        raise ProjectError(
            f"{location}: {name} takes {shape.required} required arguments; "
            "a handler takes (request) or (request, ctx)"
        )
    if shape.second is not None and not _is_context_annotation(shape.second[1]):
        parameter, annotation = shape.second
        written = annotation if isinstance(annotation, str) else _type_name(annotation)
        raise ProjectError(
            f"{location}: {name}'s second parameter `{parameter}: {written}` receives the "
            f"route's RouteContext, not a param value; annotate it "
            f'`ctx: RouteContext["{pattern}"]` and read ctx.params (docs/types.md)'
        )
    return 2 if shape.variadic else min(shape.positional, 2)


def _type_name(annotation: Any) -> str:
    return getattr(annotation, "__qualname__", None) or repr(annotation)


def _is_context_annotation(annotation: Any) -> bool:
    """``RouteContext`` (plain, with a route string or a params type), or
    something as wide as ``Any``/``object``: what the second argument is."""
    if isinstance(annotation, str):
        text = annotation.replace(" ", "")
        head = text.split("[", 1)[0].rsplit(".", 1)[-1]
        return head in _CONTEXT_NAMES
    if annotation in (Any, object):
        return True
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, RouteContext)


def _handler(
    func: Any, name: str, where: str, route: RouteFile, reshape: ProblemShaper | None = None
) -> Handler:
    if not callable(func):
        raise ProjectError(
            f"{where}: {name} must be a function (sync or async); got {type(func).__name__}"
        )
    arity = _arity(func, name, where, route.pattern)
    names = tuple(param.value for param in route.params)
    return Handler(
        func=func,
        method=name,
        is_async=is_async_callable(func),
        arity=arity,
        declaration=read_declaration(func, name, where, names, reshape),
    )


def export_warnings(module: ModuleType, where: str) -> list[str]:
    """Exports that look like handlers but are not (Next.js: lower-case names)."""
    warnings = []
    for name in vars(module):
        upper = name.upper()
        if upper in HTTP_METHODS and name != upper and callable(getattr(module, name)):
            warnings.append(f"{where}: exports `{name}`, which is not a handler; export `{upper}`")
        elif upper == "TRACE" or upper == "CONNECT":
            warnings.append(f"{where}: `{name}` is not a supported method; it is ignored")
    return warnings


def _route_module(
    route: RouteFile,
    where: str,
    handlers: Mapping[str, Handler],
    allow: str,
    module: ModuleType,
    segment: SegmentConfig | None = None,
    cache_control: str | None = None,
) -> RouteModule:
    return RouteModule(
        file=route.file,
        where=where,
        pattern=route.pattern,
        kind=route.kind,
        handlers=handlers,
        allow=allow,
        module=module,
        segment=segment or SegmentConfig(),
        param_names=tuple(param.value for param in route.params),
        cache_control=cache_control,
    )


def served_route_module(
    route: RouteFile,
    get: Callable[..., Any],
    *,
    where: str,
    allow: str,
    module: ModuleType,
    segment: SegmentConfig | None = None,
    cache_control: str | None = None,
) -> RouteModule:
    """A route whose only handler approute writes itself (a metadata file,
    the OpenAPI document): ``async def get(request, ctx)``."""
    handlers = {"GET": Handler(func=get, method="GET", is_async=True, arity=2)}
    return _route_module(route, where, handlers, allow, module, segment, cache_control)


def read_route_module(
    module: ModuleType,
    route: RouteFile,
    *,
    where: str,
    problem_details: ProblemShaper | None = None,
) -> RouteModule:
    """Inspect a loaded module's exports into a ``RouteModule`` for ``route``
    (``where``: its file as messages name it; ``problem_details``: the
    config's hook for declared handlers' error bodies)."""
    handlers: dict[str, Handler] = {}
    if route.kind == "page":
        page = getattr(module, "page", None)
        if page is None:
            raise ProjectError(f"{where}: a page module must export `def page(request, ctx)`")
        handlers["GET"] = _handler(page, "page", where, route, problem_details)
        allow = _PAGE_ALLOW
    else:
        for method in HTTP_METHODS:
            func = getattr(module, method, None)
            if func is not None:
                handlers[method] = _handler(func, method, where, route, problem_details)
        allow = allow_header(set(handlers))
    for warning in export_warnings(module, where):
        logger.warning(warning)
    segment = (
        read_segment_config(module, file=route.file, where=where) if route.kind == "route" else None
    )
    return _route_module(route, where, handlers, allow, module, segment)


def broken_route_module(error: ProjectError, route: RouteFile, *, where: str) -> RouteModule:
    """``approute dev`` with one broken route module: the route answers every
    method with the error (500, text), and the other routes serve on."""
    title = f"approute could not load {where}:"

    async def show(request: Any) -> Any:
        return dev_error_response(title, f"{error}\n", request.headers.get("accept"))

    handlers = {
        method: Handler(func=show, method=method, is_async=True, arity=1) for method in HTTP_METHODS
    }
    return _route_module(
        route, where, handlers, allow_header(set(handlers)), ModuleType(f"broken:{where}")
    )
