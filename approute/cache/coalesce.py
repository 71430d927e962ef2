"""``Coalescer``: at most one run per key at a time, for the route cache and
the data cache alike (concurrent misses wait for one computation; a stale
entry starts one background refresh, never a stampede)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from contextvars import Context
from typing import Any, Generic, TypeVar

__all__ = ["Coalescer"]

T = TypeVar("T")


class Coalescer(Generic[T]):
    """Runs keyed computations once at a time and keeps background runs alive."""

    __slots__ = ("_inflight", "_tasks")

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Task[T]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def running(self, key: str) -> bool:
        """Whether a computation for ``key`` is under way."""
        return key in self._inflight

    async def run(self, key: str, start: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The result of the running computation for ``key``, or of a new one
        made by ``start()``. A caller that goes away does not cancel it."""
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.get_running_loop().create_task(start())
            self._inflight[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
        return await asyncio.shield(task)

    def _finished(self, key: str, task: asyncio.Task[T]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: waiters that went away never see it

    def in_background(
        self, work: Coroutine[Any, Any, object], *, context: Context | None = None
    ) -> None:
        """Run ``work`` after the caller is done; :meth:`drain` waits for it."""
        task = asyncio.get_running_loop().create_task(work, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every background run (shutdown, tests)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
