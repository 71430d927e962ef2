"""/api/session — cookies: read with request.cookies, set with cookies()."""

from approute import NextRequest, NextResponse
from approute.headers import cookies, headers
from approute.server import after


def GET(request: NextRequest) -> NextResponse:
    seen = cookies().get("visits")
    visits = int(seen.value if seen is not None else 0) + 1
    cookies().set("visits", str(visits), http_only=True, same_site="lax")
    after(lambda: print(f"session seen ({visits} visits)"))
    return NextResponse.json({"visits": visits, "agent": headers().get("user-agent")})


def DELETE(request: NextRequest) -> NextResponse:
    response = NextResponse(status=204)
    response.cookies.delete("visits")
    return response
