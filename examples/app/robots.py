"""GET /robots.txt — what crawlers may fetch (Next.js's app/robots.ts)."""

from approute.metadata import Robots


def robots() -> Robots:
    return {
        "rules": [
            {"user_agent": "*", "allow": "/", "disallow": ["/admin", "/api/session"]},
            {"user_agent": "GPTBot", "disallow": "/"},
        ],
        "sitemap": "http://127.0.0.1:3000/sitemap.xml",
    }
