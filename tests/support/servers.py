"""Real servers on 127.0.0.1 for end-to-end tests (uvicorn with either
parser, or granian embedded in a thread), and a raw client.

httpx and browsers normalise `..`, `#` and some escapes before sending, so
URL-spelling tests go through `raw_request`, which writes bytes as given.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from granian.server.embed import Server as EmbeddedGranian

from approute._types import ASGIApp
from approute.cli.granian_server import granian_settings
from approute.cli.server import Parser, server_options

# What serves a test: uvicorn with one of its parsers, or granian.
ServerKind = Literal["h11", "httptools", "granian"]
SERVER_KINDS: tuple[ServerKind, ...] = ("h11", "httptools", "granian")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    host: str
    port: int
    kind: ServerKind
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def running(self) -> bool:
        """The server thread has not exited (no crash, no shutdown)."""
        return self.thread.is_alive()


@contextlib.contextmanager
def run_server(app: ASGIApp, kind: ServerKind, **overrides: Any) -> Iterator[RunningServer]:
    """Serve ``app`` in a background thread with approute's settings for
    ``kind`` (uvicorn with that parser, or granian)."""
    runner = _run_granian if kind == "granian" else _run_uvicorn
    with runner(app, kind, **overrides) as running:
        yield running


@contextlib.contextmanager
def _run_uvicorn(app: ASGIApp, parser: Parser, **overrides: Any) -> Iterator[RunningServer]:
    head_timeout = overrides.pop("head_timeout", None)
    options = server_options(parser=parser, head_timeout=head_timeout)
    options.update(host="127.0.0.1", port=free_port(), access_log=False, **overrides)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    _wait_until(lambda: server.started, thread)
    try:
        yield RunningServer("127.0.0.1", options["port"], parser, thread)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextlib.contextmanager
def _run_granian(app: ASGIApp, kind: ServerKind, **overrides: Any) -> Iterator[RunningServer]:
    head_timeout = overrides.pop("head_timeout", None)
    settings = granian_settings(**({} if head_timeout is None else {"head_timeout": head_timeout}))
    port = free_port()
    server = EmbeddedGranian(app, address="127.0.0.1", port=port, log_enabled=False, **settings)
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    _wait_until(lambda: _accepts(port), thread)
    try:
        yield RunningServer("127.0.0.1", port, kind, thread)
    finally:
        loop.call_soon_threadsafe(_stop_granian, server)
        thread.join(timeout=10)
        if not loop.is_running():  # else the daemon thread dies with pytest
            loop.close()


def _stop_granian(server: EmbeddedGranian) -> None:
    server.interrupt_signal = True
    server.main_loop_interrupt.set()


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_until(ready: Any, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 10
    while not ready():
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)


@dataclass
class RawResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def _read_response(sock: socket.socket) -> RawResponse | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
    response = RawResponse(status, [(k, v) for k, v in headers], b"")
    length = response.header("content-length")
    if length is not None:
        while len(rest) < int(length):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        response.body = rest[: int(length)]
    elif response.header("transfer-encoding") == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        response.body = _unchunk(rest)
    return response


def _unchunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body += data[:size]
        data = data[size + 2 :]
    return body


def raw_request(
    server: RunningServer, request: bytes, *, timeout: float = 5.0
) -> RawResponse | None:
    """Send ``request`` bytes as they are; the parsed response, or None if
    the server closed the connection without one."""
    with socket.create_connection((server.host, server.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            return _read_response(sock)
        except (ConnectionResetError, TimeoutError):
            return None


def get(path: str, *, headers: str = "", method: str = "GET") -> bytes:
    """A raw HTTP/1.1 request for ``path`` exactly as written."""
    return (
        f"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{headers}\r\n"
    ).encode("latin-1")
