"""GET / — the example app's index: what to try."""

from approute import NextResponse

ROUTES = [
    "/api/hello",
    "/api/hello.json",
    "/api/users/42",
    "/api/files/a/b/c.txt",
    "/api/docs",
    "/api/docs/intro/setup",
    "/api/session",
    "/api/stream",
    "/api/items/1",
    "/about",
    "/admin",
    "/greeting",
    "/api/experiment",
    "/robots.txt",
    "/sitemap.xml",
    "/opengraph-image",
    "/icon",
    "/api/todos",
    "/openapi.json",
    "/docs",
]


def GET(request):
    return NextResponse.json({"try": [request.next_url.origin + path for path in ROUTES]})
