"""examples/approute.config.py and what docs/config.md (and
docs/public-files.md) claim, on a real uvicorn with both parsers.

The configs of docs/config.md are read from the page itself (its
``# approute.config.py`` code blocks), as are the error table, the
trailing-slash table and the redirect response shape, so the page cannot
drift from the behaviour.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import textwrap
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from approute._types import Receive, Scope, Send
from approute.app import create_app
from approute.config.load import load_config
from approute.errors import ProjectError
from tests.support.servers import (
    RawResponse,
    RunningServer,
    ServerKind,
    get,
    raw_request,
    run_server,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONFIG_DOC = (ROOT / "docs" / "config.md").read_text()
PUBLIC_DOC = (ROOT / "docs" / "public-files.md").read_text()
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}

ECHO = """
from approute import NextResponse


def GET(request, ctx):
    url = request.next_url
    return NextResponse.json({"pathname": url.pathname, "search": url.search,
                              "params": ctx.params, "url": request.url,
                              "base_path": url.base_path})

POST = GET
"""
TEXT = "from approute import Response\n\n\ndef GET(request):\n    return Response({!r})\n"


# --- helpers ---------------------------------------------------------------


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page, re.S)


def doc_config(marker: str) -> str:
    """The one ``# approute.config.py`` block of docs/config.md holding ``marker``."""
    found = [
        block
        for block in python_blocks(CONFIG_DOC)
        if block.startswith("# approute.config.py") and marker in block
    ]
    assert len(found) == 1, (marker, len(found))
    return found[0]


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content))
    return root


@contextmanager
def serve(root: Path, parser: ServerKind) -> Iterator[RunningServer]:
    with run_server(create_app(root), parser) as running:
        yield running


def fetch(
    server: RunningServer, path: str, *, headers: str = "", method: str = "GET"
) -> RawResponse:
    response = raw_request(server, get(path, headers=headers, method=method))
    assert response is not None, "the server closed the connection without answering"
    return response


