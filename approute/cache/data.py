"""The data cache behind ``@cached`` and ``fetch`` (Next.js's Data Cache).

One :class:`DataCache` per app owns the app's :class:`CacheHandler` (the
route cache stores into the same one, so one ``revalidate_tag`` reaches
both), the shared ``httpx.AsyncClient`` of ``fetch``, and the draft-mode
secret. Handlers reach it through the request state; a request that never
calls ``@cached``/``fetch`` pays nothing for it.

A lookup, as Next.js's incremental cache:

* fresh entry → returned, nothing runs;
* stale entry (``revalidate`` seconds passed, or ``revalidate_tag(tag)``
  with the "max" profile) → returned at once, and exactly one background
  refresh runs; a failing refresh keeps the stale value and logs the error;
  while a cached route is being (re)computed the refresh runs first instead,
  so the new route entry is built from fresh data;
* no entry, or expired (``{"expire": 0}``, ``revalidate_path``) → computed
  now; concurrent misses for one key compute once.

Every lookup reports the entry's tags to the open :class:`TagCollector`, so
the route entry (or enclosing ``@cached`` entry) being computed carries them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Final, Literal

from approute._scope import RequestState, request_state, unwatched
from approute.cache.coalesce import Coalescer
from approute.cache.draft import DRAFT_COOKIE, DraftSecret
from approute.cache.entry import CacheEntry
from approute.cache.handler import CacheHandler
from approute.cache.tags import IMPLICIT_PREFIXES, current_collector, without_collector
from approute.http.request import NextRequest
from approute.http.static_request import StaticRequest

if TYPE_CHECKING:  # imported where used: httpx is a tenth of a second of startup
    import httpx

__all__ = ["MAX_ENTRY_SIZE", "Computed", "DataCache", "ReadMode", "current_data_cache"]

logger = logging.getLogger("approute.cache")

MAX_ENTRY_SIZE: Final = 2 * 1024 * 1024
"""Next.js does not store data cache items over 2 MB (it warns instead)."""

ReadMode = Literal["read", "refresh", "bypass"]
"""``read``: use the cache; ``refresh``: skip reading, store the result
(``next dev`` with ``Cache-Control: no-cache``); ``bypass``: draft mode,
neither read nor store (Next.js: the plain fetch)."""

Computed = tuple[CacheEntry, bool]
"""What a computation returns: the entry, and whether it may be stored."""


class DataCache:
    """One app's data cache: storage, coalescing, background refreshes."""

    __slots__ = ("_clock", "_http", "_runs", "dev", "draft", "handler")

    def __init__(
        self,
        handler: CacheHandler,
        *,
        draft: DraftSecret,
        dev: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.handler = handler
        self.dev = dev
        self.draft = draft
        self._clock = clock
        self._runs: Coalescer[Computed] = Coalescer()
        self._http: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient] | None = None

    # -- per request ---------------------------------------------------------

    def read_mode(self, state: RequestState) -> ReadMode:
        """How this request uses the cache: draft mode bypasses it; in dev a
        hard reload (``Cache-Control: no-cache``) skips reads, as ``next dev``."""
        request = state.request
        if isinstance(request, StaticRequest):
            return "read"  # no request data (dynamic = "error"), so no draft cookie
        if not self.dev:
            return self._read_mode(request)
        with unwatched():  # approute's own reads, not the handler's (handlers/dev_cached.py)
            return self._read_mode(request)

    def _read_mode(self, request: NextRequest) -> ReadMode:
        cookie = request.cookies.get(DRAFT_COOKIE)
        if cookie is not None and self.draft.matches(cookie.value):
            return "bypass"
        if self.dev and request.headers.get("cache-control") == "no-cache":
            return "refresh"
        return "read"

    def http(self) -> httpx.AsyncClient:
        """The shared client of ``fetch``, created on first use (per event loop)."""
        import httpx

        loop = asyncio.get_running_loop()
        current = self._http
        if current is None or current[0] is not loop:
            client = httpx.AsyncClient(
                follow_redirects=True,  # Fetch's default redirect: "follow"
                timeout=httpx.Timeout(30.0, connect=10.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                trust_env=False,
            )
            self._http = current = (loop, client)
        return current[1]

    # -- lookups -------------------------------------------------------------

    async def lookup(
        self,
        key: str,
        compute: Callable[[], Awaitable[Computed]],
        *,
        mode: ReadMode,
        description: str,
    ) -> CacheEntry:
        """The entry for ``key``: stored, or computed by ``compute``."""
        collector = current_collector()
        if mode == "read":
            entry = await self.handler.get(key)
            now = self._clock()
            if entry is not None and not entry.is_expired(now):
                fresh = not entry.is_stale(now)
                if fresh or collector is None or not collector.rendering_route:
                    if not fresh:
                        # The refreshed entry keeps the path tags of the route
                        # that first stored it (revalidate_path still reaches it).
                        keep = tuple(t for t in entry.tags if t.startswith(IMPLICIT_PREFIXES))
                        self._refresh_in_background(key, compute, description, keep)
                    if collector is not None:
                        collector.add(entry.tags)
                        collector.shrink(entry.revalidate)
                    return entry
        entry = await self._compute_once(key, compute, description)
        if collector is not None:
            collector.add(entry.tags)
            collector.shrink(entry.revalidate)
        return entry

    async def _compute_once(
        self,
        key: str,
        compute: Callable[[], Awaitable[Computed]],
        description: str,
        keep: tuple[str, ...] = (),
    ) -> CacheEntry:
        entry, _ = await self._runs.run(key, lambda: self._compute(key, compute, description, keep))
        return entry

    async def _compute(
        self,
        key: str,
        compute: Callable[[], Awaitable[Computed]],
        description: str,
        keep: tuple[str, ...],
    ) -> Computed:
        started = self._clock()
        entry, storable = await compute()
        tags = tuple(dict.fromkeys((*entry.tags, *keep))) if keep else entry.tags
        entry = replace(entry, created_at=started, tags=tags)
        if storable:
            size = len(entry.value)
            if size > MAX_ENTRY_SIZE:
                logger.warning(
                    "cache: %s not cached: items over 2MB can not be cached (%d bytes)",
                    description,
                    size,
                )
            else:
                await self.handler.set(key, entry)
        return entry, storable

    def _refresh_in_background(
        self,
        key: str,
        compute: Callable[[], Awaitable[Computed]],
        description: str,
        keep: tuple[str, ...],
    ) -> None:
        if self._runs.running(key):
            return  # one refresh at a time (no stampede)

        async def refresh() -> None:
            try:
                await self._compute_once(key, compute, description, keep)
            except Exception as error:
                logger.error(
                    "cache: refreshing %s failed; serving the stale value: %s: %s",
                    description,
                    type(error).__name__,
                    error,
                    exc_info=error,
                )

        # Outside the request's tag collector: the request already has the
        # tags, and the refresh may outlive it.
        self._runs.in_background(refresh(), context=without_collector())

    # -- revalidation and shutdown ------------------------------------------

    async def revalidate(self, revalidations: list[tuple[str, bool]]) -> None:
        """Apply a handler's ``revalidate_path``/``revalidate_tag`` calls."""
        for expire_now in (True, False):
            tags = [tag for tag, now in revalidations if now is expire_now]
            if tags:
                await self.handler.revalidate_tag(tags, expire_now=expire_now)

    async def close(self) -> None:
        """Wait for background refreshes; close the HTTP client and storage."""
        await self._runs.drain()
        if self._http is not None:
            loop, client = self._http
            self._http = None
            if loop is asyncio.get_running_loop():
                await client.aclose()
        await self.handler.close()


def current_data_cache() -> tuple[DataCache, RequestState] | None:
    """The app's data cache and the request state, inside a route handler;
    None outside a request and in middleware (``@cached`` and ``fetch``
    then call through, as Next.js's fetch options do nothing in middleware)."""
    try:
        state = request_state.get()
    except LookupError:
        return None
    cache = state.cache
    if not isinstance(cache, DataCache):
        return None
    return cache, state
