"""``approute dev`` keeps serving the other routes while one route module is
broken; that route shows its error. Outside dev the project fails to load."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from approute.app import create_app
from approute.cli.main import main
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


def test_outside_dev_every_broken_module_is_reported_at_once(make_project: ProjectFactory) -> None:
    with pytest.raises(ProjectError) as info:
        create_app(make_project(FILES))
    first, *rest = str(info.value).splitlines()
    assert first == "2 route modules could not be loaded:"
    assert sorted(line.split(":")[0] for line in rest) == [
        "  app/api/bad/route.py",
        "  app/api/typo/[id]/route.py",
    ]


def test_build_reports_them_and_still_warns(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project({**FILES, "app/api/low/route.py": "def get(request): ...\n"})
    assert main(["build", str(root)]) == 1
    err = capsys.readouterr().err
    assert "error: 2 route modules could not be loaded:" in err
    assert "app/api/bad/route.py:2: syntax error" in err
    assert "app/api/typo/[id]/route.py:1: GET's second parameter `id: int`" in err


def test_build_warnings_do_not_fail_it(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/ok/route.py": OK, "app/api/low/route.py": "def get(r): ...\n"})
    done = subprocess.run(
        [sys.executable, "-m", "approute.cli", "build", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "app/api/low/route.py: exports `get`, which is not a handler; export `GET`" in (
        done.stderr
    )


def test_typegen_writes_the_types_then_reports_the_modules(make_project: ProjectFactory) -> None:
    root = make_project({**FILES, "app/api/low/route.py": "def get(r): ...\n"})
    done = subprocess.run(
        [sys.executable, "-m", "approute.cli", "typegen", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert (root / ".approute" / "types" / "routes.json").is_file()  # from the tree alone
    assert "error: 2 route modules could not be loaded:" in done.stderr
    assert "app/api/low/route.py: exports `get`, which is not a handler" in done.stderr
