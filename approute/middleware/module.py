"""``MiddlewareModule``: the loaded ``middleware.py`` / ``proxy.py``, read once."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from approute.errors import ProjectError
from approute.middleware.matcher import MiddlewareMatcher, compile_matcher

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


def _positional_count(func: Callable[..., Any], where: str) -> int:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return 2
    count = 0
    required = 0
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            return 2
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
            required += parameter.default is parameter.empty
    if required > 2 or count == 0:
        raise ProjectError(f"{where}: the middleware function takes (request) or (request, event)")
    return min(count, 2)


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
    call = getattr(func, "__call__", None)  # noqa: B004 - async callable objects
    is_async = inspect.iscoroutinefunction(func) or (
        call is not None and inspect.iscoroutinefunction(call)
    )
    return MiddlewareModule(
        file=file,
        where=where,
        func=func,
        is_async=is_async,
        takes_event=_positional_count(func, where) == 2,
        matcher=compile_matcher(getattr(module, "config", None), where=where),
    )
