"""Regressions for what an adversarial probe found against a real uvicorn
(both parsers): a request that stalls everybody, request smuggling on h11,
a trickled body that never ends. docs/security.md lists each attack and its
defence.

Latency bounds here are what the attack is about (the probe measured
seconds); they are generous against a loaded machine, never sleeps.
"""

from __future__ import annotations

import concurrent.futures
import select
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute.app import create_app
from tests.e2e.conftest import assert_alive
from tests.support.raw import ResponseReader, connect, head
from tests.support.servers import RunningServer, ServerKind, get, raw_request, run_server

# What a head under the 16 KiB limit that stalls a backtracking parser
# looks like: a token, then whitespace that two adjacent ``\s*`` share.
_STALLING_VALUES = [
    pytest.param("gzip" + " " * 16_000 + "x", id="spaces"),
    pytest.param("gzip" + "\t" * 16_000 + "x", id="tabs"),
    pytest.param("*" + " " * 16_000 + "x", id="star"),
    pytest.param("gzip;q=1" + " " * 16_000 + ";", id="after-quality"),
]


def _timed_get(server: RunningServer, request: bytes) -> tuple[int | None, float]:
    started = time.monotonic()
    response = raw_request(server, request, timeout=30)
    return (None if response is None else response.status), time.monotonic() - started


@pytest.mark.parametrize("value", _STALLING_VALUES)
def test_accept_encoding_cannot_stall_other_clients(server: RunningServer, value: str) -> None:
    attack = get("/api/echo", headers=f"Accept-Encoding: {value}\r\n")
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        attacks = [pool.submit(_timed_get, server, attack) for _ in range(4)]
        status, probe_seconds = _timed_get(server, get("/api/echo"))
        results = [future.result() for future in attacks]
    # Before the fix, one such request blocked the event loop ~3 s.
    assert status == 200
    assert probe_seconds < 1.0, f"a probe waited {probe_seconds:.2f} s behind the attack"
    assert all(code == 200 and seconds < 1.0 for code, seconds in results), results


def test_oversized_accept_encoding_is_refused_before_it_is_parsed(server: RunningServer) -> None:
    # 23 KiB: under the parser cap (24 KiB), over the app's 16 KiB limit.
    value = "gzip" + " " * (23 * 1024) + "x"
    status, seconds = _timed_get(server, get("/api/echo", headers=f"Accept-Encoding: {value}\r\n"))
    assert status == 431
    assert seconds < 1.0
    assert_alive(server)


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", id="cl-then-te"),
        pytest.param("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", id="te-then-cl"),
    ],
)
def test_content_length_with_transfer_encoding_is_refused_and_closed(
    server: RunningServer, framing: str
) -> None:
    # RFC 9112 §6.1: never read such a request one way while a proxy in
    # front read it the other; the smuggled GET must not be answered.
    smuggled = get("/api/echo?smuggled=1").replace(b"Connection: close\r\n", b"")
    request = (
        f"POST /api/echo HTTP/1.1\r\nHost: localhost\r\n{framing}\r\n0\r\n\r\n".encode() + smuggled
    )
    with connect(server) as sock:
        sock.sendall(request)
        reader = ResponseReader(sock)
        response = reader.read()
        assert response is not None
        # Guarded uvicorn refuses it; granian reads the body by
        # Transfer-Encoding alone and closes after answering (§6.3 allows both).
        assert response.status == (200 if server.kind == "granian" else 400)
        assert reader.closed(), "the connection stayed open after the answer"
        assert b"smuggled" not in reader.buffer
    assert_alive(server)


def test_keep_alive_still_serves_a_second_request(server: RunningServer) -> None:
    # The framing check refuses only the ambiguous request, not pipelining.
    first = head("POST", "/api/echo", {"Content-Length": "2"}, close=False) + b"{}"
    with connect(server) as sock:
        sock.sendall(first + get("/api/echo"))
        reader = ResponseReader(sock)
        statuses = [response.status for response in (reader.read(), reader.read()) if response]
    assert statuses == [200, 200]


# --- a body trickled in (a byte at a time, each under the idle deadline) -----------


@pytest.fixture(scope="module")
def paced_server(server_kind: ServerKind, project_root: Path) -> Iterator[RunningServer]:
    """The config's default pace (300 s in all, 240 B/s after 5 s) with a
    short idle deadline, so that only the new rules can end a trickle."""
    app = create_app(project_root, body_timeout=0.5)
    with run_server(app, server_kind) as running:
        yield running


def _trickle(server: RunningServer, path: str, content_type: str, *, every: float) -> int:
    """Send a 400-byte body one byte per ``every`` seconds (under the idle
    deadline) until the server answers; the number of bytes sent."""
    request_head = head(
        "POST", path, {"Content-Length": "400", "Content-Type": content_type}, close=False
    )
    sent = 0
    with connect(server, timeout=30) as sock:
        sock.sendall(request_head)
        while sent < 400:
            readable, _, _ = select.select([sock], [], [], every)
            if readable:
                break
            sock.sendall(b"a")
            sent += 1
        reader = ResponseReader(sock)
        response = reader.read()
        assert response is not None
        assert response.status == 408
        assert reader.closed()
    return sent


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        pytest.param("/api/body", "application/octet-stream", id="whole-body-read"),
        pytest.param("/api/form", "application/x-www-form-urlencoded", id="form-stream"),
    ],
)
def test_a_trickled_body_is_cut_by_the_minimum_rate(
    paced_server: RunningServer, path: str, content_type: str
) -> None:
    # 10 B/s: each byte well inside the 0.5 s idle deadline, so before the
    # pace rules this body took 40 s; 240 B/s is due after the 5 s grace.
    sent = _trickle(paced_server, path, content_type, every=0.1)
    assert sent < 100, f"{sent} bytes trickled in before the 408"
    assert_alive(paced_server)


# --- a large urlencoded form -----------------------------------------------------


def test_decoding_large_forms_does_not_stall_other_clients(server: RunningServer) -> None:
    # ~3.7 MB of escapes: ~0.6 s of decoding each, which ran on the event
    # loop; eight at once held every other client for seconds.
    body = "&".join(f"k{i}=" + "%41%42+" * 600 for i in range(900)).encode()
    request = (
        head(
            "POST",
            "/api/form",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": str(len(body)),
            },
        )
        + body
    )
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        posts = [pool.submit(raw_request, server, request, timeout=60) for _ in range(8)]
        probes = []
        while not all(post.done() for post in posts):
            probes.append(_timed_get(server, get("/api/echo")))
        answers = [post.result() for post in posts]
    assert all(answer is not None and answer.status == 200 for answer in answers)
    assert all(status == 200 for status, _ in probes)
    worst = max(seconds for _, seconds in probes)
    assert worst < 0.3, f"a probe waited {worst:.2f} s behind the form decoding"
