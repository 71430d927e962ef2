"""The route cache: force-static and ISR GETs, as Next.js serves them."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from approute.app import App, create_app
from approute.cache import revalidate_path, revalidate_tag
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for

COUNTED = """
from pathlib import Path
from typing import Any
from approute import NextResponse

dynamic = {dynamic!r}
revalidate = {revalidate}
COUNT = Path(__file__).with_name("count.txt")


def GET(request):
    n = int(COUNT.read_text()) + 1 if COUNT.exists() else 1
    COUNT.write_text(str(n))
    return NextResponse.json({{
        "n": n,
        "agent": request.headers.get("user-agent"),
        "search": request.next_url.search,
        "cookie": request.cookies.get("a") is not None,
    }})


def POST(request):
    return NextResponse.json({{"post": True}})
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def app_with(
    make_project: ProjectFactory, *, dynamic: str = "auto", revalidate: str = "None"
) -> tuple[App, Clock]:
    source = COUNTED.format(dynamic=dynamic, revalidate=revalidate)
    root = make_project(
        {"app/api/x/route.py": source, "approute.config.py": "cache_handler = 'memory'\n"}
    )
    app = create_app(root)
    clock = Clock()
    cache = app.pipeline._route_cache
    assert cache is not None
    cache._clock = clock
    cache._handler._clock = clock  # type: ignore[attr-defined]
    return app, clock


def test_force_static_is_computed_once_and_served_from_the_cache(
    make_project: ProjectFactory,
) -> None:
    app, _ = app_with(make_project, dynamic="force-static")
    client = TestClient(app)
    first = client.get("/api/x?q=1", headers={"user-agent": "probe", "cookie": "a=1"})
    assert first.headers["x-approute-cache"] == "MISS"
    assert first.headers["cache-control"] == "s-maxage=31536000"
    # A force-static handler sees an empty request (Next.js).
    assert first.json() == {"n": 1, "agent": None, "search": "", "cookie": False}
    second = client.get("/api/x?other=2")
    assert second.headers["x-approute-cache"] == "HIT"
    assert second.json()["n"] == 1


def test_other_methods_in_the_module_are_never_cached(make_project: ProjectFactory) -> None:
    app, _ = app_with(make_project, dynamic="force-static")
    client = TestClient(app)
    response = client.post("/api/x")
    assert response.json() == {"post": True}
    assert "x-approute-cache" not in response.headers
    assert "cache-control" not in response.headers


def test_isr_serves_stale_then_regenerates_once(make_project: ProjectFactory) -> None:
    app, clock = app_with(make_project, revalidate="60")
    client = TestClient(app)
    first = client.get("/api/x")
    assert first.headers["x-approute-cache"] == "MISS"
    assert first.headers["cache-control"] == "s-maxage=60, stale-while-revalidate=31535940"
    assert client.get("/api/x").headers["x-approute-cache"] == "HIT"
    clock.now += 61
    stale = client.get("/api/x")
    assert stale.headers["x-approute-cache"] == "STALE"
    assert stale.json()["n"] == 1  # the stale copy, at once
    # The background regeneration stored n=2; the next request is a fresh HIT.

    def fresh() -> bool:
        response = client.get("/api/x")
        return response.headers["x-approute-cache"] == "HIT" and response.json()["n"] == 2

    assert wait_for(fresh)


@pytest.mark.parametrize(
    ("dynamic", "revalidate"),
    [
        pytest.param("auto", "None", id="default-dynamic"),
        pytest.param("force-dynamic", "60", id="force-dynamic"),
        pytest.param("auto", "0", id="revalidate-0"),
    ],
)
def test_dynamic_gets_carry_no_cache_headers(
    make_project: ProjectFactory, dynamic: str, revalidate: str
) -> None:
    source = COUNTED.format(dynamic=dynamic, revalidate=revalidate)
    root = make_project({"app/api/x/route.py": source})
    client = TestClient(create_app(root))
    first, second = client.get("/api/x"), client.get("/api/x")
    assert second.json()["n"] == first.json()["n"] + 1
    assert "x-approute-cache" not in second.headers


def test_revalidate_false_is_static(make_project: ProjectFactory) -> None:
    app, _ = app_with(make_project, revalidate="False")
    client = TestClient(app)
    client.get("/api/x")
    assert client.get("/api/x").headers["x-approute-cache"] == "HIT"


def test_a_response_setting_a_cookie_is_never_stored(make_project: ProjectFactory) -> None:
    source = (
        "from approute import NextResponse\n"
        "dynamic = 'force-static'\n"
        "def GET(request):\n"
        "    response = NextResponse.json({'x': 1})\n"
        "    response.cookies.set('s', '1')\n"
        "    return response\n"
    )
    root = make_project({"app/api/x/route.py": source})
    client = TestClient(create_app(root))
    for _ in range(2):
        response = client.get("/api/x")
        assert "x-approute-cache" not in response.headers
        assert "cache-control" not in response.headers


