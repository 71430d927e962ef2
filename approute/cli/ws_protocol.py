"""uvicorn's WebSocket protocol, closing approute's WebSockets itself on
shutdown.

uvicorn's own ``shutdown()`` closes every WebSocket at once with 1012 and
drops the connection. Here an accepted connection of an approute app is
closed by the app instead (``realtime.going_away``: 1001 under ``approute
start``, 1012 under ``dev``'s reloader, after what is queued for it), and
uvicorn waits for it as for any open connection, at most the shutdown
grace period.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from approute.realtime import going_away

__all__ = ["GoingAwayWebSocketProtocol"]


class GoingAwayWebSocketProtocol(WebSocketsSansIOProtocol):
    """``WebSocketsSansIOProtocol`` whose shutdown lets the app close first."""

    def shutdown(self) -> None:
        accepted = self.handshake_complete and self.initial_response is None
        if accepted and not self.close_sent and going_away():
            return  # the app sends the close frame; uvicorn waits for the connection
        super().shutdown()
