"""``approute.fetch.fetch`` against a second local uvicorn that counts its
hits (no internet): uncached by default, ``force-cache``, ISR
``revalidate``, tags, what is never stored, middleware and scripts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from approute.app import create_app
from approute.fetch import fetch
from approute.testing import TestClient
from tests.cache.support import MEMORY_CONFIG, Upstream, clocked_app
from tests.cache.test_route_entry import _with_meta
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import RunningServer, run_server

ROUTE = """
from approute import NextResponse
from approute.cache import revalidate_tag
from approute.fetch import fetch

UPSTREAM = {url!r}
MODES = {{
    "default": {{}},
    "force": {{"cache": "force-cache"}},
    "isr": {{"next": {{"revalidate": 60, "tags": ["up"]}}}},
    "forever": {{"next": {{"revalidate": False}}}},
    "no-store": {{"cache": "no-store"}},
    "zero": {{"next": {{"revalidate": 0}}}},
    "conflict": {{"cache": "no-store", "next": {{"revalidate": 60}}}},
    "post": {{"cache": "force-cache", "method": "POST", "json": {{"a": 1}}}},
    "headers": {{"cache": "force-cache", "headers": {{"x-token": "one"}}}},
    "headers2": {{"cache": "force-cache", "headers": {{"x-token": "two"}}}},
}}


async def GET(request):
    params = request.next_url.search_params
    options = MODES[params.get("mode") or "default"]
    response = await fetch(UPSTREAM + (params.get("path") or "/n"), **options)
    data = await response.json() if response.headers.get("content-type") else None
    return NextResponse.json(
        {{
            "status": response.status,
            "ok": response.ok,
            "upstream": response.headers.get("x-upstream"),
            "url": response.url,
            "n": data.get("n") if isinstance(data, dict) else None,
            "echo": data.get("body") if isinstance(data, dict) else None,
            "text": len(await response.text()),
        }}
    )


async def POST(request):
    revalidate_tag("up", {{"expire": 0}} if (await request.json()).get("expire") else "max")
    return NextResponse.json({{}})
