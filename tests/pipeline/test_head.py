"""The request head stage (``pipeline/head.py``): internal headers dropped,
heads over the limits refused before any value is parsed, the path
normalised once; the canonical path memo answers repeated paths exactly as
the first time, and stays bounded."""

from __future__ import annotations

import pytest

from approute.app import create_app
from approute.errors import AmbiguousFraming, BadRequest, HeadersTooLarge
from approute.handlers.dispatch import request_error_response
from approute.pipeline.head import HeadGuard
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ROUTE = (
    "from approute import Response\n"
    "def GET(request):\n"
    "    return Response(request.next_url.pathname)\n"
)


def test_repeated_raw_paths_answer_as_the_first_time(make_project: ProjectFactory) -> None:
    client = TestClient(create_app(make_project({"app/a/[x]/route.py": ROUTE})))
    for _ in range(3):  # the first time normalises; later ones may come from memory
        assert client.get("/a/%62").text == "/a/%62"
        assert client.get("/a/./b").text == "/a/b"
        redirect = client.get("/a//b?q=1", follow_redirects=False)
        assert (redirect.status_code, redirect.headers["location"]) == (308, "/a/b?q=1")
        assert client.get("/a/%zz").status_code == 400


def test_the_path_memo_is_bounded(make_project: ProjectFactory) -> None:
    app = create_app(make_project({"app/a/[x]/route.py": ROUTE}))
    client = TestClient(app)
    for i in range(5000):
        assert client.get(f"/a/{i}").text == f"/a/{i}"
    assert len(app.pipeline._head._canonical) <= 4096


def _scope(headers: list[tuple[bytes, bytes]], raw_path: bytes = b"/") -> dict[str, object]:
    return {"type": "http", "headers": headers, "raw_path": raw_path, "query_string": b""}


def _guard(**settings: object) -> HeadGuard:
    options: dict[str, object] = {
        "max_head_size": 1024,
        "max_headers": 10,
        "trailing_slash": False,
        "base_path": "",
    }
    options.update(settings)
    return HeadGuard(**options)  # type: ignore[arg-type]


def test_the_guard_drops_internal_headers_and_reads_what_later_stages_need() -> None:
    raw = [
        (b"x-middleware-subrequest", b"middleware"),
        (b"x-custom", b"kept"),
        (b"content-length", b"12"),
        (b"accept-encoding", b"br, gzip"),
        (b"x-nextjs-data", b"1"),
    ]
    scope = _scope(raw)
    head = _guard().check(scope)
    assert head.raw == [raw[1], raw[2], raw[3]]
    assert scope["headers"] is head.raw  # the route and the proxy never see them
    assert (head.content_length, head.gzip, head.chunked) == (12, True, False)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param([(b"x-a", b"v" * 1100)], id="over-the-size"),
        pytest.param([(b"x-a", b"v")] * 11, id="over-the-count"),
        # Nothing is parsed before the limits: a bad value in a head that is
        # too large is still a 431, not a 400.
        pytest.param([(b"content-length", b"x" * 1100)], id="size-before-values"),
    ],
)
def test_the_guard_refuses_heads_over_its_limits(raw: list[tuple[bytes, bytes]]) -> None:
    with pytest.raises(HeadersTooLarge):
        _guard().check(_scope(raw))


def test_the_guard_refuses_a_bad_content_length() -> None:
    with pytest.raises(BadRequest, match="Content-Length"):
        _guard().check(_scope([(b"content-length", b"-1")]))


@pytest.mark.parametrize(
    "raw",
    [
        [(b"content-length", b"3"), (b"transfer-encoding", b"chunked")],
        [(b"transfer-encoding", b"chunked"), (b"content-length", b"3")],
    ],
)
def test_the_guard_refuses_content_length_with_transfer_encoding(
    raw: list[tuple[bytes, bytes]],
) -> None:
    # Any ASGI server that passes both on (uvicorn's guarded protocols and
    # granian never do): the answer closes the connection.
    with pytest.raises(AmbiguousFraming) as refused:
        _guard().check(_scope(raw))
    response = request_error_response(refused.value)
    assert (response.status, response.headers.get("connection")) == (400, "close")


def test_canonical_path_redirects_and_remembers_only_what_it_serves() -> None:
    guard = _guard(trailing_slash=True, base_path="/docs")
    assert guard.canonical_path(b"/docs//a", b"q=1") == ("", "/docs/a/?q=1")
    assert guard.canonical_path(b"/docs/a/./b/", b"") == ("/docs/a/b/", None)
    assert guard._canonical == {b"/docs/a/./b/": "/docs/a/b/"}
    with pytest.raises(BadRequest):
        guard.canonical_path(b"/docs/%zz/", b"")
