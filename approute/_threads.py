"""``run_sync``: a sync function of the project's (a handler, a middleware)
in a worker thread, its exception raised with the project's frames.

anyio hands a worker's exception back through an asyncio future; re-raised
from there into a compiled caller (docs/compiled.md), the traceback lost
the frames of the function that raised, so logs and dev error pages could
not say where. The exception comes back as a value instead and is raised
here, in Python code, with its traceback whole (tests/test_tracebacks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread

__all__ = ["run_sync"]


class _Raised:
    """What the function raised, carried out of its worker thread."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


def _captured(func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        return func(*args)
    except Exception as error:
        return _Raised(error)


async def run_sync(func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a worker thread (anyio copies the context in, so
    ``headers()``/``cookies()`` work there); what it raises is raised here."""
    outcome = await anyio.to_thread.run_sync(_captured, func, args)
    if isinstance(outcome, _Raised):
        raise outcome.error
    return outcome
