"""robots.txt, sitemap.xml and the web manifest, byte-compared with Next.js.

Every expected text below is Next.js's, not approute's: the inline
snapshots of Next.js's ``resolve-route-data.test.ts`` and its
``metadata-dynamic-routes`` e2e test, the outputs printed in its docs
(``robots.md``), and (marked "recorded") outputs of Next.js 16.4.6's own
``resolveRobots``/``resolveSitemap``/``resolveManifest`` run under node on
the same data. The data is the same, in approute's snake_case keys.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from approute.metadata.manifest import render_manifest
from approute.metadata.robots import render_robots
from approute.metadata.shape import MetadataShapeError
from approute.metadata.sitemap import render_sitemap

ROBOTS_CASES = [
    pytest.param(
        {
            "host": "https://example.com",
            "sitemap": "https://example.com/sitemap.xml",
            "rules": [
                {"user_agent": "Googlebot", "allow": "/", "disallow": "/admin", "crawl_delay": 2}
            ],
        },
        "User-Agent: Googlebot\nAllow: /\nDisallow: /admin\nCrawl-delay: 2\n\n"
        "Host: https://example.com\nSitemap: https://example.com/sitemap.xml\n",
        id="resolve-route-data.test: one rule, host, sitemap",
    ),
    pytest.param(
        {"rules": [{"allow": "/"}, {"user_agent": "Googlebot", "allow": ["/bot", "/bot2"]}]},
        "User-Agent: *\nAllow: /\n\nUser-Agent: Googlebot\nAllow: /bot\nAllow: /bot2\n\n",
        id="resolve-route-data.test: wildcard and named agents",
    ),
    pytest.param(
        {"rules": {"allow": "/"}},
        "User-Agent: *\nAllow: /\n\n",
        id="resolve-route-data.test: one rule as a dict",
    ),
    pytest.param(
        {
            "rules": [
                {"user_agent": "Googlebot", "allow": ["/"]},
                {"user_agent": ["Applebot", "Bingbot"], "disallow": ["/"], "crawl_delay": 2},
            ],
            "host": "https://example.com",
            "sitemap": "https://example.com/sitemap.xml",
        },
        "User-Agent: Googlebot\nAllow: /\n\nUser-Agent: Applebot\nUser-Agent: Bingbot\n"
        "Disallow: /\nCrawl-delay: 2\n\nHost: https://example.com\n"
        "Sitemap: https://example.com/sitemap.xml\n",
        id="metadata-dynamic-routes e2e: /robots.txt",
    ),
    pytest.param(
        {
            "rules": [
                {"user_agent": "Googlebot", "allow": ["/"], "disallow": "/private/"},
                {"user_agent": ["Applebot", "Bingbot"], "disallow": ["/"]},
            ],
            "sitemap": "https://acme.com/sitemap.xml",
        },
        "User-Agent: Googlebot\nAllow: /\nDisallow: /private/\n\nUser-Agent: Applebot\n"
        "User-Agent: Bingbot\nDisallow: /\n\nSitemap: https://acme.com/sitemap.xml\n",
        id="robots.md: user agents (one group per list)",
    ),
    pytest.param(
        {
            "rules": [
                {"user_agent": "*", "allow": "/"},
                {"user_agent": "SeznamBot", "allow": "/", "other": {"Request-Rate": "10/1m"}},
            ]
        },
        "User-Agent: *\nAllow: /\n\nUser-Agent: SeznamBot\nAllow: /\nRequest-Rate: 10/1m\n\n",
        id="robots.md: non-standard directives",
    ),
    pytest.param(
        {
            "rules": [
                {"user_agent": "*", "allow": "/"},
                {
                    "user_agent": "SeznamBot",
                    "allow": "/",
                    "other": {"Request-Rate": "10/1m", "Clean-param": ["ref /a", "utm /b"]},
                },
            ]
        },
        "User-Agent: *\nAllow: /\n\nUser-Agent: SeznamBot\nAllow: /\nRequest-Rate: 10/1m\n"
        "Clean-param: ref /a\nClean-param: utm /b\n\n",
        id="recorded: other with a list",
    ),
    pytest.param(
        {
            "rules": {"disallow": ""},
            "host": "https://acme.com",
            "sitemap": ["https://acme.com/a.xml", "https://acme.com/b.xml"],
        },
        "User-Agent: *\n\nHost: https://acme.com\nSitemap: https://acme.com/a.xml\n"
        "Sitemap: https://acme.com/b.xml\n",
        id="recorded: empty disallow, two sitemaps",
    ),
    pytest.param(
        {"rules": {"user_agent": "*", "crawl_delay": 0.5}},
        "User-Agent: *\nCrawl-delay: 0.5\n\n",
        id="recorded: fractional crawl delay",
    ),
    pytest.param(
        {"rules": {"user_agent": "*", "crawl_delay": 2.0}},
        "User-Agent: *\nCrawl-delay: 2\n\n",
        id="recorded: 2.0 is written as JavaScript writes 2",
    ),
]


@pytest.mark.parametrize(("data", "expected"), ROBOTS_CASES)
def test_robots_text_is_nextjs_byte_for_byte(data: object, expected: str) -> None:
    assert render_robots(data, "app/robots.py") == expected


SITEMAP_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
URLSET = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'

SITEMAP_CASES = [
    pytest.param(
        [
            {
                "url": "https://example.com",
                "last_modified": "2021-01-01",
                "change_frequency": "weekly",
                "priority": 0.5,
            }
        ],
        f"{SITEMAP_HEAD}{URLSET}>\n<url>\n<loc>https://example.com</loc>\n"
        "<lastmod>2021-01-01</lastmod>\n<changefreq>weekly</changefreq>\n"
        "<priority>0.5</priority>\n</url>\n</urlset>\n",
        id="resolve-route-data.test: one url",
    ),
    pytest.param(
        [
            {
                "url": "https://example.com",
                "last_modified": "2021-01-01",
                "alternates": {
                    "languages": {"es": "https://example.com/es", "de": "https://example.com/de"}
                },
            }
        ],
        f'{SITEMAP_HEAD}{URLSET} xmlns:xhtml="http://www.w3.org/1999/xhtml">\n<url>\n'
        "<loc>https://example.com</loc>\n"
        '<xhtml:link rel="alternate" hreflang="es" href="https://example.com/es" />\n'
        '<xhtml:link rel="alternate" hreflang="de" href="https://example.com/de" />\n'
        "<lastmod>2021-01-01</lastmod>\n</url>\n</urlset>\n",
        id="resolve-route-data.test: alternates",
    ),
    pytest.param(
        [
            {
                "url": "https://example.com",
                "last_modified": "2021-01-01",
                "change_frequency": "weekly",
                "priority": 0.5,
                "images": ["https://example.com/image.jpg"],
            }
        ],
        f'{SITEMAP_HEAD}{URLSET} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">\n'
        "<url>\n<loc>https://example.com</loc>\n<image:image>\n"
        "<image:loc>https://example.com/image.jpg</image:loc>\n</image:image>\n"
        "<lastmod>2021-01-01</lastmod>\n<changefreq>weekly</changefreq>\n"
        "<priority>0.5</priority>\n</url>\n</urlset>\n",
        id="resolve-route-data.test: images",
    ),
    pytest.param(
        [
            {
                "url": "https://example.com",
                "last_modified": "2021-01-01",
                "change_frequency": "weekly",
                "priority": 0.5,
                "videos": [
                    {
                        "title": "example",
                        "thumbnail_loc": "https://example.com/image.jpg",
                        "description": "this is the description",
                        "content_loc": "http://streamserver.example.com/video123.mp4",
                        "player_loc": "https://www.example.com/videoplayer.php?video=123",
                        "duration": 2,
                        "view_count": 50,
                        "tag": "summer",
                        "rating": 4,
                        "expiration_date": "2025-09-16",
                        "publication_date": "2024-09-16",
                        "family_friendly": "yes",
                        "requires_subscription": "no",
                        "live": "no",
                        "restriction": {"relationship": "allow", "content": "IE GB US CA"},
                        "platform": {"relationship": "allow", "content": "web"},
                        "uploader": {
                            "info": "https://www.example.com/users/grillymcgrillerson",
                            "content": "GrillyMcGrillerson",
                        },
                    }
                ],
            }
        ],
        f'{SITEMAP_HEAD}{URLSET} xmlns:video="http://www.google.com/schemas/sitemap-video/1.1">\n'
        "<url>\n<loc>https://example.com</loc>\n<video:video>\n"
        "<video:title>example</video:title>\n"
        "<video:thumbnail_loc>https://example.com/image.jpg</video:thumbnail_loc>\n"
        "<video:description>this is the description</video:description>\n"
        "<video:content_loc>http://streamserver.example.com/video123.mp4</video:content_loc>\n"
        "<video:player_loc>https://www.example.com/videoplayer.php?video=123</video:player_loc>\n"
        "<video:duration>2</video:duration>\n<video:view_count>50</video:view_count>\n"
        "<video:tag>summer</video:tag>\n<video:rating>4</video:rating>\n"
        "<video:expiration_date>2025-09-16</video:expiration_date>\n"
        "<video:publication_date>2024-09-16</video:publication_date>\n"
        "<video:family_friendly>yes</video:family_friendly>\n"
        "<video:requires_subscription>no</video:requires_subscription>\n"
        "<video:live>no</video:live>\n"
        '<video:restriction relationship="allow">IE GB US CA</video:restriction>\n'
        '<video:platform relationship="allow">web</video:platform>\n'
        '<video:uploader info="https://www.example.com/users/grillymcgrillerson">'
        "GrillyMcGrillerson</video:uploader>\n</video:video>\n"
        "<lastmod>2021-01-01</lastmod>\n<changefreq>weekly</changefreq>\n"
        "<priority>0.5</priority>\n</url>\n</urlset>\n",
        id="resolve-route-data.test: videos",
    ),
    pytest.param(
        [
            {
                "url": "https://example.com",
                "last_modified": "2021-01-01",
                "change_frequency": "weekly",
                "priority": 0.5,
            },
            {"url": "https://example.com/about", "last_modified": "2021-01-01"},
        ],
        f"{SITEMAP_HEAD}{URLSET}>\n<url>\n<loc>https://example.com</loc>\n"
        "<lastmod>2021-01-01</lastmod>\n<changefreq>weekly</changefreq>\n"
        "<priority>0.5</priority>\n</url>\n<url>\n<loc>https://example.com/about</loc>\n"
        "<lastmod>2021-01-01</lastmod>\n</url>\n</urlset>\n",
        id="metadata-dynamic-routes e2e: /sitemap.xml",
    ),
    pytest.param(
        [
            {
                "url": "https://acme.com/blog",
                "last_modified": datetime(2024, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC),
                "priority": 1,
                "change_frequency": "daily",
            },
            {"url": "https://acme.com/x", "priority": 0},
        ],
        f"{SITEMAP_HEAD}{URLSET}>\n<url>\n<loc>https://acme.com/blog</loc>\n"
        "<lastmod>2024-01-02T03:04:05.678Z</lastmod>\n<changefreq>daily</changefreq>\n"
        "<priority>1</priority>\n</url>\n<url>\n<loc>https://acme.com/x</loc>\n"
        "<priority>0</priority>\n</url>\n</urlset>\n",
        id="recorded: a Date as toISOString(), priority 0 kept",
    ),
    pytest.param(
        [
            {
                "url": "https://acme.com",
                "images": ["https://acme.com/a.png"],
                "alternates": {"languages": {"de": "https://acme.com/de"}},
            },
            {"url": "https://acme.com/b"},
        ],
        f'{SITEMAP_HEAD}{URLSET} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1" '
        'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n<url>\n<loc>https://acme.com</loc>\n'
        '<xhtml:link rel="alternate" hreflang="de" href="https://acme.com/de" />\n'
        "<image:image>\n<image:loc>https://acme.com/a.png</image:loc>\n</image:image>\n"
        "</url>\n<url>\n<loc>https://acme.com/b</loc>\n</url>\n</urlset>\n",
        id="recorded: namespaces from any entry",
    ),
]


@pytest.mark.parametrize(("data", "expected"), SITEMAP_CASES)
def test_sitemap_xml_is_nextjs_byte_for_byte(data: object, expected: str) -> None:
    assert render_sitemap(data, "app/sitemap.py") == expected


def test_manifest_is_json_stringify_byte_for_byte() -> None:
    data = {
        "name": "Café App",
        "short_name": "Café",
        "start_url": "/",
        "display": "standalone",
        "icons": [{"src": "/icon.png", "sizes": "192x192", "type": "image/png"}],
        "categories": ["a/b"],
    }
    # recorded from Next.js 16.4.6's resolveManifest (JSON.stringify)
    assert render_manifest(data, "app/manifest.py") == (
        '{"name":"Café App","short_name":"Café","start_url":"/","display":"standalone",'
        '"icons":[{"src":"/icon.png","sizes":"192x192","type":"image/png"}],'
        '"categories":["a/b"]}'
    )


def test_sitemap_escapes_xml_where_nextjs_would_write_an_invalid_document() -> None:
    # approute differs on purpose (docs/metadata.md): "&" in a URL is escaped.
    text = render_sitemap([{"url": "https://acme.com/?a=1&b=<2>"}], "app/sitemap.py")
    assert "<loc>https://acme.com/?a=1&amp;b=&lt;2&gt;</loc>" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(date(2024, 5, 6), "2024-05-06", id="date"),
        pytest.param(datetime(2024, 5, 6, 7, 8, 9), "2024-05-06T07:08:09.000Z", id="naive is UTC"),
        pytest.param(
            datetime(2024, 5, 6, 9, 8, 9, tzinfo=timezone(timedelta(hours=2))),
            "2024-05-06T07:08:09.000Z",
            id="aware converted to UTC",
        ),
    ],
)
def test_sitemap_last_modified_values(value: object, expected: str) -> None:
    text = render_sitemap([{"url": "https://a.example", "last_modified": value}], "app/s.py")
    assert f"<lastmod>{expected}</lastmod>" in text


@pytest.mark.parametrize(
    ("render", "data", "message"),
    [
        pytest.param(
            render_robots,
            {"rules": [{"allow": "/"}, {"userAgent": "x"}]},
            "app/x.py: robots() returned rules[1]: unknown key 'userAgent'; "
            "did you mean 'user_agent'?",
            id="camelCase robots key",
        ),
        pytest.param(
            render_robots,
            {"sitemap": "/s.xml"},
            "robots() returned: missing key 'rules'",
            id="rules",
        ),
        pytest.param(
            render_robots,
            {"rules": {"allow": ["/", 3]}},
            "robots() returned rules.allow[1]: expected a str; got int",
            id="allow item",
        ),
        pytest.param(render_robots, ["rules"], "expected a dict; got list", id="robots list"),
        pytest.param(
            render_sitemap,
            [{"url": "https://a.example"}, {"loc": "x"}],
            "sitemap() returned [1]: unknown key 'loc'",
            id="sitemap key",
        ),
        pytest.param(
            render_sitemap,
            [{"url": "https://a.example", "last_modified": 5}],
            "sitemap() returned [0].last_modified: expected a datetime, date or str; got int",
            id="last_modified",
        ),
        pytest.param(
            render_sitemap,
            [{"url": "https://a.example", "change_frequency": "often"}],
            "[0].change_frequency: expected one of always, hourly",
            id="change_frequency",
        ),
        pytest.param(
            render_sitemap,
            [{"url": "https://a.example", "videos": [{"title": "t"}]}],
            "[0].videos[0]: missing key 'thumbnail_loc'",
            id="video",
        ),
        pytest.param(render_sitemap, {"url": "x"}, "expected a list; got dict", id="not a list"),
        pytest.param(
            render_manifest,
            {"name": "x", "icons": [object()]},
            "manifest() returned icons: cannot be written as JSON",
            id="manifest value",
        ),
    ],
)
def test_a_wrong_shape_names_the_file_and_the_key(
    render: object, data: object, message: str
) -> None:
    assert callable(render)
    with pytest.raises(MetadataShapeError) as raised:
        render(data, "app/x.py")
    assert message in str(raised.value)
    assert str(raised.value).startswith("app/x.py: ")
