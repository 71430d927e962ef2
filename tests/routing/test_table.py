"""approute.routing.table: priority, backtracking, params (docs/routing.md)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approute.errors import BadRequest, ProjectError
from approute.http.paths import normalize_path, split_segments
from approute.routing.scan import RouteFile, scan_app
from approute.routing.segments import Segment, SegmentKind
from approute.routing.table import RouteTable
from tests.support.routes import route_file

FIXTURE = Path(__file__).parent.parent / "fixtures" / "routing_spec"


TABLE = RouteTable(
    [
        route_file(p)
        for p in [
            "/",
            "/api/hello",
            "/api/hello.json",
            "/api/users/[id]",
            "/api/users/me",
            "/api/files/[...path]",
            "/api/docs/[[...slug]]",
            "/%5Fx",
            "/hello world",
            "/[user]",
            "/a/[x]/c",
            "/a/b/d",
            "/shop/[...all]",
            "/shop/[cat]/items",
        ]
    ]
)

Params = dict[str, str | list[str]]


@pytest.mark.parametrize(
    ("segments", "pattern", "params"),
    [
        pytest.param([], "/", {}, id="root"),
        pytest.param(["api", "hello"], "/api/hello", {}, id="static"),
        pytest.param(["api", "hello.json"], "/api/hello.json", {}, id="dot-static"),
        pytest.param(["api", "users", "42"], "/api/users/[id]", {"id": "42"}, id="dynamic"),
        pytest.param(["api", "users", "me"], "/api/users/me", {}, id="static-beats-dynamic"),
        pytest.param(
            ["api", "users", "a%2Fb"],
            "/api/users/[id]",
            {"id": "a/b"},
            id="encoded-slash-stays-in-one-param",
        ),
        pytest.param(
            ["api", "users", "caf%C3%A9"],
            "/api/users/[id]",
            {"id": "café"},
            id="param-utf8-decoded",
        ),
        pytest.param(
            ["api", "users", "%2561"],
            "/api/users/[id]",
            {"id": "%61"},
            id="param-decoded-once",
        ),
        pytest.param(["api", "users", "a+b"], "/api/users/[id]", {"id": "a+b"}, id="plus-kept"),
        pytest.param(
            ["api", "files", "a", "b"],
            "/api/files/[...path]",
            {"path": ["a", "b"]},
            id="catch-all",
        ),
        pytest.param(
            ["api", "files", "a%2Fb", "c%20d"],
            "/api/files/[...path]",
            {"path": ["a/b", "c d"]},
            id="catch-all-elements-decoded-each",
        ),
        pytest.param(["api", "docs"], "/api/docs/[[...slug]]", {}, id="optional-empty"),
        pytest.param(
            ["api", "docs", "x", "y"],
            "/api/docs/[[...slug]]",
            {"slug": ["x", "y"]},
            id="optional-filled",
        ),
        pytest.param(["_x"], "/%5Fx", {}, id="encoded-underscore-folder"),
        pytest.param(["%5Fx"], "/[user]", {"user": "_x"}, id="static-compared-as-sent"),
        pytest.param(["hello%20world"], "/hello world", {}, id="space-folder"),
        pytest.param(["someone"], "/[user]", {"user": "someone"}, id="root-dynamic"),
        pytest.param(["API"], "/[user]", {"user": "API"}, id="case-sensitive"),
        pytest.param(["a", "b", "d"], "/a/b/d", {}, id="static-branch"),
        pytest.param(["a", "b", "c"], "/a/[x]/c", {"x": "b"}, id="backtrack-to-dynamic"),
        pytest.param(
            ["shop", "x", "items"],
            "/shop/[cat]/items",
            {"cat": "x"},
            id="dynamic-beats-catch-all",
        ),
        pytest.param(["shop", "x"], "/shop/[...all]", {"all": ["x"]}, id="backtrack-to-catch-all"),
        pytest.param(
            ["shop", "x", "y"],
            "/shop/[...all]",
            {"all": ["x", "y"]},
            id="backtrack-deeper-to-catch-all",
        ),
        pytest.param(["shop"], "/[user]", {"user": "shop"}, id="catch-all-needs-one"),
    ],
)
def test_match(segments: list[str], pattern: str, params: Params) -> None:
    found = TABLE.match(segments)
    assert found is not None
    assert found.route.pattern == pattern
    assert found.params == params


@pytest.mark.parametrize(
    "segments",
    [
        pytest.param(["nope", "deeper"], id="unknown"),
        pytest.param(["API", "hello"], id="uppercase-static"),
        pytest.param(["api", "files"], id="catch-all-without-segments"),
        pytest.param(["api", "users", "42", "x"], id="too-deep"),
        pytest.param([""], id="empty-segment"),
        pytest.param(["api", "users", ""], id="empty-segment-never-a-param"),
        pytest.param(["a", "%62", "d"], id="encoded-static-text"),
    ],
)
def test_no_match_is_none(segments: list[str]) -> None:
    assert TABLE.match(segments) is None


@pytest.mark.parametrize(
    "segments",
    [
        pytest.param(["api", "users", "%ZZ"], id="bad-escape"),
        pytest.param(["api", "users", "%C0%AF"], id="overlong-utf8"),
        pytest.param(["api", "users", "%FF"], id="invalid-utf8"),
        pytest.param(["api", "files", "ok", "%E0%A4%A"], id="catch-all-element"),
    ],
)
def test_undecodable_param_is_bad_request(segments: list[str]) -> None:
    with pytest.raises(BadRequest):
        TABLE.match(segments)


def test_optional_catch_all_at_root_matches_everything_but_static() -> None:
    table = RouteTable([route_file("/[[...all]]"), route_file("/api/x")])
    root = table.match([])
    assert root is not None
    assert root.route.pattern == "/[[...all]]"
    assert root.params == {}
    assert "all" not in root.params
    found = table.match(["api", "x"])
    assert found is not None
    assert found.route.pattern == "/api/x"
    found = table.match(["api"])
    assert found is not None
    assert found.params == {"all": ["api"]}


def test_params_dict_is_fresh_per_match() -> None:
    first = TABLE.match(["api", "users", "1"])
    assert first is not None
    first.params["id"] = "changed"
    second = TABLE.match(["api", "users", "1"])
    assert second is not None
    assert second.params == {"id": "1"}


@pytest.mark.parametrize(
    "path",
    ["/api/users/1", "/api/files/a/b", "/api/users/1/", "/api/files/a/b/"],
)
def test_match_path_agrees_with_match_also_when_repeated(path: str) -> None:
    """match_path remembers dynamic matches; every answer stays what the trie
    says, and each caller gets params of its own (lists included)."""
    expected = TABLE.match(split_segments(path))
    assert expected is not None
    for _ in range(3):
        found = TABLE.match_path(path)
        assert found == expected
        assert found is not None
        for value in found.params.values():
            if isinstance(value, list):
                value.append("changed")
        found.params["extra"] = "changed"


def test_match_path_memory_is_bounded() -> None:
    table = RouteTable([route_file("/api/users/[id]")])
    for i in range(5000):
        found = table.match_path(f"/api/users/{i}")
        assert found is not None
        assert found.params == {"id": str(i)}
    assert len(table._trie._dynamic_paths) <= 4096


def test_invalid_tree_fails_at_construction() -> None:
    with pytest.raises(ProjectError, match="different slug names"):
        RouteTable([route_file("/x/[a]"), route_file("/x/[b]/y")])


def test_spec_fixture_end_to_end_from_raw_path() -> None:
    table = RouteTable(scan_app(FIXTURE / "app"))
    cases: list[tuple[bytes, str | None, Params]] = [
        (b"/", "/", {}),
        (b"/api/hello", "/api/hello", {}),
        (b"/api//hello/", "/api/hello", {}),
        (b"/api/x/../users/42", "/api/users/[id]", {"id": "42"}),
        (b"/api/users/a%2Fb", "/api/users/[id]", {"id": "a/b"}),
        (b"/api/files/a/b", "/api/files/[...path]", {"path": ["a", "b"]}),
        (b"/api/docs", "/api/docs/[[...slug]]", {}),
        (b"/about", "/about", {}),
        (b"/_secret", "/%5Fsecret", {}),
        (b"/%5Fsecret", None, {}),
        (b"/_lib", None, {}),
        (b"/API/hello", None, {}),
    ]
    for raw, pattern, params in cases:
        found = table.match(split_segments(normalize_path(raw).path))
        if pattern is None:
            assert found is None, raw
        else:
            assert found is not None, raw
            assert (found.route.pattern, found.params) == (pattern, params), raw


def test_routes_are_in_nextjs_sorted_order() -> None:
    # The expected order is Next.js's own snapshot for getSortedRoutes
    # (test/unit/__snapshots__/page-route-sorter.test.js.snap).
    expected = [
        "/",
        "/apples/[ab]/[cd]/ef",
        "/blog/abc",
        "/blog/abc/[id]",
        "/blog/[id]",
        "/blog/[id]/comments/[cid]",
        "/foo/[d]/bar/baz/[f]",
        "/posts",
        "/posts/[id]",
        "/[root-slug]",
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    table = RouteTable([route_file(p) for p in shuffled])
    assert [r.pattern for r in table.routes] == expected


def test_catch_alls_sort_after_dynamic_and_static() -> None:
    expected = [
        "/docs/intro",
        "/docs/[[...slug]]",
        "/shop",
        "/shop/[cat]",
        "/shop/[cat]/items",
        "/shop/[...all]",
    ]
    table = RouteTable([route_file(p) for p in reversed(expected)])
    assert [r.pattern for r in table.routes] == expected


@pytest.mark.parametrize(
    ("pattern", "dynamic"),
    [
        pytest.param("/", False, id="root"),
        pytest.param("/api/hello.json", False, id="static"),
        pytest.param("/api/[id]", True, id="dynamic"),
        pytest.param("/[...a]", True, id="catch-all"),
        pytest.param("/x/[[...a]]", True, id="optional"),
    ],
)
def test_is_dynamic(pattern: str, dynamic: bool) -> None:
    route = route_file(pattern)
    assert RouteTable([route]).is_dynamic(route) is dynamic
    assert RouteTable.is_dynamic(route) is dynamic


# --- the trie against a tiny linear reference matcher -----------------------

_RANK = {
    SegmentKind.STATIC: 0,
    SegmentKind.DYNAMIC: 1,
    SegmentKind.CATCH_ALL: 2,
    SegmentKind.OPTIONAL_CATCH_ALL: 3,
}


def _linear_match(route: RouteFile, segs: Sequence[str]) -> Params | None:
    params: Params = {}
    for i, segment in enumerate(route.segments):
        if segment.kind is SegmentKind.CATCH_ALL:
            if i >= len(segs):
                return None
            params[segment.value] = [unquote(s) for s in segs[i:]]
            return params
        if segment.kind is SegmentKind.OPTIONAL_CATCH_ALL:
            if i < len(segs):
                params[segment.value] = [unquote(s) for s in segs[i:]]
            return params
        if i >= len(segs):
            return None
        if segment.kind is SegmentKind.STATIC:
            if segs[i] != segment.value:
                return None
        elif not segs[i]:
            return None
        else:
            params[segment.value] = unquote(segs[i])
    return params if len(segs) == len(route.segments) else None


def _reference(routes: Sequence[RouteFile], segs: Sequence[str]) -> tuple[RouteFile, Params] | None:
    # Most specific wins, compared segment by segment: the smallest tuple of
    # kind ranks among all routes that match at all.
    best: tuple[tuple[int, ...], RouteFile, Params] | None = None
    for route in routes:
        params = _linear_match(route, segs)
        if params is None:
            continue
        ranks = tuple(_RANK[s.kind] for s in route.segments)
        if best is None or ranks < best[0]:
            best = (ranks, route, params)
    return None if best is None else (best[1], best[2])


def _segment_at(depth: int) -> st.SearchStrategy[str]:
    # One param name per depth and kind, so generated trees rarely break the
    # one-name-per-position rule.
    return st.sampled_from(
        ["a", "b", "c", "%41", f"[p{depth}]", f"[...r{depth}]", f"[[...o{depth}]]"]
    )


@st.composite
def _patterns(draw: st.DrawFn) -> list[str]:
    out = []
    for _ in range(draw(st.integers(1, 14))):
        depth = draw(st.integers(0, 4))
        names = [draw(_segment_at(d)) for d in range(depth)]
        out.append("/" + "/".join(names))
    return out


def _valid_routes(patterns: list[str]) -> list[RouteFile]:
    kept: list[RouteFile] = []
    seen: set[tuple[Segment, ...]] = set()
    for pattern in patterns:
        try:
            route = route_file(pattern)
        except ProjectError:
            continue
        if route.segments in seen:
            continue
        try:
            RouteTable([*kept, route])
        except ProjectError:
            continue
        kept.append(route)
        seen.add(route.segments)
    return kept


_REQUEST = st.lists(st.sampled_from(["a", "b", "c", "A", "%41", "%2F", ""]), max_size=6)


@settings(max_examples=300)
@given(patterns=_patterns(), requests=st.lists(_REQUEST, min_size=1, max_size=8))
def test_trie_agrees_with_linear_reference(patterns: list[str], requests: list[list[str]]) -> None:
    routes = _valid_routes(patterns)
    table = RouteTable(routes)
    for segs in requests:
        expected = _reference(routes, segs)
        found = table.match(segs)
        if expected is None:
            assert found is None, segs
        else:
            assert found is not None, segs
            assert (found.route, found.params) == expected, segs
