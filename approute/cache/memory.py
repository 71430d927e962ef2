"""An in-process cache store: for tests and a single worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from approute.cache.entry import CacheEntry
from approute.cache.handler import apply_tags

__all__ = ["MemoryCacheHandler"]


class MemoryCacheHandler:
    """A dict of entries plus per-tag revalidation timestamps."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, CacheEntry] = {}
        self._revalidated_at: dict[str, float] = {}
        self._expired_at: dict[str, float] = {}

    async def get(self, key: str) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        result = apply_tags(
            entry,
            now=self._clock(),
            revalidated_at=self._revalidated_at,
            expired_at=self._expired_at,
        )
        if result is None:
            del self._entries[key]
        return result

    async def set(self, key: str, entry: CacheEntry) -> None:
        self._entries[key] = replace(entry, stale=False)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def revalidate_tag(self, tags: Sequence[str], *, expire_now: bool) -> None:
        now = self._clock()
        store = self._expired_at if expire_now else self._revalidated_at
        for tag in tags:
            store[tag] = max(now, store.get(tag, now))

    async def close(self) -> None:
        self._entries.clear()
