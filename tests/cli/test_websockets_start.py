"""WebSocket routes under ``approute start`` (granian and uvicorn), with a
real client (the ``websockets`` library): echo, refusals, params, handshake
headers, every limit, the origin check, a raising hook, shutdown, and
topics across instances and workers on a real redis-server
(docs/websockets.md)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.support.raw import wait_for
from tests.support.redis import RedisServer
from tests.support.servers import free_port

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "websockets"
APPROUTE = [sys.executable, "-m", "approute.cli"]
TIMEOUT = 10


@dataclass
class Started:
    """One ``approute start`` process and its log file."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    server: str

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def started(root: Path, server: str, *extra: str) -> Iterator[Started]:
    """``approute start`` (``server`` ``dev``: ``approute dev``) on a free
    port, its output in a file."""
    port = free_port()
    log = root.parent / f"{root.name}-{server}-{port}.log"
    command = [*APPROUTE, "start", str(root), "--server", server, "--hostname", "127.0.0.1"]
    if server == "dev":
        command = [*APPROUTE, "dev", str(root), "--hostname", "127.0.0.1"]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*command, "--port", str(port), *extra],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    running = Started(process, port, log, server)
    try:
        assert wait_for(lambda: _answers(running.http + "/"), timeout=30), running.output()
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _built(directory: Path, extra_config: str = "") -> Path:
    root = directory / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    if extra_config:
        config = root / "approute.config.py"
        config.write_text(config.read_text() + extra_config)
    build = subprocess.run([*APPROUTE, "build", str(root)], capture_output=True, timeout=120)
    assert build.returncode == 0, build.stdout + build.stderr
    return root


def _close(ws: ClientConnection) -> tuple[int, str]:
    """The close code and reason the server sent (messages before it skipped)."""
    try:
        while True:
            ws.recv(timeout=TIMEOUT)
    except ConnectionClosed as closed:
        received = closed.rcvd
    if received is None:
        pytest.fail("the connection ended without a close frame")
    return received.code, received.reason


def _refused(url: str, **kwargs: Any) -> httpx.Response | Any:
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=TIMEOUT, **kwargs)
    return refused.value.response


@pytest.fixture(scope="module", params=["granian", "uvicorn"])
def app_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Started]:
    root = _built(tmp_path_factory.mktemp(f"ws-{request.param}"))
    with started(root, request.param) as running:
        yield running


def test_echo_of_text_bytes_and_json(app_server: Started) -> None:
    with connect(app_server.ws + "/echo", open_timeout=TIMEOUT) as ws:
        ws.send("hello")
        assert ws.recv(timeout=TIMEOUT) == "hello"
        ws.send(b"\x00\x01\xff")
        assert ws.recv(timeout=TIMEOUT) == b"\x00\x01\xff"
        ws.send(json.dumps({"n": [1, 2]}))
        assert json.loads(ws.recv(timeout=TIMEOUT)) == {"echo": {"n": [1, 2]}}


def test_the_route_refuses_with_401_and_its_header(app_server: Started) -> None:
    response = _refused(app_server.ws + "/guarded")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    good = {"Authorization": "Bearer good"}
    with connect(app_server.ws + "/guarded", additional_headers=good) as ws:
        assert ws.recv(timeout=TIMEOUT) == "welcome"


def test_the_middleware_refuses_and_rewrites_the_handshake(app_server: Started) -> None:
    assert _refused(app_server.ws + "/private/socket").status_code == 401
    with connect(app_server.ws + "/private/socket?token=ok", open_timeout=TIMEOUT) as ws:
        assert ws.recv(timeout=TIMEOUT) == "inside"
    with connect(app_server.ws + "/old-echo", open_timeout=TIMEOUT) as ws:
        ws.send("rewritten")
        assert ws.recv(timeout=TIMEOUT) == "rewritten"
    with connect(app_server.ws + "/whoami", open_timeout=TIMEOUT) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT))["user"] == "ada"


def test_params_reach_the_route(app_server: Started) -> None:
    with connect(app_server.ws + "/rooms/lobby", open_timeout=TIMEOUT) as ws:
        assert json.loads(ws.recv(timeout=TIMEOUT))["joined"] == "lobby"


def test_handshake_headers_and_cookies(app_server: Started) -> None:
    with connect(app_server.ws + "/echo", open_timeout=TIMEOUT) as ws:
        headers = ws.response.headers
        if app_server.server == "uvicorn":
            assert headers["x-handshake"] == "yes"
            assert headers["set-cookie"] == "visited=1; Path=/; HttpOnly"
            assert headers["x-config"] == "on"
            return
    # granian's websocket.accept carries no headers: approute says so, once.
    assert "x-handshake" not in headers
    assert wait_for(
        lambda: "granian does not send a WebSocket handshake's headers" in (app_server.output())
    )


def test_a_message_over_the_size_limit_closes_with_1009(app_server: Started) -> None:
    with connect(app_server.ws + "/echo", open_timeout=TIMEOUT) as ws:
        ws.send(b"x" * (64 * 1024 + 1))
        assert _close(ws) == (1009, "message too big")
    assert wait_for(lambda: "closed with 1009" in app_server.output())


