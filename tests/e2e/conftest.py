"""The end-to-end bad-input project, and one real uvicorn server per test
module and parser (module scope keeps the suite fast).

Every server runs approute's own uvicorn settings (`server_options`) with a
short head deadline (0.5 s) and body deadline (0.5 s), so the slow-client
tests finish quickly; every other request arrives in one ``sendall`` and is
unaffected.
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute.app import create_app
from tests.support.servers import (
    SERVER_KINDS,
    RunningServer,
    ServerKind,
    get,
    raw_request,
    run_server,
)

HEAD_TIMEOUT = 0.5
BODY_TIMEOUT = 0.5
BODY_LIMIT = 4 * 1024 * 1024

# Route modules write marker files under the project root so a test can see
# that a generator's ``finally`` or a cancelled handler's ``except
# CancelledError`` ran. (Inlined per route: a shared top-level module would
# be cached in sys.modules across the per-module projects.)
_MARKERS = """
    MARKERS = Path(__file__).resolve().parents[3] / "markers"


    def mark(request, what):
        token = request.next_url.search_params.get("token") or ""
        if token.isalnum():
            (MARKERS / f"{token}.{what}").touch()
"""


def _with_markers(handler: str) -> str:
    """A route module with asyncio, Response and the ``mark`` helper."""
    imports = "import asyncio\nfrom pathlib import Path\n\nfrom approute import Response\n"
    return imports + textwrap.dedent(_MARKERS) + textwrap.dedent(handler)


PROJECT: dict[str, str] = {
    "app/api/echo/route.py": """
        from approute import NextResponse


        async def _echo(request, ctx):
            return NextResponse.json(
                {
                    "method": request.method,
                    "url": request.url,
                    "pathname": request.next_url.pathname,
                    "search": request.next_url.search,
                    "query": [list(pair) for pair in request.next_url.search_params.items()],
                    "headers": [list(pair) for pair in request.headers.items()],
                    "params": ctx.params,
                }
            )


        GET = POST = PUT = PATCH = DELETE = _echo
    """,
    "app/api/users/[id]/route.py": """
        from approute import NextResponse


        def GET(request, ctx):
            return NextResponse.json({"id": ctx.params["id"]})
    """,
    "app/api/json/route.py": """
        from approute import NextResponse


        async def POST(request):
            return NextResponse.json({"data": await request.json()})
    """,
    "app/api/json-caught/route.py": """
        from approute import NextResponse


        async def POST(request):
            try:
                data = await request.json()
            except ValueError as error:
                return NextResponse.json({"caught": type(error).__name__}, status=422)
            return NextResponse.json({"data": data})
    """,
    "app/api/body/route.py": """
        from approute import NextResponse


        async def POST(request):
            return NextResponse.json({"size": len(await request.bytes())})

        PUT = POST
    """,
    "app/api/form/route.py": """
        import hashlib

        from approute import NextResponse


        async def POST(request):
            form = await request.form_data()
            fields = []
            for name, value in form.items():
                if isinstance(value, str):
                    fields.append({"name": name, "value": value[:100], "length": len(value)})
                else:
                    content = await value.bytes()
                    fields.append(
                        {
                            "name": name,
                            "filename": value.name,
                            "type": value.type,
                            "size": value.size,
                            "sha256": hashlib.sha256(content).hexdigest(),
                        }
                    )
            form.close()
            return NextResponse.json({"count": len(fields), "fields": fields[:5]})
    """,
    "app/api/slow/route.py": _with_markers(
        """


        async def GET(request):
            mark(request, "started")
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                mark(request, "cancelled")
                raise
            finally:
                mark(request, "finally")
            return Response("done")
        """
    ),
    "app/api/stream/route.py": _with_markers(
        """


        async def GET(request):
            async def ticks():
                mark(request, "started")
                try:
                    while True:
                        yield b"tick\\n"
                        await asyncio.sleep(0.01)
                finally:
                    mark(request, "finally")

            return Response(ticks(), headers={"content-type": "text/plain"})
        """
    ),
    "app/api/upload/route.py": _with_markers(
        """
        async def POST(request):
            try:
                body = await request.bytes()
            except BaseException as error:
                mark(request, type(error).__name__)
                raise
            return Response(str(len(body)))
        """
    ),
    "app/api/errors/raise/route.py": """
        def GET(request):
            raise RuntimeError("boom: secret internals")
    """,
    "app/api/errors/none/route.py": """
        async def GET(request):
            return None
    """,
    "app/api/errors/dict/route.py": """
        async def GET(request):
            return {"not": "a response"}
    """,
    "app/api/errors/crlf/route.py": """
        from approute import Response


        async def GET(request):
            response = Response("ok")
            response.headers.set("x-injected", "a\\r\\nSet-Cookie: pwned=1")
            return response
    """,
    "app/api/errors/crlf-init/route.py": """
        from approute import Response


        async def GET(request):
            return Response("ok", headers={"x-injected": "a\\r\\nSet-Cookie: pwned=1"})
    """,
}


def write_project(root: Path) -> Path:
    for name, source in PROJECT.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    (root / "markers").mkdir()
    return root


@pytest.fixture(scope="module")
def project_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("badinput"))


@pytest.fixture(scope="module", params=SERVER_KINDS)
def server_kind(request: pytest.FixtureRequest) -> ServerKind:
    """Every supported server: uvicorn with each of its parsers (they disagree
    on a dozen inputs) and granian, module-wide."""
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def server(server_kind: ServerKind, project_root: Path) -> Iterator[RunningServer]:
    """One real uvicorn per module and parser, serving the project above."""
    app = create_app(project_root, body_size_limit=BODY_LIMIT, body_timeout=BODY_TIMEOUT)
    with run_server(app, server_kind, head_timeout=HEAD_TIMEOUT) as running:
        yield running


@pytest.fixture(autouse=True)
def _no_unhandled_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """uvicorn logs "Exception in ASGI application" when an app lets an error
    escape or breaks the protocol: never acceptable for bad input."""
    caplog.set_level(logging.INFO)
    yield
    # caplog.records holds only the current phase (teardown, here): read
    # what the test itself logged.
    escaped = [
        record.getMessage()
        for record in caplog.get_records("call")
        if record.name.startswith(("uvicorn", "_granian")) and record.levelno >= logging.ERROR
    ]
    assert not escaped, escaped


def assert_alive(server: RunningServer) -> None:
    """The server is alive: a plain GET /api/echo still answers 200."""
    response = raw_request(server, get("/api/echo"))
    assert response is not None
    assert response.status == 200
