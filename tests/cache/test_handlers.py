"""One suite for every CacheHandler: memory, filesystem and a real Redis."""

from __future__ import annotations

import asyncio
import logging
import pickle
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import redis.asyncio

from approute.cache import (
    CacheEntry,
    CacheFormatError,
    CacheHandler,
    FilesystemCacheHandler,
    MemoryCacheHandler,
    RedisCacheHandler,
    cache_handler_from_config,
)
from approute.cache.entry import MAGIC, decode, encode
from approute.errors import ProjectError
from tests.support.redis import RedisServer

pytestmark = pytest.mark.anyio

T0 = 1_700_000_000.0


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Store:
    """Makes handler instances that share one backing store (dir, Redis prefix)."""

    kind: str
    clock: Clock
    make_handler: Callable[[], CacheHandler]
    handlers: list[CacheHandler] = field(default_factory=list)

    def new(self) -> CacheHandler:
        handler = self.make_handler()
        self.handlers.append(handler)
        return handler


@pytest.fixture(params=["memory", "filesystem", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    clock = Clock()
    kind = str(request.param)
    make: Callable[[], CacheHandler]
    if kind == "memory":
        shared = MemoryCacheHandler(clock=clock)
        make = lambda: shared  # noqa: E731 - one process, one dict
    elif kind == "filesystem":
        make = lambda: FilesystemCacheHandler(tmp_path / "cache", clock=clock)  # noqa: E731
    else:
        server: RedisServer = request.getfixturevalue("redis_server")
        prefix = f"approute:test-{uuid.uuid4().hex}:"
        make = lambda: RedisCacheHandler(server.url, prefix=prefix, clock=clock)  # noqa: E731
    result = Store(kind, clock, make)
    yield result
    for handler in result.handlers:
        await handler.close()


@pytest.fixture
def cache(store: Store) -> CacheHandler:
    return store.new()


def entry(value: bytes = b"body", *, clock: Clock | None = None, **kwargs: Any) -> CacheEntry:
    return CacheEntry(value=value, created_at=(clock or Clock())(), **kwargs)


# -- the shared suite -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{"ok":true}', id="json"),
        pytest.param(bytes(range(256)), id="all-bytes"),
        pytest.param(b"\xff\xfe\x80not utf-8\x00", id="not-utf8"),
        pytest.param(b"APRC\x01" * 1000, id="looks-like-framing"),
    ],
)
async def test_body_bytes_round_trip(cache: CacheHandler, body: bytes) -> None:
    await cache.set("route:/api/x", entry(body))
    got = await cache.get("route:/api/x")
    assert got is not None
    assert got.value == body
    assert type(got.value) is bytes


async def test_meta_and_fields_round_trip(cache: CacheHandler, store: Store) -> None:
    meta = {
        "status": 200,
        "headers": [["content-type", "application/json"], ["x-ünïcode", "✓"]],
        "nested": {"a": [1, 2.5, None, True]},
    }
    original = CacheEntry(
        value=b"x",
        meta=meta,
        tags=("posts", "post:1"),
        created_at=store.clock() - 0.25,
        revalidate=60.0,
        expire=3600.0,
    )
    await cache.set("k", original)
    assert await cache.get("k") == original


async def test_missing_key_is_none(cache: CacheHandler) -> None:
    assert await cache.get("route:/nothing") is None


async def test_keys_are_distinct(cache: CacheHandler) -> None:
    await cache.set("route:/a", entry(b"a"))
    await cache.set("route:/b", entry(b"b"))
    await cache.set("data:ключ/✓ spaces?&", entry(b"c"))
    for key, body in [("route:/a", b"a"), ("route:/b", b"b"), ("data:ключ/✓ spaces?&", b"c")]:
        got = await cache.get(key)
        assert got is not None
        assert got.value == body


async def test_set_replaces(cache: CacheHandler) -> None:
    await cache.set("k", entry(b"old"))
    await cache.set("k", entry(b"new"))
    got = await cache.get("k")
    assert got is not None
    assert got.value == b"new"


