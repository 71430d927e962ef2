"""approute: Next.js App Router route handlers and middleware for Python.

# app/api/users/[id]/route.py
from approute import NextRequest, NextResponse

async def GET(request: NextRequest, ctx) -> NextResponse:
    return NextResponse.json({"id": ctx.params["id"]})
"""

from __future__ import annotations

from approute.app import create_app
from approute.errors import BodyTooLarge, InvalidForm, InvalidJSON, RequestError
from approute.handlers.context import RouteContext
from approute.http.cookies import Cookie
from approute.http.forms import FormData, UploadFile
from approute.http.headers import Headers
from approute.http.request import NextRequest
from approute.http.response import NextResponse, Response
from approute.http.search_params import SearchParams
from approute.http.url import NextURL
from approute.http.websocket import CloseDetails, Message, Peer, UpgradeResponse, WebSocketHooks
from approute.middleware.event import NextFetchEvent

__all__ = [
    "BodyTooLarge",
    "CloseDetails",
    "Cookie",
    "FormData",
    "Headers",
    "InvalidForm",
    "InvalidJSON",
    "Message",
    "NextFetchEvent",
    "NextRequest",
    "NextResponse",
    "NextURL",
    "Peer",
    "RequestError",
    "Response",
    "RouteContext",
    "SearchParams",
    "UpgradeResponse",
    "UploadFile",
    "WebSocketHooks",
    "create_app",
]

__version__ = "0.1.0"
