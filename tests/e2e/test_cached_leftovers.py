"""What a cached handler leaves behind (``after()``, ``revalidate_path``)
applies exactly as for an uncached route, once per handler run: on a
route-cache MISS, in an ISR background regeneration and in the build's
prerender (real uvicorn, the filesystem store)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from tests.build.conftest import build
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import RunningServer, run_server

_LOG = """
from pathlib import Path

LOG = Path(__file__).parents[3] / "after.log"


def note(line):
    with LOG.open("a") as log:
        log.write(line + "\\n")
"""

PROJECT = {
    # ISR; each run marks /api/target for regeneration and notes after().
    "app/api/isr/route.py": _LOG
    + """
from approute import NextResponse
from approute.cache import revalidate_path
from approute.server import after

revalidate = 3600


def GET(request):
    revalidate_path("/api/target")
    after(lambda: note("after"))
    return NextResponse.json({"ok": True})
""",
    "app/api/target/route.py": """
from approute import NextResponse

revalidate = 3600


def GET(request):
    return NextResponse.json({"target": True})
""",
    "app/api/stale/route.py": """
from approute import NextResponse
from approute.cache import revalidate_tag


def POST(request):
    revalidate_tag("_path:/api/isr")  # stale, as revalidate_tag(tag) marks
    return NextResponse.json({"ok": True})
""",
}


def _after_count(root: Path) -> int:
    log = root / "after.log"
    return log.read_text().splitlines().count("after") if log.exists() else 0


@pytest.fixture
def site(make_project: ProjectFactory) -> Iterator[tuple[RunningServer, Path]]:
    root = make_project({rel: textwrap.dedent(text) for rel, text in PROJECT.items()})
    with run_server(create_app(root), "httptools") as server:
        yield server, root


def _state(server: RunningServer, path: str) -> str:
    response = httpx.get(server.url + path)
    assert response.status_code == 200
    return response.headers["x-approute-cache"]


def test_a_cache_miss_runs_after_and_applies_revalidations(
    site: tuple[RunningServer, Path],
) -> None:
    server, root = site
    assert [_state(server, "/api/target") for _ in range(2)] == ["MISS", "HIT"]
    assert _state(server, "/api/isr") == "MISS"
    # Both were dropped: the target stayed a HIT and after() never ran.
    assert _state(server, "/api/target") == "MISS"
    assert wait_for(lambda: _after_count(root) == 1, timeout=10)
    assert _state(server, "/api/isr") == "HIT"  # no handler run, no after()
    assert _after_count(root) == 1


def test_a_background_regeneration_runs_after(site: tuple[RunningServer, Path]) -> None:
    server, root = site
    assert _state(server, "/api/isr") == "MISS"
    assert wait_for(lambda: _after_count(root) == 1, timeout=10)
    httpx.post(server.url + "/api/stale").raise_for_status()
    assert _state(server, "/api/isr") == "STALE"
    assert wait_for(lambda: _after_count(root) == 2, timeout=10)


def test_the_build_prerender_runs_after(make_project: ProjectFactory) -> None:
    root = make_project({rel: textwrap.dedent(text) for rel, text in PROJECT.items()})
    build(root)
    assert _after_count(root) == 1
