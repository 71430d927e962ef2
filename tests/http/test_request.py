"""NextRequest (docs/request-response.md; hostile cookies and JSON bodies):
built directly, from ASGI, and through the app with TestClient."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from approute import BodyTooLarge, InvalidJSON, NextRequest, NextURL, RequestError
from approute._types import Message, Scope
from approute.app import create_app
from approute.errors import BadRequest
from approute.http.body import BodyChannel
from approute.testing import TestClient
from tests.conftest import ProjectFactory

# The handler reports what it sees; the tests compare with Next.js's values
# (docs/request-response.md).
ECHO = """
from approute import NextResponse

async def GET(request):
    url = request.next_url
    return NextResponse.json({
        "method": request.method,
        "url": request.url,
        "origin": url.origin,
        "pathname": url.pathname,
        "search": url.search,
        "params": [list(pair) for pair in url.search_params.items()],
        "headers": {name: request.headers.get_all(name) for name in request.headers.keys()},
        "cookies": {c.name: c.value for c in request.cookies.get_all()},
    })

POST = GET
"""

# Every mutator of request.next_url; the clone must accept the same changes.
MUTATE = """
from approute import NextResponse

MUTATORS = {
    "pathname": lambda u: setattr(u, "pathname", "/other"),
    "search": lambda u: setattr(u, "search", "?b=2"),
    "hash": lambda u: setattr(u, "hash", "#top"),
    "search_params.set": lambda u: u.search_params.set("a", "9"),
    "search_params.append": lambda u: u.search_params.append("c", "3"),
    "search_params.delete": lambda u: u.search_params.delete("a"),
    "search_params.sort": lambda u: u.search_params.sort(),
}

def GET(request):
    name = request.next_url.search_params.get("mutator")
    try:
        MUTATORS[name](request.next_url)
        original = "allowed"
    except TypeError:
        original = "TypeError"
    clone = request.next_url.clone()
    MUTATORS[name](clone)
    return NextResponse.json({"original": original, "url": request.url, "clone": clone.href})
"""

BODY = """
from approute import NextResponse, Response

async def POST(request):
    return NextResponse.json({"data": await request.json()})

async def PUT(request):
    try:
        data = await request.json()
    except ValueError as error:
        return Response(f"caught {type(error).__name__}", status=422)
    return NextResponse.json({"data": data})

async def PATCH(request):
    return Response(await request.text())

async def DELETE(request):
    return Response(await request.bytes())

async def OPTIONS(request):
    chunks = [chunk async for chunk in request.stream()]
    return NextResponse.json({"size": sum(map(len, chunks))})
