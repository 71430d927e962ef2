"""Middleware end to end: a real uvicorn on both parsers, a "fortress"
project (a middleware that answers 401 on /admin and /api/private without
the session cookie, the routes it guards, an echo route) and a second local
server as the external rewrite target."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute._types import Receive, Scope, Send
from approute.app import create_app
from tests.support.raw import wait_for
from tests.support.servers import RunningServer, ServerKind, get, raw_request, run_server

MIDDLEWARE = """
import asyncio
from pathlib import Path

from approute import NextRequest, NextResponse, Response

UPSTREAM = Path(__file__).with_name("upstream.txt")
MARKS = Path(__file__).with_name("marks")


def count(name):
    MARKS.mkdir(exist_ok=True)
    with (MARKS / name).open("a") as marks:
        marks.write("x")


async def middleware(request: NextRequest, event):
    path = request.next_url.pathname
    count("runs")
    if path == "/boom":
        raise RuntimeError("middleware exploded")
    if path == "/garbage":
        return {"not": "a response"}
    if path.startswith("/admin") or path.startswith("/api/private"):
        if request.cookies.get("session") is None or request.cookies.get("session").value != "ok":
            return NextResponse(b"BLOCKED", status=401, headers={"x-mw-ran": "1"})
    if path == "/go-home":
        home = request.next_url.clone(pathname="/api/echo", search="?from=mw")
        return NextResponse.redirect(home)
    if path == "/go-away":
        return NextResponse.redirect("https://example.com/elsewhere", 308)
    if path == "/go-fragment":
        return NextResponse.redirect(request.next_url.clone(pathname="/new-home", hash="fragment"))
    if path == "/go-fragment-text":
        return NextResponse.redirect(request.next_url.origin + "/new-home?a=1#top section")
    if path == "/go-away-fragment":
        return NextResponse.redirect("https://example.com/elsewhere?a=1#fragment", 308)
    if path == "/fetch-redirect":
        return Response.redirect(request.next_url.clone(pathname="/new-home"))
    if path == "/rewrite-me":
        url = request.next_url.clone(pathname="/api/echo")
        url.search_params.set("rewritten", "1")
        return NextResponse.rewrite(url)
    if path.startswith("/external/"):
        target = UPSTREAM.read_text() + path.removeprefix("/external") + request.next_url.search
        return NextResponse.rewrite(target)
    if path == "/headers":
        headers = request.headers.copy()
        headers.set("x-from-middleware", "yes")
        headers.delete("x-from-client")
        return NextResponse.next(request={"headers": headers})
    if path == "/cookies":
        response = NextResponse.next()
        response.cookies.set("mw", "set-in-middleware")
        return response
    if path == "/later":
        async def work():
            await asyncio.sleep(0)
            count("waited")
        event.wait_until(work())
    if path == "/body":
        data = await request.json()
        response = NextResponse.next()
        response.headers.set("x-mw-body", str(data["n"]))
        return response
    response = NextResponse.next()
    response.headers.set("x-mw-ran", "1")
    return response


config = {"matcher": ["/admin/:path*", "/api/:path*", "/boom", "/garbage", "/go-home",
                      "/go-away", "/go-fragment", "/go-fragment-text", "/go-away-fragment",
                      "/fetch-redirect", "/rewrite-me", "/external/:path*", "/headers",
                      "/cookies", "/later", "/body"]}
"""

ECHO = """
from approute import NextResponse
from approute.headers import cookies


async def _echo(request, ctx):
    body = (await request.text()) if request.method in ("POST", "PUT") else None
    return NextResponse.json({
        "method": request.method,
        "url": request.url,
        "pathname": request.next_url.pathname,
        "search": request.next_url.search,
        "headers": dict(request.headers.items()),
        "cookies": {c.name: c.value for c in cookies().get_all()},
        "params": ctx.params,
        "body": body,
    }, headers={"x-route": "echo"})

