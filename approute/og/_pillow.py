"""Pillow, or the error that says how to install it.

Imported by every module of ``approute.og``, so ``import approute.og`` (in a
user's ``opengraph-image.py``, say) fails at startup with the fix, not on the
first request.
"""

from __future__ import annotations

try:
    from PIL import (
        Image,
        ImageChops,
        ImageColor,
        ImageDraw,
        ImageFont,
        ImageOps,
        UnidentifiedImageError,
    )
except ImportError as err:
    raise ImportError("approute.og needs Pillow: pip install 'approute[images]'") from err

__all__ = [
    "Image",
    "ImageChops",
    "ImageColor",
    "ImageDraw",
    "ImageFont",
    "ImageOps",
    "UnidentifiedImageError",
]
