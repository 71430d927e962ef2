"""The route cache: cached GETs (force-static, ISR) as Next.js serves them.

* MISS: the handler runs (once, however many requests wait for it), the
  response is stored when it may be, and sent with ``x-approute-cache: MISS``.
* HIT: the stored copy, ``x-approute-cache: HIT``.
* STALE (``revalidate`` seconds passed, or a tag was revalidated): the stored
  copy at once, ``x-approute-cache: STALE``, while exactly one background
  regeneration runs; a failing one keeps the last good copy (the error is
  logged by render_route, with its traceback).

A cached handler always sees an empty request (no headers, cookies or
query): a copy served to everybody must not depend on one client. A
response that sets a cookie, a 204 or a non-2xx status is never stored, and
is sent without the cache headers (CVE-2025-49826; docs/caching.md).

Under ``approute start`` the paths ``approute build`` prerendered seed the
cache: on a miss, the build's copy is stored and served (its age counts from
the build, as Next.js's prerendered ``.body``/``.meta`` files); route keys are
namespaced by the build id, so a shared Redis never serves one build's
entries to another.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Final, NamedTuple, Protocol

from approute._scope import AfterTask, run_after_tasks
from approute._types import Send
from approute.cache.coalesce import Coalescer
from approute.cache.data import DataCache
from approute.cache.entry import CacheEntry
from approute.cache.handler import CacheHandler
from approute.cache.revalidate import path_tags
from approute.cache.route_entry import RouteMeta, route_meta
from approute.cache.tags import collecting
from approute.handlers.context import Params
from approute.handlers.module import RouteModule
from approute.handlers.render import Rendered, render_route
from approute.handlers.segment import cache_control_for
from approute.http.request import NextRequest
from approute.http.response import Response

__all__ = ["CACHE_HEADER", "PrerenderedEntries", "RouteCache", "route_key"]

logger = logging.getLogger("approute")

CACHE_HEADER: Final = b"x-approute-cache"
_NEVER_STORED: Final = frozenset({204, 206})
# Stored metas remembered as checked (see RouteCache._checked_meta).
_CHECKED: Final = 4096


class _Rendered(NamedTuple):
    """One render as the cache keeps it: the body read, maybe stored."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    entry: CacheEntry | None  # what was stored; None when it may not be
    # The handler run: its error, and its after() work, run once by whoever
    # takes it (the request that sent the response, or the regeneration).
    run: Rendered

    def take_after(self) -> Sequence[AfterTask]:
        return self.run.take_after()


class _Job(NamedTuple):
    """One render's inputs: the route at ``path`` (stored under ``key``)."""

    key: str
    path: str
    route: RouteModule
    params: Params
    make_request: Callable[[], NextRequest]
    dev: bool


class PrerenderedEntries(Protocol):
    """The responses ``approute build`` prerendered, by canonical path."""

    async def get(self, path: str) -> CacheEntry | None:
        """The build's entry for ``path``; None when the build has none."""
        ...


class _Namespaced:
    """A :class:`CacheHandler` view whose keys live under ``namespace``
    (tags are shared: ``revalidate_tag`` reaches every build's entries)."""

    __slots__ = ("_handler", "_namespace")

    def __init__(self, handler: CacheHandler, namespace: str) -> None:
        self._handler = handler
        self._namespace = namespace

    async def get(self, key: str) -> CacheEntry | None:
        return await self._handler.get(self._namespace + key)

    async def set(self, key: str, entry: CacheEntry) -> None:
        await self._handler.set(self._namespace + key, entry)

    async def delete(self, key: str) -> None:
        await self._handler.delete(self._namespace + key)

    async def revalidate_tag(self, tags: Sequence[str], *, expire_now: bool) -> None:
        await self._handler.revalidate_tag(tags, expire_now=expire_now)

    async def close(self) -> None:
        await self._handler.close()


