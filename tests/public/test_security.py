"""public/ through every supported server (uvicorn with both parsers,
granian): path escapes never reach a file outside public/ (path traversal,
symlinks), hostile Range headers (5000 ranges, absurd numbers), unparsable
conditional headers, HEAD, 405, a 5 MiB file. docs/public-files.md
("Security", "Range requests") describes them.

The app under test is the pipeline's public/ step and nothing else: the raw
path goes through ``normalize_path``, then ``PublicFiles.lookup`` and
``serve_file``; a miss is a 404, a ``BadRequest`` a 400.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute._types import ASGIApp, Receive, Scope, Send
from approute.errors import BadRequest
from approute.http.headers import Headers
from approute.http.paths import normalize_path
from approute.public import PublicFiles, serve_file
from tests.support.servers import (
    SERVER_KINDS,
    RawResponse,
    RunningServer,
    ServerKind,
    get,
    raw_request,
    run_server,
)

SECRET = b"TOP SECRET outside public"
HELLO = b"hello from public\n"
BIG = 5 * 1024 * 1024


def public_app(files: PublicFiles) -> ASGIApp:
    """The public/ step exactly as the pipeline runs it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        try:
            normalized = normalize_path(raw_path, scope.get("query_string", b""))
        except BadRequest:
            await _bare(send, 400)
            return
        if normalized.redirect is not None:
            await _bare(send, 308, [(b"location", normalized.redirect.encode("latin-1"))])
            return
        found = files.lookup(normalized.path)
        headers = Headers.from_asgi(scope["headers"])
        if found is None or not await serve_file(found, scope["method"], headers, send):
            await _bare(send, 404)

    return app


async def _bare(send: Send, status: int, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    pairs = [*(headers or []), (b"content-length", b"0")]
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": b""})


def _site(root: Path) -> Path:
    public = root / "public"
    secret_dir = root / "public_secret"
    for folder in (public / ".well-known", public / "docs", secret_dir):
        folder.mkdir(parents=True)
    (secret_dir / "secret.txt").write_bytes(SECRET)
    (root / "secret.txt").write_bytes(SECRET)
    (public / "hello.txt").write_bytes(HELLO)
    (public / ".well-known" / "security.txt").write_bytes(b"Contact: x")
    (public / "docs" / "page.html").write_bytes(b"<p>page</p>")
    (public / ".env").write_bytes(SECRET)
    (public / "%2e%2e").write_bytes(b"literal name")
    (public / "a\\..\\..\\public_secret\\secret.txt").write_bytes(b"inside public")
    (public / "big.bin").write_bytes(_big())
    (public / "link").symlink_to("../public_secret", target_is_directory=True)
    (public / "sneaky.txt").symlink_to("../public_secret/secret.txt")
    (public / "up").symlink_to("..", target_is_directory=True)
    (public / "alias.txt").symlink_to("hello.txt")
    (public / "gone.txt").write_bytes(b"soon deleted")
    return public


def _big() -> bytes:
    return hashlib.sha256(b"seed").digest() * (BIG // 32)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> PublicFiles:
    public = _site(tmp_path_factory.mktemp("site"))
    files = PublicFiles.scan(public)
    (public / "gone.txt").unlink()  # deleted after startup
    (public / "late.txt").write_bytes(b"added after startup")
    return files


@pytest.fixture(scope="module", params=SERVER_KINDS)
def server(request: pytest.FixtureRequest, site: PublicFiles) -> Iterator[RunningServer]:
    kind: ServerKind = request.param
    with run_server(public_app(site), kind) as running:
        yield running


def fetch(
    server: RunningServer, path: str, *, headers: str = "", method: str = "GET"
) -> RawResponse:
    response = raw_request(server, get(path, headers=headers, method=method))
    assert response is not None, "the server closed the connection without answering"
    return response


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/../public_secret/secret.txt", id="raw-dotdot"),
        pytest.param("/../secret.txt", id="raw-dotdot-root"),
        pytest.param("/docs/../../public_secret/secret.txt", id="raw-dotdot-nested"),
        pytest.param("/%2e%2e/public_secret/secret.txt", id="encoded-dotdot"),
        pytest.param("/%2E%2E/%2e%2E/secret.txt", id="encoded-dotdot-upper"),
        pytest.param("/.%2e/public_secret/secret.txt", id="half-encoded-dotdot"),
        pytest.param("/..%2fpublic_secret/secret.txt", id="encoded-slash"),
        pytest.param("/%2e%2e%2fpublic_secret%2fsecret.txt", id="all-encoded"),
        pytest.param("/..%5cpublic_secret%5csecret.txt", id="encoded-backslash"),
        pytest.param("/..%5Cpublic_secret%5Csecret.txt", id="encoded-backslash-upper"),
        pytest.param("/..\\public_secret\\secret.txt", id="raw-backslash"),
        pytest.param("/hello.txt/..", id="file-then-dotdot"),
        pytest.param("/hello.txt%00.png", id="nul"),
        pytest.param("/secret.txt%00", id="trailing-nul"),
        pytest.param("/public/hello.txt", id="public-prefix"),
        pytest.param("/public_secret/secret.txt", id="sibling-prefix-CVE-2023-29159"),
        pytest.param("/link/secret.txt", id="symlink-dir-outside"),
        pytest.param("/sneaky.txt", id="symlink-file-outside"),
        pytest.param("/up/public_secret/secret.txt", id="symlink-to-parent"),
        pytest.param("/up/secret.txt", id="symlink-to-parent-root"),
        pytest.param("/.env", id="dotfile"),
        pytest.param("/%2eenv", id="encoded-dotfile"),
        pytest.param("//public_secret/secret.txt", id="double-slash"),
        pytest.param("/%252e%252e/secret.txt", id="double-encoded-dotdot"),
    ],
)
def test_paths_never_reach_files_outside_public(server: RunningServer, path: str) -> None:
    response = fetch(server, path)
    assert response.status in (308, 400, 404), (response.status, response.body[:80])
    assert SECRET not in response.body
    if response.status == 308:
        # The collapsed path is asked for again and still does not escape.
        location = response.header("location")
        assert location is not None
        again = fetch(server, location)
        assert again.status in (400, 404)
        assert SECRET not in again.body


