"""StaticRequest: what a ``dynamic = "error"`` handler gets (Next.js: reading
request data there fails the build)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from approute.errors import DynamicUsageError
from approute.http.body import BodyChannel
from approute.http.static_request import StaticRequest


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def _request() -> StaticRequest:
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("localhost", 3000),
        "path": "/api/x/1",
        "headers": [],
    }
    channel = BodyChannel(_receive, has_body=False, content_length=None, pace=None)
    return StaticRequest.from_asgi(
        scope, channel, path="/api/x/1", query="", raw_headers=[], add_forwarded=False
    )


@pytest.mark.parametrize(
    ("read", "used"),
    [
        pytest.param(lambda r: r.headers, "request.headers", id="headers"),
        pytest.param(lambda r: r.cookies, "request.cookies", id="cookies"),
        pytest.param(lambda r: r.url, "request.url", id="url"),
        pytest.param(lambda r: r.next_url.search, "request.next_url.search", id="search"),
        pytest.param(
            lambda r: r.next_url.search_params, "request.next_url.search_params", id="params"
        ),
        pytest.param(lambda r: r.next_url.href, "request.next_url.href", id="href"),
        pytest.param(lambda r: r.next_url.origin, "request.next_url.origin", id="origin"),
        pytest.param(lambda r: str(r.next_url), "str(request.next_url)", id="str"),
        pytest.param(lambda r: r.next_url.clone(), "request.next_url.clone()", id="clone"),
        pytest.param(lambda r: r.stream(), "request.stream()", id="stream"),
        pytest.param(lambda r: asyncio.run(r.json()), "request.json()", id="json"),
        pytest.param(lambda r: asyncio.run(r.text()), "request.text()", id="text"),
        pytest.param(lambda r: asyncio.run(r.bytes()), "request.bytes()", id="bytes"),
        pytest.param(lambda r: asyncio.run(r.form_data()), "request.form_data()", id="form"),
    ],
)
def test_reading_request_data_is_an_error(read: Callable[[StaticRequest], Any], used: str) -> None:
    with pytest.raises(DynamicUsageError, match="couldn't be rendered statically") as caught:
        read(_request())
    assert caught.value.used == used
    assert f"`{used}`" in str(caught.value)


def test_method_and_pathname_stay_readable() -> None:
    request = _request()
    assert request.method == "GET"
    assert request.next_url.pathname == "/api/x/1"
    assert repr(request) == "<StaticRequest GET /api/x/1>"
