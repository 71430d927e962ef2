"""Find ``app/`` and list the ``route.py`` / ``page.py`` files and the
metadata routes (``robots.py``, ``icon.png``…, see ``metadata_files``) in it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from approute.http.paths import normalize_path
from approute.routing.metadata_files import METADATA_ID, MetadataFile, metadata_file
from approute.routing.module_names import top_level_names
from approute.routing.segments import SEGMENT_SAFE, Segment, SegmentKind, parse_segment

__all__ = ["RouteFile", "RouteKind", "scan_app"]

RouteKind = Literal["route", "page", "metadata"]

_ROUTE_FILES: dict[str, Literal["route", "page"]] = {
    "page.py": "page",
    "route.py": "route",
}


@dataclass(frozen=True, slots=True)
class RouteFile:
    """One ``route.py``, ``page.py`` or metadata file and the URL it serves.

    ``pattern`` is the Next.js route string without groups
    (``/api/users/[id]``, ``/`` for the root); ``display`` is the file as
    errors name it, relative to the app dir's parent (``app/api/route.py``);
    when empty, ``file`` is shown as is. A metadata route (``kind ==
    "metadata"``) says which one in ``metadata``.
    """

    file: Path
    kind: RouteKind
    pattern: str
    segments: tuple[Segment, ...]
    display: str = ""
    metadata: MetadataFile | None = None

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
    """Every ``route.py`` / ``page.py`` and metadata route under ``app_dir``,
    in a fixed order.

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


def _metadata_route(
    file: Path,
    metadata: MetadataFile,
    shown: str,
    names: tuple[str, ...],
    segments: tuple[Segment, ...],
) -> RouteFile:
    """The route of a metadata file: its URL name, then an id segment when a
    generated sitemap or image module defines the function that lists them
    (read from the source, as Next.js reads a module's exports)."""
    url_name = metadata.url_name("/" + shown.partition("/")[2])
    tail: tuple[Segment, ...] = (Segment(SegmentKind.STATIC, url_name),)
    lister = metadata.lister
    if lister is not None and lister in top_level_names(file):
        # Next.js: <folder>/sitemap/<id>.xml, <folder>/icon/<id>
        base = "sitemap" if metadata.name == "sitemap" else url_name
        tail = (Segment(SegmentKind.STATIC, base), Segment(SegmentKind.DYNAMIC, METADATA_ID))
    return RouteFile(
        file=file,
        kind="metadata",
        pattern="/" + "/".join((*names, *(segment.folder for segment in tail))),
        segments=(*segments, *tail),
        display=f"{shown}/{file.name}",
        metadata=metadata,
    )


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
            elif entry.is_file():
                metadata = metadata_file(entry.name, at_root="/" not in shown)
                if metadata is not None:
                    found.append(
                        _metadata_route(folder / entry.name, metadata, shown, names, segments)
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
