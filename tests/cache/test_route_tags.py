"""Tags reaching route entries (docs/caching.md, "Tags on route entries"): a
cached route carries the tags of the ``@cached``/``fetch`` calls made while
computing it, and data stored while it renders carries the route's path tags
(``revalidate_path``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from approute.cache import update_tag
from approute.testing import TestClient
from tests.cache.support import (
    MEMORY_CONFIG,
    Upstream,
    clocked_app,
    count,
    counter,
    data_cache,
)
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import RunningServer

DATA = (
    counter(0)
    + """
from approute.cache import cached


@cached(tags=["prices"])
async def prices():
    return {"price": bump("prices.txt")}


@cached(tags=["stock"])
def stock():
    return {"stock": bump("stock.txt")}
"""
)

STATIC = (
    counter(3)
    + """
from approute import NextResponse
from lib_data import prices

dynamic = "force-static"


async def GET(request):
    return NextResponse.json({"route": bump("route.txt"), **(await prices())})
"""
)

STATIC_SYNC = (
    counter(3)
    + """
from approute import NextResponse
from lib_data import stock

revalidate = 3600


def GET(request):
    return NextResponse.json({"route": bump("sync-route.txt"), **stock()})
"""
)

ADMIN = """
from approute import NextResponse
from approute.cache import revalidate_path, revalidate_tag, update_tag


async def POST(request):
    body = await request.json()
    if "path" in body:
        revalidate_path(body["path"])
    elif body.get("update"):
        update_tag(body["tag"])
    else:
        revalidate_tag(body["tag"], {"expire": 0} if body.get("expire") else "max")
    return NextResponse.json({})
"""


def project(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "lib_data.py": DATA,
            "app/api/static/route.py": STATIC,
            "app/api/sync/route.py": STATIC_SYNC,
            "app/api/admin/route.py": ADMIN,
            "approute.config.py": MEMORY_CONFIG,
        }
    )


def test_a_route_entry_carries_the_tags_of_the_data_it_read(
    make_project: ProjectFactory,
) -> None:
    root = project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    first = client.get("/api/static")
    assert first.headers["x-approute-cache"] == "MISS"
    assert first.json() == {"route": 1, "price": 1}
    assert client.get("/api/static").headers["x-approute-cache"] == "HIT"
    clock.now += 1
    client.post("/api/admin", json={"tag": "prices"})
    clock.now += 1
    stale = client.get("/api/static")
    assert stale.headers["x-approute-cache"] == "STALE"
    assert stale.json() == {"route": 1, "price": 1}

    def regenerated() -> bool:
        response = client.get("/api/static")
        return response.headers["x-approute-cache"] == "HIT" and response.json()["route"] == 2

    assert wait_for(regenerated)
    # The regeneration read fresh data, not the stale prices.
    assert client.get("/api/static").json() == {"route": 2, "price": 2}


def test_expiring_a_data_tag_makes_the_route_a_miss(make_project: ProjectFactory) -> None:
    root = project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    client.get("/api/sync")
    assert client.get("/api/sync").headers["x-approute-cache"] == "HIT"
    clock.now += 1
    client.post("/api/admin", json={"tag": "stock", "expire": True})
    clock.now += 1
    again = client.get("/api/sync")
    assert again.headers["x-approute-cache"] == "MISS"
    assert again.json() == {"route": 2, "stock": 2}  # sync handler, sync @cached
    # An unrelated tag leaves the route alone.
    client.post("/api/admin", json={"tag": "prices", "expire": True})
    clock.now += 1
    assert client.get("/api/sync").headers["x-approute-cache"] == "HIT"


def test_update_tag_makes_the_writers_next_read_fresh(make_project: ProjectFactory) -> None:
    # Next.js 16's read-your-own-writes: after update_tag the next GET renders
    # with fresh data (MISS), where revalidate_tag's default serves the old
    # copy once (STALE, the first test above).
    root = project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/static").json() == {"route": 1, "price": 1}
    assert client.get("/api/static").headers["x-approute-cache"] == "HIT"
    clock.now += 1
    client.post("/api/admin", json={"tag": "prices", "update": True})
    clock.now += 1
    fresh = client.get("/api/static")
    assert fresh.headers["x-approute-cache"] == "MISS"
    assert fresh.json() == {"route": 2, "price": 2}


def test_update_tag_outside_a_request_and_with_a_bad_tag_fails_clearly() -> None:
    with pytest.raises(RuntimeError, match=r"update_tag\(\)"):
        update_tag("prices")
    with pytest.raises(ValueError, match="1 to 256 characters"):
        update_tag("")


def test_revalidate_path_also_refreshes_the_data_the_route_stored(
    make_project: ProjectFactory,
) -> None:
    root = project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    client.get("/api/static")
    entries = data_cache(app).handler._entries  # type: ignore[attr-defined]
    data_entry = next(e for k, e in entries.items() if k.startswith("data:"))
    assert "_path:/api/static" in data_entry.tags
    clock.now += 1
    client.post("/api/admin", json={"path": "/api/static"})
    clock.now += 1
    again = client.get("/api/static")
    assert again.headers["x-approute-cache"] == "MISS"
    assert again.json() == {"route": 2, "price": 2}  # Next.js: the route's data is refreshed too
    assert count(root, "prices.txt") == 2


FETCHING = """
from approute import NextResponse
from approute.fetch import fetch

dynamic = "force-static"


async def GET(request):
    # Uncached, but tagged: the route entry still carries "feed" (Next.js).
    response = await fetch({url!r}, next={{"tags": ["feed"]}})
    return NextResponse.json(await response.json())
"""


def test_fetch_tags_reach_the_route_entry(
    make_project: ProjectFactory, upstream: tuple[Upstream, RunningServer]
) -> None:
    counter_app, server = upstream
    counter_app.hits.clear()
    root = make_project(
        {
            "app/api/feed/route.py": FETCHING.format(url=server.url + "/feed"),
            "app/api/admin/route.py": ADMIN,
            "approute.config.py": MEMORY_CONFIG,
        }
    )
    app, clock = clocked_app(root)
    # Closed at the end: fetch() keeps a pooled connection to the upstream.
    with TestClient(app) as client:
        assert client.get("/api/feed").json()["n"] == 1
        assert client.get("/api/feed").headers["x-approute-cache"] == "HIT"
        clock.now += 1
        client.post("/api/admin", json={"tag": "feed", "expire": True})
        clock.now += 1
        again = client.get("/api/feed")
        assert again.headers["x-approute-cache"] == "MISS"
        assert again.json()["n"] == 2
    assert counter_app.hits[("GET", "/feed")] == 2
