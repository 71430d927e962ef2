"""Metadata routes served through the whole pipeline: URLs, content types,
cache headers, the route cache, HEAD/405, ids, and their errors.

Expected headers and URLs are Next.js 16.4.6's (its metadata route loader
and the ``metadata-dynamic-routes`` e2e test), not approute's output."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from PIL import Image

from approute.app import create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

REVALIDATE = "public, max-age=0, must-revalidate"
NO_CACHE = "no-cache, no-store"

ROBOTS = """
def robots():
    return {
        "rules": [
            {"user_agent": "Googlebot", "allow": ["/"]},
            {"user_agent": ["Applebot", "Bingbot"], "disallow": ["/"], "crawl_delay": 2},
        ],
        "host": "https://example.com",
        "sitemap": "https://example.com/sitemap.xml",
    }
"""
SITEMAP = """
async def sitemap():
    return [
        {"url": "https://example.com", "last_modified": "2021-01-01",
         "change_frequency": "weekly", "priority": 0.5},
        {"url": "https://example.com/about", "last_modified": "2021-01-01"},
    ]
"""
MANIFEST = """
def manifest():
    return {"name": "Next.js App", "short_name": "Next.js App", "start_url": "/",
            "display": "standalone", "background_color": "#fff",
            "icons": [{"src": "/favicon.ico", "sizes": "any", "type": "image/x-icon"}]}
"""
# The gsp fixture of Next.js's e2e test, in Python.
LISTED_SITEMAPS = """
def generate_sitemaps():
    return [{"id": f"child{n}"} for n in range(4)]

def sitemap(id):
    return [{"url": f"https://example.com/dynamic/{id}"}]
"""
SIZED_ICON = """
from approute.og import ImageResponse, Column, Text

def generate_image_metadata(params):
    return [
        {"id": "small", "size": {"width": 48, "height": 48}, "content_type": "image/png"},
        {"id": "medium", "size": {"width": 72, "height": 72}, "content_type": "image/png"},
    ]

def icon(params, id):
    side = {"small": 48, "medium": 72}[id]
    return ImageResponse(Column(Text(params["size"][0], size=20)), size=(side, side))
"""
OG_IMAGE = """
from approute.og import Column, ImageResponse, Text

alt = "Open Graph"
size = {"width": 1200, "height": 630}
content_type = "image/png"

def image():
    return ImageResponse(Column(Text("Hello"), background="#ff0000"), size=size)
