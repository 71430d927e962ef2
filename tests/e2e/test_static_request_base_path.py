"""The empty request of a cached handler under ``base_path``, on a real
uvicorn: Next.js's app-routes e2e suite run with ``basePath: '/docs'``
(test/e2e/app-dir/app-routes/app-custom-route-base-path.test.ts) expects
``/docs/dynamic?query=true`` on a force-static route to give the handler
``http://localhost:3000/dynamic`` as ``request.url``, ``next_url.href`` and
``next_url.clone()``: the force-static request is stripped of the query and
has no base path in its URL. Checked for a route-cache MISS at runtime and
for the build's prerender."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import httpx

from approute.app import create_app
from approute.build import app_from_build, build_project
from tests.conftest import ProjectFactory
from tests.support.servers import run_server

# Next.js's fixture app/dynamic/route.ts, in Python.
PROJECT = {
    "approute.config.py": 'base_path = "/docs"\n',
    "app/dynamic/route.py": """
        from approute import NextResponse
        from approute.headers import cookies, headers

        dynamic = "force-static"


        def GET(request):
            session = cookies().get("session")
            return NextResponse.json({
                "next_url": {
                    "href": request.next_url.href,
                    "pathname": request.next_url.pathname,
                    "search": request.next_url.search,
                    "search_params": request.next_url.search_params.get("query"),
                    "clone": str(request.next_url.clone()),
                },
                "req": {"url": request.url, "headers": request.headers.get("accept")},
                "headers": headers().get("accept"),
                "cookies": session.value if session is not None else None,
            })
    """,
}


def _expected(origin: str) -> dict[str, object]:
    url = origin + "/dynamic"
    return {
        "next_url": {
            "href": url,
            "pathname": "/dynamic",
            "search": "",
            "search_params": None,
            "clone": url,
        },
        "req": {"url": url, "headers": None},
        "headers": None,
        "cookies": None,
    }


def _get(url: str) -> httpx.Response:
    return httpx.get(
        url + "/docs/dynamic?query=true",
        headers={"accept": "application/json", "cookie": "session=true"},
    )


def _project(make_project: ProjectFactory) -> Path:
    return make_project({rel: textwrap.dedent(text) for rel, text in PROJECT.items()})


def test_force_static_miss_under_base_path_has_no_base_path_in_its_url(
    make_project: ProjectFactory,
) -> None:
    root = _project(make_project)
    with run_server(create_app(root), "httptools") as server:
        response = _get(server.url)
        assert response.headers["x-approute-cache"] == "MISS"
        assert response.json() == _expected(server.url)
        assert _get(server.url).headers["x-approute-cache"] == "HIT"


def test_force_static_prerender_under_base_path_has_no_base_path_in_its_url(
    make_project: ProjectFactory,
) -> None:
    root = _project(make_project)
    build_project(root, out=io.StringIO())
    with run_server(app_from_build(root), "httptools") as server:
        response = _get(server.url)
        assert response.headers["x-approute-cache"] == "HIT"  # the build's copy
        assert response.json() == _expected("http://localhost:3000")
