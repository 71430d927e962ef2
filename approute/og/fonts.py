"""Fonts, loaded once per (file, size) and kept: a route draws the same few
fonts on every request."""

from __future__ import annotations

import functools

from approute.og._pillow import ImageFont

__all__ = ["faux_bold_stroke", "load_font"]


@functools.lru_cache(maxsize=64)
def load_font(path: str | None, size: float) -> ImageFont.FreeTypeFont:
    """The font file at ``path`` (TTF, OTF, WOFF) at ``size`` pixels; ``None``
    is Pillow's bundled scalable default (Aileron Regular).

    Raises ``OSError`` for a file FreeType cannot read.
    """
    font = ImageFont.load_default(size) if path is None else ImageFont.truetype(path, size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        # load_default() falls back to a fixed-size bitmap font without FreeType.
        raise ImportError("approute.og needs Pillow built with FreeType (the PyPI wheels are)")
    return font


def faux_bold_stroke(size: float) -> int:
    """The stroke width that fakes a bold weight at ``size`` pixels.

    Pillow bundles no bold face, so bold text in the default font (or in a
    ``Font`` that is not marked bold) is drawn with a stroke of its own
    colour about a thirtieth of its size wide: close to a real bold's stem.
    """
    return max(1, round(size / 30))
