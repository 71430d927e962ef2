"""uvicorn HTTP protocols with the limits uvicorn does not enforce itself.

Measured on uvicorn 0.54 (docs/security.md): neither uvicorn parser bounds the size
of a request head, and neither closes a connection that sends its head one
byte per second or nothing at all; h11 splits a header at a bare LF, and
httptools routes absolute-form targets. These subclasses add, per
connection:

* a head deadline: a request head (request line + headers) must arrive
  completely within ``head_timeout`` seconds of its first byte (or of the
  connection opening, or of the end of the response it was pipelined
  behind: a 408 never lands inside a response) → otherwise ``408`` and close;
* a head size cap: more than ``max_head_size`` bytes before the end of the
  head → ``431`` and close. (Complete heads are checked exactly, at 16 KiB,
  by the pipeline; this cap only bounds what the parser buffers.) Body bytes
  that arrive in the same read as the end of the head are not counted;
* a bare LF inside a head → ``400`` (never two headers from one line);
* a request target that is not origin-form (``/…``) → ``400`` on both parsers;
* both ``Content-Length`` and ``Transfer-Encoding`` → ``400`` and close on
  both parsers (httptools refuses it itself; h11 would read it as chunked).
* h11: a body that fails to parse while the app answers, or after it
  answered → ``400`` if the client can still have one, then close; the
  app's answer is dropped as for a disconnect (uvicorn sent h11 a second
  response and its ``LocalProtocolError`` escaped).

uvicorn pickles its config for ``--reload`` and ``--workers``, so the
classes live at module level and are named by import string.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from approute.cli.head_limits import HEAD_TIMEOUT, MAX_HEAD_SIZE

__all__ = [
    "HEAD_TIMEOUT",
    "MAX_HEAD_SIZE",
    "PROTOCOLS",
    "GuardedH11Protocol",
    "GuardedHttpToolsProtocol",
    "guarded_protocol",
]

_HEAD_END = b"\r\n\r\n"


def _plain_response(status_line: bytes, message: bytes) -> bytes:
    return (
        status_line
        + b"\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: "
        + str(len(message)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + message
    )


_TIMEOUT_RESPONSE = _plain_response(b"HTTP/1.1 408 Request Timeout", b"Request Timeout")
_TOO_LARGE_RESPONSE = _plain_response(
    b"HTTP/1.1 431 Request Header Fields Too Large", b"Request Header Fields Too Large"
)
_BARE_LF_RESPONSE = _plain_response(b"HTTP/1.1 400 Bad Request", b"Bare LF in request head")


class _HeadGuard:
    """The shared deadline and size logic; mixed into both protocols."""

    head_timeout: ClassVar[float] = HEAD_TIMEOUT
    max_head_size: ClassVar[int] = MAX_HEAD_SIZE
    refuse_bare_lf: ClassVar[bool] = False

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    _awaiting_head: bool
    _head_bytes: int
    _head_tail: bytes
    _head_timer: asyncio.TimerHandle | None

    def _guard_start(self) -> None:
        self._awaiting_head = True
        self._head_bytes = 0
        self._head_tail = b""
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _guard_data(self, data: bytes) -> bool:
        """Account for ``data``; False when the connection was refused."""
        if not self._awaiting_head:
            return True
        # Keep three bytes of the previous read: "\r\n\r\n" may be split.
        tail = self._head_tail
        window = tail + data if tail else data
        end = window.find(_HEAD_END)
        if end == -1 and self._head_timer is None and not self._responding():
            # Only an incomplete head needs the clock (most arrive in one read).
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)
        head = window if end == -1 else window[: end + len(_HEAD_END)]
        if self.refuse_bare_lf and head.count(b"\n") != head.count(b"\r\n"):
            self._refuse(_BARE_LF_RESPONSE)
            return False
        self._head_bytes += len(head) - len(tail)
        self._head_tail = window[-3:] if end == -1 else b""
        if self._head_bytes > self.max_head_size:
            self._refuse(_TOO_LARGE_RESPONSE)
            return False
        return True

    def _guard_reset(self, awaiting: bool) -> None:
        """A head completed (or a message ended): stop the clock, count anew."""
        self._awaiting_head = awaiting
        self._head_bytes = 0
        self._head_tail = b""
        self._guard_stop()

    def _guard_response_done(self, head_pending: bool) -> None:
        """A response ended: a head that began behind it (pipelined, maybe in
        the same read as the request before) gets its clock now."""
        if self._awaiting_head and head_pending and self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _responding(self) -> bool:
        # uvicorn's current request/response cycle (both protocols).
        cycle = getattr(self, "cycle", None)
        return cycle is not None and not cycle.response_complete

    def _guard_stop(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        # Mid-response the 408 would corrupt it; _guard_response_done re-arms.
        if self._awaiting_head and not self._responding():
            self._refuse(_TIMEOUT_RESPONSE)

    def _refuse(self, response: bytes) -> None:
        self._guard_stop()
        self._awaiting_head = False
        if not self.transport.is_closing():
            self.transport.write(response)
            self.transport.close()


class GuardedHttpToolsProtocol(_HeadGuard, HttpToolsProtocol):
    """httptools with a head deadline and size cap, origin-form targets only."""

    _head_begun = False  # llhttp has begun a message whose head is incomplete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._guard_start()

    def on_message_begin(self) -> None:
        self._head_begun = True
        super().on_message_begin()

    def data_received(self, data: bytes) -> None:
        if self._guard_data(data):
            super().data_received(data)

    def on_url(self, url: bytes) -> None:
        # httptools hands uvicorn only the path of ``http://host/path``;
        # refuse it as h11 does, so both parsers route the same targets.
        if not self.url and url[:1] != b"/":
            raise ValueError("request target is not origin-form")  # → parser error, 400
        super().on_url(url)

    def on_headers_complete(self) -> None:
        self._head_begun = False
        self._guard_reset(False)
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._guard_reset(True)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._guard_response_done(self._head_begun)

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard_stop()
        super().connection_lost(exc)


class _FramedConnection(h11.Connection):
    """h11 that refuses a request framed two ways.

    With both ``Content-Length`` and ``Transfer-Encoding``, h11 reads the
    body as chunked and keeps the connection open, so bytes a front proxy
    counted as body are served as a second request (request smuggling).
    RFC 9112 §6.1 allows rejecting it; httptools does, so both parsers
    answer 400 and close.
    """

    def next_event(self) -> Any:
        event = super().next_event()
        if isinstance(event, h11.Request):
            names = {name for name, _ in event.headers}
            if b"content-length" in names and b"transfer-encoding" in names:
                raise h11.RemoteProtocolError(
                    "both Content-Length and Transfer-Encoding", error_status_hint=400
                )
        return event


class GuardedH11Protocol(_HeadGuard, H11Protocol):
    """h11 with a head deadline and size cap, refusing bare-LF heads and
    requests framed by both Content-Length and Transfer-Encoding."""

    refuse_bare_lf = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = self.config.h11_max_incomplete_event_size
        self.conn = _FramedConnection(
            h11.SERVER, DEFAULT_MAX_INCOMPLETE_EVENT_SIZE if limit is None else limit
        )

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._guard_start()

    def data_received(self, data: bytes) -> None:
        if not self._guard_data(data):
            return
        scope = getattr(self, "scope", None)
        super().data_received(data)
        self._after_events(scope)

    def on_response_complete(self) -> None:
        scope = getattr(self, "scope", None)
        super().on_response_complete()  # may start a pipelined request
        self._after_events(scope)
        # Bytes h11 holds without a request: the start of the next head.
        pending = self.conn.their_state is h11.IDLE and bool(self.conn.trailing_data[0])
        self._guard_response_done(pending)

    def _after_events(self, previous_scope: object) -> None:
        # uvicorn makes a new scope for every request head h11 completes.
        awaiting = self.conn.their_state in (h11.IDLE, h11.DONE)
        if getattr(self, "scope", None) is not previous_scope:
            self._guard_reset(awaiting)
        elif awaiting and not self._awaiting_head:
            # The body ended in a later read than its head: the next head
            # is on the clock again (else it could trickle in for ever).
            self._guard_reset(True)

    def send_400_response(self, msg: str) -> None:
        # A body (or what follows it) fails to parse while the app answers,
        # or after it answered: uvicorn would send h11 a second response,
        # and h11's LocalProtocolError would escape into the app's send or
        # out of data_received. The client gets the 400 if it can still
        # have one; the app's own answer is dropped, as for a disconnect.
        cycle = getattr(self, "cycle", None)
        if cycle is not None and not cycle.response_complete:
            cycle.disconnected = True
            cycle.message_event.set()
        if self.conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            super().send_400_response(msg)
        else:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._guard_stop()
        super().connection_lost(exc)


# Import strings for uvicorn's ``http`` setting (picklable, unlike classes).
PROTOCOLS = {
    "h11": "approute.cli.protocols:GuardedH11Protocol",
    "httptools": "approute.cli.protocols:GuardedHttpToolsProtocol",
}


def guarded_protocol(
    parser: str, *, head_timeout: float = HEAD_TIMEOUT, max_head_size: int = MAX_HEAD_SIZE
) -> type[Any]:
    """A guarded protocol class with other limits (in-process servers only:
    the class is made at run time and cannot be pickled for workers)."""
    base: type[_HeadGuard] = GuardedH11Protocol if parser == "h11" else GuardedHttpToolsProtocol
    return type(
        base.__name__,
        (base,),
        {"head_timeout": head_timeout, "max_head_size": max_head_size},
    )
