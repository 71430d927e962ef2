"""GET /api/experiment — variant A (proxy.py rewrites bucket=b to variant B)."""

from approute import NextResponse


def GET(request):
    return NextResponse.json({"variant": "A"})
