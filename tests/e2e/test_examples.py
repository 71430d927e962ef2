"""examples/ served by a real uvicorn on both parsers: every example route
does what its docstring and docs/ say."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate
from PIL import Image

from approute.app import create_app
from tests.conftest import ProjectFactory
from tests.support.servers import RunningServer, ServerKind, get, raw_request, run_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES_APP = EXAMPLES / "app"


@pytest.fixture(scope="module")
def examples(server_kind: ServerKind) -> Iterator[RunningServer]:
    with run_server(create_app(EXAMPLES), server_kind) as running:
        yield running


@pytest.fixture
def client(examples: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=examples.url) as http:
        yield http


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("/api/hello.json", {"hello": "json"}, id="dots-in-folder"),
        pytest.param("/api/users/42", {"id": "42", "name": "Grace"}, id="dynamic"),
        pytest.param("/api/files/a/b%2Fc.txt", {"path": ["a", "b/c.txt"]}, id="catch-all"),
        pytest.param("/api/docs", {"slug": None}, id="optional-catch-all-empty"),
        pytest.param("/api/docs/intro/setup", {"slug": ["intro", "setup"]}, id="optional"),
        pytest.param("/api/items/7", {"item": 7}, id="items"),
    ],
)
def test_example_json_routes(client: httpx.Client, path: str, expected: object) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == expected


def _url_pattern(folder: Path) -> re.Pattern[str]:
    """The URLs a route folder answers, as a regex (groups dropped)."""
    parts = []
    for part in folder.relative_to(EXAMPLES_APP).parts:
        if part.startswith("(") and part.endswith(")"):
            continue
        if part.startswith("[[..."):
            parts.append("(/.+)?")
        elif part.startswith("[..."):
            parts.append("/.+")
        elif part.startswith("["):
            parts.append("/[^/]+")
        else:
            parts.append("/" + re.escape(part))
    return re.compile("".join(parts) or "/")


def test_index_lists_every_example_route_with_the_server_origin(
    client: httpx.Client, examples: RunningServer
) -> None:
    index = client.get("/").json()
    assert f"{examples.url}/api/users/42" in index["try"]
    paths = [url.removeprefix(examples.url) for url in index["try"]]
    paths += [re.search(r"/api/\S+", command).group() for command in index["post"]]  # type: ignore[union-attr]
    folders = {p.parent for p in EXAMPLES_APP.rglob("*.py") if p.name in ("route.py", "page.py")}
    for folder in folders - {EXAMPLES_APP}:
        if "_lib" in folder.parts:
            continue
        pattern = _url_pattern(folder)
        assert any(pattern.fullmatch(path) for path in paths), f"{folder} is not in the index"


def test_a_browser_gets_the_index_as_links(client: httpx.Client) -> None:
    page = client.get("/", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for url in client.get("/").json()["try"]:
        path = "/" + url.split("/", 3)[3]
        assert f'<a href="{path}">' in page.text


def test_hello_text_and_post(client: httpx.Client) -> None:
    response = client.get("/api/hello", params={"name": "Ada"})
    assert response.text == "Hello, Ada!"
    assert response.headers["content-type"] == "text/plain;charset=UTF-8"
    created = client.post("/api/hello", json={"x": 1})
    assert created.status_code == 201
    assert created.json() == {"received": {"x": 1}}
    not_allowed = client.put("/api/hello")
    assert not_allowed.status_code == 405
    assert not_allowed.headers["allow"] == "GET, HEAD, OPTIONS, POST"


def test_unknown_user_is_404_and_private_folder_is_not_routed(client: httpx.Client) -> None:
    assert client.get("/api/users/999").status_code == 404
    missing = client.get("/_lib/store")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "text/html; charset=utf-8"


def test_echo_and_bad_json(client: httpx.Client) -> None:
    assert client.post("/api/echo", json=[1, {"a": None}]).json() == [1, {"a": None}]
    bad = client.post("/api/echo", content=b'{"a":')
    assert bad.status_code == 400


def test_session_cookie_round_trip(client: httpx.Client) -> None:
    first = client.get("/api/session")
    assert first.json()["visits"] == 1
    assert first.headers["set-cookie"] == "visits=1; Path=/; HttpOnly; SameSite=lax"
    assert client.get("/api/session").json()["visits"] == 2
    deleted = client.delete("/api/session")
    assert deleted.status_code == 204
    assert deleted.headers["set-cookie"] == "visits=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT"


def test_navigation_redirects(client: httpx.Client) -> None:
    permanent = client.get("/api/items/old")
    assert (permanent.status_code, permanent.headers["location"]) == (308, "/api/items/1")
    temporary = client.get("/api/items/abc")
    assert (temporary.status_code, temporary.headers["location"]) == (307, "/api/items/1")


def test_upload(client: httpx.Client) -> None:
    response = client.post(
        "/api/upload", data={"title": "t"}, files={"doc": ("a.txt", b"hello", "text/plain")}
    )
    assert response.json() == {
        "title": "t",
        "doc": {"file": "a.txt", "type": "text/plain", "size": 5},
    }


def test_page_in_a_route_group(client: httpx.Client) -> None:
    response = client.get("/about")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>About approute</h1>" in response.text
    assert client.post("/about").headers["allow"] == "GET, HEAD"


def test_stream_example_is_chunked(examples: RunningServer) -> None:
    response = raw_request(examples, get("/api/stream"))
    assert response is not None
    assert response.header("transfer-encoding") == "chunked"
    assert response.body == b"".join(f"chunk {n}\n".encode() for n in range(5))


def test_router_redirects_collapse_slashes_and_drop_trailing_slash(
    examples: RunningServer,
) -> None:
    for target, location in [("//api//hello?x=1", "/api/hello?x=1"), ("/api/hello/", "/api/hello")]:
        response = raw_request(examples, get(target))
        assert response is not None
        assert response.status == 308
        assert response.header("location") == location
        assert response.header("refresh") == f"0;url={location}"
        assert response.body == location.encode()
        assert response.header("content-type") is None


STREAM_ROUTE = """
import asyncio
from pathlib import Path
from approute import Response

