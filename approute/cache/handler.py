"""The ``CacheHandler`` protocol every cache store implements (docs/caching.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

from approute.cache.entry import CacheEntry

__all__ = ["CacheHandler", "apply_tags"]

_NEVER = float("-inf")


class CacheHandler(Protocol):
    """Pluggable storage for route and data cache entries.

    Keys are caller-chosen strings (``"route:/api/x"``); each store namespaces
    them. ``get`` never raises for a bad or unreachable store: it misses.
    """

    async def get(self, key: str) -> CacheEntry | None:
        """The entry, with ``stale`` set if a tag was revalidated; None on a miss."""
        ...

    async def set(self, key: str, entry: CacheEntry) -> None:
        """Store ``entry`` under ``key``, replacing any previous one."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key``; no error if it is absent."""
        ...

    async def revalidate_tag(self, tags: Sequence[str], *, expire_now: bool) -> None:
        """Mark entries carrying any of ``tags`` stale, or expired if ``expire_now``."""
        ...

    async def close(self) -> None:
        """Release files, connections and threads."""
        ...


def apply_tags(
    entry: CacheEntry,
    *,
    now: float,
    revalidated_at: Mapping[str, float],
    expired_at: Mapping[str, float],
) -> CacheEntry | None:
    """What ``get`` returns for a stored entry given the tag timestamps.

    An entry written at or before a tag's revalidation is stale (or gone, for
    an expire-now revalidation) — Next.js's tags manifest does the same.
    """
    if entry.is_expired(now):
        return None
    created = entry.created_at
    if any(expired_at.get(tag, _NEVER) >= created for tag in entry.tags):
        return None
    if any(revalidated_at.get(tag, _NEVER) >= created for tag in entry.tags):
        return replace(entry, stale=True)
    return entry
