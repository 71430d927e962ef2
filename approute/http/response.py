"""``Response`` and ``NextResponse``: what handlers and middleware return.

A response keeps its body as bytes or as an (async) iterable of chunks and
builds its ``Headers`` only when somebody asks for them: the common
``NextResponse.json(data)`` goes to the wire as two precomputed header pairs.
"""

from __future__ import annotations

import builtins
from collections.abc import (
    AsyncIterable,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
)
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, TypedDict, TypeVar, overload

import orjson

from approute._types import Send
from approute.http.default_headers import DefaultHeaders, add_defaults
from approute.http.headers import Headers
from approute.http.response_stream import close_stream, stream_chunks
from approute.http.set_cookie import ResponseCookies
from approute.http.url import NextURL

if TYPE_CHECKING:
    from approute.http.websocket import (
        CloseHook,
        ErrorHook,
        HooksDict,
        MessageHook,
        OpenHook,
        UpgradeResponse,
        WebSocketHooks,
    )

__all__ = [
    "REDIRECT_STATUSES",
    "MiddlewareRequestInit",
    "NextResponse",
    "Response",
    "ResponseBody",
    "dumps_json",
]

ResponseBody = str | bytes | bytearray | memoryview | Iterable[bytes] | AsyncIterable[bytes]
HeadersInit = Headers | Mapping[str, str] | Iterable[tuple[str, str]]

REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
# Fetch: these statuses never carry a body (nor a Content-Length on the wire).
_NULL_BODY_STATUSES: Final = frozenset({101, 103, 204, 205, 304})
_TEXT_PLAIN: Final = b"text/plain;charset=UTF-8"
_JSON: Final = b"application/json"
_JSON_OPTIONS: Final = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def dumps_json(data: Any) -> bytes:
    """Serialise ``data`` as compact UTF-8 JSON (orjson; dataclasses, datetimes
    and UUIDs included; non-str dict keys become strings)."""
    return orjson.dumps(data, option=_JSON_OPTIONS)


def _absolute_url(url: str | NextURL, what: str) -> str:
    text = str(url)
    scheme, sep, rest = text.partition("://")
    if not sep or not scheme.isalpha() or not rest:
        raise ValueError(
            f"{what} needs an absolute URL; got {text!r} "
            "(use request.next_url.clone(pathname=...) for a path on this site)"
        )
    return text


def _check_status(status: object) -> None:
    """Raise unless ``status`` is an int (an ``IntEnum`` too, not a bool) from 100 to 599."""
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise ValueError(f"status must be an int from 100 to 599; got {status!r}")


_R = TypeVar("_R", bound="Response")
_R_co = TypeVar("_R_co", bound="Response", covariant=True)


class _JsonFactory(Protocol[_R_co]):
    def __call__(
        self, data: Any, *, status: int = 200, headers: HeadersInit | None = None
    ) -> _R_co: ...


class _JsonMethod:
    """Fetch has both ``Response.json(data)`` (build a response) and ``await
    response.json()`` (read one): one name, two meanings, chosen by access."""

    __slots__ = ()

    @overload
    def __get__(self, instance: None, owner: type[_R]) -> _JsonFactory[_R]: ...

    @overload
    def __get__(self, instance: Response, owner: type[Any]) -> Callable[[], Awaitable[Any]]: ...

    def __get__(self, instance: Response | None, owner: type[Any]) -> Any:
        if instance is None:
            return owner._json_response  # a bound classmethod: cheaper than a partial
        return instance._read_json


