"""The example app's proxy (Next.js 16's name for middleware).

Runs before the routes it matches and shows the four classic uses:
an auth guard, an A/B rewrite by cookie, a locale redirect, and security
headers on every API response.
"""

from approute import NextRequest, NextResponse

LOCALES = ("en", "fr")


def proxy(request: NextRequest) -> NextResponse | None:
    path = request.next_url.pathname

    # Auth guard: /admin needs a session cookie.
    if path == "/admin" or path.startswith("/admin/"):
        session = request.cookies.get("session")
        if session is None:
            return NextResponse.json({"error": "unauthorized"}, status=401)
        headers = request.headers.copy()
        headers.set("x-user", session.value)
        return NextResponse.next(request={"headers": headers})

    # Locale redirect: /greeting → /en/greeting or /fr/greeting.
    if path == "/greeting":
        accepted = request.headers.get("accept-language") or ""
        lang = next((code for code in LOCALES if accepted.startswith(code)), LOCALES[0])
        return NextResponse.redirect(request.next_url.clone(pathname=f"/{lang}/greeting"))

    # A/B test: bucket=b users get the other handler, same URL.
    bucket = request.cookies.get("bucket")
    if path == "/api/experiment" and bucket is not None and bucket.value == "b":
        return NextResponse.rewrite(request.next_url.clone(pathname="/api/experiment-b"))

    # Security headers on every API response.
    response = NextResponse.next()
    response.headers.set("x-frame-options", "DENY")
    response.headers.set("x-content-type-options", "nosniff")
    return response


config = {"matcher": ["/admin/:path*", "/greeting", "/api/:path*"]}
