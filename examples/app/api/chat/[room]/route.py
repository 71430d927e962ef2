"""/api/chat/[room] — a WebSocket chat room per [room] (docs/websockets.md).

Open /chat.html (public/chat.html) in two tabs to try it; a plain GET
answers 426 Upgrade Required. Each connection gets
``{"type": "joined", "room": ..., "you": <short id>}``; each text it sends
goes to everybody in the room, itself included, as
``{"type": "message", "from": <short id>, "text": ...}``; leaving tells the
others ``{"type": "left", "from": <short id>}``.
"""

from approute import CloseDetails, Message, NextRequest, NextResponse, Peer, RouteContext


def _short(peer: Peer) -> str:
    return peer.id[:8]


def GET(request: NextRequest, ctx: RouteContext["/api/chat/[room]"]) -> NextResponse:
    room = ctx.params["room"]
    topic = f"chat:{room}"  # a topic name of this route's own

    async def open(peer: Peer) -> None:
        peer.subscribe(topic)
        peer.send({"type": "joined", "room": room, "you": _short(peer)})

    async def message(peer: Peer, message: Message) -> None:
        said = {"type": "message", "from": _short(peer), "text": message.text()}
        peer.publish(topic, said)  # every other peer in the room
        peer.send(said)  # and the sender, so one tab sees its own message

    async def close(peer: Peer, details: CloseDetails) -> None:
        peer.publish(topic, {"type": "left", "from": _short(peer)})

    return NextResponse.upgrade(open=open, message=message, close=close)