async def GET(request):
    gate = Path(request.next_url.search_params.get("gate"))

    async def body():
        yield b"first;"
        while not gate.exists():  # the test opens the gate after reading "first;"
            await asyncio.sleep(0.01)
        yield b"second"

    return Response(body())
"""


def test_streaming_sends_each_chunk_as_produced(
    tmp_path: Path, server_kind: ServerKind, make_project: ProjectFactory
) -> None:
    root = make_project({"app/api/stream/route.py": STREAM_ROUTE})
    gate = tmp_path / "gate"
    with (
        run_server(create_app(root), server_kind) as server,
        httpx.Client(base_url=server.url) as http,
        http.stream("GET", "/api/stream", params={"gate": str(gate)}) as response,
    ):
        chunks = response.iter_raw()
        assert next(chunks) == b"first;"  # arrived while the generator still waits
        gate.touch()
        assert b"".join(chunks) == b"second"


# --- examples/proxy.py ------------------------------------------------------------


def test_proxy_guards_admin(client: httpx.Client) -> None:
    blocked = client.get("/admin")
    assert blocked.status_code == 401
    assert blocked.json() == {"error": "unauthorized"}
    allowed = client.get("/admin", headers={"cookie": "session=ada"})
    assert allowed.json() == {"admin": True, "user": "ada"}


@pytest.mark.parametrize(
    ("accept_language", "location"),
    [
        pytest.param("fr-FR,fr;q=0.9", "/fr/greeting", id="fr"),
        pytest.param("en-GB", "/en/greeting", id="en"),
        pytest.param("", "/en/greeting", id="default"),
    ],
)
def test_proxy_locale_redirect(
    examples: RunningServer, accept_language: str, location: str
) -> None:
    response = raw_request(
        examples, get("/greeting", headers=f"Accept-Language: {accept_language}\r\n")
    )
    assert response is not None
    assert response.status == 307
    assert response.header("location") == location
    greeting = httpx.get(examples.url + location)
    assert greeting.text == ("Bonjour !" if "fr" in location else "Hello!")


def test_proxy_ab_rewrite_keeps_the_url(client: httpx.Client) -> None:
    assert client.get("/api/experiment").json() == {"variant": "A"}
    variant_b = client.get("/api/experiment", headers={"cookie": "bucket=b"})
    assert variant_b.json() == {"variant": "B", "pathname": "/api/experiment-b"}


def test_proxy_adds_security_headers_to_api_responses(client: httpx.Client) -> None:
    response = client.get("/api/hello")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "x-frame-options" not in client.get("/about").headers  # outside the matcher


def test_public_files_are_served_with_validators(client: httpx.Client) -> None:
    response = client.get("/hello.txt", headers={"accept-encoding": "identity"})
    assert response.text == "Hello from public/\n"
    assert response.headers["content-type"] == "text/plain; charset=UTF-8"
    assert response.headers["cache-control"] == "public, max-age=0"
    assert response.headers["accept-ranges"] == "bytes"
    etag = response.headers["etag"]
    assert client.get("/hello.txt", headers={"if-none-match": etag}).status_code == 304
    ranged = client.get("/hello.txt", headers={"range": "bytes=0-4"})
    assert (ranged.status_code, ranged.content) == (206, b"Hello")
    assert client.get("/.well-known/security.txt").status_code == 200
    refused = client.post("/hello.txt")
    assert (refused.status_code, refused.headers["allow"]) == (405, "GET, HEAD")


def test_metadata_routes_robots_sitemap_and_open_graph_image(client: httpx.Client) -> None:
    robots = client.get("/robots.txt")
    assert robots.headers["content-type"] == "text/plain"
    assert robots.headers["cache-control"] == "public, max-age=0, must-revalidate"
    assert robots.text.startswith("User-Agent: *\nAllow: /\nDisallow: /admin\n")
    assert robots.text.endswith("\nSitemap: http://127.0.0.1:3000/sitemap.xml\n")
    sitemap = client.get("/sitemap.xml")
    assert sitemap.headers["content-type"] == "application/xml"
    assert "<loc>http://127.0.0.1:3000/about</loc>" in sitemap.text
    card = client.get("/opengraph-image")
    assert card.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(card.content))
    assert (image.format, image.size) == ("PNG", (1200, 630))
    assert Image.open(io.BytesIO(client.get("/icon").content)).size == (32, 32)
    # Static by default: the second request is served from the route cache.
    assert client.get("/opengraph-image").headers["x-approute-cache"] == "HIT"


def test_validated_todos_crud(client: httpx.Client) -> None:
    created = client.post("/api/todos", json={"title": "write docs", "priority": "high"})
    assert created.status_code == 201
    todo = created.json()
    assert (todo["title"], todo["done"], todo["priority"]) == ("write docs", False, "high")
    path = f"/api/todos/{todo['id']}"
    assert client.get(path).json() == todo
    done = client.patch(path, json={"done": True})
    assert done.json() == {**todo, "done": True}
    listed = client.get("/api/todos", params=[("priority", "high"), ("done", "true")]).json()
    assert {item["id"] for item in listed} >= {todo["id"]}
    invalid = client.post("/api/todos", json={"title": "", "priority": "urgent"})
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert [e["location"] for e in invalid.json()["errors"]] == [
        ["body", "title"],
        ["body", "priority"],
    ]
    assert client.get("/api/todos/abc").status_code == 404  # not an int: no such todo
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404


def test_the_examples_openapi_document_is_valid(client: httpx.Client) -> None:
    response = client.get("/openapi.json")
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    assert document["info"] == {"title": "approute examples", "version": "1.0.0"}
    todos = document["paths"]["/api/todos"]
    assert todos["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewTodo"
    }
    assert set(todos["post"]["responses"]) == {"201", "400", "422"}
    # An undeclared route is listed too, with its params from the folders.
    assert document["paths"]["/api/users/{id}"]["get"]["parameters"][0]["name"] == "id"
    docs = client.get("/docs")
    assert docs.headers["content-type"] == "text/html; charset=utf-8"
