"""``http.access_log``: the Common Log Format line, and what a client can
put in it (nothing that breaks the line or its quoting)."""

from __future__ import annotations

import asyncio
import calendar
import logging
import re
from datetime import datetime

import pytest

from approute._types import Message, Receive, Scope, Send
from approute.http.access_log import AccessLog, common_log_line

NOW = calendar.timegm((2026, 12, 7, 14, 5, 3))


def _scope(raw_path: bytes, query: bytes = b"", method: str = "GET") -> Scope:
    return {
        "type": "http",
        "method": method,
        "path": raw_path.decode("latin-1"),
        "raw_path": raw_path,
        "query_string": query,
        "http_version": "1.1",
        "client": ("203.0.113.9", 50000),
    }


def test_the_line_is_common_log_format() -> None:
    line = common_log_line(_scope(b"/api/users/42", b"x=1"), 200, 26, NOW)
    found = re.fullmatch(
        r'203\.0\.113\.9 - - \[(?P<when>[^]]+)\] "GET /api/users/42\?x=1 HTTP/1\.1" 200 26', line
    )
    assert found is not None, line
    # Local time with its offset, which reads back as the same instant.
    when = datetime.strptime(found["when"], "%d/%b/%Y:%H:%M:%S %z")
    assert when.timestamp() == NOW


def test_no_body_is_a_dash_and_no_client_is_a_dash() -> None:
    scope = _scope(b"/", method="HEAD")
    del scope["client"]
    line = common_log_line(scope, 204, 0, NOW)
    assert line.startswith("- - - [")
    assert line.endswith('"HEAD / HTTP/1.1" 204 -')


@pytest.mark.parametrize(
    ("raw", "logged"),
    [
        (b'/a"b', "/a\\x22b"),
        (b"/a\\b", "/a\\x5cb"),
        (b"/a\r\nforged 200", "/a\\x0d\\x0aforged\\x20200"),
        ("/café".encode(), "/caf\\xc3\\xa9"),
    ],
)
def test_client_bytes_cannot_break_the_line(raw: bytes, logged: str) -> None:
    line = common_log_line(_scope(raw), 400, 11, NOW)
    assert f'"GET {logged} HTTP/1.1" 400 11' in line
    assert "\n" not in line
    assert "\r" not in line
    assert line.count('"') == 2


def test_the_wrapper_logs_status_and_body_bytes_sent(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        await send({"type": "http.response.body", "body": b"de"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    with caplog.at_level(logging.INFO, logger="approute.access"):
        asyncio.run(AccessLog(app)(_scope(b"/x"), receive, send))
    assert [m["type"] for m in sent] == ["http.response.start"] + ["http.response.body"] * 2
    assert caplog.records[-1].getMessage().endswith('"GET /x HTTP/1.1" 201 5')


@pytest.mark.parametrize(
    ("messages", "logged"),
    [
        ([{"type": "websocket.accept"}, {"type": "websocket.send", "text": "x"}], "101 -"),
        (
            [
                {"type": "websocket.http.response.start", "status": 401, "headers": []},
                {"type": "websocket.http.response.body", "body": b"no", "more_body": True},
                {"type": "websocket.http.response.body", "body": b"pe"},
            ],
            "401 4",
        ),
        ([{"type": "websocket.close", "code": 1008}], "403 -"),
    ],
)
def test_a_websocket_handshake_is_logged_once_when_answered(
    caplog: pytest.LogCaptureFixture, messages: list[Message], logged: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in messages:
            await send(message)

    async def send(message: Message) -> None:
        return None

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    scope = {**_scope(b"/api/chat/lobby"), "type": "websocket"}
    del scope["method"]
    caplog.set_level(logging.INFO, logger="approute.access")
    asyncio.run(AccessLog(app)(scope, receive, send))
    lines = [r.getMessage() for r in caplog.records if r.name == "approute.access"]
    assert len(lines) == 1
    assert lines[0].endswith(f'"GET /api/chat/lobby HTTP/1.1" {logged}')
