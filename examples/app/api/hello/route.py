"""GET /api/hello — the smallest route handler; POST answers 201."""

from approute import NextRequest, NextResponse, Response


def GET(request: NextRequest) -> Response:
    name = request.next_url.search_params.get("name") or "world"
    return Response(f"Hello, {name}!")


async def POST(request: NextRequest) -> NextResponse:
    data = await request.json()
    return NextResponse.json({"received": data}, status=201)
