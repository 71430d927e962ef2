"""External rewrites never hand an upstream's internal headers to the
client (issue 11, finding 9; docs/security.md, the attack table): a real
upstream uvicorn answering with ``x-middleware-*``, ``x-nextjs-*`` and
``x-approute-*`` headers, reached through a config rewrite and through a
middleware ``NextResponse.rewrite(absolute URL)``, on every supported server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from approute._types import Receive, Scope, Send
from approute.app import create_app
from tests.conftest import ProjectFactory
from tests.support.servers import RunningServer, ServerKind, run_server

INTERNAL = [
    (b"x-middleware-rewrite", b"/x"),
    (b"x-middleware-next", b"1"),
    (b"X-Middleware-Set-Cookie", b"session=stolen"),
    (b"x-middleware-request-authorization", b"Bearer admin"),
    (b"x_middleware_override_headers", b"authorization"),
    (b"x-nextjs-foo", b"bar"),
    (b"X-NextJS-Data", b"1"),
    (b"x-approute-internal-foo", b"1"),
    (b"x-approute-build", b"abc"),
]
ORDINARY = [
    (b"content-type", b"text/plain"),
    (b"x-upstream", b"1"),
    (b"set-cookie", b"a=1"),
    (b"x-middlewarez", b"not ours"),  # only the exact prefixes are internal
    (b"x-approute-cache", b"HIT"),  # approute's one public header
]


async def upstream(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = f"upstream saw {scope['path']}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [*INTERNAL, *ORDINARY]})
    await send({"type": "http.response.body", "body": body})


MIDDLEWARE = """
from pathlib import Path
from approute import NextResponse

UPSTREAM = Path(__file__).with_name("upstream.txt").read_text()


def middleware(request):
    return NextResponse.rewrite(UPSTREAM + request.next_url.pathname.removeprefix("/mw"))


config = {"matcher": ["/mw/:path*"]}
"""


@pytest.fixture
def site(make_project: ProjectFactory, server_kind: ServerKind) -> Iterator[RunningServer]:
    with run_server(upstream, "h11") as target:
        root: Path = make_project(
            {
                "app/route.py": "from approute import Response\n"
                "def GET(request):\n    return Response('home')\n",
                "middleware.py": MIDDLEWARE,
                "upstream.txt": target.url,
                "approute.config.py": "def rewrites():\n    return [{'source': '/proxy/:path*',"
                f" 'destination': '{target.url}/:path*'}}]\n",
            }
        )
        with run_server(create_app(root), server_kind) as server:
            yield server


@pytest.mark.parametrize("path", ["/proxy/a/b", "/mw/a/b"], ids=["config-rewrite", "middleware"])
def test_internal_headers_of_the_upstream_never_reach_the_client(
    site: RunningServer, path: str
) -> None:
    response = httpx.get(site.url + path)
    assert (response.status_code, response.text) == (200, "upstream saw /a/b")
    names = [name.lower() for name, _ in response.headers.raw]
    leaked = [
        name
        for name in names
        if name.replace(b"_", b"-").startswith((b"x-middleware-", b"x-nextjs-", b"x-approute-"))
        and name != b"x-approute-cache"
    ]
    assert leaked == []
    for name, value in ORDINARY:
        assert response.headers.get_list(name.decode()) == [value.decode()]
