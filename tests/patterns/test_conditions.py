"""approute.patterns.conditions: has/missing with Next.js's matchHas semantics."""

from __future__ import annotations

from typing import Any

import pytest

from approute.errors import ProjectError
from approute.http.cookies import parse_cookie_header
from approute.http.headers import Headers
from approute.http.url import SearchParams
from approute.patterns import compile_conditions


def _match(
    has: list[Any] | None,
    missing: list[Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    cookie: str = "",
    query: str = "",
    host: str | None = "localhost:3000",
) -> dict[str, str] | None:
    conditions = compile_conditions(has, missing, where="test")
    return conditions.match(
        Headers(headers or {}), parse_cookie_header(cookie), SearchParams(query), host
    )


# Rules from test/integration/custom-routes/next.config.js (has-rewrite-*,
# has-redirect-*), the `has` examples of docs .../next-config-js/rewrites.mdx,
# and matchHas in packages/next/src/shared/lib/router/utils/prepare-destination.ts.
@pytest.mark.parametrize(
    ("has", "request_", "expected"),
    [
        pytest.param(
            [{"type": "header", "key": "x-my-header", "value": "(?<myHeader>.*)"}],
            {"headers": {"X-My-Header": "hello world"}},
            {"myHeader": "hello world"},
            id="has-rewrite-1-header-named-group",
        ),
        pytest.param(
            [{"type": "query", "key": "my-query"}],
            {"query": "my-query=hi"},
            {"myquery": "hi"},
            id="has-rewrite-2-query-captured-under-safe-name",
        ),
        pytest.param(
            [{"type": "cookie", "key": "loggedIn", "value": "(?<loggedIn>true)"}],
            {"cookie": "loggedIn=true"},
            {"loggedIn": "true"},
            id="has-rewrite-3-cookie",
        ),
        pytest.param(
            [{"type": "host", "value": "example.com"}],
            {"host": "example.com"},
            {"host": "example.com"},
            id="has-rewrite-4-host-whole-match",
        ),
        pytest.param(
            [{"type": "host", "value": "example.com"}],
            {"host": "EXAMPLE.com:3000"},
            {"host": "example.com"},
            id="host-port-stripped-lower-cased",
        ),
        pytest.param(
            [{"type": "host", "value": "(?<subdomain>.*)-test.example.com"}],
            {"host": "foo-test.example.com"},
            {"subdomain": "foo"},
            id="has-redirect-6-host-group",
        ),
        pytest.param(
            [{"type": "header", "key": "hasParam", "value": "with-params"}],
            {"headers": {"hasparam": "with-params"}},
            {},
            id="has-rewrite-6-header-key-lower-cased",
        ),
        pytest.param(
            [{"type": "query", "key": "hasParam", "value": "(?<idk>with-params|hello)"}],
            {"query": "hasParam=hello"},
            {"idk": "hello"},
            id="has-rewrite-7",
        ),
        pytest.param(
            [{"type": "header", "key": "x-rewrite-me"}],
            {"headers": {"x-rewrite-me": "1"}},
            {"xrewriteme": "1"},
            id="no-value-capture-drops-non-letters",
        ),
        pytest.param(
            [{"type": "query", "key": "page", "value": "(?<page>\\d+)"}],
            {"query": "page=1&page=22"},
            {"page": "22"},
            id="repeated-query-tests-the-last-value",
        ),
        pytest.param(
            [
                {"type": "header", "key": "x-authorized", "value": "(?<authorized>yes|true)"},
                {"type": "query", "key": "page"},
            ],
            {"headers": {"x-authorized": "yes"}, "query": "page=home"},
            {"authorized": "yes", "page": "home"},
            id="docs-all-has-must-match",
        ),
        pytest.param(
            [{"type": "header", "key": "x-v", "value": "(?<major>\\d+)(?:\\.(?<minor>\\d+))?"}],
            {"headers": {"x-v": "3"}},
            {"major": "3"},
            id="unmatched-group-not-captured",
        ),
    ],
)
def test_has_captures_params(
    has: list[Any], request_: dict[str, Any], expected: dict[str, str]
) -> None:
    assert _match(has, **request_) == expected


@pytest.mark.parametrize(
    ("has", "request_"),
    [
        pytest.param([{"type": "header", "key": "x-my-header"}], {}, id="absent-header"),
        pytest.param(
            [{"type": "header", "key": "x-my-header"}],
            {"headers": {"x-my-header": ""}},
            id="empty-value-counts-as-absent",
        ),
        pytest.param([{"type": "query", "key": "a"}], {"query": "a"}, id="bare-query-is-empty"),
        pytest.param(
            [{"type": "cookie", "key": "loggedIn", "value": "true"}],
            {"cookie": "loggedIn=TRUE"},
            id="value-is-case-sensitive",
        ),
        pytest.param(
            [{"type": "cookie", "key": "loggedIn", "value": "true"}],
            {"cookie": "loggedIn=trueish"},
            id="value-is-anchored",
        ),
        pytest.param(
            [{"type": "header", "key": "x-a", "value": "yes|true"}],
            {"headers": {"x-a": "yess"}},
            id="alternation-is-anchored-as-a-whole",
        ),
        pytest.param(
            [{"type": "host", "value": "example.com"}],
            {"host": "www.example.com"},
            id="host-is-anchored",
        ),
        pytest.param([{"type": "host", "value": "example.com"}], {"host": None}, id="no-host"),
        pytest.param(
            [{"type": "query", "key": "page", "value": "\\d+"}],
            {"query": "page=1&page=x"},
            id="only-the-last-repeated-value-counts",
        ),
    ],
)
def test_has_fails(has: list[Any], request_: dict[str, Any]) -> None:
    assert _match(has, **request_) is None


# missing-redirect-1..3 of the custom-routes config, and the proxy.mdx
# prefetch example.
PREFETCH = [
    {"type": "header", "key": "next-router-prefetch"},
    {"type": "header", "key": "purpose", "value": "prefetch"},
]


@pytest.mark.parametrize(
    ("missing", "request_", "expected"),
    [
        pytest.param(PREFETCH, {}, {}, id="nothing-present-applies"),
        pytest.param(PREFETCH, {"headers": {"next-router-prefetch": "1"}}, None, id="present"),
        pytest.param(PREFETCH, {"headers": {"purpose": "prefetch"}}, None, id="value-matches"),
        pytest.param(PREFETCH, {"headers": {"purpose": "other"}}, {}, id="value-differs"),
        pytest.param(
            [{"type": "cookie", "key": "loggedIn", "value": "(?<loggedIn>true)"}],
            {"cookie": "loggedIn=true"},
            None,
            id="missing-redirect-3",
        ),
    ],
)
def test_missing_blocks_when_it_matches(
    missing: list[Any], request_: dict[str, Any], expected: dict[str, str] | None
) -> None:
    assert _match(None, missing, **request_) == expected


def test_missing_captures_nothing() -> None:
    has = [{"type": "query", "key": "a"}]
    missing = [{"type": "header", "key": "x-b", "value": "(?<b>.*)"}]
    assert _match(has, missing, query="a=1") == {"a": "1"}


def test_ipv6_host_keeps_its_brackets() -> None:
    # Next.js splits at the first ":" (leaving "["); approute keeps [::1].
    assert _match([{"type": "host", "value": "\\[::1\\]"}], host="[::1]:3000") == {"host": "[::1]"}


def test_param_names_and_types_are_known_at_startup() -> None:
    conditions = compile_conditions(
        [
            {"type": "header", "key": "x-rewrite-me"},
            {"type": "cookie", "key": "c", "value": "(?<token>.+)"},
            {"type": "host", "value": "(?<tenant>[a-z]+)\\.example\\.com"},
        ],
        [{"type": "query", "key": "q"}],
        where="test",
    )
    assert conditions.param_names == {"xrewriteme", "token", "tenant", "host"}
    assert conditions.types == {"header", "cookie", "host", "query"}


@pytest.mark.parametrize(
    ("has", "problem"),
    [
        pytest.param("header", "must be a list", id="not-a-list"),
        pytest.param({"type": "header", "key": "x"}, "must be a list", id="dict-not-list"),
        pytest.param(["header"], "must be a dict", id="item-not-a-dict"),
        pytest.param([{"type": "path", "key": "x"}], "type must be one of", id="unknown-type"),
        pytest.param([{"type": "header", "key": "x", "val": "y"}], "unknown keys", id="typo"),
        pytest.param([{"type": "header"}], "needs a non-empty string key", id="no-key"),
        pytest.param([{"type": "cookie", "key": ""}], "non-empty string key", id="empty-key"),
        pytest.param([{"type": "query", "key": 1}], "non-empty string key", id="key-not-str"),
        pytest.param([{"type": "host"}], "needs a value", id="host-without-value"),
        pytest.param([{"type": "header", "key": "x", "value": 1}], "must be a string", id="int"),
        pytest.param([{"type": "header", "key": "x", "value": "(a"}], "unterminated", id="bad"),
    ],
)
def test_invalid_conditions_are_project_errors(has: Any, problem: str) -> None:
    where = "approute.config.py: rewrites()[0]"
    with pytest.raises(ProjectError, match=problem) as info:
        compile_conditions(has, None, where=where)
    assert str(info.value).startswith(where)


def test_missing_list_is_validated_too() -> None:
    missing: Any = [{"type": "ip", "key": "x"}]
    with pytest.raises(ProjectError, match=r"missing\[0\]: type must be one of"):
        compile_conditions(None, missing, where="middleware.py")
