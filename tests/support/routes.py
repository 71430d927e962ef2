"""Route tables from URL patterns, without files on disk."""

from __future__ import annotations

from pathlib import Path

from approute.routing.scan import RouteFile
from approute.routing.segments import parse_segment


def route_file(pattern: str) -> RouteFile:
    """The ``RouteFile`` of ``app<pattern>/route.py`` (``/users/[id]``)."""
    names = [n for n in pattern.split("/") if n]
    segments = []
    for name in names:
        segment = parse_segment(name, f"app{pattern}")
        assert segment is not None
        segments.append(segment)
    return RouteFile(
        file=Path("/project/app", *names, "route.py"),
        kind="route",
        pattern=pattern,
        segments=tuple(segments),
    )
