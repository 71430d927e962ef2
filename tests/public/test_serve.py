"""approute.public.serve: the response for one public file, called in-process
(the ASGI messages it sends), as `send` 0.17.1 answers inside Next.js."""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from approute._types import Message
from approute.http.headers import Headers
from approute.public import PublicFile, PublicFiles, serve_file
from approute.public.serve import CHUNK_SIZE

T = TypeVar("T")

DATA = b"0123456789"
MTIME_NS = 1_700_000_000_123_456_789
ETAG = 'W/"a-18bcfe5687b"'
LAST_MODIFIED = "Tue, 14 Nov 2023 22:13:20 GMT"
EARLIER = "Tue, 14 Nov 2023 22:13:19 GMT"
LATER = "Wed, 15 Nov 2023 00:00:00 GMT"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@dataclass
class Answer:
    served: bool
    status: int = 0
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    chunks: list[bytes] = field(default_factory=list)

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def header(self, name: str) -> str | None:
        values = [v.decode("latin-1") for k, v in self.headers if k == name.encode()]
        return ", ".join(values) if values else None

    def names(self) -> list[str]:
        return [k.decode("latin-1") for k, _ in self.headers]


def call(
    file: PublicFile,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    extra: Sequence[tuple[bytes, bytes]] = (),
) -> Answer:
    messages: list[Message] = []

    async def send(message: Message) -> None:
        messages.append(message)

    served = run(serve_file(file, method, Headers(headers or {}), send, extra_headers=extra))
    answer = Answer(served)
    if messages:
        start, *bodies = messages
        assert start["type"] == "http.response.start"
        answer.status, answer.headers = start["status"], list(start["headers"])
        assert [m.get("more_body", False) for m in bodies] == [True] * (len(bodies) - 1) + [False]
        answer.chunks = [m["body"] for m in bodies if m["body"]]
    return answer


def _file(root: Path, name: str, data: bytes) -> PublicFile:
    path = root / "public" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, ns=(MTIME_NS, MTIME_NS))
    found = PublicFiles.scan(root / "public").lookup("/" + name)
    assert found is not None
    return found


@pytest.fixture
def digits(tmp_path: Path) -> PublicFile:
    return _file(tmp_path, "digits.txt", DATA)


def test_get_sends_the_file_with_sends_headers(digits: PublicFile) -> None:
    answer = call(digits)
    assert (answer.served, answer.status, answer.body) == (True, 200, DATA)
    assert answer.headers == [
        (b"accept-ranges", b"bytes"),
        (b"cache-control", b"public, max-age=0"),
        (b"last-modified", LAST_MODIFIED.encode()),
        (b"etag", ETAG.encode()),
        (b"content-type", b"text/plain; charset=UTF-8"),
        (b"content-length", b"10"),
    ]


def test_head_has_the_headers_and_no_body(digits: PublicFile) -> None:
    get, head = call(digits), call(digits, "HEAD")
    assert head.status == 200
    assert head.headers == get.headers
    assert head.body == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"])
def test_other_methods_get_405_with_allow_and_no_body(digits: PublicFile, method: str) -> None:
    answer = call(digits, method)
    assert (answer.served, answer.status, answer.body) == (True, 405, b"")
    assert answer.header("allow") == "GET, HEAD"
    assert answer.header("content-length") == "0"


def test_empty_file_is_an_empty_200(tmp_path: Path) -> None:
    answer = call(_file(tmp_path, "empty.txt", b""))
    assert (answer.status, answer.body, answer.header("content-length")) == (200, b"", "0")


def test_a_file_deleted_after_startup_is_not_served(digits: PublicFile) -> None:
    digits.path.unlink()
    assert call(digits) == Answer(served=False)


def test_a_file_replaced_by_a_symlink_or_folder_is_not_served(
    tmp_path: Path, digits: PublicFile
) -> None:
    digits.path.unlink()
    (tmp_path / "elsewhere.txt").write_text("elsewhere")
    digits.path.symlink_to(tmp_path / "elsewhere.txt")
    assert call(digits) == Answer(served=False)
    digits.path.unlink()
    digits.path.mkdir()
    assert call(digits) == Answer(served=False)


