"""``dynamic = "error"``: a cached GET whose handler may not read request
data. Reading it fails ``approute build`` (Next.js) and, at runtime, the
render (500, logged); reading only the pathname and params is fine."""

from __future__ import annotations

import logging

import pytest

from approute.app import create_app
from approute.cli.main import main
from approute.testing import TestClient
from tests.build.conftest import build
from tests.conftest import ProjectFactory

STRICT = """
from approute import NextResponse
from approute.headers import headers

dynamic = "error"


def generate_static_params():
    return [{"id": "1"}]


def GET(request, ctx):
    if ctx.params["id"] == "reads-headers":
        request.headers.get("accept")
    if ctx.params["id"] == "calls-headers":
        headers()
    return NextResponse.json({"id": ctx.params["id"], "path": request.next_url.pathname})
"""

PROJECT = {"app/api/strict/[id]/route.py": STRICT}


def test_pathname_and_params_prerender_and_cache(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    assert "● /api/strict/[id]" in build(root)
    client = TestClient(create_app(root))
    first = client.get("/api/strict/2")
    assert first.json() == {"id": "2", "path": "/api/strict/2"}
    assert first.headers["x-approute-cache"] == "MISS"
    assert client.get("/api/strict/2").headers["x-approute-cache"] == "HIT"


@pytest.mark.parametrize(
    ("param", "used"),
    [("reads-headers", "request.headers"), ("calls-headers", "request.headers")],
)
def test_reading_request_data_fails_the_render(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture, param: str, used: str
) -> None:
    client = TestClient(create_app(make_project(PROJECT)), raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="approute"):
        response = client.get(f"/api/strict/{param}")
    assert response.status_code == 500
    assert "x-approute-cache" not in response.headers
    assert any(
        f"couldn't be rendered statically because it used `{used}`" in record.getMessage()
        for record in caplog.records
    )


def test_reading_request_data_fails_the_build(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    route = STRICT.replace('[{"id": "1"}]', '[{"id": "1"}, {"id": "reads-headers"}]')
    root = make_project({"app/api/strict/[id]/route.py": route})
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "couldn't be rendered statically because it used `request.headers`" in err
    assert (
        "Error occurred prerendering route /api/strict/[id] at path /api/strict/reads-headers"
        in err
    )
    assert not (root / ".approute" / "build-manifest.json").exists()
