"""A ``Text`` broken into lines for a width: what layout measures and render
draws (one function, so the two always agree)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Final

from approute.og._pillow import ImageFont
from approute.og.elements import Text
from approute.og.fonts import faux_bold_stroke, load_font

__all__ = ["TextLines", "set_lines"]

_ELLIPSIS: Final = "…"


@dataclass(frozen=True, slots=True, eq=False)
class TextLines:
    """A text's lines at one width, with the font and stroke that draw them."""

    font: ImageFont.FreeTypeFont
    lines: tuple[str, ...]
    # Pixel width of each line, the faux-bold stroke on both sides included.
    widths: tuple[int, ...]
    line_height: int
    stroke: int

    @property
    def width(self) -> int:
        """The widest line's width."""
        return max(self.widths)

    @property
    def height(self) -> int:
        """All the lines' height."""
        return len(self.lines) * self.line_height


@functools.lru_cache(maxsize=1024)
def set_lines(text: Text, width: int) -> TextLines:
    """``text`` wrapped to ``width`` pixels (kept: elements are built once and
    drawn on every request)."""
    font = load_font(None if text.font is None else text.font.path, text.size)
    bold = text.weight == "bold" and (text.font is None or text.font.weight != "bold")
    stroke = faux_bold_stroke(text.size) if bold else 0
    room = max(0, width - 2 * stroke)
    lines = _wrap(font, text.text, room)
    if text.max_lines is not None and len(lines) > text.max_lines:
        lines = [*lines[: text.max_lines - 1], _ellipsize(font, lines[text.max_lines - 1], room)]
    return TextLines(
        font=font,
        lines=tuple(lines),
        widths=tuple(math.ceil(font.getlength(line)) + 2 * stroke for line in lines),
        line_height=max(1, round(text.size * text.line_height)),
        stroke=stroke,
    )


def _wrap(font: ImageFont.FreeTypeFont, text: str, width: int) -> list[str]:
    # CSS's white-space: normal, except that "\n" still breaks a line.
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = word
            # overflow-wrap: break-word — a word wider than the line breaks anywhere.
            while len(line) > 1 and font.getlength(line) > width:
                cut = _fitting_prefix(font, line, width)
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines


def _fitting_prefix(font: ImageFont.FreeTypeFont, word: str, width: int) -> int:
    """How many leading characters of ``word`` fit in ``width`` (at least one)."""
    low, high = 1, len(word)
    while low < high:
        mid = (low + high + 1) // 2
        if font.getlength(word[:mid]) <= width:
            low = mid
        else:
            high = mid - 1
    return low


def _ellipsize(font: ImageFont.FreeTypeFont, line: str, width: int) -> str:
    # The last kept line always ends in "…" (text-overflow: ellipsis), even
    # when it was short: the text goes on after it.
    line = line.rstrip()
    while line and font.getlength(line + _ELLIPSIS) > width:
        line = line[:-1].rstrip()
    return line + _ELLIPSIS
