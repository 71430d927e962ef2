"""What user callables (handlers, middleware) accept, read once at load."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["PositionalShape", "defined_at", "is_async_callable", "positional_shape"]


def is_async_callable(func: Callable[..., Any]) -> bool:
    """An ``async def`` function, or an object whose ``__call__`` is one."""
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(func, "__call__", None)  # noqa: B004 - async callable objects
    return call is not None and inspect.iscoroutinefunction(call)


@dataclass(frozen=True, slots=True)
class PositionalShape:
    """How a callable takes positional arguments."""

    positional: int  # positional parameters
    required: int  # of which without a default
    variadic: bool  # has *args
    required_keyword: str | None  # the first keyword-only parameter without a default
    # The second positional parameter's name and annotation as written (a
    # string under `from __future__ import annotations`), or None.
    second: tuple[str, Any] | None = None


def positional_shape(func: Callable[..., Any]) -> PositionalShape | None:
    """The shape of ``func``'s signature; None when it cannot be read
    (builtins): callers then pass everything."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    positional = required = 0
    variadic = False
    required_keyword = None
    second = None
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            positional += 1
            required += parameter.default is parameter.empty
            if positional == 2 and parameter.annotation is not parameter.empty:
                second = (parameter.name, parameter.annotation)
        elif parameter.kind is parameter.VAR_POSITIONAL:
            variadic = True
        elif (
            parameter.kind is parameter.KEYWORD_ONLY
            and parameter.default is parameter.empty
            and required_keyword is None
        ):
            required_keyword = parameter.name
    return PositionalShape(positional, required, variadic, required_keyword, second)


def defined_at(func: Any, where: str) -> str:
    """``where:line`` of ``func``'s ``def`` for messages; ``where`` alone when
    the line is unknown (a builtin, a callable object)."""
    code = getattr(func, "__code__", None)
    return f"{where}:{code.co_firstlineno}" if code is not None else where
