"""What a WebSocket route sees: ``NextResponse.upgrade(...)``'s response, the
``Peer`` its hooks get, each ``Message`` and the ``CloseDetails``.

A route's ``GET`` accepts a WebSocket by returning ``NextResponse.upgrade``
(docs/websockets.md)::

    def GET(request, ctx):
        room = ctx.params["room"]

        def open(peer):
            peer.subscribe(room)

        def message(peer, message):
            peer.publish(room, message.text())

        return NextResponse.upgrade(open=open, message=message)

The connection itself runs in ``approute.realtime``; a ``Peer`` hands what a
hook asks for (send, close, subscribe, publish) to it through ``PeerLink``,
from the event loop or from the worker thread of a sync hook.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol, TypedDict

import orjson

from approute._types import Message as ASGIMessage
from approute._types import Send
from approute.http.default_headers import DefaultHeaders
from approute.http.response import NextResponse

if TYPE_CHECKING:
    from approute.http.request import NextRequest

__all__ = [
    "HANDSHAKE_KEY",
    "UPGRADE_KEY",
    "CloseDetails",
    "CloseHook",
    "ErrorHook",
    "Frame",
    "HooksDict",
    "Message",
    "MessageHook",
    "OpenHook",
    "Peer",
    "PeerLink",
    "UpgradeResponse",
    "WebSocketHooks",
    "check_close",
    "make_upgrade_response",
]

UPGRADE_KEY: Final = "approute.upgrade"
"""The key of the upgrade response on its ``http.response.start`` message:
the WebSocket handshake (``realtime.handshake``) accepts instead of sending
the 426 that a plain HTTP client gets."""

HANDSHAKE_KEY: Final = "approute.websocket_handshake"
"""Present in the ``http`` scope of a WebSocket handshake: the route cache
and the proxy treat it apart (it is answered, never cached or proxied)."""

# A message to send: text (str) or binary (bytes).
Frame = str | bytes

_MAX_REASON: Final = 123  # bytes: a close frame's payload is at most 125


def check_close(code: int, reason: str) -> None:
    """Raise ``ValueError`` unless a route may close with ``code`` and
    ``reason`` (RFC 6455 §7.4: 1000, or 3000–4999 for applications)."""
    if isinstance(code, bool) or not isinstance(code, int):
        raise ValueError(f"close code must be an int; got {code!r}")
    if code != 1000 and not 3000 <= code <= 4999:
        raise ValueError(
            f"close code must be 1000 or from 3000 to 4999 (RFC 6455 §7.4.2); got {code}"
        )
    if len(reason.encode()) > _MAX_REASON:
        raise ValueError(f"close reason must be at most {_MAX_REASON} bytes of UTF-8")


def _frame(data: object) -> Frame:
    """str → a text frame; bytes → binary; anything else as JSON text."""
    if isinstance(data, str):
        return data
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()


class PeerLink(Protocol):
    """The connection behind a ``Peer`` (``approute.realtime.session``);
    callable from any thread."""

    def send(self, frame: Frame) -> None: ...
    def close(self, code: int, reason: str) -> None: ...
    def subscribe(self, topic: str) -> None: ...
    def unsubscribe(self, topic: str) -> None: ...
    def publish(self, topic: str, frame: Frame) -> None: ...


class Peer:
    """One WebSocket connection, as its hooks see it.

    ``send``, ``close``, ``subscribe``, ``unsubscribe`` and ``publish``
    return at once (what they do is queued, in call order), so sync and
    async hooks call them alike.
    """

    __slots__ = ("_link", "_topics", "id", "request")

    def __init__(self, peer_id: str, request: NextRequest | None, link: PeerLink) -> None:
        self.id = peer_id
        self.request = request  # the handshake request
        self._link = link
        self._topics: set[str] = set()

    @property
    def topics(self) -> frozenset[str]:
        """The topics this peer is subscribed to."""
        return frozenset(self._topics)

    def send(self, data: str | builtins.bytes | Any) -> None:
        """Send a message: ``str`` as text, ``bytes`` as binary, a dict or
        list (anything orjson writes) as JSON text."""
        self._link.send(_frame(data))

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` (1000, or 3000–4999) and ``reason``."""
        check_close(code, reason)
        self._link.close(code, reason)

    def subscribe(self, topic: str) -> None:
        """Receive what other peers ``publish`` to ``topic``, in any worker or
        instance sharing the pub/sub (docs/websockets.md)."""
        if topic not in self._topics:
            self._topics.add(topic)
            self._link.subscribe(topic)

    def unsubscribe(self, topic: str) -> None:
        """Stop receiving ``topic``."""
        if topic in self._topics:
            self._topics.discard(topic)
            self._link.unsubscribe(topic)

    def publish(self, topic: str, data: str | builtins.bytes | Any) -> None:
        """Send ``data`` (as ``send`` would) to every other subscriber of ``topic``."""
        self._link.publish(topic, _frame(data))

    def __repr__(self) -> str:
        return f"<Peer {self.id}>"


