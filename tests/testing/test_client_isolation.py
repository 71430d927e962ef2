"""``TestClient`` and ``AsyncTestClient`` apart from a server (docs/testing.md):
a project path gets a private in-memory cache, never ``.approute/cache``;
what a handler or the middleware raises reaches the test, unless
``raise_server_exceptions=False`` asks for the 500."""

from __future__ import annotations

import asyncio
import re
import traceback
from pathlib import Path

import pytest

from approute._types import Receive, Scope, Send
from approute.app import create_app
from approute.cache import CacheEntry, MemoryCacheHandler
from approute.testing import AsyncTestClient, TestClient
from tests.conftest import ProjectFactory

ROOT = Path(__file__).resolve().parents[2]

CACHED = """
from approute import NextResponse

revalidate = 60


def GET(request):
    return NextResponse.json({"cached": True})
"""

RAISING = """
revalidate = {revalidate}


{kind} GET(request):
    raise LookupError("no order 42")
"""

STREAM_FAILS = """
from approute import Response


async def GET(request):
    async def body():
        yield b"first "
        raise ConnectionAbortedError("upstream went away")

    return Response(body())
"""

MIDDLEWARE_RAISES = """
def middleware(request):
    raise PermissionError("middleware broke")
"""


def written(root: Path) -> list[Path]:
    """Every file under the project's ``.approute/``."""
    return sorted(path for path in (root / ".approute").rglob("*") if path.is_file())


# --- the cache ---------------------------------------------------------------


