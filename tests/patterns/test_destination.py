"""approute.patterns.destination: prepareDestination and compileNonPath."""

from __future__ import annotations

from typing import Any

import pytest

from approute.errors import BadRequest, ProjectError
from approute.http.headers import Headers
from approute.http.url import SearchParams
from approute.patterns import (
    check_template,
    compile_conditions,
    compile_destination,
    compile_path,
    substitute,
)

MULTI_MATCH = (
    "To use a multi-match in the destination you must add `*` at the end of the param "
    "name to signify it should repeat."
)


def _build(
    source: str,
    destination: str,
    path: str,
    query: str = "",
    *,
    for_redirect: bool = False,
) -> tuple[str, list[tuple[str, str]]]:
    pattern = compile_path(source, where="test", case_sensitive=False, unnamed_params=False)
    params = pattern.match(path)
    assert params is not None
    compiled = compile_destination(
        destination, source=pattern, where="test", for_redirect=for_redirect
    )
    url, sent = compiled.build(params, SearchParams(query))
    return url, sent.items()


# Rewrites: test/integration/custom-routes (next.config.js + test/index.test.js)
# and docs .../next-config-js/rewrites.mdx ("Rewrite parameters").
@pytest.mark.parametrize(
    ("source", "destination", "path", "query", "expected"),
    [
        pytest.param(
            "/test/:path",
            "/:path",
            "/test/with-params",
            "a=b",
            ("/with-params", [("a", "b")]),
            id="param-used-in-path-none-appended",
        ),
        pytest.param(
            "/params/:something",
            "/with-params",
            "/params/x",
            "",
            ("/with-params", [("something", "x")]),
            id="no-param-used-all-appended",
        ),
        pytest.param(
            "/query-rewrite/:section/:name",
            "/with-params?first=:section&second=:name",
            "/query-rewrite/first/second",
            "section=overridden&name=overridden&first=overridden&second=overridden&keep=me",
            (
                "/with-params",
                [
                    ("section", "first"),
                    ("name", "second"),
                    ("first", "first"),
                    ("second", "second"),
                    ("keep", "me"),
                ],
            ),
            id="priority-original-then-params-then-destination",
        ),
        pytest.param(
            "/catchall-query/:path*",
            "/with-params?another=:path*",
            "/catchall-query/hello/world",
            "a=b",
            (
                "/with-params",
                [("a", "b"), ("another", "hello/world"), ("path", "hello"), ("path", "world")],
            ),
            id="catchall-query-list-appended",
        ),
        pytest.param(
            "/old-blog/:path*",
            "/blog/:path*",
            "/old-blog/a/b",
            "",
            ("/blog/a/b", []),
            id="catchall-to-catchall",
        ),
        pytest.param(
            "/old-blog/:path*",
            "/blog/:path*",
            "/old-blog",
            "",
            ("/blog", []),
            id="catchall-empty",
        ),
        pytest.param(
            "/catchall-rewrite/:path*",
            "/with-params",
            "/catchall-rewrite/hello%20world%3Fw%3D24%26focalpoint%3Dcenter",
            "a=b",
            (
                "/with-params",
                [("a", "b"), ("path", "hello%20world%3Fw%3D24%26focalpoint%3Dcenter")],
            ),
            id="encoded-param-kept-as-given",
        ),
        pytest.param(
            "/api-hello-param/:name",
            "/api/hello?hello=:name",
            "/api-hello-param/hello",
            "",
            ("/api/hello", [("hello", "hello"), ("name", "hello")]),
            id="param-only-in-query-still-appended",
        ),
        pytest.param(
            "/proxy-me/:path*",
            "http://localhost:9000/:path*",
            "/proxy-me/first",
            "keep=me&and=me",
            ("http://localhost:9000/first", [("keep", "me"), ("and", "me")]),
            id="external-keeps-origin",
        ),
        pytest.param(
            "/overridden",
            "https://example.vercel.sh",
            "/overridden",
            "",
            ("https://example.vercel.sh/", []),
            id="external-without-path",
        ),
    ],
)
def test_rewrite_destinations(
    source: str,
    destination: str,
    path: str,
    query: str,
    expected: tuple[str, list[tuple[str, str]]],
) -> None:
    assert _build(source, destination, path, query) == expected


