"""Test helpers: ``TestClient`` and ``AsyncTestClient`` run an approute app
in-process over ASGI (no network), with httpx's API.

    from approute.testing import TestClient

    client = TestClient("path/to/project")      # or an app from create_app()
    assert client.get("/api/hello").json() == {"hello": "world"}
    with client.websocket_connect("/api/chat/lobby") as ws:  # docs/websockets.md
        ws.send_text("hi")
"""

from __future__ import annotations

from approute.testing.client import AsyncTestClient, TestClient
from approute.testing.middleware import (
    does_middleware_match,
    get_redirect_url,
    get_rewritten_url,
    is_rewrite,
)
from approute.testing.websocket import WebSocketDenied, WebSocketDisconnect, WebSocketTestSession

__all__ = [
    "AsyncTestClient",
    "TestClient",
    "WebSocketDenied",
    "WebSocketDisconnect",
    "WebSocketTestSession",
    "does_middleware_match",
    "get_redirect_url",
    "get_rewritten_url",
    "is_rewrite",
]