def test_a_file_changed_after_startup_is_described_as_it_is_now(digits: PublicFile) -> None:
    digits.path.write_bytes(b"longer content")
    answer = call(digits)
    assert answer.body == b"longer content"
    assert answer.header("content-length") == "14"
    assert answer.header("etag") != ETAG
    assert (
        answer.header(
            "etag",
        )
        == f'W/"e-{os.stat(digits.path).st_mtime_ns // 10**6:x}"'
    )


def test_large_file_streams_in_bounded_chunks(tmp_path: Path) -> None:
    data = os.urandom(5 * 1024 * 1024 + 123)
    answer = call(_file(tmp_path, "big.bin", data))
    assert answer.header("content-length") == str(len(data))
    assert answer.header("content-type") == "application/octet-stream"
    assert max(len(c) for c in answer.chunks) <= CHUNK_SIZE
    assert len(answer.chunks) == -(-len(data) // CHUNK_SIZE)
    assert hashlib.sha256(answer.body).digest() == hashlib.sha256(data).digest()


def test_extra_headers_replace_the_files_own_and_cookies_add_up(digits: PublicFile) -> None:
    extra = [
        (b"cache-control", b"no-store"),
        (b"x-config", b"1"),
        (b"set-cookie", b"a=1"),
        (b"set-cookie", b"b=2"),
    ]
    answer = call(digits, extra=extra)
    assert answer.header("cache-control") == "no-store"
    assert answer.header("x-config") == "1"
    assert answer.header("set-cookie") == "a=1, b=2"
    assert answer.names().count("cache-control") == 1
    assert call(digits, "POST", extra=extra).header("x-config") == "1"
    not_modified = call(digits, headers={"if-none-match": ETAG}, extra=extra)
    assert (not_modified.status, not_modified.header("x-config")) == (304, "1")


# -- conditional requests ----------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        pytest.param({"if-none-match": ETAG}, 304, id="INM-same-tag"),
        pytest.param({"if-none-match": ETAG[2:]}, 304, id="INM-strong-spelling"),
        pytest.param({"if-none-match": f'"x", {ETAG}'}, 304, id="INM-in-list"),
        pytest.param({"if-none-match": "*"}, 304, id="INM-star"),
        pytest.param({"if-none-match": '"other"'}, 200, id="INM-other-tag"),
        pytest.param({"if-none-match": '""x'}, 200, id="INM-garbage"),
        pytest.param({"if-modified-since": LAST_MODIFIED}, 304, id="IMS-same-second"),
        pytest.param({"if-modified-since": LATER}, 304, id="IMS-later"),
        pytest.param({"if-modified-since": EARLIER}, 200, id="IMS-earlier"),
        pytest.param({"if-modified-since": "garbage"}, 200, id="IMS-garbage"),
        pytest.param({"if-modified-since": "Mon, 01 Jan 99999 00:00:00 GMT"}, 200, id="IMS-y99999"),
        pytest.param(
            {"if-none-match": '"other"', "if-modified-since": LATER}, 200, id="INM-beats-IMS-200"
        ),
        pytest.param(
            {"if-none-match": ETAG, "if-modified-since": EARLIER}, 304, id="INM-beats-IMS"
        ),
        pytest.param({"if-none-match": ETAG, "cache-control": "no-cache"}, 200, id="no-cache"),
        pytest.param({"if-none-match": ETAG, "cache-control": "max-age=0"}, 304, id="max-age-0"),
        pytest.param({"if-match": ETAG}, 200, id="IM-same-tag"),
        pytest.param({"if-match": "*"}, 200, id="IM-star"),
        pytest.param({"if-match": '"other"'}, 412, id="IM-other-tag"),
        pytest.param({"if-unmodified-since": LATER}, 200, id="IUS-later"),
        pytest.param({"if-unmodified-since": EARLIER}, 412, id="IUS-earlier"),
        pytest.param({"if-unmodified-since": "garbage"}, 200, id="IUS-garbage"),
        pytest.param({"accept-encoding": ";;;"}, 200, id="accept-encoding-garbage"),
    ],
)
def test_conditional_requests(digits: PublicFile, headers: dict[str, str], status: int) -> None:
    for method in ("GET", "HEAD"):
        answer = call(digits, method, headers)
        assert answer.status == status, method
        if status == 200:
            assert answer.body == (DATA if method == "GET" else b"")
        else:
            assert answer.body == b""


