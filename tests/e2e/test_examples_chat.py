"""The chat room of examples/ (app/api/chat/[room]/route.py and
public/chat.html; docs/websockets.md), in-process through
``TestClient.websocket_connect``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from approute.testing import TestClient, WebSocketTestSession

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(EXAMPLES) as client:
        yield client


def _join(ws: WebSocketTestSession, room: str) -> str:
    """The short id the room greeted this connection with."""
    greeting: dict[str, Any] = ws.receive_json()
    assert greeting["type"] == "joined"
    assert greeting["room"] == room
    return str(greeting["you"])


def test_two_clients_in_one_room_see_each_others_messages(client: TestClient) -> None:
    with (
        client.websocket_connect("/api/chat/lobby") as ada,
        client.websocket_connect("/api/chat/lobby") as grace,
    ):
        ada_id, grace_id = _join(ada, "lobby"), _join(grace, "lobby")
        ada.send_text("hello")
        said = {"type": "message", "from": ada_id, "text": "hello"}
        assert ada.receive_json() == said  # the sender sees its own message too
        assert grace.receive_json() == said
        grace.send_text("hi Ada")
        said = {"type": "message", "from": grace_id, "text": "hi Ada"}
        assert grace.receive_json() == said
        assert ada.receive_json() == said


def test_a_client_in_another_room_hears_nothing(client: TestClient) -> None:
    with (
        client.websocket_connect("/api/chat/lobby") as ada,
        client.websocket_connect("/api/chat/kitchen") as linus,
    ):
        _join(ada, "lobby")
        linus_id = _join(linus, "kitchen")
        ada.send_text("only for the lobby")
        assert ada.receive_json()["text"] == "only for the lobby"
        # Published before linus speaks: had it reached the kitchen, it would come first.
        linus.send_text("anyone here?")
        assert linus.receive_json() == {"type": "message", "from": linus_id, "text": "anyone here?"}


def test_the_room_hears_who_left(client: TestClient) -> None:
    with client.websocket_connect("/api/chat/lobby") as ada:
        _join(ada, "lobby")
        with client.websocket_connect("/api/chat/lobby") as grace:
            grace_id = _join(grace, "lobby")
        # grace's close hook has run by now (close() waits for the app).
        ada.send_text("still here")
        assert ada.receive_json() == {"type": "left", "from": grace_id}


def test_a_plain_get_is_426_upgrade_required(client: TestClient) -> None:
    response = client.get("/api/chat/lobby")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"


def test_the_chat_page_is_served_and_connects_to_the_route(client: TestClient) -> None:
    page = client.get("/chat.html")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/chat/${encodeURIComponent(room)}" in page.text
    assert "<script src=" not in page.text  # nothing from outside
