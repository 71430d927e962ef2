"""public/ inside a real app: conflicts with routes, order with routes."""

from __future__ import annotations

import pytest

from approute.app import create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for

ROUTE = "from approute import Response\ndef GET(request, ctx):\n    return Response('route')\n"


def test_a_file_and_a_static_route_at_one_path_is_a_startup_error(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/about/route.py": ROUTE, "public/about": "file"})
    with pytest.raises(ProjectError) as error:
        create_app(root)
    assert "A conflicting public file and page file was found for path /about" in str(error.value)
    assert "public/about" in str(error.value)
    assert "app/about/route.py" in str(error.value)


def test_a_file_beats_a_dynamic_route(make_project: ProjectFactory) -> None:
    root = make_project({"app/[slug]/route.py": ROUTE, "public/robots.txt": "User-agent: *\n"})
    client = TestClient(create_app(root))
    assert client.get("/robots.txt").text == "User-agent: *\n"
    assert client.get("/other").text == "route"


def test_middleware_without_matcher_runs_for_public_files(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "public/a.txt": "A",
            "app/route.py": ROUTE,
            "middleware.py": "from approute import NextResponse\n"
            "def middleware(request):\n"
            "    response = NextResponse.next()\n"
            "    response.headers.set('x-mw', '1')\n"
            "    return response\n",
        }
    )
    response = TestClient(create_app(root)).get("/a.txt")
    assert (response.text, response.headers["x-mw"]) == ("A", "1")


def test_config_headers_apply_to_public_files(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "public/a.txt": "A",
            "app/route.py": ROUTE,
            "approute.config.py": "def headers():\n"
            "    rule = {'key': 'x-config', 'value': 'yes'}\n"
            "    return [{'source': '/:file*', 'headers': [rule]}]\n",
        }
    )
    assert TestClient(create_app(root)).get("/a.txt").headers["x-config"] == "yes"


def test_dev_serves_a_file_added_to_public_after_startup(make_project: ProjectFactory) -> None:
    # No public/ at all when the dev server starts (next dev serves it anyway).
    root = make_project({"app/api/route.py": ROUTE})
    dev = TestClient(create_app(root, dev=True))
    production = TestClient(create_app(root))
    assert dev.get("/new.txt").status_code == 404
    (root / "public").mkdir()
    (root / "public" / "new.txt").write_text("fresh")
    assert wait_for(lambda: dev.get("/new.txt").status_code == 200)
    assert dev.get("/new.txt").text == "fresh"
    assert dev.get("/api").text == "route"
    # A started build serves what was there at startup (next start).
    assert production.get("/new.txt").status_code == 404
