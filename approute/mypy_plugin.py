"""The mypy plugin: ``RouteContext["/api/users/[id]"]`` as Next.js's
``RouteContext<'/api/users/[id]'>``.

Enable it in the project's ``pyproject.toml`` (``approute typegen`` adds
this when there is no ``[tool.mypy]`` table yet)::

    [tool.mypy]
    plugins = ["approute.mypy_plugin"]
    explicit_package_bases = true

The route string must be a route of the app, as ``approute typegen`` last
listed it in ``.approute/types/routes.json`` (next to the mypy config
file, else in the current folder). ``ctx.params`` is then a TypedDict:
``[id]`` → ``str``, ``[...slug]`` → ``list[str]``, ``[[...slug]]`` → a
``list[str]`` that may be absent. A route string the app does not have is
an ``approute-route`` error naming the routes it has. Plain
``RouteContext`` keeps ``dict[str, str | list[str]]``; ``RouteContext[T]``
with a type is left to mypy. Only this module imports mypy: approute never
imports it at run time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import orjson
from mypy.errorcodes import ErrorCode
from mypy.options import Options
from mypy.plugin import AnalyzeTypeContext, Plugin
from mypy.types import AnyType, RawExpressionType, Type, TypedDictType, TypeOfAny, UnionType

__all__ = ["ROUTE_ERROR", "RouteContextPlugin", "plugin"]

ROUTE_ERROR: Final = ErrorCode(
    "approute-route", "RouteContext names no route of the app", "approute"
)
_ROUTE_CONTEXT: Final = "approute.handlers.context.RouteContext"
_ROUTES_FILE: Final = Path(".approute") / "types" / "routes.json"
_SHOWN: Final = 8  # routes listed in an error message


def _read_routes(options: Options) -> dict[str, dict[str, str]] | None:
    """The app's routes from typegen's file; None when there is none."""
    folders = [Path(options.config_file).resolve().parent] if options.config_file else []
    folders.append(Path.cwd())
    for folder in folders:
        try:
            document = orjson.loads((folder / _ROUTES_FILE).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        routes = document.get("routes") if isinstance(document, dict) else None
        if isinstance(routes, dict):
            return routes
    return None


class RouteContextPlugin(Plugin):
    """Types ``RouteContext`` annotations from the app's route list."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self._routes = _read_routes(options)

    def get_type_analyze_hook(self, fullname: str) -> Callable[[AnalyzeTypeContext], Type] | None:
        return self._analyze if fullname == _ROUTE_CONTEXT else None

    def _analyze(self, ctx: AnalyzeTypeContext) -> Type:
        api = ctx.api
        args = ctx.type.args
        string = api.named_type("builtins.str", [])
        if not args:  # plain RouteContext: any route's params
            values = UnionType([string, api.named_type("builtins.list", [string])])
            return api.named_type(
                _ROUTE_CONTEXT, [api.named_type("builtins.dict", [string, values])]
            )
        first = args[0]
        if len(args) != 1 or not isinstance(first, RawExpressionType):
            return api.named_type(_ROUTE_CONTEXT, [api.analyze_type(arg) for arg in args])
        route = first.literal_value
        if not isinstance(route, str):
            api.fail("RouteContext[...] takes a route string or a params type", ctx.context)
            return AnyType(TypeOfAny.from_error)
        if self._routes is None:
            api.fail(
                f'RouteContext["{route}"]: no route list; run `approute typegen` in the '
                "project folder (it writes .approute/types/routes.json)",
                ctx.context,
                code=ROUTE_ERROR,
            )
            return AnyType(TypeOfAny.from_error)
        params = self._routes.get(route)
        if params is None:
            known = sorted(self._routes)
            shown = ", ".join(known[:_SHOWN]) + (", …" if len(known) > _SHOWN else "")
            api.fail(
                f'RouteContext["{route}"]: the app has no route {route} (its routes: {shown})',
                ctx.context,
                code=ROUTE_ERROR,
            )
            return AnyType(TypeOfAny.from_error)
        listed = api.named_type("builtins.list", [string])
        items: dict[str, Type] = {
            name: string if kind == "str" else listed for name, kind in params.items()
        }
        required = {name for name, kind in params.items() if kind != "optional_list"}
        fallback = api.named_type("typing._TypedDict", [])
        typed = TypedDictType(items, required, set(), fallback)
        return api.named_type(_ROUTE_CONTEXT, [typed])


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point."""
    return RouteContextPlugin