# Redirects: same sources, and the request's query comes first (docs/config.md,
# "redirects()").
@pytest.mark.parametrize(
    ("source", "destination", "path", "query", "expected"),
    [
        pytest.param(
            "/query-redirect/:section/:name",
            "/with-params?first=:section&second=:name",
            "/query-redirect/hello/world",
            "a=b",
            ("/with-params", [("a", "b"), ("first", "hello"), ("second", "world")]),
            id="params-in-query",
        ),
        pytest.param(
            "/old-blog/:slug",
            "/news/:slug",
            "/old-blog/post-1",
            "hello=world",
            ("/news/post-1", [("hello", "world")]),
            id="docs-query-passed-through",
        ),
        pytest.param(
            "/hello/:id/another",
            "/blog/:id",
            "/hello/123/another",
            "",
            ("/blog/123", []),
            id="params-never-appended",
        ),
        pytest.param(
            "/redirect/me/to-about/:lang",
            "/:lang/about",
            "/redirect/me/to-about/%5Cgoogle.com",
            "",
            ("/%5Cgoogle.com/about", []),
            id="encoded-backslash-stays-encoded",
        ),
        pytest.param(
            "/docs/:first(integrations|now-cli)/v2:second(.*)",
            "/:first/:second",
            "/docs/integrations/v2-some/thing",
            "",
            ("/integrations/-some/thing", []),
            id="named-regex-params",
        ),
        pytest.param(
            "/named-like-unnamed/:0",
            "/:0",
            "/named-like-unnamed/first",
            "",
            ("/first", []),
            id="param-named-0",
        ),
        pytest.param(
            "/to-external",
            "https://google.com",
            "/to-external",
            "",
            ("https://google.com/", []),
            id="external",
        ),
        pytest.param(
            "/x",
            "/y?a=1",
            "/x",
            "b=2&a=0",
            ("/y", [("b", "2"), ("a", "1")]),
            id="destination-query-wins-keeps-position",
        ),
    ],
)
def test_redirect_destinations(
    source: str,
    destination: str,
    path: str,
    query: str,
    expected: tuple[str, list[tuple[str, str]]],
) -> None:
    assert _build(source, destination, path, query, for_redirect=True) == expected


def test_fragment_is_filled_separately() -> None:
    # custom-routes: /docs/router-status/:code → /docs/v2/network/status-codes#:code
    pattern = compile_path("/docs/router-status/:code", where="test")
    destination = compile_destination(
        "/docs/v2/network/status-codes#:code", source=pattern, where="test", for_redirect=True
    )
    params = pattern.match("/docs/router-status/500")
    assert params is not None
    assert destination.build(params, SearchParams()) == (
        "/docs/v2/network/status-codes",
        SearchParams(),
    )
    assert destination.fragment(params) == "#500"
    assert compile_destination("/a", source=pattern, where="test").fragment(params) == ""


def test_has_captures_fill_host_path_and_query() -> None:
    # custom-routes has-redirect-6 and has-rewrite-1.
    conditions = compile_conditions(
        [
            {"type": "host", "value": "(?<subdomain>.*)-test.example.com"},
            {"type": "header", "key": "x-my-header", "value": "(?<myHeader>.*)"},
        ],
        None,
        where="test",
    )
    pattern = compile_path("/has-redirect-6", where="test")
    destination = compile_destination(
        "https://:subdomain.example.com/some-path/end?a=b&h=:myHeader",
        source=pattern,
        where="test",
        conditions=conditions,
        for_redirect=True,
    )
    captured = conditions.match(
        Headers({"x-my-header": "hi there"}), {}, SearchParams(), "foo-test.example.com"
    )
    assert captured == {"subdomain": "foo", "myHeader": "hi there"}
    url, query = destination.build(captured, SearchParams())
    assert url == "https://foo.example.com/some-path/end"
    assert query.items() == [("a", "b"), ("h", "hi there")]


