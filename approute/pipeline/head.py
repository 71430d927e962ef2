"""The request head, before anything else runs: client-sent internal headers
dropped, oversized heads refused, the path normalised once.

Internal headers (``x-middleware-*``, ``x-nextjs-*``, ``x-approute-*``) are
dropped (CVE-2025-29927: a client must not skip the middleware by sending
the header the server uses to mark a subrequest). A head over the size or
count limit is a 431 before any header value is parsed, so nothing
client-sized runs first. The raw path is normalised once (400 for a
malformed escape; 308 for ``//``, ``\\`` and the trailing slash), and that
one string is what the middleware matcher and the router see.
"""

from __future__ import annotations

from typing import Final

from approute._types import Scope
from approute.errors import AmbiguousFraming, BadRequest, HeadersTooLarge
from approute.http.compression import accepts_gzip
from approute.http.headers import is_internal_header
from approute.http.paths import normalize_path

__all__ = ["HeadFacts", "HeadGuard"]

# Raw paths remembered with their canonical form (see HeadGuard.canonical_path).
_CANONICAL_PATHS: Final = 4096


class HeadFacts:
    """What one pass over the request headers found."""

    __slots__ = ("chunked", "content_length", "expects_continue", "gzip", "raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        self.raw = raw
        self.content_length: int | None = None
        self.chunked = False
        self.gzip = False
        # ``Expect: 100-continue``: the client sends no body until asked.
        self.expects_continue = False


class HeadGuard:
    """The head checks, with the app's limits and path settings (fixed at
    startup) and a memo of canonical paths."""

    __slots__ = ("_base_path", "_canonical", "_max_head_size", "_max_headers", "_trailing_slash")

    def __init__(
        self, *, max_head_size: int, max_headers: int, trailing_slash: bool, base_path: str
    ) -> None:
        self._max_head_size = max_head_size
        self._max_headers = max_headers
        self._trailing_slash = trailing_slash
        self._base_path = base_path
        self._canonical: dict[bytes, str] = {}

    def check(self, scope: Scope) -> HeadFacts:
        """One pass over the request headers: strip internal ones, refuse
        heads over the size/count limits (431), note what later stages need."""
        raw: list[tuple[bytes, bytes]] = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        internal = False
        head = HeadFacts(raw)
        content_length = accept_encoding = None
        for name, value in raw:
            size += len(name) + len(value)
            first = name[:1]
            if first == b"x":
                internal = internal or is_internal_header(name)
            elif first == b"c":
                if name == b"content-length":
                    content_length = value
            elif name == b"transfer-encoding":
                head.chunked = True
            elif name == b"accept-encoding":
                accept_encoding = value
            elif name == b"expect":
                head.expects_continue = value.lower() == b"100-continue"
        # Values are parsed only once the head is known to be within the
        # limits: nothing client-sized runs before the 431.
        if size > self._max_head_size or len(raw) > self._max_headers:
            raise HeadersTooLarge("request headers are too large")
        if content_length is not None:
            # uvicorn's guarded protocols refuse this before the app; granian
            # passes it on, reading the body as chunked.
            if head.chunked:
                raise AmbiguousFraming("Content-Length with Transfer-Encoding")
            if not content_length.isdigit() or len(content_length) > 18:
                raise BadRequest("invalid Content-Length")
            head.content_length = int(content_length)
        if accept_encoding is not None:
            head.gzip = accepts_gzip(accept_encoding)
        if internal:
            head.raw = scope["headers"] = [pair for pair in raw if not is_internal_header(pair[0])]
        return head

    def canonical_path(self, raw_path: bytes, query: bytes) -> tuple[str, str | None]:
        """``(path, None)`` for the canonical path of ``raw_path`` (with the
        base path), or ``("", location)`` when it must be redirected (308).
        Raises ``BadRequest`` for a malformed escape."""
        canonical = self._canonical
        path = canonical.get(raw_path)
        if path is not None:
            return path, None
        normalized = normalize_path(
            raw_path, query, trailing_slash=self._trailing_slash, base_path=self._base_path
        )
        if normalized.redirect is not None:
            return "", normalized.redirect
        # Most requests repeat a few paths, and a lookup is a tenth of
        # normalising. Bounded: the memo starts over when full (a client
        # sending endless new paths costs a little memory, never a lot).
        if len(canonical) >= _CANONICAL_PATHS:
            canonical.clear()
        canonical[raw_path] = normalized.path
        return normalized.path, None
