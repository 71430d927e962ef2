"""The compiled trie that maps raw path segments to a route and its params.

Each node holds a dict of static children, at most one dynamic child, and at
most one catch-all and one optional catch-all route (validation guarantees
one param name per position). A lookup walks the request's segments: a
static child first, then the dynamic one, then the catch-alls, backtracking
to the next less specific choice when a branch cannot complete (Next.js
matches segment by segment the same way). Every node sits at a fixed depth,
so each is visited at most once per lookup and a catch-all takes the rest of
the path in one step: the cost depends on the path, not on the number of
routes, and never explodes, even on a 10 000-segment path
(tests/routing/test_table_scale.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from approute.http.paths import decode_segment, split_segments
from approute.routing.scan import RouteFile
from approute.routing.segments import SegmentKind

__all__ = ["RouteMatch", "RouteTrie"]

# Dynamic paths remembered with their match (see RouteTrie.match_path).
_REMEMBERED_PATHS = 4096

# Per-frame progress of the lookup at one node.
_FRESH = 0  # nothing tried yet
_STATIC = 1  # descending (or descended) into the static child
_DYNAMIC = 2  # descending (or descended) into the dynamic child


class RouteMatch(NamedTuple):
    """A matched route and its decoded params.

    ``params`` maps ``[id]`` names to a ``str`` and catch-all names to a
    ``list[str]``; an optional catch-all that matched nothing is absent.
    (A tuple: one is made per request, cheaper than a frozen dataclass.)
    """

    route: RouteFile
    params: dict[str, str | list[str]]


class _Node:
    __slots__ = (
        "catch_all",
        "dynamic",
        "dynamic_name",
        "optional",
        "route",
        "static",
    )

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: _Node | None = None
        self.dynamic_name = ""
        self.catch_all: tuple[str, RouteFile] | None = None
        self.optional: tuple[str, RouteFile] | None = None
        self.route: RouteFile | None = None


class RouteTrie:
    """Routes compiled once into a trie; :meth:`match` only does dict lookups.

    Expects routes that passed :func:`~approute.routing.validate.validate_routes`.
    """

    __slots__ = ("_dynamic_paths", "_root", "_static", "_static_paths")

    def __init__(self, routes: Sequence[RouteFile]) -> None:
        self._root = _Node()
        # Whole-path hits for routes without a dynamic segment: the static
        # branch is always tried first, so if one matches exactly it wins.
        self._static: dict[tuple[str, ...], RouteFile] = {}
        self._static_paths: dict[str, RouteFile] = {}
        # Recent dynamic matches by path (bounded, see match_path).
        self._dynamic_paths: dict[str, RouteMatch] = {}
        for route in routes:
            self._add(route)

    def _add(self, route: RouteFile) -> None:
        node = self._root
        for segment in route.segments:
            kind = segment.kind
            if kind is SegmentKind.STATIC:
                child = node.static.get(segment.value)
                if child is None:
                    child = node.static[segment.value] = _Node()
                node = child
            elif kind is SegmentKind.DYNAMIC:
                if node.dynamic is None:
                    node.dynamic = _Node()
                    node.dynamic_name = segment.value
                node = node.dynamic
            elif kind is SegmentKind.CATCH_ALL:
                node.catch_all = (segment.value, route)
                return
            else:
                node.optional = (segment.value, route)
                return
        node.route = route
        if all(s.kind is SegmentKind.STATIC for s in route.segments):
            values = tuple(s.value for s in route.segments)
            self._static[values] = route
            path = "/" + "/".join(values)
            self._static_paths[path] = route
            if values:
                self._static_paths[path + "/"] = route  # trailing_slash = True

    def match_path(self, path: str) -> RouteMatch | None:
        """:meth:`match` for a canonical path: a static route is one lookup,
        and so is a dynamic path matched recently (the walk and the param
        decoding cost more than the rest of routing). Each caller gets its
        own params, so a handler changing them changes nothing here."""
        hit = self._static_paths.get(path)
        if hit is not None:
            return RouteMatch(hit, {})
        known = self._dynamic_paths.get(path)
        if known is not None:
            return RouteMatch(known.route, _copy_params(known.params))
        found = self.match(split_segments(path))
        if found is not None:
            memo = self._dynamic_paths
            if len(memo) >= _REMEMBERED_PATHS:
                memo.clear()  # bounded: endless new paths cost a little, never a lot
            memo[path] = RouteMatch(found.route, _copy_params(found.params))
        return found

    def match(self, segments: Sequence[str]) -> RouteMatch | None:
        """The most specific route for raw ``segments``, or None.

        Params are decoded per segment; a bad escape or invalid UTF-8 in a
        param raises :class:`~approute.errors.BadRequest`.
        """
        segs = tuple(segments)
        hit = self._static.get(segs)
        if hit is not None:
            return RouteMatch(hit, {})
        n = len(segs)
        nodes: list[_Node] = [self._root]
        states: list[int] = [_FRESH]
        while nodes:
            depth = len(nodes) - 1
            node = nodes[depth]
            state = states[depth]
            if depth == n:
                if state == _FRESH:
                    states[depth] = _DYNAMIC
                    if node.route is not None:
                        return RouteMatch(node.route, _params(nodes, states, segs))
                    if node.optional is not None:
                        # [[...x]] with nothing left: the key is absent
                        # (Next.js: params.x is undefined).
                        return RouteMatch(node.optional[1], _params(nodes, states, segs))
                nodes.pop()
                states.pop()
                continue
            if state == _FRESH:
                states[depth] = _STATIC
                child = node.static.get(segs[depth])
                if child is not None:
                    nodes.append(child)
                    states.append(_FRESH)
                    continue
                state = _STATIC
            if state == _STATIC:
                states[depth] = _DYNAMIC
                # An empty segment never binds a param, as Next.js's
                # ([^/]+?) never matches one.
                if node.dynamic is not None and segs[depth]:
                    nodes.append(node.dynamic)
                    states.append(_FRESH)
                    continue
            # Static and dynamic cannot complete: a catch-all takes the rest.
            rest = node.catch_all or node.optional
            if rest is not None:
                params = _params(nodes, states, segs)
                params[rest[0]] = [decode_segment(s) for s in segs[depth:]]
                return RouteMatch(rest[1], params)
            nodes.pop()
            states.pop()
        return None


def _params(
    nodes: list[_Node], states: list[int], segs: tuple[str, ...]
) -> dict[str, str | list[str]]:
    # A frame whose state is _DYNAMIC on the successful path descended into
    # its dynamic child, which consumed the segment at that depth.
    params: dict[str, str | list[str]] = {}
    for depth in range(len(nodes) - 1):
        if states[depth] == _DYNAMIC:
            params[nodes[depth].dynamic_name] = decode_segment(segs[depth])
    return params


def _copy_params(params: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
    return {k: v if isinstance(v, str) else list(v) for k, v in params.items()}
