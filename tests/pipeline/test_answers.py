"""``pipeline.answers.with_headers``: the middleware's headers lose to the
response's own, config ``headers()`` replace both, ``Set-Cookie`` adds up."""

from __future__ import annotations

import asyncio

from approute._types import Message
from approute.pipeline.answers import with_headers

Pairs = list[tuple[bytes, bytes]]


def _start_headers(response: Pairs, **rules: Pairs) -> Pairs:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    wrapped = with_headers(send, **rules)
    start: Message = {"type": "http.response.start", "status": 200, "headers": response}

    async def respond() -> None:
        await wrapped(start)
        await wrapped({"type": "http.response.body", "body": b"x"})

    asyncio.run(respond())
    assert sent[1] == {"type": "http.response.body", "body": b"x"}
    assert start["headers"] is response, "the response's own message is left as it was"
    return list(sent[0]["headers"])


def test_defaults_lose_to_the_responses_own_headers() -> None:
    response = [(b"content-type", b"text/plain"), (b"x-a", b"route")]
    defaults = [(b"x-a", b"mw"), (b"x-b", b"mw")]
    assert _start_headers(response, defaults=defaults) == [*response, (b"x-b", b"mw")]


def test_set_cookie_lines_always_add_up() -> None:
    response = [(b"set-cookie", b"a=1")]
    defaults = [(b"set-cookie", b"b=2")]
    overrides = [(b"set-cookie", b"c=3")]
    assert _start_headers(response, defaults=defaults, overrides=overrides) == [
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
        (b"set-cookie", b"c=3"),
    ]


def test_overrides_replace_the_response_and_the_defaults_in_that_order() -> None:
    response = [(b"x-a", b"route"), (b"x-keep", b"1")]
    defaults = [(b"x-b", b"mw"), (b"x-c", b"mw")]
    overrides = [(b"x-a", b"config"), (b"x-b", b"config")]
    assert _start_headers(response, defaults=defaults, overrides=overrides) == [
        (b"x-keep", b"1"),
        (b"x-c", b"mw"),
        (b"x-a", b"config"),
        (b"x-b", b"config"),
    ]


def test_a_response_without_headers_gets_the_defaults() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    wrapped = with_headers(send, defaults=[(b"x-mw", b"1")])

    async def respond() -> None:
        await wrapped({"type": "http.response.start", "status": 204})

    asyncio.run(respond())
    assert sent[0]["headers"] == [(b"x-mw", b"1")]