class Response:
    """An HTTP response, as Fetch's ``Response``.

    ``Response("hi")`` is ``text/plain;charset=UTF-8``; a bytes body has no
    content type unless you set one; an iterable or async iterable of bytes is
    streamed chunk by chunk.
    """

    __slots__ = (
        "_body",
        "_content_type",
        "_headers",
        "_stream",
        "status",
        "status_text",
    )

    def __init__(
        self,
        body: ResponseBody | None = None,
        *,
        status: int = 200,
        headers: HeadersInit | None = None,
        status_text: str | None = None,
    ) -> None:
        # The common int first: this runs for every response.
        if type(status) is not int or not 100 <= status <= 599:
            _check_status(status)
        self.status = status
        self.status_text = status_text
        self._headers: Headers | None = None if headers is None else Headers(headers)
        self._content_type: bytes | None = None
        self._stream: Iterable[bytes] | AsyncIterable[bytes] | None = None
        self._body: bytes | None = None
        if body is None:
            return
        if type(body) is bytes:
            self._body = body
        elif isinstance(body, str):
            self._body = body.encode()
            self._set_default_type(_TEXT_PLAIN)
        elif isinstance(body, bytes):
            self._body = body
        elif isinstance(body, bytearray | memoryview):
            self._body = bytes(body)
        elif isinstance(body, Mapping):
            raise TypeError("a dict is not a response body; use Response.json(data)")
        elif isinstance(body, AsyncIterable | Iterable):
            self._stream = body  # type: ignore[assignment]  # str/bytes handled above
        else:
            raise TypeError(f"unsupported response body type {type(body).__name__}")

    def _set_default_type(self, content_type: bytes) -> None:
        headers = self._headers
        if headers is None:
            self._content_type = content_type
        elif not headers.has("content-type"):
            headers.set("content-type", content_type.decode("latin-1"))

    @classmethod
    def _json_response(
        cls,
        data: Any,
        *,
        status: int = 200,
        headers: HeadersInit | None = None,
    ) -> Any:
        """``Response.json(data)``: a JSON response (``application/json``)."""
        response = cls(dumps_json(data), status=status, headers=headers)
        response._set_default_type(_JSON)
        return response

    json = _JsonMethod()

    @classmethod
    def redirect(cls, url: str | NextURL, status: int = 302) -> Self:
        """A redirect to an absolute URL; ``status`` in 301/302/303/307/308,
        302 by default as Fetch's (``NextResponse.redirect``: 307)."""
        if status not in REDIRECT_STATUSES:
            raise ValueError(
                f"redirect status must be one of 301, 302, 303, 307, 308; got {status}"
            )
        return cls(status=status, headers={"location": _absolute_url(url, "redirect")})

    @property
    def headers(self) -> Headers:
        """The response headers (mutable)."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers()
            if self._content_type is not None:
                headers.set("content-type", self._content_type.decode("latin-1"))
                self._content_type = None
        return headers

    @property
    def ok(self) -> bool:
        """Whether the status is 2xx."""
        return 200 <= self.status < 300

    @property
    def body(self) -> bytes | Iterable[bytes] | AsyncIterable[bytes] | None:
        """The body as given: bytes, a (async) iterable of chunks, or None."""
        return self._body if self._stream is None else self._stream

    @property
    def is_stream(self) -> bool:
        """Whether the body is streamed (an iterable rather than bytes)."""
        return self._stream is not None

    async def bytes(self) -> builtins.bytes:
        """The whole body (a streamed body is read to its end)."""
        if self._stream is None:
            return self._body or b""
        return b"".join([chunk async for chunk in stream_chunks(self._stream)])

    async def text(self) -> str:
        """The body decoded as UTF-8."""
        return (await self.bytes()).decode("utf-8", errors="replace")

    async def _read_json(self) -> Any:
        """``await response.json()``: the body parsed as JSON."""
        return orjson.loads(await self.bytes())

    def raw_headers(self) -> list[tuple[builtins.bytes, builtins.bytes]]:
        """The headers as ASGI pairs, without ``content-length``."""
        headers = self._headers
        raw = [] if headers is None else headers.to_asgi()
        if self._content_type is not None:
            raw = [*raw, (b"content-type", self._content_type)]
        return raw

    async def send_asgi(
        self,
        send: Send,
        *,
        head_only: bool = False,
        extra_headers: list[tuple[builtins.bytes, builtins.bytes]] | None = None,
    ) -> None:
        """Write the response to ASGI ``send``; a stream is closed when done.

        ``head_only`` drops the body but keeps the headers (HEAD).
        """
        raw = self.raw_headers()
        if extra_headers:
            raw = raw + extra_headers
        if type(send) is DefaultHeaders:  # a middleware's headers: merged here
            raw = add_defaults(raw, send.defaults)
            send = send.send
        status = self.status
        null_body = status in _NULL_BODY_STATUSES
        stream = self._stream
        if stream is None or null_body:
            body = b"" if null_body else (self._body or b"")
            if not null_body:
                raw = [*raw, (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": raw})
            await send({"type": "http.response.body", "body": b"" if head_only else body})
            if stream is not None:
                await close_stream(stream)
            return
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if head_only:
            await close_stream(stream)
            await send({"type": "http.response.body", "body": b""})
            return
        iterator = stream_chunks(stream)
        try:
            async for chunk in iterator:
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            # A client that went away cancels us here: the generator's
            # ``finally`` must still run.
            await iterator.aclose()  # type: ignore[attr-defined]  # an async generator
            await close_stream(stream)
        await send({"type": "http.response.body", "body": b""})

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status}>"


class MiddlewareRequestInit(TypedDict, total=False):
    """``NextResponse.next(request={"headers": h})``: what the route will see."""

    headers: Headers | Mapping[str, str]


class NextResponse(Response):
    """``Response`` plus ``cookies``, and the middleware results ``next()`` and
    ``rewrite()``.

        response = NextResponse.json({"ok": True})
        response.cookies.set("session", "abc", http_only=True)
    """

    # Class-level defaults instead of slots set in an ``__init__`` of its
    # own: every handler's ``NextResponse.json()`` skips a second
    # constructor call; only a response that sets one gets an instance dict.
    _cookies: ResponseCookies | None = None
    is_next: bool = False
    rewrite_url: str | None = None
    forward_headers: Headers | None = None

    @property
    def cookies(self) -> ResponseCookies:
        """``Set-Cookie`` lines of this response: ``set``, ``get``, ``delete``…"""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = ResponseCookies(self.headers)
        return cookies

    @classmethod
    def redirect(cls, url: str | NextURL, status: int = 307) -> Self:
        """A redirect to an absolute URL; ``status`` in 301/302/303/307/308,
        307 by default as Next.js's (``Response.redirect``: 302, Fetch's)."""
        return super().redirect(url, status)

    @classmethod
    def next(
        cls,
        *,
        request: MiddlewareRequestInit | None = None,
        headers: HeadersInit | None = None,
    ) -> NextResponse:
        """Middleware: continue to the route.

        ``request={"headers": h}`` makes the route see exactly ``h``;
        ``headers`` (and ``cookies``) go on the client response.
        """
        response = cls(headers=headers)
        response.is_next = True
        if request is not None and "headers" in request:
            response.forward_headers = Headers(request["headers"])
        return response

    @classmethod
    def rewrite(
        cls,
        url: str | NextURL,
        *,
        headers: HeadersInit | None = None,
        request: MiddlewareRequestInit | None = None,
    ) -> NextResponse:
        """Middleware: serve ``url`` instead (a path of this app, or an external
        URL that is proxied) while the client keeps its URL."""
        response = cls(headers=headers)
        response.rewrite_url = _absolute_url(url, "rewrite")
        if request is not None and "headers" in request:
            response.forward_headers = Headers(request["headers"])
        return response

    @classmethod
    def upgrade(
        cls,
        hooks: WebSocketHooks | HooksDict | None = None,
        /,
        *,
        open: OpenHook | None = None,  # the hook names of Next.js (crossws)
        message: MessageHook | None = None,
        close: CloseHook | None = None,
        error: ErrorHook | None = None,
    ) -> UpgradeResponse:
        """A route's ``GET``: accept the WebSocket handshake with these hooks
        (a dict, ``WebSocketHooks`` or keywords; each sync or async):
        ``open(peer)``, ``message(peer, message)``, ``close(peer, details)``,
        ``error(peer, error)``. Headers and cookies set on the returned
        response go on the handshake; a plain HTTP GET gets 426 Upgrade
        Required (docs/websockets.md)."""
        from approute.http.websocket import make_upgrade_response  # here: it imports this module

        given = {"open": open, "message": message, "close": close, "error": error}
        return make_upgrade_response(hooks, given)