def test_a_failing_regeneration_keeps_the_last_good_copy(
    make_project: ProjectFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    flag = tmp_path / "fail"
    source = (
        "from pathlib import Path\n"
        "from approute import NextResponse\n"
        "revalidate = 10\n"
        "def GET(request):\n"
        f"    if Path({str(flag)!r}).exists():\n"
        "        raise RuntimeError('upstream down')\n"
        "    return NextResponse.json({'ok': True})\n"
    )
    root = make_project(
        {"app/api/x/route.py": source, "approute.config.py": "cache_handler = 'memory'\n"}
    )
    app = create_app(root)
    clock = Clock()
    assert app.pipeline._route_cache is not None
    app.pipeline._route_cache._clock = clock
    client = TestClient(app)
    assert client.get("/api/x").json() == {"ok": True}
    flag.touch()
    clock.now += 3600
    with caplog.at_level(logging.ERROR, logger="approute"):
        for _ in range(3):
            response = client.get("/api/x")
            assert response.json() == {"ok": True}
            assert response.headers["x-approute-cache"] == "STALE"
        assert wait_for(lambda: "RuntimeError: upstream down" in caplog.text)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            "dynamic = 'forcestatic'\n",
            "app/api/x/route.py:1: dynamic must be one of",
            id="dynamic",
        ),
        pytest.param(
            "\nrevalidate = -5\n",
            "app/api/x/route.py:2: revalidate must be False, 0",
            id="negative",
        ),
        pytest.param("revalidate = True\n", "revalidate must be False, 0", id="true"),
        pytest.param(
            "dynamic_params = 'no'\n", "dynamic_params must be True or False", id="params"
        ),
        pytest.param(
            "dynamicParams = False\n",
            "app/api/x/route.py:1: `dynamicParams` is Next.js's spelling; approute reads "
            "`dynamic_params`",
            id="camel-params",
        ),
        pytest.param(
            "\n\ndef generateStaticParams():\n    return []\n",
            "app/api/x/route.py:3: `generateStaticParams` is Next.js's spelling; approute "
            "reads `generate_static_params`",
            id="camel-generate",
        ),
    ],
)
def test_bad_segment_config_names_file_and_line(
    make_project: ProjectFactory, source: str, message: str
) -> None:
    root = make_project({"app/api/x/route.py": source + "def GET(request):\n    pass\n"})
    with pytest.raises(ProjectError, match=message):
        create_app(root)


def test_dev_mode_renders_on_demand(make_project: ProjectFactory) -> None:
    source = COUNTED.format(dynamic="force-static", revalidate="None")
    root = make_project({"app/api/x/route.py": source})
    client = TestClient(create_app(root, dev=True))
    assert client.get("/api/x").json()["n"] == 1
    assert client.get("/api/x").json()["n"] == 2


def test_fifty_concurrent_misses_run_the_handler_once(make_project: ProjectFactory) -> None:
    import asyncio

    from approute.testing import AsyncTestClient

    source = (
        "import asyncio\n"
        "from pathlib import Path\n"
        "from approute import NextResponse\n"
        "dynamic = 'force-static'\n"
        "COUNT = Path(__file__).with_name('count.txt')\n"
        "async def GET(request):\n"
        "    n = int(COUNT.read_text()) + 1 if COUNT.exists() else 1\n"
        "    COUNT.write_text(str(n))\n"
        "    await asyncio.sleep(0.05)  # a slow handler: every request arrives first\n"
        "    return NextResponse.json({'n': n})\n"
    )
    root = make_project(
        {"app/api/x/route.py": source, "approute.config.py": "cache_handler = 'memory'\n"}
    )

    async def main() -> list[int]:
        async with AsyncTestClient(create_app(root)) as client:
            responses = await asyncio.gather(*(client.get("/api/x") for _ in range(50)))
        return [r.json()["n"] for r in responses]

    assert asyncio.run(main()) == [1] * 50
    assert (root / "app/api/x/count.txt").read_text() == "1"


REVALIDATING = """
from approute import NextResponse
from approute.cache import revalidate_path


{kind} POST(request):
    revalidate_path({path!r}{layout})
    return NextResponse.json({{"revalidated": True}})
"""


@pytest.mark.parametrize("kind", ["def", "async def"])
@pytest.mark.parametrize(
    ("path", "layout"),
    [
        pytest.param("/api/x", "", id="exact"),
        pytest.param("/api", ", 'layout'", id="layout-ancestor"),
        pytest.param("/", ", 'layout'", id="everything"),
    ],
)
def test_revalidate_path_makes_the_next_get_regenerate(
    make_project: ProjectFactory, kind: str, path: str, layout: str
) -> None:
    root = make_project(
        {
            "app/api/x/route.py": COUNTED.format(dynamic="force-static", revalidate="None"),
            "app/api/revalidate/route.py": REVALIDATING.format(kind=kind, path=path, layout=layout),
            "approute.config.py": "cache_handler = 'memory'\n",
        }
    )
    client = TestClient(create_app(root))
    assert client.get("/api/x").json()["n"] == 1
    assert client.get("/api/x").headers["x-approute-cache"] == "HIT"
    assert client.post("/api/revalidate").json() == {"revalidated": True}
    again = client.get("/api/x")
    assert again.headers["x-approute-cache"] == "MISS"
    assert again.json()["n"] == 2


