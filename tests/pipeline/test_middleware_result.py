"""``pipeline.middleware.middleware_result``: each kind of middleware answer
reads as one variant of ``MiddlewareResult``, with a typed rewrite target."""

from __future__ import annotations

from approute import NextRequest, NextResponse, Response
from approute.http.targets import ExternalURL, InternalPath
from approute.pipeline.middleware import (
    Continue,
    Proxy,
    Redirect,
    Respond,
    Rewrite,
    middleware_result,
)

REQUEST = NextRequest("http://localhost:3000/start?x=1")


def test_no_answer_continues_untouched() -> None:
    assert middleware_result(None, REQUEST) == Continue()


def test_next_keeps_its_headers_but_not_its_framing() -> None:
    answer = NextResponse.next(request={"headers": {"x-seen": "1"}})
    answer.headers.set("x-mw", "yes")
    answer.headers.set("content-type", "text/plain")
    result = middleware_result(answer, REQUEST)
    assert isinstance(result, Continue)
    assert result.response_headers == ((b"x-mw", b"yes"),)
    assert result.request_headers is not None
    assert dict(result.request_headers) == {"x-seen": "1"}
    assert result.cookies is None


def test_next_with_empty_request_headers_changes_nothing() -> None:
    # Next.js sends the names as a comma-joined header and skips an empty
    # one: the route keeps the original request headers.
    bare = NextResponse.next(request={"headers": {}})
    assert middleware_result(bare, REQUEST) == Continue()
    with_header = NextResponse.next(request={"headers": {}})
    with_header.headers.set("x-mw", "yes")
    assert middleware_result(with_header, REQUEST) == Continue(((b"x-mw", b"yes"),))


def test_next_with_a_cookie_carries_it_to_the_route() -> None:
    answer = NextResponse.next()
    answer.cookies.set("flag", "on")
    result = middleware_result(answer, REQUEST)
    assert isinstance(result, Continue)
    assert result.cookies is not None
    assert result.cookies.get("flag") is not None


def test_same_origin_rewrite_is_an_internal_path_normalised_once() -> None:
    answer = NextResponse.rewrite("http://localhost:3000/a/./b/../c?y=2", headers={"x-r": "1"})
    result = middleware_result(answer, REQUEST)
    assert result == Rewrite(InternalPath("/a/c", "y=2"), Continue(((b"x-r", b"1"),)))


def test_other_origin_rewrite_is_a_proxy() -> None:
    result = middleware_result(NextResponse.rewrite("https://upstream.test/p?q=1"), REQUEST)
    assert result == Proxy(ExternalURL("https://upstream.test/p?q=1"))


def test_same_origin_redirect_is_relative_and_keeps_its_fragment() -> None:
    result = middleware_result(NextResponse.redirect("http://localhost:3000/new#top"), REQUEST)
    assert isinstance(result, Redirect)
    assert result.response.headers.get("location") == "/new#top"
    assert result.response.status == 307


def test_other_responses_are_sent_as_they_are() -> None:
    answer = Response("no", status=401)
    assert middleware_result(answer, REQUEST) == Respond(answer)
