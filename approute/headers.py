"""``headers()`` and ``cookies()`` for the current request, as ``next/headers``.

    from approute.headers import cookies, headers

    def GET(request):
        agent = headers().get("user-agent")
        cookies().set("seen", "1")          # added to this handler's response
        return NextResponse.json({"agent": agent})

Both work in sync and async handlers (through ``contextvars``) and raise a
clear ``RuntimeError`` outside a request.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Literal

from approute._scope import RequestState, current_state
from approute.http.cookies import Cookie, ResponseCookie
from approute.http.headers import Headers

__all__ = ["RequestCookieStore", "cookies", "headers"]


def headers() -> Headers:
    """The current request's headers, read-only."""
    return current_state("headers()").request.headers.readonly()


def cookies() -> RequestCookieStore:
    """The current request's cookies; ``set``/``delete`` reach the response."""
    return RequestCookieStore(current_state("cookies()"))


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

    def get(self, name: str) -> Cookie | None:
        """The cookie named ``name`` (as set in this request, else as sent)."""
        pending = self._pending().get(name)
        if pending is not None:
            return Cookie(name, pending.value) if pending.value else None
        return self._state.request.cookies.get(name)

    def get_all(self, name: str | None = None) -> list[Cookie]:
        """All cookies (or those named ``name``)."""
        merged = {c.name: c for c in self._state.request.cookies.get_all()}
        for cookie in self._pending().values():
            if cookie.value:
                merged[cookie.name] = Cookie(cookie.name, cookie.value)
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

    def __iter__(self) -> Iterator[Cookie]:
        return iter(self.get_all())

    def __len__(self) -> int:
        return len(self.get_all())

    def __repr__(self) -> str:
        return f"RequestCookieStore({self.get_all()!r})"
