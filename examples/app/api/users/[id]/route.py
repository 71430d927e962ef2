"""/api/users/[id] — a dynamic segment: ctx.params["id"] is the decoded value."""

from app._lib.store import USERS

from approute import NextRequest, NextResponse, RouteContext
from approute.navigation import not_found


async def GET(request: NextRequest, ctx: RouteContext["/api/users/[id]"]) -> NextResponse:
    user = USERS.get(ctx.params["id"]) or not_found()
    return NextResponse.json(user)


async def DELETE(request: NextRequest, ctx: RouteContext["/api/users/[id]"]) -> NextResponse:
    removed = USERS.pop(ctx.params["id"], None)
    return NextResponse.json({"deleted": removed is not None})
