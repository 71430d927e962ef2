"""FastAPI, idiomatic: return dicts, ``Body()`` for the echo; ``app_mw`` uses
``@app.middleware("http")`` (the documented way)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Body, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse


def _build(with_middleware: bool) -> FastAPI:
    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @api.get("/api/plain", response_class=PlainTextResponse)
    async def plain() -> str:
        return "Hello, world!"

    @api.get("/api/json")
    async def json() -> dict[str, Any]:
        return {"message": "Hello, world!", "ok": True, "n": 42}

    @api.get("/api/users/{id}")
    async def user(id: str) -> dict[str, Any]:
        return {"id": id, "name": f"user {id}"}

    @api.post("/api/echo")
    async def echo(payload: dict[str, Any] = Body()) -> dict[str, Any]:  # noqa: B008
        return payload

    if with_middleware:

        @api.middleware("http")
        async def add_header(
            request: Request, call_next: Callable[[Request], Awaitable[Response]]
        ) -> Response:
            response = await call_next(request)
            path = request.url.path
            if path == "/api" or path.startswith("/api/"):
                response.headers["x-mw"] = "1"
            return response

    return api


app = _build(False)
app_mw = _build(True)
