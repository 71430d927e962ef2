"""Response and NextResponse (docs/request-response.md, docs/deviations.md):
content types, JSON, status validation, redirects, streaming, Fetch readers,
cookies, middleware results."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from typing import Any

import pytest

from approute import NextResponse, NextURL, Response
from approute._types import Message
from approute.app import App, create_app
from approute.http.default_headers import DefaultHeaders
from approute.testing import TestClient
from tests.conftest import ProjectFactory

# -- helpers --------------------------------------------------------------------


def run(coro: Any) -> Any:
    return asyncio.run(coro)


class Recorder:
    """An ASGI ``send`` that keeps every message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def __call__(self, message: Message) -> None:
        self.messages.append(message)

    @property
    def start(self) -> Message:
        return self.messages[0]

    @property
    def header_names(self) -> list[bytes]:
        return [name for name, _ in self.start["headers"]]

    @property
    def bodies(self) -> list[Message]:
        return [m for m in self.messages if m["type"] == "http.response.body"]


def sent(response: Response) -> Recorder:
    recorder = Recorder()
    run(response.send_asgi(recorder))
    return recorder


def streamed_chunks(recorder: Recorder) -> list[bytes]:
    """The body chunks sent with ``more_body``; the last message must end the body."""
    bodies = recorder.bodies
    assert bodies[-1].get("more_body", False) is False
    assert bodies[-1]["body"] == b""
    assert all(m.get("more_body") for m in bodies[:-1])
    return [m["body"] for m in bodies[:-1]]


