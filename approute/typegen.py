"""``approute typegen``: what type checkers need to know about the app's routes.

As ``next build`` writes ``.next/types``, typegen writes two files under
``.approute/types/``:

* ``routes.json``: every route pattern and the kind of each of its params
  (``[id]`` → ``"str"``, ``[...slug]`` → ``"list"``, ``[[...slug]]`` →
  ``"optional_list"``), which the mypy plugin (``approute.mypy_plugin``)
  reads to type ``RouteContext["/api/users/[id]"]``;
* ``app_routes.pyi``: the same as types any checker reads, pyright
  included: a ``TypedDict`` of params per route (``ApiUsersIdParams``, for
  ``RouteContext[ApiUsersIdParams]``), ``Route``, the ``Literal`` of every
  route pattern, and ``StaticRoute``, of those without params (typed
  navigation: ``to: StaticRoute = "/about"`` then ``redirect(to)``).

Only the folder tree is read: no route module is imported, so a broken
module does not stop typegen. When the project's ``pyproject.toml`` has no
``[tool.mypy]`` (or ``[tool.pyright]``) table, typegen adds one; an
existing table is never edited, only checked (docs/types.md).
"""

from __future__ import annotations

import keyword
import logging
import os
import re
from pathlib import Path
from typing import Final

import orjson

from approute._files import atomic_write
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout
from approute.routing.scan import RouteFile, scan_app
from approute.routing.segments import SegmentKind

__all__ = [
    "MYPY_TABLE",
    "PYRIGHT_TABLE",
    "STUB_MODULE",
    "TYPES_VERSION",
    "params_names",
    "route_params",
    "typegen",
    "typegen_quietly",
]

TYPES_VERSION: Final = 1
PLUGIN: Final = "approute.mypy_plugin"
STUB_MODULE: Final = "app_routes"
MYPY_TABLE: Final = f"""
[tool.mypy]
# Added by `approute typegen` (docs/types.md): typed RouteContext params,
# the generated {STUB_MODULE} module, route folders such as [id] by path.
plugins = ["{PLUGIN}"]
mypy_path = ".approute/types"
explicit_package_bases = true
"""
PYRIGHT_TABLE: Final = f"""
[tool.pyright]
# Added by `approute typegen` (docs/types.md): the generated {STUB_MODULE} module.
extraPaths = [".approute/types"]
reportMissingModuleSource = false
"""

logger = logging.getLogger("approute")

_KINDS: Final = {
    SegmentKind.DYNAMIC: "str",
    SegmentKind.CATCH_ALL: "list",
    SegmentKind.OPTIONAL_CATCH_ALL: "optional_list",
}


def route_params(route: RouteFile) -> dict[str, str]:
    """The route's params in URL order, each with its kind."""
    return {param.value: _KINDS[param.kind] for param in route.params}


def _pyproject_hint(layout: ProjectLayout) -> str | None:
    """Add the ``[tool.mypy]`` and ``[tool.pyright]`` tables that are
    missing; a line to print when the mypy table exists without the plugin
    (None when nothing is to be said)."""
    path = layout.root / "pyproject.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    hint = None
    if "[tool.mypy]" in text and PLUGIN not in text:
        hint = (
            f"pyproject.toml has a [tool.mypy] table without the plugin: add "
            f'plugins = ["{PLUGIN}"], mypy_path = ".approute/types" and '
            "explicit_package_bases = true to it"
        )
    added = "".join(
        table
        for name, table in (("[tool.mypy]", MYPY_TABLE), ("[tool.pyright]", PYRIGHT_TABLE))
        if name not in text
    )
    if added:
        if text and not text.endswith("\n"):
            text += "\n"
        try:
            atomic_write(path, (text + added if text else added.lstrip()).encode())
        except OSError as error:
            return f"could not add [tool.mypy]/[tool.pyright] to pyproject.toml ({error})"
    return hint


