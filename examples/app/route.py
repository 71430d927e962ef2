"""GET / — the example app's index: what to try.

JSON by default (``{"try": [urls]}``, ``{"post": [...]}``); a browser (an
``Accept`` with ``text/html``) gets the same as a page of links.
"""

from html import escape

from approute import NextRequest, NextResponse, Response

# (path, what it shows) for GET; every example route is here.
ROUTES = [
    ("/api/hello", "text, ?name=Ada"),
    ("/api/hello.json", "a dot in a folder name"),
    ("/api/users/42", "a dynamic segment, JSON"),
    ("/api/files/a/b/c.txt", "a catch-all segment"),
    ("/api/docs", "an optional catch-all, empty"),
    ("/api/docs/intro/setup", "an optional catch-all"),
    ("/api/session", "cookies"),
    ("/api/stream", "a streamed response"),
    ("/api/items/1", "a validated param"),
    ("/api/prices", "ISR: revalidate = 60, @cached, revalidate_tag on POST"),
    ("/api/products/1", "generate_static_params: prerendered by approute build"),
    ("/api/experiment", "a middleware rewrite (A/B)"),
    ("/api/experiment-b", "the rewrite's other side"),
    ("/api/todos", "a validated API (pydantic), try it at /docs"),
    ("/api/todos/1", "one todo (404 until one is created; PATCH, DELETE)"),
    ("/api/chat/lobby", "a WebSocket chat room (a plain GET is 426 Upgrade Required)"),
    ("/chat.html", "the chat room's page (public/chat.html): open it in two tabs"),
    ("/about", "a page.py"),
    ("/admin", "a middleware guard (401 without the header)"),
    ("/greeting", "a middleware locale redirect to /en/greeting"),
    ("/en/greeting", "a [lang] segment"),
    ("/robots.txt", "metadata: robots.py"),
    ("/sitemap.xml", "metadata: sitemap.py"),
    ("/icon", "metadata: icon.py (an image)"),
    ("/opengraph-image", "metadata: opengraph-image.py (an image)"),
    ("/openapi.json", "the OpenAPI document"),
    ("/docs", "Swagger UI for it"),
]
# POST-only routes, with the curl that tries them.
POSTS = [
    ("/api/echo", "curl -X POST {origin}/api/echo -d '{{\"a\": 1}}'"),
    ("/api/upload", "curl -F file=@README.md {origin}/api/upload"),
]


def GET(request: NextRequest) -> Response:
    origin = request.next_url.origin
    posts = [command.format(origin=origin) for _, command in POSTS]
    if "text/html" not in (request.headers.get("accept") or ""):
        return NextResponse.json({"try": [origin + path for path, _ in ROUTES], "post": posts})
    items = "".join(
        f'<li><a href="{escape(path)}">{escape(path)}</a> — {escape(what)}</li>'
        for path, what in ROUTES
    )
    commands = "".join(f"<li><code>{escape(command)}</code></li>" for command in posts)
    page = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>approute examples</title>'
        "</head><body><h1>approute examples</h1>"
        f"<p>Every route of <code>examples/app/</code>:</p><ul>{items}</ul>"
        f"<p>POST only:</p><ul>{commands}</ul></body></html>"
    )
    return Response(page, headers={"content-type": "text/html; charset=utf-8"})
