"""The route cache across processes' worth of app instances, through real
uvicorn servers: the filesystem cache survives a restart, and two instances
sharing one Redis see each other's entries."""

from __future__ import annotations

import textwrap
from pathlib import Path

import httpx

from approute.app import create_app
from tests.cache.conftest import RedisServer
from tests.support.servers import run_server

ROUTE = textwrap.dedent(
    """
    import os
    from approute import NextResponse

    dynamic = "force-static"

    def GET(request):
        return NextResponse.json({"pid": os.getpid(), "instance": INSTANCE})

    INSTANCE = __import__("pathlib").Path(__file__).parents[3].name
    """
)


def project(root: Path, config: str = "") -> Path:
    route = root / "app" / "api" / "x" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(ROUTE)
    if config:
        (root / "approute.config.py").write_text(config)
    return root


def test_filesystem_cache_survives_a_restart(tmp_path: Path) -> None:
    root = project(tmp_path / "site")
    with run_server(create_app(root), "httptools") as first:
        response = httpx.get(first.url + "/api/x")
        assert response.headers["x-approute-cache"] == "MISS"
    assert (root / ".approute" / "cache").is_dir()
    with run_server(create_app(root), "httptools") as second:
        again = httpx.get(second.url + "/api/x")
        assert again.headers["x-approute-cache"] == "HIT"
        assert again.json() == response.json()


def test_two_instances_share_one_redis(tmp_path: Path, redis_server: RedisServer) -> None:
    config = f"cache_handler = {redis_server.url!r}\n"
    a = project(tmp_path / "a", config)
    b = project(tmp_path / "b", config)
    with (
        run_server(create_app(a), "httptools") as server_a,
        run_server(create_app(b), "h11") as server_b,
    ):
        first = httpx.get(server_a.url + "/api/x")
        assert (first.headers["x-approute-cache"], first.json()["instance"]) == ("MISS", "a")
        second = httpx.get(server_b.url + "/api/x")
        assert second.headers["x-approute-cache"] == "HIT"
        assert second.json()["instance"] == "a"  # computed by the other instance
