"""A connection's hooks, limits and topics (docs/websockets.md), in-process.

Each limit closes with its RFC 6455 code and one log line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute.app import create_app
from approute.cache.memory import MemoryCacheHandler
from approute.testing import (
    TestClient,
    WebSocketDenied,
    WebSocketDisconnect,
    WebSocketTestSession,
)
from tests.conftest import ProjectFactory

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "websockets"

RECORDER = """
from pathlib import Path

from approute import NextResponse

EVENTS = Path(__file__).with_name("events.log")


def record(*event):
    with EVENTS.open("a") as log:
        log.write(" ".join(map(str, event)) + "\\n")


def GET(request):
    def open(peer):
        record("open")

    def message(peer, message):
        if message.text() == "close":
            peer.close(4001, "bye")
        elif message.text() == "bad close":
            peer.close(1006)
        else:
            peer.send(message.text())

    def close(peer, details):
        record("close", details.code, details.reason)

    return NextResponse.upgrade(open=open, message=message, close=close)
"""


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(PROJECT) as client:
        yield client


def _close_code(ws: WebSocketTestSession) -> tuple[int, str]:
    """The code and reason the app closed with (messages before it skipped)."""
    while True:
        try:
            ws.receive()
        except WebSocketDisconnect as closed:
            return closed.code, closed.reason


def _limit_lines(caplog: pytest.LogCaptureFixture, code: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if f"closed with {code}" in r.getMessage()]


def test_a_message_over_max_message_size_closes_with_1009(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with client.websocket_connect("/echo") as ws:
        ws.send_text("x" * (64 * 1024))  # exactly the limit: fine
        assert len(ws.receive_text()) == 64 * 1024
        ws.send_bytes(b"x" * (64 * 1024 + 1))
        assert _close_code(ws) == (1009, "message too big")
    [line] = _limit_lines(caplog, 1009)
    assert "65537 bytes (max_message_size 65536)" in line


def test_a_non_ascii_message_counts_its_utf8_bytes(client: TestClient) -> None:
    with client.websocket_connect("/echo") as ws:
        ws.send_text("é" * (32 * 1024 + 1))  # 32,769 characters, 65,538 bytes
        assert _close_code(ws)[0] == 1009


def test_more_than_max_queued_bytes_for_a_slow_client_closes_with_1008(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with client.websocket_connect("/flood") as ws:
        assert _close_code(ws) == (1008, "too slow")
    [line] = _limit_lines(caplog, 1008)
    assert "(max_queued_bytes 262144)" in line


def test_a_hook_that_raises_calls_the_error_hook_then_closes_with_1011(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with client.websocket_connect("/boom") as ws:
        ws.send_text("boom")
        assert ws.receive_text() == "error hook: ValueError: boom"
        assert _close_code(ws) == (1011, "internal error")
    assert any("message hook raised ValueError: boom" in r.getMessage() for r in caplog.records)
    with client.websocket_connect("/boom") as ws:  # the app is fine
        ws.send_text("still here")
        assert ws.receive_text() == "still here"


def test_close_hook_gets_the_code_and_peer_close_sends_it(make_project: ProjectFactory) -> None:
    root = make_project({"app/rec/route.py": RECORDER})
    with TestClient(root) as client:
        with client.websocket_connect("/rec") as ws:
            ws.send_text("close")
            assert _close_code(ws) == (4001, "bye")
        with client.websocket_connect("/rec") as ws:
            ws.send_text("hi")
            assert ws.receive_text() == "hi"
            ws.close(4100, "client leaves")
    events = (root / "app" / "rec" / "events.log").read_text().splitlines()
    assert events == ["open", "close 4001 bye", "open", "close 4100 client leaves"]


def test_peer_close_refuses_codes_a_route_may_not_send(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project({"app/rec/route.py": RECORDER})
    with TestClient(root) as client, client.websocket_connect("/rec") as ws:
        ws.send_text("bad close")
        assert _close_code(ws)[0] == 1011  # the hook raised ValueError
    assert any(
        "close code must be 1000 or from 3000 to 4999" in r.getMessage() for r in caplog.records
    )


def test_idle_connections_close_with_1001(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {"app/rec/route.py": RECORDER, "approute.config.py": "websocket = {'idle_timeout': 0.2}\n"}
    )
    with TestClient(root) as client, client.websocket_connect("/rec") as ws:
        assert _close_code(ws) == (1001, "idle timeout")
    [line] = _limit_lines(caplog, 1001)
    assert "no message either way for 0.2 s" in line


def test_connections_over_max_connections_close_with_1013(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {"app/rec/route.py": RECORDER, "approute.config.py": "websocket = {'max_connections': 1}\n"}
    )
    with TestClient(root) as client, client.websocket_connect("/rec") as first:
        with client.websocket_connect("/rec") as second:
            assert _close_code(second) == (1013, "try again later")
        first.send_text("still open")
        assert first.receive_text() == "still open"
    assert _limit_lines(caplog, 1013)


def test_publish_reaches_the_other_subscribers_not_the_sender(client: TestClient) -> None:
    with (
        client.websocket_connect("/rooms/a") as one,
        client.websocket_connect("/rooms/a") as two,
        client.websocket_connect("/rooms/b") as other_room,
    ):
        first = one.receive_json()["id"]
        second = two.receive_json()["id"]
        other_room.receive_json()
        one.send_text("hello")
        assert two.receive_json() == {"from": first, "text": "hello"}
        two.send_text("back")
        assert one.receive_json() == {"from": second, "text": "back"}
        other_room.send_text("elsewhere")
        one.send_text("again")  # nothing from room b came before it
        assert two.receive_json() == {"from": first, "text": "again"}
        one.close()
        # one's close hook published to the room after the client was gone.
        assert two.receive_json() == {"left": first, "code": 1000}


def test_a_peer_gone_before_its_unsubscribe_ran_leaves_the_topic(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/t/route.py": """
from approute import NextResponse