@pytest.mark.parametrize(
    "tenant",
    ["evil.com/x", "a@b", "a:1", "a b", "", "x" * 64],
)
def test_host_params_must_be_dns_labels(tenant: str) -> None:
    # SSRF: a parameter in an external destination's host accepts only a DNS
    # label, [A-Za-z0-9-]{1,63} (docs/deviations.md, docs/config.md "rewrites()").
    conditions = compile_conditions(
        [{"type": "header", "key": "x-tenant", "value": "(?<tenant>.*)"}], None, where="t"
    )
    pattern = compile_path("/t", where="test")
    destination = compile_destination(
        "http://:tenant.localhost:8000/", source=pattern, where="t", conditions=conditions
    )
    with pytest.raises(BadRequest):
        destination.build({"tenant": tenant}, SearchParams())
    ok, _ = destination.build({"tenant": "Acme-1"}, SearchParams())
    assert ok == "http://acme-1.localhost:8000/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("a b", "/x/a%20b", id="space"),
        pytest.param("a?b=1", "/x/a%3Fb=1", id="question-mark-cannot-start-a-query"),
        pytest.param("a#b", "/x/a%23b", id="hash-cannot-start-a-fragment"),
        pytest.param("\\evil.com", "/x/%5Cevil.com", id="backslash"),
        pytest.param("café", "/x/caf%C3%A9", id="non-ascii"),
        pytest.param("100%", "/x/100%25", id="lone-percent"),
        pytest.param("a%2Fb", "/x/a%2Fb", id="escape-kept"),
        pytest.param("a/b", "/x/a/b", id="slash-kept-like-next"),
        pytest.param("a\r\nb", "/x/a%0D%0Ab", id="crlf"),
    ],
)
def test_unsafe_characters_in_values_are_percent_encoded(value: str, expected: str) -> None:
    conditions = compile_conditions(
        [{"type": "header", "key": "x-to", "value": "(?<to>.*)"}], None, where="t"
    )
    destination = compile_destination(
        "/x/:to", source=compile_path("/go", where="t"), where="t", conditions=conditions
    )
    assert destination.build({"to": value}, SearchParams())[0] == expected


def test_list_items_keep_their_slashes_encoded() -> None:
    pattern = compile_path("/go/:path*", where="t")
    destination = compile_destination("/to/:path*", source=pattern, where="t")
    assert destination.build({"path": ["a/b", "c"]}, SearchParams())[0] == "/to/a%2Fb/c"


@pytest.mark.parametrize("for_redirect", [True, False])
def test_internal_destinations_never_become_protocol_relative(for_redirect: bool) -> None:
    # Open redirect (Next.js CVE-2021-37699): a value of "/evil.com" must not
    # produce "//evil.com".
    conditions = compile_conditions(
        [{"type": "query", "key": "to", "value": "(?<to>.*)"}], None, where="t"
    )
    destination = compile_destination(
        "/:to",
        source=compile_path("/go", where="t"),
        where="t",
        conditions=conditions,
        for_redirect=for_redirect,
    )
    url, _ = destination.build({"to": "/evil.com"}, SearchParams())
    assert url == "/evil.com"


@pytest.mark.parametrize(
    ("for_redirect", "expected"),
    [
        pytest.param(True, "/b/x/y", id="redirect-collapses"),
        pytest.param(False, "/b//x//y", id="rewrite-keeps"),
    ],
)
def test_redirects_collapse_repeated_slashes(for_redirect: bool, expected: str) -> None:
    # normalizeRepeatedSlashes runs on redirect destinations only (src:resolve).
    conditions = compile_conditions(
        [{"type": "query", "key": "to", "value": "(?<to>.*)"}], None, where="t"
    )
    destination = compile_destination(
        "/b/:to",
        source=compile_path("/go", where="t"),
        where="t",
        conditions=conditions,
        for_redirect=for_redirect,
    )
    assert destination.build({"to": "/x//y"}, SearchParams())[0] == expected


@pytest.mark.parametrize(
    ("source", "destination"),
    [
        pytest.param("/:path*", "/new/:path", id="path"),
        pytest.param("/:path+", "/new/:path?", id="optional-is-not-repeat"),
        pytest.param("/:path*", "/new?p=:path", id="query-value"),
        pytest.param("/:path*", "https://x.com/#:path", id="fragment"),
    ],
)
def test_multi_match_needs_the_modifier(source: str, destination: str) -> None:
    with pytest.raises(ProjectError) as info:
        compile_destination(destination, source=compile_path(source, where="t"), where="rule")
    assert MULTI_MATCH in str(info.value)
    assert str(info.value).startswith("rule: ")


