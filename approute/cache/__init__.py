"""Cache storage for route and data caching (SPEC §6)."""

from approute.cache.entry import CacheEntry, CacheFormatError
from approute.cache.filesystem import FilesystemCacheHandler
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.cache.redis import RedisCacheHandler
from approute.cache.select import cache_handler_from_config

__all__ = [
    "CacheEntry",
    "CacheFormatError",
    "CacheHandler",
    "FilesystemCacheHandler",
    "MemoryCacheHandler",
    "RedisCacheHandler",
    "cache_handler_from_config",
]
