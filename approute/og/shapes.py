"""Anti-aliased rounded-rectangle masks (Pillow draws its shapes aliased)."""

from __future__ import annotations

from typing import Final

from approute.og._pillow import Image, ImageDraw

__all__ = ["rounded_mask"]

# Drawn this many times larger, then box-filtered down: smooth corners for
# the cost of one mask, only when a radius asks for them.
_SUPERSAMPLE: Final = 4


def rounded_mask(
    size: tuple[int, int], rect: tuple[int, int, int, int], radius: int
) -> Image.Image:
    """An ``L`` mask of ``size``: 255 inside ``rect`` (x0, y0, x1, y1; x1/y1
    exclusive, may lie outside the mask) with corners of ``radius``.

    The radius is clamped to half the shorter side, as CSS does.
    """
    x0, y0, x1, y1 = rect
    radius = max(0, min(radius, (x1 - x0) // 2, (y1 - y0) // 2))
    if radius == 0:
        mask = Image.new("L", size, 0)
        ImageDraw.Draw(mask).rectangle((x0, y0, x1 - 1, y1 - 1), fill=255)
        return mask
    s = _SUPERSAMPLE
    big = Image.new("L", (size[0] * s, size[1] * s), 0)
    ImageDraw.Draw(big).rounded_rectangle(
        (x0 * s, y0 * s, x1 * s - 1, y1 * s - 1), radius=radius * s, fill=255
    )
    return big.reduce(s)