def test_304_keeps_validators_and_drops_content_headers(digits: PublicFile) -> None:
    answer = call(digits, headers={"if-none-match": ETAG, "range": "bytes=0-1"})
    assert answer.status == 304
    assert answer.names() == ["accept-ranges", "cache-control", "last-modified", "etag"]


# -- Range -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status", "body", "content_range"),
    [
        pytest.param("bytes=0-4", 206, b"01234", "bytes 0-4/10", id="first-last"),
        pytest.param("bytes=5-", 206, b"56789", "bytes 5-9/10", id="open-end"),
        pytest.param("bytes=-3", 206, b"789", "bytes 7-9/10", id="suffix"),
        pytest.param("bytes=0-0", 206, b"0", "bytes 0-0/10", id="one-byte"),
        pytest.param("bytes=9-9", 206, b"9", "bytes 9-9/10", id="last-byte"),
        pytest.param("bytes=8-100", 206, b"89", "bytes 8-9/10", id="end-clamped"),
        pytest.param("bytes=0-" + "9" * 40, 206, DATA, "bytes 0-9/10", id="huge-end-clamped"),
        pytest.param(" bytes=2-3", 206, b"23", "bytes 2-3/10", id="leading-space"),
        pytest.param("bytes= 2 - 3", 206, b"23", "bytes 2-3/10", id="blanks-in-numbers"),
        pytest.param("bytes=3", 206, b"3456789", "bytes 3-9/10", id="no-dash-is-open-end"),
        pytest.param("bytes=1-2-3", 206, b"12", "bytes 1-2/10", id="extra-dash-ignored"),
        pytest.param("bytes=0-1,2-3", 206, b"0123", "bytes 0-3/10", id="adjacent-combined"),
        pytest.param("bytes=0-5,2-3", 206, b"012345", "bytes 0-5/10", id="overlap-combined"),
        pytest.param("bytes=0-1,5-1", 206, b"01", "bytes 0-1/10", id="invalid-part-dropped"),
        pytest.param("bytes=0-0," * 5000, 206, b"0", "bytes 0-0/10", id="5000-ranges"),
        pytest.param("bytes=0-1,5-6", 200, DATA, None, id="two-ranges-whole-file"),
        pytest.param("bytes=-1,0-0", 200, DATA, None, id="two-ranges-any-order"),
        pytest.param("items=0-1", 200, DATA, None, id="other-unit"),
        pytest.param("Bytes=0-1", 200, DATA, None, id="unit-is-case-sensitive"),
        pytest.param("0-1", 200, DATA, None, id="no-unit"),
        pytest.param("bytes=5-1", 416, b"", "bytes */10", id="first-after-last"),
        pytest.param("bytes=10-", 416, b"", "bytes */10", id="starts-past-end"),
        pytest.param("bytes=-0", 416, b"", "bytes */10", id="empty-suffix"),
        pytest.param("bytes=-11", 416, b"", "bytes */10", id="suffix-longer-than-file"),
        pytest.param("bytes=" + "9" * 20 + "-", 416, b"", "bytes */10", id="huge-start"),
        pytest.param("bytes=" + "9" * 5000 + "-", 416, b"", "bytes */10", id="5000-digits"),
        pytest.param("bytes=abc", 416, b"", "bytes */10", id="not-a-number"),
        pytest.param("bytes=", 416, b"", "bytes */10", id="empty-set"),
        pytest.param("bytes=,,,", 416, b"", "bytes */10", id="only-commas"),
    ],
)
def test_range_requests(
    digits: PublicFile, value: str, status: int, body: bytes, content_range: str | None
) -> None:
    answer = call(digits, headers={"range": value})
    assert (answer.status, answer.body) == (status, body)
    assert answer.header("content-range") == content_range
    assert answer.header("content-length") == str(len(body))
    head = call(digits, "HEAD", {"range": value})
    assert (head.status, head.body, head.header("content-range")) == (status, b"", content_range)


