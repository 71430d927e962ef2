"""``StaticRequest``: the request a ``dynamic = "error"`` handler gets.

Like ``force-static`` it is empty (no headers, cookies or query), and
reading any of that request data raises :class:`~approute.errors.DynamicUsageError`
instead, so ``approute build`` fails the route (Next.js: reading
``request.headers``, ``cookies``, ``url``, the body, or
``nextUrl.search``/``searchParams``/``href``/``origin`` under
``dynamic = "error"``). ``method``, ``next_url.pathname`` and the route's
params stay readable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar, NoReturn

from approute.errors import DynamicUsageError
from approute.http.cookies import RequestCookies
from approute.http.forms import FormData
from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.search_params import SearchParams
from approute.http.url import NextURL

__all__ = ["StaticRequest"]


def _used(what: str) -> NoReturn:
    raise DynamicUsageError(what)


class _StaticURL(NextURL):
    """``next_url`` of a :class:`StaticRequest`: the pathname only."""

    __slots__ = ()

    @property
    def search(self) -> str:
        _used("request.next_url.search")

    @search.setter
    def search(self, value: str) -> None:
        _used("request.next_url.search")

    @property
    def search_params(self) -> SearchParams:
        _used("request.next_url.search_params")

    @property
    def href(self) -> str:
        _used("request.next_url.href")

    @property
    def origin(self) -> str:
        _used("request.next_url.origin")

    def __str__(self) -> str:
        _used("str(request.next_url)")

    def clone(self, **changes: Any) -> NextURL:
        _used("request.next_url.clone()")


class StaticRequest(NextRequest):
    """An empty request whose request data cannot be read (``dynamic = "error"``)."""

    __slots__ = ()

    _url_type: ClassVar[type[NextURL]] = _StaticURL

    @property
    def url(self) -> str:
        _used("request.url")

    @property
    def headers(self) -> Headers:
        _used("request.headers")

    @property
    def cookies(self) -> RequestCookies:
        _used("request.cookies")

    def stream(self) -> AsyncIterator[bytes]:
        _used("request.stream()")

    async def bytes(self) -> bytes:
        _used("request.bytes()")

    async def text(self) -> str:
        _used("request.text()")

    async def json(self) -> Any:
        _used("request.json()")

    async def form_data(self) -> FormData:
        _used("request.form_data()")

    def __repr__(self) -> str:
        return f"<StaticRequest {self.method} {self.next_url.pathname}>"