def test_revalidate_path_of_another_path_leaves_the_entry(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/api/x/route.py": COUNTED.format(dynamic="force-static", revalidate="None"),
            "app/api/revalidate/route.py": REVALIDATING.format(
                kind="def", path="/api/y", layout=""
            ),
            "approute.config.py": "cache_handler = 'memory'\n",
        }
    )
    client = TestClient(create_app(root))
    client.get("/api/x")
    client.post("/api/revalidate")
    assert client.get("/api/x").headers["x-approute-cache"] == "HIT"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: revalidate_path("x"), "starting with '/'", id="path"),
        pytest.param(lambda: revalidate_tag(""), "1 to 256 characters", id="tag"),
        pytest.param(
            lambda: revalidate_tag("t", {"expire": 5}), "'max' or {'expire': 0}", id="profile"
        ),
    ],
)
def test_revalidate_arguments_are_checked(call: Callable[[], None], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_revalidate_outside_a_request_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="outside a request scope"):
        revalidate_tag("prices")


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_dynamic_params_false_limits_params_to_generate_static_params(
    make_project: ProjectFactory, kind: str
) -> None:
    source = (
        "from approute import Response\n"
        "dynamic_params = False\n"
        f"{kind} generate_static_params():\n"
        "    return [{'id': '1'}, {'id': '2'}]\n"
        "def GET(request, ctx):\n"
        "    return Response('item ' + ctx.params['id'])\n"
    )
    root = make_project({"app/api/items/[id]/route.py": source})
    client = TestClient(create_app(root))
    assert client.get("/api/items/2").text == "item 2"
    assert client.get("/api/items/3").status_code == 404


def test_dynamic_params_true_allows_other_params(make_project: ProjectFactory) -> None:
    source = (
        "from approute import Response\n"
        "def generate_static_params():\n"
        "    return [{'slug': ['a', 'b']}]\n"
        "def GET(request, ctx):\n"
        "    return Response('/'.join(ctx.params['slug']))\n"
    )
    root = make_project({"app/docs/[...slug]/route.py": source})
    client = TestClient(create_app(root))
    assert client.get("/docs/a/b").text == "a/b"
    assert client.get("/docs/c").text == "c"


def test_fifty_concurrent_stale_requests_trigger_one_regeneration(
    make_project: ProjectFactory,
) -> None:
    import asyncio

    from approute.testing import AsyncTestClient

    source = (
        "import asyncio\n"
        "from pathlib import Path\n"
        "from approute import NextResponse\n"
        "revalidate = 10\n"
        "COUNT = Path(__file__).with_name('count.txt')\n"
        "async def GET(request):\n"
        "    n = int(COUNT.read_text()) + 1 if COUNT.exists() else 1\n"
        "    COUNT.write_text(str(n))\n"
        "    await asyncio.sleep(0.05)\n"
        "    return NextResponse.json({'n': n})\n"
    )
    root = make_project(
        {"app/api/x/route.py": source, "approute.config.py": "cache_handler = 'memory'\n"}
    )
    app = create_app(root)
    clock = Clock()
    assert app.pipeline._route_cache is not None
    app.pipeline._route_cache._clock = clock

    async def main() -> list[str]:
        async with AsyncTestClient(app) as client:
            await client.get("/api/x")  # MISS: n = 1
            clock.now += 60
            responses = await asyncio.gather(*(client.get("/api/x") for _ in range(50)))
            # Bounded wait for the background regeneration to store n = 2.
            for _ in range(500):
                if (await client.get("/api/x")).json()["n"] == 2:
                    break
                await asyncio.sleep(0.01)
        return [r.headers["x-approute-cache"] for r in responses]

    assert asyncio.run(main()) == ["STALE"] * 50
    assert (root / "app/api/x/count.txt").read_text() == "2"


def test_a_stale_read_overtaken_by_a_finished_regeneration_renders_nothing(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two requests read the stale copy; the first one's regeneration stores a
    # fresh entry before the second one's starts: that one must not render.
    import asyncio

    from approute.testing import AsyncTestClient

    app, clock = app_with(make_project, revalidate="60")
    cache = app.pipeline._route_cache
    assert cache is not None
    jobs: list[Any] = []
    monkeypatch.setattr(type(cache), "_regenerate_in_background", lambda _, job: jobs.append(job))
    count = app.project.layout.app_dir / "api" / "x" / "count.txt"

    async def main() -> None:
        async with AsyncTestClient(app) as client:
            await client.get("/api/x")  # MISS: n = 1
            clock.now += 61
            for _ in range(2):
                assert (await client.get("/api/x")).headers["x-approute-cache"] == "STALE"
            first, second = jobs
            await cache._regenerate(first)
            assert count.read_text() == "2"
            await cache._regenerate(second)

    asyncio.run(main())
    assert count.read_text() == "2"