"""


def _png(color: str = "green", size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def _client(root: Path, *, dev: bool = False, raise_server_exceptions: bool = True) -> TestClient:
    return TestClient(create_app(root, dev=dev), raise_server_exceptions=raise_server_exceptions)


@pytest.fixture
def site(make_project: ProjectFactory) -> Path:
    root = make_project(
        {
            "app/robots.py": ROBOTS,
            "app/sitemap.py": SITEMAP,
            "app/manifest.py": MANIFEST,
            "app/gsp/sitemap.py": LISTED_SITEMAPS,
            "app/opengraph-image.py": OG_IMAGE,
            "app/(group)/dynamic/[size]/icon.py": SIZED_ICON,
            "app/blog/robots.py": ROBOTS,  # robots only counts in app/ itself
            "app/api/route.py": "def GET(request):\n    ...\n",
        }
    )
    (root / "app" / "favicon.ico").write_bytes(b"\x00\x00\x01\x00fake-ico")
    (root / "app" / "blog" / "opengraph-image.png").write_bytes(_png())
    (root / "app" / "apple-icon.jpg").write_bytes(b"\xff\xd8\xff-jpeg")
    return root


def test_robots_txt_as_nextjs_serves_it(site: Path) -> None:
    response = _client(site).get("/robots.txt", headers={"accept-encoding": "identity"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain"
    assert response.headers["cache-control"] == REVALIDATE
    # The metadata-dynamic-routes e2e snapshot.
    assert response.text == (
        "User-Agent: Googlebot\nAllow: /\n\nUser-Agent: Applebot\nUser-Agent: Bingbot\n"
        "Disallow: /\nCrawl-delay: 2\n\nHost: https://example.com\n"
        "Sitemap: https://example.com/sitemap.xml\n"
    )


def test_sitemap_and_manifest_content_types_and_cache_headers(site: Path) -> None:
    client = _client(site)
    sitemap = client.get("/sitemap.xml")
    assert sitemap.headers["content-type"] == "application/xml"
    assert sitemap.headers["cache-control"] == REVALIDATE
    assert sitemap.text.count("<url>") == 2
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"
    assert manifest.headers["cache-control"] == REVALIDATE
    assert manifest.json()["icons"] == [
        {"src": "/favicon.ico", "sizes": "any", "type": "image/x-icon"}
    ]


def test_static_by_default_the_route_cache_serves_them(site: Path) -> None:
    client = _client(site)
    assert client.get("/robots.txt").headers["x-approute-cache"] == "MISS"
    again = client.get("/robots.txt")
    assert again.headers["x-approute-cache"] == "HIT"
    assert again.headers["cache-control"] == REVALIDATE


def test_generate_sitemaps_serves_each_id_and_404s_others(site: Path) -> None:
    client = _client(site)
    for n in range(4):
        text = client.get(f"/gsp/sitemap/child{n}.xml").text
        assert f"<loc>https://example.com/dynamic/child{n}</loc>" in text
    unknown = client.get("/gsp/sitemap/child9.xml")
    assert (unknown.status_code, unknown.text) == (404, "Not Found")
    assert client.get("/gsp/sitemap/child1").status_code == 404
    assert client.get("/gsp/sitemap.xml").status_code == 404


def test_image_ids_below_a_group_get_nextjs_url_suffix(site: Path) -> None:
    client = _client(site)
    # Next.js's e2e test: app/(group)/dynamic/[size]/icon.tsx → /dynamic/big/icon-ahg52g/<id>
    for image_id, side in (("small", 48), ("medium", 72)):
        response = client.get(f"/dynamic/big/icon-ahg52g/{image_id}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/png"
        assert Image.open(io.BytesIO(response.content)).size == (side, side)
    assert client.get("/dynamic/big/icon-ahg52g/large").text == "Not Found"
    assert client.get("/dynamic/big/icon").status_code == 404


def test_opengraph_image_is_a_png_of_the_declared_size(site: Path) -> None:
    response = _client(site).get("/opengraph-image")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == REVALIDATE
    image = Image.open(io.BytesIO(response.content))
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    assert image.convert("RGB").getpixel((600, 600)) == (255, 0, 0)


def test_images_are_not_cached_by_browsers_in_dev(site: Path) -> None:
    client = _client(site, dev=True)
    assert client.get("/opengraph-image").headers["cache-control"] == NO_CACHE
    assert client.get("/favicon.ico").headers["cache-control"] == NO_CACHE
    assert client.get("/robots.txt").headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize(
    ("path", "content_type", "file"),
    [
        pytest.param("/favicon.ico", "image/x-icon", "favicon.ico", id="favicon"),
        pytest.param("/apple-icon.jpg", "image/jpeg", "apple-icon.jpg", id="apple-icon jpg"),
        pytest.param(
            "/blog/opengraph-image.png", "image/png", "blog/opengraph-image.png", id="nested og"
        ),
    ],
)
def test_static_files_are_served_with_nextjs_types(
    site: Path, path: str, content_type: str, file: str
) -> None:
    response = _client(site).get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == REVALIDATE
    assert response.content == (site / "app" / file).read_bytes()


def test_static_text_files_and_root_only_names(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/robots.txt": "User-Agent: *\nDisallow:\n",
            "app/manifest.json": '{"name": "x"}',
            "app/docs/sitemap.xml": "<urlset/>",
            "app/docs/manifest.json": "{}",  # not a metadata file below app/
        }
    )
    client = _client(root)
    assert client.get("/robots.txt").headers["content-type"] == "text/plain"
    assert client.get("/manifest.json").headers["content-type"] == "application/manifest+json"
    docs = client.get("/docs/sitemap.xml")
    assert (docs.headers["content-type"], docs.text) == ("application/xml", "<urlset/>")
    assert client.get("/docs/manifest.json").status_code == 404


def test_robots_below_app_is_not_a_route(site: Path) -> None:
    assert _client(site).get("/blog/robots.txt").status_code == 404


def test_head_and_method_not_allowed_like_other_routes(site: Path) -> None:
    client = _client(site)
    head = client.head("/robots.txt")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == "text/plain"
    post = client.post("/robots.txt")
    assert (post.status_code, post.headers["allow"]) == (405, "GET, HEAD")
    assert client.post("/favicon.ico").status_code == 405


def test_segment_config_makes_them_dynamic_or_revalidating(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/robots.py": 'dynamic = "force-dynamic"\n' + ROBOTS,
            "app/sitemap.py": "revalidate = 60\n" + SITEMAP,
            "app/manifest.py": "from approute.headers import headers\n"
            "def manifest():\n    return {'name': headers().get('x-app')}\n",
        }
    )
    client = _client(root)
    robots = client.get("/robots.txt")
    assert "x-approute-cache" not in robots.headers
    assert robots.headers["cache-control"] == REVALIDATE
    sitemap = client.get("/sitemap.xml")
    assert sitemap.headers["x-approute-cache"] == "MISS"
    assert sitemap.headers["cache-control"] == "s-maxage=60, stale-while-revalidate=31535940"
    # Importing a request-data reader makes it dynamic: it sees the request.
    manifest = client.get("/manifest.webmanifest", headers={"x-app": "from-header"})
    assert manifest.json() == {"name": "from-header"}
    assert "x-approute-cache" not in manifest.headers


def test_a_static_one_that_reads_request_data_anyway_fails(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/robots.py": "import approute.headers as h\n"
            "def robots():\n    return {'rules': {'allow': h.headers().get('x')}}\n"
        }
    )
    caplog.set_level(logging.ERROR, "approute")
    client = _client(root, raise_server_exceptions=False)
    assert client.get("/robots.txt").status_code == 500
    assert "couldn't be rendered statically because it used `request.headers`" in caplog.text


def test_a_wrong_shape_answers_500_and_logs_the_file_and_key(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {"app/robots.py": "def robots():\n    return {'rules': {'userAgent': '*'}}\n"}
    )
    caplog.set_level(logging.ERROR, "approute")
    response = _client(root, raise_server_exceptions=False).get("/robots.txt")
    assert (response.status_code, response.content) == (500, b"")
    assert (
        "app/robots.py: robots() returned rules: unknown key 'userAgent'; "
        "did you mean 'user_agent'?"
    ) in caplog.text


def test_an_image_route_that_raises_answers_500_and_logs(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project({"app/icon.py": "def icon():\n    raise RuntimeError('no font')\n"})
    caplog.set_level(logging.ERROR, "approute")
    client = _client(root, raise_server_exceptions=False)
    response = client.get("/icon")
    assert (response.status_code, response.content) == (500, b"")
    assert "app/icon.py: GET handler raised RuntimeError: no font" in caplog.text
    assert client.get("/robots.txt").status_code == 404  # the server goes on


def test_bytes_are_served_with_the_content_type_export(make_project: ProjectFactory) -> None:
    root = make_project(
        {
            "app/icon.py": "content_type = 'image/svg+xml'\n"
            "def icon():\n    return b'<svg xmlns=\"http://www.w3.org/2000/svg\"/>'\n",
            "app/apple-icon.py": "def icon():\n    return b'png-bytes'\n",
        }
    )
    client = _client(root)
    assert client.get("/icon").headers["content-type"] == "image/svg+xml"
    apple = client.get("/apple-icon")
    assert (apple.headers["content-type"], apple.content) == ("image/png", b"png-bytes")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"app/robots.txt": "User-Agent: *\n", "app/robots.py": ROBOTS},
            "Conflicting metadata files at /robots.txt: app/robots.py and app/robots.txt",
            id="robots.txt and robots.py",
        ),
        pytest.param(
            {"app/icon.png": "png", "app/icon.py": "def icon():\n    return b''\n"},
            "Conflicting metadata files for icon: app/icon.png and app/icon.py",
            id="icon.png and icon.py",
        ),
        pytest.param(
            {"app/manifest.json": "{}", "app/manifest.py": MANIFEST},
            "Conflicting metadata files for manifest: app/manifest.json and app/manifest.py",
            id="manifest.json and manifest.py",
        ),
        pytest.param(
            {
                "app/robots.py": ROBOTS,
                "app/robots.txt/route.py": "def GET(request):\n    ...\n",
            },
            "Conflicting route and metadata at /robots.txt: route at app/robots.txt/route.py "
            "and metadata at app/robots.py",
            id="route at the same URL",
        ),
        pytest.param(
            {"app/robots.py": ROBOTS, "public/robots.txt": "User-Agent: *\n"},
            "A conflicting public file and page file was found for path /robots.txt: "
            "public/robots.txt and app/robots.py",
            id="a public/ twin",
        ),
        pytest.param(
            {"app/icon.py": "def image():\n    return b''\n"},
            "app/icon.py: define `def icon(...)` (sync or async): it computes the icon route",
            id="the function's name",
        ),
        pytest.param(
            {"app/icon.py": "def icon(request):\n    return b''\n"},
            "icon() requires `request`; it may take `params` and `id` as keywords",
            id="a parameter it is not given",
        ),
        pytest.param(
            {
                "app/sitemap.py": "def _make():\n    return []\n"
                "globals()['generate_sitemaps'] = _make\n" + SITEMAP
            },
            "app/sitemap.py: define generate_sitemaps at the top level of the module",
            id="a lister the source does not show",
        ),
        pytest.param(
            {"app/opengraph-image.py": OG_IMAGE + "size = {'width': 0, 'height': 630}\n"},
            "size['width'] must be a positive int; got 0",
            id="size export",
        ),
        pytest.param(
            {"app/docs/[...slug]/opengraph-image.png": "png"},
            "Catch-all must be the last part of the URL. In app/docs/[...slug]/opengraph-image.png",
            id="below a catch-all",
        ),
    ],
)
def test_startup_errors_name_the_files(
    make_project: ProjectFactory, files: dict[str, str], message: str
) -> None:
    with pytest.raises(ProjectError) as raised:
        create_app(make_project(files))
    assert message in str(raised.value)


def test_a_too_large_open_graph_file_fails_at_startup(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/route.py": "def GET(request):\n    ...\n"})
    (root / "app" / "twitter-image.png").write_bytes(b"\0" * (5 * 1024 * 1024 + 1))
    with pytest.raises(ProjectError, match=r"app/twitter-image.png: File size for twitter-image"):
        create_app(root)
