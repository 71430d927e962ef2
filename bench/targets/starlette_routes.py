"""Starlette with the same generated table as bench/generate.py's
``routes_app(n)`` (n from ``$BENCH_ROUTE_COUNT``): for the route-count
scaling and memory comparison."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _static(i: int):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        return JSONResponse({"group": i})

    return endpoint


def _dynamic(i: int):  # type: ignore[no-untyped-def]
    async def endpoint(request: Request) -> Response:
        return JSONResponse({"group": i, "id": request.path_params["id"]})

    return endpoint


def _routes(n: int) -> list[Route]:
    return [
        Route(f"/api/g{i}/items/{{id}}", _dynamic(i))
        if i % 2
        else Route(f"/api/g{i}/items", _static(i))
        for i in range(n)
    ]


app = Starlette(routes=_routes(int(os.environ.get("BENCH_ROUTE_COUNT", "1000"))))
