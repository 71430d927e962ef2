"""``sitemap()``'s list → ``sitemap.xml``, as Next.js writes it.

    def sitemap():
        return [
            {"url": "https://acme.com", "last_modified": date(2024, 1, 1),
             "change_frequency": "yearly", "priority": 1},
        ]

Keys are Next.js's in snake_case: ``url``, ``last_modified`` (a
``datetime``, ``date`` or str), ``change_frequency``, ``priority``,
``alternates`` (``{"languages": {"de": url}}``), ``images`` (URLs) and
``videos`` (dicts with Google's video sitemap keys, as in Next.js). The
layout, namespaces and element order are Next.js's; unlike Next.js, text
is XML-escaped, so a URL with ``&`` still makes a valid document.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from xml.sax.saxutils import escape, quoteattr

from approute.metadata.shape import Shape

__all__ = ["render_sitemap"]

_ENTRY_KEYS: Final = (
    "url",
    "last_modified",
    "change_frequency",
    "priority",
    "alternates",
    "images",
    "videos",
)
_VIDEO_REQUIRED: Final = ("title", "thumbnail_loc", "description")
# Written when truthy, in this order (Next.js's).
_VIDEO_OPTIONAL: Final = (
    "content_loc",
    "player_loc",
    "duration",
    "view_count",
    "tag",
    "rating",
    "expiration_date",
    "publication_date",
    "family_friendly",
    "requires_subscription",
    "live",
)
_VIDEO_RELATIONS: Final = ("restriction", "platform")
_VIDEO_KEYS: Final = (*_VIDEO_REQUIRED, *_VIDEO_OPTIONAL, *_VIDEO_RELATIONS, "uploader")
_CHANGE_FREQUENCIES: Final = ("always", "hourly", "daily", "weekly", "monthly", "yearly", "never")


def render_sitemap(data: object, where: str) -> str:
    """The ``sitemap.xml`` document for ``data``; a wrong shape raises
    :class:`~approute.metadata.shape.MetadataShapeError` naming ``where``
    and the key."""
    shape = Shape(where, "sitemap()")
    entries = [
        (shape.item(index), shape.item(index).mapping(entry, _ENTRY_KEYS, required=("url",)))
        for index, entry in enumerate(shape.items(data))
    ]
    has_alternates = any(entry.get("alternates") for _, entry in entries)
    has_images = any(entry.get("images") for _, entry in entries)
    has_videos = any(entry.get("videos") for _, entry in entries)
    head = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if has_images:
        head += ' xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
    if has_videos:
        head += ' xmlns:video="http://www.google.com/schemas/sitemap-video/1.1"'
    if has_alternates:
        head += ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    content = ['<?xml version="1.0" encoding="UTF-8"?>\n', head, ">\n"]
    for place, entry in entries:
        content.append(_url(place, entry))
    content.append("</urlset>\n")
    return "".join(content)


def _url(shape: Shape, entry: Mapping[str, Any]) -> str:
    parts = ["<url>\n", f"<loc>{_text(shape.key('url'), entry['url'])}</loc>\n"]
    alternates = entry.get("alternates")
    if alternates:
        languages = shape.key("alternates").mapping(alternates, ("languages",)).get("languages")
        if languages:
            place = shape.key("alternates").key("languages")
            for language, href in place.mapping(languages, None).items():
                parts.append(
                    f'<xhtml:link rel="alternate" hreflang={quoteattr(language)} '
                    f"href={quoteattr(place.key(language).text(href))} />\n"
                )
    if entry.get("images"):
        place = shape.key("images")
        for index, image in enumerate(place.items(entry["images"])):
            loc = _text(place.item(index), image)
            parts.append(f"<image:image>\n<image:loc>{loc}</image:loc>\n</image:image>\n")
    if entry.get("videos"):
        place = shape.key("videos")
        for index, video in enumerate(place.items(entry["videos"])):
            parts.append(_video(place.item(index), video))
    if entry.get("last_modified"):
        parts.append(f"<lastmod>{_last_modified(shape, entry['last_modified'])}</lastmod>\n")
    frequency = entry.get("change_frequency")
    if frequency:
        if frequency not in _CHANGE_FREQUENCIES:
            raise shape.key("change_frequency").error(
                f"expected one of {', '.join(_CHANGE_FREQUENCIES)}; got {frequency!r}"
            )
        parts.append(f"<changefreq>{frequency}</changefreq>\n")
    priority = entry.get("priority")
    if priority is not None:
        if isinstance(priority, bool) or not isinstance(priority, int | float):
            raise shape.key("priority").error(f"expected a number; got {priority!r}")
        parts.append(f"<priority>{shape.key('priority').text(priority)}</priority>\n")
    parts.append("</url>\n")
    return "".join(parts)


def _video(shape: Shape, value: object) -> str:
    video = shape.mapping(value, _VIDEO_KEYS, required=_VIDEO_REQUIRED)
    fields = ["<video:video>"]
    for key in (*_VIDEO_REQUIRED, *_VIDEO_OPTIONAL):
        if key in _VIDEO_REQUIRED or video.get(key):
            fields.append(f"<video:{key}>{_text(shape.key(key), video[key])}</video:{key}>")
    for key in _VIDEO_RELATIONS:
        if video.get(key):
            place = shape.key(key)
            relation = place.mapping(
                video[key], ("relationship", "content"), required=("relationship", "content")
            )
            kind = quoteattr(place.key("relationship").text(relation["relationship"]))
            content = _text(place.key("content"), relation["content"])
            fields.append(f"<video:{key} relationship={kind}>{content}</video:{key}>")
    if video.get("uploader"):
        place = shape.key("uploader")
        uploader = place.mapping(video["uploader"], ("info", "content"), required=("content",))
        info = uploader.get("info")
        attribute = f" info={quoteattr(place.key('info').text(info))}" if info else ""
        fields.append(
            f"<video:uploader{attribute}>{_text(place.key('content'), uploader['content'])}"
            "</video:uploader>"
        )
    fields.append("</video:video>\n")
    return "\n".join(fields)


def _text(shape: Shape, value: object) -> str:
    return escape(shape.text(value))


def _last_modified(shape: Shape, value: object) -> str:
    """A ``datetime`` as JavaScript's ``toISOString()`` (UTC, milliseconds,
    ``Z``; a naive one is taken as UTC); a ``date`` as ``YYYY-MM-DD``; a str as is."""
    if isinstance(value, datetime):
        moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return escape(value)
    raise shape.key("last_modified").error(
        f"expected a datetime, date or str; got {type(value).__name__}"
    )
