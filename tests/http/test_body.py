"""BodyChannel (the one reader of ASGI ``receive``), its body pace (idle
time, deadline, minimum rate) and ``parse_size`` (docs/config.md)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from approute._types import Message
from approute.app import create_app
from approute.errors import BodyTooLarge, RequestError
from approute.http.body import BodyChannel, BodyTimeout, ClientDisconnected
from approute.http.body_limits import BodyPace, parse_size
from approute.http.body_watch import DisconnectWatch, PaceWatch
from tests.conftest import ProjectFactory


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def request_message(body: bytes, more: bool) -> Message:
    return {"type": "http.request", "body": body, "more_body": more}


DISCONNECT: Message = {"type": "http.disconnect"}


class Receive:
    """An ASGI ``receive`` that plays ``messages`` and then, as a server, waits."""

    def __init__(self, messages: list[Message]) -> None:
        self.messages = list(messages)
        self.calls = 0

    async def __call__(self) -> Message:
        self.calls += 1
        if self.messages:
            return self.messages.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def channel_for(
    receive: Receive,
    *,
    has_body: bool = True,
    content_length: int | None = None,
    timeout: float | None = None,
    linger: bool = True,
) -> BodyChannel:
    pace = None if timeout is None else BodyPace(idle=timeout, deadline=None, min_rate=None)
    return BodyChannel(
        receive, has_body=has_body, content_length=content_length, pace=pace, linger=linger
    )


async def collect(channel: BodyChannel) -> list[bytes]:
    try:
        return [chunk async for chunk in channel.chunks()]
    finally:
        channel.close()


async def read(channel: BodyChannel, limit: int | None) -> bytes:
    try:
        return await channel.read(limit)
    finally:
        channel.close()


# -- chunks and read -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "chunks"),
    [
        pytest.param([request_message(b"all", False)], [b"all"], id="one-message"),
        pytest.param(
            [
                request_message(b"a", True),
                request_message(b"b", True),
                request_message(b"c", False),
            ],
            [b"a", b"b", b"c"],
            id="in-order",
        ),
        pytest.param(
            [request_message(b"a", True), request_message(b"", True), request_message(b"", False)],
            [b"a"],
            id="empty-messages-skipped",
        ),
        pytest.param([request_message(b"", False)], [], id="empty-body"),
    ],
)
def test_chunks_arrive_in_order(messages: list[Message], chunks: list[bytes]) -> None:
    assert run(collect(channel_for(Receive(messages)))) == chunks


def test_read_joins_the_chunks() -> None:
    receive = Receive([request_message(b"ab", True), request_message(b"cd", False)])
    assert run(read(channel_for(receive), None)) == b"abcd"


def test_read_stops_once_content_length_bytes_arrived() -> None:
    # A server may say more_body=True with the last bytes and send an empty
    # last message later: the declared length already says the body ended.
    receive = Receive([request_message(b"ab", True), request_message(b"cd", True)])
    assert run(read(channel_for(receive, content_length=4), None)) == b"abcd"
    assert receive.calls == 2


def test_without_a_length_read_waits_for_the_last_message() -> None:
    receive = Receive([request_message(b"ab", True), request_message(b"", False)])
    assert run(read(channel_for(receive), None)) == b"ab"
    assert receive.calls == 2


def test_channel_without_body_reads_empty_without_receive() -> None:
    receive = Receive([request_message(b"ignored", False)])
    assert run(read(channel_for(receive, has_body=False), 10)) == b""
    assert receive.calls == 0


def test_streaming_the_body_twice_is_runtime_error() -> None:
    channel = channel_for(Receive([request_message(b"x", False)]))

    async def scenario() -> None:
        assert await collect(channel) == [b"x"]
        assert channel.consumed
        with pytest.raises(RuntimeError):
            await collect(channel)

    run(scenario())


# -- limits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_length", "limit"),
    [
        pytest.param(11, 10, id="one-over"),
        pytest.param(10**12, 4 * 1024 * 1024, id="absurd"),
    ],
)
def test_declared_length_over_limit_with_expect_is_refused_before_receive(
    content_length: int, limit: int
) -> None:
    # Expect: 100-continue: calling receive would make uvicorn send
    # "100 Continue" for a body we refuse.
    receive = Receive([request_message(b"x" * 11, False)])
    channel = channel_for(receive, content_length=content_length, linger=False)
    with pytest.raises(BodyTooLarge) as caught:
        run(read(channel, limit))
    assert receive.calls == 0
    assert caught.value.status == 413


def test_declared_length_far_over_limit_is_refused_unread() -> None:
    # More than the lingering bound (4x the limit): not worth reading.
    receive = Receive([request_message(b"x" * 11, False)])
    with pytest.raises(BodyTooLarge):
        run(read(channel_for(receive, content_length=41), 10))
    assert receive.calls == 0


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_the_rest_of_an_over_limit_body_is_read_and_dropped_before_the_413(
    declared: bool,
) -> None:
    # A client that sends its whole body before reading the answer must be
    # done sending when the 413 and the close come (lingering close).
    messages = [request_message(b"x" * 6, True), request_message(b"x" * 6, True)]
    receive = Receive([*messages, request_message(b"x" * 6, False)])
    channel = channel_for(receive, content_length=18 if declared else None)
    with pytest.raises(BodyTooLarge):
        run(read(channel, 10))
    assert receive.calls == 3


def test_declared_length_at_limit_is_read() -> None:
    receive = Receive([request_message(b"x" * 10, False)])
    assert run(read(channel_for(receive, content_length=10), 10)) == b"x" * 10


@pytest.mark.parametrize(
    ("chunks", "limit", "fits"),
    [
        pytest.param([b"x" * 6, b"x" * 6], 10, False, id="chunked-over"),
        pytest.param([b"x" * 5, b"x" * 5], 10, True, id="chunked-at-limit"),
        pytest.param([b"x" * 11], 10, False, id="single-chunk-over"),
        pytest.param([b"x" * 11], None, True, id="no-limit"),
    ],
)
def test_undeclared_length_is_counted_while_reading(
    chunks: list[bytes], limit: int | None, fits: bool
) -> None:
    messages = [request_message(c, i < len(chunks) - 1) for i, c in enumerate(chunks)]
    channel = channel_for(Receive(messages))
    if fits:
        assert run(read(channel, limit)) == b"".join(chunks)
        return
    with pytest.raises(BodyTooLarge):
        run(read(channel, limit))


def test_body_too_large_is_a_413_request_error_not_a_value_error() -> None:
    error = BodyTooLarge("too big")
    assert error.status == 413
    assert isinstance(error, RequestError)
    assert not isinstance(error, ValueError)


def test_a_reader_that_stops_bounds_the_buffered_chunks() -> None:
    receive = Receive([request_message(b"x", True) for _ in range(1000)])
    channel = channel_for(receive)

    async def scenario() -> int:
        iterator = channel.chunks()
        try:
            assert await iterator.__anext__() == b"x"
            for _ in range(200):  # let the pump run as far as it will
                await asyncio.sleep(0)
            return receive.calls
        finally:
            await iterator.aclose()  # type: ignore[attr-defined]
            channel.close()

    assert run(scenario()) < 100


# -- disconnects and timeouts ------------------------------------------------------------


def test_disconnect_during_body_is_client_disconnected() -> None:
    receive = Receive([request_message(b"part", True), DISCONNECT])
    channel = channel_for(receive)
    with pytest.raises(ClientDisconnected) as caught:
        run(read(channel, None))
    assert isinstance(caught.value, RequestError)
    assert channel.disconnected


def test_stalled_body_times_out_with_408() -> None:
    receive = Receive([request_message(b"part", True)])  # then nothing, ever
    channel = channel_for(receive, timeout=0.01)
    with pytest.raises(BodyTimeout) as caught:
        run(read(channel, None))
    assert caught.value.status == 408
    assert isinstance(caught.value, RequestError)


@pytest.mark.parametrize(
    ("pace", "progress", "received", "due"),
    [
        pytest.param(BodyPace(30, None, None), 7.0, 10, 37.0, id="idle-from-last-byte"),
        pytest.param(BodyPace(30, 20, None), 7.0, 10, 20.0, id="deadline-from-start"),
        pytest.param(BodyPace(None, None, 100, grace=5), 1.0, 0, 5.0, id="rate-after-grace"),
        pytest.param(BodyPace(None, None, 100, grace=5), 1.0, 900, 9.0, id="rate-bytes-buy-time"),
        pytest.param(BodyPace(None, None, None), 1.0, 0, None, id="no-rules"),
    ],
)
def test_body_pace_is_due_at_the_first_rule_broken(
    pace: BodyPace, progress: float, received: int, due: float | None
) -> None:
    # Started at 0: 900 bytes at 100 B/s last until second 9.
    assert pace.due(0.0, progress, received) == due


def _trickle(every: float, count: int) -> Callable[[], Awaitable[Message]]:
    """A client sending one byte every ``every`` seconds, ``count`` times."""
    sent = 0

    async def receive() -> Message:
        nonlocal sent
        await asyncio.sleep(every)
        sent += 1
        return request_message(b"x", sent < count)

    return receive


@pytest.mark.parametrize("how", ["read", "stream"])
@pytest.mark.parametrize(
    "pace",
    [
        pytest.param(BodyPace(idle=0.1, deadline=0.3, min_rate=None), id="deadline"),
        pytest.param(BodyPace(idle=0.1, deadline=None, min_rate=200, grace=0.2), id="min-rate"),
    ],
)
def test_a_trickled_body_times_out_though_each_byte_is_in_time(how: str, pace: BodyPace) -> None:
    # 50 B/s for 2 s: every byte beats the idle deadline; the body does not.
    channel = BodyChannel(_trickle(0.02, 100), has_body=True, content_length=None, pace=pace)
    with pytest.raises(BodyTimeout):
        run(read(channel, None) if how == "read" else collect(channel))


@pytest.mark.parametrize("how", ["read", "stream"])
def test_a_body_at_the_minimum_rate_is_read(how: str) -> None:
    pace = BodyPace(idle=0.5, deadline=5, min_rate=20, grace=0.05)
    channel = BodyChannel(_trickle(0.01, 20), has_body=True, content_length=None, pace=pace)
    body = run(read(channel, None)) if how == "read" else b"".join(run(collect(channel)))
    assert body == b"x" * 20


async def _wait_for_call(called: asyncio.Event) -> None:
    await asyncio.wait_for(called.wait(), timeout=10)


def test_watch_calls_back_on_disconnect_without_a_body() -> None:
    receive = Receive([DISCONNECT])
    channel = channel_for(receive, has_body=False)

    async def scenario() -> None:
        called = asyncio.Event()
        channel.watch(called.set)
        try:
            await _wait_for_call(called)
        finally:
            channel.close()
        assert channel.disconnected

    run(scenario())


def test_watch_with_a_body_waits_for_the_first_read() -> None:
    receive = Receive([request_message(b"body", False), DISCONNECT])
    channel = channel_for(receive, content_length=4)

    async def scenario() -> bytes:
        called = asyncio.Event()
        channel.watch(called.set)
        try:
            for _ in range(20):
                await asyncio.sleep(0)
            assert receive.calls == 0  # no "100 Continue" before the handler reads
            body = await channel.read(10)
            await _wait_for_call(called)
            return body
        finally:
            channel.close()

    assert run(scenario()) == b"body"


def test_one_shared_watch_starts_every_request_still_running() -> None:
    """The app's DisconnectWatch: one timer for many requests; a request
    answered before the delay is never watched, the others all are."""

    async def scenario() -> tuple[bool, int]:
        watch = DisconnectWatch(delay=0.01)
        loop = asyncio.get_running_loop()
        called = {name: asyncio.Event() for name in "abc"}
        receives = {name: Receive([DISCONNECT]) for name in "abc"}
        channels = {name: channel_for(receives[name], has_body=False) for name in "abc"}
        for name in "abc":
            channels[name].watch(called[name].set, watch=watch, loop=loop)
        channels["b"].close()  # answered in time
        try:
            await _wait_for_call(called["a"])
            await _wait_for_call(called["c"])
        finally:
            for channel in channels.values():
                channel.close()
        return called["b"].is_set(), receives["b"].calls

    assert run(scenario()) == (False, 0)


def test_shared_watch_rearms_for_requests_that_come_later() -> None:
    async def scenario() -> None:
        watch = DisconnectWatch(delay=0.01)
        loop = asyncio.get_running_loop()
        for _ in range(3):  # each one after the previous sweep ran
            called = asyncio.Event()
            channel = channel_for(Receive([DISCONNECT]), has_body=False)
            channel.watch(called.set, watch=watch, loop=loop)
            try:
                await _wait_for_call(called)
            finally:
                channel.close()

    run(scenario())


def test_a_slow_but_steady_body_is_not_timed_out() -> None:
    """The idle deadline counts from the last chunk: each one re-arms it."""
    sent = 0

    async def receive() -> Message:
        nonlocal sent
        await asyncio.sleep(0.04)
        sent += 1
        return request_message(b"x", sent < 8)

    pace = BodyPace(idle=0.15, deadline=None, min_rate=None)
    channel = BodyChannel(receive, has_body=True, content_length=None, pace=pace)
    assert run(read(channel, None)) == b"x" * 8  # 8 chunks: longer than one deadline


def test_a_read_body_is_then_watched_for_the_disconnect() -> None:
    receive = Receive([request_message(b"body", False), DISCONNECT])
    channel = channel_for(receive, content_length=4)

    async def scenario() -> bytes:
        called = asyncio.Event()
        channel.watch(called.set, watch=DisconnectWatch(delay=0.01))
        try:
            body = await channel.read(10)
            await _wait_for_call(called)
            return body
        finally:
            channel.close()

    assert run(scenario()) == b"body"


def test_close_stops_watching() -> None:
    gate = asyncio.Event()
    calls: list[str] = []

    async def receive() -> Message:
        await gate.wait()
        return DISCONNECT

    channel = BodyChannel(receive, has_body=False, content_length=None, pace=None)

    async def scenario() -> None:
        channel.watch(lambda: calls.append("called"))
        await asyncio.sleep(0)
        channel.close()
        gate.set()
        for _ in range(20):
            await asyncio.sleep(0)

    run(scenario())
    assert calls == []


# -- through the app ------------------------------------------------------------------

READ_ROUTE = """
from approute import Response

