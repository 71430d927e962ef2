"""Big tables and long paths (10,000 segments): correct answers, no recursion, no blow-up.

No timing assertions: the trie's cost is bounded by the path by construction
(see approute/routing/matcher.py); these check it stays correct at size.
"""

from __future__ import annotations

from pathlib import Path

from approute.routing.scan import RouteFile
from approute.routing.segments import Segment, SegmentKind
from approute.routing.table import RouteTable

S, D, C = SegmentKind.STATIC, SegmentKind.DYNAMIC, SegmentKind.CATCH_ALL


def _route(*segments: Segment) -> RouteFile:
    pattern = "/" + "/".join(s.folder for s in segments)
    return RouteFile(
        file=Path("/project/app", pattern.lstrip("/"), "route.py"),
        kind="route",
        pattern=pattern,
        segments=segments,
    )


def _ten_thousand_routes() -> list[RouteFile]:
    routes = []
    for i in range(5000):
        routes.append(_route(Segment(S, "static"), Segment(S, f"s{i}"), Segment(S, "leaf")))
        routes.append(_route(Segment(S, f"dyn{i}"), Segment(D, "id"), Segment(S, f"x{i}")))
    return routes


def test_ten_thousand_routes_match_the_last_ones() -> None:
    table = RouteTable(_ten_thousand_routes())
    assert len(table.routes) == 10_000

    found = table.match(["static", "s4999", "leaf"])
    assert found is not None
    assert found.route.pattern == "/static/s4999/leaf"
    assert found.params == {}

    found = table.match(["dyn4999", "abc", "x4999"])
    assert found is not None
    assert found.route.pattern == "/dyn4999/[id]/x4999"
    assert found.params == {"id": "abc"}

    assert table.match(["dyn4999", "abc", "x4998"]) is None
    assert table.match(["static", "s5000", "leaf"]) is None


def test_ten_thousand_segment_path_goes_to_the_catch_all() -> None:
    table = RouteTable(
        [
            *_ten_thousand_routes(),
            _route(Segment(S, "files"), Segment(C, "path")),
            _route(Segment(S, "files"), Segment(D, "name"), Segment(S, "meta")),
        ]
    )
    segments = ["files", *(f"p{i}" for i in range(9_999))]
    found = table.match(segments)
    assert found is not None
    assert found.route.pattern == "/files/[...path]"
    assert found.params == {"path": segments[1:]}


def test_ten_thousand_segment_path_without_a_catch_all_is_none() -> None:
    table = RouteTable(_ten_thousand_routes())
    assert table.match(["dyn1", *("x1" for _ in range(9_999))]) is None
    assert table.match(["static"] * 10_000) is None


def test_very_deep_route_matches_without_recursion() -> None:
    depth = 3_000
    deep = _route(*(Segment(S, "d") for _ in range(depth)))
    deep_dynamic = _route(*(Segment(S, "d") for _ in range(depth - 1)), Segment(D, "x"))
    table = RouteTable([deep, deep_dynamic])
    found = table.match(["d"] * depth)
    assert found is not None
    assert found.route is deep
    found = table.match([*(["d"] * (depth - 1)), "e"])
    assert found is not None
    assert found.route is deep_dynamic
    assert found.params == {"x": "e"}
