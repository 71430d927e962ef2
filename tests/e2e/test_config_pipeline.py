"""approute.config.py end to end: each stage of Next.js's order, shown by a
request that several stages touch (real uvicorn, both parsers)."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute._types import Receive, Scope, Send
from approute.app import create_app
from tests.support.servers import RunningServer, ServerKind, get, raw_request, run_server

CONFIG = """
def headers():
    return [
        {"source": "/:path*", "headers": [{"key": "x-order", "value": "first"},
                                          {"key": "x-config", "value": "1"}]},
        {"source": "/api/:path*", "headers": [{"key": "x-order", "value": "second"}]},
        {"source": "/api/users/:id", "headers": [{"key": "x-user", "value": "user-:id"}]},
        {"source": "/API/ROUTE-HEADER", "headers": [{"key": "x-route", "value": "from-config"}]},
        {"source": "/api/cfg/:path*", "headers": [{"key": "x-cfg", "value": ":path*"},
                                                  {"key": "x-order", "value": "cfg"}]},
    ]


async def redirects():
    return [
        {"source": "/old/:slug", "destination": "/new/:slug?from=old", "permanent": True},
        {"source": "/temp", "destination": "https://example.com/t", "permanent": False},
        {"source": "/mw-blocked", "destination": "/api/echo", "status_code": 303},
        {"source": "/go", "has": [{"type": "header", "key": "x-go", "value": "(?<where>yes|ok)"}],
         "destination": "/api/echo?where=:where", "permanent": False},
    ]


def rewrites():
    return {
        "before_files": [{"source": "/before", "destination": "/api/echo"}],
        "after_files": [
            {"source": "/api/users/special", "destination": "/api/echo"},
            {"source": "/api/users/static", "destination": "/api/echo"},
            {"source": "/after/:x", "destination": "/api/users/:x"},
        ],
        "fallback": [{"source": "/fallback/:path*", "destination": "/api/fallback"}],
    }
"""

MIDDLEWARE = """
from approute import NextResponse

def middleware(request):
    if request.next_url.pathname == "/mw-blocked":
        return NextResponse("middleware ran", status=418)
    if request.next_url.pathname == "/mw-answer":
        return NextResponse("from middleware", status=200)
    if request.next_url.pathname == "/mw-rewrite":
        return NextResponse.rewrite(request.next_url.clone(pathname="/api/cfg/after"))
    response = NextResponse.next()
    response.headers.set("x-mw-saw", request.next_url.pathname)
    return response
"""

ECHO = """
from approute import NextResponse

def GET(request, ctx):
    return NextResponse.json({"pathname": request.next_url.pathname,
                              "search": request.next_url.search, "params": ctx.params})
