"""Instructions per request, counted by valgrind: a before/after measure that
the machine's noise does not move.

    python -m bench.instructions                      # this checkout
    python -m bench.instructions --tree /tmp/base     # another checkout (a git worktree)
    python -m bench.instructions --case "validated POST" --case "by-hand POST"

requests/s on a shared 2-core machine move ±30% between runs (the numbers
in docs/benchmarks.md); callgrind's instruction count for the same code and
inputs is the same on every run, whatever else the machine does. For each
case the app answers 500 requests through its ASGI callable (no server, no
network) under ``valgrind --tool=callgrind``; the count of a run that
answers none is subtracted, so startup and imports drop out. The count
says nothing about system calls, page faults or waiting: read it beside
``make bench``, not instead of it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REQUESTS = 500
_COLLECTED = re.compile(rb"Collected : (\d+)")

FILES = {
    "app/api/plain/route.py": (
        "from approute import Response\nasync def GET(request):\n    return Response('hello')\n"
    ),
    "app/api/json/route.py": (
        "from approute import NextResponse\n"
        "async def GET(request):\n    return NextResponse.json({'a': 1})\n"
    ),
    "app/api/isr/[id]/route.py": (
        "from approute import NextResponse\nrevalidate = 60\n"
        "def GET(request, ctx):\n    return NextResponse.json({'id': ctx.params['id']})\n"
    ),
    "app/api/users/[id]/route.py": (
        "from approute import NextResponse\n"
        "async def GET(request, ctx):\n    return NextResponse.json({'id': ctx.params['id']})\n"
    ),
    "app/api/echo/route.py": (
        "from approute import NextResponse\n"
        "async def POST(request):\n    return NextResponse.json(await request.json())\n"
    ),
    "app/api/validated/route.py": (
        "from pydantic import BaseModel\nfrom approute import NextResponse\n"
        "from approute.validation import Input, api\n"
        "class Item(BaseModel):\n    name: str\n    n: int\n"
        "@api(responses={200: Item})\n"
        "async def POST(request, ctx: Input[Item]):\n    return ctx.body\n"
    ),
    "app/api/by-hand/route.py": (
        "from pydantic import BaseModel\nfrom approute import NextResponse\n"
        "class Item(BaseModel):\n    name: str\n    n: int\n"
        "async def POST(request):\n"
        "    item = Item.model_validate_json(await request.bytes())\n"
        "    return NextResponse(item.model_dump_json(), "
        "headers={'content-type': 'application/json'})\n"
    ),
    "app/mw/x/route.py": (
        "from approute import Response\nasync def GET(request):\n    return Response('mw')\n"
    ),
    "middleware.py": (
        "from approute import NextResponse\nconfig = {'matcher': '/mw/:path*'}\n"
        "async def middleware(request):\n"
        "    r = NextResponse.next()\n    r.headers.set('x-mw', '1')\n    return r\n"
    ),
    "approute.config.py": "cache_handler = 'memory'\n",
}
_HEAD = [(b"host", b"localhost"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]
_BODY = b'{"name":"approute","n":1}'
_JSON_HEAD = [*_HEAD, (b"content-type", b"application/json"), (b"content-length", b"25")]
CASES: dict[str, tuple[str, str, list[tuple[bytes, bytes]], bytes]] = {
    "plain": ("GET", "/api/plain", _HEAD, b""),
    "json+gzip": ("GET", "/api/json", [*_HEAD, (b"accept-encoding", b"gzip, br")], b""),
    "isr HIT": ("GET", "/api/isr/7", _HEAD, b""),
    "middleware": ("GET", "/mw/x", _HEAD, b""),
    "users/[id]": ("GET", "/api/users/42", _HEAD, b""),
    "echo POST": ("POST", "/api/echo", _JSON_HEAD, _BODY),
    # Issue 15's bar: a declared body within 15% of validating it by hand.
    "validated POST": ("POST", "/api/validated", _JSON_HEAD, _BODY),
    "by-hand POST": ("POST", "/api/by-hand", _JSON_HEAD, _BODY),
}


async def _call(app: Any, method: str, path: str, headers: Any, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "server": ("127.0.0.1", 3000),
        "client": ("127.0.0.1", 5000),
    }
    received: list[int] = []
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if received:  # the body is read: wait as a connection would
            await asyncio.Event().wait()
        received.append(1)
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    return statuses[0]


def _serve(root: str, case: str, count: int) -> None:
    """The child: every case once (warm-up, checked), then ``case`` ``count`` times."""
    from approute.app import create_app

    app = create_app(root)

    async def run() -> None:
        for name, request in CASES.items():
            status = await _call(app, *request)
            if status != 200:
                raise SystemExit(f"{name}: {status}")
        for _ in range(count):
            await _call(app, *CASES[case])

    asyncio.run(run())


def _count(tree: Path, root: str, case: str, count: int) -> int:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,  # as a script: nothing of this checkout shadows --tree's approute
        "--child",
        root,
        case,
        str(count),
    ]
    done = subprocess.run(command, env=env, cwd=tree, capture_output=True, check=True)
    found = _COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(done.stderr.decode(errors="replace")[-2000:])
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--case", action="append", choices=list(CASES), help="only these cases")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        root, case, count = args.child
        _serve(root, case, int(count))
        return 0
    if shutil.which("valgrind") is None:
        print("bench.instructions: valgrind is missing (apt-get install valgrind)", file=sys.stderr)
        return 2
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory() as root:
        for name, text in FILES.items():
            path = Path(root, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        base = _count(tree, root, "plain", 0)
        print(f"instructions per request ({tree}):")
        for case in args.case or CASES:
            total = _count(tree, root, case, REQUESTS)
            print(f"  {case:14s} {(total - base) // REQUESTS:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