GET = POST = PUT = DELETE = _echo
"""

PROJECT = {
    "middleware.py": MIDDLEWARE,
    "app/admin/route.py": "from approute import Response\n"
    "def GET(request):\n    return Response('SECRET-ADMIN')\n",
    "app/admin/[id]/route.py": "from approute import Response\n"
    "def GET(request, ctx):\n    return Response('SECRET-ID:' + ctx.params['id'])\n",
    "app/api/private/[...path]/route.py": "from approute import Response\n"
    "def GET(request, ctx):\n    return Response('SECRET-PRIV:' + '/'.join(ctx.params['path']))\n",
    "app/[slug]/route.py": "from approute import NextResponse\n"
    "def GET(request, ctx):\n    return NextResponse.json({'slug': ctx.params['slug']})\n",
    "app/api/echo/route.py": ECHO,
    "app/handler-redirect/route.py": "from approute import NextResponse, Response\n"
    "def GET(request):\n"
    "    url = 'https://example.com/elsewhere'\n"
    "    if request.next_url.search_params.get('next'):\n"
    "        return NextResponse.redirect(url)\n"
    "    return Response.redirect(url)\n",
    "app/headers/route.py": ECHO,
    "app/cookies/route.py": ECHO,
    "app/body/route.py": ECHO,
    "app/later/route.py": ECHO,
}


async def upstream_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The legitimate external-rewrite target: echoes what it received."""
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    payload = json.dumps(
        {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            "body": body.decode(),
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 203,
            "headers": [
                (b"content-type", b"application/json"),
                (b"x-upstream", b"1"),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload[:10], "more_body": True})
    await send({"type": "http.response.body", "body": payload[10:]})


@pytest.fixture(scope="module")
def upstream(server_kind: ServerKind) -> Iterator[RunningServer]:
    with run_server(upstream_app, server_kind) as running:  # type: ignore[arg-type]
        yield running


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, upstream: RunningServer) -> Path:
    root = tmp_path_factory.mktemp("fortress")
    for name, source in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    (root / "upstream.txt").write_text(upstream.url)
    return root


@pytest.fixture(scope="module")
def fortress(root: Path, server_kind: ServerKind) -> Iterator[RunningServer]:
    with run_server(create_app(root), server_kind) as running:
        yield running


@pytest.fixture
def client(fortress: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fortress.url) as http:
        yield http


def runs(root: Path, name: str = "runs") -> int:
    marks = root / "marks" / name
    return len(marks.read_text()) if marks.exists() else 0


def assert_no_internal_headers(headers: list[tuple[str, str]] | httpx.Headers) -> None:
    pairs = headers.multi_items() if isinstance(headers, httpx.Headers) else headers
    names = [name.lower() for name, _ in pairs]
    assert not [n for n in names if n.startswith(("x-middleware-", "x-nextjs-", "x-approute-"))]


# --- no spelling of a protected URL skips the middleware (docs/security.md) --

PROTECTED_SPELLINGS = [
    "/admin",
    "/admin/1",
    "/%61dmin",
    "/%61%64%6d%69%6e",
    "/%61dmin/1",
    "/admin/%31",
    "/./admin",
    "/admin/./1",
    "/x/../admin",
    "/x/%2e%2e/admin",
    "/x/%2E%2E/admin",
    "/x/.%2e/admin",
    "/admin%2F1",
    "/admin%2f1",
    "/admin%2F..",
    "/api/private/a",
    "/api/private/../../admin",
    "/api/private/%2e%2e/%2e%2e/admin",
]


@pytest.mark.parametrize("target", PROTECTED_SPELLINGS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "OPTIONS"])
def test_no_spelling_of_a_protected_path_skips_the_middleware(
    fortress: RunningServer, target: str, method: str
) -> None:
    response = raw_request(fortress, get(target, method=method))
    assert response is not None
    assert b"SECRET" not in response.body
    # The middleware ran for every spelling; an encoded spelling such as
    # /%61dmin is a different route (static segments compare encoded, as
    # Next.js), here the [slug] echo: never the protected one.
    assert response.header("x-mw-ran") == "1"
    if response.status == 200 and method == "GET":
        assert json.loads(response.body) == {"slug": "admin"}
    else:
        assert response.status in (401, 400, 404, 405, 204, 200)
    if "%" not in target:  # canonicalises to the protected path itself
        assert response.status == 401


@pytest.mark.parametrize("target", ["//admin", "///admin", "/admin/", "/admin//1", "/\\admin"])
def test_slash_spellings_redirect_before_the_middleware(
    fortress: RunningServer, target: str
) -> None:
    response = raw_request(fortress, get(target))
    assert response is not None
    assert response.status == 308
    assert b"SECRET" not in response.body


