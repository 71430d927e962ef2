"""``NextRequest``: the one request type handlers and middleware receive.

Everything is lazy: a handler that never reads headers, cookies or the query
pays for none of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import orjson

from approute._compiled import mypyc_attr
from approute._types import Message, Scope
from approute.errors import InvalidJSON
from approute.http.body import BodyChannel
from approute.http.body_limits import BodyPace
from approute.http.cookies import RequestCookies
from approute.http.forms import FormData, FormLimits, parse_form
from approute.http.headers import Headers
from approute.http.url import NextURL

__all__ = ["NextRequest", "RequestLimits"]

_WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class RequestLimits:
    """Per-request limits; ``body_size_limit`` applies to json/text/bytes, and
    ``form.max_body_size`` (kept equal to it by the app) to forms."""

    body_size_limit: int = 4 * 1024 * 1024
    max_query_params: int = 1000
    body_pace: BodyPace = field(default_factory=BodyPace)
    form: FormLimits = field(default_factory=FormLimits)


_DEFAULT_LIMITS = RequestLimits()


def _server_origin(scope: Scope, scheme: str) -> str:
    """``host[:port]`` of the server itself: never the Host header (Next.js)."""
    server = scope.get("server")
    if not server:
        return "localhost"
    host, port = server[0], server[1]
    if host in _WILDCARD_HOSTS:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    # int(): granian sends the port as a string (ASGI says int).
    if port is None or _DEFAULT_PORTS.get(scheme) == int(port):
        return str(host)
    return f"{host}:{port}"


def _forwarded_headers(scope: Scope, raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add ``x-forwarded-*`` as Next.js does, each only if the client sent none."""
    present = {name for name, _ in raw if name.startswith(b"x-forwarded-")}
    extra: list[tuple[bytes, bytes]] = []
    if b"x-forwarded-for" not in present:
        client = scope.get("client")
        if client:
            extra.append((b"x-forwarded-for", str(client[0]).encode("latin-1")))
    if b"x-forwarded-host" not in present:
        host = next((value for name, value in raw if name == b"host"), None)
        if host is not None:
            extra.append((b"x-forwarded-host", host))
    if b"x-forwarded-port" not in present:
        server = scope.get("server")
        if server and server[1] is not None:
            extra.append((b"x-forwarded-port", str(server[1]).encode("latin-1")))
    if b"x-forwarded-proto" not in present:
        extra.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
    return raw + extra if extra else raw


def _strip_bom(body: bytes) -> bytes:
    # Fetch's "UTF-8 decode" drops one leading byte-order mark.
    return body[3:] if body.startswith(b"\xef\xbb\xbf") else body


