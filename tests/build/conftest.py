"""Project trees for the build tests, and a real redis-server for the
build-id namespace test (the cache suite's fixture)."""

from __future__ import annotations

import io
from pathlib import Path

from approute.build import build_project
from tests.support.redis import RedisServer, own_redis_server

__all__ = ["CALLS", "PROJECT", "RedisServer", "build", "calls", "own_redis_server"]

# Each handler appends "<path>\n" to <root>/calls.log when it runs, so a test
# sees whether the handler ran (the log is not a build input).
CALLS = """
from pathlib import Path

CALLS = Path(__file__).resolve().parents[{depth}] / "calls.log"


def called(request):
    with CALLS.open("a") as log:
        log.write(request.next_url.pathname + "\\n")
"""


def _counted(depth: int, body: str) -> str:
    return CALLS.format(depth=depth) + body


PROJECT: dict[str, str] = {
    "app/api/hello/route.py": _counted(
        3,
        """
from approute import Response

dynamic = "force-static"


def GET(request):
    called(request)
    return Response("hello v1")
""",
    ),
    "app/api/users/[id]/route.py": _counted(
        4,
        """
from approute import NextResponse

revalidate = 60


def generate_static_params():
    return [{"id": str(n)} for n in range(1, 6)]


def GET(request, ctx):
    called(request)
    return NextResponse.json({"id": ctx.params["id"], "url": request.url})


def DELETE(request, ctx):
    return NextResponse.json({"deleted": ctx.params["id"]})
""",
    ),
    "app/api/files/[...path]/route.py": _counted(
        4,
        """
from approute import NextResponse

dynamic = "force-static"


async def generate_static_params():
    return [{"path": ["a", "b c"]}, {"path": ["z"]}]


def GET(request, ctx):
    called(request)
    return NextResponse.json(ctx.params)
""",
    ),
    "app/(internal)/%5Fstatus/route.py": _counted(
        3,
        """
from approute import Response

revalidate = 3600


def GET(request):
    called(request)
    return Response("ok")
""",
    ),
    "app/api/now/route.py": """
from approute import Response


def GET(request):
    return Response("dynamic")
""",
    "app/api/login/route.py": """
from approute import NextResponse

dynamic = "force-static"


def GET(request):
    response = NextResponse.json({"ok": True})
    response.cookies.set("session", "1")
    return response
""",
    "app/_lib/helpers.py": "VALUE = 1\n",
    "proxy.py": """
def proxy(request):
    return None
""",
}


def build(root: Path, *, tty: bool = False) -> str:
    """Run ``approute build`` in this process; its standard output."""
    out = io.StringIO()
    build_project(root, out=out, tty=tty)
    return out.getvalue()


def calls(root: Path) -> list[str]:
    """The paths whose handler ran, in order."""
    log = root / "calls.log"
    return log.read_text().splitlines() if log.exists() else []
