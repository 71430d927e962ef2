"""gzip on the way out, as Next.js's ``compress: true``.

Applied when the client accepts gzip, to compressible types (text, JSON,
JavaScript, XML, SVG…), with no minimum size (Next.js). Streamed bodies are
compressed chunk by chunk with a sync flush, so streaming stays streaming.
A response that already has a ``Content-Encoding``, a ``Cache-Control:
no-transform``, no body (HEAD, 204, 304) or a byte range (206) is left alone.
"""

from __future__ import annotations

import zlib
from typing import Any, Final

from approute._types import Message, Send

__all__ = ["accepts_gzip", "gzip_send", "is_compressible"]

_COMPRESSIBLE_PREFIXES: Final = (b"text/",)
_COMPRESSIBLE_TYPES: Final = frozenset(
    {
        b"application/json",
        b"application/javascript",
        b"application/xml",
        b"application/manifest+json",
        b"application/x-javascript",
        b"application/ld+json",
        b"application/rss+xml",
        b"application/atom+xml",
        b"application/xhtml+xml",
        b"image/svg+xml",
        b"image/x-icon",
    }
)
# No body, or a byte range of the identity body (gzip would break Content-Range).
_NOT_COMPRESSED: Final = frozenset({204, 206, 304})


def accepts_gzip(accept_encoding: bytes) -> bool:
    """Whether ``Accept-Encoding`` allows gzip; an explicit ``gzip;q=0``
    refuses it even beside ``*`` (RFC 9110 §12.5.3).

    Split by hand, one pass: the header is client input on every request,
    and a backtracking regex over it once let one request stall the server
    (docs/security.md).
    """
    allowed = False
    for item in accept_encoding.split(b","):
        token, _, parameters = item.partition(b";")
        token = token.strip().lower()
        if token != b"gzip" and token != b"*":
            continue
        quality = _quality(parameters)
        if quality is None:
            continue
        if token == b"gzip":
            return quality > 0
        allowed = allowed or quality > 0
    return allowed


def _quality(parameters: bytes) -> float | None:
    """The ``q`` of one coding's parameters (1 when absent); None when it
    is not a number, so the coding is ignored."""
    for parameter in parameters.split(b";"):
        name, equals, value = parameter.partition(b"=")
        if not equals:
            if name.strip():
                return None
            continue
        if name.strip().lower() != b"q":
            continue
        value = value.strip()
        if not value or len(value) > 5 or value.strip(b"0123456789.") != b"":
            return None
        try:
            return float(value)
        except ValueError:
            return None
    return 1.0


def is_compressible(content_type: bytes) -> bool:
    """Whether a body of this media type is worth compressing."""
    media = content_type.split(b";", 1)[0].strip().lower()
    return (
        media.startswith(_COMPRESSIBLE_PREFIXES)
        or media in _COMPRESSIBLE_TYPES
        or media.endswith((b"+json", b"+xml"))
    )


def gzip_send(send: Send) -> Send:
    """``send`` that gzips the response if it is worth it (see the module doc)."""
    return _GzipSend(send)


class _GzipSend:
    __slots__ = ("_compressor", "_send")

    def __init__(self, send: Send) -> None:
        self._send = send
        self._compressor: Any = None  # a zlib compress object once decided

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            headers: list[tuple[bytes, bytes]] = list(message.get("headers", ()))
            if _should_compress(message.get("status", 200), headers):
                headers = [(n, v) for n, v in headers if n != b"content-length"]
                headers.append((b"content-encoding", b"gzip"))
                headers = _vary_on_encoding(headers)
                self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
                message = {**message, "headers": headers}
        elif kind == "http.response.body" and self._compressor is not None:
            more = message.get("more_body", False)
            data = self._compressor.compress(message.get("body", b""))
            data += self._compressor.flush(zlib.Z_SYNC_FLUSH if more else zlib.Z_FINISH)
            message = {**message, "body": data}
        await self._send(message)


def _vary_on_encoding(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add ``Accept-Encoding`` to ``Vary`` (kept when present) so shared caches
    never give the gzip body to a client that did not ask for it."""
    for index, (name, value) in enumerate(headers):
        if name == b"vary":
            tokens = {token.strip().lower() for token in value.split(b",")}
            if b"accept-encoding" not in tokens and b"*" not in tokens:
                headers[index] = (name, value + b", Accept-Encoding")
            return headers
    headers.append((b"vary", b"Accept-Encoding"))
    return headers


def _should_compress(status: int, headers: list[tuple[bytes, bytes]]) -> bool:
    if status in _NOT_COMPRESSED or status < 200:
        return False
    content_type = b""
    for name, value in headers:
        if name == b"content-encoding":
            return False
        if name == b"cache-control" and b"no-transform" in value.lower():
            return False
        if name == b"content-type":
            content_type = value
        if name == b"content-length" and value == b"0":
            return False
    return bool(content_type) and is_compressible(content_type)
