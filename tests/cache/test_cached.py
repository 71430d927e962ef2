"""``@cached``: function results in the data cache (Next.js ``unstable_cache``)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from approute.app import create_app
from approute.cache import cached
from approute.testing import TestClient
from tests.cache.support import MEMORY_CONFIG, clocked_app, count, counter
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for

PRICES = (
    counter(3)
    + """
from approute import NextResponse
from approute.cache import cached, revalidate_tag


@cached(tags=["prices"], revalidate=60)
async def load(currency, scale=1):
    return {"currency": currency, "n": bump(), "scale": scale, "pair": (1, 2)}


async def GET(request):
    params = request.next_url.search_params
    if params.get("kw"):
        return NextResponse.json(await load(currency=params.get("c") or "usd"))
    return NextResponse.json(await load(params.get("c") or "usd"))


async def POST(request):
    body = await request.json()
    if body.get("expire"):
        revalidate_tag("prices", {"expire": 0})
    else:
        revalidate_tag("prices")
    return NextResponse.json({"ok": True})
"""
)


def prices_project(make_project: ProjectFactory) -> Path:
    return make_project({"app/api/prices/route.py": PRICES, "approute.config.py": MEMORY_CONFIG})


def test_a_fresh_value_is_served_without_calling_the_function(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    app, _ = clocked_app(root)
    client = TestClient(app)
    first = client.get("/api/prices")
    assert first.json() == {"currency": "usd", "n": 1, "scale": 1, "pair": [1, 2]}
    assert client.get("/api/prices").json()["n"] == 1
    assert count(root) == 1
    # Other arguments are another entry.
    assert client.get("/api/prices?c=eur").json() == {
        "currency": "eur",
        "n": 2,
        "scale": 1,
        "pair": [1, 2],
    }
    assert count(root) == 2


def test_arguments_are_bound_to_the_signature_for_the_key(make_project: ProjectFactory) -> None:
    root = prices_project(make_project)
    app, _ = clocked_app(root)
    client = TestClient(app)
    positional = client.get("/api/prices?c=usd").json()
    keyword = client.get("/api/prices?c=usd&kw=1").json()
    assert keyword == positional  # load("usd") and load(currency="usd") are one entry
    assert count(root) == 1


def test_a_value_past_revalidate_is_served_stale_and_refreshed_once(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/prices").json()["n"] == 1
    clock.now += 61
    assert client.get("/api/prices").json()["n"] == 1  # stale, at once
    assert wait_for(lambda: client.get("/api/prices").json()["n"] == 2)
    assert count(root) == 2


def test_revalidate_tag_max_serves_stale_then_the_refreshed_value(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/prices").json()["n"] == 1
    clock.now += 1
    client.post("/api/prices", json={})
    clock.now += 1
    assert client.get("/api/prices").json()["n"] == 1
    assert wait_for(lambda: client.get("/api/prices").json()["n"] == 2)


def test_revalidate_tag_expire_now_calls_the_function_synchronously(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/prices").json()["n"] == 1
    clock.now += 1
    client.post("/api/prices", json={"expire": True})
    clock.now += 1
    assert client.get("/api/prices").json()["n"] == 2
    assert client.get("/api/prices").json()["n"] == 2


SYNC = (
    counter(3)
    + """
from approute import NextResponse
from approute.cache import cached


@cached(tags=["t"])
def total(items):
    return {"sum": sum(items), "n": bump()}


def GET(request):
    return NextResponse.json(total([1, 2, 3]))


async def POST(request):
    return NextResponse.json(total([1, 2, 3]))
"""
)


def test_a_sync_function_is_cached_from_a_sync_handler(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/sum/route.py": SYNC, "approute.config.py": MEMORY_CONFIG})
    app, _ = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/sum").json() == {"sum": 6, "n": 1}
    assert client.get("/api/sum").json() == {"sum": 6, "n": 1}
    assert count(root) == 1


def test_a_sync_function_called_on_the_event_loop_is_a_clear_error(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project({"app/api/sum/route.py": SYNC, "approute.config.py": MEMORY_CONFIG})
    app, _ = clocked_app(root)
    response = TestClient(app, raise_server_exceptions=False).post("/api/sum")
    assert response.status_code == 500
    assert response.content == b""
    message = "\n".join(r.getMessage() for r in caplog.records)
    assert "total is a plain `def` called from async code" in message
    assert "make it `async def`" in message


BAD = """
from approute import NextResponse
from approute.cache import cached


class Thing:
    pass


@cached
async def echo(value):
    return value


@cached
async def returns_a_thing():
    return Thing()


async def GET(request):
    if request.next_url.search_params.get("arg"):
        return NextResponse.json(await echo(Thing()))
    return NextResponse.json(await returns_a_thing())
