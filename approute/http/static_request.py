"""The empty request a cached handler sees, and ``StaticRequest``: the one
a ``dynamic = "error"`` handler gets.

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
from typing import Any, ClassVar, Final, NoReturn

from approute._types import Message, Scope
from approute.errors import DynamicUsageError
from approute.http.body import BodyChannel
from approute.http.cookies import RequestCookies
from approute.http.forms import FormData
from approute.http.headers import Headers
from approute.http.request import NextRequest, RequestLimits
from approute.http.search_params import SearchParams
from approute.http.url import NextURL

__all__ = ["StaticRequest", "static_request"]

# Next.js prerenders at this origin (its export of app routes).
_PRERENDER_SERVER: Final = ("localhost", 3000)


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


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _prerender_scope(path: str, base_path: str) -> Scope:
    """A GET for ``path`` under ``base_path`` at Next.js's prerender origin."""
    url_path = (base_path if path == "/" else base_path + path) if base_path else path
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "server": _PRERENDER_SERVER,
        "client": None,
        "path": url_path,
        "raw_path": url_path.encode("ascii"),
        "query_string": b"",
        "root_path": "",
        "headers": [],
    }


def static_request(
    path: str,
    limits: RequestLimits,
    *,
    strict: bool,
    served: tuple[Scope, BodyChannel] | None = None,
    base_path: str = "",
) -> NextRequest:
    """The empty request a cached handler sees at the route's own ``path``:
    no headers, cookies or query (Next.js force-static); ``strict``
    (``dynamic = "error"``): reading them raises.

    ``served`` is the request being answered (a route-cache miss); without
    it (a build's prerender) a GET at ``http://localhost:3000`` under
    ``base_path``. Either way the handler's URL has no base path: Next.js's
    force-static ``/docs/x?q=1`` reads ``url`` and ``next_url.href`` as
    ``http://host/x``.
    """
    if served is None:
        channel = BodyChannel(_no_body, has_body=False, content_length=None, pace=None)
        served = (_prerender_scope(path, base_path), channel)
    kind = StaticRequest if strict else NextRequest
    return kind.from_asgi(
        served[0],
        served[1],
        path=path,
        query="",
        raw_headers=[],
        limits=limits,
        add_forwarded=False,
    )
