"""A cached route regenerates at least as often as the data it read: the
shortest ``revalidate`` of its ``@cached``/``fetch`` reads shortens the
route's own (Next.js: fetch and unstable_cache lower the route's revalidate
during the render), in the entry's staleness and its ``Cache-Control``."""

from __future__ import annotations

import pytest

from approute.testing import TestClient
from tests.cache.support import MEMORY_CONFIG, clocked_app, count, counter
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for

DATA = (
    counter(0)
    + """
from approute.cache import cached


@cached(revalidate=30)
async def rates():
    return {"rates": bump("rates.txt")}


@cached
async def names():
    return {"names": 1}
"""
)


def _route(segment: str, reads: str) -> str:
    return (
        counter(3)
        + f"""
from approute import NextResponse
from lib_data import rates, names

{segment}


async def GET(request):
    return NextResponse.json({{"route": bump("route.txt"), **(await {reads}())}})
"""
    )


@pytest.mark.parametrize(
    ("segment", "reads", "cache_control"),
    [
        pytest.param(
            'dynamic = "force-static"',
            "rates",
            "s-maxage=30, stale-while-revalidate=31535970",
            id="static-shortened-to-data",
        ),
        pytest.param(
            "revalidate = 10",
            "rates",
            "s-maxage=10, stale-while-revalidate=31535990",
            id="segment-shorter-wins",
        ),
        pytest.param(
            'dynamic = "force-static"', "names", "s-maxage=31536000", id="data-never-stale"
        ),
    ],
)
def test_the_shortest_revalidate_sets_cache_control(
    make_project: ProjectFactory, segment: str, reads: str, cache_control: str
) -> None:
    root = make_project(
        {
            "approute.config.py": MEMORY_CONFIG,
            "lib_data.py": DATA,
            "app/api/x/route.py": _route(segment, reads),
        }
    )
    app, _ = clocked_app(root)
    client = TestClient(app)
    for state in ("MISS", "HIT"):
        response = client.get("/api/x")
        assert response.headers["x-approute-cache"] == state
        assert response.headers["cache-control"] == cache_control


def test_a_force_static_route_goes_stale_with_its_data(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "approute.config.py": MEMORY_CONFIG,
            "lib_data.py": DATA,
            "app/api/x/route.py": _route('dynamic = "force-static"', "rates"),
        }
    )
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/x").json() == {"route": 1, "rates": 1}
    clock.now += 29
    assert client.get("/api/x").headers["x-approute-cache"] == "HIT"
    clock.now += 2  # past the data's 30 s: the route is stale too
    stale = client.get("/api/x")
    assert (stale.headers["x-approute-cache"], stale.json()) == ("STALE", {"route": 1, "rates": 1})
    assert wait_for(lambda: client.get("/api/x").json() == {"route": 2, "rates": 2})
    assert count(root, "route.txt") == 2
