"""Litestar (optional target), idiomatic handlers; ``app_mw`` uses an
``ASGIMiddleware`` that adds the header on the response start."""

from __future__ import annotations

from typing import Any

from litestar import Litestar, get, post
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


@get("/api/plain")
async def plain() -> str:
    return "Hello, world!"


@get("/api/json")
async def json() -> dict[str, Any]:
    return {"message": "Hello, world!", "ok": True, "n": 42}


@get("/api/users/{user_id:str}")
async def user(user_id: str) -> dict[str, Any]:
    return {"id": user_id, "name": f"user {user_id}"}


@post("/api/echo", status_code=200)
async def echo(data: dict[str, Any]) -> dict[str, Any]:
    return data


class HeaderMiddleware(ASGIMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        if not (path == "/api" or path.startswith("/api/")):
            return await next_app(scope, receive, send)

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-mw", b"1")]
            await send(message)

        await next_app(scope, receive, send_with_header)


HANDLERS = [plain, json, user, echo]
app = Litestar(route_handlers=HANDLERS, openapi_config=None)
app_mw = Litestar(route_handlers=HANDLERS, middleware=[HeaderMiddleware()], openapi_config=None)