class Message:
    """One message a client sent: text or binary."""

    __slots__ = ("_data",)

    def __init__(self, data: Frame) -> None:
        self._data = data

    @property
    def is_binary(self) -> bool:
        """Whether the client sent a binary frame."""
        return isinstance(self._data, bytes)

    def text(self) -> str:
        """The message as text (binary data decoded as UTF-8)."""
        data = self._data
        return data if isinstance(data, str) else data.decode("utf-8", errors="replace")

    def bytes(self) -> builtins.bytes:
        """The message as bytes (text encoded as UTF-8)."""
        data = self._data
        return data if isinstance(data, builtins.bytes) else data.encode()

    def json(self) -> Any:
        """The message parsed as JSON (``orjson.JSONDecodeError``, a
        ``ValueError``, when it is not JSON)."""
        return orjson.loads(self._data)

    def __repr__(self) -> str:
        kind = "binary" if self.is_binary else "text"
        return f"<Message {kind} {len(self._data)}>"


@dataclass(frozen=True, slots=True)
class CloseDetails:
    """How a connection ended: the close code and reason (RFC 6455 §7.4)."""

    code: int
    reason: str = ""


# Each hook is a def or an async def; what it returns is not used.
OpenHook = Callable[[Peer], object]
MessageHook = Callable[[Peer, Message], object]
CloseHook = Callable[[Peer, CloseDetails], object]
ErrorHook = Callable[[Peer, Exception], object]
Hook = OpenHook | MessageHook | CloseHook | ErrorHook


class HooksDict(TypedDict, total=False):
    """``NextResponse.upgrade({...})``: the hooks as a dict."""

    open: OpenHook
    message: MessageHook
    close: CloseHook
    error: ErrorHook


@dataclass(frozen=True, slots=True)
class WebSocketHooks:
    """The hooks of an accepted connection; each sync or async, each optional.

    ``open(peer)``, ``message(peer, message)``, ``close(peer, details)``,
    ``error(peer, error)``.
    """

    open: OpenHook | None = None
    message: MessageHook | None = None
    close: CloseHook | None = None
    error: ErrorHook | None = None


_HOOK_NAMES: Final = ("open", "message", "close", "error")
_UPGRADE_REQUIRED: Final = b"Upgrade Required"


def make_upgrade_response(
    hooks: WebSocketHooks | HooksDict | None,
    given: dict[str, Hook | None],
) -> UpgradeResponse:
    """``NextResponse.upgrade``'s work: the hooks checked once, here."""
    if isinstance(hooks, WebSocketHooks):
        found = {name: getattr(hooks, name) for name in _HOOK_NAMES}
    else:
        found = dict(hooks or {})
    unknown = sorted(set(found) - set(_HOOK_NAMES))
    if unknown:
        raise TypeError(
            f"NextResponse.upgrade() got unknown hooks {unknown}; "
            f"hooks are {', '.join(_HOOK_NAMES)}"
        )
    found.update((name, hook) for name, hook in given.items() if hook is not None)
    for name, hook in found.items():
        if hook is not None and not callable(hook):
            raise TypeError(f"NextResponse.upgrade(): {name} must be a function; got {hook!r}")
    response = UpgradeResponse(
        _UPGRADE_REQUIRED,
        status=426,
        headers={"upgrade": "websocket", "content-type": "text/plain;charset=UTF-8"},
    )
    response.hooks = WebSocketHooks(**found)
    return response


class UpgradeResponse(NextResponse):
    """``NextResponse.upgrade(...)``: 101 and the hooks on a WebSocket
    handshake, 426 Upgrade Required to a plain HTTP request."""

    hooks: WebSocketHooks = WebSocketHooks()
    # The handshake request: set by the render that returned this response.
    request: NextRequest | None = None

    async def send_asgi(
        self,
        send: Send,
        *,
        head_only: bool = False,
        extra_headers: list[tuple[builtins.bytes, builtins.bytes]] | None = None,
    ) -> None:
        """The 426 response, its start message carrying this response under
        ``UPGRADE_KEY`` for the handshake to find."""
        if type(send) is DefaultHeaders:
            send = DefaultHeaders(_tagged(send.send, self), send.defaults)
        else:
            send = _tagged(send, self)
        await super().send_asgi(send, head_only=head_only, extra_headers=extra_headers)


def _tagged(send: Send, response: UpgradeResponse) -> Send:
    async def tagged(message: ASGIMessage) -> None:
        if message["type"] == "http.response.start":
            message = {**message, UPGRADE_KEY: response}
        await send(message)

    return tagged
