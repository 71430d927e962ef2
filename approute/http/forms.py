"""``await request.form_data()``: urlencoded and multipart bodies, with limits.

Multipart parsing is python-multipart's (streaming, no buffering of the
whole body); approute adds the limits its history taught (Starlette
CVE-2023-30798, CVE-2024-47874, CVE-2025-54121): a cap on fields and files,
on each non-file part, and file parts spooled to disk with the disk writes
in a worker thread so a large upload never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import tempfile
import weakref
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import IO

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from approute.errors import BadRequest, BodyTooLarge, InvalidForm
from approute.http.search_params import SearchParams

__all__ = ["FormData", "FormLimits", "UploadFile", "parse_form"]

_SPOOL_MAX = 1024 * 1024  # files above 1 MiB move from memory to a temp file
_MAX_BOUNDARY = 70  # RFC 2046
# Urlencoded bodies larger than this are decoded in a worker thread.
_DECODE_ON_LOOP = 64 * 1024


@dataclass(frozen=True, slots=True)
class FormLimits:
    """Limits for one form body (all configurable through the app options)."""

    max_fields: int = 1000
    max_files: int = 1000
    max_part_size: int = 1024 * 1024
    max_part_headers: int = 16
    max_part_header_size: int = 16 * 1024
    max_body_size: int = 4 * 1024 * 1024  # urlencoded body / multipart non-file data


class UploadFile:
    """A file part of a multipart body, spooled to a temporary file.

    ``name`` is the client's file name, kept only as metadata: approute never
    uses it as a path.
    """

    __slots__ = ("_file", "name", "size", "type")

    def __init__(self, name: str, type: str, file: IO[bytes], size: int) -> None:
        self.name = name
        self.type = type
        self.size = size
        self._file = file

    @property
    def file(self) -> IO[bytes]:
        """The underlying (spooled) temporary file, positioned at the start."""
        return self._file

    async def bytes(self) -> bytes:
        """The whole file content."""
        self._file.seek(0)
        return await anyio.to_thread.run_sync(self._file.read)

    async def text(self, encoding: str = "utf-8") -> str:
        """The file content decoded (UTF-8 by default)."""
        return (await self.bytes()).decode(encoding, errors="replace")

    def close(self) -> None:
        """Delete the temporary file."""
        self._file.close()

    def __repr__(self) -> str:
        return f"UploadFile(name={self.name!r}, type={self.type!r}, size={self.size})"


FormValue = str | UploadFile


class FormData:
    """Form fields in body order: ``get`` (first), ``get_all``, ``items``."""

    __slots__ = ("_items",)

    def __init__(self, items: list[tuple[str, FormValue]] | None = None) -> None:
        self._items = items if items is not None else []

    def get(self, name: str) -> FormValue | None:
        """The first value named ``name``: a ``str`` or an ``UploadFile``."""
        for key, value in self._items:
            if key == name:
                return value
        return None

    def get_all(self, name: str) -> list[FormValue]:
        """Every value named ``name``."""
        return [value for key, value in self._items if key == name]

    def has(self, name: str) -> bool:
        """Whether a field named ``name`` exists."""
        return any(key == name for key, _ in self._items)

    def items(self) -> list[tuple[str, FormValue]]:
        """Every ``(name, value)`` pair in body order."""
        return list(self._items)

    def keys(self) -> list[str]:
        """Field names in body order (repeated names repeat)."""
        return [key for key, _ in self._items]

    def __iter__(self) -> Iterator[tuple[str, FormValue]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return any(key == name for key, _ in self._items)

    def close(self) -> None:
        """Delete every uploaded file's temporary file."""
        for _, value in self._items:
            if isinstance(value, UploadFile):
                value.close()

    def __repr__(self) -> str:
        return f"FormData({self._items!r})"


async def parse_form(
    content_type: str | None,
    chunks: AsyncIterator[bytes],
    limits: FormLimits,
    *,
    content_length: int | None = None,
) -> FormData:
    """Parse a form body by its ``Content-Type``; anything else is ``InvalidForm``."""
    media, options = parse_options_header(content_type or "")
    if media == b"application/x-www-form-urlencoded":
        # All of it is field data: refuse a declared oversize body unread.
        if content_length is not None and content_length > limits.max_body_size:
            raise BodyTooLarge(f"form body is over the {limits.max_body_size} byte limit")
        return await _parse_urlencoded(chunks, limits)
    if media == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary or len(boundary) > _MAX_BOUNDARY:
            raise InvalidForm("multipart/form-data needs a boundary of 1 to 70 chars")
        return await _parse_multipart(boundary, chunks, limits)
    raise InvalidForm(
        "form_data() needs Content-Type application/x-www-form-urlencoded "
        f"or multipart/form-data; got {content_type or 'none'!r}"
    )


async def _parse_urlencoded(chunks: AsyncIterator[bytes], limits: FormLimits) -> FormData:
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limits.max_body_size:
            raise BodyTooLarge(f"form body is over the {limits.max_body_size} byte limit")
        parts.append(chunk)
    body = b"".join(parts)
    if len(body) > _DECODE_ON_LOOP:
        # Decoding megabytes takes a tenth of a second or more: in a worker
        # thread, other requests are still served meanwhile.
        return await anyio.to_thread.run_sync(_decode_urlencoded, body, limits, limiter=_decoders())
    return _decode_urlencoded(body, limits)


def _decoders() -> anyio.CapacityLimiter:
    """One decoding thread at a time per event loop: a CPU-bound thread
    holds the GIL, so more of them would crowd out the loop's thread."""
    loop = asyncio.get_running_loop()
    limiter = _DECODERS.get(loop)
    if limiter is None:
        limiter = _DECODERS[loop] = anyio.CapacityLimiter(1)
    return limiter


_DECODERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _decode_urlencoded(body: bytes, limits: FormLimits) -> FormData:
    text = body.decode("utf-8", errors="replace")
    try:
        return FormData(list(SearchParams(text, max_params=limits.max_fields).items()))
    except BadRequest:
        raise BodyTooLarge(f"more than {limits.max_fields} fields in the form") from None


class _Part:
    __slots__ = (
        "content_type",
        "file",
        "filename",
        "header_count",
        "header_field",
        "header_size",
        "headers",
        "name",
        "size",
        "text",
    )

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.header_field = b""
        self.header_count = 0
        self.header_size = 0
        self.name = ""
        self.filename: str | None = None
        self.content_type = ""
        self.file: tempfile.SpooledTemporaryFile[bytes] | None = None
        self.text = bytearray()
        self.size = 0


async def _parse_multipart(
    boundary: bytes, chunks: AsyncIterator[bytes], limits: FormLimits
) -> FormData:
    """Stream the body through python-multipart, acting on its events in order."""
    events: list[tuple[str, bytes]] = []

    def data_event(name: str):  # type: ignore[no-untyped-def]
        def callback(data: bytes, start: int, end: int) -> None:
            events.append((name, data[start:end]))

        return callback

    def mark_event(name: str):  # type: ignore[no-untyped-def]
        def callback() -> None:
            events.append((name, b""))

        return callback

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": mark_event("part_begin"),
            "on_part_data": data_event("part_data"),
            "on_part_end": mark_event("part_end"),
            "on_header_field": data_event("header_field"),
            "on_header_value": data_event("header_value"),
            "on_header_end": mark_event("header_end"),
            "on_headers_finished": mark_event("headers_finished"),
            "on_end": mark_event("end"),
        },
        max_header_count=limits.max_part_headers,
        max_header_size=limits.max_part_header_size,
    )
    items: list[tuple[str, FormValue]] = []
    state = _MultipartState(items, limits)
    ended = False
    try:
        async for chunk in chunks:
            try:
                parser.write(chunk)
            except MultipartParseError as error:
                raise InvalidForm(f"malformed multipart body: {error}") from None
            for kind, data in events:
                ended = await state.handle(kind, data) or ended
            events.clear()
        if not ended:
            raise InvalidForm("malformed multipart body: no closing boundary")
    except BaseException:
        FormData(items).close()
        state.discard()
        raise
    return FormData(items)


class _MultipartState:
    __slots__ = ("fields", "files", "items", "limits", "part", "text_size")

    def __init__(self, items: list[tuple[str, FormValue]], limits: FormLimits) -> None:
        self.items = items
        self.limits = limits
        self.part = _Part()
        self.fields = 0
        self.files = 0
        self.text_size = 0

    async def handle(self, kind: str, data: bytes) -> bool:
        part = self.part
        if kind == "part_begin":
            self.part = _Part()
        elif kind == "header_field":
            part.header_field += data
        elif kind == "header_value":
            part.header_size += len(data)
            if part.header_field.lower() == b"content-disposition":
                part.headers.append((b"content-disposition", data))
            elif part.header_field.lower() == b"content-type":
                part.headers.append((b"content-type", data))
        elif kind == "header_end":
            part.header_field = b""
        elif kind == "headers_finished":
            self._start_part(part)
        elif kind == "part_data":
            await self._part_data(part, data)
        elif kind == "part_end":
            self._end_part(part)
        elif kind == "end":
            return True
        return False

    def _start_part(self, part: _Part) -> None:
        disposition = b"".join(v for k, v in part.headers if k == b"content-disposition")
        kind, options = parse_options_header(disposition)
        if kind != b"form-data" or b"name" not in options:
            raise InvalidForm("multipart part without Content-Disposition: form-data; name")
        part.name = options[b"name"].decode("utf-8", errors="replace")
        filename = options.get(b"filename")
        content_type = b"".join(v for k, v in part.headers if k == b"content-type")
        part.content_type = content_type.decode("latin-1").strip()
        if filename is not None:
            self.files += 1
            if self.files > self.limits.max_files:
                raise BodyTooLarge(f"more than {self.limits.max_files} files in the form")
            part.filename = filename.decode("utf-8", errors="replace")
            # Closed by FormData.close() or when the form fails to parse.
            part.file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_MAX)  # noqa: SIM115
        else:
            self.fields += 1
            if self.fields > self.limits.max_fields:
                raise BodyTooLarge(f"more than {self.limits.max_fields} fields in the form")

    async def _part_data(self, part: _Part, data: bytes) -> None:
        part.size += len(data)
        if part.file is None:
            self.text_size += len(data)
            if part.size > self.limits.max_part_size:
                raise BodyTooLarge(
                    f"form field {part.name!r} is over {self.limits.max_part_size} bytes"
                )
            if self.text_size > self.limits.max_body_size:
                raise BodyTooLarge("form fields are over the body size limit")
            part.text += data
            return
        file = part.file
        if getattr(file, "_rolled", False):
            # On disk already: write off the event loop (CVE-2025-54121).
            await anyio.to_thread.run_sync(file.write, data)
        else:
            file.write(data)

    def _end_part(self, part: _Part) -> None:
        if part.file is not None:
            part.file.seek(0)
            upload = UploadFile(part.filename or "", part.content_type, part.file, part.size)
            self.items.append((part.name, upload))
            part.file = None
        else:
            self.items.append((part.name, part.text.decode("utf-8", errors="replace")))

    def discard(self) -> None:
        if self.part.file is not None:
            self.part.file.close()
