"""What a project's handler or middleware raises keeps the project's own
frame in its traceback (the log line, the dev error page, the test client),
sync or async, on the pure and the compiled build."""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

from approute.app import create_app
from approute.testing import TestClient
from tests.conftest import ProjectFactory

OK = "from approute import Response\ndef GET(request):\n    return Response('ok')\n"


def _raised_in(root: Path, path: str) -> list[str]:
    with TestClient(create_app(root)) as client, pytest.raises(LookupError) as raised:
        client.get(path)
    return [frame.filename for frame in traceback.extract_tb(raised.value.__traceback__)]


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_a_handlers_frame_is_in_its_traceback(make_project: ProjectFactory, kind: str) -> None:
    root = make_project(
        {"app/api/x/route.py": f"{kind} GET(request):\n    raise LookupError('x')\n"}
    )
    assert str(root / "app/api/x/route.py") in _raised_in(root, "/api/x")


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_a_middlewares_frame_is_in_its_traceback(make_project: ProjectFactory, kind: str) -> None:
    middleware = f"{kind} middleware(request):\n    raise LookupError('mw')\n"
    root = make_project({"app/api/x/route.py": OK, "middleware.py": middleware})
    assert str(root / "middleware.py") in _raised_in(root, "/api/x")