def test_project_path_client_leaves_approute_cache_untouched(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/x/route.py": CACHED})
    with TestClient(root) as client:
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"
        assert client.get("/api/x").headers["x-approute-cache"] == "HIT"
    assert written(root) == []
    # The same project served by create_app() alone stores under .approute/cache.
    with TestClient(create_app(root)) as client:
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"
    assert written(root)
    assert all(path.is_relative_to(root / ".approute" / "cache") for path in written(root))


def test_each_project_path_client_starts_with_an_empty_cache(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/x/route.py": CACHED})
    with TestClient(root) as client:
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"
    with TestClient(root) as client:  # a second test run: nothing left over
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"


def test_async_project_path_client_leaves_approute_cache_untouched(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/x/route.py": CACHED})

    async def main() -> list[str]:
        async with AsyncTestClient(root) as client:
            return [(await client.get("/api/x")).headers["x-approute-cache"] for _ in range(2)]

    assert asyncio.run(main()) == ["MISS", "HIT"]
    assert written(root) == []


class RecordingHandler(MemoryCacheHandler):
    """A memory store that remembers the keys written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: list[str] = []

    async def set(self, key: str, entry: CacheEntry) -> None:
        self.keys.append(key)
        await super().set(key, entry)


def test_explicit_cache_handler_stores_the_route_cache(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": CACHED})
    handler = RecordingHandler()
    with TestClient(root, cache_handler=handler) as client:
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"
        assert handler.keys == ["route:/api/x:/api/x"]
    assert written(root) == []


def test_async_client_uses_an_explicit_cache_handler(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": CACHED})
    handler = RecordingHandler()

    async def main() -> None:
        async with AsyncTestClient(root, cache_handler=handler) as client:
            await client.get("/api/x")
            assert handler.keys == ["route:/api/x:/api/x"]

    asyncio.run(main())


def test_create_app_cache_handler_replaces_the_configs(make_project: ProjectFactory) -> None:
    root = make_project(
        {"app/api/x/route.py": CACHED, "approute.config.py": "cache_handler = 'filesystem'\n"}
    )
    handler = RecordingHandler()
    app = create_app(root, cache_handler=handler)
    assert app.data_cache.handler is handler
    with TestClient(app) as client:
        assert client.get("/api/x").headers["x-approute-cache"] == "MISS"
    assert handler.keys == ["route:/api/x:/api/x"]
    assert written(root) == []


def test_cache_handler_with_a_built_app_is_refused(make_project: ProjectFactory) -> None:
    app = create_app(make_project({"app/api/x/route.py": CACHED}))
    with pytest.raises(TypeError, match=r"create_app\(root, cache_handler=\.\.\.\)"):
        TestClient(app, cache_handler=MemoryCacheHandler())


# --- exceptions ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["def", "async def"])
@pytest.mark.parametrize(
    "revalidate", [pytest.param("None", id="dynamic"), pytest.param("60", id="route-cache")]
)
def test_handler_exception_is_raised_in_the_test(
    make_project: ProjectFactory, kind: str, revalidate: str
) -> None:
    source = RAISING.format(kind=kind, revalidate=revalidate)
    root = make_project({"app/api/x/route.py": source})
    with TestClient(root) as client, pytest.raises(LookupError, match=r"^no order 42$"):
        client.get("/api/x")


def test_handler_exception_is_raised_for_a_built_app(make_project: ProjectFactory) -> None:
    source = RAISING.format(kind="def", revalidate="None")
    app = create_app(make_project({"app/api/x/route.py": source}))
    with TestClient(app) as client:
        with pytest.raises(LookupError, match="no order 42") as raised:
            client.get("/api/x")
        # The handler's own frame is in the traceback (tests/test_tracebacks.py).
        frames = traceback.extract_tb(raised.value.__traceback__)
        assert any(frame.filename.endswith("/app/api/x/route.py") for frame in frames)
        # The client (and the app) go on serving.
        assert client.get("/api/nope").status_code == 404


def test_middleware_exception_is_raised_in_the_test(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": CACHED, "middleware.py": MIDDLEWARE_RAISES})
    with TestClient(root) as client, pytest.raises(PermissionError, match="middleware broke"):
        client.get("/api/x")


def test_stream_that_fails_half_way_is_raised_in_the_test(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": STREAM_FAILS})
    with TestClient(root) as client, pytest.raises(ConnectionAbortedError, match="went away"):
        client.get("/api/x")


def test_async_client_raises_the_handler_exception(make_project: ProjectFactory) -> None:
    source = RAISING.format(kind="async def", revalidate="None")
    root = make_project({"app/api/x/route.py": source})

    async def main() -> None:
        async with AsyncTestClient(root) as client:
            await client.get("/api/x")

    with pytest.raises(LookupError, match="no order 42"):
        asyncio.run(main())


def test_raise_server_exceptions_false_gives_the_500(make_project: ProjectFactory) -> None:
    source = RAISING.format(kind="def", revalidate="None")
    root = make_project({"app/api/x/route.py": source})
    with TestClient(root, raise_server_exceptions=False) as client:
        response = client.get("/api/x")
    assert response.status_code == 500
    assert response.content == b""


def test_raise_server_exceptions_false_gives_the_middleware_500(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/x/route.py": CACHED, "middleware.py": MIDDLEWARE_RAISES})
    with TestClient(root, raise_server_exceptions=False) as client:
        response = client.get("/api/x")
    assert (response.status_code, response.text) == (500, "Internal Server Error")


def test_async_client_raise_server_exceptions_false_gives_the_500(
    make_project: ProjectFactory,
) -> None:
    source = RAISING.format(kind="async def", revalidate="60")
    root = make_project({"app/api/x/route.py": source})

    async def main() -> int:
        async with AsyncTestClient(root, raise_server_exceptions=False) as client:
            return (await client.get("/api/x")).status_code

    assert asyncio.run(main()) == 500


async def failing_asgi_app(scope: Scope, receive: Receive, send: Send) -> None:
    raise OSError("not approute's")


def test_any_asgi_app_exception_is_raised_or_a_500() -> None:
    with TestClient(failing_asgi_app) as client, pytest.raises(OSError, match="not approute's"):
        client.get("/")
    with TestClient(failing_asgi_app, raise_server_exceptions=False) as client:
        assert client.get("/").status_code == 500


# --- docs/testing.md ------------------------------------------------------------


def doc_blocks(heading: str) -> list[str]:
    """The Python blocks of one section of docs/testing.md."""
    text = (ROOT / "docs" / "testing.md").read_text()
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_docs_cache_snippets_run_and_leave_the_examples_cache_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    cache = ROOT / "examples" / ".approute"

    def snapshot() -> dict[Path, int]:
        return {path: path.stat().st_mtime_ns for path in cache.rglob("*") if path.is_file()}

    before = snapshot()
    blocks = doc_blocks("A cache of its own")
    assert len(blocks) == 2
    for block in blocks:
        exec(compile(block, "docs/testing.md", "exec"), {})
    assert snapshot() == before


def test_docs_exception_snippets_run(tmp_path: Path) -> None:
    (block,) = doc_blocks("Exceptions reach the test")
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/testing.md", "exec"), namespace)
    tests = {name: test for name, test in namespace.items() if name.startswith("test_")}
    assert len(tests) == 2
    for name, test in tests.items():
        assert callable(test)
        test(tmp_path / name)
