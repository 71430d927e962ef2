"""``approute dev``'s error answers, readable where they are read: a page
for a browser, text for curl; the same text in both. Production shows none
of it."""

from __future__ import annotations

import pytest

from approute.app import ErrorApp, create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
CURL = {"accept": "*/*"}
RAISING = "def GET(request):\n    raise RuntimeError('boom <b>here</b>')\n"
OK = "from approute import Response\ndef GET(request):\n    return Response('ok')\n"
MIDDLEWARE = (
    "def middleware(request):\n    raise KeyError('session <id>')\n"
    "config = {'matcher': '/guarded'}\n"
)


def _client(make_project: ProjectFactory, files: dict[str, str], *, dev: bool) -> TestClient:
    return TestClient(create_app(make_project(files), dev=dev), raise_server_exceptions=False)


def test_a_handler_traceback_is_a_page_for_a_browser_and_text_for_curl(
    make_project: ProjectFactory,
) -> None:
    client = _client(make_project, {"app/api/x/route.py": RAISING}, dev=True)
    page = client.get("/api/x", headers=BROWSER)
    assert page.status_code == 500
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>500 Internal Server Error in app/api/x/route.py</h1>" in page.text
    assert "RuntimeError: boom &lt;b&gt;here&lt;/b&gt;" in page.text  # escaped, never markup
    assert "<b>here" not in page.text
    text = client.get("/api/x", headers=CURL)
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text.startswith("500 Internal Server Error in app/api/x/route.py\n\nTraceback")
    assert "RuntimeError: boom <b>here</b>" in text.text


def test_a_raising_middleware_shows_its_traceback_in_dev_only(
    make_project: ProjectFactory,
) -> None:
    files = {"app/guarded/route.py": OK, "middleware.py": MIDDLEWARE}
    dev = _client(make_project, files, dev=True).get("/guarded", headers=CURL)
    assert dev.status_code == 500
    assert dev.text.startswith("500 Internal Server Error in middleware.py\n\nTraceback")
    assert "KeyError: 'session <id>'" in dev.text
    page = _client(make_project, files, dev=True).get("/guarded", headers=BROWSER)
    assert "KeyError: &#x27;session &lt;id&gt;&#x27;" in page.text
    production = _client(make_project, files, dev=False).get("/guarded", headers=BROWSER)
    assert (production.status_code, production.text) == (500, "Internal Server Error")


def test_a_broken_route_module_is_a_page_for_a_browser(make_project: ProjectFactory) -> None:
    client = _client(
        make_project, {"app/api/bad/route.py": "def GET(request):\n    return (\n"}, dev=True
    )
    page = client.get("/api/bad", headers=BROWSER)
    assert page.status_code == 500
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>approute could not load app/api/bad/route.py:</h1>" in page.text
    assert "app/api/bad/route.py:2: syntax error" in page.text


@pytest.mark.parametrize(("headers", "kind"), [(BROWSER, "text/html"), (CURL, "text/plain")])
def test_a_broken_project_answers_its_error_in_either_form(
    headers: dict[str, str], kind: str
) -> None:
    client = TestClient(ErrorApp(ProjectError("approute.config.py:3: unknown setting 'x'")))
    response = client.get("/anything", headers=headers)
    assert response.status_code == 500
    assert response.headers["content-type"] == f"{kind}; charset=utf-8"
    assert "approute.config.py:3: unknown setting" in response.text
