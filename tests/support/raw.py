"""Raw-socket client pieces for end-to-end tests that need more than one
request/response: interim ``1xx`` answers, half-sent bodies, slow or idle
connections, disconnects, and "did the server close the connection?".

`servers.raw_request` covers the one-shot case; this module keeps the socket.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.support.servers import RawResponse, RunningServer


def connect(server: RunningServer, *, timeout: float = 5.0) -> socket.socket:
    """An open TCP connection to ``server`` (the caller closes it)."""
    return socket.create_connection((server.host, server.port), timeout=timeout)


class ResponseReader:
    """Reads responses off one socket, keeping bytes that belong to the next."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def _fill(self) -> bool:
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return False
        if not chunk:
            return False
        self.buffer += chunk
        return True

    def read(self) -> RawResponse | None:
        """The next response (a ``1xx`` is returned as its own response), or
        None if the server closed the connection before a complete head."""
        while b"\r\n\r\n" not in self.buffer:
            if not self._fill():
                return None
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = [line.split(": ", 1) for line in lines[1:]]
        response = RawResponse(status, [(k, v) for k, v in headers], b"")
        if status < 200 or status in (204, 304):
            return response
        length = response.header("content-length")
        if length is not None:
            while len(self.buffer) < int(length):
                if not self._fill():
                    break
            response.body, self.buffer = self.buffer[: int(length)], self.buffer[int(length) :]
        elif response.header("transfer-encoding") == "chunked":
            response.body = self._read_chunked()
        return response

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                if not self._fill():
                    return body
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                if not self._fill():
                    return body + self.buffer
            if size == 0:
                self.buffer = self.buffer[2:]
                return body
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]

    def closed(self, *, timeout: float = 2.0) -> bool:
        """True when the server closes the connection (EOF or reset) within
        ``timeout`` with nothing more sent; False if it stays open."""
        previous = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
        finally:
            self.sock.settimeout(previous)
        if chunk:
            self.buffer += chunk
            return False
        return True


def head(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    close: bool = True,
) -> bytes:
    """A raw HTTP/1.1 request head; ``close=False`` keeps the connection alive
    so that a test can see the server decide to close it."""
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    if close:
        lines.append("Connection: close")
    lines.extend(f"{name}: {value}" for name, value in (headers or {}).items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Exchange:
    """One request on its own connection: the final response, the ``1xx``
    statuses before it, and whether the server closed the connection after."""

    response: RawResponse | None
    interim: list[int] = field(default_factory=list)
    closed: bool = False


def exchange(
    server: RunningServer,
    request_head: bytes,
    body: bytes = b"",
    *,
    wait_for_continue: bool = False,
    check_closed: bool = False,
    timeout: float = 5.0,
) -> Exchange:
    """Send ``request_head`` then ``body`` and read the answer.

    The body is written from a thread while this one reads, so a server that
    answers early (413) and closes is seen answering, not as a broken pipe.
    With ``wait_for_continue`` (the head must carry ``Expect: 100-continue``)
    the body is sent only after ``100 Continue``: the head and the body then
    never arrive in the same read, whatever their size.
    """
    with connect(server, timeout=timeout) as sock:
        reader = ResponseReader(sock)
        result = Exchange(None)
        sock.sendall(request_head)
        if wait_for_continue:
            first = reader.read()
            if first is None or first.status >= 200:
                result.response = first
                result.closed = check_closed and reader.closed()
                return result
            result.interim.append(first.status)
        sender = threading.Thread(target=_send_quietly, args=(sock, body), daemon=True)
        sender.start()
        try:
            response = reader.read()
            while response is not None and response.status < 200:
                result.interim.append(response.status)
                response = reader.read()
            result.response = response
            result.closed = check_closed and reader.closed()
        finally:
            sender.join(timeout)
        return result


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    # The server may answer and close before it has read everything.
    with contextlib.suppress(OSError):
        sock.sendall(data)


def wait_for(predicate: Callable[[], bool], *, timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes (bounded wait
    for an event; never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def assert_cut_at_head_deadline(reader: ResponseReader, server: RunningServer) -> None:
    """The server gave up on an unfinished head: guarded uvicorn answers 408
    and closes; granian has no 408 and closes without an answer
    (docs/deploy.md). A server that does neither makes the read time out."""
    response = reader.read()
    if server.kind == "granian":
        assert response is None, f"granian answered {response}; it closes silently"
        return
    assert response is not None, "closed without a 408"
    assert response.status == 408
    assert response.header("connection") == "close"
    assert reader.closed()
