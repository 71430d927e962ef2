"""The data cache's lookup rules, on the memory store with a test clock:
coalesced misses, one background refresh, stale kept when a refresh fails,
the 2 MB limit, and tag validation (Next.js ``validateTags``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from approute.cache.data import MAX_ENTRY_SIZE, Computed, DataCache
from approute.cache.draft import DraftSecret
from approute.cache.entry import CacheEntry
from approute.cache.memory import MemoryCacheHandler
from approute.cache.tags import collecting, current_collector, valid_tags
from tests.cache.support import Clock

pytestmark = pytest.mark.anyio


def make_cache(tmp_path: Path) -> tuple[DataCache, Clock]:
    clock = Clock()
    return DataCache(
        MemoryCacheHandler(clock=clock), draft=DraftSecret(tmp_path / "draft-secret"), clock=clock
    ), clock


class Source:
    """A computation the test releases by hand, counting its runs."""

    def __init__(self, *, revalidate: float | None = None, fail: bool = False) -> None:
        self.runs = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.revalidate = revalidate
        self.fail = fail

    async def __call__(self) -> Computed:
        self.runs += 1
        await self.gate.wait()
        if self.fail:
            raise RuntimeError("upstream down")
        value = str(self.runs).encode()
        return CacheEntry(value=value, tags=("t",), revalidate=self.revalidate), True


async def settle() -> None:
    """Let every ready task run (no timing: a bounded number of loop turns)."""
    for _ in range(50):
        await asyncio.sleep(0)


async def refreshed(cache: DataCache) -> None:
    """Wait for the background refreshes to finish."""
    await cache._runs.drain()


async def test_concurrent_misses_compute_once(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    source = Source()
    source.gate.clear()
    lookups = [
        asyncio.create_task(cache.lookup("k", source, mode="read", description="x"))
        for _ in range(20)
    ]
    await settle()
    assert source.runs == 1  # everybody waits for the one run
    source.gate.set()
    entries = await asyncio.gather(*lookups)
    assert {entry.value for entry in entries} == {b"1"}
    assert source.runs == 1


async def test_a_stale_entry_is_served_while_exactly_one_refresh_runs(tmp_path: Path) -> None:
    cache, clock = make_cache(tmp_path)
    source = Source(revalidate=10)
    assert (await cache.lookup("k", source, mode="read", description="x")).value == b"1"
    clock.now += 11
    source.gate.clear()
    served = [await cache.lookup("k", source, mode="read", description="x") for _ in range(10)]
    assert {entry.value for entry in served} == {b"1"}  # stale, at once
    await settle()
    assert source.runs == 2  # one refresh for ten stale reads
    source.gate.set()
    await refreshed(cache)
    assert (await cache.lookup("k", source, mode="read", description="x")).value == b"2"
    assert source.runs == 2


async def test_a_failing_refresh_keeps_the_stale_value_and_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache, clock = make_cache(tmp_path)
    source = Source(revalidate=10)
    await cache.lookup("k", source, mode="read", description="@cached f")
    clock.now += 11
    source.fail = True
    assert (await cache.lookup("k", source, mode="read", description="@cached f")).value == b"1"
    await refreshed(cache)
    assert any(
        "refreshing @cached f failed" in r.getMessage() and r.exc_info for r in caplog.records
    )
    source.gate.clear()  # the next refresh waits: what is served is what is stored
    stale = await cache.lookup("k", source, mode="read", description="@cached f")
    assert stale.value == b"1"  # still the last good value
    source.gate.set()
    await refreshed(cache)


async def test_a_failing_miss_raises_to_every_waiter(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    source = Source(fail=True)
    source.gate.clear()
    waiters = [
        asyncio.create_task(cache.lookup("k", source, mode="read", description="x"))
        for _ in range(3)
    ]
    await settle()
    source.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert source.runs == 1


async def test_while_a_route_renders_stale_data_is_refreshed_first(tmp_path: Path) -> None:
    cache, clock = make_cache(tmp_path)
    source = Source(revalidate=10)
    await cache.lookup("k", source, mode="read", description="x")
    clock.now += 11
    with collecting(("_path:/api/x", "_layout:/")) as route:
        entry = await cache.lookup("k", source, mode="read", description="x")
    assert entry.value == b"2"  # the new route entry is built from fresh data
    assert route.tags == {"t"}


async def test_refresh_mode_skips_the_read_but_stores(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)
    source = Source()
    await cache.lookup("k", source, mode="read", description="x")
    refreshed = await cache.lookup("k", source, mode="refresh", description="x")
    assert refreshed.value == b"2"
    assert (await cache.lookup("k", source, mode="read", description="x")).value == b"2"


async def test_entries_over_2mb_are_returned_but_not_stored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache, _ = make_cache(tmp_path)

    async def big() -> Computed:
        return CacheEntry(value=b"x" * (MAX_ENTRY_SIZE + 1)), True

    entry = await cache.lookup("k", big, mode="read", description="fetch GET http://x/")
    assert len(entry.value) == MAX_ENTRY_SIZE + 1
    assert await cache.handler.get("k") is None
    assert "items over 2MB can not be cached" in caplog.text

    async def limit() -> Computed:
        return CacheEntry(value=b"x" * MAX_ENTRY_SIZE), True

    await cache.lookup("k2", limit, mode="read", description="x")
    assert await cache.handler.get("k2") is not None  # exactly 2 MB is stored


async def test_lookups_report_tags_to_the_open_collector_only(tmp_path: Path) -> None:
    cache, _ = make_cache(tmp_path)

    async def tagged() -> Computed:
        return CacheEntry(value=b"1", tags=("a", "_path:/other", "_layout:/")), True

    assert current_collector() is None
    await cache.lookup("k", tagged, mode="read", description="x")
    with collecting(("_path:/api/x",)) as outer:
        await cache.lookup("k", tagged, mode="read", description="x")
    # Another route's implicit tags are not passed on.
    assert outer.tags == {"a"}
    assert current_collector() is None


def test_valid_tags_drops_bad_and_excess_tags_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    long = "x" * 257
    tags = valid_tags(["a", 3, "", long, "a", "x" * 256], "fetch http://x/")
    assert tags == ("a", "x" * 256)
    assert "invalid tags for fetch http://x/" in caplog.text
    caplog.clear()
    many = [f"t{i}" for i in range(130)]
    kept = valid_tags(many, "fetch http://y/")
    assert kept == tuple(many[:128])
    assert "more than 128 tags for fetch http://y/; dropped: t128, t129" in caplog.text


async def test_a_background_refresh_keeps_the_path_tags_of_the_route_that_stored_it(
    tmp_path: Path,
) -> None:
    cache, clock = make_cache(tmp_path)

    async def compute() -> Computed:
        collector = current_collector()
        implicit = collector.implicit if collector is not None else ()
        return CacheEntry(value=b"v", tags=("t", *implicit), revalidate=10), True

    with collecting(("_path:/api/x", "_layout:/")):
        await cache.lookup("k", compute, mode="read", description="x")
    clock.now += 11
    await cache.lookup("k", compute, mode="read", description="x")  # from a dynamic route
    await refreshed(cache)
    stored = await cache.handler.get("k")
    assert stored is not None
    assert stored.created_at == clock.now  # the refreshed entry
    assert set(stored.tags) == {"t", "_path:/api/x", "_layout:/"}
