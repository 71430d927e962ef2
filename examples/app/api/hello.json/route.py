"""GET /api/hello.json — dots are fine in folder names."""

from approute import NextResponse


def GET(request):
    return NextResponse.json({"hello": "json"})
