"""The ceiling: a hand-written ASGI app doing the least work that still
parses the path and the JSON body (orjson), plus a pure-ASGI middleware."""

from __future__ import annotations

from typing import Any

import orjson

_PLAIN = b"Hello, world!"
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]
_JSON = [(b"content-type", b"application/json")]
_USERS = "/api/users/"


async def _respond(send: Any, status: int, headers: list[Any], body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    method = scope["method"]
    if method == "GET":
        if path == "/api/plain":
            return await _respond(send, 200, _TEXT, _PLAIN)
        if path == "/api/json":
            data = {"message": "Hello, world!", "ok": True, "n": 42}
            return await _respond(send, 200, _JSON, orjson.dumps(data))
        if path.startswith(_USERS):
            user_id = path[len(_USERS) :]
            if user_id and "/" not in user_id:
                data = {"id": user_id, "name": f"user {user_id}"}
                return await _respond(send, 200, _JSON, orjson.dumps(data))
    elif method == "POST" and path == "/api/echo":
        data = orjson.loads(await _read_body(receive))
        return await _respond(send, 200, _JSON, orjson.dumps(data))
    await _respond(send, 404, _TEXT, b"Not Found")


class HeaderMiddleware:
    """Pure ASGI: add ``x-mw: 1`` to responses on ``/api`` and ``/api/…``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/api" or path.startswith("/api/")):
            return await self.app(scope, receive, send)

        async def send_with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-mw", b"1")]
            await send(message)

        await self.app(scope, receive, send_with_header)


app_mw = HeaderMiddleware(app)
