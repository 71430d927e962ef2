"""GET /admin — guarded by proxy.py: only reached with a session cookie."""

from approute import NextRequest, NextResponse


def GET(request: NextRequest) -> NextResponse:
    return NextResponse.json({"admin": True, "user": request.headers.get("x-user")})