def GET(request):
    async def open(peer):
        peer.subscribe("t")
        peer.send("in")

    async def message(peer, message):
        if message.text() == "out":
            peer.unsubscribe("t")
        else:
            peer.publish("t", message.text())

    return NextResponse.upgrade(open=open, message=message)
"""
        }
    )
    with TestClient(root) as client:
        with client.websocket_connect("/t") as leaving:
            assert leaving.receive_text() == "in"
            leaving.send_text("out")
            leaving.close()  # before or after the unsubscribe ran: either way out
        with client.websocket_connect("/t") as speaker, client.websocket_connect("/t") as other:
            speaker.receive_text()
            other.receive_text()
            for index in range(300):  # 300 x 4 KiB: a dead subscriber would queue them all
                speaker.send_text(f"{index:04}" + "x" * 4096)
            for index in range(300):
                assert other.receive_text().startswith(f"{index:04}")
    assert not [r for r in caplog.records if "closed with 1008" in r.getMessage()]


def test_a_handshake_accepted_during_shutdown_is_closed_at_once(
    make_project: ProjectFactory,
) -> None:
    # The server's shutdown begins while this GET runs (here: the GET starts it).
    root = make_project(
        {
            "app/late/route.py": """
from approute import NextResponse
from approute.realtime import going_away


def GET(request):
    going_away()
    return NextResponse.upgrade(open=lambda peer: peer.send("too late"))
"""
        }
    )
    app = create_app(root, cache_handler=MemoryCacheHandler())
    with TestClient(app) as client:
        with client.websocket_connect("/late") as ws:
            assert _close_code(ws) == (1001, "server shutting down")
        with pytest.raises(WebSocketDenied) as denied, client.websocket_connect("/late"):
            pass
        assert denied.value.response.status_code == 503


def test_going_away_closes_every_connection_with_1001_or_1012_under_dev() -> None:
    for dev, code in ((False, 1001), (True, 1012)):
        app = create_app(PROJECT, dev=dev, cache_handler=MemoryCacheHandler())
        with TestClient(app) as client, client.websocket_connect("/echo") as ws:
            # What a server's shutdown calls (cli/ws_protocol.py, realtime/signals.py).
            client._loop_transport.loop.call_soon_threadsafe(app.websockets.going_away)
            assert _close_code(ws)[0] == code


def test_limits_are_logged_at_warning(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="approute")
    with client.websocket_connect("/echo") as ws:
        ws.send_bytes(b"x" * (64 * 1024 + 1))
        _close_code(ws)
    assert [r.levelno for r in caplog.records if "closed with 1009" in r.getMessage()] == [
        logging.WARNING
    ]
