"""The route cache's key is the route and its params after every rewrite,
never the incoming path, through a real uvicorn and the filesystem store:
no tenant or variant receives another's cached copy, every spelling of a
param shares one entry, and a route keeps a bounded number of entries."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator

import httpx
import pytest

from approute.app import create_app
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import RunningServer, get, raw_request, run_server

_ISR = """
from approute import NextResponse

revalidate = 3600


def GET(request, ctx):
    return NextResponse.json({{"who": {who!r}, "pathname": request.next_url.pathname}})
"""

PROJECT = {
    "approute.config.py": """
        route_cache_max_entries = 3


        def rewrites():
            return {
                "before_files": [
                    {
                        "source": "/api/page",
                        "has": [{"type": "host", "value": "a.example"}],
                        "destination": "/api/tenant-a",
                    },
                    {
                        "source": "/api/page",
                        "has": [{"type": "host", "value": "b.example"}],
                        "destination": "/api/tenant-b",
                    },
                    {
                        "source": "/api/variant",
                        "has": [{"type": "query", "key": "variant", "value": "b"}],
                        "destination": "/api/variant-b",
                    },
                ],
            }
    """,
    "app/api/tenant-a/route.py": _ISR.format(who="tenant-a"),
    "app/api/tenant-b/route.py": _ISR.format(who="tenant-b"),
    "app/api/variant/route.py": _ISR.format(who="variant-a"),
    "app/api/variant-b/route.py": _ISR.format(who="variant-b"),
    "app/api/items/[id]/route.py": _ISR.format(who="item"),
    "app/api/revalidate/route.py": """
        from approute import NextResponse
        from approute.cache import revalidate_path


        def POST(request):
            revalidate_path(request.next_url.search_params.get("path"))
            return NextResponse.json({"ok": True})
    """,
}


@pytest.fixture
def server(make_project: ProjectFactory) -> Iterator[RunningServer]:
    root = make_project({rel: textwrap.dedent(text) for rel, text in PROJECT.items()})
    with run_server(create_app(root), "httptools") as running:
        yield running


def _get(server: RunningServer, path: str, host: str = "localhost") -> tuple[str, str | None]:
    """``who`` answered and the cache state (MISS/HIT/STALE)."""
    request = get(path).replace(b"Host: localhost", f"Host: {host}".encode())
    response = raw_request(server, request)
    assert response is not None
    assert response.status == 200, response.body
    return httpx.Response(200, content=response.body).json()["who"], response.header(
        "x-approute-cache"
    )


def test_tenants_rewritten_from_one_path_never_share_an_entry(server: RunningServer) -> None:
    response = raw_request(server, get("/api/page").replace(b"localhost", b"a.example"))
    assert response is not None
    # One copy serves every path rewritten here: it shows the route's own.
    assert httpx.Response(200, content=response.body).json() == {
        "who": "tenant-a",
        "pathname": "/api/tenant-a",
    }
    # Keyed by /api/page, tenant B used to receive tenant A's cached copy.
    assert _get(server, "/api/page", "a.example") == ("tenant-a", "HIT")
    assert _get(server, "/api/page", "b.example") == ("tenant-b", "MISS")
    assert _get(server, "/api/page", "b.example") == ("tenant-b", "HIT")
    # The destination route requested directly is the same entry.
    assert _get(server, "/api/tenant-b") == ("tenant-b", "HIT")


def test_a_stale_entry_is_never_regenerated_by_another_routes_rewrite(
    server: RunningServer,
) -> None:
    assert _get(server, "/api/variant") == ("variant-a", "MISS")
    assert _get(server, "/api/variant?variant=b") == ("variant-b", "MISS")
    httpx.post(f"{server.url}/api/revalidate?path=/api/variant").raise_for_status()
    # Revalidated now: this request used to store variant B for everybody.
    assert _get(server, "/api/variant?variant=b") == ("variant-b", "HIT")
    assert _get(server, "/api/variant")[0] == "variant-a"
    assert wait_for(lambda: _get(server, "/api/variant")[1] == "HIT", timeout=10)
    assert _get(server, "/api/variant") == ("variant-a", "HIT")


def test_every_spelling_of_a_param_is_one_entry(server: RunningServer) -> None:
    assert _get(server, "/api/items/a") == ("item", "MISS")
    assert _get(server, "/api/items/%61") == ("item", "HIT")
    assert _get(server, "/api/items/a%20b") == ("item", "MISS")
    assert _get(server, "/api/items/a%20%62") == ("item", "HIT")


def test_a_route_keeps_at_most_its_entry_cap(server: RunningServer) -> None:
    # route_cache_max_entries = 3: the least recently used entry goes.
    for item in ("1", "2", "3"):
        assert _get(server, f"/api/items/{item}")[1] == "MISS"
    assert _get(server, "/api/items/1")[1] == "HIT"  # now 2 is the oldest
    assert _get(server, "/api/items/4")[1] == "MISS"  # evicts 2
    assert _get(server, "/api/items/2")[1] == "MISS"  # evicts 3
    assert _get(server, "/api/items/1")[1] == "HIT"
    assert _get(server, "/api/items/4")[1] == "HIT"
    # Another route's entries are not counted against this one.
    assert _get(server, "/api/tenant-a")[1] == "MISS"
    assert _get(server, "/api/items/2")[1] == "HIT"
