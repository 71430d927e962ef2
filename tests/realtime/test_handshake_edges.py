"""Handshakes that must not do what a GET would: be proxied to another
origin (Next.js's GHSA-c4j6-fc7j-m34r), be answered from the route cache,
or be upgraded by the middleware; and a GET slow to upgrade, on real
servers (the disconnect watch reads ``receive`` meanwhile)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from approute.app import create_app
from approute.cache.memory import MemoryCacheHandler
from approute.testing import TestClient, WebSocketDenied
from tests.conftest import ProjectFactory
from tests.support.servers import SERVER_KINDS, ServerKind, run_server

ECHO = """
from approute import NextResponse


def GET(request):
    def message(peer, message):
        peer.send(message.text())

    return NextResponse.upgrade(message=message)
"""


@pytest.fixture
def canary() -> Iterator[socket.socket]:
    """A listening socket nobody should connect to."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        yield listener


def _connections(listener: socket.socket) -> int:
    count = 0
    while True:
        try:
            connection, _ = listener.accept()
        except BlockingIOError:
            return count
        connection.close()
        count += 1


def test_a_handshake_to_an_external_rewrite_is_501_and_never_leaves(
    make_project: ProjectFactory, canary: socket.socket, caplog: pytest.LogCaptureFixture
) -> None:
    port = canary.getsockname()[1]
    root = make_project(
        {
            "app/route.py": ECHO,
            "approute.config.py": f"""
def rewrites():
    return [{{"source": "/ext/:path*", "destination": "http://127.0.0.1:{port}/:path*"}}]
""",
            "middleware.py": f"""
from approute import NextResponse


def middleware(request):
    if request.next_url.pathname == "/mw":
        return NextResponse.rewrite("http://127.0.0.1:{port}/x")
    return None
""",
        }
    )
    with TestClient(root) as client:
        for path in ("/ext/socket", "/mw"):
            with pytest.raises(WebSocketDenied) as denied, client.websocket_connect(path):
                pass
            assert denied.value.response.status_code == 501
    assert _connections(canary) == 0
    assert "a WebSocket handshake is not proxied" in caplog.text


def test_a_cached_route_runs_its_get_with_the_handshake_request(
    make_project: ProjectFactory,
) -> None:
    # Through the route cache the GET would see the empty static request.
    root = make_project(
        {
            "app/live/route.py": """
from approute import NextResponse

dynamic = "force-static"


def GET(request):
    def open(peer):
        peer.send(request.headers.get("x-token") or "no token")

    return NextResponse.upgrade(open=open)
"""
        }
    )
    app = create_app(root, cache_handler=MemoryCacheHandler())  # dev=False: the route cache
    with TestClient(app) as client:
        assert client.get("/live").status_code == 426
        with client.websocket_connect("/live", headers={"x-token": "abc"}) as ws:
            assert ws.receive_text() == "abc"


def test_the_middleware_cannot_upgrade(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/route.py": ECHO,
            "middleware.py": """
from approute import NextResponse


def middleware(request):
    return NextResponse.upgrade(open=lambda peer: peer.send("from middleware"))
""",
        }
    )
    with TestClient(root, raise_server_exceptions=False) as client:
        with pytest.raises(WebSocketDenied) as denied, client.websocket_connect("/"):
            pass
        assert denied.value.response.status_code == 500
    assert "only a route handler's GET accepts a WebSocket" in caplog.text


@pytest.mark.parametrize("kind", SERVER_KINDS)
def test_a_get_slow_to_upgrade_still_echoes(make_project: ProjectFactory, kind: ServerKind) -> None:
    # Past the disconnect watch's delay, that watch reads the connection's
    # receive; the session must get every message after it.
    root = make_project(
        {
            "app/slow/route.py": """
import asyncio

from approute import NextResponse


async def GET(request):
    await asyncio.sleep(0.6)

    def message(peer, message):
        peer.send(message.text())

    return NextResponse.upgrade(message=message)
"""
        }
    )
    app = create_app(root, cache_handler=MemoryCacheHandler())
    with run_server(app, kind) as server:
        with connect(f"ws://127.0.0.1:{server.port}/slow", open_timeout=10) as ws:
            for text in ("one", "two", "three"):
                ws.send(text)
                assert ws.recv(timeout=10) == text
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{server.port}/nowhere", open_timeout=10)
        assert refused.value.response.status_code == 404
        assert server.running()
