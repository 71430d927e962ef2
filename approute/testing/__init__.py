"""Test helpers: ``TestClient`` and ``AsyncTestClient`` run an approute app
in-process over ASGI (no network), with httpx's API.

    from approute.testing import TestClient

    client = TestClient("path/to/project")      # or an app from create_app()
    assert client.get("/api/hello").json() == {"hello": "world"}
"""

from __future__ import annotations

from approute.testing.client import AsyncTestClient, TestClient

__all__ = ["AsyncTestClient", "TestClient"]
