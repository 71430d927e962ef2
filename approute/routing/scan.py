"""Find ``app/`` and list the ``route.py`` / ``page.py`` files in it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from approute.http.paths import normalize_path
from approute.routing.segments import SEGMENT_SAFE, Segment, SegmentKind, parse_segment

__all__ = ["RouteFile", "scan_app"]

_ROUTE_FILES: dict[str, Literal["route", "page"]] = {
    "page.py": "page",
    "route.py": "route",
}


@dataclass(frozen=True, slots=True)
class RouteFile:
    """One ``route.py`` or ``page.py`` and the URL it serves.

    ``pattern`` is the Next.js route string without groups
    (``/api/users/[id]``, ``/`` for the root); ``display`` is the file as
    errors name it, relative to the app dir's parent (``app/api/route.py``);
    when empty, ``file`` is shown as is.
    """

    file: Path
    kind: Literal["route", "page"]
    pattern: str
    segments: tuple[Segment, ...]
    display: str = ""

    @property
    def where(self) -> str:
        """The file as error messages name it."""
        return self.display or self.file.as_posix()

    @property
    def params(self) -> tuple[Segment, ...]:
        """The route's param segments, in URL order (``[id]``, ``[...slug]``…)."""
        return tuple(segment for segment in self.segments if segment.kind is not SegmentKind.STATIC)

    def path_for(self, params: Mapping[str, object], *, trailing_slash: bool = False) -> str:
        """The canonical URL path this route serves for ``params``, the
        router's decoded values: every spelling of one request (``/a/%61``,
        ``/a/a``, a rewrite from elsewhere) gives the same path, which makes
        it the route cache's key.

        >>> route.path_for({"id": "a b"})  # app/users/[id]/route.py
        '/users/a%20b'
        """
        parts: list[str] = []
        for segment in self.segments:
            if segment.kind is SegmentKind.STATIC:
                parts.append(segment.value)
                continue
            value = params.get(segment.value)
            if isinstance(value, str):
                parts.append(_segment_text(value))
            elif isinstance(value, list | tuple):
                parts.extend(_segment_text(str(item)) for item in value)
        path = "/" + "/".join(parts)
        if not trailing_slash:
            return path
        # The normaliser's form: "/" added, except after a file-like segment.
        normalized = normalize_path(path.encode("ascii"), trailing_slash=True)
        return normalized.redirect or normalized.path


def _segment_text(value: str) -> str:
    # Most params are plain words: no need for quote() (a cached route's
    # key is built on every request).
    if value.isascii() and value.isalnum():
        return value
    return quote(value, safe=SEGMENT_SAFE)


def scan_app(app_dir: Path) -> list[RouteFile]:
    """Every ``route.py`` / ``page.py`` under ``app_dir``, in a fixed order.

    Private folders (``_name``) are skipped with everything below them, as in
    Next.js (a URL segment starting with ``_`` is written ``%5Fname``), and
    so are ``__pycache__`` and hidden folders (``.name``). Folder names are
    parsed on the way down, so an invalid one fails even when it holds no
    route yet.
    """
    found: list[RouteFile] = []
    visiting: set[str] = set()
    _walk(app_dir, app_dir.name, (), (), visiting, found)
    return found


def _walk(
    folder: Path,
    shown: str,
    names: tuple[str, ...],
    segments: tuple[Segment, ...],
    visiting: set[str],
    found: list[RouteFile],
) -> None:
    # A symlinked folder is followed, but never into itself (a cycle).
    real = os.path.realpath(folder)
    if real in visiting:
        return
    visiting.add(real)
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        subfolders: list[os.DirEntry[str]] = []
        for entry in entries:
            if entry.is_dir():
                subfolders.append(entry)
            elif entry.name in _ROUTE_FILES and entry.is_file():
                found.append(
                    RouteFile(
                        file=folder / entry.name,
                        kind=_ROUTE_FILES[entry.name],
                        pattern="/" + "/".join(names),
                        segments=segments,
                        display=f"{shown}/{entry.name}",
                    )
                )
        for entry in subfolders:
            name = entry.name
            if name.startswith(("_", ".")):
                continue
            where = f"{shown}/{name}"
            segment = parse_segment(name, where)
            if segment is None:
                _walk(folder / name, where, names, segments, visiting, found)
            else:
                _walk(
                    folder / name,
                    where,
                    (*names, name),
                    (*segments, segment),
                    visiting,
                    found,
                )
    finally:
        visiting.discard(real)
