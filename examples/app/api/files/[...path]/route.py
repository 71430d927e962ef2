"""/api/files/[...path] — a catch-all: one or more segments, as a list."""

from approute import NextResponse


def GET(request, ctx):
    return NextResponse.json({"path": ctx.params["path"]})
