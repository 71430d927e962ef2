"""Decoding a response's ``Content-Encoding`` in bounded steps.

httpx inflates each network chunk in one call, so 64 KiB of gzip can become
64 MiB before the caller sees a byte (a compression bomb). Here every zlib
call returns at most :data:`STEP` bytes, so a caller that counts the decoded
bytes can stop as soon as a limit is passed (``approute.fetch``).

    decoder = ContentDecoder(response.headers.get_list("content-encoding", split_commas=True))
    async for raw in response.aiter_raw():
        for chunk in decoder.decode(raw):
            ...
    for chunk in decoder.flush():
        ...

``gzip`` (``x-gzip``), ``deflate`` (zlib or raw, as httpx) and ``identity``
are decoded, in any chain (``gzip, gzip``). A body with any other coding is
passed through as received: :data:`ACCEPT_ENCODING` is what to ask for.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Final

import httpx

__all__ = ["ACCEPT_ENCODING", "STEP", "ContentDecoder"]

ACCEPT_ENCODING: Final = "gzip, deflate"
STEP: Final = 64 * 1024
"""The most bytes one zlib call returns."""

_WBITS: Final = {
    "gzip": zlib.MAX_WBITS | 16,
    "x-gzip": zlib.MAX_WBITS | 16,
    "deflate": zlib.MAX_WBITS,
}


class _Inflater:
    """One zlib stage of a chain."""

    __slots__ = ("_coding", "_head", "_zlib")

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._zlib = zlib.decompressobj(_WBITS[coding])
        # deflate: the first bytes, until zlib has checked its 2-byte header.
        self._head: bytes | None = b"" if coding == "deflate" else None

    def _decompress(self, data: bytes) -> bytes:
        try:
            out = self._zlib.decompress(data, STEP)
        except zlib.error as error:
            if self._head is not None:
                # Many servers send raw deflate for "deflate" (httpx retries too).
                data, self._head = self._head + data, None
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                return self._decompress(data)
            raise httpx.DecodingError(f"{self._coding}: {error}") from None
        if self._head is not None:
            self._head += data
            if len(self._head) >= 2:
                self._head = None
        return out

    def feed(self, data: bytes) -> Iterator[bytes]:
        while not self._zlib.eof:
            out = self._decompress(data)
            data = self._zlib.unconsumed_tail
            if out:
                yield out
            # A full step may leave output inside zlib even with no input left.
            if not data and len(out) < STEP:
                return
        # Bytes after the end of the stream are ignored (as httpx), not kept.

    def flush(self) -> Iterator[bytes]:
        yield from self.feed(b"")
        try:
            rest = self._zlib.flush()
        except zlib.error as error:
            raise httpx.DecodingError(f"{self._coding}: {error}") from None
        if rest:
            yield rest


class ContentDecoder:
    """Decodes a body whose ``Content-Encoding`` values are ``codings``."""

    __slots__ = ("_stages",)

    def __init__(self, codings: Iterable[str]) -> None:
        names = [name.strip().lower() for name in codings]
        names = [name for name in names if name and name != "identity"]
        if any(name not in _WBITS for name in names):
            names = []  # not ours to decode: the bytes as received
        # Codings are listed in the order they were applied.
        self._stages = [_Inflater(name) for name in reversed(names)]

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._stages):
            if data:
                yield data
            return
        for out in self._stages[index].feed(data):
            yield from self._through(index + 1, out)

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded chunks of ``data`` (the next raw bytes), each at most
        :data:`STEP` long when any coding applies."""
        return self._through(0, data)

    def flush(self) -> Iterator[bytes]:
        """What the stages still hold once the raw body has ended."""
        for index, stage in enumerate(self._stages):
            for out in stage.flush():
                yield from self._through(index + 1, out)
