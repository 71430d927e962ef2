"""``headers()``, ``cookies()`` and ``draft_mode()`` for the current request,
as ``next/headers``.

    from approute.headers import cookies, draft_mode, headers

    def GET(request):
        agent = headers().get("user-agent")
        cookies().set("seen", "1")          # added to this handler's response
        return NextResponse.json({"agent": agent, "draft": draft_mode().is_enabled})

They work in sync and async handlers (through ``contextvars``) and raise a
clear ``RuntimeError`` outside a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from approute._scope import RequestState, current_state
from approute.cache.data import DataCache
from approute.cache.draft import DRAFT_COOKIE
from approute.http.cookies import Cookie
from approute.http.headers import Headers
from approute.http.set_cookie import ResponseCookie

__all__ = [
    "DraftMode",
    "RequestCookieStore",
    "StoreCookie",
    "cookies",
    "draft_mode",
    "headers",
]


def headers() -> Headers:
    """The current request's headers, read-only."""
    return current_state("headers()").request.headers.readonly()


def cookies() -> RequestCookieStore:
    """The current request's cookies; ``set``/``delete`` reach the response."""
    return RequestCookieStore(current_state("cookies()"))


def draft_mode() -> DraftMode:
    """The current request's draft mode: ``is_enabled``, ``enable()``, ``disable()``.

    With draft mode enabled (the ``__prerender_bypass`` cookie, set by
    ``enable()``), cached routes run their handler for this request and the
    data cache is bypassed: preview unpublished content live.
    """
    return DraftMode(current_state("draft_mode()"))


class DraftMode:
    """Draft mode for one request (Next.js ``draftMode()``)."""

    __slots__ = ("_state",)

    def __init__(self, state: RequestState) -> None:
        self._state = state

    def _cache(self, action: str) -> DataCache:
        cache = self._state.cache
        if not isinstance(cache, DataCache):
            raise RuntimeError(f"draft_mode().{action} needs an approute app handling the request")
        return cache

    @property
    def is_enabled(self) -> bool:
        """Whether this request is in draft mode (as changed by ``enable()``/``disable()``)."""
        cache = self._state.cache
        if not isinstance(cache, DataCache):
            return False
        cookie = RequestCookieStore(self._state).get(DRAFT_COOKIE)
        return cookie is not None and cache.draft.matches(cookie.value)

    def enable(self) -> None:
        """Set the draft cookie on the handler's response (then redirect, as
        Next.js advises): HttpOnly, ``Path=/``, ``SameSite=None; Secure`` in
        production, ``SameSite=Lax`` in ``approute dev`` (plain http)."""
        cache = self._cache("enable()")
        self._writable("enable()")
        RequestCookieStore(self._state).set(
            DRAFT_COOKIE,
            cache.draft.value(),
            http_only=True,
            path="/",
            secure=not cache.dev,
            same_site="lax" if cache.dev else "none",
        )

    def disable(self) -> None:
        """Delete the draft cookie."""
        self._cache("disable()")
        self._writable("disable()")
        RequestCookieStore(self._state).delete(DRAFT_COOKIE)

    def _writable(self, action: str) -> None:
        if not self._state.in_handler:
            raise RuntimeError(f"draft_mode().{action} can only be called in a route handler")

    def __repr__(self) -> str:
        return f"DraftMode(is_enabled={self.is_enabled})"


@dataclass(frozen=True, slots=True)
class StoreCookie(Cookie):
    """A cookie as ``cookies().get(name)`` returns it: a ``Cookie`` with its
    ``path``, ``"/"`` unless ``set`` gave another.

    Next.js's ``cookies()`` in a route handler is a ``ResponseCookies``
    seeded with the request's cookies, which gives each one ``path: '/'``:
    ``{"name": "a", "value": "1", "path": "/"}`` in ``NextResponse.json``.
    ``request.cookies`` keeps ``{name, value}``, as Next.js's ``RequestCookies``.
    """

    path: str = "/"


class RequestCookieStore:
    """Request cookies to read, plus pending ``Set-Cookie``s for the response.

    A cookie set here reads back with its new value in the same request.
    """

    __slots__ = ("_state",)

    def __init__(self, state: RequestState) -> None:
        self._state = state

    def _pending(self) -> dict[str, ResponseCookie]:
        if self._state.cookie_headers is None:
            return {}
        return {c.name: c for c in self._state.response_cookies().get_all()}

    def get(self, name: str) -> StoreCookie | None:
        """The cookie named ``name`` (as set in this request, else as sent)."""
        pending = self._pending().get(name)
        if pending is not None:
            return StoreCookie(name, pending.value, pending.path or "/") if pending.value else None
        cookie = self._state.request.cookies.get(name)
        return None if cookie is None else StoreCookie(cookie.name, cookie.value)

    def get_all(self, name: str | None = None) -> list[StoreCookie]:
        """All cookies (or those named ``name``)."""
        merged = {
            c.name: StoreCookie(c.name, c.value) for c in self._state.request.cookies.get_all()
        }
        for cookie in self._pending().values():
            if cookie.value:
                merged[cookie.name] = StoreCookie(cookie.name, cookie.value, cookie.path or "/")
            else:
                merged.pop(cookie.name, None)
        return [c for c in merged.values() if name is None or c.name == name]

    def has(self, name: str) -> bool:
        """Whether a cookie named ``name`` exists."""
        return self.get(name) is not None

    def set(
        self,
        name: str,
        value: str,
        *,
        path: str = "/",
        expires: datetime | None = None,
        max_age: int | None = None,
        domain: str | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: Literal["lax", "strict", "none"] | bool | None = None,
        partitioned: bool = False,
        priority: Literal["low", "medium", "high"] | None = None,
    ) -> RequestCookieStore:
        """Set a cookie on the handler's response (``Set-Cookie``)."""
        self._check_writable()
        self._state.response_cookies().set(
            name,
            value,
            path=path,
            expires=expires,
            max_age=max_age,
            domain=domain,
            secure=secure,
            http_only=http_only,
            same_site=same_site,
            partitioned=partitioned,
            priority=priority,
        )
        return self

    def delete(self, name: str, *, path: str = "/", domain: str | None = None) -> bool:
        """Expire the cookie on the client."""
        self._check_writable()
        existed = self.has(name)
        self._state.response_cookies().delete(name, path=path, domain=domain)
        return existed

    def _check_writable(self) -> None:
        if not self._state.in_handler:
            raise RuntimeError("cookies() can only be set or deleted in a route handler")

    def __iter__(self) -> Iterator[StoreCookie]:
        return iter(self.get_all())

    def __len__(self) -> int:
        return len(self.get_all())

    def __repr__(self) -> str:
        return f"RequestCookieStore({self.get_all()!r})"
