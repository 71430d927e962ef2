"""/api/docs/[[...slug]] — an optional catch-all also matches /api/docs."""

from approute import NextResponse


def GET(request, ctx):
    return NextResponse.json({"slug": ctx.params.get("slug")})
