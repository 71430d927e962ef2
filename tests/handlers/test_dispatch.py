"""Route handler dispatch: methods, signatures, return values, errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from approute.app import create_app
from approute.errors import ProjectError
from approute.headers import cookies, headers
from approute.server import after
from approute.testing import TestClient
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for


def client_for(
    make_project: ProjectFactory,
    source: str,
    *,
    dev: bool = False,
    raise_server_exceptions: bool = True,
) -> TestClient:
    root = make_project({"app/api/x/route.py": source})
    return TestClient(create_app(root, dev=dev), raise_server_exceptions=raise_server_exceptions)


@pytest.mark.parametrize(
    ("exports", "allow"),
    [
        pytest.param("POST", "OPTIONS, POST", id="post-only"),
        pytest.param("GET", "GET, HEAD, OPTIONS", id="get-adds-head"),
        pytest.param("GET POST DELETE", "DELETE, GET, HEAD, OPTIONS, POST", id="sorted"),
        pytest.param("PUT PATCH", "OPTIONS, PATCH, PUT", id="put-patch"),
        pytest.param("", "OPTIONS", id="no-handlers"),
    ],
)
def test_automatic_options_lists_allowed_methods(
    make_project: ProjectFactory, exports: str, allow: str
) -> None:
    source = "from approute import Response\n" + "".join(
        f"def {m}(request):\n    return Response('{m}')\n" for m in exports.split()
    )
    response = client_for(make_project, source).options("/api/x")
    assert response.status_code == 204
    assert response.headers["allow"] == allow
    assert response.content == b""
    assert "content-length" not in response.headers


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "PROPFIND", "TRACE"])
def test_unexported_method_is_405_with_allow(make_project: ProjectFactory, method: str) -> None:
    client = client_for(
        make_project,
        "from approute import Response\ndef POST(request):\n    return Response('p')\n",
    )
    response = client.request(method, "/api/x")
    assert response.status_code == 405
    assert response.headers["allow"] == "OPTIONS, POST"
    assert response.content == b""


def test_route_without_handlers_is_405_never_404(make_project: ProjectFactory) -> None:
    client = client_for(make_project, "VALUE = 1\n")
    assert client.get("/api/x").status_code == 405
    assert client.post("/api/x").status_code == 405


def test_head_runs_get_without_body(make_project: ProjectFactory) -> None:
    source = """
    from approute import Response
    def GET(request):
        return Response("method=" + request.method, headers={"x-seen": request.method})
    """
    client = client_for(make_project, source)
    response = client.head("/api/x")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["x-seen"] == "HEAD"
    assert response.headers["content-length"] == str(len("method=HEAD"))


def test_head_without_get_is_405(make_project: ProjectFactory) -> None:
    client = client_for(
        make_project, "from approute import Response\ndef POST(request):\n    return Response()\n"
    )
    assert client.head("/api/x").status_code == 405


def test_explicit_options_replaces_automatic_one(make_project: ProjectFactory) -> None:
    source = """
    from approute import Response
    def GET(request):
        return Response("g")
    def OPTIONS(request):
        return Response(status=200, headers={"access-control-allow-origin": "*"})
    """
    response = client_for(make_project, source).options("/api/x")
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "allow" not in response.headers


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param("()", id="no-args"),
        pytest.param("(request)", id="request"),
        pytest.param("(request, ctx)", id="request-ctx"),
        pytest.param("(request, ctx=None)", id="ctx-default"),
        pytest.param("(*args)", id="varargs"),
    ],
)
@pytest.mark.parametrize("kind", ["def", "async def"])
def test_handler_signatures_resolved_at_load(
    make_project: ProjectFactory, signature: str, kind: str
) -> None:
    source = f"""
    from approute import Response
    {kind} GET{signature}:
        return Response("ok")
    """
    root = make_project({"app/api/[id]/route.py": source})
    assert TestClient(create_app(root)).get("/api/7").text == "ok"


def test_ctx_params_are_passed(make_project: ProjectFactory) -> None:
    source = """
    from approute import NextResponse
    async def GET(request, ctx):
        return NextResponse.json(ctx.params)
    """
    root = make_project({"app/api/[id]/[...rest]/route.py": source})
    response = TestClient(create_app(root)).get("/api/a%20b/x/y%2Fz")
    assert response.json() == {"id": "a b", "rest": ["x", "y/z"]}


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        pytest.param("(a, b, c)", "takes 3 required arguments", id="three-required"),
        pytest.param("(request, *, user)", "required keyword-only argument 'user'", id="kwonly"),
    ],
)
def test_bad_handler_signature_is_a_startup_error_with_file_and_line(
    make_project: ProjectFactory, signature: str, message: str
) -> None:
    root = make_project({"app/api/x/route.py": f"\n\ndef GET{signature}:\n    pass\n"})
    with pytest.raises(ProjectError) as error:
        create_app(root)
    assert "app/api/x/route.py:3:" in str(error.value)
    assert message in str(error.value)


def test_non_callable_handler_export_is_a_startup_error(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": "GET = 5\n"})
    with pytest.raises(ProjectError, match=r"app/api/x/route.py: GET must be a function"):
        create_app(root)


def test_lowercase_export_warns_and_is_not_a_handler(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    source = "from approute import Response\ndef get(request):\n    return Response('x')\n"
    with caplog.at_level(logging.WARNING, logger="approute"):
        client = client_for(make_project, source)
    assert "app/api/x/route.py: exports `get`, which is not a handler; export `GET`" in caplog.text
    assert client.get("/api/x").status_code == 405


def test_syntax_error_is_a_startup_error_with_line(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": "def GET(request):\n    return (\n"})
    with pytest.raises(ProjectError, match=r"app/api/x/route.py:2: syntax error"):
        create_app(root)


def test_import_error_names_file_and_line(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": "\nimport does_not_exist_anywhere\n"})
    with pytest.raises(ProjectError, match=r"app/api/x/route.py:2: failed to import"):
        create_app(root)


@pytest.mark.parametrize(
    ("body", "log"),
    [
        pytest.param(
            "raise RuntimeError('secret detail')", "RuntimeError: secret detail", id="raise"
        ),
        pytest.param("return None", "No response is returned from route handler", id="none"),
        pytest.param("return {'a': 1}", "returned dict, not a Response", id="dict"),
        pytest.param("return NextResponse.next()", "NextResponse.next() was used", id="next"),
        pytest.param(
            "return Response('x', headers={'x-a': 'a\\r\\nb'})", "value contains CR, LF", id="crlf"
        ),
        pytest.param("return Response(status=1000)", "status must be an int", id="bad-status"),
    ],
)
def test_handler_errors_are_500_without_traceback(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture, body: str, log: str
) -> None:
    source = f"from approute import NextResponse, Response\ndef GET(request):\n    {body}\n"
    client = client_for(make_project, source, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="approute"):
        response = client.get("/api/x")
    assert response.status_code == 500
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "app/api/x/route.py" in caplog.text
    assert "GET" in caplog.text
    assert log in caplog.text


def test_dev_mode_500_shows_the_traceback(make_project: ProjectFactory) -> None:
    source = "def GET(request):\n    raise RuntimeError('boom here')\n"
    client = client_for(make_project, source, dev=True, raise_server_exceptions=False)
    response = client.get("/api/x")
    assert response.status_code == 500
    assert "RuntimeError: boom here" in response.text
    assert "Traceback" in response.text


@pytest.mark.parametrize(
    ("call", "status", "location"),
    [
        pytest.param("redirect('/login')", 307, "/login", id="redirect"),
        pytest.param("redirect('https://nextjs.org/')", 307, "https://nextjs.org/", id="abs"),
        pytest.param("permanent_redirect('/new')", 308, "/new", id="permanent"),
        pytest.param("not_found()", 404, None, id="not-found"),
        pytest.param("forbidden()", 403, None, id="forbidden"),
        pytest.param("unauthorized()", 401, None, id="unauthorized"),
    ],
)
@pytest.mark.parametrize("kind", ["def", "async def"])
def test_navigation_helpers_answer_bare_responses(
    make_project: ProjectFactory, call: str, status: int, location: str | None, kind: str
) -> None:
    source = f"""
    from approute.navigation import forbidden, not_found, permanent_redirect, redirect
    from approute.navigation import unauthorized
    {kind} GET(request):
        {call}
    """
    response = client_for(make_project, source).get("/api/x")
    assert response.status_code == status
    assert response.headers.get("location") == location
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "refresh" not in response.headers


def test_cookies_set_in_handler_reach_a_redirect(make_project: ProjectFactory) -> None:
    source = """
    from approute.headers import cookies
    from approute.navigation import redirect
    def GET(request):
        cookies().set("flash", "saved")
        redirect("/done")
    """
    response = client_for(make_project, source).get("/api/x")
    assert response.status_code == 307
    assert response.headers.get_list("set-cookie") == ["flash=saved; Path=/"]


@pytest.mark.parametrize("kind", ["def", "async def"])
def test_headers_and_cookies_functions_read_the_request(
    make_project: ProjectFactory, kind: str
) -> None:
    source = f"""
    from approute import NextResponse
    from approute.headers import cookies, headers
    {kind} GET(request):
        cookies().set("b", "2", http_only=True)
        cookies().delete("gone")
        return NextResponse.json({{
            "agent": headers().get("user-agent"),
            "a": cookies().get("a").value,
            "b": cookies().get("b").value,
            "names": sorted(c.name for c in cookies().get_all()),
        }})
    """
    client = client_for(make_project, source)
    response = client.get("/api/x", headers={"user-agent": "probe", "cookie": "a=1; gone=x"})
    assert response.json() == {"agent": "probe", "a": "1", "b": "2", "names": ["a", "b"]}
    assert response.headers.get_list("set-cookie") == [
        "b=2; Path=/; HttpOnly",
        "gone=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]


def test_read_only_headers_refuse_changes(make_project: ProjectFactory) -> None:
    source = """
    from approute import Response
    from approute.headers import headers
    def GET(request):
        try:
            headers().set("x", "1")
        except TypeError as error:
            return Response(str(error))
        return Response("mutable")
    """
    assert "read-only" in client_for(make_project, source).get("/api/x").text


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(headers, id="headers"),
        pytest.param(cookies, id="cookies"),
        pytest.param(lambda: after(print), id="after"),
    ],
)
def test_request_functions_raise_outside_a_request(call: Callable[[], object]) -> None:
    with pytest.raises(RuntimeError, match="outside a request scope"):
        call()


def test_after_runs_after_the_response_even_when_the_handler_fails(
    make_project: ProjectFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    marker = tmp_path / "after.txt"
    source = f"""
    from pathlib import Path
    from approute.server import after
    from approute.navigation import not_found

    def write():
        Path({str(marker)!r}).write_text("ran")

    async def awrite():
        raise ValueError("after failed")

    def GET(request):
        after(write)
        after(awrite)
        not_found()
    """
    client = client_for(make_project, source)
    with caplog.at_level(logging.ERROR, logger="approute"):
        assert client.get("/api/x").status_code == 404
        wait_for(lambda: "after failed" in caplog.text)
    assert marker.read_text() == "ran"
    assert "after() task raised ValueError: after failed" in caplog.text
