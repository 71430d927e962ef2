"""Dev's warning for cached GETs that read request data.

After ``approute build`` a ``force-static`` or ISR (``revalidate = N``) GET
is rendered with an empty request: no query, headers or cookies (Next.js
does the same). ``approute dev`` renders it on every request with the real
one, so a handler that filters by the query works in dev and silently stops
after the build. In dev such a route gets a ``WatchedRequest`` instead: the
first time its handler reads the query, the headers or the cookies (also
through ``headers()``/``cookies()``), one warning names the route and what
it read. Nothing changes for other routes, or outside dev.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from approute._scope import watched_route
from approute.http.cookies import RequestCookies
from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.search_params import SearchParams
from approute.http.url import NextURL

__all__ = ["WatchedRequest"]

logger = logging.getLogger("approute")


def _read(what: str) -> None:
    current = watched_route.get()
    if current is None:
        return
    where, warned = current
    if where in warned:
        return
    warned.add(where)
    logger.warning(
        "%s: the GET handler read %s, but this route is cached (force-static or "
        "revalidate): after `approute build` it gets an empty request, with no query, "
        "headers or cookies. Set dynamic = 'force-dynamic' to render it per request.",
        where,
        what,
    )


class _WatchedURL(NextURL):
    __slots__ = ()

    @property
    def search_params(self) -> SearchParams:
        _read("request.next_url.search_params")
        return super().search_params

    @property
    def search(self) -> str:
        _read("request.next_url.search")
        return super().search

    @search.setter
    def search(self, value: str) -> None:
        NextURL.search.__set__(self, value)  # type: ignore[attr-defined]  # the property

    @property
    def href(self) -> str:
        _read("request.next_url.href")
        return super().href


class WatchedRequest(NextRequest):
    """The real request of a cached GET in dev, noting reads of request data."""

    __slots__ = ()

    _url_type: ClassVar[type[NextURL]] = _WatchedURL

    @property
    def headers(self) -> Headers:
        _read("request.headers")
        return super().headers

    @property
    def cookies(self) -> RequestCookies:
        _read("request.cookies")
        return super().cookies
