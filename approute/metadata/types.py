"""The shapes a metadata module returns, for type checkers (Next.js's
``MetadataRoute.Robots``, ``.Sitemap``, ``.Manifest`` in snake_case).

    from approute.metadata import Robots

    def robots() -> Robots:
        return {"rules": {"user_agent": "*", "allow": "/"}}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Required, TypedDict

__all__ = [
    "ImageMetadata",
    "ImageSize",
    "Manifest",
    "ManifestIcon",
    "Robots",
    "RobotsRule",
    "Sitemap",
    "SitemapAlternates",
    "SitemapEntry",
    "SitemapId",
    "SitemapVideo",
]

Number = int | float
ChangeFrequency = Literal["always", "hourly", "daily", "weekly", "monthly", "yearly", "never"]


class RobotsRule(TypedDict, total=False):
    """One group of ``robots.txt`` lines (``User-Agent: *`` when no agent)."""

    user_agent: str | list[str]
    allow: str | list[str]
    disallow: str | list[str]
    crawl_delay: Number
    other: dict[str, str | Number | list[str | Number]]  # non-standard directives


class Robots(TypedDict, total=False):
    """What ``robots()`` returns."""

    rules: Required[RobotsRule | list[RobotsRule]]
    sitemap: str | list[str]
    host: str


class SitemapAlternates(TypedDict, total=False):
    """Other languages of one URL: ``{"languages": {"de": "https://…/de"}}``."""

    languages: dict[str, str]


class _Relation(TypedDict):
    relationship: Literal["allow", "deny"]
    content: str


class _Uploader(TypedDict, total=False):
    info: str
    content: Required[str]


class SitemapVideo(TypedDict, total=False):
    """A video of one URL (Google's video sitemap keys)."""

    title: Required[str]
    thumbnail_loc: Required[str]
    description: Required[str]
    content_loc: str
    player_loc: str
    duration: Number
    view_count: Number
    tag: str
    rating: Number
    expiration_date: str
    publication_date: str
    family_friendly: Literal["yes", "no"]
    requires_subscription: Literal["yes", "no"]
    live: Literal["yes", "no"]
    restriction: _Relation
    platform: _Relation
    uploader: _Uploader


class SitemapEntry(TypedDict, total=False):
    """One ``<url>`` of a sitemap."""

    url: Required[str]
    last_modified: datetime | date | str
    change_frequency: ChangeFrequency
    priority: Number
    alternates: SitemapAlternates
    images: list[str]
    videos: list[SitemapVideo]


Sitemap = list[SitemapEntry]
"""What ``sitemap()`` returns."""


class SitemapId(TypedDict):
    """One item of ``generate_sitemaps()``: served at ``…/sitemap/<id>.xml``."""

    id: str | int


class ManifestIcon(TypedDict, total=False):
    """An icon of the web app manifest."""

    src: Required[str]
    sizes: str
    type: str
    purpose: str


class Manifest(TypedDict, total=False):
    """What ``manifest()`` returns: the web app manifest's common members."""

    name: str
    short_name: str
    description: str
    id: str
    start_url: str
    scope: str
    display: Literal["fullscreen", "standalone", "minimal-ui", "browser"]
    display_override: list[str]
    orientation: str
    background_color: str
    theme_color: str
    lang: str
    dir: Literal["ltr", "rtl", "auto"]
    icons: list[ManifestIcon]
    screenshots: list[ManifestIcon]
    categories: list[str]
    shortcuts: list[dict[str, object]]
    related_applications: list[dict[str, object]]
    prefer_related_applications: bool


class ImageSize(TypedDict):
    """An image's size in pixels (the ``size`` export)."""

    width: int
    height: int


class ImageMetadata(TypedDict, total=False):
    """One item of ``generate_image_metadata()``: served at ``…/icon/<id>``."""

    id: Required[str | int]
    alt: str
    size: ImageSize
    content_type: str
