"""Write the approute projects under test.

* ``bench/targets/approute/`` and ``approute_mw/``: the four endpoints as an
  ``app/`` tree of route.py files; ``_mw`` adds a root ``middleware.py``
  whose matcher is ``/api/:path*``. Rewritten on every run (deterministic,
  so the committed copies never drift).
* ``routes_app(n)``: ``n`` routes, half static ``/api/g{i}/items`` (even
  ``i``), half dynamic ``/api/g{i}/items/[id]`` (odd ``i``); the last one,
  ``/api/g{n-1}/items/42``, is what the scaling benchmark requests.
  bench/targets/starlette_routes.py builds the same table for Starlette.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = [
    "NEXT_VERSION",
    "TARGETS_DIR",
    "NextjsUnavailable",
    "build",
    "dynamic_path",
    "four_endpoint_apps",
    "nextjs_apps",
    "routes_app",
]

TARGETS_DIR = Path(__file__).resolve().parent / "targets"

_ROUTES = {
    "app/api/plain/route.py": '''\
"""GET /api/plain — text."""

from approute import NextRequest, Response


async def GET(request: NextRequest) -> Response:
    return Response("Hello, world!")
''',
    "app/api/json/route.py": '''\
"""GET /api/json — a small JSON object."""

from approute import NextRequest, NextResponse


async def GET(request: NextRequest) -> NextResponse:
    return NextResponse.json({"message": "Hello, world!", "ok": True, "n": 42})
''',
    "app/api/users/[id]/route.py": '''\
"""GET /api/users/<id> — a dynamic segment."""

from approute import NextRequest, NextResponse, RouteContext


async def GET(request: NextRequest, ctx: RouteContext) -> NextResponse:
    user_id = ctx.params["id"]
    return NextResponse.json({"id": user_id, "name": f"user {user_id}"})
''',
    "app/api/echo/route.py": '''\
"""POST /api/echo — JSON echo."""

from approute import NextRequest, NextResponse


async def POST(request: NextRequest) -> NextResponse:
    return NextResponse.json(await request.json())
''',
}

_MIDDLEWARE = '''\
"""Adds ``x-mw: 1`` to every response under /api (the benchmark's middleware)."""

from approute import NextRequest, NextResponse


async def middleware(request: NextRequest) -> NextResponse:
    response = NextResponse.next()
    response.headers.set("x-mw", "1")
    return response


config = {"matcher": ["/api/:path*"]}
'''

_STATIC_ROUTE = """\
from approute import NextResponse


async def GET(request):
    return NextResponse.json({{"group": {i}}})
"""

_DYNAMIC_ROUTE = """\
from approute import NextResponse


async def GET(request, ctx):
    return NextResponse.json({{"group": {i}, "id": ctx.params["id"]}})
"""


def _write_tree(root: Path, files: dict[str, str]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def build(root: Path) -> None:
    """``approute build`` the project, as a deployment would before ``start``
    (it also writes the ``.pyc`` files the servers then use)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(
        [sys.executable, "-m", "approute.cli", "build", str(root)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=600,
    )


def four_endpoint_apps() -> dict[str, Path]:
    """(Re)write and build ``approute`` and ``approute_mw``; name → project root."""
    plain = TARGETS_DIR / "approute"
    with_mw = TARGETS_DIR / "approute_mw"
    _write_tree(plain, _ROUTES)
    _write_tree(with_mw, {**_ROUTES, "middleware.py": _MIDDLEWARE})
    build(plain)
    build(with_mw)
    return {"approute": plain, "approute_mw": with_mw}


def dynamic_path(n: int) -> str:
    """The request path of the last (dynamic) route of an ``n``-route app."""
    last = n - 1 if (n - 1) % 2 else n - 2
    return f"/api/g{last}/items/42"


def routes_app(n: int, where: Path) -> Path:
    """(Re)write an ``n``-route project at ``where/routes-{n}`` (not built)."""
    files = {}
    for i in range(n):
        if i % 2:
            files[f"app/api/g{i}/items/[id]/route.py"] = _DYNAMIC_ROUTE.format(i=i)
        else:
            files[f"app/api/g{i}/items/route.py"] = _STATIC_ROUTE.format(i=i)
    root = where / f"routes-{n}"
    _write_tree(root, files)
    return root


# -- Next.js (optional: needs node and npm, and the npm registry) -------------

NEXT_VERSION = "16.4.6"  # the version docs/deviations.md was measured against

_NEXT_FILES = {
    "package.json": json.dumps(
        {
            "name": "approute-bench-nextjs",
            "private": True,
            "version": "0.0.0",
            "dependencies": {"next": NEXT_VERSION, "react": "19.3.1", "react-dom": "19.3.1"},
        },
        indent=2,
    )
    + "\n",
    "next.config.mjs": "export default {};\n",
    "app/api/plain/route.js": """\
export function GET() {
  return new Response("Hello, world!");
}
""",
    "app/api/json/route.js": """\
export function GET() {
  return Response.json({ message: "Hello, world!", ok: true, n: 42 });
}
""",
    "app/api/users/[id]/route.js": """\
export async function GET(request, { params }) {
  const { id } = await params;
  return Response.json({ id, name: `user ${id}` });
}
""",
    "app/api/echo/route.js": """\
export async function POST(request) {
  return Response.json(await request.json());
}
""",
}

_NEXT_PROXY = """\
import { NextResponse } from "next/server";

export function proxy(request) {
  const response = NextResponse.next();
  response.headers.set("x-mw", "1");
  return response;
}

export const config = { matcher: ["/api/:path*"] };
"""


class NextjsUnavailable(RuntimeError):
    """``npm install`` or ``next build`` failed (no registry, an old Node.js)."""


def _next_project(root: Path, files: dict[str, str]) -> None:
    """Write the project (keeping ``node_modules``), install, build."""
    keep = root / "node_modules"
    if root.exists():
        for child in root.iterdir():
            if child != keep:
                shutil.rmtree(child) if child.is_dir() else child.unlink()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    env = {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}
    steps = (
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        [str(root / "node_modules" / ".bin" / "next"), "build"],
    )
    for step in steps:
        done = subprocess.run(
            step, cwd=root, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise NextjsUnavailable(f"{' '.join(step[:2])} in {root}: {' | '.join(tail)}")


def nextjs_apps() -> dict[str, Path]:
    """(Re)write, install and build ``nextjs`` and ``nextjs_mw`` (a ``proxy.js``
    adding the header on ``/api/:path*``); name → project root."""
    plain = TARGETS_DIR / "nextjs"
    with_mw = TARGETS_DIR / "nextjs_mw"
    _next_project(plain, _NEXT_FILES)
    _next_project(with_mw, {**_NEXT_FILES, "proxy.js": _NEXT_PROXY})
    return {"nextjs": plain, "nextjs_mw": with_mw}
