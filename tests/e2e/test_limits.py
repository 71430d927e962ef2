"""Body limits and deadlines through a real uvicorn (both parsers).

413 before reading (also with ``Expect: 100-continue``), chunked over the
limit, a stalled body, multipart and urlencoded limits (docs/security.md,
"Limits and deadlines" and "Bodies") and the protocol head guard's treatment
of body bytes that share a read with the head.
The app runs with a 4 MiB body limit and a 0.5 s body deadline (conftest).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import BODY_LIMIT, BODY_TIMEOUT, assert_alive
from tests.support.raw import ResponseReader, connect, exchange, head
from tests.support.servers import RunningServer, get, raw_request

_TEN_GB = str(10 * 1024**3)


# --- Content-Length over the limit ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/json", id="json"),
        pytest.param("/api/body", id="bytes"),
        pytest.param("/api/json-caught", id="except-ValueError-does-not-catch-413"),
        pytest.param("/api/form", id="urlencoded-form"),
    ],
)
@pytest.mark.parametrize("expect", [False, True], ids=["plain", "expect-100-continue"])
def test_declared_length_over_limit_is_413_before_reading(
    server: RunningServer,
    path: str,
    expect: bool,
) -> None:
    headers = {"Content-Length": _TEN_GB, "Content-Type": "application/x-www-form-urlencoded"}
    if expect:
        headers["Expect"] = "100-continue"
    # Only the head is sent: a 413 proves approute did not wait for the body.
    result = exchange(
        server,
        head("POST", path, headers, close=False),
        wait_for_continue=expect,
        check_closed=True,
    )
    assert result.response is not None
    assert result.response.status == 413
    assert result.interim == [], "100 Continue was sent for a body that is refused"
    assert result.closed


def test_length_just_over_limit_is_413(server: RunningServer) -> None:
    headers = {"Content-Length": str(BODY_LIMIT + 1), "Expect": "100-continue"}
    result = exchange(server, head("POST", "/api/body", headers), wait_for_continue=True)
    assert result.response is not None
    assert result.response.status == 413
    assert result.interim == []


def test_body_at_the_limit_is_read(server: RunningServer) -> None:
    body = b"x" * BODY_LIMIT
    headers = {"Content-Length": str(len(body)), "Expect": "100-continue"}
    result = exchange(server, head("POST", "/api/body", headers), body, wait_for_continue=True)
    assert result.interim == [100]
    assert result.response is not None
    assert result.response.status == 200
    assert json.loads(result.response.body) == {"size": BODY_LIMIT}


def _post_whole_body(server: RunningServer, body: bytes | Iterator[bytes]) -> tuple[int, bytes]:
    """POST as Python's http.client does: the whole body first, then read."""
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        chunked = not isinstance(body, bytes)
        connection.request("POST", "/api/body", body=body, encode_chunked=chunked)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _chunks_of(total: int, chunk: int = 256 * 1024) -> Iterator[bytes]:
    for start in range(0, total, chunk):
        yield b"z" * min(chunk, total - start)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_client_sending_its_whole_body_first_sees_the_413(
    server: RunningServer, framing: str
) -> None:
    # 5 MiB over the 4 MiB limit: the rest is read and dropped before the
    # 413 and the close, so the client's read is not cut by a reset.
    size = 5 * 1024 * 1024
    body = b"x" * size if framing == "content-length" else _chunks_of(size)
    status, text = _post_whole_body(server, body)
    assert status == 413
    assert b"over the" in text
    assert_alive(server)


# --- chunked bodies ------------------------------------------------------------


def _chunked(total: int, chunk: int = 64 * 1024) -> bytes:
    out = bytearray()
    while total > 0:
        size = min(chunk, total)
        out += b"%x\r\n" % size + b"y" * size + b"\r\n"
        total -= size
    return bytes(out) + b"0\r\n\r\n"


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/body", id="bytes"),
        pytest.param("/api/json", id="json"),
        pytest.param("/api/json-caught", id="except-ValueError-does-not-catch-413"),
    ],
)
def test_chunked_body_over_limit_is_413_and_closes(server: RunningServer, path: str) -> None:
    headers = {"Transfer-Encoding": "chunked", "Expect": "100-continue"}
    result = exchange(
        server,
        head("POST", path, headers, close=False),
        _chunked(BODY_LIMIT + 1),
        wait_for_continue=True,
        check_closed=True,
    )
    assert result.response is not None
    assert result.response.status == 413
    assert result.response.header("connection") == "close"
    assert result.closed


def test_chunked_body_under_limit_is_read(server: RunningServer) -> None:
    headers = {"Transfer-Encoding": "chunked", "Expect": "100-continue"}
    result = exchange(
        server, head("POST", "/api/body", headers), _chunked(300_000, 1000), wait_for_continue=True
    )
    assert result.response is not None
    assert result.response.status == 200
    assert json.loads(result.response.body) == {"size": 300_000}


# --- the head guard and body bytes in the same read ----------------------------


@pytest.mark.parametrize(
    ("path", "content_type", "body", "status"),
    [
        pytest.param("/api/body", "application/octet-stream", b"x" * 100_000, 200, id="100KB"),
        pytest.param("/api/json", "application/json", b"[" * 100_000, 400, id="deep"),
        pytest.param(
            "/api/form",
            "application/x-www-form-urlencoded",
            b"a=1&" * 100_000,
            413,  # field count over the limit: 413, as for multipart
            id="100k-fields",
        ),
    ],
)
def test_body_sharing_a_read_with_its_head_is_not_431(
    server: RunningServer, path: str, content_type: str, body: bytes, status: int
) -> None:
    headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    # One write: on loopback the server's first read holds the head and
    # tens of KiB of body.
    response = raw_request(server, head("POST", path, headers) + body)
    assert response is not None
    assert response.status == status


