"""``redirect()``, ``permanent_redirect()``, ``not_found()``, ``forbidden()``,
``unauthorized()``: raise inside a route handler to answer at once, as
``next/navigation`` does.

    from approute.navigation import not_found

    def GET(request, ctx):
        user = USERS.get(ctx.params["id"]) or not_found()

They work by raising, so call them outside a ``try`` that would catch them
(or re-raise ``approute.errors.NavigationSignal``).
"""

from __future__ import annotations

from typing import Literal, NoReturn

from approute.errors import HTTPStatusSignal, RedirectSignal
from approute.http.url import NextURL

__all__ = ["forbidden", "not_found", "permanent_redirect", "redirect", "unauthorized"]


def _location(url: str | NextURL) -> str:
    location = str(url)
    if any(char in location for char in "\r\n\0"):
        raise ValueError("a redirect location must not contain CR, LF or NUL")
    return location


def redirect(url: str | NextURL, type: Literal["replace", "push"] | None = None) -> NoReturn:
    """Answer **307** with ``Location: url`` (as given: a path stays relative).

    ``type`` exists for Next.js parity and has no effect on the HTTP answer.
    """
    del type
    raise RedirectSignal(_location(url), 307)


def permanent_redirect(
    url: str | NextURL, type: Literal["replace", "push"] | None = None
) -> NoReturn:
    """Answer **308** with ``Location: url``."""
    del type
    raise RedirectSignal(_location(url), 308)


def not_found() -> NoReturn:
    """Answer a bare **404** (empty body, no content type)."""
    raise HTTPStatusSignal(404)


def forbidden() -> NoReturn:
    """Answer a bare **403**."""
    raise HTTPStatusSignal(403)


def unauthorized() -> NoReturn:
    """Answer a bare **401**."""
    raise HTTPStatusSignal(401)
