"""Connection-level guards through every supported server: head deadlines
for slow and idle clients (uvicorn bounds neither itself; docs/security.md,
"Limits and deadlines"; granian closes without a 408, docs/deploy.md),
WebSocket upgrades (refused with 403), and clients that go away mid-request
(docs/route-handlers.md, "Streaming and client disconnects").

The servers run with ``head_timeout=0.5`` (conftest). Waits are bounded
polls for an event, never sleeps asserted as timings.
"""

from __future__ import annotations

import logging
import select
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.conftest import BODY_TIMEOUT, HEAD_TIMEOUT, assert_alive
from tests.support.raw import (
    ResponseReader,
    assert_cut_at_head_deadline,
    connect,
    head,
    wait_for,
)
from tests.support.servers import RunningServer, get, raw_request

_WS_HANDSHAKE = (
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


# --- head deadline -------------------------------------------------------------


@pytest.mark.parametrize(
    "first_bytes",
    [
        pytest.param(b"", id="idle-connection"),
        pytest.param(b"G", id="one-byte-then-silence"),
        pytest.param(b"GET /api/echo HTTP/1.1\r\nHost: x\r\n", id="head-without-blank-line"),
        pytest.param(b"POST /api/body HTTP/1.1\r\nContent-Le", id="cut-inside-a-header"),
    ],
)
def test_incomplete_head_is_408_after_the_deadline(
    server: RunningServer, first_bytes: bytes
) -> None:
    started = time.monotonic()
    with connect(server, timeout=HEAD_TIMEOUT + 5) as sock:
        sock.sendall(first_bytes)
        assert_cut_at_head_deadline(ResponseReader(sock), server)
    assert time.monotonic() - started < HEAD_TIMEOUT + 5


def test_trickled_head_is_cut_at_the_deadline(server: RunningServer) -> None:
    # Slowloris: a byte every 20 ms keeps uvicorn's own timers from ever
    # firing; the head deadline counts from the first byte regardless.
    request = get("/api/echo", headers="".join(f"X-Pad-{i}: {'p' * 40}\r\n" for i in range(20)))
    sent = 0
    with connect(server, timeout=HEAD_TIMEOUT + 5) as sock:
        for byte in request:
            readable, _, _ = select.select([sock], [], [], 0.02)
            if readable:
                break
            try:
                sock.sendall(bytes((byte,)))
            except OSError:
                break
            sent += 1
        assert sent < len(request), "the whole head trickled in without a deadline"
        assert_cut_at_head_deadline(ResponseReader(sock), server)


def test_slow_second_head_on_a_keep_alive_connection_is_408(server: RunningServer) -> None:
    with connect(server, timeout=HEAD_TIMEOUT + 5) as sock:
        sock.sendall(head("GET", "/api/echo", close=False))
        reader = ResponseReader(sock)
        first = reader.read()
        assert first is not None
        assert first.status == 200
        sock.sendall(b"GET /api/ec")
        assert_cut_at_head_deadline(reader, server)


def test_slow_and_idle_clients_do_not_block_others(server: RunningServer) -> None:
    with ExitStack() as stack:
        pending = [
            stack.enter_context(connect(server, timeout=HEAD_TIMEOUT + 5)) for _ in range(30)
        ]
        for index, sock in enumerate(pending):
            if index % 2:
                sock.sendall(b"GET /api/echo HTTP/1.1\r\nHo")
        # Served while thirty connections hold incomplete heads.
        for _ in range(5):
            response = raw_request(server, get("/api/echo"))
            assert response is not None
            assert response.status == 200
        for sock in pending:
            assert_cut_at_head_deadline(ResponseReader(sock), server)
    assert_alive(server)


# --- WebSocket upgrades --------------------------------------------------------------


@pytest.mark.parametrize(("path", "status"), [("/api/echo", 200), ("/nowhere", 404)])
def test_a_handshake_to_a_route_that_does_not_upgrade_gets_its_plain_answer(
    server: RunningServer, caplog: pytest.LogCaptureFixture, path: str, status: int
) -> None:
    # Before WebSocket routes every handshake was refused with 403; now the
    # handshake is the GET it is, and a route that does not upgrade answers
    # it as it answers any GET: never a 101.
    request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n{_WS_HANDSHAKE}\r\n".encode()
    response = raw_request(server, request)
    assert response is not None
    assert response.status == status  # (granian adds its upgrade headers to any denial)
    assert b"Traceback" not in response.body
    assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert_alive(server)


# --- clients that go away (docs/route-handlers.md) -----------------------------------


def _marker(project_root: Path, token: str, what: str) -> Path:
    return project_root / "markers" / f"{token}.{what}"


def _no_error_logs(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_streaming_response_generator_finally_runs_on_disconnect(
    server: RunningServer, project_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = uuid.uuid4().hex
    with connect(server) as sock:
        sock.sendall(get(f"/api/stream?token={token}"))
        received = b""
        while b"tick" not in received:
            chunk = sock.recv(4096)
            assert chunk, "the stream ended before the first chunk"
            received += chunk
        assert received.startswith(b"HTTP/1.1 200")
    assert wait_for(lambda: _marker(project_root, token, "finally").exists())
    assert not _no_error_logs(caplog)
    assert_alive(server)


def test_handler_awaiting_is_cancelled_on_disconnect(
    server: RunningServer, project_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = uuid.uuid4().hex
    with connect(server) as sock:
        sock.sendall(get(f"/api/slow?token={token}"))
        assert wait_for(lambda: _marker(project_root, token, "started").exists())
    assert wait_for(lambda: _marker(project_root, token, "cancelled").exists())
    assert wait_for(lambda: _marker(project_root, token, "finally").exists())
    assert not _no_error_logs(caplog)
    assert_alive(server)


def test_disconnect_mid_body_raises_a_disconnect_error_quietly(
    server: RunningServer, project_root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = uuid.uuid4().hex
    with connect(server) as sock:
        sock.sendall(head("POST", f"/api/upload?token={token}", {"Content-Length": "1000"}))
        sock.sendall(b"x" * 10)
    # The handler's read ends with the disconnect (ClientDisconnected, or the
    # handler is cancelled as on any disconnect), not with the body deadline's
    # BodyTimeout; nothing is logged as a server error.
    outcomes = ("ClientDisconnected", "CancelledError")
    assert wait_for(
        lambda: any(_marker(project_root, token, what).exists() for what in outcomes),
        timeout=BODY_TIMEOUT * 4,
    )
    assert not _marker(project_root, token, "BodyTimeout").exists()
    assert not _no_error_logs(caplog)
    assert_alive(server)


def test_server_still_serves_after_module(server: RunningServer) -> None:
    assert server.running()
    assert_alive(server)