# --- a stalled body --------------------------------------------------------------


def test_stalled_body_is_408_within_the_deadline(server: RunningServer) -> None:
    started = time.monotonic()
    with connect(server, timeout=BODY_TIMEOUT + 5) as sock:
        sock.sendall(head("POST", "/api/body", {"Content-Length": "100"}, close=False) + b"z" * 10)
        # Meanwhile, other clients are served.
        other = raw_request(server, get("/api/echo"))
        assert other is not None
        assert other.status == 200
        reader = ResponseReader(sock)
        response = reader.read()
        assert response is not None
        assert response.status == 408
        assert response.header("connection") == "close"
        assert reader.closed()
    # Bounded, not exact: the deadline fired, well before the socket timeout.
    assert time.monotonic() - started < BODY_TIMEOUT + 5


# --- multipart -------------------------------------------------------------------

_BOUNDARY = "XyZ"


def _multipart(parts: list[bytes], boundary: str = _BOUNDARY, *, closing: bool = True) -> bytes:
    out = b"".join(b"--" + boundary.encode() + b"\r\n" + part for part in parts)
    if closing:
        out += b"--" + boundary.encode() + b"--\r\n"
    return out


def _field(name: str, value: bytes) -> bytes:
    return f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"


def _file(name: str, filename: str, content_type: str, content: bytes) -> bytes:
    return (
        (
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )


def post_form(server: RunningServer, body: bytes, content_type: str) -> tuple[int, bytes]:
    """POST a form; the body follows ``100 Continue`` so it never shares a
    read with the head (see test_body_sharing_a_read_with_its_head_is_not_431)."""
    headers = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Expect": "100-continue",
    }
    result = exchange(server, head("POST", "/api/form", headers), body, wait_for_continue=True)
    assert result.response is not None
    return result.response.status, result.response.body


_MP = f"multipart/form-data; boundary={_BOUNDARY}"


@pytest.mark.parametrize(
    ("content_type", "body", "statuses"),
    [
        pytest.param(
            "multipart/form-data", _multipart([_field("a", b"1")]), {400}, id="no-boundary"
        ),
        pytest.param(
            "multipart/form-data; boundary=" + "b" * 71,
            _multipart([_field("a", b"1")], "b" * 71),
            {400},
            id="boundary-over-70",
        ),
        pytest.param(
            _MP, _multipart([_field("a", b"1")], closing=False), {400}, id="no-closing-boundary"
        ),
        pytest.param(_MP, b"", {400}, id="empty-body"),
        pytest.param(
            _MP, b"junk" * 1000 + b"\r\n" + _multipart([_field("a", b"1")]), {400}, id="preamble"
        ),
        pytest.param(
            _MP,
            _multipart([b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + _field("a", b"1")]),
            {400},
            id="10000-part-headers",
        ),
        pytest.param(
            _MP,
            _multipart([b"Content-Disposition: form-data\r\n\r\nv\r\n"]),
            {400},
            id="part-without-name",
        ),
        pytest.param(
            _MP,
            _multipart([_field(f"f{i}", b"1") for i in range(2000)]),
            {400, 413},
            id="2000-fields",
        ),
        pytest.param(
            _MP,
            _multipart([_file(f"f{i}", "a.txt", "text/plain", b"x") for i in range(2000)]),
            {400, 413},
            id="2000-files",
        ),
        pytest.param(
            _MP, _multipart([_field("a", b"x" * (2 * 1024 * 1024))]), {413}, id="2MiB-text-field"
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"a=1&" * 100_000,
            {400, 413},
            id="urlencoded-100k-fields",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            b"a=" + b"x" * BODY_LIMIT,
            {413},
            id="urlencoded-over-limit",
        ),
    ],
)
def test_bad_form_body_is_refused(
    server: RunningServer, content_type: str, body: bytes, statuses: set[int]
) -> None:
    started = time.monotonic()
    status, text = post_form(server, body, content_type)
    assert status in statuses, text[:200]
    assert b"Traceback" not in text
    # Refused quickly, not parsed at length (a generous bound, not a timing
    # measurement).
    assert time.monotonic() - started < 5


def test_urlencoded_semicolon_is_not_a_separator(server: RunningServer) -> None:
    status, body = post_form(server, b"a=1;b=2", "application/x-www-form-urlencoded")
    assert status == 200
    assert json.loads(body)["fields"] == [{"name": "a", "value": "1;b=2", "length": 5}]


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        pytest.param("report.bin", bytes(range(256)) * 4 + b"\r\n--Xy\r\n--\r\n", id="binary"),
        pytest.param("../../etc/passwd", b"root:x:0:0\n", id="traversal-name-is-metadata"),
        pytest.param("big.bin", b"\x00\xff" * (768 * 1024), id="1.5MiB-spooled-to-disk"),
    ],
)
def test_file_upload_round_trips(server: RunningServer, filename: str, content: bytes) -> None:
    body = _multipart(
        [_file("upload", filename, "application/x-test", content), _field("note", b"hi")]
    )
    status, text = post_form(server, body, _MP)
    assert status == 200, text[:200]
    data = json.loads(text)
    assert data["count"] == 2
    assert data["fields"] == [
        {
            "name": "upload",
            "filename": filename,
            "type": "application/x-test",
            "size": len(content),
            "sha256": hashlib.sha256(content).hexdigest(),
        },
        {"name": "note", "value": "hi", "length": 2},
    ]


def test_server_still_serves_after_module(server: RunningServer) -> None:
    assert server.running()
    assert_alive(server)