def test_a_client_that_does_not_read_closes_with_1008(app_server: Started) -> None:
    with connect(app_server.ws + "/flood", open_timeout=TIMEOUT, max_size=None) as ws:
        assert _close(ws) == (1008, "too slow")
    assert wait_for(lambda: "closed with 1008" in app_server.output())


@pytest.mark.parametrize(
    ("origin", "status"), [("https://evil.example", 403), ("https://app.example", None)]
)
def test_the_origin_check(app_server: Started, origin: str, status: int | None) -> None:
    url = app_server.ws + "/echo"
    if status is not None:
        assert _refused(url, origin=origin).status_code == status
        return
    with connect(url, origin=origin, open_timeout=TIMEOUT) as ws:  # type: ignore[arg-type]
        ws.send("listed")
        assert ws.recv(timeout=TIMEOUT) == "listed"


def test_a_raising_hook_closes_with_1011_and_the_server_is_fine(app_server: Started) -> None:
    with connect(app_server.ws + "/boom", open_timeout=TIMEOUT) as ws:
        ws.send("boom")
        assert ws.recv(timeout=TIMEOUT) == "error hook: ValueError: boom"
        assert _close(ws) == (1011, "internal error")
    with connect(app_server.ws + "/boom", open_timeout=TIMEOUT) as ws:
        ws.send("after")
        assert ws.recv(timeout=TIMEOUT) == "after"
    assert httpx.get(app_server.http + "/echo").status_code == 426
    assert app_server.process.poll() is None


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_idle_and_connection_limits(tmp_path: Path, server: str) -> None:
    root = _built(tmp_path, "\nwebsocket = {'idle_timeout': 0.5, 'max_connections': 1}\n")
    with started(root, server) as running:
        with connect(running.ws + "/echo", open_timeout=TIMEOUT) as first:
            with connect(running.ws + "/echo", open_timeout=TIMEOUT) as second:
                assert _close(second) == (1013, "try again later")
            assert _close(first) == (1001, "idle timeout")
        output = running.output()
    assert "closed with 1013" in output
    assert "closed with 1001: no message either way for 0.5 s" in output


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_shutdown_closes_open_websockets_with_1001(tmp_path: Path, server: str) -> None:
    root = _built(tmp_path)
    with started(root, server) as running, connect(running.ws + "/echo") as ws:
        ws.send("before")
        assert ws.recv(timeout=TIMEOUT) == "before"
        running.process.send_signal(signal.SIGTERM)
        assert _close(ws) == (1001, "server shutting down")
        # uvicorn ends by re-raising the SIGTERM it handled; granian exits 0.
        assert running.process.wait(timeout=30) in (0, -signal.SIGTERM)


def _join(stack: ExitStack, url: str) -> tuple[ClientConnection, dict[str, Any]]:
    """A client of a room, open until ``stack`` closes, and its welcome."""
    ws = stack.enter_context(connect(url, open_timeout=TIMEOUT))
    return ws, json.loads(ws.recv(timeout=TIMEOUT))


def test_topics_reach_another_instance_on_one_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    root = _built(tmp_path, f"\npubsub = {redis_server.url!r}\n")
    with started(root, "uvicorn") as one, started(root, "granian") as two, ExitStack() as stack:
        listener, _ = _join(stack, one.ws + "/rooms/shared")
        speaker, joined = _join(stack, two.ws + "/rooms/shared")
        speaker.send("across instances")
        heard = json.loads(listener.recv(timeout=TIMEOUT))
        assert heard == {"from": joined["id"], "text": "across instances"}


def test_topics_reach_another_worker_on_one_redis(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    root = _built(tmp_path, f"\npubsub = {redis_server.url!r}\n")
    with started(root, "granian", "--workers", "2") as running, ExitStack() as stack:
        listener, first = _join(stack, running.ws + "/rooms/workers")
        # Connections spread over the workers: join until one lands on the other.
        for _ in range(50):
            speaker, joined = _join(stack, running.ws + "/rooms/workers")
            if joined["pid"] != first["pid"]:
                break
        else:
            pytest.fail("50 connections all reached one worker")
        speaker.send("across workers")
        heard = json.loads(listener.recv(timeout=TIMEOUT))
        assert heard == {"from": joined["id"], "text": "across workers"}


def test_dev_reload_closes_websockets_with_1012_and_serves_the_new_code(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    route = root / "app" / "echo" / "route.py"
    with started(root, "dev") as running:
        url = running.ws + "/echo"
        with connect(url, open_timeout=TIMEOUT) as ws:
            ws.send("old")
            assert ws.recv(timeout=TIMEOUT) == "old"
            route.write_text(
                route.read_text().replace("peer.send(message.text())", "peer.send('new')")
            )
            # The reloader restarts the server: the socket is closed, not left hanging.
            assert _close(ws) == (1012, "server restarting")

        def serves_new_code() -> bool:
            try:
                with connect(url, open_timeout=2) as ws:
                    ws.send("anything")
                    return ws.recv(timeout=TIMEOUT) == "new"
            except (OSError, InvalidStatus):
                return False

        assert wait_for(serves_new_code, timeout=30), running.output()