@mypyc_attr(allow_interpreted_subclasses=True)
class NextRequest:
    """An HTTP request, Fetch-style: ``method``, ``url``, ``headers``, ``next_url``,
    ``cookies`` and the body readers ``json()``, ``text()``, ``bytes()``,
    ``form_data()`` and ``stream()``.

    Build one yourself to unit-test a handler or middleware::

        request = NextRequest("http://localhost/api/x?a=1", method="POST", body=b"{}")
    """

    __slots__ = (
        "_add_forwarded",
        "_body_used",
        "_channel",
        "_cookies",
        "_forms",
        "_headers",
        "_limits",
        "_next_url",
        "_raw_headers",
        "_scope",
        "_url_parts",
        "method",
    )

    # The URL class ``next_url`` is built as (StaticRequest guards it).
    _url_type: ClassVar[type[NextURL]] = NextURL

    def __init__(
        self,
        url: str | NextURL,
        *,
        method: str = "GET",
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes | str | None = None,
        base_path: str = "",
    ) -> None:
        self.method = method.upper()
        self._next_url: NextURL | None = NextURL(url, base_path=base_path)._freeze()
        self._url_parts = ("", "", "")
        self._headers: Headers | None = Headers(headers)
        self._raw_headers: list[tuple[bytes, bytes]] | None = None
        self._cookies: RequestCookies | None = None
        self._forms: list[FormData] = []
        self._body_used = False
        self._add_forwarded = False
        self._limits = _DEFAULT_LIMITS
        self._scope: Scope | None = None
        payload = body.encode() if isinstance(body, str) else body
        sent = False

        async def receive() -> Message:
            # The body once; then, like a server, nothing until a disconnect.
            nonlocal sent
            if sent:
                await asyncio.Event().wait()
            sent = True
            return {"type": "http.request", "body": payload or b"", "more_body": False}

        self._channel = BodyChannel(
            receive, has_body=payload is not None, content_length=None, pace=None
        )

    @classmethod
    def from_asgi(
        cls,
        scope: Scope,
        channel: BodyChannel,
        *,
        path: str,
        query: str,
        raw_headers: list[tuple[bytes, bytes]],
        limits: RequestLimits = _DEFAULT_LIMITS,
        base_path: str = "",
        add_forwarded: bool = True,
    ) -> NextRequest:
        """The request for one ASGI HTTP scope; ``path`` is the canonical path.

        ``add_forwarded=False`` keeps ``raw_headers`` exactly (the middleware
        chose the route's headers).
        """
        self = cls.__new__(cls)
        self.method = scope["method"]
        self._scope = scope
        self._channel = channel
        self._limits = limits
        self._headers = None
        self._raw_headers = raw_headers
        self._cookies = None
        self._forms = []
        self._body_used = False
        self._add_forwarded = add_forwarded
        # Built on first use: many handlers never look at their URL.
        self._next_url = None
        self._url_parts = (path, query, base_path)
        return self

    def _build_url(self) -> NextURL:
        scope = self._scope or {}
        path, query, base_path = self._url_parts
        scheme = scope.get("scheme", "http")
        for name, value in self._raw_headers or ():
            # Next.js: X-Forwarded-Proto: https switches request.url to https.
            if name == b"x-forwarded-proto":
                if value.strip().lower() == b"https":
                    scheme = "https"
                break
        url = self._next_url = self._url_type.from_parts(
            scheme=scheme,
            host=_server_origin(scope, scheme),
            path=path,
            query=query,
            base_path=base_path,
            frozen=True,
        )
        return url

    @property
    def url(self) -> str:
        """The absolute URL (the server's own origin, never the Host header)."""
        return self.next_url.href

    @property
    def next_url(self) -> NextURL:
        """The parsed URL: ``pathname``, ``search_params``, ``clone()``…"""
        url = self._next_url
        return url if url is not None else self._build_url()

    @property
    def headers(self) -> Headers:
        """Case-insensitive request headers, with ``x-forwarded-*`` added."""
        headers = self._headers
        if headers is None:
            raw = self._raw_headers or []
            if self._scope is not None and self._add_forwarded:
                raw = _forwarded_headers(self._scope, raw)
            headers = self._headers = Headers.from_asgi(raw)
        return headers

    @property
    def cookies(self) -> RequestCookies:
        """Cookies from the ``Cookie`` header: ``get(name)`` → ``Cookie`` or None."""
        cookies = self._cookies
        if cookies is None:
            cookies = self._cookies = RequestCookies(self.headers)
        return cookies

    @property
    def body_used(self) -> bool:
        """Whether a body reader of this request already consumed the body."""
        return self._body_used

    def _use_body(self) -> None:
        # Fetch: a request's body can be read once.
        if self._body_used:
            raise RuntimeError("the request body was already read")
        self._body_used = True

    def stream(self) -> AsyncIterator[bytes]:
        """The body as it arrives, chunk by chunk (no size limit applies)."""
        self._use_body()
        return self._channel.chunks()

    async def bytes(self) -> bytes:
        """The whole body; over ``body_size_limit`` → 413."""
        self._use_body()
        return await self._channel.read(self._limits.body_size_limit)

    async def text(self) -> str:
        """The body decoded as UTF-8 (invalid bytes become U+FFFD, as Fetch)."""
        return _strip_bom(await self.bytes()).decode("utf-8", errors="replace")

    async def json(self) -> Any:
        """The body parsed as JSON; invalid JSON raises ``InvalidJSON`` (400)."""
        body = _strip_bom(await self.bytes())
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise InvalidJSON(f"invalid JSON body: {error}") from None

    async def form_data(self) -> FormData:
        """The body as a form (urlencoded or multipart); else ``InvalidForm`` (400)."""
        form = await parse_form(
            self.headers.get("content-type"),
            self.stream(),
            self._limits.form,
            content_length=self._channel.content_length,
        )
        self._forms.append(form)
        return form

    def close(self) -> None:
        """Delete uploaded files' temporary files (approute calls this once the
        response is sent)."""
        for form in self._forms:
            form.close()
        self._forms.clear()

    def __repr__(self) -> str:
        return f"<NextRequest {self.method} {self.url}>"