class RouteCache:
    """Serves cached GETs from a :class:`CacheHandler`; one per app.

    ``build_id`` namespaces the route keys (``build:<id>:route:/[id]:/x``);
    ``prerendered`` seeds a miss with the build's copy of that path.
    """

    __slots__ = (
        "_checked",
        "_clock",
        "_data",
        "_handler",
        "_max_entries",
        "_prerendered",
        "_recent",
        "_runs",
    )

    def __init__(
        self,
        handler: CacheHandler,
        *,
        clock: Callable[[], float] = time.time,
        build_id: str | None = None,
        prerendered: PrerenderedEntries | None = None,
        data: DataCache | None = None,
        max_entries: int = 1000,
    ) -> None:
        # The app's data cache, for @cached/fetch in handlers; it owns (and
        # closes) the handler when given.
        self._data = data
        self._handler: CacheHandler = (
            handler if build_id is None else _Namespaced(handler, f"build:{build_id}:")
        )
        self._clock = clock
        self._prerendered = prerendered
        self._runs: Coalescer[_Rendered] = Coalescer()
        # Each route's keys, least recently used first: every spelling of
        # a dynamic param could otherwise add an entry for ever.
        self._max_entries = max_entries
        self._recent: dict[Path, OrderedDict[str, None]] = {}
        self._checked: dict[str, tuple[object, RouteMeta]] = {}

    async def respond(
        self,
        route: RouteModule,
        params: Params,
        path: str,
        make_request: Callable[[], NextRequest],
        send: Send,
        *,
        head_only: bool,
        dev: bool,
    ) -> Exception | None:
        """Answer a GET/HEAD for a cached ``route`` whose ``params`` give
        ``path`` (``RouteFile.path_for``): the key, whatever the request's
        own path was before rewrites. Returns what the handler raised when
        this request waited for a render that failed (answered with a 500)."""
        key = route_key(route.pattern, path)
        job = _Job(key, path, route, params, make_request, dev)
        entry = await self._handler.get(key)
        prerendered = self._prerendered
        if entry is None and prerendered is not None:
            entry = await self._seed(prerendered, key, path)
        now = self._clock()
        # A malformed entry (forged, another version's) is a miss: overwritten.
        meta = self._checked_meta(entry, key) if entry is not None else None
        if entry is not None and meta is not None and not entry.is_expired(now):
            evicted = self._admit(route, key)
            if evicted is not None:
                await self._handler.delete(evicted)
            stale = entry.is_stale(now)
            if stale:
                self._regenerate_in_background(job)
            await _send(
                send,
                meta.status,
                meta.headers,
                entry.value,
                route.cache_control or cache_control_for(entry.revalidate),
                b"STALE" if stale else b"HIT",
                head_only,
            )
            return None
        rendered = await self._render_once(job)
        try:
            evicted = self._admit(route, key) if rendered.entry is not None else None
            if evicted is not None:
                await self._handler.delete(evicted)
            await _send(
                send,
                rendered.status,
                rendered.headers,
                rendered.body,
                route.cache_control or cache_control_for(rendered.entry.revalidate)
                if rendered.entry is not None
                else None,
                b"MISS" if rendered.entry is not None else None,
                head_only,
            )
        finally:
            # after(): once the answer is out (or the client went away).
            self._after_in_background(route, rendered)
        return rendered.run.error

    def _checked_meta(self, entry: CacheEntry, key: str) -> RouteMeta | None:
        """``route_meta`` once per stored meta: a store in memory hands back
        the same object on every HIT (and a stale copy shares it)."""
        known = self._checked.get(key)
        if known is not None and known[0] is entry.meta:
            return known[1]
        meta = route_meta(entry, key)
        if meta is not None:
            if len(self._checked) >= _CHECKED:
                self._checked.clear()  # bounded: starts over when full
            self._checked[key] = (entry.meta, meta)
        return meta

    def _admit(self, route: RouteModule, key: str) -> str | None:
        """Note ``key`` as just used; past ``max_entries`` for its route, the
        least recently used key, to delete (this process's view: each
        instance bounds what it adds). Not a coroutine: every HIT calls it."""
        recent = self._recent.get(route.file)
        if recent is None:
            recent = self._recent[route.file] = OrderedDict()
        if key in recent:
            recent.move_to_end(key)
            return None
        recent[key] = None
        if len(recent) > self._max_entries:
            return recent.popitem(last=False)[0]
        return None

    async def _seed(
        self, prerendered: PrerenderedEntries, key: str, path: str
    ) -> CacheEntry | None:
        """Store the build's copy of ``path``, if any, and read it back (so
        a tag revalidated since the build makes it stale or gone)."""
        built = await prerendered.get(path)
        if built is None:
            return None
        await self._handler.set(key, built)
        return await self._handler.get(key)

    async def prerender(
        self, route: RouteModule, params: Params, path: str, request: NextRequest
    ) -> tuple[int, CacheEntry | None, Exception | None]:
        """Render ``path`` as ``approute build`` does: the status, the entry
        the cache stored (None when the response may not be stored), and
        what the handler raised, if it did."""
        job = _Job(route_key(route.pattern, path), path, route, params, lambda: request, False)
        rendered = await self._render(job)
        await run_after_tasks(route.where, rendered.take_after())
        return rendered.status, rendered.entry, rendered.run.error

    async def _render_once(self, job: _Job) -> _Rendered:
        """Run the handler, coalescing concurrent misses into one run."""
        return await self._runs.run(job.key, lambda: self._render(job))

    def _regenerate_in_background(self, job: _Job) -> None:
        if self._runs.running(job.key):
            return  # one regeneration at a time (no stampede)
        self._runs.in_background(self._regenerate(job))

    async def _regenerate(self, job: _Job) -> None:
        # The request that saw the stale copy may have read it just before
        # another regeneration stored a fresh one: look again first.
        entry = await self._handler.get(job.key)
        if (
            entry is not None
            and self._checked_meta(entry, job.key) is not None
            and not entry.is_stale(self._clock())
        ):
            return
        rendered = await self._render_once(job)
        await run_after_tasks(job.route.where, rendered.take_after())

    def _after_in_background(self, route: RouteModule, rendered: _Rendered) -> None:
        tasks = rendered.take_after()
        if tasks:
            self._runs.in_background(run_after_tasks(route.where, tasks))

    async def _render(self, job: _Job) -> _Rendered:
        key, path, route = job.key, job.path, job.route
        started = self._clock()
        implicit = path_tags(path)
        # The entry carries the tags of every @cached/fetch call the handler
        # makes (Next.js collects fetch tags onto the prerender), and data
        # stored meanwhile gets the route's path tags (revalidate_path).
        with collecting(implicit) as collector:
            rendered = await render_route(
                route, job.make_request(), job.params, dev=job.dev, data=self._data
            )
            response = rendered.response
            body = await response.bytes()  # a streamed body may still call fetch
        headers = [pair for pair in response.raw_headers() if pair[0] != b"content-length"]
        storable = (
            200 <= response.status < 300
            and response.status not in _NEVER_STORED
            and not any(name == b"set-cookie" for name, _ in headers)
        )
        # The data read may regenerate sooner than the segment says (Next.js:
        # the shortest fetch/unstable_cache revalidate wins).
        interval = route.segment.interval
        if collector.revalidate is not None and (
            interval is None or collector.revalidate < interval
        ):
            interval = collector.revalidate
        entry = None
        if storable:
            entry = CacheEntry(
                value=body,
                tags=(*implicit, *sorted(collector.tags)),
                meta={
                    "status": response.status,
                    "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in headers],
                },
                created_at=started,
                revalidate=interval,
            )
            await self._handler.set(key, entry)
        elif response.status >= 500:
            logger.error(
                "%s: rendering %s answered %d: not cached (a stored copy, if any, stays)",
                route.where,
                path,
                response.status,
            )
        return _Rendered(response.status, headers, body, entry, rendered)

    async def close(self) -> None:
        """Wait for background regenerations, then close the storage (unless
        the data cache owns it)."""
        await self._runs.drain()
        if self._data is None:
            await self._handler.close()


def route_key(pattern: str, path: str) -> str:
    """The store key of the route ``pattern`` at ``path`` (``RouteFile.path_for``).
    The route is part of it: ``/a`` (a static route) and ``/%61`` (``[id]``
    = ``"a"``, since static segments match as sent) have one path but are
    two routes."""
    return f"route:{pattern}:{path}"


async def _send(
    send: Send,
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    cache_control: str | None,
    state: bytes | None,
    head_only: bool,
) -> None:
    headers = [(k, v) for k, v in headers if k not in (b"cache-control", CACHE_HEADER)]
    if cache_control is not None and state is not None:
        headers += [(b"cache-control", cache_control.encode()), (CACHE_HEADER, state)]
    response = Response(body, status=status, headers=_headers_to_str(headers))
    await response.send_asgi(send, head_only=head_only)


def _headers_to_str(headers: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
