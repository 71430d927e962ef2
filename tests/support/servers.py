"""Real uvicorn servers on 127.0.0.1 for end-to-end tests, and a raw client.

httpx and browsers normalise `..`, `#` and some escapes before sending, so
URL-spelling tests go through `raw_request`, which writes bytes as given.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn

from approute._types import ASGIApp
from approute.cli.server import Parser, server_options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    host: str
    port: int
    server: uvicorn.Server

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextlib.contextmanager
def run_server(app: ASGIApp, parser: Parser, **overrides: Any) -> Iterator[RunningServer]:
    """Serve ``app`` with approute's uvicorn settings in a background thread."""
    head_timeout = overrides.pop("head_timeout", None)
    options = server_options(parser=parser, head_timeout=head_timeout)
    options.update(host="127.0.0.1", port=free_port(), access_log=False, **overrides)
    server = uvicorn.Server(uvicorn.Config(app, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield RunningServer("127.0.0.1", options["port"], server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


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