def params_names(patterns: list[str]) -> dict[str, str]:
    """The TypedDict name of each route's params: its words in CamelCase
    (``/api/users/[id]`` → ``ApiUsersIdParams``, ``/`` → ``RootParams``);
    two routes that spell alike get a number, in pattern order."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for pattern in sorted(patterns):
        words = re.findall(r"[A-Za-z0-9]+", pattern)
        stem = "".join(word[:1].upper() + word[1:] for word in words) or "Root"
        if stem[0].isdigit():
            stem = "Route" + stem
        name, number = f"{stem}Params", 2
        while name in taken:
            name, number = f"{stem}Params{number}", number + 1
        taken.add(name)
        names[pattern] = name
    return names


def _literal(name: str, patterns: list[str]) -> list[str]:
    """``name = Literal[...]`` of ``patterns`` (``Never`` when there are none)."""
    if not patterns:
        return [f"{name} = Never"]
    quoted = [f"    {orjson.dumps(pattern).decode()}," for pattern in patterns]
    return [f"{name} = Literal[", *quoted, "]"]


def _typed_dict(name: str, pattern: str, params: dict[str, str]) -> list[str]:
    """The params of one route as a TypedDict: the class form, or the
    functional one when a param name is not an identifier (``[user-id]``)."""
    types = {"str": "str", "list": "list[str]", "optional_list": "NotRequired[list[str]]"}
    if all(param.isidentifier() and not keyword.iskeyword(param) for param in params):
        fields = [f"    {param}: {types[kind]}" for param, kind in params.items()]
        return [f"class {name}(TypedDict):", f'    """Params of {pattern}."""', *fields]
    items = ", ".join(
        f"{orjson.dumps(param).decode()}: {types[kind]}" for param, kind in params.items()
    )
    return [f"# Params of {pattern}.", f"{name} = TypedDict({name!r}, {{{items}}})"]


def _stub(routes: dict[str, dict[str, str]]) -> str:
    """``app_routes.pyi``: a TypedDict of params per route, ``Route`` and
    ``StaticRoute``."""
    names = params_names(list(routes))
    patterns = sorted(routes)
    lines = [
        '"""The app\'s routes, generated by `approute typegen`: do not edit."""',
        "",
        "from typing import Literal, Never, TypedDict",
        "",
        "from typing_extensions import NotRequired",
        "",
        "# Every route pattern of the app.",
        *_literal("Route", patterns),
        "# The routes without params: paths a redirect() may name as they are.",
        *_literal("StaticRoute", [pattern for pattern in patterns if not routes[pattern]]),
    ]
    for pattern in patterns:
        lines += ["", "", *_typed_dict(names[pattern], pattern, routes[pattern])]
    return "\n".join(lines) + "\n"


def typegen(root: str | os.PathLike[str] | ProjectLayout) -> tuple[Path, str | None]:
    """Write ``.approute/types/routes.json`` for the project at ``root``;
    the file written, and a hint about the checker's configuration (None
    when it is fine)."""
    layout = root if isinstance(root, ProjectLayout) else ProjectLayout.find(root)
    routes = {
        route.pattern: route_params(route)
        for route in sorted(scan_app(layout.app_dir), key=lambda item: item.pattern)
    }
    document = {"version": TYPES_VERSION, "routes": routes}
    target = layout.types_dir / "routes.json"
    atomic_write(target, orjson.dumps(document, option=orjson.OPT_INDENT_2))
    atomic_write(layout.types_dir / f"{STUB_MODULE}.pyi", _stub(routes).encode())
    return target, _pyproject_hint(layout)


def typegen_quietly(root: str | os.PathLike[str] | ProjectLayout) -> Path | None:
    """``typegen`` for ``approute dev`` and ``build``: a failure is a warning
    (the types are for the editor; serving or building goes on)."""
    try:
        written, hint = typegen(root)
    except (ProjectError, OSError) as error:
        logger.warning("approute typegen: %s", error)
        return None
    if hint is not None:
        logger.warning("approute typegen: %s", hint)
    return written