@pytest.mark.parametrize(
    ("target", "slug"),
    [
        pytest.param("/ADMIN", "ADMIN", id="case"),
        pytest.param("/%2561dmin", "%61dmin", id="double-encoding-decoded-once"),
        pytest.param("/admin;x=1", "admin;x=1", id="semicolon-is-ordinary"),
        pytest.param("/admin%20", "admin ", id="trailing-space"),
    ],
)
def test_other_paths_are_not_the_protected_route(
    fortress: RunningServer, target: str, slug: str
) -> None:
    response = raw_request(fortress, get(target))
    assert response is not None
    assert response.status == 200
    assert json.loads(response.body) == {"slug": slug}


@pytest.mark.parametrize(
    "header",
    [
        "x-middleware-subrequest: middleware:middleware:middleware:middleware:middleware",
        "x-middleware-subrequest: src/middleware",
        "x_middleware_subrequest: middleware",
        "x-middleware-rewrite: /api/echo",
        "x-middleware-next: 1",
        "x-approute-middleware: skip",
    ],
)
def test_client_internal_headers_never_skip_the_middleware(
    fortress: RunningServer, header: str
) -> None:
    response = raw_request(fortress, get("/admin", headers=header + "\r\n"))
    assert response is not None
    assert response.status == 401
    assert response.body == b"BLOCKED"
    assert_no_internal_headers(response.headers)


def test_with_the_cookie_the_route_runs(client: httpx.Client) -> None:
    response = client.get("/admin/7", headers={"cookie": "session=ok"})
    assert response.text == "SECRET-ID:7"
    assert response.headers["x-mw-ran"] == "1"


# --- actions --------------------------------------------------------------------


def test_response_headers_merge_into_route_and_404(client: httpx.Client) -> None:
    echo = client.get("/api/echo")
    assert echo.headers["x-mw-ran"] == "1"
    assert echo.headers["x-route"] == "echo"
    missing = client.get("/api/nothing/here")
    assert missing.status_code == 404
    assert missing.headers["x-mw-ran"] == "1"
    assert_no_internal_headers(echo.headers)


def test_route_sees_exactly_the_forwarded_headers(client: httpx.Client) -> None:
    data = client.get("/headers", headers={"x-from-client": "drop", "x-keep": "1"}).json()
    assert data["headers"]["x-from-middleware"] == "yes"
    assert data["headers"]["x-keep"] == "1"
    assert "x-from-client" not in data["headers"]


def test_cookies_set_in_middleware_reach_client_and_route(client: httpx.Client) -> None:
    response = client.get("/cookies", headers={"cookie": "a=1"})
    assert response.headers.get_list("set-cookie") == ["mw=set-in-middleware; Path=/"]
    assert response.json()["cookies"] == {"a": "1", "mw": "set-in-middleware"}


def test_internal_rewrite_serves_the_destination_and_runs_once(
    client: httpx.Client, root: Path
) -> None:
    before = runs(root)
    data = client.get("/rewrite-me?q=1").json()
    assert data["pathname"] == "/api/echo"
    assert data["search"] == "?q=1&rewritten=1"
    assert runs(root) == before + 1  # /api/echo also matches, but no second run


def test_external_rewrite_is_proxied(client: httpx.Client) -> None:
    response = client.post(
        "/external/some/path?x=1",
        content=b"payload",
        headers={"connection": "keep-alive, x-secret", "x-secret": "s", "x-kept": "k"},
    )
    assert response.status_code == 203
    assert response.headers["x-upstream"] == "1"
    data = response.json()
    assert data["method"] == "POST"
    assert data["path"] == "/some/path"
    assert data["query"] == "x=1"
    assert data["body"] == "payload"
    assert data["headers"]["x-kept"] == "k"
    assert "x-secret" not in data["headers"]
    assert_no_internal_headers(response.headers)


def test_same_origin_redirect_is_relative_with_the_location_as_body(
    fortress: RunningServer,
) -> None:
    response = raw_request(fortress, get("/go-home"))
    assert response is not None
    assert response.status == 307
    assert response.header("location") == "/api/echo?from=mw"
    assert response.body == b"/api/echo?from=mw"
    assert response.header("content-type") is None
    assert response.header("refresh") is None


