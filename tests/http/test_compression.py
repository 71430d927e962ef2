"""gzip responses (config ``compress = True``, the default), as Next.js."""

from __future__ import annotations

import gzip

import pytest

from approute.app import create_app
from approute.http.compression import accepts_gzip, is_compressible
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ROUTES = {
    "app/api/json/route.py": "from approute import NextResponse\n"
    "def GET(request):\n    return NextResponse.json({'hello': 'world'})\n",
    "app/api/png/route.py": "from approute import Response\n"
    "def GET(request):\n    return Response(b'\\x89PNG', headers={'content-type': 'image/png'})\n",
    "app/api/stream/route.py": "from approute import Response\n"
    "async def GET(request):\n"
    "    async def body():\n        yield b'a' * 100\n        yield b'b' * 100\n"
    "    return Response(body(), headers={'content-type': 'text/plain'})\n",
    "app/api/encoded/route.py": "from approute import Response\n"
    "def GET(request):\n"
    "    return Response(b'raw', headers={'content-type': 'text/plain', "
    "'content-encoding': 'br'})\n",
}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(b"gzip", True, id="gzip"),
        pytest.param(b"gzip, deflate, br", True, id="list"),
        pytest.param(b"br;q=1.0, gzip;q=0.8", True, id="quality"),
        pytest.param(b"*", True, id="star"),
        pytest.param(b"gzip;q=0", False, id="refused"),
        pytest.param(b"identity", False, id="identity"),
        pytest.param(b"xgzip", False, id="not-a-token"),
        pytest.param(b";;;", False, id="garbage"),
        pytest.param(b"GZIP", True, id="case-insensitive"),
        pytest.param(b"gzip ; q = 0", False, id="spaced-refusal"),
        pytest.param(b"gzip;q=abc", False, id="bad-quality-ignored"),
        pytest.param(b"gzip;q=abc, *", True, id="bad-quality-then-star"),
        pytest.param(b"br, *;q=0", False, id="star-refused"),
        pytest.param(b"gzip;level=9", True, id="other-parameter"),
        pytest.param(b"gzip" + b" " * 16_000 + b"x", False, id="long-garbage"),
    ],
)
def test_accepts_gzip(header: bytes, expected: bool) -> None:
    assert accepts_gzip(header) is expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        pytest.param(b"text/html; charset=utf-8", True, id="html"),
        pytest.param(b"application/json", True, id="json"),
        pytest.param(b"application/problem+json", True, id="plus-json"),
        pytest.param(b"image/svg+xml", True, id="svg"),
        pytest.param(b"image/png", False, id="png"),
        pytest.param(b"application/octet-stream", False, id="binary"),
    ],
)
def test_is_compressible(content_type: bytes, expected: bool) -> None:
    assert is_compressible(content_type) is expected


@pytest.fixture
def client(make_project: ProjectFactory) -> TestClient:
    return TestClient(create_app(make_project(ROUTES)))


def test_json_is_gzipped_when_accepted(client: TestClient) -> None:
    response = client.get("/api/json", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["vary"] == "Accept-Encoding"
    assert "content-length" not in response.headers
    assert response.json() == {"hello": "world"}


def test_no_gzip_without_accept_encoding(client: TestClient) -> None:
    response = client.get("/api/json", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(b'{"hello":"world"}'))


@pytest.mark.parametrize("path", ["/api/png", "/api/encoded"])
def test_incompressible_or_encoded_bodies_are_left_alone(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") != "gzip"


def test_head_is_never_gzipped(client: TestClient) -> None:
    response = client.head("/api/json", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert response.content == b""


def test_streams_are_gzipped_chunk_by_chunk(client: TestClient) -> None:
    with client.stream("GET", "/api/stream", headers={"accept-encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert gzip.decompress(raw) == b"a" * 100 + b"b" * 100


def test_compress_false_turns_it_off(make_project: ProjectFactory) -> None:
    root = make_project({**ROUTES, "approute.config.py": "compress = False\n"})
    response = TestClient(create_app(root)).get("/api/json", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in response.headers


def test_explicit_gzip_q0_beats_a_star() -> None:
    assert accepts_gzip(b"gzip;q=0, *") is False
    assert accepts_gzip(b"*, gzip;q=0") is False


def test_existing_vary_gets_accept_encoding(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/route.py": "from approute import Response\n"
            "def GET(request):\n"
            "    return Response('x', headers={'vary': 'Origin'})\n"
        }
    )
    response = TestClient(create_app(root)).get("/", headers={"accept-encoding": "gzip"})
    assert response.headers["vary"] == "Origin, Accept-Encoding"
