"""``NextFetchEvent``: the middleware's second argument."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

__all__ = ["NextFetchEvent"]


class NextFetchEvent:
    """``event.wait_until(awaitable)`` keeps work alive after the response.

    async def middleware(request, event):
        event.wait_until(log_visit(request.next_url.pathname))
    """

    __slots__ = ("_pending", "page")

    def __init__(self, page: str) -> None:
        self.page = page
        self._pending: list[Awaitable[Any]] = []

    def wait_until(self, awaitable: Awaitable[Any]) -> None:
        """Run ``awaitable`` to completion after the response is sent."""
        self._pending.append(awaitable)

    @property
    def pending(self) -> list[Awaitable[Any]]:
        """What ``wait_until`` was given, in order."""
        return self._pending