def test_range_on_an_empty_file_is_unsatisfiable(tmp_path: Path) -> None:
    answer = call(_file(tmp_path, "empty.txt", b""), headers={"range": "bytes=0-"})
    assert (answer.status, answer.header("content-range")) == (416, "bytes */0")


def test_range_of_a_large_file_streams_only_that_part(tmp_path: Path) -> None:
    data = os.urandom(300_000)
    big = _file(tmp_path, "big.bin", data)
    answer = call(big, headers={"range": "bytes=100000-250000"})
    assert answer.status == 206
    assert answer.body == data[100_000:250_001]
    assert max(len(c) for c in answer.chunks) <= CHUNK_SIZE


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        pytest.param(ETAG, 206, id="same-tag"),
        pytest.param('W/"other"', 200, id="other-tag"),
        pytest.param(LAST_MODIFIED, 206, id="same-date"),
        pytest.param(EARLIER, 200, id="older-date"),
        pytest.param("garbage", 200, id="garbage"),
    ],
)
def test_if_range_sends_the_range_only_for_the_same_file(
    digits: PublicFile, if_range: str, status: int
) -> None:
    answer = call(digits, headers={"range": "bytes=0-1", "if-range": if_range})
    assert answer.status == status
    assert answer.body == (b"01" if status == 206 else DATA)


def test_if_range_mismatch_turns_an_unsatisfiable_range_into_the_whole_file(
    digits: PublicFile,
) -> None:
    answer = call(digits, headers={"range": "bytes=50-", "if-range": '"stale"'})
    assert (answer.status, answer.body) == (200, DATA)


def test_hostile_range_headers_are_answered_quickly(digits: PublicFile) -> None:
    # Hostile Range headers (Starlette CVE-2025-62727 was quadratic): 5000 ranges
    # or absurd numbers cost this process under 0.1 s of CPU (about 5 ms when
    # linear; quadratic work on 5000 ranges takes seconds). CPU time, not the
    # wall clock: the suite runs beside another test worker.
    hostile = [
        "bytes=" + "0-0," * 5000,
        "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 10_000, 2)),
        "bytes=" + "1" * 8000 + "-" + "2" * 8000,
        "bytes=" + "-" * 16_000,
        "bytes=" + " " * 16_000 + "x",
    ]
    for value in hostile:
        call(digits, headers={"range": value})  # warm up
        started = time.process_time()
        answer = call(digits, headers={"range": value})
        assert time.process_time() - started < 0.1, value[:40]
        assert answer.status in (200, 206, 416)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
@pytest.mark.parametrize("when", ["while-sending", "while-reading"])
def test_a_cancelled_response_closes_the_file(tmp_path: Path, when: str) -> None:
    # A client that goes away cancels the request task: the file is closed,
    # also when the cancel lands while a chunk is being read in a thread.
    big = _file(tmp_path, "big.bin", os.urandom(1024 * 1024))

    async def scenario() -> None:
        task: asyncio.Task[bool] | None = None
        stalled = asyncio.Event()

        async def send(message: Message) -> None:
            if message["type"] != "http.response.body":
                return
            assert task is not None
            if when == "while-reading":
                task.cancel()
                return
            stalled.set()
            await asyncio.Event().wait()  # the client stopped reading

        task = asyncio.create_task(serve_file(big, "GET", Headers(), send))
        if when == "while-sending":
            await stalled.wait()
            task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    before = len(os.listdir("/proc/self/fd"))
    for _ in range(20):
        run(scenario())
    assert len(os.listdir("/proc/self/fd")) == before
