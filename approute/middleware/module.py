"""``MiddlewareModule``: the loaded ``middleware.py`` / ``proxy.py``, read once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from approute.errors import ProjectError
from approute.middleware.matcher import MiddlewareMatcher, compile_matcher
from approute.project.callables import is_async_callable, positional_shape

__all__ = ["MiddlewareModule", "read_middleware_module"]


@dataclass(frozen=True, slots=True)
class MiddlewareModule:
    """The middleware function, how to call it, and when."""

    file: Path
    where: str
    func: Callable[..., Any]
    is_async: bool
    takes_event: bool
    matcher: MiddlewareMatcher


def _takes_event(func: Callable[..., Any], where: str) -> bool:
    """Whether to pass ``(request, event)`` rather than ``(request)``."""
    shape = positional_shape(func)
    if shape is None or shape.variadic:
        return True
    if shape.required > 2 or shape.positional == 0:
        raise ProjectError(f"{where}: the middleware function takes (request) or (request, event)")
    return shape.positional >= 2


def read_middleware_module(module: ModuleType, *, file: Path, where: str) -> MiddlewareModule:
    """Find the function (``middleware`` in middleware.py, ``proxy`` in proxy.py)
    and compile ``config["matcher"]``."""
    name = file.stem
    func = getattr(module, name, None)
    if func is None:
        other = "proxy" if name == "middleware" else "middleware"
        hint = f" (found `{other}`: rename it)" if callable(getattr(module, other, None)) else ""
        raise ProjectError(f"{where} must export a function named `{name}`{hint}")
    if not callable(func):
        raise ProjectError(f"{where}: `{name}` must be a function; got {type(func).__name__}")
    return MiddlewareModule(
        file=file,
        where=where,
        func=func,
        is_async=is_async_callable(func),
        takes_event=_takes_event(func, where),
        matcher=compile_matcher(getattr(module, "config", None), where=where),
    )
