"""A streamed response body (``Response(iterable)``): its chunks as bytes,
and closing it; a sync iterable is advanced in a worker thread."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator

import anyio.to_thread

__all__ = ["close_stream", "stream_chunks"]


async def stream_chunks(
    stream: Iterable[bytes] | AsyncIterable[bytes],
) -> AsyncIterator[bytes]:
    """Chunks of a sync or async iterable; sync ones are advanced in a thread."""
    if isinstance(stream, AsyncIterable):
        async for chunk in stream:
            yield _as_bytes(chunk)
        return
    if isinstance(stream, list | tuple):
        for chunk in stream:
            yield _as_bytes(chunk)
        return
    iterator: Iterator[bytes] = iter(stream)
    while True:
        next_chunk = await anyio.to_thread.run_sync(_next_chunk, iterator)
        if next_chunk is None:
            return
        yield _as_bytes(next_chunk)


def _next_chunk(iterator: Iterator[bytes]) -> bytes | None:
    return next(iterator, None)


def _as_bytes(chunk: bytes | str) -> bytes:
    if isinstance(chunk, bytes):
        return chunk
    if isinstance(chunk, str):
        return chunk.encode()
    if isinstance(chunk, bytearray | memoryview):
        return bytes(chunk)
    raise TypeError(f"response stream chunks must be bytes or str; got {type(chunk).__name__}")


async def close_stream(stream: Iterable[bytes] | AsyncIterable[bytes]) -> None:
    """Close ``stream`` (``aclose()`` or ``close()``, when it has one)."""
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()
        return
    close = getattr(stream, "close", None)
    if close is not None:
        close()
