"""Send one ``public/`` file: the answer Next.js's `send` (0.17.1) gives.

200 with ``Accept-Ranges``, ``Cache-Control: public, max-age=0``,
``Last-Modified``, a weak ``ETag``, ``Content-Type`` and ``Content-Length``;
304 for a fresh conditional request, 412 for a failed ``If-Match`` /
``If-Unmodified-Since``, 206 for one byte range, 416 when no range fits, and
405 with ``Allow: GET, HEAD`` for any other method (Next.js says 500; see
docs/deviations.md). The body streams from disk in 64 KiB chunks read in a worker thread.
"""

from __future__ import annotations

import email.utils
import io
import os
import re
import stat
from collections.abc import Sequence
from typing import Final, Literal

import anyio.to_thread

from approute._types import Send
from approute.http.headers import Headers
from approute.public.files import PublicFile, validators

__all__ = ["CHUNK_SIZE", "serve_file"]

CHUNK_SIZE: Final = 64 * 1024

_Pairs = list[tuple[bytes, bytes]]

_OPEN_FLAGS: Final = (
    # The scan stored the resolved path: a symlink there now was put there
    # after startup, and is not followed.
    getattr(os, "O_NOFOLLOW", 0)
    # A FIFO swapped in after startup must not block open() forever.
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_ALLOW: Final = ((b"allow", b"GET, HEAD"), (b"content-length", b"0"))
_CACHE_CONTROL: Final = b"public, max-age=0"
# `send` drops these from a 304 (removeContentHeaderFields).
_NOT_ON_304: Final = frozenset(
    {b"content-type", b"content-length", b"content-range", b"content-encoding", b"content-language"}
)
# `send` only looks at a Range header that starts like this (any other unit,
# or "Bytes=", is ignored: the whole file).
_BYTES_RANGE: Final = re.compile(r" *bytes=")
# JavaScript parseInt(), as range-parser uses it: leading blanks, a "+", digits.
_INT: Final = re.compile(r"[ \t\n\r\f\v]*\+?([0-9]+)")
# Longer digit runs are treated as "bigger than any file": int() of a huge
# string is quadratic and capped (Starlette CVE-2025-62727).
_MAX_DIGITS: Final = 18
_HUGE: Final = 10**_MAX_DIGITS
# The `fresh` package: a request Cache-Control: no-cache is never answered 304.
_NO_CACHE: Final = re.compile(r"(?:^|,)[ \t]*no-cache[ \t]*(?:,|$)")


async def serve_file(
    file: PublicFile,
    method: str,
    headers: Headers,
    send: Send,
    *,
    extra_headers: Sequence[tuple[bytes, bytes]] = (),
) -> bool:
    """Answer ``method`` on ``file`` through ASGI ``send``.

    ``headers`` are the request's; ``extra_headers`` (config ``headers()``,
    middleware headers) replace the file's own of the same name, as in
    Next.js, where they are set before `send` runs; ``set-cookie`` lines
    add up. Returns False, having sent nothing, when the file is gone or no
    longer a regular file: answer 404 then.
    """
    if method not in ("GET", "HEAD"):
        await _send_empty(send, 405, list(_ALLOW), extra_headers)
        return True
    opened = await anyio.to_thread.run_sync(_open, os.fspath(file.path))
    if opened is None:
        return False
    stream, size, mtime_ns = opened
    try:
        await _answer(file, stream, size, mtime_ns, method == "HEAD", headers, send, extra_headers)
    finally:
        # A cancelled request (client gone) may leave a read running in its
        # worker thread; a buffered file's close() waits for it, so the
        # descriptor is never closed under it (and never reused mid-read).
        stream.close()
    return True


async def _answer(
    file: PublicFile,
    stream: io.BufferedReader,
    size: int,
    mtime_ns: int,
    head_only: bool,
    headers: Headers,
    send: Send,
    extra: Sequence[tuple[bytes, bytes]],
) -> None:
    if size == file.size and mtime_ns == file.mtime_ns:
        etag, last_modified = file.etag, file.last_modified
    else:  # changed since startup: describe what is there now
        etag, last_modified = validators(size, mtime_ns)
    modified = mtime_ns // 1_000_000_000
    base: _Pairs = [
        (b"accept-ranges", b"bytes"),
        (b"cache-control", _CACHE_CONTROL),
        (b"last-modified", last_modified.encode("latin-1")),
        (b"etag", etag.encode("latin-1")),
        (b"content-type", file.content_type.encode("latin-1")),
    ]
    if _precondition_failed(headers, etag, modified):
        await _send_empty(send, 412, [(b"content-length", b"0")], extra)
        return
    if _not_modified(headers, etag, modified):
        pairs = _merge(base, extra)
        pairs = [pair for pair in pairs if pair[0] not in _NOT_ON_304]
        await send({"type": "http.response.start", "status": 304, "headers": pairs})
        await send({"type": "http.response.body", "body": b""})
        return

    status, start, length = 200, 0, size
    range_header = headers.get("range")
    if range_header is not None and _range_fresh(headers, etag, modified):
        chosen = _select_range(range_header, size)
        if chosen == "unsatisfiable":
            pairs = [(b"content-range", b"bytes */%d" % size), (b"content-length", b"0")]
            await _send_empty(send, 416, pairs, extra)
            return
        if isinstance(chosen, tuple):
            status, start, length = 206, chosen[0], chosen[1] - chosen[0] + 1
            base.append((b"content-range", b"bytes %d-%d/%d" % (start, chosen[1], size)))
    base.append((b"content-length", b"%d" % length))
    await send({"type": "http.response.start", "status": status, "headers": _merge(base, extra)})
    if head_only or length == 0:
        await send({"type": "http.response.body", "body": b""})
        return
    if start:
        stream.seek(start)
    remaining = length
    while remaining > 0:
        chunk = await anyio.to_thread.run_sync(stream.read, min(CHUNK_SIZE, remaining))
        if not chunk:
            # Content-Length is already on the wire; the connection must drop.
            raise OSError(f"{file.display} shrank while it was being sent")
        remaining -= len(chunk)
        await send({"type": "http.response.body", "body": chunk, "more_body": remaining > 0})


def _open(path: str) -> tuple[io.BufferedReader, int, int] | None:
    """``(file, size, mtime_ns)`` for the regular file at ``path``, or None."""
    try:
        stream = open(path, "rb", opener=_opener)  # noqa: SIM115 - closed by serve_file
    except OSError:
        return None
    try:
        info = os.fstat(stream.fileno())
    except OSError:
        stream.close()
        return None
    if not stat.S_ISREG(info.st_mode):
        stream.close()
        return None
    return stream, info.st_size, info.st_mtime_ns


def _opener(path: str, flags: int) -> int:
    return os.open(path, flags | _OPEN_FLAGS)


def _merge(base: _Pairs, extra: Sequence[tuple[bytes, bytes]]) -> _Pairs:
    if not extra:
        return base
    replaced = {name for name, _ in extra if name != b"set-cookie"}
    return [pair for pair in base if pair[0] not in replaced] + list(extra)


async def _send_empty(
    send: Send, status: int, pairs: _Pairs, extra: Sequence[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": _merge(pairs, extra)})
    await send({"type": "http.response.body", "body": b""})


# -- conditional requests (RFC 9110 §13, as `send` and `fresh` read them) ---


def _tags(value: str) -> list[str]:
    return [token.strip(" ") for token in value.split(",")]


def _tag_matches(value: str, etag: str) -> bool:
    # Weak comparison, as `send`: W/"x" and "x" are the same tag.
    return any(t == etag or t == "W/" + etag or "W/" + t == etag for t in _tags(value))


def _http_date(value: str | None) -> int | None:
    """Seconds since the epoch, or None for a missing or unparsable date
    (garbage is ignored, never an error: tests/public/test_security.py)."""
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else email.utils.mktime_tz(parsed)
    except (ValueError, OverflowError, IndexError, TypeError):
        return None


def _precondition_failed(headers: Headers, etag: str, modified: int) -> bool:
    if_match = headers.get("if-match")
    if if_match:
        return if_match.strip() != "*" and not _tag_matches(if_match, etag)
    since = _http_date(headers.get("if-unmodified-since"))
    return since is not None and modified > since


def _not_modified(headers: Headers, etag: str, modified: int) -> bool:
    none_match = headers.get("if-none-match")
    modified_since = headers.get("if-modified-since")
    if not none_match and not modified_since:
        return False
    cache_control = headers.get("cache-control")
    if cache_control and _NO_CACHE.search(cache_control):
        return False
    if none_match:
        # RFC 9110 §13.2.2: with If-None-Match, If-Modified-Since is ignored.
        return none_match.strip() == "*" or _tag_matches(none_match, etag)
    since = _http_date(modified_since)
    return since is not None and modified <= since


def _range_fresh(headers: Headers, etag: str, modified: int) -> bool:
    """``If-Range``: serve the range only if the file is the one the client has."""
    if_range = headers.get("if-range")
    if not if_range:
        return True
    if '"' in if_range:
        return etag in if_range
    date = _http_date(if_range)
    return date is not None and modified <= date


# -- Range (range-parser with combine: true, in linear time) -----------------


def _int(text: str) -> int | None:
    found = _INT.match(text)
    if found is None:
        return None
    digits = found.group(1).lstrip("0") or "0"
    return _HUGE if len(digits) > _MAX_DIGITS else int(digits)


def _select_range(value: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """The one ``(first, last)`` byte range to send; None for the whole file
    (not a bytes range, or several disjoint ranges: `send` then answers 200);
    ``"unsatisfiable"`` when no range fits the file (416).

    Each part is parsed in one pass, so 5000 ranges or 100-digit numbers cost
    microseconds (Starlette CVE-2025-62727; tests/public/test_security.py).
    """
    if _BYTES_RANGE.match(value) is None:
        return None
    spans: list[tuple[int, int]] = []
    last_byte = size - 1
    for part in value[value.index("=") + 1 :].split(","):
        pieces = part.split("-", 2)
        first = _int(pieces[0])
        last = _int(pieces[1]) if len(pieces) > 1 else None
        if first is None:
            if last is None:
                continue
            first, last = size - last, last_byte  # "-n": the last n bytes
        elif last is None:
            last = last_byte  # "n-": from n to the end
        last = min(last, last_byte)
        if first > last or first < 0:
            continue
        spans.append((first, last))
    if not spans:
        return "unsatisfiable"
    if len(spans) == 1:
        return spans[0]
    # Overlapping or adjacent ranges count as one (range-parser `combine`).
    spans.sort()
    first, last = spans[0]
    for begin, end in spans[1:]:
        if begin > last + 1:
            return None
        last = max(last, end)
    return first, last
