"""Turn the ``cache_handler`` config value into a :class:`CacheHandler`."""

from __future__ import annotations

from pathlib import Path

from approute.cache.filesystem import FilesystemCacheHandler
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.cache.redis import DEFAULT_PREFIX, RedisCacheHandler
from approute.errors import ProjectError

__all__ = ["cache_handler_from_config"]

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def cache_handler_from_config(
    value: str | None, *, cache_dir: Path, redis_prefix: str = DEFAULT_PREFIX
) -> CacheHandler:
    """``None``/``"filesystem"`` → files under ``cache_dir``; ``"memory"``; a Redis URL."""
    if value is None or value == "filesystem":
        return FilesystemCacheHandler(cache_dir)
    if value == "memory":
        return MemoryCacheHandler()
    if value.startswith(_REDIS_SCHEMES):
        return RedisCacheHandler(value, prefix=redis_prefix)
    raise ProjectError(
        "cache_handler must be 'filesystem', 'memory' or a redis://, rediss:// or "
        f"unix:// URL; got {value!r}"
    )
