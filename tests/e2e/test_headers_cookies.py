"""``approute.headers.cookies()`` on a real uvicorn reads like Next.js's
``cookies()`` from ``next/headers`` in a route handler: a ``ResponseCookies``
seeded with the request's cookies (``MutableRequestCookiesAdapter.wrap``),
whose ``set`` gives every cookie ``path: '/'`` (``normalizeCookie`` of
``@edge-runtime/cookies``). So ``get(name)`` and ``get_all()`` items are
``{name, value, path: '/'}``, while ``request.cookies`` (a ``RequestCookies``)
keeps ``{name, value}``."""

from __future__ import annotations

import textwrap

import httpx

from approute.app import create_app
from tests.conftest import ProjectFactory
from tests.support.servers import run_server

ROUTE = """
    import dataclasses

    from approute import NextResponse
    from approute.headers import cookies


    def GET(request):
        cookies().set("b", "2")
        return NextResponse.json({
            "get": cookies().get("a"),
            "get_set": cookies().get("b"),
            "get_all": cookies().get_all(),
            "get_all_named": cookies().get_all("c"),
            "asdict": dataclasses.asdict(cookies().get("a")),
            "iter": list(cookies()),
            "request_get": request.cookies.get("a"),
            "request_get_all": request.cookies.get_all(),
        })
"""


def test_cookies_items_carry_path_slash_request_cookies_do_not(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/api/cookies/route.py": textwrap.dedent(ROUTE)})
    with run_server(create_app(root), "httptools") as server:
        response = httpx.get(server.url + "/api/cookies", headers={"cookie": "a=1; c=3"})
    a = {"name": "a", "value": "1", "path": "/"}
    b = {"name": "b", "value": "2", "path": "/"}
    c = {"name": "c", "value": "3", "path": "/"}
    assert response.status_code == 200
    assert response.json() == {
        "get": a,
        "get_set": b,
        "get_all": [a, c, b],
        "get_all_named": [c],
        "asdict": a,
        "iter": [a, c, b],
        "request_get": {"name": "a", "value": "1"},
        "request_get_all": [{"name": "a", "value": "1"}, {"name": "c", "value": "3"}],
    }
    assert response.headers.get_list("set-cookie") == ["b=2; Path=/"]
