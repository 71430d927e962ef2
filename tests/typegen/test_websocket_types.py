"""WebSocket hooks are typed: ``NextResponse.upgrade``'s keywords, its dict
(a ``TypedDict``) and ``WebSocketHooks`` check each hook's parameters under
``approute mypy --strict`` (docs/websockets.md)."""

from __future__ import annotations

from pathlib import Path

from tests.typegen.support import approute_mypy, write_sources

GOOD = """\
from approute import CloseDetails, Message, NextRequest, NextResponse, Peer, WebSocketHooks


def GET(request: NextRequest) -> NextResponse:
    async def open(peer: Peer) -> None:
        peer.send({"hello": peer.id})

    def message(peer: Peer, message: Message) -> None:
        peer.publish("room", message.text())

    def close(peer: Peer, details: CloseDetails) -> None:
        print(details.code, details.reason)

    def error(peer: Peer, error: Exception) -> None:
        print(error)

    if request.next_url.search_params.get("as") == "dict":
        return NextResponse.upgrade({"open": open, "message": message})
    if request.next_url.search_params.get("as") == "hooks":
        return NextResponse.upgrade(WebSocketHooks(close=close, error=error))
    return NextResponse.upgrade(open=open, message=message, close=close, error=error)
"""

BAD = """\
from approute import Message, NextRequest, NextResponse, Peer


def GET(request: NextRequest) -> NextResponse:
    def message(peer: Peer, message: str) -> None:
        peer.send(message)

    def open(peer: Peer, extra: int) -> None:
        pass

    if request.next_url.search_params.get("as") == "dict":
        return NextResponse.upgrade({"message": message})
    return NextResponse.upgrade(open=open)
"""


def test_well_typed_hooks_pass(tmp_path: Path) -> None:
    write_sources(tmp_path, {"app/good/route.py": GOOD})
    output = approute_mypy(tmp_path)
    assert "Success: no issues found" in output, output


def test_a_hook_with_the_wrong_parameters_is_an_error(tmp_path: Path) -> None:
    write_sources(tmp_path, {"app/bad/route.py": BAD})
    output = approute_mypy(tmp_path)
    errors = [line for line in output.splitlines() if ": error:" in line]
    # The dict's message hook (takes str, not Message), the open keyword (two params).
    assert {line.split(":")[1] for line in errors} == {"12", "13"}, output
