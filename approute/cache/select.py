"""Turn the ``cache_handler`` and ``cache_prefix`` config values into a
:class:`CacheHandler`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from approute.cache.filesystem import FilesystemCacheHandler
from approute.cache.handler import CacheHandler
from approute.cache.memory import MemoryCacheHandler
from approute.cache.redis import DEFAULT_PREFIX, RedisCacheHandler
from approute.errors import ProjectError

__all__ = ["cache_handler_from_config", "redis_prefix_for"]

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def redis_prefix_for(root: Path, cache_prefix: str | None) -> str:
    """The Redis key prefix of the project at ``root``: ``"<cache_prefix>:"``,
    or by default ``"approute:<folder>-<hash>:"`` (the folder's name and 12
    hex digits of the sha256 of its absolute path), so two projects on one
    Redis never share entries or tags unless they set the same prefix.

    >>> redis_prefix_for(Path("/srv/shop"), None)  # doctest: +SKIP
    'approute:shop-5d6f0b1c2a3e:'
    """
    if cache_prefix is not None:
        return f"{cache_prefix}:"
    path = root.resolve()
    name = _UNSAFE.sub("-", path.name)[:32].strip("-") or "app"
    digest = hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    return f"approute:{name}-{digest}:"


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
