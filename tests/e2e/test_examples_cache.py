"""The caching examples (docs/caching.md), built and served like production:
a copy of examples/ in a temporary folder, `approute build`, then the app
from the build output on a real uvicorn."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute.build import app_from_build, build_project
from tests.support.raw import wait_for
from tests.support.servers import run_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("examples") / "examples"
    shutil.copytree(EXAMPLES, root, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    out = io.StringIO()
    build_project(root, out=out)
    return root, out.getvalue()


@pytest.fixture
def client(built: tuple[Path, str]) -> Iterator[httpx.Client]:
    with (
        run_server(app_from_build(built[0]), "httptools") as server,
        httpx.Client(base_url=server.url) as http,
    ):
        yield http


def test_build_table_marks_the_cached_examples(built: tuple[Path, str]) -> None:
    table = built[1]
    assert "● /api/products/[id]" in table
    assert "/api/products/1" in table
    assert "/api/products/2" in table
    assert "○ /api/prices" in table  # ISR without params: static, regenerated


def test_prerendered_products_are_hits_and_unlisted_ones_404(client: httpx.Client) -> None:
    first = client.get("/api/products/1")
    assert first.headers["x-approute-cache"] == "HIT"
    assert first.json() == {"id": "1", "name": "Keyboard"}
    assert client.get("/api/products/9").status_code == 404


def test_prices_revalidate_tag_refreshes_the_cached_route(client: httpx.Client) -> None:
    before = client.get("/api/prices")
    assert before.headers["x-approute-cache"] in ("MISS", "HIT")
    assert before.json() == {"prices": {"eur": 1.0, "usd": 1.08}}
    assert client.get("/api/prices").headers["x-approute-cache"] == "HIT"

    assert client.post("/api/prices", json={"usd": 1.1}).json() == {"ok": True}
    stale = client.get("/api/prices")  # the old copy while one regeneration runs
    assert stale.headers["x-approute-cache"] == "STALE"
    assert stale.json()["prices"]["usd"] == 1.08
    assert wait_for(lambda: client.get("/api/prices").json()["prices"]["usd"] == 1.1)
    assert client.post("/api/prices", json=["x"]).status_code == 400
