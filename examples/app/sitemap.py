"""GET /sitemap.xml — the pages a search engine should know about."""

from datetime import date

from approute.metadata import Sitemap

SITE = "http://127.0.0.1:3000"


def sitemap() -> Sitemap:
    return [
        {"url": f"{SITE}/about", "last_modified": date(2026, 12, 1), "priority": 1},
        {
            "url": f"{SITE}/en/greeting",
            "change_frequency": "monthly",
            "alternates": {"languages": {"fr": f"{SITE}/fr/greeting"}},
        },
        {"url": f"{SITE}/api/docs", "images": [f"{SITE}/opengraph-image"]},
    ]
