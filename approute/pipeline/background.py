"""``after()`` and ``wait_until()`` work, run once the response is out.

Each request's work runs as one background task, in order, errors logged;
shutdown waits for all of it (``Pipeline.drain``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from approute._scope import AfterTask, run_after_tasks

__all__ = ["BackgroundWork"]


class BackgroundWork:
    """The app's running ``after()`` tasks."""

    __slots__ = ("_tasks",)

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, where: str, tasks: list[AfterTask | Awaitable[Any]]) -> None:
        """Run one request's work in the background."""
        job = asyncio.get_running_loop().create_task(run_after_tasks(where, tasks))
        self._tasks.add(job)
        job.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every task still running."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
