"""Variant B of /api/experiment, served through a proxy.py rewrite."""

from approute import NextResponse


def GET(request):
    return NextResponse.json({"variant": "B", "pathname": request.next_url.pathname})