"""


@pytest.fixture
def client_for(make_project: ProjectFactory) -> Iterator[Callable[..., TestClient]]:
    """A TestClient for one route file at /api/x (closed after the test)."""
    clients: list[TestClient] = []

    def make(source: str, **options: Any) -> TestClient:
        root = make_project({"app/api/x/route.py": source})
        client = TestClient(create_app(root, **options))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def run(coro: Any) -> Any:
    return asyncio.run(coro)


# -- built directly -----------------------------------------------------------


def test_direct_request_exposes_method_url_and_next_url() -> None:
    request = NextRequest("http://localhost/api/x?a=1&a=2", method="post")
    assert request.method == "POST"
    assert request.url == "http://localhost/api/x?a=1&a=2"
    assert request.next_url.pathname == "/api/x"
    assert request.next_url.search == "?a=1&a=2"
    assert request.next_url.search_params.get("a") == "1"
    assert request.next_url.search_params.get_all("a") == ["1", "2"]


def test_direct_request_accepts_a_next_url() -> None:
    request = NextRequest(NextURL("https://a.test:8443/p?q=1"))
    assert request.url == "https://a.test:8443/p?q=1"
    assert request.next_url.origin == "https://a.test:8443"


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"X-Token": "abc"}, id="mapping"),
        pytest.param([("X-Token", "abc")], id="pairs"),
    ],
)
def test_direct_request_headers_are_case_insensitive(headers: Any) -> None:
    request = NextRequest("http://localhost/", headers=headers)
    assert request.headers.get("x-token") == "abc"
    assert request.headers.get("X-TOKEN") == "abc"
    assert request.headers.has("x-Token")


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        pytest.param("a=1; a=2", {"a": "2"}, id="last-duplicate-wins"),
        pytest.param("b=hello%20world", {"b": "hello world"}, id="percent-decoded"),
        pytest.param("c=%E2%82%AC", {"c": "€"}, id="utf-8-percent-decoded"),
        pytest.param("a=1;b=2", {"a": "1", "b": "2"}, id="no-space-after-semicolon"),
    ],
)
def test_direct_request_cookies_follow_next_rules(cookie: str, expected: dict[str, str]) -> None:
    request = NextRequest("http://localhost/", headers={"cookie": cookie})
    assert {c.name: c.value for c in request.cookies.get_all()} == expected
    for name, value in expected.items():
        found = request.cookies.get(name)
        assert found is not None
        assert found.value == value
    assert request.cookies.get("missing") is None


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda u: setattr(u, "pathname", "/other"), id="pathname"),
        pytest.param(lambda u: setattr(u, "search", "?b=2"), id="search"),
        pytest.param(lambda u: u.search_params.set("a", "9"), id="search-params-set"),
        pytest.param(lambda u: u.search_params.append("c", "3"), id="search-params-append"),
        pytest.param(lambda u: u.search_params.delete("a"), id="search-params-delete"),
    ],
)
def test_direct_request_next_url_is_read_only(mutate: Callable[[NextURL], None]) -> None:
    request = NextRequest("http://localhost/api/x?a=1")
    with pytest.raises(TypeError):
        mutate(request.next_url)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b'{"a": [1, 2.5, null, true]}', {"a": [1, 2.5, None, True]}, id="object"),
        pytest.param(b"[]", [], id="array"),
        pytest.param(b'"\\u00e9"', "é", id="string"),
        pytest.param('{"k": "é"}', {"k": "é"}, id="str-body-utf-8"),
    ],
)
def test_json_parses_valid_bodies(body: bytes | str, expected: object) -> None:
    assert run(NextRequest("http://localhost/", method="POST", body=body).json()) == expected


INVALID_JSON = [
    pytest.param(b'{"a":', id="truncated"),
    pytest.param(b"[" * 100_000, id="deep-nesting-not-recursion-error"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deep-balanced-nesting"),
    pytest.param(b'"\xff"', id="invalid-utf-8"),
    pytest.param(b"NaN", id="nan"),
    pytest.param(b"[Infinity]", id="infinity"),
    pytest.param(b"", id="empty-body"),
    pytest.param(b"{'a': 1}", id="single-quotes"),
]


@pytest.mark.parametrize("body", INVALID_JSON)
def test_invalid_json_raises_invalid_json(body: bytes) -> None:
    request = NextRequest("http://localhost/", method="POST", body=body)
    with pytest.raises(InvalidJSON) as caught:
        run(request.json())
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, RequestError)
    assert isinstance(caught.value, BadRequest)
    assert caught.value.status == 400


def test_json_with_5000_digit_number_raises_invalid_json() -> None:
    request = NextRequest("http://localhost/", method="POST", body=b"1" * 5000)
    with pytest.raises(InvalidJSON):
        run(request.json())


def test_json_without_body_raises_invalid_json() -> None:
    with pytest.raises(InvalidJSON):
        run(NextRequest("http://localhost/", method="POST").json())


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"plain", "plain", id="ascii"),
        pytest.param("é€".encode(), "é€", id="utf-8"),
        pytest.param(b"a\xffb", "a\ufffdb", id="invalid-byte-is-replacement"),
        pytest.param(b"a\xe2\x82", "a\ufffd", id="truncated-sequence-is-replacement"),
        pytest.param(b"", "", id="empty"),
    ],
)
def test_text_decodes_utf_8_leniently(body: bytes, expected: str) -> None:
    assert run(NextRequest("http://localhost/", method="POST", body=body).text()) == expected


def test_text_strips_a_leading_bom_as_fetch() -> None:
    body = b"\xef\xbb\xbfhi"
    assert run(NextRequest("http://localhost/", method="POST", body=body).text()) == "hi"


def test_json_ignores_a_leading_bom_as_fetch() -> None:
    body = b'\xef\xbb\xbf{"a": 1}'
    assert run(NextRequest("http://localhost/", method="POST", body=body).json()) == {"a": 1}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"\x00\x01\xff", b"\x00\x01\xff", id="binary"),
        pytest.param("é", b"\xc3\xa9", id="str-encoded-utf-8"),
        pytest.param(None, b"", id="no-body"),
    ],
)
def test_bytes_returns_the_body(body: bytes | str | None, expected: bytes) -> None:
    assert run(NextRequest("http://localhost/", method="POST", body=body).bytes()) == expected


async def _drain(request: NextRequest) -> bytes:
    return b"".join([chunk async for chunk in request.stream()])


READERS: dict[str, Callable[[NextRequest], Any]] = {
    "bytes": lambda r: r.bytes(),
    "text": lambda r: r.text(),
    "json": lambda r: r.json(),
    "stream": _drain,
}


@pytest.mark.parametrize("second", sorted(READERS))
@pytest.mark.parametrize("first", sorted(READERS))
def test_body_can_be_read_only_once(first: str, second: str) -> None:
    request = NextRequest("http://localhost/", method="POST", body=b"[1]")

    async def scenario() -> None:
        assert not request.body_used
        await READERS[first](request)
        assert request.body_used
        with pytest.raises(RuntimeError):
            await READERS[second](request)

    run(scenario())


@pytest.mark.parametrize(
    ("size", "fits"),
    [
        pytest.param(4 * 1024 * 1024, True, id="exactly-4-mib"),
        pytest.param(4 * 1024 * 1024 + 1, False, id="one-byte-over-4-mib"),
    ],
)
def test_default_body_limit_is_4_mib(size: int, fits: bool) -> None:
    request = NextRequest("http://localhost/", method="POST", body=b"x" * size)
    if fits:
        assert len(run(request.bytes())) == size
        return
    with pytest.raises(BodyTooLarge) as caught:
        run(request.bytes())
    assert caught.value.status == 413
    assert isinstance(caught.value, RequestError)
    assert not isinstance(caught.value, ValueError)


# -- from ASGI ----------------------------------------------------------------


def _scope(headers: list[tuple[bytes, bytes]]) -> Scope:
    return {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/api/x",
        "query_string": b"",
        "headers": headers,
        "server": ("127.0.0.1", 8000),
        "client": ("10.0.0.9", 5555),
    }


def test_stream_yields_the_body_chunk_by_chunk() -> None:
    sent = [b"ab", b"cd", b"e"]
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": i < len(sent) - 1}
        for i, chunk in enumerate(sent)
    ]

    async def receive() -> Message:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def scenario() -> list[bytes]:
        raw = [(b"transfer-encoding", b"chunked")]
        channel = BodyChannel(receive, has_body=True, content_length=None, pace=None)
        request = NextRequest.from_asgi(
            _scope(raw), channel, path="/api/x", query="", raw_headers=raw
        )
        try:
            return [chunk async for chunk in request.stream()]
        finally:
            channel.close()

    assert run(scenario()) == sent


# -- through the app ------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "headers", "url"),
    [
        pytest.param("/api/x?a=1", {}, "http://localhost:3000/api/x?a=1", id="plain"),
        pytest.param(
            "/api/x", {"Host": "evil.com"}, "http://localhost:3000/api/x", id="host-header-ignored"
        ),
        pytest.param(
            "/api/x",
            {"X-Forwarded-Host": "evil.com"},
            "http://localhost:3000/api/x",
            id="x-forwarded-host-ignored",
        ),
        pytest.param(
            "/api/x",
            {"X-Forwarded-Proto": "https"},
            "https://localhost:3000/api/x",
            id="x-forwarded-proto-https-switches-scheme",
        ),
        pytest.param(
            "/api/x?a=%20", {}, "http://localhost:3000/api/x?a=+", id="search-reserialised"
        ),
    ],
)
def test_request_url_uses_the_servers_own_origin(
    client_for: Callable[..., TestClient], path: str, headers: dict[str, str], url: str
) -> None:
    response = client_for(ECHO).get(path, headers=headers)
    assert response.status_code == 200
    assert response.json()["url"] == url


@pytest.mark.parametrize(
    ("server", "url"),
    [
        pytest.param(("example.com", 80), "http://example.com/api/x", id="int-port"),
        # granian sends the port as a string (ASGI says int).
        pytest.param(("example.com", "80"), "http://example.com/api/x", id="str-default-port"),
        pytest.param(("example.com", "8080"), "http://example.com:8080/api/x", id="str-port"),
    ],
)
def test_the_default_port_is_left_out_whatever_its_type(
    server: tuple[str, int | str], url: str
) -> None:
    scope = {**_scope([]), "server": server}
    request = NextRequest.from_asgi(scope, None, path="/api/x", query="", raw_headers=[])
    assert request.url == url


def test_request_method_is_the_http_method(client_for: Callable[..., TestClient]) -> None:
    assert client_for(ECHO).post("/api/x").json()["method"] == "POST"


@pytest.mark.parametrize(
    ("path", "search", "params"),
    [
        pytest.param("/api/x", "", [], id="no-query"),
        pytest.param("/api/x?a=1&b=2", "?a=1&b=2", [["a", "1"], ["b", "2"]], id="canonical-kept"),
        pytest.param("/api/x?a=%20", "?a=+", [["a", " "]], id="escaped-space-becomes-plus"),
        pytest.param("/api/x?flag", "?flag=", [["flag", ""]], id="bare-name-gets-equals"),
        pytest.param("/api/x?q=a+b", "?q=a+b", [["q", "a b"]], id="plus-is-space"),
        pytest.param("/api/x?a=~", "?a=%7E", [["a", "~"]], id="tilde-escaped-as-urlencoded"),
        pytest.param("/api/x?a=%41", "?a=A", [["a", "A"]], id="unreserved-escape-decoded"),
        pytest.param("/api/x?a=1;b=2", "?a=1%3Bb%3D2", [["a", "1;b=2"]], id="semicolon-no-split"),
        pytest.param(
            "/api/x?a=1&a=2", "?a=1&a=2", [["a", "1"], ["a", "2"]], id="repeated-name-kept"
        ),
    ],
)
def test_next_url_search_is_reserialised(
    client_for: Callable[..., TestClient], path: str, search: str, params: list[list[str]]
) -> None:
    body = client_for(ECHO).get(path).json()
    assert body["pathname"] == "/api/x"
    assert body["search"] == search
    assert body["params"] == params
    assert body["url"] == "http://localhost:3000/api/x" + search


@pytest.mark.parametrize(
    "mutator",
    [
        "pathname",
        "search",
        "hash",
        "search_params.set",
        "search_params.append",
        "search_params.delete",
        "search_params.sort",
    ],
)
def test_request_next_url_is_read_only_but_its_clone_is_mutable(
    client_for: Callable[..., TestClient], mutator: str
) -> None:
    path = f"/api/x?z=1&a=1&mutator={mutator}"
    body = client_for(MUTATE).get(path).json()
    assert body["original"] == "TypeError"
    assert body["url"] == "http://localhost:3000" + path
    assert body["clone"] != body["url"]


FORWARDED = {
    "x-forwarded-for": ["127.0.0.1"],  # httpx's ASGITransport peer
    "x-forwarded-host": ["localhost:3000"],  # the Host header
    "x-forwarded-port": ["3000"],
    "x-forwarded-proto": ["http"],
}


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param({}, FORWARDED, id="all-added"),
        pytest.param(
            {"X-Forwarded-For": "203.0.113.7"},
            {**FORWARDED, "x-forwarded-for": ["203.0.113.7"]},
            id="client-for-kept",
        ),
        pytest.param(
            {"X-Forwarded-Host": "a.example"},
            {**FORWARDED, "x-forwarded-host": ["a.example"]},
            id="client-host-kept",
        ),
        pytest.param(
            {"X-Forwarded-Port": "443"},
            {**FORWARDED, "x-forwarded-port": ["443"]},
            id="client-port-kept",
        ),
        pytest.param(
            {"X-Forwarded-Proto": "https"},
            {**FORWARDED, "x-forwarded-proto": ["https"]},
            id="client-proto-kept",
        ),
        pytest.param(
            {"Host": "evil.com"},
            {**FORWARDED, "x-forwarded-host": ["evil.com"]},
            id="host-header-forwarded",
        ),
    ],
)
def test_forwarded_headers_are_added_only_when_absent(
    client_for: Callable[..., TestClient], sent: dict[str, str], expected: dict[str, list[str]]
) -> None:
    headers = client_for(ECHO).get("/api/x", headers=sent).json()["headers"]
    assert {name: headers.get(name) for name in FORWARDED} == expected


def test_request_headers_are_visible_to_the_handler(
    client_for: Callable[..., TestClient],
) -> None:
    headers = client_for(ECHO).get("/api/x", headers={"X-Custom": "v1"}).json()["headers"]
    assert headers["x-custom"] == ["v1"]


@pytest.mark.parametrize(
    ("cookie", "expected"),
    [
        pytest.param("a=1; a=2", {"a": "2"}, id="last-duplicate-wins"),
        pytest.param("b=hello%20world", {"b": "hello world"}, id="percent-decoded"),
        pytest.param("a=%ZZ; b=1", {"b": "1"}, id="undecodable-pair-skipped"),
        pytest.param("flag; b=1", {"flag": "true", "b": "1"}, id="pair-without-equals-is-true"),
    ],
)
def test_request_cookies_through_the_app(
    client_for: Callable[..., TestClient], cookie: str, expected: dict[str, str]
) -> None:
    response = client_for(ECHO).get("/api/x", headers={"Cookie": cookie})
    assert response.json()["cookies"] == expected


def test_json_body_reaches_the_handler(client_for: Callable[..., TestClient]) -> None:
    response = client_for(BODY).post("/api/x", content=b'{"a": [1, "two"]}')
    assert response.status_code == 200
    assert response.json() == {"data": {"a": [1, "two"]}}


@pytest.mark.parametrize("body", INVALID_JSON)
def test_uncaught_invalid_json_is_400(client_for: Callable[..., TestClient], body: bytes) -> None:
    assert client_for(BODY).post("/api/x", content=body).status_code == 400


@pytest.mark.parametrize("body", INVALID_JSON)
def test_invalid_json_is_catchable_as_value_error(
    client_for: Callable[..., TestClient], body: bytes
) -> None:
    response = client_for(BODY).put("/api/x", content=body)
    assert response.status_code == 422
    assert response.text == "caught InvalidJSON"


@pytest.mark.parametrize(
    ("method", "content"),
    [
        pytest.param("POST", b"[" + b"1," * 600 + b"1]", id="json-content-length"),
        pytest.param("PUT", b"[" + b"1," * 600 + b"1]", id="json-except-value-error"),
        pytest.param("PATCH", b"x" * 1025, id="text"),
        pytest.param("DELETE", b"x" * 1025, id="bytes"),
        pytest.param("PUT", iter([b"[", b"1," * 600, b"1]"]), id="chunked-json-except-value-error"),
        pytest.param("DELETE", iter([b"x" * 600, b"x" * 600]), id="chunked-bytes"),
    ],
)
def test_body_over_the_limit_is_413_never_400(
    client_for: Callable[..., TestClient], method: str, content: Any
) -> None:
    client = client_for(BODY, body_size_limit="1kb")
    response = client.request(method, "/api/x", content=content)
    assert response.status_code == 413


def test_body_at_the_limit_is_read(client_for: Callable[..., TestClient]) -> None:
    client = client_for(BODY, body_size_limit="1kb")
    response = (
        client.delete("/api/x")
        if False
        else client.request("DELETE", "/api/x", content=b"y" * 1024)
    )
    assert response.status_code == 200
    assert response.content == b"y" * 1024


def test_stream_is_not_bound_by_the_body_limit(client_for: Callable[..., TestClient]) -> None:
    client = client_for(BODY, body_size_limit="1kb")
    response = client.request("OPTIONS", "/api/x", content=b"z" * 5000)
    assert response.status_code == 200
    assert response.json() == {"size": 5000}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"a\xffb", "a\ufffdb", id="invalid-utf-8-replaced"),
        pytest.param("é".encode(), "é", id="utf-8"),
    ],
)
def test_text_through_the_app(
    client_for: Callable[..., TestClient], body: bytes, expected: str
) -> None:
    response = client_for(BODY).patch("/api/x", content=body)
    assert response.status_code == 200
    assert response.text == expected
