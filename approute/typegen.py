"""``approute typegen``: what type checkers need to know about the app's routes.

As ``next build`` writes ``.next/types``, typegen writes
``.approute/types/routes.json``: every route pattern of the app and the
kind of each of its params (``[id]`` → ``"str"``, ``[...slug]`` →
``"list"``, ``[[...slug]]`` → ``"optional_list"``). The mypy plugin
(``approute.mypy_plugin``) reads it to make ``RouteContext["/api/users/[id]"]``
a ``RouteContext`` whose ``params`` is ``{"id": str}``, and to refuse a
route string that names no route. Only the folder tree is read: no route
module is imported, so a broken module does not stop typegen.

When the project's ``pyproject.toml`` has no ``[tool.mypy]`` table, typegen
adds one with the plugin and ``explicit_package_bases`` (folders such as
``[id]`` are not package names), so ``mypy --strict app`` works from the
project root; an existing table is never edited, only checked.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

import orjson

from approute._files import atomic_write
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout
from approute.routing.scan import RouteFile, scan_app
from approute.routing.segments import SegmentKind

__all__ = ["MYPY_TABLE", "TYPES_VERSION", "route_params", "typegen", "typegen_quietly"]

TYPES_VERSION: Final = 1
PLUGIN: Final = "approute.mypy_plugin"
MYPY_TABLE: Final = f"""
[tool.mypy]
# Added by `approute typegen`: typed RouteContext["/route"] params, and
# route folders such as [id] (not package names) checked by path.
plugins = ["{PLUGIN}"]
explicit_package_bases = true
"""

logger = logging.getLogger("approute")

_KINDS: Final = {
    SegmentKind.DYNAMIC: "str",
    SegmentKind.CATCH_ALL: "list",
    SegmentKind.OPTIONAL_CATCH_ALL: "optional_list",
}


def route_params(route: RouteFile) -> dict[str, str]:
    """The route's params in URL order, each with its kind."""
    return {
        segment.value: _KINDS[segment.kind]
        for segment in route.segments
        if segment.kind is not SegmentKind.STATIC
    }


def _pyproject_hint(layout: ProjectLayout) -> str | None:
    """Add ``[tool.mypy]`` when missing; a line to print when it exists
    without the plugin (None when nothing is to be said)."""
    path = layout.root / "pyproject.toml"
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if "[tool.mypy]" not in text:
        if text and not text.endswith("\n"):
            text += "\n"
        try:
            atomic_write(path, (text + MYPY_TABLE if text else MYPY_TABLE.lstrip()).encode())
        except OSError as error:
            return f"could not add a [tool.mypy] table to pyproject.toml ({error})"
        return None
    if PLUGIN not in text:
        return (
            f"pyproject.toml has a [tool.mypy] table without the plugin: add "
            f'plugins = ["{PLUGIN}"] and explicit_package_bases = true to it'
        )
    return None


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
