"""Pipeline internals that only show under repetition: the canonical path
memo answers repeated paths exactly as the first time, and stays bounded."""

from __future__ import annotations

from approute.app import create_app
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ROUTE = (
    "from approute import Response\n"
    "def GET(request):\n"
    "    return Response(request.next_url.pathname)\n"
)


def test_repeated_raw_paths_answer_as_the_first_time(make_project: ProjectFactory) -> None:
    client = TestClient(create_app(make_project({"app/a/[x]/route.py": ROUTE})))
    for _ in range(3):  # the first time normalises; later ones may come from memory
        assert client.get("/a/%62").text == "/a/%62"
        assert client.get("/a/./b").text == "/a/b"
        redirect = client.get("/a//b?q=1", follow_redirects=False)
        assert (redirect.status_code, redirect.headers["location"]) == (308, "/a/b?q=1")
        assert client.get("/a/%zz").status_code == 400


def test_the_path_memo_is_bounded(make_project: ProjectFactory) -> None:
    app = create_app(make_project({"app/a/[x]/route.py": ROUTE}))
    client = TestClient(app)
    for i in range(5000):
        assert client.get(f"/a/{i}").text == f"/a/{i}"
    assert len(app.pipeline._head._canonical) <= 4096
