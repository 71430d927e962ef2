"""Serving from the build output, in process: what ``approute start`` and
``approute.asgi:app_from_env`` do on each request."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from approute.asgi import ROOT_ENV, app_from_env, dev_app_from_env
from approute.build import app_from_build
from approute.build.manifest import read_manifest
from approute.cache.entry import decode, encode
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout
from approute.testing import TestClient
from tests.build.conftest import PROJECT, RedisServer, build, calls
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import run_server


@pytest.fixture
def built(make_project: ProjectFactory) -> Path:
    root = make_project(PROJECT)
    build(root)
    (root / "calls.log").unlink()
    return root


def test_prerendered_paths_are_hits_without_running_the_handler(built: Path) -> None:
    client = TestClient(app_from_build(built))
    for path in ("/api/hello", "/api/users/3", "/api/files/a/b%20c", "/_status"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["x-approute-cache"] == "HIT", path
    assert client.get("/api/users/3").json() == {
        "id": "3",
        "url": "http://localhost:3000/api/users/3",
    }
    assert client.head("/api/hello").headers["x-approute-cache"] == "HIT"
    assert calls(built) == []


def test_unlisted_params_render_on_demand_then_hit(built: Path) -> None:
    client = TestClient(app_from_build(built))
    first = client.get("/api/users/77")
    assert first.headers["x-approute-cache"] == "MISS"
    assert first.json()["id"] == "77"
    assert client.get("/api/users/77").headers["x-approute-cache"] == "HIT"
    assert calls(built) == ["/api/users/77"]


def test_the_seeded_entry_moves_into_the_cache_handler(built: Path) -> None:
    TestClient(app_from_build(built)).get("/api/hello")
    # Another process of the same build, its prerendered files gone: the
    # filesystem cache under .approute/cache/ answers.
    manifest = read_manifest(ProjectLayout.find(built))
    assert manifest is not None
    (manifest.entries_dir(ProjectLayout.find(built)) / manifest.prerendered["/api/hello"]).unlink()
    response = TestClient(app_from_build(built)).get("/api/hello")
    assert (response.headers["x-approute-cache"], response.text) == ("HIT", "hello v1")
    assert calls(built) == []


def test_isr_age_counts_from_the_build(built: Path) -> None:
    # A build made two minutes ago: its revalidate = 60 copy is stale.
    manifest = read_manifest(ProjectLayout.find(built))
    assert manifest is not None
    file = manifest.entries_dir(ProjectLayout.find(built)) / manifest.prerendered["/api/users/2"]
    entry = decode(file.read_bytes(), key="/api/users/2")
    file.write_bytes(encode(replace(entry, created_at=entry.created_at - 120), key="/api/users/2"))

    client = TestClient(app_from_build(built))
    stale = client.get("/api/users/2")
    assert stale.headers["x-approute-cache"] == "STALE"
    assert stale.content == entry.value
    assert wait_for(lambda: calls(built) == ["/api/users/2"], timeout=10)
    assert wait_for(
        lambda: client.get("/api/users/2").headers["x-approute-cache"] == "HIT", timeout=10
    )
    # A fresh prerendered copy is a plain HIT.
    assert client.get("/api/users/3").headers["x-approute-cache"] == "HIT"


def test_revalidated_path_does_not_serve_the_build_copy(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            **PROJECT,
            "app/api/purge/route.py": """
                from approute import Response
                from approute.cache import revalidate_path


                def POST(request):
                    revalidate_path("/api/hello")
                    return Response("purged")
            """,
        }
    )
    build(root)
    (root / "calls.log").unlink()
    client = TestClient(app_from_build(root))
    client.post("/api/purge")
    # Expired after the build: the next GET regenerates, as after any purge.
    assert client.get("/api/hello").headers["x-approute-cache"] == "MISS"
    assert calls(root) == ["/api/hello"]


def test_builds_do_not_share_route_entries_in_redis(
    make_project: ProjectFactory, own_redis_server: RedisServer
) -> None:
    root = make_project(
        {**PROJECT, "approute.config.py": f"cache_handler = {own_redis_server.url!r}\n"}
    )
    build(root)
    # Real servers: their lifespan shutdown closes the Redis connections.
    with run_server(app_from_build(root), "h11") as server:
        assert httpx.get(server.url + "/api/hello").text == "hello v1"
        assert httpx.get(server.url + "/api/users/88").headers["x-approute-cache"] == "MISS"

    route = root / "app" / "api" / "hello" / "route.py"
    route.write_text(route.read_text().replace("hello v1", "hello v2!"))
    build(root)
    with run_server(app_from_build(root), "h11") as server:
        response = httpx.get(server.url + "/api/hello")
        assert (response.headers["x-approute-cache"], response.text) == ("HIT", "hello v2!")
        # The old build's on-demand entry is not this build's either.
        assert httpx.get(server.url + "/api/users/88").headers["x-approute-cache"] == "MISS"


def test_app_from_env_needs_a_fresh_build(
    make_project: ProjectFactory,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = make_project(PROJECT)
    monkeypatch.setenv(ROOT_ENV, str(root))
    with caplog.at_level(logging.ERROR, logger="approute"), pytest.raises(ProjectError):
        app_from_env()
    assert "run `approute build` first" in caplog.text
    build(root)
    assert TestClient(app_from_env()).get("/api/hello").headers["x-approute-cache"] == "HIT"
    (root / "app" / "api" / "now" / "route.py").write_text("def GET(request): ...\n")
    with pytest.raises(ProjectError, match=r"app/api/now/route\.py was changed"):
        app_from_env()


def test_dev_needs_no_build(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project(PROJECT)
    monkeypatch.setenv(ROOT_ENV, str(root))
    response = TestClient(dev_app_from_env()).get("/api/hello")
    assert response.text == "hello v1"
    assert "x-approute-cache" not in response.headers  # next dev renders on demand
    assert not (root / ".approute" / "build-manifest.json").exists()


def test_cached_data_tags_reach_prerendered_entries(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/api/prices/route.py": """
                from approute import NextResponse, Response
                from approute.cache import cached, revalidate_tag

                dynamic = "force-static"


                @cached(tags=["prices"])
                def load_prices():
                    return {"eur": 1}


                def GET(request):
                    return NextResponse.json(load_prices())


                def POST(request):
                    revalidate_tag("prices", {"expire": 0})
                    return Response("ok")
            """
        }
    )
    build(root)
    manifest = read_manifest(ProjectLayout.find(root))
    assert manifest is not None
    file = manifest.entries_dir(ProjectLayout.find(root)) / manifest.prerendered["/api/prices"]
    assert "prices" in decode(file.read_bytes(), key="/api/prices").tags
    client = TestClient(app_from_build(root))
    assert client.get("/api/prices").headers["x-approute-cache"] == "HIT"
    client.post("/api/prices")
    # The tag came from the build's render: it expires the build's copy.
    assert client.get("/api/prices").headers["x-approute-cache"] == "MISS"


@pytest.mark.parametrize(
    ("config", "path"),
    [
        pytest.param("base_path = '/shop'\n", "/shop/api/users/2", id="base-path"),
        pytest.param("trailing_slash = True\n", "/api/users/2/", id="trailing-slash"),
        pytest.param("base_path = '/shop'\ntrailing_slash = True\n", "/shop/_status/", id="both"),
    ],
)
def test_prerendered_keys_match_the_requests_path(
    make_project: ProjectFactory, config: str, path: str
) -> None:
    root = make_project({**PROJECT, "approute.config.py": config})
    build(root)
    (root / "calls.log").unlink()
    response = TestClient(app_from_build(root)).get(path)
    assert (response.status_code, response.headers["x-approute-cache"]) == (200, "HIT")
    assert calls(root) == []