def table(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first Markdown table after ``heading``."""
    rows = []
    started = False
    for line in page[page.index(heading) :].splitlines()[1:]:
        if line.startswith("|"):
            started = True
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif started:
            break
    return rows[1:]  # without the header row


def code(cell: str) -> str:
    """The text of a Markdown code span (`x` or `` x ``)."""
    if cell.startswith("`` "):
        return cell[3:-3]
    assert cell.startswith("`"), cell
    assert cell.endswith("`"), cell
    return cell[1:-1]


# --- examples/ ---------------------------------------------------------------


@pytest.fixture(scope="module")
def examples(server_kind: ServerKind) -> Iterator[RunningServer]:
    with serve(EXAMPLES, server_kind) as running:
        yield running


@pytest.fixture
def client(examples: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=examples.url) as http:
        yield http


@pytest.mark.parametrize(
    ("method", "path", "cookie", "status"),
    [
        pytest.param("GET", "/api/hello", "", 200, id="route"),
        pytest.param("GET", "/about", "", 200, id="page"),
        pytest.param("GET", "/hello.txt", "", 200, id="public-file"),
        pytest.param("HEAD", "/hello.txt", "", 200, id="public-head"),
        pytest.param("POST", "/hello.txt", "", 405, id="public-405"),
        pytest.param("GET", "/nope", "", 404, id="404"),
        pytest.param("PUT", "/api/hello", "", 405, id="route-405"),
        pytest.param("GET", "/admin", "", 401, id="middleware-answer"),
        pytest.param("GET", "/greeting", "", 307, id="middleware-redirect"),
        pytest.param("GET", "/api/experiment", "bucket=b", 200, id="middleware-rewrite"),
    ],
)
def test_security_headers_on_every_kind_of_answer(
    client: httpx.Client, method: str, path: str, cookie: str, status: int
) -> None:
    headers = {"cookie": cookie} if cookie else {}
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_list(name) == [value], name


def test_public_304_keeps_the_config_headers(client: httpx.Client) -> None:
    etag = client.get("/hello.txt").headers["etag"]
    response = client.get("/hello.txt", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize("path", ["/api/hello/", "/blog/intro", "//about"])
def test_no_config_headers_on_router_or_config_redirects(
    examples: RunningServer, path: str
) -> None:
    response = fetch(examples, path)
    assert response.status == 308
    assert all(response.header(name) is None for name in SECURITY_HEADERS)


def test_header_value_takes_the_source_param(client: httpx.Client) -> None:
    assert client.get("/api/users/42").headers["x-user-id"] == "42"
    assert client.get("/api/users/1").headers["x-user-id"] == "1"
    assert "x-user-id" not in client.get("/api/hello").headers


def test_blog_redirect_is_permanent_and_keeps_the_query(
    examples: RunningServer, client: httpx.Client
) -> None:
    response = fetch(examples, "/blog/intro?ref=home")
    assert response.status == 308
    location = "/api/docs/intro?ref=home"
    assert response.header("location") == location
    assert response.header("refresh") == f"0;url={location}"
    assert response.body == location.encode()
    assert response.header("content-type") is None
    assert client.get("/blog/intro?ref=home", follow_redirects=True).json() == {"slug": ["intro"]}
    upper = fetch(examples, "/BLOG/Intro")  # config sources ignore case; params keep it
    assert upper.header("location") == "/api/docs/Intro"


@pytest.mark.parametrize(
    ("cookie", "status", "location"),
    [
        pytest.param("uid=42", 307, "/api/users/42", id="digits"),
        pytest.param("uid=ada", 404, None, id="not-digits"),
        pytest.param("", 404, None, id="no-cookie"),
    ],
)
def test_me_redirect_uses_the_cookie_capture(
    examples: RunningServer, cookie: str, status: int, location: str | None
) -> None:
    response = fetch(examples, "/me", headers=f"Cookie: {cookie}\r\n" if cookie else "")
    assert response.status == status
    assert response.header("location") == location
    assert response.header("refresh") is None


def test_security_txt_before_files_rewrite_serves_the_public_file(client: httpx.Client) -> None:
    aliased = client.get("/security.txt")
    original = client.get("/.well-known/security.txt")
    assert aliased.status_code == 200
    assert aliased.text == original.text == "Contact: mailto:security@example.com\n"
    assert aliased.headers["etag"] == original.headers["etag"]
    assert aliased.headers["content-type"] == "text/plain; charset=UTF-8"


def test_short_user_urls_reach_the_dynamic_route(client: httpx.Client) -> None:
    short = client.get("/u/42")
    assert short.json() == {"id": "42", "name": "Grace"}
    # proxy.py's matcher (/api/:path*) sees the requested path, not the destination.
    assert "x-frame-options" not in short.headers
    assert client.get("/api/users/42").headers["x-frame-options"] == "DENY"
    assert client.get("/u/999").status_code == 404  # the route's not_found()


def assert_length_is_the_sent_body(response: RawResponse) -> None:
    """A compressed body never keeps the uncompressed Content-Length:
    uvicorn streams it chunked (none); granian, given the whole body in one
    message, counts the compressed bytes."""
    length = response.header("content-length")
    assert length is None or int(length) == len(response.body)


def test_gzip_when_accepted(examples: RunningServer) -> None:
    zipped = fetch(examples, "/api/hello?name=Ada", headers="Accept-Encoding: gzip, br\r\n")
    assert zipped.header("content-encoding") == "gzip"
    assert zipped.header("vary") == "Accept-Encoding"
    assert_length_is_the_sent_body(zipped)
    assert gzip.decompress(zipped.body) == b"Hello, Ada!"
    plain = fetch(examples, "/api/hello?name=Ada", headers="Accept-Encoding: identity\r\n")
    assert (plain.header("content-encoding"), plain.body) == (None, b"Hello, Ada!")
    head = fetch(
        examples, "/api/hello?name=Ada", method="HEAD", headers="Accept-Encoding: gzip\r\n"
    )
    assert head.header("content-encoding") is None
    ranged = fetch(examples, "/hello.txt", headers="Accept-Encoding: gzip\r\nRange: bytes=0-4\r\n")
    assert (ranged.status, ranged.header("content-encoding"), ranged.body) == (206, None, b"Hello")


def test_body_size_limit_is_4mb(examples: RunningServer) -> None:
    over = fetch(
        examples,
        "/api/echo",
        method="POST",
        headers=f"Content-Type: application/json\r\nContent-Length: {4 * 1024 * 1024 + 1}\r\n",
    )
    assert over.status == 413


def test_trailing_slash_false_removes_the_slash(examples: RunningServer) -> None:
    response = fetch(examples, "/about/?x=1")
    assert (response.status, response.header("location")) == (308, "/about?x=1")


def test_docs_testclient_snippets_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for page in (CONFIG_DOC, PUBLIC_DOC):
        for block in python_blocks(page):
            if 'TestClient("examples")' in block:
                exec(compile(block, "docs snippet", "exec"), {})


def test_docs_quote_the_example_config() -> None:
    assert (EXAMPLES / "approute.config.py").read_text() in CONFIG_DOC


# --- docs/config.md: settings and errors -------------------------------------


def test_every_config_block_of_the_docs_loads(tmp_path: Path) -> None:
    blocks = [b for b in python_blocks(CONFIG_DOC) if b.startswith("# approute.config.py")]
    blocks += [b for b in python_blocks(PUBLIC_DOC) if b.startswith("# approute.config.py")]
    assert len(blocks) >= 7
    for index, block in enumerate(blocks):
        root = write(tmp_path / str(index), {"approute.config.py": block})
        load_config(root)


ERRORS = [
    "trailingSlash = True\n",
    "trailing_slash = 'yes'\n",
    "base_path = 'docs'\n",
    "body_size_limit = 'lots'\n",
    "headers = []\n",
    "def headers():\n    raise RuntimeError('db down')\n",
    "def headers():\n    return [{'source': '/a', 'header': []}]\n",
    "def redirects():\n    return [{'source': 'old', 'destination': '/new', 'permanent': True}]\n",
    "def headers():\n    return [{'source': '/a/*', 'headers': [{'key': 'x', 'value': '1'}]}]\n",
    "def redirects():\n    return [{'source': '/old', 'destination': '/new'}]\n",
    "def redirects():\n"
    "    return [{'source': '/old/:slug', 'destination': '/new/:id', 'permanent': True}]\n",
    "def rewrites():\n    return [{'source': '/a/:path*', 'destination': '/b/:path'}]\n",
    "def rewrites():\n    return {'beforeFiles': []}\n",
    "def rewrites():\n    return [{'source': '/a', 'destination': '/b', 'base_path': False}]\n",
    "def headers():\n    return [{'source': '/a', 'headers': [{'key': 'x', 'value': '1'}],\n"
    "             'has': [{'type': 'header', 'key': 'x', 'value': '(?<v>[0-9]+'}]}]\n",
]


def test_the_error_table_shows_the_real_messages(tmp_path: Path) -> None:
    documented = {code(row[1]) for row in table(CONFIG_DOC, "## Errors")}
    produced = set()
    for index, source in enumerate(ERRORS):
        root = write(tmp_path / str(index), {"approute.config.py": source})
        with pytest.raises(ProjectError) as error:
            load_config(root)
        produced.add(str(error.value))
    assert documented == produced


@pytest.mark.parametrize(
    ("source", "unknown"),
    [
        pytest.param("SECURITY = []\n", "SECURITY", id="constant"),
        pytest.param("def load_rules():\n    return []\n", "load_rules", id="function"),
        pytest.param("from os import sep\n", "sep", id="imported-constant"),
    ],
)
def test_every_public_module_level_name_is_a_setting(
    tmp_path: Path, source: str, unknown: str
) -> None:
    write(tmp_path, {"approute.config.py": source})
    with pytest.raises(ProjectError, match=f"unknown setting '{unknown}'"):
        load_config(tmp_path)


def test_private_names_and_imports_are_not_settings(tmp_path: Path) -> None:
    source = (
        "import os\nfrom pathlib import Path\nfrom os import sep as _SEP\n"
        "_RULES = [{'source': '/a', 'headers': [{'key': 'x', 'value': '1'}]}]\n"
        "def _load():\n    return _RULES\n"
        "async def headers():\n    return _load()\n"
        "cache_handler = 'redis://localhost:6379/0'\n"
    )
    write(tmp_path, {"approute.config.py": source})
    loaded = load_config(tmp_path)
    assert (len(loaded.headers), loaded.cache_handler) == (1, "redis://localhost:6379/0")


def test_body_size_limit_units(tmp_path: Path, server_kind: ServerKind) -> None:
    for value, size in [("'1.5mb'", 1572864), ("'512KB'", 524288), ("2048", 2048)]:
        write(tmp_path, {"approute.config.py": f"body_size_limit = {value}\n"})
        assert load_config(tmp_path).body_size_limit == size
    root = write(
        tmp_path,
        {
            "approute.config.py": "body_size_limit = '1kb'\n",
            "app/api/size/route.py": """
                from approute import Response

                async def POST(request):
                    return Response(str(len(await request.bytes())))
            """,
        },
    )
    with serve(root, server_kind) as server:
        request = get("/api/size", method="POST", headers="Content-Length: 1024\r\n")
        ok = raw_request(server, request + b"x" * 1024)
        assert ok is not None
        assert (ok.status, ok.body) == (200, b"1024")
        over = fetch(server, "/api/size", method="POST", headers="Content-Length: 1025\r\n")
        assert over.status == 413


# --- docs/config.md: has, headers, redirects -----------------------------------


def test_has_and_missing_block(tmp_path: Path, server_kind: ServerKind) -> None:
    root = write(
        tmp_path, {"approute.config.py": doc_config("x-served-for"), "app/api/x/route.py": ECHO}
    )
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        hit = http.get("/api/x?page=1&page=2", headers={"x-client": "ios"})
        assert hit.headers["x-served-for"] == "ios-page-2"  # the last repeated query value
        assert "x-served-for" not in http.get("/api/x?page=2", headers={"x-client": "iosx"}).headers
        assert "x-served-for" not in http.get("/api/x?page=", headers={"x-client": "ios"}).headers
        missing = http.get("/api/x?page=2", headers={"x-client": "ios", "cookie": "session=1"})
        assert "x-served-for" not in missing.headers


def test_condition_captures_without_value_and_host(tmp_path: Path, server_kind: ServerKind) -> None:
    config = """
        def headers():
            return [
                {"source": "/", "has": [{"type": "header", "key": "x-api-key"}],
                 "headers": [{"key": "x-key", "value": ":xapikey"}]},
                {"source": "/", "has": [{"type": "host", "value": "[a-z]+\\\\.example\\\\.com"}],
                 "headers": [{"key": "x-host", "value": ":host"}]},
            ]
    """
    root = write(tmp_path, {"approute.config.py": config, "app/route.py": TEXT.format("ok")})
    with serve(root, server_kind) as server:
        response = fetch(server, "/", headers="X-Api-Key: k1\r\n")
        assert response.header("x-key") == "k1"
        hosted = raw_request(
            server, b"GET / HTTP/1.1\r\nHost: Acme.Example.com:8080\r\nConnection: close\r\n\r\n"
        )
        assert hosted is not None
        assert hosted.header("x-host") == "acme.example.com"


def test_headers_block(tmp_path: Path, server_kind: ServerKind) -> None:
    route = (
        "from approute import Response\n\n\ndef GET(request):\n"
        "    return Response('embed', headers={'x-frame-options': 'ALLOWALL'})\n"
    )
    files: dict[str, str | bytes] = {
        "approute.config.py": doc_config("SAMEORIGIN"),
        "app/embed/x/route.py": route,
        "public/fonts/a.woff2": b"font",
    }
    root = write(tmp_path, files)
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        embed = http.get("/embed/x")
        assert embed.headers.get_list("x-frame-options") == [
            "SAMEORIGIN"
        ]  # later rule, over the route
        assert http.get("/elsewhere").headers["x-frame-options"] == "DENY"
        font = http.get("/fonts/a.woff2")
        assert font.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]
        assert font.headers["etag"].startswith('W/"')


def test_header_templates_and_set_cookie(tmp_path: Path, server_kind: ServerKind) -> None:
    config = """
        def headers():
            return [
                {"source": "/cdn/:path*", "headers": [
                    {"key": "link", "value": "<https://cdn.example.com/:path*>"},
                    {"key": "content-security-policy", "value": "img-src https: data:"},
                    {"key": "x-literal", "value": "a\\\\:path*"},
                    {"key": "set-cookie", "value": "a=1"},
                ]},
                {"source": "/cdn/:path*", "headers": [{"key": "set-cookie", "value": "b=2"}]},
            ]
    """
    route = (
        "from approute import NextResponse\n\n\ndef GET(request, ctx):\n"
        "    response = NextResponse('x')\n    response.cookies.set('route', '1')\n"
        "    return response\n"
    )
    root = write(tmp_path, {"approute.config.py": config, "app/cdn/[...path]/route.py": route})
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        response = http.get("/cdn/img/logo.png")
        assert response.headers["link"] == "<https://cdn.example.com/img/logo.png>"
        assert response.headers["content-security-policy"] == "img-src https: data:"
        assert response.headers["x-literal"] == "a:path*"
        assert sorted(response.headers.get_list("set-cookie")) == ["a=1", "b=2", "route=1; Path=/"]


def test_redirects_block(tmp_path: Path, server_kind: ServerKind) -> None:
    root = write(tmp_path, {"approute.config.py": doc_config("/old-blog/:slug")})
    root = write(root, {"app/blog/[slug]/route.py": ECHO})
    with serve(root, server_kind) as server:
        replaced = fetch(server, "/old-blog/hi?from=x&q=1")
        assert replaced.header("location") == "/blog/hi?from=old&q=1"
        external = fetch(server, "/docs/a/b?z=1")
        assert (external.status, external.header("location")) == (
            307,
            "https://docs.example.com/a/b?z=1",
        )
        assert external.header("refresh") is None
        see_other = fetch(server, "/login")
        assert (see_other.status, see_other.header("location")) == (303, "/auth/sign-in")
        # The response shape quoted in the docs, header for header.
        shown = CONFIG_DOC.split("The response to `GET /old-blog/hi?q=1`", 1)[1]
        shown = shown.split("```\n", 2)[1]
        head, body = shown.split("\n\n", 1)
        status_line, *lines = head.splitlines()
        response = fetch(server, "/old-blog/hi?q=1")
        assert status_line == f"HTTP/1.1 {response.status} Permanent Redirect"
        expected = [tuple(line.split(": ", 1)) for line in lines if not line.startswith("date:")]
        # granian always adds its own `server` header (docs/deploy.md).
        actual = [
            (k, v)
            for k, v in response.headers
            if k not in ("date", "Connection", "connection") and (k, v) != ("server", "granian")
        ]
        assert actual == expected
        assert response.body == body.strip().encode()


def test_redirect_destination_collapses_slashes(tmp_path: Path, server_kind: ServerKind) -> None:
    config = (
        "def redirects():\n"
        "    return [{'source': '/go/:path*', 'destination': '/x//:path*', 'permanent': False}]\n"
    )
    root = write(tmp_path, {"approute.config.py": config, "app/route.py": TEXT.format("ok")})
    with serve(root, server_kind) as server:
        assert fetch(server, "/go/a/b").header("location") == "/x/a/b"


# --- docs/config.md: rewrites ------------------------------------------------


async def _upstream(scope: Scope, receive: Receive, send: Send) -> None:
    """The "other origin" of external rewrites: echoes path and query."""
    if scope["type"] != "http":
        return
    payload = json.dumps({"path": scope["path"], "query": scope["query_string"].decode()})
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": payload.encode()})


@pytest.fixture(scope="module")
def upstream(server_kind: ServerKind) -> Iterator[RunningServer]:
    with run_server(_upstream, server_kind) as running:
        yield running


def test_rewrites_block(tmp_path: Path, server_kind: ServerKind, upstream: RunningServer) -> None:
    config = doc_config('"fallback"').replace("https://legacy.example.com", upstream.url)
    files: dict[str, str | bytes] = {
        "approute.config.py": config,
        "app/api/users/[id]/route.py": ECHO,
        "app/about/route.py": TEXT.format("about"),
        "public/icons/favicon.ico": b"icon",
    }
    root = write(tmp_path, files)
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/favicon.ico").content == b"icon"
        seen = http.get("/u/42?tab=1").json()
        assert (seen["pathname"], seen["search"], seen["params"]) == (
            "/u/42",
            "?tab=1",
            {"id": "42"},
        )
        assert seen["url"] == f"{server.url}/u/42?tab=1"
        assert http.get("/about").text == "about"  # a route beats the fallback
        proxied = http.get("/old/page?x=1")
        assert proxied.json() == {"path": "/old/page", "query": "x=1"}


def test_rewrite_stages_see_before_files_and_try_the_next_rule(
    tmp_path: Path, server_kind: ServerKind, upstream: RunningServer
) -> None:
    config = f"""
        def rewrites():
            return {{
                "before_files": [
                    {{"source": "/a", "destination": "/b"}},
                    {{"source": "/b", "destination": "/c"}},
                ],
                "after_files": [
                    {{"source": "/c", "destination": "/api/echo?hidden=1"}},
                    {{"source": "/d", "destination": "/nowhere"}},
                    {{"source": "/d", "destination": "/api/echo"}},
                    {{"source": "/up/:id", "destination": "{upstream.url}/items"}},
                    {{"source": "/up2/:id", "destination": "{upstream.url}/items/:id?x=1"}},
                ],
            }}
    """
    root = write(tmp_path, {"approute.config.py": config, "app/api/echo/route.py": ECHO})
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        chained = http.get("/a?q=1").json()  # /a -> /b -> /c (before_files) -> /api/echo
        assert (chained["pathname"], chained["search"]) == ("/a", "?q=1")  # ?hidden=1 unseen
        assert http.get("/d").json()["pathname"] == "/d"  # /nowhere found nothing: next rule
        assert http.get("/up/7?q=1").json() == {"path": "/items", "query": "q=1&id=7"}
        assert http.get("/up2/7?q=1").json() == {"path": "/items/7", "query": "q=1&x=1"}


def test_list_rewrites_are_after_files(tmp_path: Path, server_kind: ServerKind) -> None:
    config = "def rewrites():\n    return [{'source': '/x/:id', 'destination': '/items/:id'}]\n"
    files = {
        "approute.config.py": config,
        "app/items/[id]/route.py": ECHO,
        "app/x/[id]/route.py": TEXT.format("dynamic route"),
        "app/x/static/route.py": TEXT.format("static route"),
    }
    root = write(tmp_path, files)
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/x/static").text == "static route"  # files and static routes first
        assert http.get("/x/1").json()["params"] == {"id": "1"}  # then after_files, then dynamic


# --- docs/config.md: base_path, trailing_slash -----------------------------------


def test_base_path_block(tmp_path: Path, server_kind: ServerKind, upstream: RunningServer) -> None:
    config = (
        doc_config('base_path = "/docs"') + "def redirects():\n"
        "    return [{'source': '/old', 'destination': '/new', 'permanent': False},\n"
        f"            {{'source': '/gh', 'destination': '{upstream.url}/gh', 'base_path': False,"
        " 'permanent': False}]\n"
        "def headers():\n    return [{'source': '/:path*', 'base_path': False, "
        "'headers': [{'key': 'x-full', 'value': ':path*'}]}]\n"
    )
    files: dict[str, str | bytes] = {
        "approute.config.py": config,
        "app/route.py": TEXT.format("home"),
        "app/api/users/[id]/route.py": ECHO,
        "public/logo.svg": b"<svg/>",
    }
    root = write(tmp_path, files)
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/docs").text == "home"
        user = http.get("/docs/api/users/42").json()
        assert (user["pathname"], user["base_path"]) == ("/api/users/42", "/docs")
        assert user["url"] == f"{server.url}/docs/api/users/42"
        assert http.get("/docs/logo.svg").content == b"<svg/>"
        outside = http.get("/api/users/42")
        assert (outside.status_code, outside.headers["x-full"]) == (404, "api/users/42")
        assert http.get("/Docs/api/users/42").status_code == 404  # case-sensitive
        assert http.get("/docs/old").headers["location"] == "/docs/new"
        assert http.get("/gh").headers["location"] == f"{upstream.url}/gh"
        assert http.get("/docs/gh").status_code == 404


@pytest.mark.parametrize("setting", [False, True])
def test_trailing_slash_table(tmp_path: Path, server_kind: ServerKind, setting: bool) -> None:
    files: dict[str, str | bytes] = {
        "approute.config.py": f"trailing_slash = {setting}\n",
        "app/route.py": TEXT.format("home"),
        "app/about/route.py": ECHO,
        "app/api/hello.json/route.py": TEXT.format("json"),
        "public/hello.txt": b"hello",
        "public/.well-known/x": b"well-known",
    }
    root = write(tmp_path, files)
    rows = table(CONFIG_DOC, "## `trailing_slash`")
    assert len(rows) == 7
    with serve(root, server_kind) as server:
        for row in rows:
            expected = row[2 if setting else 1]
            for request in re.findall(r"`([^`]+)`", row[0]):
                response = fetch(server, request)
                if expected.startswith("served"):
                    assert response.status == 200, (request, setting)
                else:
                    location = code(expected.split(" ", 1)[1])
                    assert (response.status, response.header("location")) == (308, location)
                    assert response.header("refresh") == f"0;url={location}"
        if setting:
            assert json.loads(fetch(server, "/about/").body)["pathname"] == "/about/"


# --- docs/config.md: compress ------------------------------------------------

COMPRESS_ROUTES = {
    "app/api/json/route.py": """
        from approute import NextResponse

        def GET(request):
            return NextResponse.json({"ok": True})
    """,
    "app/api/png/route.py": """
        from approute import Response

        def GET(request):
            return Response(b"\\x89PNG....", headers={"content-type": "image/png"})
    """,
    "app/api/svg/route.py": """
        from approute import Response

        def GET(request):
            return Response("<svg/>", headers={"content-type": "image/svg+xml"})
    """,
    "app/api/empty/route.py": """
        from approute import Response

        def GET(request):
            return Response(status=204)
    """,
    "app/api/no-transform/route.py": """
        from approute import Response

        def GET(request):
            return Response("x", headers={"cache-control": "no-transform"})
    """,
    "app/api/encoded/route.py": """
        import gzip
        from approute import Response

        def GET(request):
            return Response(gzip.compress(b"pre"), headers={"content-type": "text/plain",
                                                            "content-encoding": "gzip"})
    """,
    "app/api/stream/route.py": """
        from approute import Response

        async def GET(request):
            async def body():
                yield b"a"
                yield b"b"
            return Response(body(), headers={"content-type": "text/plain"})
    """,
}


@pytest.fixture(scope="module")
def compress_server(
    tmp_path_factory: pytest.TempPathFactory, server_kind: ServerKind
) -> Iterator[RunningServer]:
    root = write(
        tmp_path_factory.mktemp("compress"),
        {"app/route.py": TEXT.format("home"), **COMPRESS_ROUTES},
    )
    with serve(root, server_kind) as running:
        yield running


@pytest.mark.parametrize(
    ("path", "accept", "compressed"),
    [
        pytest.param("/api/json", "gzip", True, id="json"),
        pytest.param("/api/svg", "gzip", True, id="svg"),
        pytest.param("/api/stream", "gzip", True, id="stream"),
        pytest.param("/nope", "gzip", True, id="404-page"),
        pytest.param("/api/json", "*", True, id="star"),
        pytest.param("/api/json", "gzip;q=0", False, id="q0"),
        pytest.param("/api/json", "br, deflate", False, id="no-gzip"),
        pytest.param("/api/png", "gzip", False, id="png"),
        pytest.param("/api/empty", "gzip", False, id="204"),
        pytest.param("/api/no-transform", "gzip", False, id="no-transform"),
    ],
)
def test_what_is_compressed(
    compress_server: RunningServer, path: str, accept: str, compressed: bool
) -> None:
    response = fetch(compress_server, path, headers=f"Accept-Encoding: {accept}\r\n")
    assert (response.header("content-encoding") == "gzip") is compressed
    if compressed:
        assert response.header("vary") == "Accept-Encoding"
        assert_length_is_the_sent_body(response)
        assert gzip.decompress(response.body)


def test_compress_false_and_encoded_responses(tmp_path: Path, server_kind: ServerKind) -> None:
    root = write(tmp_path, {"approute.config.py": "compress = False\n", **COMPRESS_ROUTES})
    with serve(root, server_kind) as server:
        response = fetch(server, "/api/json", headers="Accept-Encoding: gzip\r\n")
        assert response.header("content-encoding") is None
        assert json.loads(response.body) == {"ok": True}
        encoded = fetch(server, "/api/encoded", headers="Accept-Encoding: gzip\r\n")
        assert gzip.decompress(encoded.body) == b"pre"  # left alone, not gzipped twice


# --- docs/public-files.md -----------------------------------------------------


def test_public_files_rules(tmp_path: Path, server_kind: ServerKind) -> None:
    files: dict[str, str | bytes] = {
        "app/[slug]/route.py": TEXT.format("dynamic"),
        "public/index.html": b"<h1>index</h1>",
        "public/_private.txt": b"underscore",
        "public/.env": b"SECRET=1",
        "public/.well-known/a.txt": b"dot folder",
        "public/robots.txt": b"User-agent: *\n",
        "public/fonts/Inter Var.woff2": b"font",
        "public/changing.txt": b"v1",
        "public/deleted.txt": b"gone soon",
    }
    root = write(tmp_path, files)
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/index.html").content == b"<h1>index</h1>"
        assert http.get("/").status_code == 404
        assert http.get("/_private.txt").content == b"underscore"
        assert http.get("/.well-known/a.txt").content == b"dot folder"
        assert http.get("/robots.txt").text == "User-agent: *\n"  # beats app/[slug]
        assert http.get("/.env").text == "dynamic"  # no file: the dynamic route
        assert http.get("/fonts/Inter%20Var.woff2").content == b"font"
        assert http.get("/fonts/Inter%20Var.woff2").headers["content-type"] == "font/woff2"
        assert http.get("/Robots.txt").text == "dynamic"
        before = http.get("/changing.txt").headers["etag"]
        time.sleep(0.01)
        (root / "public/changing.txt").write_bytes(b"version 2")
        changed = http.get("/changing.txt")
        assert (changed.content, changed.headers["etag"] != before) == (b"version 2", True)
        (root / "public/deleted.txt").unlink()
        assert http.get("/deleted.txt").status_code == 404  # not the dynamic route
        (root / "public/late.txt").write_bytes(b"late")
        assert http.get("/late.txt").text == "dynamic"  # not in the startup scan


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_public_symlinks(tmp_path: Path, server_kind: ServerKind) -> None:
    root = write(tmp_path / "project", {"app/route.py": TEXT.format("home"), "public/a.txt": b"A"})
    (tmp_path / "secret.txt").write_bytes(b"secret")
    os.symlink(root / "public/a.txt", root / "public/alias.txt")
    os.symlink(tmp_path / "secret.txt", root / "public/out.txt")
    with serve(root, server_kind) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/alias.txt").content == b"A"
        assert http.get("/out.txt").status_code == 404


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param(
            "If-None-Match: {etag}\r\nIf-Modified-Since: {earlier}\r\n", 304, id="INM-decides"
        ),
        pytest.param(
            'If-None-Match: "x"\r\nIf-Modified-Since: {later}\r\n', 200, id="INM-decides-200"
        ),
        pytest.param("If-Modified-Since: {later}\r\n", 304, id="IMS"),
        pytest.param("If-None-Match: {etag}\r\nCache-Control: no-cache\r\n", 200, id="no-cache"),
        pytest.param('If-Match: "x"\r\n', 412, id="if-match"),
        pytest.param("If-Unmodified-Since: {earlier}\r\n", 412, id="if-unmodified-since"),
        pytest.param("If-Modified-Since: garbage\r\n", 200, id="garbage-date"),
        pytest.param('Range: bytes=0-1\r\nIf-Range: "x"\r\n', 200, id="if-range-mismatch"),
        pytest.param("Range: bytes=0-1\r\nIf-Range: {etag}\r\n", 206, id="if-range-match"),
    ],
)
def test_public_conditional_requests(examples: RunningServer, headers: str, status: int) -> None:
    first = fetch(examples, "/hello.txt")
    values = {
        "etag": first.header("etag"),
        "earlier": "Mon, 01 Jan 2001 00:00:00 GMT",
        "later": "Fri, 01 Jan 2100 00:00:00 GMT",
    }
    response = fetch(examples, "/hello.txt", headers=headers.format(**values))
    assert response.status == status
    if status in (304, 412):
        assert response.body == b""
        assert response.header("content-type") is None
