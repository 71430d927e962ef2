"""A cached value and its on-the-wire framing: never pickle, so bytes in a shared
store can be wrong but never run as code (tests/cache/test_handlers.py).

Framing, the same on disk and in Redis::

    b"APRC" | version (1 byte) | header length (4 bytes, big-endian) | header JSON | body

The header is an orjson object holding everything but the body; the body is
the raw bytes, so binary responses cost no base64. Anything that does not
parse exactly (wrong magic, version, schema, a truncated body, trailing
bytes) raises :class:`CacheFormatError`; handlers turn that into a miss.
"""

from __future__ import annotations

import math
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["FORMAT_VERSION", "MAGIC", "CacheEntry", "CacheFormatError", "decode", "encode"]

MAGIC = b"APRC"
FORMAT_VERSION = 1
_PREFIX = struct.Struct(">4sBI")
_MAX_HEADER = 16 * 1024 * 1024


class CacheFormatError(ValueError):
    """Stored bytes are not a cache entry this version of approute wrote."""


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """One cached value: the body bytes plus JSON-able metadata.

    ``revalidate`` and ``expire`` are seconds after ``created_at``; ``None``
    means never stale / never expired. ``stale`` is not stored: a handler's
    ``get`` sets it when one of the entry's tags was revalidated after the
    entry was written.
    """

    value: bytes
    meta: dict[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    created_at: float = field(default_factory=time.time)
    revalidate: float | None = None
    expire: float | None = None
    stale: bool = False

    def is_stale(self, now: float) -> bool:
        """True once a tag was revalidated or ``revalidate`` seconds have passed."""
        if self.stale:
            return True
        return self.revalidate is not None and now >= self.created_at + self.revalidate

    def is_expired(self, now: float) -> bool:
        """True once ``expire`` seconds have passed: the entry must not be served."""
        return self.expire is not None and now >= self.created_at + self.expire


def encode(entry: CacheEntry, *, key: str | None = None) -> bytes:
    """The framed bytes for ``entry``; ``key`` is stored to detect mix-ups."""
    header: dict[str, Any] = {
        "meta": entry.meta,
        "tags": list(entry.tags),
        "created_at": entry.created_at,
        "revalidate": entry.revalidate,
        "expire": entry.expire,
        "size": len(entry.value),
    }
    if key is not None:
        header["key"] = key
    raw = orjson.dumps(header)
    return _PREFIX.pack(MAGIC, FORMAT_VERSION, len(raw)) + raw + entry.value


def _number(value: object, name: str, *, optional: bool) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CacheFormatError(f"{name} is not a number")
    number = float(value)
    if not math.isfinite(number):
        raise CacheFormatError(f"{name} is not finite")
    return number


def decode(data: bytes, *, key: str | None = None) -> CacheEntry:
    """Parse framed bytes back into an entry, or raise :class:`CacheFormatError`."""
    if len(data) < _PREFIX.size:
        raise CacheFormatError("truncated prefix")
    magic, version, header_len = _PREFIX.unpack_from(data)
    if magic != MAGIC:
        raise CacheFormatError("not an approute cache entry")
    if version != FORMAT_VERSION:
        raise CacheFormatError(f"format version {version}, expected {FORMAT_VERSION}")
    start = _PREFIX.size
    if header_len > _MAX_HEADER or start + header_len > len(data):
        raise CacheFormatError("truncated header")
    try:
        header = orjson.loads(data[start : start + header_len])
    except orjson.JSONDecodeError as exc:
        raise CacheFormatError(f"header is not JSON: {exc}") from None
    if not isinstance(header, dict):
        raise CacheFormatError("header is not an object")
    meta, tags, size = header.get("meta"), header.get("tags"), header.get("size")
    if not isinstance(meta, dict):
        raise CacheFormatError("meta is not an object")
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise CacheFormatError("tags is not a list of strings")
    if isinstance(size, bool) or not isinstance(size, int):
        raise CacheFormatError("size is not an integer")
    if key is not None and header.get("key") != key:
        raise CacheFormatError("entry was stored under another key")
    body = data[start + header_len :]
    if len(body) != size:
        raise CacheFormatError(f"body is {len(body)} bytes, header says {size}")
    created_at = _number(header.get("created_at"), "created_at", optional=False)
    assert created_at is not None
    return CacheEntry(
        value=body,
        meta=meta,
        tags=tuple(tags),
        created_at=created_at,
        revalidate=_number(header.get("revalidate"), "revalidate", optional=True),
        expire=_number(header.get("expire"), "expire", optional=True),
    )
