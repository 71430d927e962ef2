"""``NextFetchEvent``: the middleware's second argument."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from approute.http.request import NextRequest

__all__ = ["NextFetchEvent"]


class NextFetchEvent:
    """``event.wait_until(awaitable)`` keeps work alive after the response.

    async def middleware(request, event):
        event.wait_until(log_visit(request.next_url.pathname))
    """

    __slots__ = ("_page", "_pending", "_request")

    def __init__(self, page: str = "") -> None:
        self._page = page
        self._request: NextRequest | None = None
        self._pending: list[Awaitable[Any]] = []

    @classmethod
    def _for_request(cls, request: NextRequest) -> NextFetchEvent:
        # ``page`` from the request's URL, parsed only if someone asks.
        event = cls()
        event._request = request
        return event

    @property
    def page(self) -> str:
        """The path the middleware runs for (``next_url.pathname``)."""
        request = self._request
        return self._page if request is None else request.next_url.pathname

    def wait_until(self, awaitable: Awaitable[Any]) -> None:
        """Run ``awaitable`` to completion after the response is sent."""
        self._pending.append(awaitable)

    @property
    def pending(self) -> list[Awaitable[Any]]:
        """What ``wait_until`` was given, in order."""
        return self._pending