@pytest.mark.parametrize(
    ("target", "location"),
    [
        pytest.param("/go-fragment", "/new-home#fragment", id="same-origin-next-url"),
        pytest.param("/go-fragment-text", "/new-home?a=1#top%20section", id="same-origin-text"),
        pytest.param(
            "/go-away-fragment", "https://example.com/elsewhere?a=1#fragment", id="cross-origin"
        ),
    ],
)
def test_redirect_keeps_the_fragment(fortress: RunningServer, target: str, location: str) -> None:
    # Next.js's getRelativeURL strips only the origin: the hash stays.
    response = raw_request(fortress, get(target))
    assert response is not None
    assert response.status in (307, 308)
    assert response.header("location") == location
    assert response.body == location.encode()


@pytest.mark.parametrize(
    ("target", "status", "location"),
    [
        pytest.param("/fetch-redirect", 302, "/new-home", id="middleware-response"),
        pytest.param("/go-home", 307, "/api/echo?from=mw", id="middleware-next-response"),
        pytest.param(
            "/handler-redirect", 302, "https://example.com/elsewhere", id="handler-response"
        ),
        pytest.param(
            "/handler-redirect?next=1",
            307,
            "https://example.com/elsewhere",
            id="handler-next-response",
        ),
    ],
)
def test_redirect_default_status_is_302_for_response_and_307_for_next_response(
    fortress: RunningServer, target: str, status: int, location: str
) -> None:
    # Fetch's Response.redirect defaults to 302; NextResponse.redirect to 307.
    response = raw_request(fortress, get(target))
    assert response is not None
    assert response.status == status
    assert response.header("location") == location


def test_external_redirect_stays_absolute(fortress: RunningServer) -> None:
    response = raw_request(fortress, get("/go-away"))
    assert response is not None
    assert response.status == 308
    assert response.header("location") == "https://example.com/elsewhere"
    assert response.header("refresh") is None


@pytest.mark.parametrize("target", ["/boom", "/garbage"])
def test_failing_middleware_is_500_and_the_route_never_runs(
    fortress: RunningServer, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = raw_request(fortress, get(target))
    assert response is not None
    assert response.status == 500
    assert response.header("content-type") == "text/plain"
    assert response.body == b"Internal Server Error"
    assert "middleware.py" in caplog.text


def test_wait_until_runs_after_the_response(client: httpx.Client, root: Path) -> None:
    before = runs(root, "waited")
    assert client.get("/later").status_code == 200
    assert wait_for(lambda: runs(root, "waited") == before + 1)


def test_middleware_and_route_both_read_the_body(client: httpx.Client) -> None:
    response = client.post("/body", json={"n": 5})
    assert response.headers["x-mw-body"] == "5"
    assert response.json()["body"] == '{"n":5}'


def test_paths_outside_the_matcher_skip_the_middleware(client: httpx.Client, root: Path) -> None:
    before = runs(root)
    assert client.get("/free").json() == {"slug": "free"}
    assert runs(root) == before


# --- the root matcher "/" also matches /index (Next.js getMiddlewareMatchers) -

ROOT_PROJECT = {
    "middleware.py": """
from approute import NextResponse


def middleware(request):
    response = NextResponse.next()
    response.headers.set("x-mw-ran", "1")
    return response


config = {"matcher": "/"}
""",
    "app/route.py": "from approute import Response\n"
    "def GET(request):\n    return Response('root')\n",
    "app/[slug]/route.py": ECHO,
    "app/[slug]/index/route.py": ECHO,
}


@pytest.fixture(scope="module")
def root_matcher(
    tmp_path_factory: pytest.TempPathFactory, server_kind: ServerKind
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("root-matcher")
    for name, source in ROOT_PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    with run_server(create_app(root), server_kind) as running:
        yield running


@pytest.mark.parametrize(
    ("target", "runs_middleware"),
    [
        pytest.param("/", True, id="root"),
        pytest.param("/index", True, id="index"),
        pytest.param("/index?q=1", True, id="index-query"),
        pytest.param("/%69ndex", True, id="index-encoded"),
        pytest.param("/indexes", False, id="longer-segment"),
        pytest.param("/about", False, id="other"),
        pytest.param("/about/index", False, id="nested-index"),
    ],
)
def test_root_matcher_also_matches_index(
    root_matcher: RunningServer, target: str, runs_middleware: bool
) -> None:
    response = raw_request(root_matcher, get(target))
    assert response is not None
    assert response.status == 200
    assert (response.header("x-mw-ran") == "1") is runs_middleware
