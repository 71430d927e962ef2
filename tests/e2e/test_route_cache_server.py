"""The route cache through a real uvicorn, with the default filesystem
store (real files under .approute/cache): coalesced misses, ISR with one
background regeneration, a failing regeneration, and what is never stored.
(tests/handlers/test_route_cache.py checks the same rules in-process with a
test clock; this is the end-to-end run the issue asks for.)"""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import RunningServer, run_server

_COUNTED = """
import asyncio
from pathlib import Path

from approute import NextResponse, Response
from approute.cache import revalidate_tag

LOG = Path(__file__).parents[{depth}] / "calls.log"
FAIL = Path(__file__).parents[{depth}] / "fail"


def called(name):
    with LOG.open("a") as log:
        log.write(name + "\\n")
    return sum(1 for line in LOG.read_text().splitlines() if line == name)
"""

PROJECT = {
    # force-static; slow enough that 50 concurrent requests all miss together.
    "app/api/static/route.py": _COUNTED.format(depth=3)
    + """
dynamic = "force-static"


async def GET(request):
    n = called("static")
    await asyncio.sleep(0.3)
    return NextResponse.json({"n": n})
""",
    # ISR, tagged; regeneration fails while the "fail" file exists.
    "app/api/isr/route.py": _COUNTED.format(depth=3)
    + """
revalidate = 3600


async def GET(request):
    n = called("isr")
    await asyncio.sleep(0.3)
    if FAIL.exists():
        raise RuntimeError("the data source is down")
    return NextResponse.json({"n": n})


async def POST(request):
    revalidate_tag("_path:/api/isr")  # mark stale, as revalidate_tag(tag) does
    return NextResponse.json({"ok": True})
""",
    "app/api/cookie/route.py": _COUNTED.format(depth=3)
    + """
dynamic = "force-static"


def GET(request):
    called("cookie")
    response = NextResponse.json({"ok": True})
    response.cookies.set("session", "1")
    return response
""",
    "app/api/empty/route.py": _COUNTED.format(depth=3)
    + """
dynamic = "force-static"


def GET(request):
    called("empty")
    return Response(status=204)
""",
    "app/api/missing/route.py": _COUNTED.format(depth=3)
    + """
dynamic = "force-static"


def GET(request):
    called("missing")
    return Response("no", status=404)
""",
}


def _calls(root: Path, name: str) -> int:
    log = root / "calls.log"
    return log.read_text().splitlines().count(name) if log.exists() else 0


@pytest.fixture
def site(make_project: ProjectFactory) -> Iterator[tuple[RunningServer, Path]]:
    root = make_project({rel: textwrap.dedent(text) for rel, text in PROJECT.items()})
    with run_server(create_app(root), "httptools") as server:
        yield server, root


async def _burst(url: str, count: int) -> list[httpx.Response]:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=count)) as client:
        return list(await asyncio.gather(*(client.get(url) for _ in range(count))))


def test_fifty_concurrent_misses_run_the_handler_once(site: tuple[RunningServer, Path]) -> None:
    server, root = site
    responses = asyncio.run(_burst(server.url + "/api/static", 50))
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["n"] for r in responses} == {1}
    assert _calls(root, "static") == 1
    assert any((root / ".approute" / "cache").rglob("*")), "no entry file was written"
    assert httpx.get(server.url + "/api/static").headers["x-approute-cache"] == "HIT"


def test_stale_entry_is_served_while_one_regeneration_runs(
    site: tuple[RunningServer, Path],
) -> None:
    server, root = site
    url = server.url + "/api/isr"
    assert httpx.get(url).headers["x-approute-cache"] == "MISS"
    assert httpx.post(url).json() == {"ok": True}
    responses = asyncio.run(_burst(url, 50))
    assert {r.headers["x-approute-cache"] for r in responses} <= {"STALE", "HIT"}
    assert "STALE" in {r.headers["x-approute-cache"] for r in responses}
    assert {r.json()["n"] for r in responses if r.headers["x-approute-cache"] == "STALE"} == {1}
    assert wait_for(lambda: httpx.get(url).json()["n"] == 2)
    assert _calls(root, "isr") == 2  # the first render and exactly one regeneration


def test_a_failing_regeneration_keeps_the_last_good_copy(
    site: tuple[RunningServer, Path], caplog: pytest.LogCaptureFixture
) -> None:
    server, root = site
    url = server.url + "/api/isr"
    assert httpx.get(url).json() == {"n": 1}
    (root / "fail").touch()
    httpx.post(url)
    with caplog.at_level(logging.ERROR, logger="approute"):
        stale = httpx.get(url)
        assert (stale.headers["x-approute-cache"], stale.json()) == ("STALE", {"n": 1})
        assert wait_for(lambda: _calls(root, "isr") == 2)
        assert wait_for(lambda: "the data source is down" in caplog.text)
    again = httpx.get(url)  # still the last good copy, still stale
    assert (again.status_code, again.json()) == (200, {"n": 1})
    assert again.headers["x-approute-cache"] == "STALE"
    (root / "fail").unlink()
    assert wait_for(lambda: httpx.get(url).json()["n"] >= 3)


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/cookie", 200), ("/api/empty", 204), ("/api/missing", 404)],
)
def test_never_stored_responses_run_every_time_without_cache_headers(
    site: tuple[RunningServer, Path], path: str, status: int
) -> None:
    server, root = site
    for _ in range(2):
        response = httpx.get(server.url + path)
        assert response.status_code == status
        assert "x-approute-cache" not in response.headers
        assert "cache-control" not in response.headers
    assert _calls(root, path.rsplit("/", 1)[1]) == 2
