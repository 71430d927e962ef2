"""Caching, as ``next/cache``: ``@cached``, ``revalidate_path``,
``revalidate_tag`` and ``update_tag``, and the storage behind the route and
data caches (docs/caching.md).

    from approute.cache import cached, update_tag

    @cached(tags=["prices"], revalidate=60)
    async def load_prices() -> list[dict]:
        return await db.prices()

    async def POST(request):
        await save(await request.json())
        update_tag("prices")                # the next read renders fresh prices
        return NextResponse.json({"ok": True})
"""

from approute.cache.cached import cached
from approute.cache.entry import CacheEntry, CacheFormatError
from approute.cache.filesystem import FilesystemCacheHandler
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.cache.redis import RedisCacheHandler
from approute.cache.revalidate import (
    path_tags,
    revalidate_path,
    revalidate_tag,
    update_tag,
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
    "cached",
    "path_tags",
    "revalidate_path",
    "revalidate_tag",
    "update_tag",
]