"""


def _text(body: str) -> str:
    return f"from approute import Response\ndef GET(request, ctx):\n    return Response({body})\n"


PROJECT = {
    "approute.config.py": CONFIG,
    "middleware.py": MIDDLEWARE,
    "app/api/echo/route.py": ECHO,
    "app/api/users/[id]/route.py": _text("'user ' + ctx.params['id']"),
    "app/api/users/static/route.py": _text("'static route'"),
    "app/api/fallback/route.py": _text("'fallback'"),
    "app/api/cfg/after/route.py": _text("'after'"),
    "app/api/route-header/route.py": "from approute import Response\n"
    "def GET(request):\n    return Response('r', headers={'x-route': 'from-route'})\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, server_kind: ServerKind
) -> Iterator[RunningServer]:
    root = write(tmp_path_factory.mktemp("config"), PROJECT)
    with run_server(create_app(root), server_kind) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


def test_config_headers_later_rule_wins_and_params_fill_values(client: httpx.Client) -> None:
    response = client.get("/api/users/42")
    assert response.text == "user 42"
    assert response.headers["x-order"] == "second"
    assert response.headers["x-config"] == "1"
    assert response.headers["x-user"] == "user-42"


def test_config_header_overrides_the_route_and_matches_case_insensitively(
    client: httpx.Client,
) -> None:
    response = client.get("/api/route-header")
    assert response.headers.get_list("x-route") == ["from-config"]


def test_config_headers_reach_404_and_middleware_answers(client: httpx.Client) -> None:
    missing = client.get("/api/none/here")
    assert missing.status_code == 404
    assert missing.headers["x-order"] == "second"
    answered = client.get("/mw-answer")
    assert answered.text == "from middleware"
    assert answered.headers["x-config"] == "1"


def test_a_middleware_rewrite_also_gets_the_destinations_config_headers(
    client: httpx.Client,
) -> None:
    # Next.js 16.4.6: a proxy rewrite to /api/cfg/after carries the header of
    # the rule "/api/cfg/:path*"; the request's own path's rules win a clash.
    response = client.get("/mw-rewrite")
    assert response.text == "after"
    assert response.headers["x-cfg"] == "after"
    assert response.headers.get_list("x-order") == ["first"]
    assert client.get("/api/cfg/after").headers.get_list("x-order") == ["cfg"]


def test_config_redirect_shape_and_query_order(server: RunningServer) -> None:
    response = raw_request(server, get("/old/hello?q=1"))
    assert response is not None
    assert response.status == 308
    assert response.header("location") == "/new/hello?q=1&from=old"
    assert response.header("refresh") == "0;url=/new/hello?q=1&from=old"
    assert response.body == b"/new/hello?q=1&from=old"
    assert response.header("content-type") is None
    assert response.header("x-config") is None  # config headers skip config redirects


def test_external_and_explicit_status_redirects(server: RunningServer) -> None:
    temp = raw_request(server, get("/temp"))
    assert temp is not None
    assert (temp.status, temp.header("location")) == (307, "https://example.com/t")
    assert temp.header("refresh") is None


def test_config_redirect_runs_before_the_middleware(server: RunningServer) -> None:
    response = raw_request(server, get("/mw-blocked"))
    assert response is not None
    assert response.status == 303
    assert response.header("location") == "/api/echo"


def test_redirect_has_condition_with_named_capture(server: RunningServer) -> None:
    hit = raw_request(server, get("/go", headers="x-go: ok\r\n"))
    assert hit is not None
    assert (hit.status, hit.header("location")) == (307, "/api/echo?where=ok")
    miss = raw_request(server, get("/go", headers="x-go: nope\r\n"))
    assert miss is not None
    assert miss.status == 404


def test_before_files_rewrite_runs_after_the_middleware_and_keeps_the_url(
    client: httpx.Client,
) -> None:
    response = client.get("/before?x=1")
    assert response.json() == {"pathname": "/before", "search": "?x=1", "params": {}}
    assert response.headers["x-mw-saw"] == "/before"  # the middleware saw the source


def test_static_route_beats_after_files_which_beats_dynamic_routes(client: httpx.Client) -> None:
    assert client.get("/api/users/static").text == "static route"
    special = client.get("/api/users/special")
    assert special.json()["pathname"] == "/api/users/special"
    assert client.get("/api/users/7").text == "user 7"


def test_after_files_params_come_from_the_destination(client: httpx.Client) -> None:
    assert client.get("/after/9").text == "user 9"


def test_fallback_only_after_everything_else(client: httpx.Client) -> None:
    assert client.get("/fallback/a/b").text == "fallback"
    assert client.get("/nothing").status_code == 404


BASE_PROJECT = {
    "approute.config.py": "base_path = '/docs'\n"
    "def redirects():\n"
    "    return [{'source': '/old', 'destination': '/api/echo', 'permanent': False}]\n",
    "app/api/echo/route.py": "from approute import NextResponse\n"
    "def GET(request):\n    u = request.next_url\n"
    "    return NextResponse.json({'pathname': u.pathname, 'base_path': u.base_path, "
    "'href': u.href})\n",
}


@pytest.fixture(scope="module")
def base_server(
    tmp_path_factory: pytest.TempPathFactory, server_kind: ServerKind
) -> Iterator[RunningServer]:
    root = write(tmp_path_factory.mktemp("base"), BASE_PROJECT)
    with run_server(create_app(root), server_kind) as running:
        yield running


def test_base_path_serves_under_the_prefix_only(base_server: RunningServer) -> None:
    inside = raw_request(base_server, get("/docs/api/echo"))
    assert inside is not None
    data = json.loads(inside.body)
    assert data["pathname"] == "/api/echo"
    assert data["base_path"] == "/docs"
    assert data["href"].endswith("/docs/api/echo")
    outside = raw_request(base_server, get("/api/echo"))
    assert outside is not None
    assert outside.status == 404


def test_base_path_redirects_stay_under_the_prefix(base_server: RunningServer) -> None:
    response = raw_request(base_server, get("/docs/old"))
    assert response is not None
    assert (response.status, response.header("location")) == (307, "/docs/api/echo")


def test_trailing_slash_true_adds_the_slash(tmp_path: Path, server_kind: ServerKind) -> None:
    root = write(
        tmp_path,
        {
            "approute.config.py": "trailing_slash = True\n",
            "app/api/echo/route.py": ECHO,
        },
    )
    with run_server(create_app(root), server_kind) as server:
        redirect = raw_request(server, get("/api/echo?a=1"))
        assert redirect is not None
        assert (redirect.status, redirect.header("location")) == (308, "/api/echo/?a=1")
        served = raw_request(server, get("/api/echo/"))
        assert served is not None
        assert served.status == 200
        assert json.loads(served.body)["pathname"] == "/api/echo/"


async def _upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """A second local server: the external rewrite's target."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    payload = json.dumps(
        {"path": scope["path"], "query": scope["query_string"].decode(), "body": body.decode()}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"location", b"http://127.0.0.1:1/")]
    await send({"type": "http.response.start", "status": 302, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def test_external_config_rewrite_is_proxied_and_upstream_redirects_relayed(
    tmp_path: Path, server_kind: ServerKind
) -> None:
    with run_server(_upstream, server_kind) as upstream:  # type: ignore[arg-type]
        config = (
            "def rewrites():\n"
            f"    return [{{'source': '/proxy/:path*', 'destination': '{upstream.url}/:path*'}},\n"
            f"            {{'source': '/outside', 'destination': '{upstream.url}/o', "
            "'base_path': False}]\n"
            "base_path = '/site'\n"
        )
        root = write(tmp_path, {"approute.config.py": config, "app/api/echo/route.py": ECHO})
        with run_server(create_app(root), server_kind) as server, httpx.Client() as http:
            response = http.post(f"{server.url}/site/proxy/a/b?x=1", content=b"data")
            assert response.status_code == 302  # relayed, not followed
            assert response.headers["location"] == "http://127.0.0.1:1/"
            assert response.json() == {"path": "/a/b", "query": "x=1", "body": "data"}
            outside = http.get(f"{server.url}/outside")
            assert outside.json()["path"] == "/o"
