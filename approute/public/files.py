"""The ``public/`` folder: scanned once at startup into a dict of URL → file.

Next.js (``next start``) lists ``public/`` once when the server starts and
serves only what it found; approute does the same, so a file added later is not
served until the next start. In dev (``next dev``, ``approute dev``) a
lookup that finds nothing scans the folder again (at most twice a second),
so a new file is served without a restart. A request can only ever reach a file that the
scan put in the dict: nothing derived from the URL is joined to a directory,
so ``..``, ``%2e%2e``, ``%2f``, ``%5c`` and NUL bytes have nothing to escape
from (tests/public/test_security.py).
"""

from __future__ import annotations

import email.utils
import logging
import mimetypes
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Final
from urllib.parse import quote, unquote

__all__ = ["PublicFile", "PublicFiles", "content_type_for", "validators"]

logger = logging.getLogger("approute")

# Dev: the shortest time between two scans of public/ (a burst of 404s
# walks the folder once).
_RESCAN_INTERVAL: Final = 0.5

# How a static URL segment is spelled canonically; the same rule as the
# router's static segments (approute.routing.segments), so a public file and
# a route at one URL are found to conflict.
_SAFE: Final = "!$&'()*+,;=:@-._~"

# Next.js serves public/ through the `send` package (0.17.1), whose types come
# from mime 1.6 (plus `image/avif`, which Next.js adds). Fixed
# here so the answer never depends on the machine's /etc/mime.types.
_UTF8: Final = "; charset=UTF-8"
_TYPES: Final = {
    "html": "text/html",
    "htm": "text/html",
    "css": "text/css",
    "js": "application/javascript",
    "mjs": "application/javascript",
    "json": "application/json",
    "map": "application/json",
    "txt": "text/plain",
    "csv": "text/csv",
    "md": "text/markdown",
    "xml": "application/xml",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "ico": "image/x-icon",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "pdf": "application/pdf",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "mp3": "audio/mpeg",
    "wasm": "application/wasm",
    "webmanifest": "application/manifest+json",
}
# mime 1.x `charsets.lookup`: these (and only these) get "; charset=UTF-8".
_TEXTUAL: Final = re.compile(r"text/|application/(?:javascript|json)")
_DEFAULT_TYPE: Final = "application/octet-stream"
# Python's built-in table (not the OS files: a fresh MimeTypes() starts from
# the defaults) for the long tail of extensions.
_FALLBACK: Final = mimetypes.MimeTypes().types_map[1]


def content_type_for(name: str) -> str:
    """The ``Content-Type`` Next.js sends for a public file called ``name``.

    >>> content_type_for("app.js")
    'application/javascript; charset=UTF-8'
    >>> content_type_for("logo.svg")
    'image/svg+xml'
    """
    # mime 1.x takes what follows the last ".", or the whole name.
    ext = name.rsplit(".", 1)[-1].lower()
    found = _TYPES.get(ext) or _FALLBACK.get("." + ext) or _DEFAULT_TYPE
    if _TEXTUAL.match(found):
        return found + _UTF8
    return found