async def test_delete(cache: CacheHandler) -> None:
    await cache.set("k", entry())
    await cache.delete("k")
    assert await cache.get("k") is None
    await cache.delete("k")  # absent: no error


async def test_fresh_entry_is_not_stale(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(clock=store.clock, tags=("t",), revalidate=10))
    got = await cache.get("k")
    assert got is not None
    assert not got.stale
    assert not got.is_stale(store.clock())


async def test_revalidate_seconds_make_entry_stale(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(clock=store.clock, revalidate=10))
    store.clock.advance(10)
    got = await cache.get("k")
    assert got is not None
    assert got.is_stale(store.clock())
    assert not got.is_stale(store.clock() - 1)


async def test_expired_entry_is_a_miss(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(clock=store.clock, expire=5))
    store.clock.advance(4.9)
    assert await cache.get("k") is not None
    store.clock.advance(0.1)
    assert await cache.get("k") is None


async def test_revalidate_tag_marks_stale(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(b"v", clock=store.clock, tags=("posts", "post:1")))
    store.clock.advance(1)
    await cache.revalidate_tag(["post:1"], expire_now=False)
    got = await cache.get("k")
    assert got is not None
    assert got.value == b"v"
    assert got.stale
    assert got.is_stale(store.clock())


async def test_revalidate_tag_expire_now_is_a_miss(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(clock=store.clock, tags=("posts",)))
    store.clock.advance(1)
    await cache.revalidate_tag(["other", "posts"], expire_now=True)
    assert await cache.get("k") is None


async def test_unmatched_tags_leave_entries_alone(cache: CacheHandler, store: Store) -> None:
    await cache.set("tagged", entry(clock=store.clock, tags=("posts",)))
    await cache.set("untagged", entry(clock=store.clock))
    store.clock.advance(1)
    await cache.revalidate_tag(["users"], expire_now=False)
    await cache.revalidate_tag(["post"], expire_now=True)
    for key in ("tagged", "untagged"):
        got = await cache.get(key)
        assert got is not None
        assert not got.stale


async def test_entry_written_after_revalidation_is_fresh(cache: CacheHandler, store: Store) -> None:
    await cache.revalidate_tag(["posts"], expire_now=False)
    await cache.revalidate_tag(["posts"], expire_now=True)
    store.clock.advance(1)
    await cache.set("k", entry(clock=store.clock, tags=("posts",)))
    got = await cache.get("k")
    assert got is not None
    assert not got.stale


async def test_empty_tag_list_is_a_no_op(cache: CacheHandler, store: Store) -> None:
    await cache.set("k", entry(clock=store.clock, tags=("posts",)))
    store.clock.advance(1)
    await cache.revalidate_tag([], expire_now=True)
    assert await cache.get("k") is not None


async def test_instances_share_entries_and_tags(store: Store) -> None:
    if store.kind == "memory":
        pytest.skip("memory is one process's dict")
    first, second = store.new(), store.new()
    await first.set("a", entry(b"from first", clock=store.clock, tags=("t1",)))
    await first.set("b", entry(b"from first", clock=store.clock, tags=("t2",)))
    got = await second.get("a")
    assert got is not None
    assert got.value == b"from first"
    store.clock.advance(1)
    await second.revalidate_tag(["t1"], expire_now=False)
    await second.revalidate_tag(["t2"], expire_now=True)
    stale = await first.get("a")
    assert stale is not None
    assert stale.stale
    assert await first.get("b") is None
    await second.delete("a")
    assert await first.get("a") is None


async def test_entries_survive_a_new_instance(store: Store) -> None:
    if store.kind == "memory":
        pytest.skip("memory does not survive its process")
    first = store.new()
    await first.set("k", entry(b"kept", clock=store.clock, tags=("t",)))
    store.clock.advance(1)
    await first.revalidate_tag(["t"], expire_now=False)
    await first.close()
    got = await store.new().get("k")
    assert got is not None
    assert (got.value, got.stale) == (b"kept", True)


# -- filesystem ---------------------------------------------------------------


