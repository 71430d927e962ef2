"""Loading middleware.py / proxy.py: one file, one function, a valid matcher."""

from __future__ import annotations

import pytest

from approute.app import create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ROUTE = "from approute import Response\ndef GET(request):\n    return Response('route')\n"


def project(make_project: ProjectFactory, **files: str) -> TestClient:
    root = make_project({"app/route.py": ROUTE, **files})
    return TestClient(create_app(root))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"middleware.py": "def middleware(r): pass\n", "proxy.py": "def proxy(r): pass\n"},
            "both middleware.py and proxy.py exist",
            id="both",
        ),
        pytest.param(
            {"src/proxy.py": "def proxy(r): pass\n"},
            "src/proxy.py is not beside app/; move it to proxy.py",
            id="wrong-folder",
        ),
        pytest.param(
            {"proxy.py": "def middleware(request): pass\n"},
            "proxy.py must export a function named `proxy` (found `middleware`: rename it)",
            id="old-name-in-proxy",
        ),
        pytest.param(
            {"middleware.py": "x = 1\n"},
            "middleware.py must export a function named `middleware`",
            id="no-function",
        ),
        pytest.param(
            {"middleware.py": "def middleware(a, b, c): pass\n"},
            "takes (request) or (request, event)",
            id="signature",
        ),
        pytest.param(
            {"middleware.py": "def middleware(r): pass\nconfig = {'matchers': ['/a']}\n"},
            "middleware.py: config has unknown keys ['matchers']",
            id="config-typo",
        ),
        pytest.param(
            {"middleware.py": "def middleware(r): pass\nconfig = {'matcher': ['admin']}\n"},
            "middleware.py: config['matcher'][0]",
            id="source-without-slash",
        ),
        pytest.param(
            {"middleware.py": "def middleware(r): pass\nconfig = {'matcher': [{'src': '/a'}]}\n"},
            "unknown keys ['src']",
            id="matcher-dict-typo",
        ),
        pytest.param(
            {"middleware.py": "def middleware(r): pass\nconfig = {'matcher': ['/(unclosed']}\n"},
            "middleware.py: config['matcher'][0]",
            id="bad-regex",
        ),
    ],
)
def test_bad_middleware_is_a_startup_error(
    make_project: ProjectFactory, files: dict[str, str], message: str
) -> None:
    root = make_project({"app/route.py": ROUTE, **files})
    with pytest.raises(ProjectError) as error:
        create_app(root)
    assert message in str(error.value)


def test_proxy_in_src_beside_src_app(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "src/app/route.py": ROUTE,
            "src/proxy.py": "from approute import Response\n"
            "def proxy(request):\n    return Response('from proxy', status=418)\n",
        }
    )
    response = TestClient(create_app(root)).get("/")
    assert (response.status_code, response.text) == (418, "from proxy")


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("def middleware(request):\n", id="sync-request"),
        pytest.param("async def middleware(request):\n", id="async-request"),
        pytest.param("def middleware(request, event):\n", id="sync-event"),
        pytest.param("async def middleware(request, event):\n", id="async-event"),
    ],
)
def test_sync_and_async_middleware_with_or_without_event(
    make_project: ProjectFactory, source: str
) -> None:
    body = "    return Response('mw', status=299)\n"
    client = project(
        make_project, **{"middleware.py": "from approute import Response\n" + source + body}
    )
    assert client.get("/").status_code == 299


def test_no_matcher_runs_on_every_request_including_404(make_project: ProjectFactory) -> None:
    source = (
        "from approute import NextResponse\n"
        "def middleware(request):\n"
        "    response = NextResponse.next()\n"
        "    response.headers.set('x-seen', request.next_url.pathname)\n"
        "    return response\n"
    )
    client = project(make_project, **{"middleware.py": source})
    assert client.get("/").headers["x-seen"] == "/"
    missing = client.get("/nope")
    assert missing.status_code == 404
    assert missing.headers["x-seen"] == "/nope"


def test_event_page_is_the_request_pathname(make_project: ProjectFactory) -> None:
    source = (
        "from approute import NextResponse\n"
        "def middleware(request, event):\n"
        "    response = NextResponse.next()\n"
        "    response.headers.set('x-page', event.page)\n"
        "    return response\n"
    )
    client = project(make_project, **{"middleware.py": source})
    assert client.get("/nope/%61?x=1").headers["x-page"] == "/nope/%61"
    assert client.get("/").headers["x-page"] == "/"


def test_none_continues_to_the_route(make_project: ProjectFactory) -> None:
    client = project(
        make_project, **{"middleware.py": "def middleware(request):\n    return None\n"}
    )
    assert client.get("/").text == "route"


def test_next_from_a_route_handler_is_an_error(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/route.py": "from approute import NextResponse\n"
            "def GET(request):\n    return NextResponse.rewrite('http://localhost/x')\n"
        }
    )
    client = TestClient(create_app(root), raise_server_exceptions=False)
    assert client.get("/").status_code == 500
