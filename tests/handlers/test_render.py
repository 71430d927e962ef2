"""``handlers.render.render_route``: the one render of a route, shared by a
plain request, a route-cache miss, an ISR regeneration and the build. What a
handler leaves behind is applied here once, and handed over, never run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from approute.app import App, create_app
from approute.handlers.render import Rendered, render_route
from approute.http.request import RequestLimits
from approute.http.static_request import static_request
from tests.conftest import ProjectFactory

LEFTOVERS = """
from approute import Response
from approute.cache import cached, revalidate_tag
from approute.headers import cookies
from approute.server import after

RAN = []
CALLS = []

@cached(tags=["prices"])
def price():
    CALLS.append(1)
    return len(CALLS)

def GET(request):
    cookies().set("seen", "1")
    revalidate_tag("prices", {"expire": 0})
    after(lambda: RAN.append("after"))
    return Response(str(price()))

def POST(request):
    raise RuntimeError("boom")
"""


def _app(make_project: ProjectFactory) -> App:
    root: Path = make_project(
        {"app/r/route.py": LEFTOVERS, "approute.config.py": "cache_handler = 'memory'\n"}
    )
    return create_app(root)


def _render(app: App, method: str = "GET") -> Rendered:
    module = next(iter(app.project.modules.values()))
    request = static_request("/r", RequestLimits(), strict=False)
    request.method = method

    async def run() -> Rendered:
        return await render_route(module, request, {}, dev=False, data=app.data_cache)

    return asyncio.run(run())


def test_render_applies_cookies_and_revalidations_and_hands_over_after(
    make_project: ProjectFactory,
) -> None:
    app = _app(make_project)
    module = next(iter(app.project.modules.values())).module
    first = _render(app)
    assert first.response.status == 200
    assert first.response.headers.get_set_cookie() == ["seen=1; Path=/"]
    # after() is handed over, not run: the caller runs it once the answer is out.
    assert module.RAN == []
    tasks = first.take_after()
    assert len(tasks) == 1
    assert not first.take_after()
    assert callable(tasks[0])
    tasks[0]()
    assert module.RAN == ["after"]
    # revalidate_tag("prices", expire 0) was applied: the next render recomputes.
    second = _render(app)
    assert (first.response.status, second.response.status) == (200, 200)
    assert module.CALLS == [1, 1]


def test_render_keeps_the_handlers_error(make_project: ProjectFactory) -> None:
    failed = _render(_app(make_project), "POST")
    assert failed.response.status == 500
    assert isinstance(failed.error, RuntimeError)
    assert str(failed.error) == "boom"
    assert not failed.take_after()


def test_render_without_a_handler_leaves_nothing(make_project: ProjectFactory) -> None:
    rendered = _render(_app(make_project), "DELETE")
    assert rendered.response.status == 405
    assert rendered.error is None
    assert not rendered.take_after()
