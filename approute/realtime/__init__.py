"""WebSocket route handlers at run time: the handshake through the HTTP
pipeline, the connections (``Session``) and their topics, in memory or
across processes on Redis (docs/websockets.md)."""

from approute.realtime.hub import WebSocketHub, going_away
from approute.realtime.served_by import SERVER_ENV
from approute.realtime.signals import GOING_AWAY_SIGNAL, listen_for_going_away

__all__ = ["GOING_AWAY_SIGNAL", "SERVER_ENV", "WebSocketHub", "going_away", "listen_for_going_away"]
