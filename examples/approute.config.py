"""The example app's configuration (Next.js's next.config, in Python).

Read once at startup. Every module-level name is a setting, so helpers
start with "_" (a typo such as ``trailingSlash`` is a startup error).
"""

# The defaults, written out: the 308 from /a/ to /a, the 4 MiB limit of the
# buffered body readers, gzip for clients that accept it.
trailing_slash = False
body_size_limit = "4mb"
compress = True

_SECURITY_HEADERS = [
    {"key": "X-Content-Type-Options", "value": "nosniff"},
    {"key": "Referrer-Policy", "value": "strict-origin-when-cross-origin"},
    {"key": "Permissions-Policy", "value": "camera=(), microphone=(), geolocation=()"},
]


def headers():
    return [
        # Every response: routes, public/ files, 404s, proxy.py's answers.
        {"source": "/:path*", "headers": _SECURITY_HEADERS},
        # A param of the source, in a value.
        {"source": "/api/users/:id", "headers": [{"key": "X-User-Id", "value": ":id"}]},
    ]


def redirects():
    return [
        # Old blog URLs moved to the docs API for good: 308, query kept.
        {"source": "/blog/:slug", "destination": "/api/docs/:slug", "permanent": True},
        # /me sends a signed-in user (cookie uid=42) to their record: 307.
        {
            "source": "/me",
            "has": [{"type": "cookie", "key": "uid", "value": "(?<uid>\\d+)"}],
            "destination": "/api/users/:uid",
            "permanent": False,
        },
    ]


def rewrites():
    return {
        # Before public/ and the routes: security.txt also at the old root URL.
        "before_files": [
            {"source": "/security.txt", "destination": "/.well-known/security.txt"},
        ],
        # When no file or static route matched: short user URLs, same handler.
        "after_files": [
            {"source": "/u/:id", "destination": "/api/users/:id"},
        ],
    }


# The OpenAPI document of the app's routes at /openapi.json and a docs page
# at /docs, served by approute itself (no CDN): docs/openapi.md.
openapi = {"title": "approute examples", "version": "1.0.0"}
