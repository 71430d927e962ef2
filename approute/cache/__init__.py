"""Caching, as ``next/cache``: ``revalidate_path`` and ``revalidate_tag``,
and the storage behind the route cache (SPEC §6).

    from approute.cache import revalidate_path

    async def POST(request):
        await save(await request.json())
        revalidate_path("/api/prices")      # the next GET regenerates (MISS)
        return NextResponse.json({"ok": True})
"""

from approute.cache.entry import CacheEntry, CacheFormatError
from approute.cache.filesystem import FilesystemCacheHandler
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.cache.redis import RedisCacheHandler
from approute.cache.revalidate import (
    path_tags,
    revalidate_path,
    revalidate_tag,
)
from approute.cache.select import cache_handler_from_config

__all__ = [
    "CacheEntry",
    "CacheFormatError",
    "CacheHandler",
    "FilesystemCacheHandler",
    "MemoryCacheHandler",
    "RedisCacheHandler",
    "cache_handler_from_config",
    "path_tags",
    "revalidate_path",
    "revalidate_tag",
]