async def POST(request):
    return Response(await request.bytes())
"""


def call_app(app: Any, receive: Callable[[], Any], headers: list[tuple[bytes, bytes]]) -> Any:
    scope = {
        "type": "http",
        "method": "POST",
        "scheme": "http",
        "path": "/api/x",
        "raw_path": b"/api/x",
        "query_string": b"",
        "headers": headers,
        "server": ("localhost", 3000),
        "client": ("127.0.0.1", 5000),
    }
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    async def scenario() -> None:
        await asyncio.wait_for(app(scope, receive, send), timeout=10)

    run(scenario())
    return messages


def test_stalled_body_through_the_app_is_408(make_project: ProjectFactory) -> None:
    app = create_app(make_project({"app/api/x/route.py": READ_ROUTE}), body_timeout=0.01)
    receive = Receive([request_message(b"12", True)])
    messages = call_app(app, receive, [(b"content-length", b"10")])
    assert messages[0]["status"] == 408


def test_declared_oversize_body_through_the_app_is_413_unread(
    make_project: ProjectFactory,
) -> None:
    app = create_app(make_project({"app/api/x/route.py": READ_ROUTE}), body_size_limit=10)
    receive = Receive([request_message(b"x" * 11, False)])
    expect = [(b"content-length", b"11"), (b"expect", b"100-continue")]
    messages = call_app(app, receive, expect)
    assert messages[0]["status"] == 413
    assert receive.calls == 0
    # Without Expect the client is sending it anyway: read and dropped first.
    receive = Receive([request_message(b"x" * 11, False)])
    messages = call_app(app, receive, [(b"content-length", b"11")])
    assert messages[0]["status"] == 413
    assert receive.calls == 1


# -- parse_size ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "size"),
    [
        pytest.param(0, 0, id="int-zero"),
        pytest.param(1024, 1024, id="int"),
        pytest.param("10b", 10, id="bytes-suffix"),
        pytest.param("512kb", 512 * 1024, id="kb"),
        pytest.param("4mb", 4 * 1024 * 1024, id="mb"),
        pytest.param("1gb", 1024**3, id="gb"),
        pytest.param("4MB", 4 * 1024 * 1024, id="upper-case"),
        pytest.param(" 4 mb ", 4 * 1024 * 1024, id="spaces"),
        pytest.param("1.5kb", 1536, id="fraction"),
    ],
)
def test_parse_size_reads_ints_and_units(value: int | str, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("lots", id="word"),
        pytest.param("", id="empty"),
        pytest.param("mb", id="unit-only"),
        pytest.param("4tb", id="unknown-unit"),
        pytest.param("4 megabytes", id="spelled-out"),
        pytest.param(-1, id="negative-int"),
        pytest.param(
            "-1kb",
            id="negative-string",
        ),
        pytest.param(
            "infkb",
            id="infinite",
        ),
        pytest.param("nanmb", id="nan"),
        pytest.param(True, id="bool"),
    ],
)
def test_parse_size_refuses_bad_values(value: Any) -> None:
    with pytest.raises(ValueError, match="body_size_limit"):
        parse_size(value)


def test_parse_size_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"^max_upload"):
        parse_size("huge", where="max_upload")


def test_one_pace_watch_serves_many_reads_and_keeps_none_that_finished() -> None:
    pace = BodyPace(idle=0.2, deadline=0.5, min_rate=None)
    watch = PaceWatch(pace)

    def channel(receive: Any) -> BodyChannel:
        return BodyChannel(receive, has_body=True, content_length=None, pace=pace, pace_watch=watch)

    async def scenario() -> None:
        quick = channel(Receive([request_message(b"ok", False)]))
        assert await quick.read(None) == b"ok"
        # A read that finished is forgotten: the watch never checks it.
        assert quick not in watch._pending
        stalled = channel(Receive([request_message(b"x", True)]))
        with pytest.raises(BodyTimeout):
            await stalled.read(None)
        # A slow read passes the shared check (0.2 s: never idle), then hits
        # the 0.5 s deadline on a timer of its own.
        slow = channel(_trickle(0.05, 100))
        with pytest.raises(BodyTimeout):
            await slow.read(None)
        assert not watch._pending

    run(scenario())