@pytest.mark.parametrize(
    ("path", "body"),
    [
        pytest.param("/hello.txt", HELLO, id="plain"),
        pytest.param("/hello%2Etxt", HELLO, id="encoded-dot"),
        pytest.param("/docs/../hello.txt", HELLO, id="dotdot-inside"),
        pytest.param("/alias.txt", HELLO, id="symlink-inside"),
        pytest.param("/.well-known/security.txt", b"Contact: x", id="well-known"),
        pytest.param("/%252e%252e", b"literal name", id="file-named-%2e%2e"),
        pytest.param(
            "/a%5C..%5C..%5Cpublic_secret%5Csecret.txt", b"inside public", id="backslash-name"
        ),
    ],
)
def test_files_inside_public_are_served(server: RunningServer, path: str, body: bytes) -> None:
    response = fetch(server, path)
    assert (response.status, response.body) == (200, body)


def test_get_has_next_js_headers(server: RunningServer) -> None:
    response = fetch(server, "/docs/page.html")
    assert response.status == 200
    assert response.header("content-type") == "text/html; charset=UTF-8"
    assert response.header("cache-control") == "public, max-age=0"
    assert response.header("accept-ranges") == "bytes"
    assert response.header("content-length") == "11"
    assert (response.header("etag") or "").startswith('W/"b-')
    assert (response.header("last-modified") or "").endswith(" GMT")


def test_head_has_the_headers_and_no_body(server: RunningServer) -> None:
    response = fetch(server, "/hello.txt", method="HEAD")
    assert response.status == 200
    assert response.header("content-length") == str(len(HELLO))
    assert response.header("etag") is not None
    assert response.body == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PROPFIND"])
def test_other_methods_get_405_with_allow(server: RunningServer, method: str) -> None:
    response = fetch(server, "/hello.txt", method=method, headers="Content-Length: 0\r\n")
    assert (response.status, response.body) == (405, b"")
    assert response.header("allow") == "GET, HEAD"


def test_conditional_get_round_trip(server: RunningServer) -> None:
    first = fetch(server, "/hello.txt")
    etag, modified = first.header("etag"), first.header("last-modified")
    assert fetch(server, "/hello.txt", headers=f"If-None-Match: {etag}\r\n").status == 304
    assert fetch(server, "/hello.txt", headers=f"If-Modified-Since: {modified}\r\n").status == 304
    garbage = 'If-None-Match: ""x\r\nIf-Modified-Since: garbage\r\nAccept-Encoding: ;;;\r\n'
    assert (fetch(server, "/hello.txt", headers=garbage).status) == 200


@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        pytest.param("bytes=0-4", 206, HELLO[:5], id="range"),
        pytest.param("bytes=-6", 206, HELLO[-6:], id="suffix"),
        pytest.param("bytes=" + "0-0," * 5000, 206, HELLO[:1], id="5000-ranges"),
        pytest.param("bytes=99999999999999999999-", 416, b"", id="absurd-start"),
        pytest.param("bytes=-0", 416, b"", id="empty-suffix"),
        pytest.param("bytes=5-1", 416, b"", id="backwards"),
        pytest.param("items=0-1", 200, HELLO, id="other-unit"),
        pytest.param("bytes=0-1,4-5", 200, HELLO, id="two-ranges"),
    ],
)
def test_range_requests_over_the_wire(
    server: RunningServer, value: str, status: int, body: bytes
) -> None:
    response = fetch(server, "/hello.txt", headers=f"Range: {value}\r\n")
    assert (response.status, response.body) == (status, body)


def test_large_file_is_streamed_whole(server: RunningServer) -> None:
    response = fetch(server, "/big.bin")
    assert response.status == 200
    assert response.header("content-length") == str(BIG)
    assert hashlib.sha256(response.body).digest() == hashlib.sha256(_big()).digest()


def test_files_deleted_or_added_after_startup_are_404(server: RunningServer) -> None:
    assert fetch(server, "/gone.txt").status == 404
    assert fetch(server, "/late.txt").status == 404


def test_a_symlink_swapped_in_after_startup_is_not_followed(
    tmp_path: Path, server_kind: ServerKind
) -> None:
    public = tmp_path / "public"
    public.mkdir()
    (public / "x.txt").write_text("x")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    files = PublicFiles.scan(public)
    os.unlink(public / "x.txt")
    os.symlink(tmp_path / "secret.txt", public / "x.txt")
    with run_server(public_app(files), server_kind) as running:
        response = fetch(running, "/x.txt")
    assert response.status == 404
    assert SECRET not in response.body
