"""The route cache across processes' worth of app instances, through real
uvicorn servers: the filesystem cache survives a restart, and two instances
sharing one Redis see each other's entries."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from tests.support.raw import wait_for
from tests.support.redis import RedisServer
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
    # Two folders are two projects unless they set the same cache_prefix.
    config = f"cache_handler = {redis_server.url!r}\ncache_prefix = 'shared-instances'\n"
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


COUNTED = textwrap.dedent(
    """
    from pathlib import Path
    from approute import NextResponse

    dynamic = "force-static"
    LOG = Path(__file__).parents[3] / "calls.log"

    def GET(request):
        with LOG.open("a") as log:
            log.write("x\\n")
        return NextResponse.json({"calls": len(LOG.read_text().splitlines())})
    """
)


def test_requests_succeed_while_redis_is_down_and_caching_resumes(
    tmp_path: Path, own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "site"
    route = root / "app" / "api" / "x" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(COUNTED)
    (root / "approute.config.py").write_text(f"cache_handler = {own_redis_server.url!r}\n")
    with run_server(create_app(root), "httptools") as server:
        url = server.url + "/api/x"
        assert httpx.get(url).headers["x-approute-cache"] == "MISS"
        assert httpx.get(url).headers["x-approute-cache"] == "HIT"
        own_redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="approute.cache"):
            down = [httpx.get(url, timeout=10) for _ in range(2)]
        # Computed fresh each time (nothing to read), never an error.
        assert [r.status_code for r in down] == [200, 200]
        assert [r.json()["calls"] for r in down] == [2, 3]
        assert "Redis unavailable" in caplog.text
        own_redis_server.start()  # empty again: caching resumes
        assert wait_for(lambda: httpx.get(url).headers["x-approute-cache"] == "HIT", timeout=10)
