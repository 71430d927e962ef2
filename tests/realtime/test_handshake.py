"""The handshake is a GET through the whole pipeline (docs/websockets.md):
the route upgrades or answers, the middleware and config rules apply, the
origin is checked first. In-process, through ``TestClient.websocket_connect``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from approute import NextResponse, WebSocketHooks
from approute.testing import TestClient, WebSocketDenied
from tests.conftest import ProjectFactory

PROJECT = Path(__file__).resolve().parents[1] / "fixtures" / "websockets"


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(PROJECT) as client:
        yield client


def _denied(client: TestClient, path: str, **kwargs: object) -> WebSocketDenied:
    with pytest.raises(WebSocketDenied) as denied, client.websocket_connect(path, **kwargs):  # type: ignore[arg-type]
        pass
    return denied.value


def test_text_bytes_and_json_echo(client: TestClient) -> None:
    with client.websocket_connect("/echo") as ws:
        ws.send_text("hello")
        assert ws.receive_text() == "hello"
        ws.send_bytes(b"\x00\xff")
        assert ws.receive_bytes() == b"\x00\xff"
        ws.send_json({"n": 1})
        assert ws.receive_json() == {"echo": {"n": 1}}


def test_headers_and_cookies_of_the_upgrade_response_go_on_the_handshake(
    client: TestClient,
) -> None:
    with client.websocket_connect("/echo") as ws:
        assert ws.headers["x-handshake"] == "yes"
        assert ws.headers["set-cookie"] == "visited=1; Path=/; HttpOnly"
        assert ws.headers["x-config"] == "on"  # approute.config.py headers()
        assert "content-type" not in ws.headers  # the 426's own headers stay off


def test_the_route_refuses_with_any_response(client: TestClient) -> None:
    response = _denied(client, "/guarded").response
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {"error": "unauthorized"}
    with client.websocket_connect("/guarded", headers={"authorization": "Bearer good"}) as ws:
        assert ws.receive_text() == "welcome"


def test_the_middleware_guards_refuses_and_redirects(client: TestClient) -> None:
    assert _denied(client, "/private/socket").response.status_code == 401
    with client.websocket_connect("/private/socket?token=ok") as ws:
        assert ws.receive_text() == "inside"
    redirect = _denied(client, "/moved").response
    assert (redirect.status_code, redirect.headers["location"]) == (307, "/echo")


@pytest.mark.parametrize("path", ["/old-echo", "/alias"])
def test_middleware_and_config_rewrites_reach_the_route(client: TestClient, path: str) -> None:
    with client.websocket_connect(path) as ws:
        ws.send_text("via rewrite")
        assert ws.receive_text() == "via rewrite"


def test_the_route_sees_the_middleware_request_headers_and_its_own_request(
    client: TestClient,
) -> None:
    with client.websocket_connect("/whoami") as ws:
        assert ws.receive_json() == {"user": "ada", "path": "/whoami", "same_request": True}


def test_params_reach_the_route(client: TestClient) -> None:
    with client.websocket_connect("/rooms/lobby") as ws:
        assert ws.receive_json()["joined"] == "lobby"


def test_no_route_is_a_404_refusal(client: TestClient) -> None:
    assert _denied(client, "/nowhere").response.status_code == 404


def test_a_plain_get_to_an_upgrading_route_is_426(client: TestClient) -> None:
    response = client.get("/echo")
    assert response.status_code == 426
    assert response.headers["upgrade"] == "websocket"
    assert response.text == "Upgrade Required"


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        pytest.param(None, True, id="no-origin"),
        pytest.param("http://localhost:3000", True, id="same-origin"),
        pytest.param("HTTP://LOCALHOST:3000", True, id="same-origin-case"),
        pytest.param("https://app.example", True, id="listed"),
        pytest.param("https://app.example:443", True, id="listed-default-port"),
        pytest.param("https://evil.example", False, id="cross-origin"),
        pytest.param("http://localhost:3001", False, id="other-port"),
        pytest.param("null", False, id="null"),
        pytest.param("https://app.example/path", False, id="not-an-origin"),
    ],
)
def test_the_origin_is_checked_before_anything_else(
    client: TestClient, origin: str | None, allowed: bool
) -> None:
    headers = {} if origin is None else {"origin": origin}
    if allowed:
        with client.websocket_connect("/echo", headers=headers) as ws:
            ws.send_text("ok")
            assert ws.receive_text() == "ok"
        return
    # /private/socket would be 401 by the middleware: the origin check comes first.
    for path in ("/echo", "/private/socket"):
        response = _denied(client, path, headers=headers).response
        assert response.status_code == 403


def test_a_subprotocol_is_chosen_by_the_response_header(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/chat/route.py": """
from approute import NextResponse


def GET(request):
    offered = request.headers.get("sec-websocket-protocol") or ""
    response = NextResponse.upgrade()
    if "chat.v2" in offered:
        response.headers.set("sec-websocket-protocol", "chat.v2")
    return response
"""
        }
    )
    with (
        TestClient(root) as client,
        client.websocket_connect("/chat", subprotocols=["chat.v1", "chat.v2"]) as ws,
    ):
        assert ws.subprotocol == "chat.v2"
        assert "sec-websocket-protocol" not in ws.headers


def test_upgrade_takes_a_dict_hooks_or_keywords_and_refuses_unknown_hooks() -> None:
    def hook(*args: object) -> None:
        return None

    assert NextResponse.upgrade({"open": hook}).hooks.open is hook
    assert NextResponse.upgrade(WebSocketHooks(close=hook)).hooks.close is hook
    assert NextResponse.upgrade(message=hook).hooks.message is hook
    with pytest.raises(TypeError, match="unknown hooks \\['onMessage'\\]"):
        NextResponse.upgrade({"onMessage": hook})
    with pytest.raises(TypeError, match="message must be a function"):
        NextResponse.upgrade({"message": "not a function"})  # type: ignore[dict-item]


def test_a_get_that_raises_is_raised_in_the_test_or_refuses_with_500(
    make_project: ProjectFactory,
) -> None:
    root = make_project(
        {"app/bad/route.py": "def GET(request):\n    raise LookupError('no room')\n"}
    )
    with (
        TestClient(root) as client,
        pytest.raises(LookupError, match="no room"),
        client.websocket_connect("/bad"),
    ):
        pass
    with TestClient(root, raise_server_exceptions=False) as client:
        assert _denied(client, "/bad").response.status_code == 500