@pytest.mark.parametrize(
    ("source", "destination", "problem"),
    [
        pytest.param("/a", "relative", "must start with '/', 'http://' or 'https://'", id="rel"),
        pytest.param("/a", "//evil.com", "must start with", id="protocol-relative"),
        pytest.param("/a", "/\\evil.com", "must start with", id="backslash-relative"),
        pytest.param("/a", "ftp://x.com/", "must start with", id="other-scheme"),
        pytest.param("/a", "https://u@x.com/", "user info", id="userinfo"),
        pytest.param("/a", "https:///x", "has no host", id="no-host"),
        pytest.param("/a", "https://x_y.com/", "not valid in a hostname", id="bad-host"),
        pytest.param("/a/:b", "/x/:c", "not a param of the source", id="unknown-param"),
        pytest.param("/a/(.*)", "/x/:0", "unnamed param", id="unnamed-param"),
        pytest.param("/a/:b", "/x/(.*)", "not allowed in a destination", id="group-in-dest"),
        pytest.param("/a/:b", "/x{/y}?", "not supported in a destination", id="brace-group"),
        pytest.param("/a/:b", "/x/:", "parameter name", id="bad-syntax"),
    ],
)
def test_invalid_destinations_are_project_errors(
    source: str, destination: str, problem: str
) -> None:
    with pytest.raises(ProjectError, match=problem):
        compile_destination(destination, source=compile_path(source, where="t"), where="t")


# headers(): test/integration/custom-routes "should handle param like headers
# properly" (source /my-other-header/:path, request /my-other-header/my-path)
# and the catchall/URL header cases.
@pytest.mark.parametrize(
    ("template", "params", "expected"),
    [
        pytest.param(":path", {"path": "my-path"}, "my-path", id="x-path"),
        pytest.param("some:path", {"path": "my-path"}, "somemy-path", id="key-some-path"),
        pytest.param("some:value*", {"path": "my-path"}, "some:value*", id="x-test"),
        pytest.param("value*", {"path": "my-path"}, "value*", id="x-test-2"),
        pytest.param(":value?", {"path": "my-path"}, ":value?", id="x-test-3"),
        pytest.param(":value+", {"path": "my-path"}, ":value+", id="x-test-4"),
        pytest.param("something https:", {"path": "my-path"}, "something https:", id="x-test-5"),
        pytest.param(":hello(world)", {"path": "my-path"}, ":hello(world)", id="x-test-6"),
        pytest.param("hello(world)", {"path": "my-path"}, "hello(world)", id="x-test-7"),
        pytest.param("hello{1,}", {"path": "my-path"}, "hello{1,}", id="x-test-8"),
        pytest.param(":hello{1,2}", {"path": "my-path"}, ":hello{1,2}", id="x-test-9"),
        pytest.param(
            "script-src userscripts.example.com/:path",
            {"path": "my-path"},
            "script-src userscripts.example.com/my-path",
            id="csp",
        ),
        pytest.param(
            "https://example.com/:path*", {"path": ["first"]}, "https://example.com/first", id="u1"
        ),
        pytest.param(
            "https://example.com:8080?hello=:path*",
            {"path": ["first"]},
            "https://example.com:8080?hello=first",
            id="url-with-port",
        ),
        pytest.param(":path*", {"path": ["hello", "world"]}, "hello/world", id="catchall-header"),
        pytest.param("value=:path", {"path": "hello"}, "value=hello", id="named-pattern"),
        pytest.param("path-:path", {"path": "hello"}, "path-hello", id="named-pattern-key"),
        pytest.param("x-slug-:slug", {"slug": "a"}, "x-slug-a", id="nextjs-docs-header-example"),
        pytest.param(":slugger", {"slug": "a"}, ":slugger", id="longer-name-is-another-name"),
        pytest.param("a\\:slug", {"slug": "a"}, "a:slug", id="escaped-colon"),
        pytest.param("no colon \\x", {}, "no colon \\x", id="verbatim-without-colon"),
        pytest.param("f.:ext*", {"ext": ["tar", "gz"]}, "f.tar.gz", id="dot-prefix-joins"),
        pytest.param("a/:p*", {"p": []}, "a", id="empty-repeat-drops-prefix"),
    ],
)
def test_substitute_like_compile_non_path(
    template: str, params: dict[str, Any], expected: str
) -> None:
    assert substitute(template, params) == expected


def test_check_template_refuses_a_multi_match_without_modifier() -> None:
    source = compile_path("/catchall-header/:path*", where="t")
    check_template(":path*", source=source, where="t")
    with pytest.raises(ProjectError, match="add `\\*` at the end"):
        check_template("x-:path", source=source, where="approute.config.py: headers()[0]")
