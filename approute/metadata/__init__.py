"""Metadata routes: ``robots.py``, ``sitemap.py``, ``manifest.py``, the
image routes and the static metadata files in ``app/`` (docs/metadata.md).

The types a metadata module returns are public here; the rest of the
package (the writers and the route builder) is approute's own.
"""

from __future__ import annotations

from approute.metadata.types import (
    ImageMetadata,
    ImageSize,
    Manifest,
    ManifestIcon,
    Robots,
    RobotsRule,
    Sitemap,
    SitemapAlternates,
    SitemapEntry,
    SitemapId,
    SitemapVideo,
)

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
