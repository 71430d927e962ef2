"""A cache store in Redis, shared by every instance of an app (docs/caching.md).

Keys live under ``prefix`` (``"approute:"`` when constructed directly; an
app passes ``"<cache_prefix>:"`` from its config, by default derived from
the project folder, so two apps on one Redis never read each other's entries
or tags: :func:`approute.cache.select.redis_prefix_for`):
``<prefix>e:<key>`` holds an entry in the framing of
:mod:`approute.cache.entry` (never pickle), always with a TTL, and the hashes
``<prefix>tags:revalidated`` / ``<prefix>tags:expired`` map a tag to the time
of its last ``revalidate_tag``, so a revalidation on one instance is seen by
all. Redis being down is never an error for a request: ``get`` misses,
``set`` / ``delete`` / ``revalidate_tag`` log a warning and return, and the
next command after Redis comes back reconnects. A Redis that hangs (no
answer within ``timeout``) is skipped for ``retry_after`` seconds, one
command then probes it: otherwise every command of every request would
wait out the timeout (a cached route makes four or more).

The ``redis`` package is imported only when a handler is created, so
approute works without the ``approute[redis]`` extra.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from approute.cache.entry import CacheEntry, CacheFormatError, decode, encode
from approute.cache.handler import apply_tags
from approute.errors import ProjectError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["DEFAULT_PREFIX", "DEFAULT_TTL", "RedisCacheHandler"]

logger = logging.getLogger("approute.cache")

DEFAULT_PREFIX = "approute:"
DEFAULT_TTL = 365 * 24 * 60 * 60
"""Seconds an entry without ``expire`` is kept (plus its ``revalidate``)."""


class RedisCacheHandler:
    """Entries and tag timestamps in one Redis, shared by every instance."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        default_ttl: int = DEFAULT_TTL,
        timeout: float = 2.0,
        retry_after: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        try:
            import redis.asyncio
            import redis.exceptions
            from redis.asyncio.retry import Retry
            from redis.backoff import NoBackoff
        except ImportError:
            raise ProjectError(
                f"cache_handler = {url!r} needs the redis extra: pip install 'approute[redis]'"
            ) from None
        self.prefix = prefix
        self.default_ttl = default_ttl
        self._clock = clock
        self._errors: tuple[type[Exception], ...] = (redis.exceptions.RedisError, OSError)
        self._timeouts: tuple[type[Exception], ...] = (redis.exceptions.TimeoutError, TimeoutError)
        self._down = False
        self._retry_after = retry_after
        self._skip_until = 0.0  # monotonic: commands before it do not wait on a hung Redis
        try:
            self._client: Redis = redis.asyncio.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                # One immediate retry replaces a pooled connection that died
                # with a server restart; no backoff, so a down Redis costs one
                # refused connect per command instead of seconds.
                retry=Retry(NoBackoff(), 1),
            )
        except ValueError as exc:
            raise ProjectError(f"cache_handler = {url!r} is not a Redis URL: {exc}") from None
        self._revalidated_key = f"{prefix}tags:revalidated"
        self._expired_key = f"{prefix}tags:expired"

    def redis_key(self, key: str) -> str:
        """The Redis key that holds ``key``'s entry."""
        return f"{self.prefix}e:{key}"

    def ttl_for(self, entry: CacheEntry) -> int:
        """Seconds Redis keeps ``entry``: until it expires, or a generous default."""
        if entry.expire is not None:
            seconds = entry.created_at + entry.expire - self._clock()
        else:
            seconds = self.default_ttl + (entry.revalidate or 0)
        return max(1, min(math.ceil(seconds), 2 * self.default_ttl))

    def _skipping(self) -> bool:
        """Whether to skip Redis now (it hung lately). When the pause ends,
        this caller probes it and the others keep skipping meanwhile."""
        if not self._skip_until:
            return False
        now = time.monotonic()
        if now < self._skip_until:
            return True
        self._skip_until = now + self._retry_after
        return False

    def _failed(self, action: str, exc: Exception) -> None:
        if isinstance(exc, self._timeouts):
            self._skip_until = time.monotonic() + self._retry_after
        if not self._down:
            self._down = True
            logger.warning(
                "cache: Redis unavailable during %s (%s: %s); serving without the cache",
                action,
                type(exc).__name__,
                exc,
            )
        else:
            logger.debug("cache: Redis still unavailable during %s: %s", action, exc)

    def _ok(self) -> None:
        self._skip_until = 0.0
        if self._down:
            self._down = False
            logger.warning("cache: Redis reachable again; caching resumed")

    async def get(self, key: str) -> CacheEntry | None:
        if self._skipping():
            return None
        name = self.redis_key(key)
        try:
            data = await self._client.get(name)
            if data is None:
                self._ok()
                return None
            try:
                raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogateescape")
                entry = decode(raw, key=key)
            except CacheFormatError as exc:
                logger.warning("cache: discarding unreadable Redis entry %r: %s", name, exc)
                await self._client.delete(name)
                return None
            tags = list(entry.tags)
            revalidated: dict[str, float] = {}
            expired: dict[str, float] = {}
            if tags:
                async with self._client.pipeline(transaction=False) as pipe:
                    pipe.hmget(self._revalidated_key, tags)
                    pipe.hmget(self._expired_key, tags)
                    revalidated_raw, expired_raw = await pipe.execute()
                revalidated = _stamps(tags, revalidated_raw)
                expired = _stamps(tags, expired_raw)
            self._ok()
        except self._errors as exc:
            self._failed("get", exc)
            return None
        return apply_tags(entry, now=self._clock(), revalidated_at=revalidated, expired_at=expired)

    async def set(self, key: str, entry: CacheEntry) -> None:
        if self._skipping():
            return
        try:
            await self._client.set(
                self.redis_key(key), encode(entry, key=key), ex=self.ttl_for(entry)
            )
            self._ok()
        except self._errors as exc:
            self._failed("set", exc)

    async def delete(self, key: str) -> None:
        if self._skipping():
            return
        try:
            await self._client.delete(self.redis_key(key))
            self._ok()
        except self._errors as exc:
            self._failed("delete", exc)

    async def revalidate_tag(self, tags: Sequence[str], *, expire_now: bool) -> None:
        if not tags or self._skipping():
            return
        now = self._clock()
        name = self._expired_key if expire_now else self._revalidated_key
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.hset(name, mapping={tag: repr(now) for tag in tags})
                # Outlives every entry written before this revalidation.
                pipe.expire(name, 2 * self.default_ttl)
                await pipe.execute()
            self._ok()
        except self._errors as exc:
            self._failed("revalidate_tag", exc)

    async def close(self) -> None:
        await self._client.aclose()


def _stamps(tags: list[str], raw: list[bytes | None]) -> dict[str, float]:
    stamps: dict[str, float] = {}
    for tag, value in zip(tags, raw, strict=True):
        if value is None:
            continue
        try:
            stamp = float(value)
        except ValueError:
            continue
        if math.isfinite(stamp):
            stamps[tag] = stamp
    return stamps
