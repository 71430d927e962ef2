"""Refuse route trees Next.js refuses, with its messages and the file paths.

The checks follow Next.js's route sorting: every route
is inserted in a tree where all dynamic children of a folder share one node,
which is why ``/x/[id]/a`` and ``/x/[slug]/b`` conflict although their URLs
never overlap (tests/routing/test_validate_routes.py). Each message starts with Next.js's text
(so it can be searched for) and goes on with the files and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from approute.errors import ProjectError
from approute.routing.scan import RouteFile
from approute.routing.segments import Segment, SegmentKind

__all__ = ["validate_routes"]

# JavaScript's /\W/g: the "differ only by non-word symbols" rule compares
# names with everything but ASCII letters, digits and "_" removed.
_NON_WORD = re.compile(r"[^A-Za-z0-9_]")


@dataclass(slots=True)
class _Node:
    children: dict[tuple[SegmentKind, str], _Node] = field(default_factory=dict)
    slug: tuple[str, RouteFile] | None = None
    rest: tuple[str, RouteFile] | None = None
    optional: tuple[str, RouteFile] | None = None
    end: RouteFile | None = None


def validate_routes(routes: Sequence[RouteFile]) -> None:
    """Raise :class:`~approute.errors.ProjectError` if ``routes`` cannot coexist.

    Refused, as by Next.js: a route and a page (or two files through different
    groups) at one URL; a catch-all that is not last; two param names at one
    position; a param name repeated in one path (also up to non-word
    symbols); a route at the level of an optional catch-all; a required and
    an optional catch-all at one level. Also a metadata route and a route
    at one URL, or two files for one metadata route (``icon.png`` and
    ``icon.py``).
    """
    unique = _check_same_url(routes)
    _check_metadata_pairs(routes)
    root = _Node()
    for route in unique:
        _check_catch_all_last(route)
        _insert(root, route)
    _check_optional_specificity(root)


def _files(routes: Sequence[RouteFile]) -> str:
    shown = [r.where for r in routes]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " and " + shown[-1]


def _check_same_url(routes: Sequence[RouteFile]) -> list[RouteFile]:
    by_url: dict[tuple[Segment, ...], list[RouteFile]] = {}
    for route in routes:
        by_url.setdefault(route.segments, []).append(route)
    for same in by_url.values():
        if len(same) < 2:
            continue
        kinds = {r.kind for r in same}
        if "metadata" in kinds:
            _conflicting_metadata(same)
        if len(same) == 2 and kinds == {"route", "page"}:
            route = next(r for r in same if r.kind == "route")
            page = next(r for r in same if r.kind == "page")
            # Next.js 16's message: every URL is served
            # by one file, which takes all methods.
            raise ProjectError(
                f"Conflicting route and page at {route.pattern}: route at "
                f"{route.where} and page at {page.where}. Keep only one of them."
            )
        raise ProjectError(
            "You cannot have two parallel pages that resolve to the same path. "
            f"Please check {_files(same)}. Keep only one of them (route groups "
            "are not part of the URL)."
        )
    return [same[0] for same in by_url.values()]


def _conflicting_metadata(same: list[RouteFile]) -> None:
    metadata = [r for r in same if r.kind == "metadata"]
    others = [r for r in same if r.kind != "metadata"]
    pattern = same[0].pattern
    if others:
        # Next.js 16's message for app/robots.py beside app/robots.txt/route.py.
        raise ProjectError(
            f"Conflicting route and metadata at {pattern}: route at {others[0].where} and "
            f"metadata at {metadata[0].where}. Keep only one of them."
        )
    raise ProjectError(
        f"Conflicting metadata files at {pattern}: {_files(metadata)}. A metadata route is "
        "either a file served as is or a Python module computing it: keep only one of them."
    )


def _check_metadata_pairs(routes: Sequence[RouteFile]) -> None:
    """``icon.png`` beside ``icon.py`` (or ``manifest.json`` beside
    ``manifest.py``): two files for one metadata route, at different URLs."""
    seen: dict[tuple[object, str], RouteFile] = {}
    for route in routes:
        if route.metadata is None:
            continue
        key = (route.file.parent, route.metadata.stem)
        other = seen.setdefault(key, route)
        if other is not route:
            raise ProjectError(
                f"Conflicting metadata files for {route.metadata.stem}: {other.where} and "
                f"{route.where}. A metadata route is either a file served as is or a Python "
                "module computing it: keep only one of them."
            )


def _check_catch_all_last(route: RouteFile) -> None:
    for segment in route.segments[:-1]:
        if segment.kind in (SegmentKind.CATCH_ALL, SegmentKind.OPTIONAL_CATCH_ALL):
            raise ProjectError(
                "Catch-all must be the last part of the URL. In "
                f"{route.where}: '{segment.folder}' takes the rest of the path, "
                "so no folder with a route may be below it."
            )


def _insert(root: _Node, route: RouteFile) -> None:
    node = root
    names: list[str] = []
    for segment in route.segments:
        kind = segment.kind
        if kind is SegmentKind.STATIC:
            node = node.children.setdefault((kind, segment.value), _Node())
            continue
        name = segment.value
        if kind is SegmentKind.OPTIONAL_CATCH_ALL:
            if node.rest is not None:
                rest, other = node.rest
                raise ProjectError(
                    "You cannot use both an required and optional catch-all "
                    f'route at the same level ("[...{rest}]" and '
                    f'"{segment.folder}" ). In {_files([other, route])}: keep '
                    "one of them."
                )
            node.optional = _same_slug(node.optional, name, route)
        elif kind is SegmentKind.CATCH_ALL:
            if node.optional is not None:
                optional, other = node.optional
                raise ProjectError(
                    "You cannot use both an optional and required catch-all "
                    f'route at the same level ("[[...{optional}]]" and '
                    f'"{segment.folder}"). In {_files([other, route])}: keep '
                    "one of them."
                )
            node.rest = _same_slug(node.rest, name, route)
        else:
            node.slug = _same_slug(node.slug, name, route)
        for earlier in names:
            if earlier == name:
                raise ProjectError(
                    f'You cannot have the same slug name "{name}" repeat within '
                    f"a single dynamic path. In {route.where}: rename one of "
                    "the folders (params share one dict)."
                )
            if _NON_WORD.sub("", earlier) == _NON_WORD.sub("", name):
                raise ProjectError(
                    f'You cannot have the slug names "{earlier}" and "{name}" '
                    "differ only by non-word symbols within a single dynamic "
                    f"path. In {route.where}: rename one of the folders."
                )
        names.append(name)
        node = node.children.setdefault((kind, ""), _Node())
    node.end = route


def _same_slug(
    previous: tuple[str, RouteFile] | None, name: str, route: RouteFile
) -> tuple[str, RouteFile]:
    if previous is None:
        return (name, route)
    if previous[0] != name:
        raise ProjectError(
            "You cannot use different slug names for the same dynamic path "
            f"('{previous[0]}' !== '{name}'). In {_files([previous[1], route])}: "
            "use one name for that folder everywhere."
        )
    return previous


def _check_optional_specificity(root: _Node) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.end is not None and node.optional is not None:
            name, other = node.optional
            r = node.end.pattern
            # Next.js writes the two routes side by side with no "/" between
            # them ("/a" and "/a[[...x]]"): kept, so the message is theirs.
            raise ProjectError(
                "You cannot define a route with the same specificity as a "
                f'optional catch-all route ("{r}" and "{r}[[...{name}]]"). In '
                f"{_files([node.end, other])}: [[...{name}]] already serves "
                f"{r}; remove one of them."
            )
        stack.extend(reversed(node.children.values()))