"""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("?arg=1", "echo: its arguments are part of the cache key", id="argument"),
        pytest.param("", "returns_a_thing returned a value that is not JSON", id="result"),
    ],
)
def test_values_that_are_not_json_are_a_type_error_naming_the_function(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture, query: str, expected: str
) -> None:
    root = make_project({"app/api/bad/route.py": BAD, "approute.config.py": MEMORY_CONFIG})
    app, _ = clocked_app(root)
    response = TestClient(app, raise_server_exceptions=False).get("/api/bad" + query)
    assert response.status_code == 500
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("TypeError" in r.getMessage() and expected in r.getMessage() for r in errors)


def test_outside_a_request_the_function_is_simply_called() -> None:
    calls: list[int] = []

    @cached(tags=["x"])
    def plain(x: int) -> int:
        calls.append(x)
        return x * 2

    @cached
    async def coro(x: int) -> list[int]:
        calls.append(x)
        return [x]

    assert plain(2) == 4
    assert plain(2) == 4
    import asyncio

    assert asyncio.run(coro(3)) == [3]
    assert calls == [2, 2, 3]
    assert plain.__name__ == "plain"  # functools.wraps


def test_middleware_calls_go_straight_through(make_project: ProjectFactory) -> None:
    middleware = (
        counter(0)
        + """
from approute import NextResponse
from approute.cache import cached


@cached
async def lookup():
    return bump("middleware.txt")


async def middleware(request):
    response = NextResponse.next()
    response.headers.set("x-n", str(await lookup()))
    return response
"""
    )
    root = make_project(
        {
            "middleware.py": middleware,
            "app/api/x/route.py": "from approute import Response\n\ndef GET(r):\n"
            "    return Response('ok')\n",
            "approute.config.py": MEMORY_CONFIG,
        }
    )
    client = TestClient(clocked_app(root)[0])
    assert client.get("/api/x").headers["x-n"] == "1"
    assert client.get("/api/x").headers["x-n"] == "2"  # no data cache in middleware


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"tags": "prices"}, "list of tags, not the string", id="tags-string"),
        pytest.param({"tags": ["x" * 257]}, "1 to 256 characters", id="tag-too-long"),
        pytest.param({"tags": [f"t{i}" for i in range(129)]}, "at most 128", id="too-many"),
        pytest.param({"revalidate": 0}, "seconds > 0 or False", id="revalidate-0"),
        pytest.param({"revalidate": -5}, "seconds > 0 or False", id="revalidate-negative"),
        pytest.param({"revalidate": True}, "seconds > 0 or False", id="revalidate-true"),
    ],
)
def test_bad_options_fail_at_decoration(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        cached(**kwargs)  # type: ignore[call-overload]


NESTED = (
    counter(3)
    + """
from approute import NextResponse
from approute.cache import cached, revalidate_tag


@cached(tags=["rates"])
async def rates():
    return {"rate": bump("rates.txt")}


@cached
async def summary():
    return {"rates": await rates(), "n": bump()}


async def GET(request):
    return NextResponse.json(await summary())


async def POST(request):
    revalidate_tag("rates", {"expire": 0})
    return NextResponse.json({})
"""
)


def test_an_enclosing_entry_carries_the_tags_of_the_calls_inside_it(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/s/route.py": NESTED, "approute.config.py": MEMORY_CONFIG})
    app, clock = clocked_app(root)
    client = TestClient(app)
    assert client.get("/api/s").json() == {"rates": {"rate": 1}, "n": 1}
    clock.now += 10 * 365 * 24 * 3600
    assert client.get("/api/s").json()["n"] == 1  # bare @cached: kept until revalidated
    assert count(root) == 1
    client.post("/api/s")
    clock.now += 1
    # summary() carries "rates", so it is recomputed too.
    assert client.get("/api/s").json() == {"rates": {"rate": 2}, "n": 2}


def test_dev_keeps_the_data_cache_and_a_hard_reload_skips_reading_it(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    app, _ = clocked_app(root, dev=True)
    client = TestClient(app)
    assert client.get("/api/prices").json()["n"] == 1
    assert client.get("/api/prices").json()["n"] == 1  # next dev keeps the data cache
    reload = client.get("/api/prices", headers={"cache-control": "no-cache"})
    assert reload.json()["n"] == 2  # a hard reload skips reading it (and stores)
    assert client.get("/api/prices").json()["n"] == 2


def test_an_edited_function_never_reads_the_old_versions_values(
    make_project: ProjectFactory,
) -> None:
    root = prices_project(make_project)
    (root / "approute.config.py").write_text("cache_handler = 'filesystem'\n")

    assert TestClient(create_app(root)).get("/api/prices").json()["n"] == 1
    assert TestClient(create_app(root)).get("/api/prices").json()["n"] == 1  # kept on disk
    route = root / "app/api/prices/route.py"
    route.write_text(route.read_text().replace('"scale": scale,', '"scale": scale, "v": 2,'))
    edited = TestClient(create_app(root)).get("/api/prices").json()
    assert edited["n"] == 2
    assert edited["v"] == 2
