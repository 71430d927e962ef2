"""A route-cache entry with valid framing but malformed meta is a miss
(rendered again, overwritten, one warning), never a 500: in-process on
``route_meta``, and through a real uvicorn with the entry written straight
into the filesystem store and into a real Redis (issue 11, finding 4)."""

from __future__ import annotations

import logging
import struct
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from approute.app import create_app
from approute.cache.entry import CacheEntry, decode
from approute.cache.route_entry import RouteMeta, route_meta
from tests.cache.test_route_cache_instances import COUNTED
from tests.support.redis import RedisServer
from tests.support.servers import run_server

_GOOD_HEADERS = [["content-type", "application/json"]]

MALFORMED = [
    pytest.param({"headers": _GOOD_HEADERS}, id="status-missing"),
    pytest.param({"status": "200", "headers": _GOOD_HEADERS}, id="status-string"),
    pytest.param({"status": 99, "headers": _GOOD_HEADERS}, id="status-99"),
    pytest.param({"status": 700, "headers": _GOOD_HEADERS}, id="status-700"),
    pytest.param({"status": True, "headers": _GOOD_HEADERS}, id="status-bool"),
    pytest.param({"status": 200.0, "headers": _GOOD_HEADERS}, id="status-float"),
    pytest.param({"status": 200}, id="headers-missing"),
    pytest.param({"status": 200, "headers": "content-type: x"}, id="headers-string"),
    pytest.param({"status": 200, "headers": {"a": "b"}}, id="headers-dict"),
    pytest.param({"status": 200, "headers": [["a"]]}, id="header-not-a-pair"),
    pytest.param({"status": 200, "headers": [["a", "b", "c"]]}, id="header-triple"),
    pytest.param({"status": 200, "headers": ["ab"]}, id="header-string"),
    pytest.param({"status": 200, "headers": [["a", 1]]}, id="header-value-int"),
    pytest.param({"status": 200, "headers": [[None, "b"]]}, id="header-name-none"),
    pytest.param({"status": 200, "headers": [["bad name", "b"]]}, id="header-name-space"),
    pytest.param({"status": 200, "headers": [["x:y", "b"]]}, id="header-name-colon"),
    pytest.param({"status": 200, "headers": [["", "b"]]}, id="header-name-empty"),
    pytest.param({"status": 200, "headers": [["x-a", "\u2603"]]}, id="header-value-not-latin1"),
    pytest.param({"status": 200, "headers": [["x-a", "a\r\nset-cookie: x=1"]]}, id="value-crlf"),
    pytest.param({"status": 200, "headers": [["x-a", "a\nb"]]}, id="header-value-lf"),
    pytest.param({"status": 200, "headers": [["x-a", "a\x00b"]]}, id="header-value-nul"),
]


@pytest.mark.parametrize("meta", MALFORMED)
def test_malformed_meta_is_none_and_logged(
    meta: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="approute.cache"):
        assert route_meta(CacheEntry(b"{}", meta=meta), "route:/api/x") is None
    assert "route entry 'route:/api/x' is malformed" in caplog.text


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        pytest.param({"status": 200, "headers": []}, RouteMeta(200, []), id="no-headers"),
        pytest.param(
            {"status": 203, "headers": [["x-a", "caf\u00e9"], ["content-type", "text/plain"]]},
            RouteMeta(203, [(b"x-a", b"caf\xe9"), (b"content-type", b"text/plain")]),
            id="latin-1-value",
        ),
    ],
)
def test_route_meta_of_a_stored_entry(meta: dict[str, Any], expected: RouteMeta) -> None:
    assert route_meta(CacheEntry(b"{}", meta=meta), "route:/api/x") == expected


# -- through a real server ----------------------------------------------------


def _with_meta(data: bytes, meta: dict[str, Any]) -> bytes:
    """``data`` (a framed entry) with its meta replaced; the framing stays valid."""
    (length,) = struct.unpack_from(">I", data, 5)
    header = orjson.loads(data[9 : 9 + length])
    header["meta"] = meta
    raw = orjson.dumps(header)
    framed = data[:5] + struct.pack(">I", len(raw)) + raw + data[9 + length :]
    assert decode(framed).meta == meta  # the store itself reads it fine
    return framed


@dataclass
class Store:
    """A store under test: the project's config, and a way to rewrite the
    meta of the one route entry it holds (for the route at ``/api/<name>``)."""

    name: str
    config: str
    corrupt: Callable[[dict[str, Any]], None]


@pytest.fixture(params=["filesystem", pytest.param("redis", marks=pytest.mark.redis)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    name = f"m{uuid.uuid4().hex[:12]}"  # a path of this test's own in the shared Redis
    if request.param == "filesystem":
        entries = tmp_path / "site" / ".approute" / "cache" / "entries"

        def rewrite_file(meta: dict[str, Any]) -> None:
            files = [path for path in entries.rglob("*") if path.is_file()]
            assert len(files) == 1  # the route's entry, the only one
            files[0].write_bytes(_with_meta(files[0].read_bytes(), meta))

        yield Store(name, "", rewrite_file)
        return
    import redis

    server: RedisServer = request.getfixturevalue("redis_server")
    client = redis.Redis.from_url(server.url)

    def rewrite_key(meta: dict[str, Any]) -> None:
        keys = list(client.scan_iter(match=f"*/api/{name}"))
        assert len(keys) == 1
        data = client.get(keys[0])
        assert isinstance(data, bytes)
        client.set(keys[0], _with_meta(data, meta), keepttl=True)

    yield Store(name, f"cache_handler = {server.url!r}\n", rewrite_key)
    client.close()


@pytest.mark.parametrize("meta", MALFORMED)
def test_malformed_stored_entry_is_rendered_again(
    tmp_path: Path,
    store: Store,
    meta: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = store.name
    root = tmp_path / "site"
    route = root / "app" / "api" / name / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(COUNTED)
    (root / "approute.config.py").write_text(store.config)
    with run_server(create_app(root), "httptools") as server:
        url = f"{server.url}/api/{name}"
        first = httpx.get(url)
        assert (first.status_code, first.headers["x-approute-cache"]) == (200, "MISS")
        store.corrupt(meta)
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            again = httpx.get(url)
        assert again.status_code == 200
        assert again.headers["x-approute-cache"] == "MISS"
        assert again.json() == {"calls": 2}  # a fresh render
        assert "is malformed" in caplog.text
        # ... which overwrote the bad entry.
        third = httpx.get(url)
        assert (third.headers["x-approute-cache"], third.json()) == ("HIT", {"calls": 2})
