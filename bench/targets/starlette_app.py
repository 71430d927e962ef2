"""Starlette, idiomatic: ``Route``s, ``PlainTextResponse`` / ``JSONResponse``;
``app_mw`` uses ``BaseHTTPMiddleware`` (the documented way), ``app_asgimw``
the pure-ASGI middleware from raw_asgi.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bench.targets.raw_asgi import HeaderMiddleware


async def plain(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


async def json(request: Request) -> Response:
    return JSONResponse({"message": "Hello, world!", "ok": True, "n": 42})


async def user(request: Request) -> Response:
    user_id = request.path_params["id"]
    return JSONResponse({"id": user_id, "name": f"user {user_id}"})


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


ROUTES = [
    Route("/api/plain", plain),
    Route("/api/json", json),
    Route("/api/users/{id}", user),
    Route("/api/echo", echo, methods=["POST"]),
]


class HeaderHTTPMiddleware(BaseHTTPMiddleware):
    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        path = request.url.path
        if path == "/api" or path.startswith("/api/"):
            response.headers["x-mw"] = "1"
        return response


app = Starlette(routes=ROUTES)
app_mw = Starlette(routes=ROUTES, middleware=[Middleware(HeaderHTTPMiddleware)])
app_asgimw = Starlette(routes=ROUTES, middleware=[Middleware(HeaderMiddleware)])
