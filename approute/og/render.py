"""Paint a laid-out tree on an RGBA canvas and encode it as PNG.

Each shape is drawn as a coverage mask (text, rounded corners) on a layer
no larger than its visible part, then alpha-composited: semi-transparent
colours and anti-aliased edges blend as a browser blends them, which drawing
straight onto an RGBA image would not (Pillow replaces the pixels).
"""

from __future__ import annotations

import io
import math

from approute.og._pillow import Image, ImageChops, ImageDraw
from approute.og.colours import parse_colour
from approute.og.elements import Element, Fill, Picture, Text
from approute.og.layout import Box, layout
from approute.og.lines import set_lines
from approute.og.shapes import rounded_mask

__all__ = ["render_png"]

_Region = tuple[int, int, int, int]


def render_png(root: Element, width: int, height: int, background: str | None) -> bytes:
    """The tree drawn on a ``width`` x ``height`` canvas, as PNG bytes.

    ``background=None`` leaves the canvas transparent, as Satori does.
    """
    fill = (0, 0, 0, 0) if background is None else parse_colour(background, "background")
    canvas = Image.new("RGBA", (width, height), fill)
    for element, box in layout(root, width, height):
        if isinstance(element, Text):
            _draw_text(canvas, element, box)
        elif isinstance(element, Picture):
            _draw_picture(canvas, element.image, box)
        elif element.background is not None:
            _draw_fill(canvas, element.background, element.radius, box)
    buffer = io.BytesIO()
    # optimize=False: Next.js's encoder does not search for the smallest
    # encoding either, and the search costs more than it saves here.
    canvas.save(buffer, "PNG", optimize=False)
    return buffer.getvalue()


def _visible(canvas: Image.Image, x0: int, y0: int, x1: int, y1: int) -> _Region | None:
    # Pillow clips drawing anyway; clipping first keeps layers canvas-sized.
    region = (max(x0, 0), max(y0, 0), min(x1, canvas.width), min(y1, canvas.height))
    return region if region[0] < region[2] and region[1] < region[3] else None


def _masked(layer: Image.Image, mask: Image.Image) -> Image.Image:
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), mask))
    return layer


def _draw_fill(canvas: Image.Image, fill: Fill, radius: int, box: Box) -> None:
    region = _visible(canvas, box.x, box.y, box.x + box.width, box.y + box.height)
    if region is None:
        return
    x0, y0, x1, y1 = region
    size = (x1 - x0, y1 - y0)
    if isinstance(fill, str):
        layer = Image.new("RGBA", size, parse_colour(fill, "background"))
    else:
        top, bottom = (Image.new("RGBA", size, parse_colour(c, "background")) for c in fill)
        # 0 at the box's top, 255 at its bottom, cut to the visible rows.
        ramp = Image.linear_gradient("L").resize((1, box.height), Image.Resampling.BILINEAR)
        ramp = ramp.crop((0, y0 - box.y, 1, y1 - box.y)).resize(size, Image.Resampling.NEAREST)
        layer = Image.composite(bottom, top, ramp)
    if radius:
        rect = (box.x - x0, box.y - y0, box.x + box.width - x0, box.y + box.height - y0)
        layer = _masked(layer, rounded_mask(size, rect, radius))
    canvas.alpha_composite(layer, (x0, y0))


def _draw_picture(canvas: Image.Image, image: Image.Image, box: Box) -> None:
    region = _visible(canvas, box.x, box.y, box.x + box.width, box.y + box.height)
    if region is None:
        return
    x0, y0, x1, y1 = region
    source = (x0 - box.x, y0 - box.y, x1 - box.x, y1 - box.y)
    canvas.alpha_composite(image, (x0, y0), source)


def _draw_text(canvas: Image.Image, text: Text, box: Box) -> None:
    lines = set_lines(text, box.width)
    # Glyphs may reach past their advance (italics, the faux-bold stroke) and
    # text may overflow its box (CSS overflow: visible): draw on a margin.
    margin = lines.stroke + math.ceil(text.size / 2)
    region = _visible(
        canvas,
        box.x - margin,
        box.y - margin,
        box.x + max(box.width, lines.width) + margin,
        box.y + max(box.height, lines.height) + margin,
    )
    if region is None:
        return
    x0, y0, x1, y1 = region
    mask = Image.new("L", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(mask)
    ascent, descent = lines.font.getmetrics()
    # CSS line-height: the extra space (the "leading") is split above and below.
    lead = (lines.line_height - ascent - descent) / 2
    for i, (line, line_width) in enumerate(zip(lines.lines, lines.widths, strict=True)):
        top = box.y - y0 + i * lines.line_height + lead
        if top + lines.line_height < -lines.stroke or top > mask.height + lines.stroke:
            continue
        offset = {
            "left": 0.0,
            "center": (box.width - line_width) / 2,
            "right": box.width - line_width,
        }
        left = box.x - x0 + offset[text.align] + lines.stroke
        draw.text(
            (left, top),
            line,
            fill=255,
            font=lines.font,
            anchor="la",
            stroke_width=lines.stroke,
            stroke_fill=255,
        )
    layer = Image.new("RGBA", mask.size, parse_colour(text.color, "Text color"))
    canvas.alpha_composite(_masked(layer, mask), (x0, y0))
