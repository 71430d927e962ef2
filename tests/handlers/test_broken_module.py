"""``approute dev`` keeps serving the other routes while one route module is
broken; that route shows its error. Outside dev the project fails to load."""

from __future__ import annotations

import logging

import pytest

from approute.app import create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

OK = "from approute import Response\ndef GET(request):\n    return Response('ok')\n"
FILES = {
    "app/api/ok/route.py": OK,
    "app/api/bad/route.py": "def GET(request):\n    return (\n",
    "app/api/typo/[id]/route.py": "def GET(request, id: int):\n    ...\n",
}


def test_dev_serves_the_other_routes_and_shows_each_error(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, "approute")
    client = TestClient(create_app(make_project(FILES), dev=True))
    assert client.get("/api/ok").text == "ok"
    for method in ("GET", "POST", "DELETE"):
        broken = client.request(method, "/api/bad")
        assert broken.status_code == 500
        assert broken.text.startswith("approute could not load app/api/bad/route.py:")
        assert "app/api/bad/route.py:2: syntax error" in broken.text
    typo = client.get("/api/typo/7")
    assert typo.status_code == 500
    assert "GET's second parameter `id: int`" in typo.text
    logged = [record.getMessage() for record in caplog.records]
    assert any(message.startswith("app/api/bad/route.py:2: syntax error") for message in logged)


def test_outside_dev_a_broken_module_stops_the_load(make_project: ProjectFactory) -> None:
    with pytest.raises(ProjectError, match=r"app/api/(bad/route\.py:2: syntax error|typo)"):
        create_app(make_project(FILES))
