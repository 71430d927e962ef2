"""Two app instances (real uvicorn servers) sharing one real redis-server: a
``revalidate_tag`` on one reaches the other's ``@cached`` values and the
route entries that carry the tag."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from tests.support.raw import wait_for
from tests.support.redis import RedisServer
from tests.support.servers import run_server

FILES = {
    "lib_prices.py": """
        import uuid

        from approute.cache import cached


        @cached(tags=["prices"])
        async def prices():
            # A new value on every computation: a changed value proves a recompute.
            return {"version": uuid.uuid4().hex}
    """,
    "app/api/data/route.py": """
        from approute import NextResponse
        from lib_prices import prices


        async def GET(request):
            return NextResponse.json(await prices())
    """,
    "app/api/page/route.py": """
        from approute import NextResponse
        from lib_prices import prices

        dynamic = "force-static"


        async def GET(request):
            return NextResponse.json(await prices())
    """,
    "app/api/revalidate/route.py": """
        from approute import NextResponse
        from approute.cache import revalidate_tag


        async def POST(request):
            body = await request.json()
            revalidate_tag("prices", {"expire": 0} if body.get("expire") else "max")
            return NextResponse.json({})
    """,
}


def project(root: Path, redis_url: str) -> Path:
    for name, source in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    # One app on two machines: one cache_prefix (the folders differ).
    (root / "approute.config.py").write_text(
        f"cache_handler = {redis_url!r}\ncache_prefix = 'shop'\n"
    )
    return root


@pytest.mark.parametrize("expire", [True, False], ids=["expire-now", "max"])
def test_revalidate_tag_on_one_instance_reaches_the_other(
    tmp_path: Path, own_redis_server: RedisServer, expire: bool
) -> None:
    a = project(tmp_path / "a", own_redis_server.url)
    b = project(tmp_path / "b", own_redis_server.url)
    with (
        run_server(create_app(a), "httptools") as server_a,
        run_server(create_app(b), "h11") as server_b,
    ):
        page_a = httpx.get(server_a.url + "/api/page")
        assert page_a.headers["x-approute-cache"] == "MISS"
        original = page_a.json()["version"]
        # B reads what A stored: the route entry and the @cached value.
        page_b = httpx.get(server_b.url + "/api/page")
        assert page_b.headers["x-approute-cache"] == "HIT"
        assert page_b.json()["version"] == original
        assert httpx.get(server_b.url + "/api/data").json()["version"] == original

        httpx.post(server_a.url + "/api/revalidate", json={"expire": expire})

        if expire:
            # Both are recomputed on B at once.
            fresh = httpx.get(server_b.url + "/api/data").json()["version"]
            assert fresh != original
            page = httpx.get(server_b.url + "/api/page")
            assert page.headers["x-approute-cache"] == "MISS"
            assert page.json()["version"] == fresh
        else:
            # "max": B serves the stale copies once, and refreshes in the background.
            stale = httpx.get(server_b.url + "/api/page")
            assert stale.headers["x-approute-cache"] == "STALE"
            assert stale.json()["version"] == original

            def refreshed() -> bool:
                response = httpx.get(server_b.url + "/api/page")
                return (
                    response.headers["x-approute-cache"] == "HIT"
                    and response.json()["version"] != original
                )

            assert wait_for(refreshed)
            assert wait_for(
                lambda: httpx.get(server_a.url + "/api/data").json()["version"] != original
            )
