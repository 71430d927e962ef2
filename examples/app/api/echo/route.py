"""POST /api/echo — JSON echo; bad JSON is a 400 unless you catch InvalidJSON."""

from approute import NextRequest, NextResponse


async def POST(request: NextRequest) -> NextResponse:
    return NextResponse.json(await request.json())
