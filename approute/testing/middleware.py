"""Unit-test middleware without a server, as ``next/experimental/testing/server``.

from approute.testing import does_middleware_match, get_redirect_url

from middleware import config, middleware

assert does_middleware_match(config=config, url="/admin/users")
response = middleware(NextRequest("http://localhost/admin"))
assert get_redirect_url(response) == "http://localhost/login"
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from approute.http.cookies import parse_cookie_header
from approute.http.headers import Headers
from approute.http.paths import normalize_path
from approute.http.response import REDIRECT_STATUSES, NextResponse, Response
from approute.http.search_params import SearchParams
from approute.middleware.matcher import compile_matcher

__all__ = ["does_middleware_match", "get_redirect_url", "get_rewritten_url", "is_rewrite"]


def does_middleware_match(
    *,
    config: Mapping[str, Any] | None,
    url: str,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
) -> bool:
    """Whether a middleware with this ``config`` runs for ``url`` (a path or
    an absolute URL), with the same normalisation the server applies."""
    parts = urlsplit(url)
    path = normalize_path((parts.path or "/").encode(), parts.query.encode()).path
    header_map = Headers(headers or {})
    jar = (
        dict(cookies)
        if cookies is not None
        else parse_cookie_header(header_map.get("cookie") or "")
    )
    host = header_map.get("host") or parts.hostname
    return compile_matcher(config, where="config").matches(
        path,
        headers=header_map,
        cookies=jar,
        query=SearchParams(parts.query),
        host=host.rsplit(":", 1)[0].lower() if host else None,
    )


def is_rewrite(response: Response | None) -> bool:
    """Whether the middleware's result is ``NextResponse.rewrite(...)``."""
    return isinstance(response, NextResponse) and response.rewrite_url is not None


def get_rewritten_url(response: Response | None) -> str | None:
    """The rewrite destination, or None if the result is not a rewrite."""
    if isinstance(response, NextResponse):
        return response.rewrite_url
    return None


def get_redirect_url(response: Response | None) -> str | None:
    """The ``Location`` of a redirect result, or None if it is not one."""
    if response is None or response.status not in REDIRECT_STATUSES:
        return None
    return response.headers.get("location")
