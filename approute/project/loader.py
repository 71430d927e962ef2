"""Load the user's Python files by path.

Folder names like ``[id]`` and ``(group)`` are not importable packages, so
route modules are loaded from their file with a private module name; the
project root is put on ``sys.path`` so that they can import the user's own
modules. Any failure becomes a ``ProjectError`` naming ``file:line``.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Final

from approute.errors import ProjectError

__all__ = [
    "MODULE_PREFIX",
    "add_root_to_path",
    "load_module",
    "relative_name",
    "unload_modules",
]

MODULE_PREFIX = "_approute_user"


def relative_name(path: Path, root: Path) -> str:
    """``path`` as the user sees it: relative to the project root when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def add_root_to_path(root: Path) -> None:
    """Let user code import modules from the project root."""
    text = str(root)
    if text not in sys.path:
        sys.path.insert(0, text)


def _module_name(path: Path, root: Path) -> str:
    rel = relative_name(path, root).removesuffix(".py")
    return f"{MODULE_PREFIX}.{rel.replace('/', '.')}"


def _error_line(error: BaseException, path: Path) -> int | None:
    """The line of ``path`` nearest to where ``error`` was raised."""
    line = None
    for frame in traceback.extract_tb(error.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    return line


def load_module(path: Path, root: Path) -> ModuleType:
    """Execute the file at ``path`` as a fresh module.

    Raises ``ProjectError("app/x/route.py:3: ...")`` when it cannot be loaded.
    """
    where = relative_name(path, root)
    name = _module_name(path, root)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ProjectError(f"{where}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(name, None)
        raise ProjectError(f"{where}:{error.lineno}: syntax error: {error.msg}") from error
    except Exception as error:
        sys.modules.pop(name, None)
        line = _error_line(error, path)
        location = f"{where}:{line}" if line else where
        raise ProjectError(
            f"{location}: failed to import: {type(error).__name__}: {error}{_extra_hint(error)}"
        ) from error
    return module


# The optional packages behind approute's extras, for the hint on a failed import.
_EXTRAS: Final = {
    "pydantic": "approute[pydantic]",
    "msgspec": "approute[msgspec]",
    "PIL": "approute[images]",
    "redis": "approute[redis]",
}


def _extra_hint(error: Exception) -> str:
    if isinstance(error, ModuleNotFoundError) and error.name:
        extra = _EXTRAS.get(error.name.partition(".")[0])
        if extra is not None:
            return f" (pip install '{extra}')"
    return ""


def unload_modules() -> None:
    """Forget every loaded user module (tests and reloads start clean)."""
    for name in [n for n in sys.modules if n == MODULE_PREFIX or n.startswith(MODULE_PREFIX + ".")]:
        del sys.modules[name]
