"""approute.testing's middleware helpers (Next.js's unstable_doesProxyMatch & co)."""

from __future__ import annotations

import pytest

from approute import NextResponse, Response
from approute.testing import (
    does_middleware_match,
    get_redirect_url,
    get_rewritten_url,
    is_rewrite,
)

CONFIG = {
    "matcher": [
        "/admin/:path*",
        {"source": "/api/:path*", "has": [{"type": "header", "key": "authorization"}]},
        {"source": "/beta/:path*", "has": [{"type": "cookie", "key": "beta", "value": "on"}]},
        {"source": "/q", "missing": [{"type": "query", "key": "skip"}]},
    ]
}


@pytest.mark.parametrize(
    ("url", "headers", "cookies", "expected"),
    [
        pytest.param("/admin", None, None, True, id="path-star-matches-bare"),
        pytest.param("/admin/a/b", None, None, True, id="path-star-deep"),
        pytest.param("/%61dmin", None, None, True, id="decoded-form"),
        pytest.param("/x/../admin", None, None, True, id="dot-segments"),
        pytest.param("http://localhost:3000/admin?x=1", None, None, True, id="absolute-url"),
        pytest.param("/administrator", None, None, False, id="no-prefix-match"),
        pytest.param("/ADMIN", None, None, False, id="case-sensitive"),
        pytest.param("/api/x", None, None, False, id="has-header-missing"),
        pytest.param("/api/x", {"Authorization": "Bearer t"}, None, True, id="has-header"),
        pytest.param("/beta/x", None, {"beta": "on"}, True, id="has-cookie-value"),
        pytest.param("/beta/x", None, {"beta": "off"}, False, id="cookie-value-differs"),
        pytest.param("/q", None, None, True, id="missing-query-absent"),
        pytest.param("/q?skip=1", None, None, False, id="missing-query-present"),
    ],
)
def test_does_middleware_match(
    url: str, headers: dict[str, str] | None, cookies: dict[str, str] | None, expected: bool
) -> None:
    assert (
        does_middleware_match(config=CONFIG, url=url, headers=headers, cookies=cookies) is expected
    )


@pytest.mark.parametrize(
    ("matcher", "url", "expected"),
    [
        pytest.param("/", "/index", True, id="root-index"),
        pytest.param("/", "/index/", True, id="root-index-slash"),
        pytest.param("/", "/", True, id="root"),
        pytest.param("/", "/indexes", False, id="root-not-a-prefix"),
        pytest.param("/", "/a/index", False, id="root-not-nested-index"),
        pytest.param("/", "/index.json", False, id="root-no-data-suffix"),
        pytest.param(
            {"source": "/", "has": [{"type": "query", "key": "mw"}]},
            "/index?mw=1",
            True,
            id="root-dict-with-has",
        ),
        pytest.param(
            {"source": "/", "has": [{"type": "query", "key": "mw"}]},
            "/index",
            False,
            id="root-dict-has-unmet",
        ),
        pytest.param("/about", "/about/index", False, id="only-the-root-gets-index"),
        pytest.param("/:path*", "/index", True, id="catch-all-as-before"),
    ],
)
def test_root_matcher_also_matches_index(matcher: object, url: str, expected: bool) -> None:
    # Next.js's getMiddlewareMatchers: a source of exactly "/" gets an
    # optional /index suffix (its .json variants are Pages data requests).
    assert does_middleware_match(config={"matcher": matcher}, url=url) is expected


def test_no_config_matches_everything() -> None:
    assert does_middleware_match(config=None, url="/anything")
    assert does_middleware_match(config={}, url="/favicon.ico")


def test_rewrite_and_redirect_helpers() -> None:
    rewrite = NextResponse.rewrite("http://localhost/new")
    assert is_rewrite(rewrite)
    assert get_rewritten_url(rewrite) == "http://localhost/new"
    assert get_redirect_url(rewrite) is None
    redirect = NextResponse.redirect("http://localhost/login")
    assert not is_rewrite(redirect)
    assert get_redirect_url(redirect) == "http://localhost/login"
    assert get_rewritten_url(Response("x")) is None
    assert not is_rewrite(NextResponse.next())
