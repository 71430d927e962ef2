"""The route table: validated once at startup, then asked per request.

table = RouteTable(scan_app(app_dir))
found = table.match(split_segments(normalize_path(raw_path).path))
"""

from __future__ import annotations

from collections.abc import Sequence

from approute.routing.matcher import RouteMatch, RouteTrie
from approute.routing.scan import RouteFile
from approute.routing.segments import SegmentKind
from approute.routing.validate import validate_routes

__all__ = ["RouteTable"]

# Next.js's getSortedRoutes order, segment by segment: a route before the
# routes below it, then static children by name, then [x], [...x], [[...x]].
_RANK = {
    SegmentKind.STATIC: 0,
    SegmentKind.DYNAMIC: 1,
    SegmentKind.CATCH_ALL: 2,
    SegmentKind.OPTIONAL_CATCH_ALL: 3,
}


def _sort_key(route: RouteFile) -> tuple[tuple[int, str], ...]:
    # A shorter key that is a prefix of a longer one sorts first, which is
    # Next.js putting a folder's own route before its children. Static values
    # are ASCII (canonically percent-encoded), so str order is the UTF-16
    # code-unit order of JavaScript's sort().
    return tuple(
        (_RANK[s.kind], s.value if s.kind is SegmentKind.STATIC else "") for s in route.segments
    )


class RouteTable:
    """All routes of an app, checked and compiled into a trie once.

    Raises :class:`~approute.errors.ProjectError` for a tree Next.js refuses.
    """

    __slots__ = ("_routes", "_trie")

    def __init__(self, routes: Sequence[RouteFile]) -> None:
        validate_routes(routes)
        self._routes = tuple(sorted(routes, key=_sort_key))
        self._trie = RouteTrie(self._routes)

    @property
    def routes(self) -> tuple[RouteFile, ...]:
        """The routes in Next.js's priority order (for printing the table)."""
        return self._routes

    def match(self, segments: Sequence[str]) -> RouteMatch | None:
        """The route for raw (still encoded) path ``segments``, or None (404).

        ``segments`` come from :func:`~approute.http.paths.split_segments`.
        Priority per segment: static > ``[x]`` > ``[...x]`` > ``[[...x]]``,
        trying the next one when a more specific branch fails deeper.

            >>> table.match(["api", "users", "42"])  # doctest: +SKIP
            RouteMatch(route=RouteFile(... pattern='/api/users/[id]' ...),
                       params={'id': '42'})
        """
        return self._trie.match(segments)

    def match_path(self, path: str) -> RouteMatch | None:
        """The route for a canonical (still encoded) path, or None (404):
        :meth:`match` of its segments, with static routes found in one step."""
        return self._trie.match_path(path)

    @staticmethod
    def is_dynamic(route: RouteFile) -> bool:
        """True when ``route`` has a ``[x]``, ``[...x]`` or ``[[...x]]`` segment."""
        return any(s.kind is not SegmentKind.STATIC for s in route.segments)
