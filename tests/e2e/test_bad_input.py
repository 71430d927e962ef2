"""Bad input through a real uvicorn (both parsers): paths, queries, headers,
JSON and form bodies, methods, handler errors, internal headers.

docs/security.md lists the defences and docs/deviations.md where the answers
differ from Next.js. Every request goes over a raw socket, so the attack bytes
reach the server as written.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest

import approute
from tests.e2e.conftest import assert_alive
from tests.support.raw import exchange, head
from tests.support.servers import RawResponse, RunningServer, ServerKind, get, raw_request

_INTERNAL_PREFIXES = ("x-middleware-", "x-nextjs-", "x-approute-")
_SOURCE_ROOT = str(Path(approute.__file__).resolve().parent.parent).encode()
ECHO_ALLOW = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


def send(server: RunningServer, request: bytes) -> RawResponse:
    response = raw_request(server, request)
    assert response is not None, "the server closed the connection without answering"
    return response


def echo(response: RawResponse) -> dict[str, Any]:
    assert response.status == 200, (response.status, response.body[:200])
    data: dict[str, Any] = json.loads(response.body)
    return data


def assert_no_internals(response: RawResponse) -> None:
    """Nothing leaks: no traceback, no server file path, no internal header."""
    assert b"Traceback" not in response.body
    assert b".py" not in response.body
    assert _SOURCE_ROOT not in response.body
    assert tempfile.gettempdir().encode() not in response.body
    for name, _ in response.headers:
        assert not name.lower().startswith(("x-middleware-", "x-nextjs-")), name
        assert not (name.lower().startswith("x-approute-") and name.lower() != "x-approute-cache")


# --- paths: bad escapes, encoded NUL, odd request targets --------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/users/%ZZ", id="bad-hex-in-param"),
        pytest.param("/%", id="lone-percent"),
        pytest.param("/api/echo/%2", id="truncated-escape"),
        pytest.param("/%E0%A4%A", id="truncated-utf8-escape"),
        pytest.param("/%C0%AF", id="overlong-utf8"),
        pytest.param("/api/users/%E0%A4%A", id="bad-utf8-in-param"),
        pytest.param("/api/users/%FF", id="invalid-utf8-byte-in-param"),
        pytest.param("/api/echo%00", id="nul-after-route"),
        pytest.param("/api/users/a%00b", id="nul-in-param"),
        pytest.param("/%00/../api/echo", id="nul-in-dot-resolved-segment"),
    ],
)
def test_malformed_path_is_400(server: RunningServer, path: str) -> None:
    response = send(server, get(path))
    assert response.status == 400
    assert_no_internals(response)


_ABSOLUTE_FORM = [
    pytest.param("http://evil.example/api/echo", "GET", id="absolute-form"),
    pytest.param("http://evil.example/api/echo?q=1", "GET", id="absolute-form-q"),
    pytest.param("https://127.0.0.1/api/echo", "POST", id="absolute-form-post"),
]


@pytest.mark.parametrize(
    ("target", "method"),
    [
        pytest.param("@evil.example", "GET", id="at-host"),
        pytest.param("*", "GET", id="asterisk-on-get"),
        pytest.param("*", "OPTIONS", id="options-asterisk"),
        pytest.param("api/echo", "GET", id="no-leading-slash"),
    ],
)
def test_non_origin_form_target_is_400_never_a_route(
    server: RunningServer,
    target: str,
    method: str,
) -> None:
    response = send(server, get(target, method=method))
    assert response.status == 400
    assert response.header("content-type") != "application/json"


@pytest.mark.parametrize(("target", "method"), _ABSOLUTE_FORM)
def test_absolute_form_target_never_reaches_the_app_with_its_authority(
    server: RunningServer, target: str, method: str
) -> None:
    # uvicorn's guarded protocols refuse it (400). granian accepts it, as RFC
    # 9112 §3.2.2 asks of a server, and keeps only the path: the authority in
    # the target is dropped (docs/deploy.md). Either way no request sees it.
    response = send(server, get(target, method=method))
    if server.kind != "granian":
        assert response.status == 400
        assert response.header("content-type") != "application/json"
        return
    assert response.status == 200
    seen = echo(response)
    assert seen["pathname"] == "/api/echo"
    assert seen["url"].startswith(server.url)
    assert "evil.example" not in response.body.decode()


@pytest.mark.parametrize(
    ("path", "location"),
    [
        pytest.param("//api/echo", "/api/echo", id="leading-double-slash"),
        pytest.param("/api//echo", "/api/echo", id="inner-double-slash"),
        pytest.param("///api///echo", "/api/echo", id="slash-runs"),
        pytest.param("/api/echo/", "/api/echo", id="trailing-slash"),
        pytest.param("/api/echo/?a=1&b", "/api/echo?a=1&b", id="trailing-slash-keeps-query"),
        pytest.param("/api\\echo", "/api/echo", id="backslash"),
        pytest.param("//evil.example/", "/evil.example", id="never-protocol-relative"),
        pytest.param("/\\evil.example", "/evil.example", id="backslash-never-protocol-relative"),
        pytest.param("//", "/", id="root-double-slash"),
    ],
)
def test_slash_spellings_redirect_308_relative(
    server: RunningServer, path: str, location: str
) -> None:
    response = send(server, get(path))
    assert response.status == 308
    assert response.header("location") == location
    assert response.body == location.encode()
    assert response.header("refresh") == f"0;url={location}"
    assert response.header("content-type") is None


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/x/../api/echo", id="dotdot"),
        pytest.param("/x/%2e%2e/api/echo", id="encoded-dotdot"),
        pytest.param("/x/%2E%2E/api/echo", id="encoded-dotdot-upper"),
        pytest.param("/x/.%2e/api/echo", id="half-encoded-dotdot"),
        pytest.param("/../../api/echo", id="clamped-at-root"),
        pytest.param("/%2e%2e/%2e%2e/%2e%2e/api/echo", id="encoded-clamped-at-root"),
        pytest.param("/api/./echo", id="dot"),
        pytest.param("/api/%2e/echo", id="encoded-dot"),
        pytest.param("/api/echo/x/..", id="trailing-dotdot-no-redirect"),
    ],
)
def test_dot_segments_resolve_to_the_route(server: RunningServer, path: str) -> None:
    data = echo(send(server, get(path)))
    assert data["pathname"] == "/api/echo"
    assert data["url"] == f"{server.url}/api/echo"


def test_dot_segments_in_front_of_a_param_resolve(server: RunningServer) -> None:
    response = send(server, get("/api/users/1/../%2e%2e/users/7"))
    assert response.status == 200
    assert json.loads(response.body) == {"id": "7"}


@pytest.mark.parametrize("path", ["/..", "/%2e%2e/..", "/./."])
def test_dot_segments_clamp_at_root(server: RunningServer, path: str) -> None:
    # The project has no root route: the clamped path is "/" → 404 page.
    response = send(server, get(path))
    assert response.status == 404
    assert response.header("content-type") == "text/html; charset=utf-8"


# --- query strings: too many params, bad escapes ------------------------------


@pytest.mark.parametrize(
    ("count", "status"),
    [
        pytest.param(1000, 200, id="1000-params-ok"),
        pytest.param(1001, 400, id="1001-params"),
        pytest.param(3000, 400, id="3000-params"),
    ],
)
def test_query_param_count_limit(server: RunningServer, count: int, status: int) -> None:
    query = "&".join("a" for _ in range(count))
    response = send(server, get(f"/api/echo?{query}"))
    assert response.status == status
    if status == 200:
        assert len(json.loads(response.body)["query"]) == count


@pytest.mark.parametrize(
    ("query", "pairs"),
    [
        pytest.param(
            "a=%ZZ&b=%FF&c",
            [["a", "%ZZ"], ["b", "\ufffd"], ["c", ""]],
            id="bad-escapes-kept-or-replaced",
        ),
        pytest.param("a=1;b=2", [["a", "1;b=2"]], id="semicolon-is-not-a-separator"),
        pytest.param("a=1&a=2", [["a", "1"], ["a", "2"]], id="repeated-name"),
        pytest.param("a=%", [["a", "%"]], id="lone-percent"),
        pytest.param("+=%20&&=x", [[" ", " "], ["", "x"]], id="plus-space-empty-name"),
    ],
)
def test_query_decoding_is_lenient(
    server: RunningServer, query: str, pairs: list[list[str]]
) -> None:
    assert echo(send(server, get(f"/api/echo?{query}")))["query"] == pairs


# --- headers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "header_lines",
    [
        pytest.param(b"X-A: a\rb\r\n", id="cr-in-value"),
        pytest.param(b"X-A: a\x00b\r\n", id="nul-in-value"),
        pytest.param(b"X-A: a\nX-B: b\r\n", id="bare-lf-in-value"),
        pytest.param(b"X A: b\r\n", id="space-in-name"),
        pytest.param(b"X-A : b\r\n", id="space-before-colon"),
    ],
)
def test_header_framing_errors_are_400(
    server: RunningServer,
    header_lines: bytes,
) -> None:
    raw = b"GET /api/echo HTTP/1.1\r\nHost: x\r\n" + header_lines + b"Connection: close\r\n\r\n"
    response = send(server, raw)
    if server.kind == "granian" and b"\nX-B" in header_lines:
        # granian takes a bare LF as a line end (RFC 9112 §2.2 allows it):
        # two headers, never one value holding a line break (docs/deploy.md).
        assert response.status == 200
        headers = dict(echo(response)["headers"])
        assert (headers["x-a"], headers["x-b"]) == ("a", "b")
        return
    assert response.status == 400


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("X-Big: " + "a" * 65536 + "\r\n", id="64KiB-header"),
        pytest.param("X-Big: " + "a" * 20000 + "\r\n", id="20KB-header-over-16KiB"),
        pytest.param("".join(f"X-H{i}: v\r\n" for i in range(200)), id="200-headers"),
        pytest.param("".join(f"X-H{i}: v\r\n" for i in range(99)), id="101-headers"),
        pytest.param("".join(f"X-H{i}: {'v' * 200}\r\n" for i in range(90)), id="90-headers-18KB"),
    ],
)
def test_oversized_head_is_431(server: RunningServer, extra: str) -> None:
    response = send(server, get("/api/echo", headers=extra))
    assert response.status == 431


def test_request_line_over_16_KiB_is_431(server: RunningServer) -> None:
    response = send(server, get("/api/echo?a=" + "x" * 100_000))
    assert response.status == 431


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param("".join(f"X-H{i}: v\r\n" for i in range(98)), id="100-headers"),
        pytest.param("X-Big: " + "a" * 15000 + "\r\n", id="15KB-header"),
    ],
)
def test_head_at_the_limits_is_served(server: RunningServer, extra: str) -> None:
    assert send(server, get("/api/echo", headers=extra)).status == 200


@pytest.mark.parametrize(
    ("raw_value", "decoded"),
    [
        pytest.param(b"\xff\xfe", "\xff\xfe", id="high-bytes"),
        pytest.param(b"caf\xc3\xa9", "caf\xc3\xa9", id="utf8-bytes-read-as-latin1"),
        pytest.param(b"a\tb", "a\tb", id="tab-inside-value"),
    ],
)
def test_non_ascii_header_bytes_decode_as_latin1(
    server: RunningServer, raw_value: bytes, decoded: str
) -> None:
    raw = (
        b"GET /api/echo HTTP/1.1\r\nHost: x\r\nX-A: " + raw_value + b"\r\nConnection: close\r\n\r\n"
    )
    headers = echo(send(server, raw))["headers"]
    assert ["x-a", decoded] in headers


@pytest.mark.parametrize(
    "host_lines",
    [
        pytest.param(b"Host: evil.example/admin?\r\n", id="slash-and-query"),
        pytest.param(b"Host: a b@c\r\n", id="space-and-at"),
        pytest.param(b"Host: x#y\r\n", id="hash"),
        pytest.param(b"Host: [::1\r\n", id="broken-ipv6"),
        pytest.param(b"Host: evil.example:99999\r\n", id="bad-port"),
        pytest.param(b"Host:\r\n", id="empty"),
        pytest.param(b"", id="missing"),
        pytest.param(b"Host: a\r\nHost: b\r\n", id="duplicated"),
    ],
)
def test_bad_host_never_changes_the_path(server: RunningServer, host_lines: bytes) -> None:
    # Starlette CVE-2026-48710 (docs/security.md, "The URL does not come from the
    # client"): 400, or served with the server's own origin and the request's
    # path; never a path or origin taken from the Host header.
    raw = b"GET /api/echo?k=v HTTP/1.1\r\n" + host_lines + b"Connection: close\r\n\r\n"
    response = send(server, raw)
    assert response.status in (200, 400)
    if response.status == 200:
        data = echo(response)
        assert data["pathname"] == "/api/echo"
        assert data["url"] == f"{server.url}/api/echo?k=v"
        assert data["query"] == [["k", "v"]]


# --- internal headers (CVE-2025-29927 and Next.js's other internal headers) ---


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(
            "x-middleware-subrequest: middleware:middleware:middleware:middleware:middleware",
            id="x-middleware-subrequest",
        ),
        pytest.param("X-Middleware-Subrequest: src/middleware", id="mixed-case"),
        pytest.param("X-MIDDLEWARE-SUBREQUEST-ID: 1", id="subrequest-id-upper"),
        pytest.param("x-middleware-rewrite: /admin", id="x-middleware-rewrite"),
        pytest.param("x-middleware-override-headers: authorization", id="override"),
        pytest.param("x-approute-foo: 1", id="x-approute-foo"),
        pytest.param("x-approute-cache: HIT", id="x-approute-cache"),
        pytest.param("x-nextjs-data: 1", id="x-nextjs-data"),
        pytest.param("x_middleware_subrequest: middleware", id="underscore"),
    ],
)
def test_internal_request_headers_never_reach_the_handler(
    server: RunningServer, header: str
) -> None:
    response = send(server, get("/api/echo", headers=f"{header}\r\nx-kept: yes\r\n"))
    names = [name.replace("_", "-") for name, _ in echo(response)["headers"]]
    assert "x-kept" in names
    assert not [name for name in names if name.startswith(_INTERNAL_PREFIXES)]
    assert_no_internals(response)


# --- JSON and form bodies -------------------------------------------------------


def post(
    server: RunningServer, path: str, body: bytes, content_type: str | None = "application/json"
) -> RawResponse:
    """POST ``body``; over 8 KiB it is sent after ``100 Continue`` so the head
    and the body never share a read (that case is test_limits'
    ``test_body_sharing_a_read_with_its_head_is_not_431``)."""
    headers = {"Content-Length": str(len(body))}
    if content_type is not None:
        headers["Content-Type"] = content_type
    large = len(body) > 8192
    if large:
        headers["Expect"] = "100-continue"
    result = exchange(server, head("POST", path, headers), body, wait_for_continue=large)
    assert result.response is not None
    return result.response


_BAD_JSON = [
    pytest.param(b'{"a":', id="truncated"),
    pytest.param(b"[" * 100_000, id="deep-nesting"),
    pytest.param(b'"\xff\xfe"', id="invalid-utf8"),
    pytest.param(b"NaN", id="NaN"),
    pytest.param(b"Infinity", id="Infinity"),
    pytest.param(b"1" * 5000, id="5000-digits"),
    pytest.param(b"", id="empty"),
    pytest.param(b'{"a": 1} x', id="trailing-garbage"),
]


@pytest.mark.parametrize("body", _BAD_JSON)
def test_uncaught_invalid_json_is_400(server: RunningServer, body: bytes) -> None:
    response = post(server, "/api/json", body)
    assert response.status == 400
    assert_no_internals(response)


@pytest.mark.parametrize("body", _BAD_JSON)
def test_handler_catches_invalid_json_as_value_error(server: RunningServer, body: bytes) -> None:
    response = post(server, "/api/json-caught", body)
    assert response.status == 422
    assert json.loads(response.body) == {"caught": "InvalidJSON"}


def test_valid_json_still_parses(server: RunningServer) -> None:
    response = post(server, "/api/json-caught", b'{"a": [1, "\xc3\xa9"]}')
    assert response.status == 200
    assert json.loads(response.body) == {"data": {"a": [1, "\u00e9"]}}


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("application/json", id="json"),
        pytest.param("text/plain", id="text-plain"),
        pytest.param(None, id="missing"),
        pytest.param("multipart/mixed; boundary=x", id="multipart-mixed"),
    ],
)
def test_form_data_with_wrong_content_type_is_400(
    server: RunningServer, content_type: str | None
) -> None:
    response = post(server, "/api/form", b"a=1", content_type)
    assert response.status == 400
    assert_no_internals(response)


# --- unsupported methods: 405 with Allow (docs/deviations.md) -------------------


@pytest.mark.parametrize(
    ("method", "httptools_status"),
    [
        pytest.param("PROPFIND", 405, id="PROPFIND"),
        pytest.param("TRACE", 405, id="TRACE"),
        pytest.param("PURGE", 405, id="PURGE"),
        pytest.param("QUERY", 405, id="QUERY"),
        pytest.param("FOO", 400, id="FOO"),
        pytest.param("get", 400, id="lower-case-get"),
        pytest.param("GENERATE_STATIC_PARAMS", 400, id="module-attribute-name"),
    ],
)
def test_unsupported_method_is_405_with_allow_never_echoed(
    server: RunningServer, server_kind: ServerKind, method: str, httptools_status: int
) -> None:
    # httptools (llhttp) refuses methods it does not know with 400
    # before the app sees them; h11 and granian pass every token through.
    secret = "Cookie: session=SECRET\r\nX-Echo: SECRET\r\n"
    response = send(server, get("/api/echo", method=method, headers=secret))
    expected = httptools_status if server_kind == "httptools" else 405
    assert response.status == expected
    if expected == 405:
        assert response.header("allow") == ECHO_ALLOW
        assert response.body == b""
    assert b"SECRET" not in response.body


# --- handler errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/errors/raise", id="raises"),
        pytest.param("/api/errors/none", id="returns-None"),
        pytest.param("/api/errors/dict", id="returns-dict"),
        pytest.param("/api/errors/crlf", id="crlf-header-set"),
        pytest.param("/api/errors/crlf-init", id="crlf-header-init"),
    ],
)
def test_handler_error_is_500_without_internals(server: RunningServer, path: str) -> None:
    response = send(server, get(path))
    assert response.status == 500
    assert response.body == b""
    assert response.header("content-type") is None
    assert response.header("set-cookie") is None
    assert response.header("x-injected") is None
    assert b"boom" not in response.body
    assert_no_internals(response)
    assert_alive(server)


def test_server_still_serves_after_module(server: RunningServer) -> None:
    assert server.running()
    assert_alive(server)
