"""Which files in ``app/`` are metadata routes, and the URL each one serves.

Next.js 16's conventions, file by file:

=====================  ===========================  ==========================
file                   where                        URL
=====================  ===========================  ==========================
robots.py / .txt       app/ only                    /robots.txt
manifest.py            app/ only                    /manifest.webmanifest
manifest.json          app/ only                    /manifest.json
manifest.webmanifest   app/ only                    /manifest.webmanifest
favicon.ico            app/ only                    /favicon.ico
sitemap.py / .xml      any folder                   <folder>/sitemap.xml
icon.py, icon2.png…    any folder                   <folder>/icon, <folder>/icon2.png
apple-icon…, opengraph-image…, twitter-image…   as icon
=====================  ===========================  ==========================

A generated sitemap with ``generate_sitemaps()`` serves
``<folder>/sitemap/<id>.xml``, a generated image with
``generate_image_metadata()`` ``<folder>/icon/<id>``. An image below a route
group ``(x)`` gets a suffix from a hash of its folder path
(``/dynamic/big/icon-ahg52g``), so two groups' images never share a URL;
sitemaps never do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "IMAGE_NAMES",
    "METADATA_ID",
    "STATIC_FILE_GLOBS",
    "MetadataFile",
    "group_suffix",
    "metadata_file",
]

MetadataName = Literal[
    "robots",
    "manifest",
    "favicon",
    "sitemap",
    "icon",
    "apple-icon",
    "opengraph-image",
    "twitter-image",
]

IMAGE_NAMES: Final = ("icon", "apple-icon", "opengraph-image", "twitter-image")

# The param a generated sitemap or image is selected by (Next.js's name).
METADATA_ID: Final = "__metadata_id__"

# Static extensions per name (Next.js 16.4.6's lists); ".py" is generated.
_STATIC_EXTENSIONS: Final[dict[str, tuple[str, ...]]] = {
    "robots": ("txt",),
    "manifest": ("json", "webmanifest"),
    "favicon": ("ico",),
    "sitemap": ("xml",),
    "icon": ("ico", "jpg", "jpeg", "png", "svg"),
    "apple-icon": ("jpg", "jpeg", "png"),
    "opengraph-image": ("jpg", "jpeg", "png", "gif"),
    "twitter-image": ("jpg", "jpeg", "png", "gif"),
}
# For a file watcher (approute dev reloads when one changes).
STATIC_FILE_GLOBS: Final = tuple(
    f"{name}{'*' if name in IMAGE_NAMES else ''}.{ext}"
    for name, extensions in _STATIC_EXTENSIONS.items()
    for ext in extensions
)
_ROOT_ONLY: Final = frozenset({"robots", "manifest", "favicon"})
_NOT_GENERATED: Final = frozenset({"favicon"})

# name, then a one-digit variant for images (icon1.png), then the extension.
_FILE_NAME: Final = re.compile(
    r"(?P<name>robots|manifest|favicon|sitemap|icon|apple-icon|opengraph-image|twitter-image)"
    r"(?P<variant>\d?)\.(?P<ext>[a-z]+)"
)


@dataclass(frozen=True, slots=True)
class MetadataFile:
    """One metadata route file: ``icon2.png`` is name ``icon``, stem ``icon2``,
    extension ``png``; ``robots.py`` is generated (``ext == "py"``)."""

    name: MetadataName
    stem: str
    ext: str

    @property
    def generated(self) -> bool:
        """A Python module that computes the route (rather than a file served as is)."""
        return self.ext == "py"

    @property
    def is_image(self) -> bool:
        """icon, apple-icon, opengraph-image or twitter-image."""
        return self.name in IMAGE_NAMES

    @property
    def lister(self) -> str | None:
        """The function a generated module may define to serve several files
        (``generate_sitemaps``, ``generate_image_metadata``)."""
        if not self.generated:
            return None
        if self.name == "sitemap":
            return "generate_sitemaps"
        return "generate_image_metadata" if self.is_image else None

    def url_name(self, folders: str) -> str:
        """The last URL segment for this file in app folder path ``folders``
        (``/(group)/blog``, groups kept), before any ``/<id>`` segment."""
        if self.name == "manifest" and self.generated:
            return "manifest.webmanifest"
        if self.name in ("robots", "sitemap") and self.generated:
            return f"{self.name}.{'txt' if self.name == 'robots' else 'xml'}"
        suffix = group_suffix(folders) if self.is_image else ""
        stem = f"{self.stem}-{suffix}" if suffix else self.stem
        return stem if self.generated else f"{stem}.{self.ext}"


def metadata_file(file_name: str, *, at_root: bool) -> MetadataFile | None:
    """The metadata route ``file_name`` stands for, or None when it is not one.

    >>> metadata_file("icon2.png", at_root=False)
    MetadataFile(name='icon', stem='icon2', ext='png')
    >>> metadata_file("robots.py", at_root=False) is None  # app/ only
    True
    """
    match = _FILE_NAME.fullmatch(file_name)
    if match is None:
        return None
    name, variant, ext = match.group("name", "variant", "ext")
    if variant and name not in IMAGE_NAMES:
        return None
    if name in _ROOT_ONLY and not at_root:
        return None
    if ext == "py":
        if name in _NOT_GENERATED:
            return None
    elif ext not in _STATIC_EXTENSIONS[name]:
        return None
    return MetadataFile(name=name, stem=name + variant, ext=ext)  # type: ignore[arg-type]  # the regex's names


def group_suffix(folders: str) -> str:
    """Next.js's suffix for an image below a route group or ``@slot``
    folder: the first six base-36 digits of the djb2 hash of the folder path
    (``/(group)/dynamic/[size]`` → ``ahg52g``); empty elsewhere."""
    if not any(part.startswith(("(", "@")) for part in folders.split("/")):
        return ""
    return _base36(_djb2(folders))[:6]


def _djb2(text: str) -> int:
    # JavaScript hashes UTF-16 code units: a character outside the BMP counts twice.
    units = text.encode("utf-16-le")
    value = 5381
    for index in range(0, len(units), 2):
        value = (value * 33 + (units[index] | units[index + 1] << 8)) & 0xFFFFFFFF
    return value


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if not number:
            return text