"""


_OPEN: list[TestClient] = []


def open_client(app: Any) -> TestClient:
    """A ``TestClient`` closed when the test ends: ``fetch()`` keeps pooled
    connections to the upstream, which only closing the app closes."""
    client = TestClient(app)
    _OPEN.append(client)
    return client


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


@pytest.fixture
def project(
    make_project: ProjectFactory, upstream: tuple[Upstream, RunningServer]
) -> tuple[Path, Upstream]:
    app, server = upstream
    app.hits.clear()
    root = make_project(
        {"app/api/f/route.py": ROUTE.format(url=server.url), "approute.config.py": MEMORY_CONFIG}
    )
    return root, app


def hits(upstream: Upstream, path: str = "/n", method: str = "GET") -> int:
    return upstream.hits[(method, path)]


def test_fetch_is_uncached_by_default(project: tuple[Path, Upstream]) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    assert client.get("/api/f").json()["n"] == 1
    assert client.get("/api/f").json()["n"] == 2
    assert hits(upstream) == 2


@pytest.mark.parametrize("mode", ["force", "forever"])
def test_force_cache_stores_the_response_until_revalidated(
    project: tuple[Path, Upstream], mode: str
) -> None:
    root, upstream = project
    app, clock = clocked_app(root)
    client = open_client(app)
    first = client.get(f"/api/f?mode={mode}").json()
    assert first["status"] == 200
    assert first["ok"]
    assert first["upstream"] == "1"
    clock.now += 10 * 365 * 24 * 3600
    again = client.get(f"/api/f?mode={mode}").json()
    assert again == first  # status, headers, body and url from the cache
    assert hits(upstream) == 1


def test_revalidate_n_serves_stale_then_refetches_once(project: tuple[Path, Upstream]) -> None:
    root, upstream = project
    app, clock = clocked_app(root)
    client = open_client(app)
    assert client.get("/api/f?mode=isr").json()["n"] == 1
    assert client.get("/api/f?mode=isr").json()["n"] == 1
    clock.now += 61
    assert client.get("/api/f?mode=isr").json()["n"] == 1  # stale at once
    assert wait_for(lambda: client.get("/api/f?mode=isr").json()["n"] == 2)
    assert hits(upstream) == 2


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({"expire": True}, 2, id="expire-now"),
        pytest.param({}, 1, id="max-serves-stale-first"),
    ],
)
def test_revalidate_tag_reaches_tagged_fetches(
    project: tuple[Path, Upstream], body: dict[str, Any], expected: int
) -> None:
    root, _upstream = project
    app, clock = clocked_app(root)
    client = open_client(app)
    assert client.get("/api/f?mode=isr").json()["n"] == 1
    clock.now += 1
    client.post("/api/f", json=body)
    clock.now += 1
    assert client.get("/api/f?mode=isr").json()["n"] == expected
    assert wait_for(lambda: client.get("/api/f?mode=isr").json()["n"] == 2)


@pytest.mark.parametrize("mode", ["no-store", "zero", "conflict"])
def test_no_store_and_revalidate_0_never_store(
    project: tuple[Path, Upstream], mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    client.get(f"/api/f?mode={mode}")
    client.get(f"/api/f?mode={mode}")
    assert hits(upstream) == 2
    if mode == "conflict":
        assert 'specified cache="no-store" and revalidate=60.0' in caplog.text


@pytest.mark.parametrize("path", ["/status/404", "/status/201", "/status/500"])
def test_only_200_responses_are_stored(project: tuple[Path, Upstream], path: str) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    first = client.get(f"/api/f?mode=force&path={path}").json()
    assert first["status"] == int(path.rsplit("/", 1)[1])
    assert first["ok"] is (first["status"] < 300)
    client.get(f"/api/f?mode=force&path={path}")
    assert hits(upstream, path) == 2


def test_post_is_never_stored_even_with_force_cache(project: tuple[Path, Upstream]) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    first = client.get("/api/f?mode=post").json()
    assert first["echo"] == '{"a":1}'  # json= sent as the body
    client.get("/api/f?mode=post")
    assert hits(upstream, method="POST") == 2


def test_request_headers_are_part_of_the_key(project: tuple[Path, Upstream]) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    one = client.get("/api/f?mode=headers").json()["n"]
    two = client.get("/api/f?mode=headers2").json()["n"]
    assert client.get("/api/f?mode=headers").json()["n"] == one
    assert one != two
    assert hits(upstream) == 2


def test_responses_over_2mb_are_not_stored(
    project: tuple[Path, Upstream], caplog: pytest.LogCaptureFixture
) -> None:
    root, upstream = project
    client = open_client(clocked_app(root)[0])
    assert client.get("/api/f?mode=force&path=/big").json()["text"] > 2 * 1024 * 1024
    client.get("/api/f?mode=force&path=/big")
    assert hits(upstream, "/big") == 2
    assert "items over 2MB can not be cached" in caplog.text


def test_redirects_are_followed_and_url_is_the_final_one(
    project: tuple[Path, Upstream], upstream: tuple[Upstream, RunningServer]
) -> None:
    root, _ = project
    client = open_client(clocked_app(root)[0])
    response = client.get("/api/f?mode=force&path=/redirect").json()
    assert response["status"] == 200
    assert response["url"] == upstream[1].url + "/n"


def test_fetch_in_middleware_is_a_plain_request(
    make_project: ProjectFactory, upstream: tuple[Upstream, RunningServer]
) -> None:
    app, server = upstream
    app.hits.clear()
    middleware = f"""
from approute import NextResponse
from approute.fetch import fetch


async def middleware(request):
    response = await fetch({server.url + "/n"!r}, cache="force-cache")
    out = NextResponse.next()
    out.headers.set("x-n", str((await response.json())["n"]))
    return out