def call_app(app: App, path: str, receive: Callable[[], Any] | None = None) -> list[Message]:
    """One GET through the whole ASGI app, recording what it sends."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost:3000")],
        "server": ("localhost", 3000),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
    }
    recorder = Recorder()

    async def wait_forever() -> Message:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def scenario() -> None:
        await asyncio.wait_for(app(scope, receive or wait_forever, recorder), timeout=10)

    run(scenario())
    return recorder.messages


@pytest.fixture
def client_for(make_project: ProjectFactory) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def make(source: str) -> TestClient:
        client = TestClient(create_app(make_project({"app/api/x/route.py": source})))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# -- content types ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        pytest.param(lambda: Response("hi"), "text/plain;charset=UTF-8", id="str-is-text-plain"),
        pytest.param(lambda: Response(""), "text/plain;charset=UTF-8", id="empty-str-text-plain"),
        pytest.param(lambda: Response(b"hi"), None, id="bytes-has-none"),
        pytest.param(lambda: Response(), None, id="no-body-has-none"),
        pytest.param(lambda: Response([b"a"]), None, id="stream-has-none"),
        pytest.param(lambda: Response.json({"a": 1}), "application/json", id="response-json"),
        pytest.param(lambda: NextResponse.json([1]), "application/json", id="next-response-json"),
        pytest.param(lambda: NextResponse("hi"), "text/plain;charset=UTF-8", id="next-str"),
        pytest.param(
            lambda: Response("<p>", headers={"Content-Type": "text/html"}),
            "text/html",
            id="explicit-header-wins-over-str",
        ),
        pytest.param(
            lambda: Response("<p>", headers=[("content-type", "text/html")]),
            "text/html",
            id="explicit-header-pairs-win",
        ),
        pytest.param(
            lambda: NextResponse.json({}, headers={"content-type": "application/problem+json"}),
            "application/problem+json",
            id="explicit-header-wins-over-json",
        ),
    ],
)
def test_content_type_follows_the_body(make: Callable[[], Response], content_type: str) -> None:
    response = make()
    assert response.headers.get("content-type") == content_type
    ct_headers = [v for n, v in sent(make()).start["headers"] if n == b"content-type"]
    assert ct_headers == ([] if content_type is None else [content_type.encode()])


# -- JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "body"),
    [
        pytest.param({"a": 1, "b": [1, 2]}, b'{"a":1,"b":[1,2]}', id="compact"),
        pytest.param({"k": "é"}, '{"k":"é"}'.encode(), id="utf-8-not-escaped"),
        pytest.param({1: "x", None: "y"}, b'{"1":"x","null":"y"}', id="non-str-keys"),
        pytest.param(
            {"at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)},
            b'{"at":"2024-01-02T03:04:05+00:00"}',
            id="aware-datetime-rfc-3339",
        ),
        pytest.param(
            {"at": datetime(2024, 1, 2, 3, 4, 5)}, b'{"at":"2024-01-02T03:04:05"}', id="naive"
        ),
        pytest.param(
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
            b'"12345678-1234-5678-1234-567812345678"',
            id="uuid",
        ),
        pytest.param(None, b"null", id="null"),
    ],
)
@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_json_is_compact_orjson(cls: type[Response], data: Any, body: bytes) -> None:
    response = cls.json(data)
    assert run(response.bytes()) == body
    assert sent(cls.json(data)).bodies[0]["body"] == body


def test_json_constructor_takes_status_and_headers() -> None:
    response = NextResponse.json({"ok": True}, status=201, headers={"x-a": "1"})
    assert response.status == 201
    assert response.headers.get("x-a") == "1"
    assert response.headers.get("content-type") == "application/json"


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        pytest.param(Response, Response, id="response"),
        pytest.param(NextResponse, NextResponse, id="next-response"),
    ],
)
def test_json_constructor_returns_its_class(cls: type[Response], expected: type) -> None:
    assert type(cls.json({})) is expected


def test_json_through_the_app(client_for: Callable[[str], TestClient]) -> None:
    client = client_for(
        "from approute import NextResponse\n"
        "def GET(request):\n    return NextResponse.json({'a': [1, 2]})\n"
    )
    response = client.get("/api/x", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"a":[1,2]}'
    assert response.headers["content-length"] == str(len(b'{"a":[1,2]}'))


# -- Fetch readers ----------------------------------------------------------------


async def _agen(*chunks: bytes) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


@pytest.mark.parametrize(
    ("make", "reader", "expected"),
    [
        pytest.param(lambda: Response("hé"), "text", "hé", id="text"),
        pytest.param(lambda: Response(b"\x00\xff"), "bytes", b"\x00\xff", id="bytes"),
        pytest.param(lambda: Response(), "bytes", b"", id="no-body-bytes"),
        pytest.param(lambda: Response(), "text", "", id="no-body-text"),
        pytest.param(lambda: Response.json({"a": [1]}), "json", {"a": [1]}, id="json"),
        pytest.param(lambda: NextResponse.json([1, 2]), "json", [1, 2], id="next-json"),
        pytest.param(lambda: Response(b'{"a":1}'), "json", {"a": 1}, id="json-of-bytes-body"),
        pytest.param(lambda: Response(_agen(b"a", b"b")), "bytes", b"ab", id="async-stream"),
        pytest.param(lambda: Response(iter([b"a", b"b"])), "text", "ab", id="sync-stream"),
        pytest.param(lambda: Response([b"x", b"y"]), "bytes", b"xy", id="list-stream"),
        pytest.param(lambda: Response(b"a\xffb"), "text", "a\ufffdb", id="text-lenient"),
    ],
)
def test_instance_readers_read_the_body_back(
    make: Callable[[], Response], reader: str, expected: Any
) -> None:
    assert run(getattr(make(), reader)()) == expected


def test_json_is_a_constructor_on_the_class_and_a_reader_on_instances() -> None:
    response = NextResponse.json({"a": 1})
    assert isinstance(response, NextResponse)
    assert run(response.json()) == {"a": 1}


# -- status ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [100, 200, 204, 418, 599])
def test_status_in_range_is_accepted(status: int) -> None:
    assert Response(status=status).status == status


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(99, id="below-100"),
        pytest.param(600, id="above-599"),
        pytest.param(0, id="zero"),
        pytest.param(-200, id="negative"),
        pytest.param(True, id="bool-true"),
        pytest.param(False, id="bool-false"),
    ],
)
@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_status_outside_100_599_or_bool_is_value_error(cls: type[Response], status: int) -> None:
    with pytest.raises(ValueError, match="status"):
        cls(status=status)
    with pytest.raises(ValueError, match="status"):
        cls.json({}, status=status)


@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_an_int_enum_status_is_accepted_and_a_float_is_not(cls: type[Response]) -> None:
    assert cls(status=HTTPStatus.CREATED).status == 201
    with pytest.raises(ValueError, match="status"):
        cls(status=200.0)  # type: ignore[arg-type]


def test_default_headers_lose_to_the_responses_own_and_cookies_add_up() -> None:
    # What a middleware's NextResponse.next() headers do to the route's
    # response: send_asgi merges them itself and calls the inner send.
    recorder = Recorder()
    send = DefaultHeaders(recorder, [(b"x-a", b"mw"), (b"x-b", b"mw"), (b"set-cookie", b"m=1")])
    response = NextResponse("hi", headers={"x-a": "route"})
    response.cookies.set("r", "1")
    run(response.send_asgi(send))
    assert recorder.start["headers"] == [
        (b"x-a", b"route"),
        (b"content-type", b"text/plain;charset=UTF-8"),
        (b"set-cookie", b"r=1; Path=/"),
        (b"x-b", b"mw"),
        (b"set-cookie", b"m=1"),
        (b"content-length", b"2"),
    ]
    assert [m["body"] for m in recorder.bodies] == [b"hi"]


def test_status_text_is_kept() -> None:
    response = Response("x", status=418, status_text="I'm a teapot")
    assert response.status_text == "I'm a teapot"
    assert response.status == 418


def test_ok_is_true_only_for_2xx() -> None:
    assert [Response(status=s).ok for s in (199, 200, 299, 300)] == [False, True, True, False]


# -- bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"a": 1}, id="dict"),
        pytest.param(42, id="int"),
        pytest.param(object(), id="object"),
    ],
)
def test_unsupported_body_is_type_error(body: Any) -> None:
    with pytest.raises(TypeError):
        Response(body)


@pytest.mark.parametrize(
    ("body", "content"),
    [
        pytest.param("hé", "hé".encode(), id="str-utf-8"),
        pytest.param(b"\x00\x01", b"\x00\x01", id="bytes"),
        pytest.param(None, b"", id="none"),
    ],
)
def test_fixed_body_is_sent_with_content_length(body: Any, content: bytes) -> None:
    recorder = sent(Response(body))
    assert recorder.start["status"] == 200
    assert (b"content-length", str(len(content)).encode()) in recorder.start["headers"]
    assert b"".join(m["body"] for m in recorder.bodies) == content


@pytest.mark.parametrize("status", [204, 205, 304])
def test_null_body_status_has_no_content_length_and_no_body(status: int) -> None:
    recorder = sent(Response(status=status))
    assert recorder.start["status"] == status
    assert b"content-length" not in recorder.header_names
    assert b"".join(m["body"] for m in recorder.bodies) == b""


def test_204_through_the_app_has_no_content_length(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(
        "from approute import Response\ndef DELETE(request):\n    return Response(status=204)\n"
    )
    response = client.delete("/api/x")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-length" not in response.headers
    assert "content-type" not in response.headers


# -- streaming ------------------------------------------------------------------------


def _sync_gen() -> Iterator[bytes]:
    yield b"one"
    yield b"two"


@pytest.mark.parametrize(
    ("make", "chunks"),
    [
        pytest.param(lambda: _agen(b"one", b"two"), [b"one", b"two"], id="async-generator"),
        pytest.param(_sync_gen, [b"one", b"two"], id="sync-generator"),
        pytest.param(lambda: [b"one", b"two"], [b"one", b"two"], id="list"),
        pytest.param(lambda: (b"one", b"two"), [b"one", b"two"], id="tuple"),
        pytest.param(lambda: ["é", "b"], ["é".encode(), b"b"], id="str-chunks-utf-8"),
        pytest.param(lambda: [b"a", b"", b"b"], [b"a", b"b"], id="empty-chunks-skipped"),
        pytest.param(lambda: [bytearray(b"ba")], [b"ba"], id="bytearray-chunk"),
    ],
)
def test_stream_is_sent_chunk_by_chunk_without_content_length(
    make: Callable[[], Any], chunks: list[bytes]
) -> None:
    response = Response(make())
    assert response.is_stream
    recorder = sent(response)
    assert recorder.start["status"] == 200
    assert b"content-length" not in recorder.header_names
    assert streamed_chunks(recorder) == chunks


def test_stream_chunk_of_wrong_type_is_type_error() -> None:
    with pytest.raises(TypeError):
        sent(Response([b"a", 1]))  # type: ignore[list-item]


def test_stream_is_not_buffered_before_sending() -> None:
    # The generator waits for the first chunk to reach ``send``: buffering would deadlock.
    async def scenario() -> list[bytes]:
        first_sent = asyncio.Event()
        bodies: list[bytes] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                bodies.append(message["body"])
                first_sent.set()

        async def gen() -> AsyncIterator[bytes]:
            yield b"first"
            await first_sent.wait()
            yield b"second"

        await asyncio.wait_for(Response(gen()).send_asgi(send), timeout=10)
        return bodies

    assert run(scenario()) == [b"first", b"second", b""]


def test_sync_generator_runs_in_a_worker_thread() -> None:
    threads: list[int] = []

    def gen() -> Iterator[bytes]:
        threads.append(threading.get_ident())
        yield b"a"
        threads.append(threading.get_ident())
        yield b"b"
        threads.append(threading.get_ident())

    async def scenario() -> int:
        await Response(gen()).send_asgi(Recorder())
        return threading.get_ident()

    loop_thread = run(scenario())
    assert len(threads) == 3
    assert loop_thread not in threads


def test_stream_generator_finally_runs_when_send_fails() -> None:
    closed: list[str] = []

    async def gen() -> AsyncIterator[bytes]:
        try:
            yield b"a"
            yield b"b"
        finally:
            closed.append("finally")

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and message["body"] == b"a":
            raise OSError("client went away")

    with pytest.raises(OSError, match="client went away"):
        run(Response(gen()).send_asgi(send))
    assert closed == ["finally"]


def test_head_sends_headers_and_closes_the_stream() -> None:
    closed: list[str] = []

    def gen() -> Iterator[bytes]:
        try:
            yield b"a"
        finally:
            closed.append("finally")

    stream = gen()
    next(stream)  # started: close() must run its finally
    recorder = Recorder()
    run(Response(stream).send_asgi(recorder, head_only=True))
    assert b"".join(m["body"] for m in recorder.bodies) == b""
    assert closed == ["finally"]


STREAM_ROUTE = """
import asyncio
from approute import Response