def validators(size: int, mtime_ns: int) -> tuple[str, str]:
    """``(ETag, Last-Modified)`` for a file of ``size`` bytes changed at
    ``mtime_ns``, spelled as `send` does: a weak tag of size and milliseconds
    in hex (the `etag` package's ``stattag``), an IMF-fixdate.

    >>> validators(12, 1_700_000_000_123_456_789)
    ('W/"c-18bcfe5687b"', 'Tue, 14 Nov 2023 22:13:20 GMT')
    """
    etag = f'W/"{size:x}-{mtime_ns // 1_000_000:x}"'
    return etag, email.utils.formatdate(mtime_ns // 1_000_000_000, usegmt=True)


@dataclass(frozen=True, slots=True)
class PublicFile:
    """One file of ``public/`` as found at startup.

    ``url`` is its canonical URL path (``/fonts/a%20b.woff2``); ``path`` the
    real file (symlinks resolved); ``display`` how messages name it
    (``public/fonts/a b.woff2``). ``size``, ``mtime_ns``, ``etag`` and
    ``last_modified`` describe it at scan time; serving re-reads them.
    """

    url: str
    path: Path
    display: str
    size: int
    mtime_ns: int
    etag: str
    last_modified: str
    content_type: str


class PublicFiles:
    """Every servable file of ``public/``, keyed by canonical URL path.

    Built once by :meth:`scan`; :meth:`lookup` is a dict lookup. Files added
    after startup are not served (Next.js ``next start`` behaves the same).

        files = PublicFiles.scan(root / "public")
        found = files.lookup(normalize_path(raw_path).path)
    """

    __slots__ = ("_files", "_next_scan", "_rescan_dir", "root")

    def __init__(
        self, root: Path | None, files: dict[str, PublicFile], *, rescan_dir: Path | None = None
    ) -> None:
        self.root = root
        self._files = files
        # Dev: the folder scanned again on a miss, not sooner than _next_scan.
        self._rescan_dir = rescan_dir
        self._next_scan = 0.0

    @classmethod
    def scan(cls, public_dir: Path | None, *, rescan: bool = False) -> PublicFiles:
        """Walk ``public_dir`` once (None or missing: no files); ``rescan``
        (dev): walk it again when a lookup finds nothing.

        Followed: symlinks whose target resolves inside ``public_dir``
        (cycles cut). Refused, with a warning: symlinks resolving outside it
        (aiohttp CVE-2024-23334). Skipped: names a URL cannot spell (bytes
        that are not UTF-8), sockets, FIFOs and devices, and files whose own
        name starts with "." — `send`, which Next.js uses, will not serve
        those (its legacy ``dotfiles`` rule), while dot *folders* such as
        ``.well-known/`` are served.
        """
        rescan_dir = public_dir if rescan else None
        if public_dir is None:
            return cls(None, {}, rescan_dir=rescan_dir)
        try:
            root = public_dir.resolve(strict=True)
        except OSError:
            return cls(None, {}, rescan_dir=rescan_dir)
        if not root.is_dir():
            return cls(None, {}, rescan_dir=rescan_dir)
        files: dict[str, PublicFile] = {}
        _walk(root, str(root), "", public_dir.name, files, set())
        return cls(root, files, rescan_dir=rescan_dir)

    @property
    def may_serve(self) -> bool:
        """Whether a lookup can find anything: files now, or (dev) later."""
        return bool(self._files) or self._rescan_dir is not None

    def lookup(self, path: str) -> PublicFile | None:
        """The file served at canonical request ``path``, or None.

        ``path`` comes from :func:`~approute.http.paths.normalize_path`. As
        Next.js, a trailing slash is ignored and a spelling with other
        escapes (``/hello%2Etxt``) finds the file too.
        """
        found = self._find(path)
        if found is None and self._rescan_dir is not None and self._rescanned():
            found = self._find(path)
        return found

    def _rescanned(self) -> bool:
        """Dev: scan the folder again unless that was done just now."""
        now = time.monotonic()
        if now < self._next_scan:
            return False
        self._next_scan = now + _RESCAN_INTERVAL
        fresh = PublicFiles.scan(self._rescan_dir)
        self.root, self._files = fresh.root, fresh._files
        return True

    def _find(self, path: str) -> PublicFile | None:
        files = self._files
        found = files.get(path)
        if found is not None or not files:
            return found
        if len(path) > 1 and path[-1] == "/":
            path = path[:-1]
            found = files.get(path)
            if found is not None:
                return found
        if "%" not in path:
            return None
        canonical = _canonical(path)
        return None if canonical is None else files.get(canonical)

    def conflicts(self, static_route_patterns: Iterable[str]) -> list[str]:
        """URL paths served both by a public file and by one of the static
        routes given (``/about``, ``/%5Fx`` …), sorted.

        Next.js refuses this: "A conflicting public file and page file was
        found for path /x".
        """
        found: set[str] = set()
        for pattern in static_route_patterns:
            canonical = _canonical(pattern.rstrip("/") or "/")
            if canonical is not None and canonical in self._files:
                found.add(canonical)
        return sorted(found)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        return f"<PublicFiles {self.root} ({len(self._files)} files)>"


def _canonical(path: str) -> str | None:
    """``path`` with every segment decoded and re-encoded the canonical way."""
    if not path.startswith("/"):
        return None
    try:
        return "/".join(quote(unquote(s, errors="strict"), safe=_SAFE) for s in path.split("/"))
    except UnicodeDecodeError:
        return None


def _segment(name: str) -> str | None:
    """The canonical URL segment for file ``name``; None if no URL names it."""
    try:
        # Undecodable bytes come back from os.scandir as lone surrogates; the
        # path normaliser only accepts UTF-8, so no request can reach them.
        name.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return quote(name, safe=_SAFE)


def _walk(
    root: Path,
    folder: str,
    url: str,
    shown: str,
    files: dict[str, PublicFile],
    ancestors: set[str],
) -> None:
    # ``folder`` is always a real (resolved) directory inside ``root``.
    if folder in ancestors:
        return  # a symlink back to a folder we are inside: a cycle
    ancestors.add(folder)
    try:
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as error:
            logger.warning(
                "%s: cannot list this folder (%s); its files are not served", shown, error
            )
            return
        for entry in entries:
            name = entry.name
            segment = _segment(name)
            where = f"{shown}/{name}"
            if segment is None:
                logger.warning("%r: no URL can name this file; it is not served", where)
                continue
            real = os.path.join(folder, name)
            try:
                if entry.is_symlink():
                    real = os.path.realpath(real)
                    # Path.is_relative_to compares whole components, so the
                    # sibling "public_secret" is not inside "public"
                    # (Starlette CVE-2023-29159 used a string prefix).
                    if not PurePath(real).is_relative_to(root):
                        logger.warning(
                            "%s: a symlink to %s, outside %s; it is not served",
                            where,
                            real,
                            root,
                        )
                        continue
                    info = os.stat(real)
                else:
                    info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # a broken link, or gone since the listing
            if stat.S_ISDIR(info.st_mode):
                _walk(root, real, f"{url}/{segment}", where, files, ancestors)
            elif stat.S_ISREG(info.st_mode) and not name.startswith("."):
                etag, last_modified = validators(info.st_size, info.st_mtime_ns)
                key = f"{url}/{segment}"
                files[key] = PublicFile(
                    url=key,
                    path=Path(real),
                    display=where,
                    size=info.st_size,
                    mtime_ns=info.st_mtime_ns,
                    etag=etag,
                    last_modified=last_modified,
                    content_type=content_type_for(name),
                )
    finally:
        ancestors.discard(folder)
