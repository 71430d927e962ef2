"""Colour strings (anything Pillow's ``ImageColor`` reads) parsed to RGBA once."""

from __future__ import annotations

import functools

from approute.og._pillow import ImageColor

__all__ = ["RGBA", "parse_colour"]

RGBA = tuple[int, int, int, int]


@functools.lru_cache(maxsize=256)
def _rgba(value: str) -> RGBA:
    rgb = ImageColor.getrgb(value)
    return (rgb[0], rgb[1], rgb[2], rgb[3] if len(rgb) == 4 else 255)


def parse_colour(value: object, what: str) -> RGBA:
    """``value`` as ``(r, g, b, a)``; ``ValueError`` naming ``what`` and the value.

    >>> parse_colour("#0b1220", "background")
    (11, 18, 32, 255)
    """
    if not isinstance(value, str):
        raise ValueError(f"{what}: a colour is a string such as '#0b1220'; got {value!r}")
    try:
        return _rgba(value)
    except ValueError:
        raise ValueError(f"{what}: unknown colour {value!r}") from None