EVENTS = []

async def chunks():
    try:
        yield b"one"
        yield b"two"
        yield "three"
    finally:
        EVENTS.append("finally")

def sync_chunks():
    yield b"sync-"
    yield b"gen"

async def GET(request):
    return Response(chunks(), headers={"content-type": "text/plain"})

async def POST(request):
    return Response(sync_chunks())

async def hang():
    try:
        yield b"first"
        await asyncio.Event().wait()
        yield b"never"
    finally:
        EVENTS.append("finally")

async def PUT(request):
    return Response(hang())
"""


def _route_module(app: App) -> Any:
    (route,) = app.project.modules.values()
    return route.module


def test_stream_through_the_app_is_chunked(make_project: ProjectFactory) -> None:
    app = create_app(make_project({"app/api/x/route.py": STREAM_ROUTE}))
    recorder = Recorder()
    recorder.messages = call_app(app, "/api/x")
    assert recorder.start["status"] == 200
    assert b"content-length" not in recorder.header_names
    assert streamed_chunks(recorder) == [b"one", b"two", b"three"]
    assert _route_module(app).EVENTS == ["finally"]


@pytest.mark.parametrize(
    ("method", "content"),
    [
        pytest.param("GET", b"onetwothree", id="async-generator"),
        pytest.param("POST", b"sync-gen", id="sync-generator"),
    ],
)
def test_stream_through_test_client(
    make_project: ProjectFactory, method: str, content: bytes
) -> None:
    with TestClient(create_app(make_project({"app/api/x/route.py": STREAM_ROUTE}))) as client:
        response = client.request(method, "/api/x")
    assert response.status_code == 200
    assert response.content == content


def test_stream_through_test_client_has_no_content_length(make_project: ProjectFactory) -> None:
    with TestClient(create_app(make_project({"app/api/x/route.py": STREAM_ROUTE}))) as client:
        response = client.get("/api/x")
    assert "content-length" not in response.headers


def test_client_disconnect_cancels_the_stream_and_runs_finally(
    make_project: ProjectFactory,
) -> None:
    app = create_app(make_project({"app/api/x/route.py": STREAM_ROUTE}))
    scope = {
        "type": "http",
        "method": "PUT",
        "scheme": "http",
        "path": "/api/x",
        "raw_path": b"/api/x",
        "query_string": b"",
        "headers": [],
        "server": ("localhost", 3000),
        "client": ("127.0.0.1", 5000),
    }

    async def scenario() -> list[bytes]:
        first = asyncio.Event()
        bodies: list[bytes] = []

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                bodies.append(message["body"])
                first.set()

        async def receive() -> Message:
            await first.wait()
            return {"type": "http.disconnect"}

        await asyncio.wait_for(app(scope, receive, send), timeout=10)
        return bodies

    assert run(scenario()) == [b"first"]
    assert _route_module(app).EVENTS == ["finally"]


# -- redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_redirect_sets_location_and_empty_body(cls: type[Response], status: int) -> None:
    response = cls.redirect("https://example.com/a?b=1", status)
    assert type(response) is cls
    assert response.status == status
    assert response.headers.get("location") == "https://example.com/a?b=1"
    assert response.headers.get("content-type") is None
    assert run(response.bytes()) == b""
    recorder = sent(cls.redirect("https://example.com/a?b=1", status))
    assert b"content-type" not in recorder.header_names
    assert b"".join(m["body"] for m in recorder.bodies) == b""


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        pytest.param(Response, 302, id="Response-302-as-Fetch"),
        pytest.param(NextResponse, 307, id="NextResponse-307-as-Next.js"),
    ],
)
def test_redirect_default_status_depends_on_the_class(cls: type[Response], status: int) -> None:
    response = cls.redirect("http://localhost:3000/login")
    assert type(response) is cls
    assert response.status == status


def test_redirect_accepts_a_next_url() -> None:
    url = NextURL("http://localhost:3000/a").clone(pathname="/login", search="?next=%2Fa")
    response = NextResponse.redirect(url)
    assert response.headers.get("location") == "http://localhost:3000/login?next=%2Fa"


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(200, id="200"),
        pytest.param(300, id="300"),
        pytest.param(304, id="304"),
        pytest.param(306, id="306"),
        pytest.param(309, id="309"),
    ],
)
@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_redirect_with_non_redirect_status_is_value_error(cls: type[Response], status: int) -> None:
    with pytest.raises(ValueError, match="301, 302, 303, 307, 308"):
        cls.redirect("https://example.com/", status)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/login", id="path"),
        pytest.param("login", id="relative"),
        pytest.param("//evil.com/x", id="scheme-relative"),
        pytest.param("example.com/x", id="no-scheme"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("cls", [Response, NextResponse])
def test_redirect_needs_an_absolute_url(cls: type[Response], url: str) -> None:
    with pytest.raises(ValueError, match="absolute URL"):
        cls.redirect(url)


def test_handler_redirect_through_the_app_keeps_location(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(
        "from approute import NextResponse\n"
        "def GET(request):\n"
        "    return NextResponse.redirect('https://example.com/elsewhere', 308)\n"
    )
    response = client.get("/api/x")
    assert response.status_code == 308
    assert response.headers["location"] == "https://example.com/elsewhere"
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "refresh" not in response.headers


# -- cookies --------------------------------------------------------------------------

EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


@pytest.mark.parametrize(
    ("args", "options", "line"),
    [
        pytest.param(("a", "1"), {}, "a=1; Path=/", id="path-defaults-to-root"),
        pytest.param(("b", "x y;z"), {}, "b=x%20y%3Bz; Path=/", id="value-percent-encoded"),
        pytest.param(("c", "é"), {}, "c=%C3%A9; Path=/", id="utf-8-value-encoded"),
        pytest.param(("d", "v"), {"http_only": True}, "d=v; Path=/; HttpOnly", id="http-only"),
        pytest.param(("e", "v"), {"path": "/p"}, "e=v; Path=/p", id="custom-path"),
        pytest.param(
            ("f", "v"),
            {"expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)},
            "f=v; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT",
            id="expires-imf-fixdate",
        ),
        pytest.param(
            ("g", "v"),
            {
                "path": "/p",
                "domain": "example.com",
                "secure": True,
                "http_only": True,
                "same_site": "lax",
                "partitioned": True,
                "priority": "high",
            },
            "g=v; Path=/p; Domain=example.com; Secure; HttpOnly; SameSite=lax; "
            "Partitioned; Priority=high",
            id="attribute-order",
        ),
        pytest.param(
            ("h", "v"), {"same_site": "strict"}, "h=v; Path=/; SameSite=strict", id="strict"
        ),
        pytest.param(("i", "v"), {"same_site": "none"}, "i=v; Path=/; SameSite=none", id="none"),
        pytest.param(("j", "v"), {"max_age": 0}, "j=v; Path=/; Max-Age=0", id="max-age-zero"),
    ],
)
def test_cookie_set_writes_next_js_set_cookie_format(
    args: tuple[str, str], options: dict[str, Any], line: str
) -> None:
    response = NextResponse()
    response.cookies.set(*args, **options)
    assert response.headers.get_set_cookie() == [line]


def test_cookie_max_age_also_writes_expires() -> None:
    response = NextResponse()
    before = int(time.time())
    response.cookies.set("m", "v", max_age=60)
    after = int(time.time())
    (line,) = response.headers.get_set_cookie()
    match = re.fullmatch(r"m=v; Path=/; Expires=(.+ GMT); Max-Age=60", line)
    assert match is not None, line
    expires = parsedate_to_datetime(match.group(1)).timestamp()
    assert before + 60 <= expires <= after + 60


def test_cookie_delete_expires_it_at_the_epoch() -> None:
    response = NextResponse()
    response.cookies.delete("gone")
    assert response.headers.get_set_cookie() == [f"gone=; Path=/; Expires={EPOCH}"]


def test_several_cookies_are_several_set_cookie_headers() -> None:
    response = NextResponse.json({})
    response.cookies.set("a", "1")
    response.cookies.set("b", "2", http_only=True)
    response.cookies.set("a", "3")  # replaces a, keeps its place
    assert response.headers.get_set_cookie() == ["a=3; Path=/", "b=2; Path=/; HttpOnly"]
    assert response.cookies.get("b") is not None
    assert response.cookies.has("a")
    assert [c.name for c in response.cookies.get_all()] == ["a", "b"]
    lines = [v for n, v in sent(response).start["headers"] if n == b"set-cookie"]
    assert lines == [b"a=3; Path=/", b"b=2; Path=/; HttpOnly"]


def test_cookies_through_the_app_are_separate_set_cookie_lines(
    client_for: Callable[[str], TestClient],
) -> None:
    client = client_for(
        "from approute import NextResponse\n"
        "def GET(request):\n"
        "    response = NextResponse.json({'ok': True})\n"
        "    response.cookies.set('session', 'abc', http_only=True, same_site='lax')\n"
        "    response.cookies.set('theme', 'dark mode')\n"
        "    response.cookies.delete('old')\n"
        "    return response\n"
    )
    response = client.get("/api/x")
    assert response.headers.get_list("set-cookie") == [
        "session=abc; Path=/; HttpOnly; SameSite=lax",
        "theme=dark%20mode; Path=/",
        f"old=; Path=/; Expires={EPOCH}",
    ]


# -- middleware results -----------------------------------------------------------------


def test_next_marks_the_response_as_continue() -> None:
    response = NextResponse.next(headers={"x-mw": "1"})
    assert response.is_next
    assert response.rewrite_url is None
    assert response.headers.get("x-mw") == "1"


def test_next_with_request_headers_forwards_them() -> None:
    response = NextResponse.next(request={"headers": {"x-user": "42"}})
    assert response.forward_headers is not None
    assert response.forward_headers.get("x-user") == "42"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://example.com/a?b=1", "https://example.com/a?b=1", id="external"),
        pytest.param("http://localhost:3000/new", "http://localhost:3000/new", id="same-origin"),
        pytest.param(
            NextURL("http://localhost:3000/old").clone(pathname="/new"),
            "http://localhost:3000/new",
            id="next-url",
        ),
    ],
)
def test_rewrite_records_the_absolute_url(url: str | NextURL, expected: str) -> None:
    response = NextResponse.rewrite(url)
    assert response.rewrite_url == expected
    assert not response.is_next


@pytest.mark.parametrize("url", ["/new", "new", "//example.com/new", ""])
def test_rewrite_needs_an_absolute_url(url: str) -> None:
    with pytest.raises(ValueError, match="absolute URL"):
        NextResponse.rewrite(url)


def test_plain_responses_are_neither_next_nor_rewrite() -> None:
    response = NextResponse("x")
    assert not response.is_next
    assert response.rewrite_url is None