@pytest.fixture
def fs(tmp_path: Path) -> FilesystemCacheHandler:
    return FilesystemCacheHandler(tmp_path / "cache", clock=Clock())


async def test_filesystem_stores_framing_not_pickle(fs: FilesystemCacheHandler) -> None:
    await fs.set("route:/x", entry(b"\x80\x04body", meta={"status": 200}))
    data = fs.path_for("route:/x").read_bytes()
    assert data.startswith(MAGIC)
    assert data[:1] != b"\x80"  # pickle protocol 2+ opcode
    assert decode(data, key="route:/x").value == b"\x80\x04body"
    path = fs.path_for("route:/x")
    assert path.parent.parent == fs.cache_dir / "entries"
    assert "route" not in path.name
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left


def _pickled() -> bytes:
    return pickle.dumps(CacheEntry(value=b"x"))


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated-body"),
        pytest.param(lambda data: data[:7], id="truncated-prefix"),
        pytest.param(lambda data: data[:20], id="truncated-header"),
        pytest.param(lambda data: data + b"extra", id="trailing-bytes"),
        pytest.param(lambda data: b"", id="empty-file"),
        pytest.param(lambda data: b"\x00garbage\xff" * 100, id="garbage"),
        pytest.param(lambda data: _pickled(), id="pickle"),
        pytest.param(lambda data: data[:4] + b"\x09" + data[5:], id="wrong-version"),
    ],
)
async def test_filesystem_corrupt_entry_is_a_miss(
    fs: FilesystemCacheHandler,
    corrupt: Callable[[bytes], bytes],
    caplog: pytest.LogCaptureFixture,
) -> None:
    await fs.set("k", entry(b"0123456789" * 10, meta={"status": 200}, tags=("t",)))
    path = fs.path_for("k")
    path.write_bytes(corrupt(path.read_bytes()))
    with caplog.at_level(logging.WARNING, logger="approute.cache"):
        assert await fs.get("k") is None
    assert not path.exists()
    assert "unreadable entry" in caplog.text
    fresh = FilesystemCacheHandler(fs.cache_dir)
    assert await fresh.get("k") is None
    await fresh.set("k", entry(b"again"))
    got = await fs.get("k")
    assert got is not None
    assert got.value == b"again"


async def test_filesystem_corrupt_tags_file_is_ignored(
    fs: FilesystemCacheHandler, caplog: pytest.LogCaptureFixture
) -> None:
    await fs.set("k", entry(tags=("t",)))
    (fs.cache_dir / "tags.json").write_bytes(b"{not json")
    with caplog.at_level(logging.WARNING, logger="approute.cache"):
        got = await fs.get("k")
    assert got is not None
    assert not got.stale
    assert "tags.json" in caplog.text


async def test_filesystem_sees_tags_written_by_another_process(tmp_path: Path) -> None:
    clock = Clock()
    worker_a = FilesystemCacheHandler(tmp_path, clock=clock)
    worker_b = FilesystemCacheHandler(tmp_path, clock=clock)
    await worker_a.set("k", entry(clock=clock, tags=("t1", "t2")))
    assert not (await worker_a.get("k")).stale  # type: ignore[union-attr]  # tags cached
    clock.advance(1)
    await worker_b.revalidate_tag(["t1"], expire_now=False)
    clock.advance(1)
    await worker_b.revalidate_tag(["t2"], expire_now=False)
    assert (await worker_a.get("k")).stale  # type: ignore[union-attr]
    tags = (tmp_path / "tags.json").read_bytes()
    assert b'"t1"' in tags
    assert b'"t2"' in tags


# -- redis --------------------------------------------------------------------


