"""The one path normaliser: raw ASGI ``raw_path`` bytes → the canonical path.

Everything that looks at a request path (config rules, middleware matchers,
the router, ``next_url``) uses the result of :func:`normalize_path`, so no two
parts of approute ever disagree on which path a request is for (the class of
bug behind Astro CVE-2025-64765 and ``@fastify/middie`` GHSA-cxrg-g7r8-w69p:
the middleware decided on one spelling, the router on another).

The canonical path stays percent-encoded as sent: as in Next.js, static
segments are compared with the still-encoded text and only dynamic params are
decoded, one segment at a time (:func:`decode_segment`), so ``%2F`` never
creates a new segment.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import unquote_to_bytes

from approute.errors import BadRequest

__all__ = ["NormalizedPath", "decode_segment", "normalize_path", "split_segments"]


class NormalizedPath(NamedTuple):
    """The canonical form of a request path, and the redirect to send if any.

    ``path`` starts with ``/`` and is still percent-encoded as sent. When
    ``redirect`` is set, answer 308 with it as the (relative) ``Location``;
    it is ``path`` plus ``?query`` when the request had a query. (A tuple:
    one is made per request, and a frozen dataclass costs twice as much.)
    """

    path: str
    redirect: str | None


# Bytes that may appear in a request path and need no further thought:
# printable ASCII except "%" (escapes), "#" (a fragment never belongs in a
# request target), "\\" (Next.js turns it into "/" with a redirect).
_PLAIN = bytes(c for c in range(0x21, 0x7F) if c not in b"%#\\")
# Bytes accepted at all. Space and controls cannot come from a conforming
# client (uvicorn's parsers refuse them), but an ASGI server may pass anything.
_ALLOWED = bytes(c for c in range(0x21, 0x7F) if c != ord("#"))
_HEX = frozenset("0123456789abcdefABCDEF")
_DOT = frozenset({".", "%2e"})
_DOTDOT = frozenset({"..", ".%2e", "%2e.", "%2e%2e"})
_WELL_KNOWN = ".well-known"


def normalize_path(
    raw_path: bytes,
    query_string: bytes = b"",
    *,
    trailing_slash: bool = False,
    base_path: str = "",
) -> NormalizedPath:
    """Validate ``raw_path`` and return its canonical form.

    Raises :class:`~approute.errors.BadRequest` for a target that is not an
    absolute path, holds ``#`` or a byte outside printable ASCII, has a
    malformed ``%`` escape, or decodes to invalid UTF-8 or a NUL. ``//`` and
    ``\\`` ask for a redirect to the collapsed path; ``.``/``..`` (also
    encoded) are resolved in place; the trailing slash follows
    ``trailing_slash`` as Next.js's ``trailingSlash`` does, inside
    ``base_path`` only (outside it the slash is left as sent).

        >>> normalize_path(b"/api/users/42")
        NormalizedPath(path='/api/users/42', redirect=None)
        >>> normalize_path(b"//a//b/", b"x=1")
        NormalizedPath(path='/a/b', redirect='/a/b?x=1')
    """
    # Fast path, the common case: only plain bytes, no "//", no dot segment
    # (every dot segment, encoded or not, starts with "/." or "/%"), and the
    # trailing slash already as wanted. No decoding, no regex.
    if (
        raw_path[:1] == b"/"
        and not raw_path.translate(None, _PLAIN)
        and b"//" not in raw_path
        and b"/." not in raw_path
    ):
        if raw_path == b"/":
            return NormalizedPath("/", None)
        if trailing_slash:
            if raw_path[-1:] == b"/":
                last = raw_path[raw_path.rindex(b"/", 0, -1) + 1 : -1]
                if b"." not in last:
                    return NormalizedPath(raw_path.decode("ascii"), None)
            elif b"." in raw_path[raw_path.rindex(b"/") + 1 :]:
                return NormalizedPath(raw_path.decode("ascii"), None)
        elif raw_path[-1:] != b"/":
            return NormalizedPath(raw_path.decode("ascii"), None)
    return _normalize_slow(raw_path, query_string, trailing_slash, base_path)


def _normalize_slow(
    raw_path: bytes, query_string: bytes, trailing_slash: bool, base_path: str = ""
) -> NormalizedPath:
    # Starlette CVE-2026-54282: a target without a leading "/" (absolute-form
    # "http://x/…", "@evil.com", "*", empty) must never reach URL building.
    # approute answers 400 rather than use the path of an absolute-form target,
    # so h11 (which passes the whole URL) and httptools behave the same.
    if raw_path[:1] != b"/":
        raise BadRequest("the request target must be a path starting with '/'")
    if raw_path.translate(None, _ALLOWED):
        raise BadRequest("the request path holds '#' or a byte outside printable ASCII")
    text = raw_path.decode("ascii")
    if "%" in text:
        # Next.js answers a DecodeError with 400 (it 500s on some; approute
        # always 400s, docs/deviations.md): check the whole path once, here.
        _decode(text)

    # Next.js (normalizeRepeatedSlashes) redirects when the raw path holds a
    # backslash or "//": raw "\" becomes "/", runs of "/" become one. An
    # encoded %5C is an ordinary character inside a segment, as in Next.js
    # (it only rewrites the raw text), and browsers never decode it when they
    # resolve a Location, so it cannot make one protocol-relative.
    if "\\" in text:
        text = text.replace("\\", "/")
        collapse = True
    else:
        collapse = False
    parts = text.split("/")
    if not collapse and "" in parts[1:-1]:
        collapse = True
    # Only a literal trailing "/" counts: "/a/b/.." is "/a", not "/a/" as
    # RFC 3986 would have it, so dot segments alone never cause a redirect.
    has_slash = parts[-1] == ""

    # Resolve dot segments in place (RFC 3986 §5.2.4, clamped at "/"): Next.js
    # serves "/x/../admin" as "/admin" with no redirect, also for %2e%2e.
    # Empty segments are dropped first, which is "collapse, then resolve".
    out: list[str] = []
    for seg in parts[1:]:
        if not seg:
            continue
        if seg[0] == "." or seg[0] == "%":
            low = seg.lower() if "%" in seg else seg
            if low in _DOT:
                continue
            if low in _DOTDOT:
                if out:
                    out.pop()
                continue
        out.append(seg)

    if not out:
        # The root never gets a trailing-slash redirect.
        return NormalizedPath("/", "/" + _query(query_string) if collapse else None)

    base = base_path.split("/")[1:] if base_path else []
    if out[: len(base)] != base:
        want_slash = has_slash  # outside base_path: Next.js's redirects never match
    else:
        want_slash = trailing_slash and _wants_slash(out[len(base) :], has_slash)
    path = "/" + "/".join(out)
    if want_slash:
        path += "/"
    if collapse or has_slash != want_slash:
        return NormalizedPath(path, path + _query(query_string))
    return NormalizedPath(path, None)


def _wants_slash(segments: list[str], has_slash: bool) -> bool:
    # Next.js trailingSlash: true: anything under /.well-known/ is left as
    # sent; a last segment with a dot is a file and loses its slash
    # ("/gcc.git/" → "/gcc.git" under both settings; tests/http/test_paths.py).
    if not segments:
        return True  # the base path itself: /docs → /docs/
    if segments[0] == _WELL_KNOWN:
        return has_slash
    return "." not in segments[-1]


def _query(query_string: bytes) -> str:
    if not query_string:
        return ""
    # Kept as sent, except that a byte which may not appear in a header value
    # (CR/LF, controls, non-ASCII) or would start a fragment is escaped: a
    # Location must never carry a raw CR/LF (header injection).
    if query_string.translate(None, _ALLOWED):
        query_string = b"".join(
            bytes((b,)) if 0x21 <= b < 0x7F and b != 0x23 else b"%%%02X" % b for b in query_string
        )
    return "?" + query_string.decode("ascii")


def _decode(text: str) -> str:
    i = text.find("%")
    n = len(text)
    while i != -1:
        if i + 2 >= n or text[i + 1] not in _HEX or text[i + 2] not in _HEX:
            raise BadRequest("malformed percent-escape in the request path")
        i = text.find("%", i + 3)
    try:
        decoded = unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the request path does not decode to UTF-8") from None
    # uvicorn's scope["path"] carries a decoded NUL through (docs/security.md);
    # refused here so no file system call ever sees "embedded null byte".
    if "\x00" in decoded:
        raise BadRequest("the request path holds an encoded NUL")
    return decoded


def split_segments(path: str) -> list[str]:
    """Split a canonical path into its raw (still encoded) segments.

    >>> split_segments("/api/users/42/")
    ['api', 'users', '42']
    >>> split_segments("/")
    []
    """
    end = len(path) - 1 if path.endswith("/") else len(path)
    if end <= 1:
        return []
    return path[1:end].split("/")


def decode_segment(segment: str) -> str:
    """Percent-decode one raw path segment strictly, as ``decodeURIComponent``.

    A malformed escape, invalid UTF-8 or a NUL raises
    :class:`~approute.errors.BadRequest` (Next.js: ``DecodeError`` → 400).

        >>> decode_segment("a%2Fb")
        'a/b'
    """
    if "%" not in segment:
        return segment
    return _decode(segment)
