"""Metadata routes with the rest of the pipeline: the middleware matcher
Next.js's docs suggest, and ``approute build``."""

from __future__ import annotations

import pytest

from approute.app import create_app
from approute.cli.main import main
from approute.testing import TestClient
from tests.build.conftest import build
from tests.conftest import ProjectFactory

PROXY = r"""
from approute import NextResponse

def proxy(request):
    response = NextResponse.next()
    response.headers.set("x-proxy", "ran")
    return response

# Next.js's docs ("Negative matching"): skip the static metadata files.
config = {"matcher": ["/((?!api|_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)"]}
"""
FILES = {
    "proxy.py": PROXY,
    "app/robots.py": "def robots():\n    return {'rules': {'allow': '/'}}\n",
    "app/sitemap.py": "def sitemap():\n    return [{'url': 'https://a.example'}]\n",
    "app/icon.py": "def icon():\n    return b'png'\n",
    "app/product/sitemap.py": "def generate_sitemaps():\n    return [{'id': 1}, {'id': 2}]\n"
    "def sitemap(id):\n    return [{'url': f'https://a.example/p/{id}'}]\n",
}


def test_the_docs_matcher_skips_robots_sitemap_and_favicon_not_icon(
    make_project: ProjectFactory,
) -> None:
    root = make_project(FILES)
    (root / "app" / "favicon.ico").write_bytes(b"ico")
    client = TestClient(create_app(root))
    for path in ("/robots.txt", "/sitemap.xml", "/favicon.ico"):
        response = client.get(path)
        assert response.status_code == 200
        assert "x-proxy" not in response.headers, path
    assert client.get("/icon").headers["x-proxy"] == "ran"
    # The lookahead only looks at the path's start: a nested sitemap is matched.
    assert client.get("/product/sitemap/1.xml").headers["x-proxy"] == "ran"


def test_build_prerenders_them_and_lists_them_as_static(make_project: ProjectFactory) -> None:
    root = make_project(FILES)
    (root / "app" / "favicon.ico").write_bytes(b"ico")
    out = build(root)
    assert "○ /robots.txt" in out
    assert "○ /sitemap.xml" in out
    assert "○ /favicon.ico" in out
    assert "○ /icon" in out
    assert "● /product/sitemap/[__metadata_id__]" in out
    assert "/product/sitemap/1.xml" in out
    assert "/product/sitemap/2.xml" in out


@pytest.mark.parametrize(
    ("file", "source", "message"),
    [
        pytest.param(
            "app/robots.py",
            "def robots():\n    return {'rules': [{'allow': '/'}, {'crawlDelay': 2}]}\n",
            "app/robots.py: robots() returned rules[1]: unknown key 'crawlDelay'; "
            "did you mean 'crawl_delay'?",
            id="robots key",
        ),
        pytest.param(
            "app/sitemap.py",
            "def sitemap():\n    return [{'url': 'https://a.example', 'lastmod': '2024'}]\n",
            "app/sitemap.py: sitemap() returned [0]: unknown key 'lastmod'",
            id="sitemap key",
        ),
        pytest.param(
            "app/product/sitemap.py",
            "def generate_sitemaps():\n    return [{'name': 1}]\ndef sitemap(id):\n    return []\n",
            "app/product/sitemap.py: generate_sitemaps() returned [0]: unknown key 'name'",
            id="generate_sitemaps key",
        ),
    ],
)
def test_a_wrong_shape_fails_the_build_naming_file_and_key(
    make_project: ProjectFactory,
    capsys: pytest.CaptureFixture[str],
    file: str,
    source: str,
    message: str,
) -> None:
    root = make_project({**FILES, file: source})
    assert main(["build", str(root)]) == 1
    assert message in capsys.readouterr().err