@pytest.fixture
async def raw_redis(redis_server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(redis_server.url)
    yield client
    await client.aclose()


def _redis(server: RedisServer, clock: Clock | None = None, **kwargs: Any) -> RedisCacheHandler:
    prefix = kwargs.pop("prefix", f"approute:test-{uuid.uuid4().hex}:")
    return RedisCacheHandler(server.url, prefix=prefix, clock=clock or Clock(), **kwargs)


@pytest.mark.redis
async def test_redis_stores_framing_with_ttl_under_prefix(
    redis_server: RedisServer, raw_redis: redis.asyncio.Redis
) -> None:
    clock = Clock()
    cache = _redis(redis_server, clock)
    try:
        await cache.set("route:/x", entry(b"\x80\x04body", clock=clock, revalidate=30))
        await cache.set("route:/y", entry(b"y", clock=clock, expire=90))
        await cache.revalidate_tag(["t"], expire_now=False)
        keys = await raw_redis.keys(f"{cache.prefix}*")
        assert keys
        for key in keys:
            assert await raw_redis.ttl(key) > 0  # a TTL on every key
        data = await raw_redis.get(cache.redis_key("route:/x"))
        assert isinstance(data, bytes)
        assert data.startswith(MAGIC)
        assert decode(data, key="route:/x").value == b"\x80\x04body"
        ttl_x = await raw_redis.ttl(cache.redis_key("route:/x"))
        assert 365 * 24 * 3600 <= ttl_x <= 365 * 24 * 3600 + 30
        assert 0 < await raw_redis.ttl(cache.redis_key("route:/y")) <= 90
    finally:
        await cache.close()


@pytest.mark.redis
async def test_redis_prefixes_isolate_apps(redis_server: RedisServer) -> None:
    app_a, app_b = _redis(redis_server), _redis(redis_server)
    try:
        await app_a.set("route:/x", entry(b"a", tags=("t",)))
        assert await app_b.get("route:/x") is None
        await app_b.revalidate_tag(["t"], expire_now=True)
        assert await app_a.get("route:/x") is not None
    finally:
        await app_a.close()
        await app_b.close()


@pytest.mark.redis
@pytest.mark.parametrize(
    "value",
    [
        pytest.param(_pickled(), id="pickle"),
        pytest.param(b"{truncated json", id="truncated-json"),
        pytest.param(encode(CacheEntry(value=b"x"))[:-1], id="truncated-entry"),
        pytest.param(MAGIC + b"\x07" + b"\x00" * 8, id="wrong-version"),
        pytest.param(b"\xff" * 5_000_000, id="large-garbage"),
    ],
)
async def test_redis_bad_value_is_a_miss(
    redis_server: RedisServer,
    raw_redis: redis.asyncio.Redis,
    value: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = _redis(redis_server)
    try:
        await raw_redis.set(cache.redis_key("k"), value, ex=60)
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            assert await cache.get("k") is None
        assert "unreadable Redis entry" in caplog.text
        assert await raw_redis.exists(cache.redis_key("k")) == 0
    finally:
        await cache.close()


@pytest.mark.redis
async def test_redis_down_then_back(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    cache = _redis(own_redis_server, clock, timeout=1.0)
    other = _redis(own_redis_server, clock, timeout=1.0, prefix=cache.prefix)
    try:
        await cache.set("k", entry(b"before", clock=clock))
        assert (await cache.get("k")).value == b"before"  # type: ignore[union-attr]
        own_redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            assert await cache.get("k") is None
            await cache.set("k", entry(b"during", clock=clock))
            await cache.delete("k")
            await cache.revalidate_tag(["t"], expire_now=True)
            await other.set("k", entry(b"during", clock=clock))
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 2  # one per instance and outage, not one per call
        assert "Redis unavailable" in warnings[0].getMessage()
        own_redis_server.start()  # same port; data is gone (--save "")
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            assert await cache.get("k") is None
            await cache.set("k", entry(b"after", clock=clock, tags=("t",)))
            assert (await cache.get("k")).value == b"after"  # type: ignore[union-attr]
            got = await other.get("k")
            assert got is not None
            assert got.value == b"after"
        assert "caching resumed" in caplog.text
    finally:
        await cache.close()
        await other.close()


@pytest.mark.redis
async def test_a_hung_redis_is_skipped_after_one_timeout(
    own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Frozen, Redis accepts connections and never answers: each command used
    # to wait out the timeout (twice, with the retry), four or more of them
    # per cached request.
    clock = Clock()
    cache = _redis(own_redis_server, clock, timeout=0.3, retry_after=1.0)
    try:
        await cache.set("k", entry(b"before", clock=clock))
        own_redis_server.freeze()
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            assert await cache.get("k") is None  # waits out the timeout once
            started = time.monotonic()
            for _ in range(10):
                assert await cache.get("k") is None
                await cache.set("k", entry(b"during", clock=clock))
                await cache.revalidate_tag(["t"], expire_now=False)
            assert time.monotonic() - started < 0.3 * 10  # skipped, not 30 timeouts
        assert "Redis unavailable" in caplog.text
        own_redis_server.thaw()
        # After retry_after, one command probes Redis and caching resumes.
        got = None
        for _ in range(200):  # a bounded poll (10 s), not a timing assertion
            got = await cache.get("k")
            if got is not None:
                break
            await asyncio.sleep(0.05)
        assert got is not None
        assert got.value == b"before"  # the writes during the freeze were dropped
    finally:
        own_redis_server.thaw()
        await cache.close()


# -- entry framing ------------------------------------------------------------


def test_every_truncation_is_rejected() -> None:
    data = encode(CacheEntry(value=b"body", meta={"status": 200}, tags=("t",)), key="k")
    for end in range(len(data)):
        with pytest.raises(CacheFormatError):
            decode(data[:end], key="k")
    assert decode(data, key="k").value == b"body"


def test_entry_under_another_key_is_rejected() -> None:
    data = encode(CacheEntry(value=b"x"), key="route:/a")
    with pytest.raises(CacheFormatError, match="another key"):
        decode(data, key="route:/b")


_GOOD_HEADER: dict[str, Any] = {
    "meta": {},
    "tags": [],
    "created_at": 1,
    "revalidate": None,
    "expire": None,
    "size": 0,
}


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(orjson.dumps({**_GOOD_HEADER, "meta": []}), id="meta-list"),
        pytest.param(orjson.dumps({**_GOOD_HEADER, "tags": [1]}), id="tag-int"),
        pytest.param(orjson.dumps({**_GOOD_HEADER, "created_at": "1"}), id="created-str"),
        pytest.param(orjson.dumps({**_GOOD_HEADER, "revalidate": True}), id="revalidate-bool"),
        pytest.param(
            orjson.dumps({k: v for k, v in _GOOD_HEADER.items() if k != "size"}), id="no-size"
        ),
        pytest.param(b"[1, 2]", id="array"),
    ],
)
def test_wrong_schema_is_rejected(header: bytes) -> None:
    data = MAGIC + b"\x01" + len(header).to_bytes(4, "big") + header
    with pytest.raises(CacheFormatError):
        decode(data)


# -- selection ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, FilesystemCacheHandler),
        ("filesystem", FilesystemCacheHandler),
        ("memory", MemoryCacheHandler),
        ("redis://127.0.0.1:6379/0", RedisCacheHandler),
        ("rediss://cache.example:6380", RedisCacheHandler),
        ("unix:///run/redis.sock", RedisCacheHandler),
    ],
)
async def test_cache_handler_from_config(value: str | None, expected: type, tmp_path: Path) -> None:
    handler = cache_handler_from_config(value, cache_dir=tmp_path / ".approute" / "cache")
    try:
        assert isinstance(handler, expected)
        if isinstance(handler, FilesystemCacheHandler):
            assert handler.cache_dir == tmp_path / ".approute" / "cache"
    finally:
        await handler.close()


@pytest.mark.parametrize("value", ["redis", "Memory", "", "http://localhost:6379", "mem"])
def test_unknown_cache_handler_is_a_project_error(value: str, tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="cache_handler must be"):
        cache_handler_from_config(value, cache_dir=tmp_path)


def test_redis_without_the_extra_is_a_project_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [m for m in sys.modules if m == "redis" or m.startswith("redis.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ProjectError, match=r"pip install 'approute\[redis\]'"):
        cache_handler_from_config("redis://localhost", cache_dir=tmp_path)