"""
    root = make_project(
        {
            "middleware.py": middleware,
            "app/api/x/route.py": "from approute import Response\n\ndef GET(r):\n"
            "    return Response('ok')\n",
            "approute.config.py": MEMORY_CONFIG,
        }
    )
    client = open_client(clocked_app(root)[0])
    assert client.get("/api/x").headers["x-n"] == "1"
    assert client.get("/api/x").headers["x-n"] == "2"  # no effect in middleware


def test_fetch_outside_a_request_is_a_plain_request(
    upstream: tuple[Upstream, RunningServer],
) -> None:
    app, server = upstream
    app.hits.clear()

    async def twice() -> list[int]:
        first = await fetch(server.url + "/n", cache="force-cache")
        second = await fetch(server.url + "/n", cache="force-cache")
        return [(await first.json())["n"], (await second.json())["n"]]

    assert asyncio.run(twice()) == [1, 2]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        pytest.param({"cache": "reload"}, ValueError, id="unknown-cache"),
        pytest.param({"next": {"revalidate": -1}}, ValueError, id="negative-revalidate"),
        pytest.param({"next": {"tags": "up"}}, TypeError, id="tags-string"),
        pytest.param({"body": "x", "json": {}}, TypeError, id="body-and-json"),
    ],
)
def test_bad_options_are_clear_errors(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error, match=r"fetch http://127\.0\.0\.1:1/"):
        asyncio.run(fetch("http://127.0.0.1:1/", **kwargs))


def test_the_shared_client_is_closed_on_shutdown(project: tuple[Path, Upstream]) -> None:
    root, _ = project
    app, _ = clocked_app(root)
    with run_server(app, "httptools") as server:
        assert httpx.get(server.url + "/api/f?mode=force").json()["n"] == 1
        cache = app.pipeline._data_cache
        assert cache is not None
        assert cache._http is not None
        client = cache._http[1]
    assert client.is_closed


def test_closing_the_test_client_closes_the_app(project: tuple[Path, Upstream]) -> None:
    root, _ = project
    app, _ = clocked_app(root)
    with TestClient(app) as client:
        assert client.get("/api/f?mode=force").json()["n"] == 1
        cache = app.pipeline._data_cache
        assert cache is not None
        assert cache._http is not None
        http = cache._http[1]
    assert http.is_closed  # as after a server's shutdown: no pooled socket left open


@pytest.mark.parametrize(
    "meta",
    [
        pytest.param({}, id="empty"),
        pytest.param({"status": "200", "headers": [], "url": "u"}, id="status-string"),
        pytest.param({"status": 200, "headers": "x", "url": "u"}, id="headers-string"),
        pytest.param({"status": 200, "headers": ["ab"], "url": "u"}, id="header-not-a-pair"),
        pytest.param({"status": 200, "headers": [["a", "b\r\nc"]], "url": "u"}, id="crlf"),
        pytest.param({"status": 200, "headers": [], "url": None}, id="no-url"),
    ],
)
def test_a_malformed_stored_fetch_is_fetched_again(
    make_project: ProjectFactory,
    upstream: tuple[Upstream, RunningServer],
    meta: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The filesystem store (the default), shared by the machine: a bad entry
    # there used to raise in every handler that read it.
    app, server = upstream
    app.hits.clear()
    root = make_project({"app/api/f/route.py": ROUTE.format(url=server.url)})
    client = open_client(create_app(root))
    assert client.get("/api/f?mode=force").json()["n"] == 1
    (entry,) = [p for p in (root / ".approute" / "cache").rglob("*") if p.is_file()]
    entry.write_bytes(_with_meta(entry.read_bytes(), meta))
    response = client.get("/api/f?mode=force")
    assert response.status_code == 200
    assert response.json()["n"] == 2  # fetched again, and stored again
    assert "stored entry is malformed" in caplog.text
    assert client.get("/api/f?mode=force").json()["n"] == 2
