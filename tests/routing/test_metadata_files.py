"""Which app files are metadata routes, and their URLs (Next.js 16.4.6's
``is-metadata-route`` lists and ``get-metadata-route`` naming)."""

from __future__ import annotations

from pathlib import Path

import pytest

from approute.routing.metadata_files import group_suffix, metadata_file
from approute.routing.scan import scan_app


@pytest.mark.parametrize(
    ("name", "at_root", "expected"),
    [
        pytest.param("robots.py", True, ("robots", "robots", "py"), id="robots.py"),
        pytest.param("robots.txt", True, ("robots", "robots", "txt"), id="robots.txt"),
        pytest.param("robots.py", False, None, id="robots below app/"),
        pytest.param(
            "manifest.webmanifest", True, ("manifest", "manifest", "webmanifest"), id="wm"
        ),
        pytest.param("manifest.json", False, None, id="manifest below app/"),
        pytest.param("favicon.ico", True, ("favicon", "favicon", "ico"), id="favicon"),
        pytest.param("favicon.py", True, None, id="favicon is never generated"),
        pytest.param("favicon.ico", False, None, id="favicon below app/"),
        pytest.param("sitemap.xml", False, ("sitemap", "sitemap", "xml"), id="nested sitemap"),
        pytest.param("sitemap1.xml", False, None, id="sitemaps have no variants"),
        pytest.param("icon2.png", False, ("icon", "icon2", "png"), id="numbered icon"),
        pytest.param("icon12.png", False, None, id="one digit only"),
        pytest.param("icon.svg", False, ("icon", "icon", "svg"), id="svg icon"),
        pytest.param("apple-icon.svg", False, None, id="no svg apple icon"),
        pytest.param("apple-icon.py", False, ("apple-icon", "apple-icon", "py"), id="apple py"),
        pytest.param("opengraph-image.gif", False, ("opengraph-image",) * 2 + ("gif",), id="gif"),
        pytest.param("twitter-image.alt.txt", False, None, id="alt text is not a route"),
        pytest.param("twitter-image.webp", False, None, id="no webp"),
        pytest.param("icon.PNG", False, None, id="extensions are lower case"),
    ],
)
def test_metadata_file_names(name: str, at_root: bool, expected: tuple[str, ...] | None) -> None:
    found = metadata_file(name, at_root=at_root)
    assert (found and (found.name, found.stem, found.ext)) == expected


@pytest.mark.parametrize(
    ("folders", "suffix"),
    [
        # Next.js's metadata-dynamic-routes e2e: /dynamic/big/icon-ahg52g/small
        pytest.param("/(group)/dynamic/[size]", "ahg52g", id="group"),
        pytest.param("/dynamic/[size]", "", id="no group"),
        pytest.param("/", "", id="root"),
    ],
)
def test_group_suffix(folders: str, suffix: str) -> None:
    assert group_suffix(folders) == suffix


def _tree(root: Path, files: dict[str, str]) -> list[tuple[str, str]]:
    for name, text in files.items():
        path = root / "app" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return [(route.display, route.pattern) for route in scan_app(root / "app")]


def test_urls_of_generated_and_static_files(tmp_path: Path) -> None:
    # The suffixes are Next.js 16.4.6's djb2Hash of "/(marketing)/about" and
    # "/(marketing)", run under node.
    found = _tree(
        tmp_path,
        {
            "robots.py": "",
            "manifest.py": "",
            "sitemap.py": "",
            "product/sitemap.py": "from lib import ids as generate_sitemaps\n",
            "icon.py": "",
            "icon2.png": "",
            "(marketing)/opengraph-image.py": "",
            "(marketing)/about/twitter-image.jpg": "",
            "blog/[slug]/opengraph-image.py": "async def generate_image_metadata(params): ...\n",
        },
    )
    assert sorted(found) == [
        ("app/(marketing)/about/twitter-image.jpg", "/about/twitter-image-1v42b1.jpg"),
        ("app/(marketing)/opengraph-image.py", "/opengraph-image-pwu6ef"),
        ("app/blog/[slug]/opengraph-image.py", "/blog/[slug]/opengraph-image/[__metadata_id__]"),
        ("app/icon.py", "/icon"),
        ("app/icon2.png", "/icon2.png"),
        ("app/manifest.py", "/manifest.webmanifest"),
        ("app/product/sitemap.py", "/product/sitemap/[__metadata_id__]"),
        ("app/robots.py", "/robots.txt"),
        ("app/sitemap.py", "/sitemap.xml"),
    ]
