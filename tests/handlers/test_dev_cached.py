"""In dev, a cached GET (force-static, ISR) that reads the query, headers or
cookies gets one warning: after ``approute build`` that data is empty."""

from __future__ import annotations

import logging

import pytest

from approute.app import create_app
from approute.testing import TestClient
from tests.conftest import ProjectFactory

FILTERING = """
from approute import NextResponse
dynamic = "{dynamic}"

def GET(request):
    kind = request.next_url.search_params.get("kind")
    return NextResponse.json({{"kind": kind}})
"""
HEADERS_FACADE = """
from approute import NextResponse
from approute.headers import headers
revalidate = 60

def GET(request):
    return NextResponse.json({"agent": headers().get("user-agent")})
"""
PATH_ONLY = """
from approute import NextResponse
dynamic = "force-static"

def GET(request):
    return NextResponse.json({"path": request.next_url.pathname})
"""


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_force_static_get_reading_the_query_is_warned_once(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project({"app/api/items/route.py": FILTERING.format(dynamic="force-static")})
    client = TestClient(create_app(root, dev=True))
    caplog.set_level(logging.WARNING, "approute")
    assert client.get("/api/items?kind=a").json() == {"kind": "a"}  # dev: the real query
    assert client.get("/api/items?kind=b").json() == {"kind": "b"}
    (warning,) = _warnings(caplog)
    assert warning.startswith("app/api/items/route.py: the GET handler read ")
    assert "request.next_url.search_params" in warning
    assert "after `approute build` it gets an empty request" in warning
    # What the warning is about: the built app ignores the query.
    built = TestClient(create_app(root))
    assert built.get("/api/items?kind=a").json() == {"kind": None}


def test_an_isr_get_reading_headers_through_the_facade_is_warned(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(make_project({"app/api/a/route.py": HEADERS_FACADE}), dev=True))
    caplog.set_level(logging.WARNING, "approute")
    client.get("/api/a")
    (warning,) = _warnings(caplog)
    assert "app/api/a/route.py: the GET handler read request.headers" in warning


def test_no_warning_for_dynamic_routes_path_reads_or_production(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/api/dynamic/route.py": FILTERING.format(dynamic="force-dynamic"),
            "app/api/path/route.py": PATH_ONLY,
            "app/api/items/route.py": FILTERING.format(dynamic="force-static"),
        }
    )
    caplog.set_level(logging.WARNING, "approute")
    dev = TestClient(create_app(root, dev=True))
    assert dev.get("/api/dynamic?kind=a").json() == {"kind": "a"}
    assert dev.get("/api/path").json() == {"path": "/api/path"}
    TestClient(create_app(root)).get("/api/items?kind=a")
    assert _warnings(caplog) == []


CACHED_DATA = """
from approute import NextResponse
from approute.cache import cached
revalidate = 60

@cached(tags=["n"])
async def load():
    return {"n": 1}

async def GET(request):
    return NextResponse.json(await load())
"""


def test_approutes_own_reads_are_not_the_handlers(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # @cached looks at the draft cookie and Cache-Control itself; a raising
    # handler's dev page looks at Accept: neither is the handler reading.
    raising = "revalidate = 60\ndef GET(request):\n    raise RuntimeError('x')\n"
    root = make_project({"app/api/data/route.py": CACHED_DATA, "app/api/boom/route.py": raising})
    client = TestClient(create_app(root, dev=True), raise_server_exceptions=False)
    caplog.set_level(logging.WARNING, "approute")
    assert client.get("/api/data", headers={"cache-control": "no-cache"}).json() == {"n": 1}
    assert client.get("/api/boom", headers={"accept": "text/html"}).status_code == 500
    assert _warnings(caplog) == []
