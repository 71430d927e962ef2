"""What a middleware costs a request, in process (µs per request, the best
of five runs of 20,000 requests through the app's ASGI callable; no server):

    python -m bench.middleware_cost

One route (``GET /mw/x`` answering a short text) behind: no middleware, a
middleware returning None, ``NextResponse.next()``, the same with one
header, and that last one written as a plain ``def`` (run in a worker
thread). Wall-clock on a shared machine moves a few percent between runs;
read the differences between rows, not the absolute numbers.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.instructions import _HEAD, _call

REQUESTS = 20_000
_ROUTE = "from approute import Response\nasync def GET(request):\n    return Response('mw')\n"
_NEXT = "from approute import NextResponse\n"
VARIANTS: dict[str, str | None] = {
    "no middleware": None,
    "returns None": "async def middleware(request):\n    return None\n",
    "next()": _NEXT + "async def middleware(request):\n    return NextResponse.next()\n",
    "next() + header": _NEXT + "async def middleware(request):\n"
    "    r = NextResponse.next()\n    r.headers.set('x-mw', '1')\n    return r\n",
    "def: next() + header": _NEXT + "def middleware(request):\n"
    "    r = NextResponse.next()\n    r.headers.set('x-mw', '1')\n    return r\n",
}


async def _requests(app: Any, count: int) -> None:
    for _ in range(count):
        await _call(app, "GET", "/mw/x", _HEAD, b"")


def _app(root: Path, middleware: str | None) -> Any:
    from approute.app import create_app

    (root / "app" / "mw" / "x").mkdir(parents=True)
    (root / "app" / "mw" / "x" / "route.py").write_text(_ROUTE)
    if middleware is not None:
        (root / "middleware.py").write_text(middleware + "config = {'matcher': '/mw/:path*'}\n")
    return create_app(root)


def main() -> int:
    print(f"µs per request, best of 5 × {REQUESTS:,} (python -m bench.middleware_cost):")
    for name, middleware in VARIANTS.items():
        with tempfile.TemporaryDirectory() as folder:
            app = _app(Path(folder), middleware)
            asyncio.run(_requests(app, 2_000))  # warm-up
            best = float("inf")
            for _ in range(5):
                started = time.perf_counter()
                asyncio.run(_requests(app, REQUESTS))
                best = min(best, time.perf_counter() - started)
        print(f"  {name:22s} {best / REQUESTS * 1e6:7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
