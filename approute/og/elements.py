"""The element tree an ``ImageResponse`` draws: ``Row``, ``Column``, ``Text``,
``Picture``, and the ``Font`` a ``Text`` uses.

Next.js's ``ImageResponse`` takes JSX styled with a subset of CSS flexbox;
Python has no JSX, so these frozen dataclasses are that subset. Every option
is checked when the tree is built (usually at a route module's import), so a
bad colour fails at startup rather than on the first request.
"""

from __future__ import annotations

import errno
import io
import os
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from approute.og._pillow import Image, ImageChops, ImageOps, UnidentifiedImageError
from approute.og.colours import parse_colour
from approute.og.fonts import load_font
from approute.og.shapes import rounded_mask

__all__ = [
    "MAX_SIZE",
    "Align",
    "Column",
    "Element",
    "Fill",
    "Fit",
    "Font",
    "Justify",
    "Padding",
    "Picture",
    "Row",
    "Text",
    "TextAlign",
    "Weight",
    "check_size",
]

Align = Literal["start", "center", "end", "stretch"]
Justify = Literal["start", "center", "end", "space-between", "space-around"]
TextAlign = Literal["left", "center", "right"]
Weight = Literal["normal", "bold"]
Fit = Literal["cover", "contain", "fill"]
# CSS's shorthand: all sides | (vertical, horizontal) | (top, horizontal,
# bottom) | (top, right, bottom, left).
Padding = int | tuple[int] | tuple[int, int] | tuple[int, int, int] | tuple[int, int, int, int]
# A colour, or (top, bottom) colours of a vertical linear gradient.
Fill = str | tuple[str, str]

# Larger images are a mistake (or an attack through a `size` query), and
# Satori/resvg cap out around there too.
MAX_SIZE: Final = 4096


def check_size(value: object, what: str) -> int:
    """``value`` if it is an int from 1 to ``MAX_SIZE``, else ``ValueError``."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_SIZE:
        raise ValueError(f"{what} must be an int from 1 to {MAX_SIZE}; got {value!r}")
    return value


def _check_length(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_SIZE:
        raise ValueError(f"{what} must be an int from 0 to {MAX_SIZE}; got {value!r}")
    return value


def _check_number(value: object, what: str, *, zero_ok: bool = False) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not (value >= 0 if zero_ok else value > 0)
        or value != value  # NaN
        or value == float("inf")
    ):
        bound = "0 or more" if zero_ok else "more than 0"
        raise ValueError(f"{what} must be a number {bound}; got {value!r}")
    return value


def _check_choice(value: object, choices: object, what: str) -> None:
    allowed: tuple[str, ...] = get_args(choices)
    if value not in allowed:
        raise ValueError(f"{what} must be one of {', '.join(allowed)}; got {value!r}")


def _check_padding(value: object) -> tuple[int, int, int, int]:
    sides = value if isinstance(value, tuple) else (value,)
    if not 1 <= len(sides) <= 4:
        raise ValueError(f"padding takes 1 to 4 values, as CSS; got {value!r}")
    top, right, bottom, left = {
        1: (0, 0, 0, 0),
        2: (0, 1, 0, 1),
        3: (0, 1, 2, 1),
        4: (0, 1, 2, 3),
    }[len(sides)]
    checked = [_check_length(side, "padding") for side in sides]
    return (checked[top], checked[right], checked[bottom], checked[left])


def _check_fill(value: object) -> Fill | None:
    if value is None:
        return None
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"background gradient is (top, bottom) colours; got {value!r}")
        parse_colour(value[0], "background")
        parse_colour(value[1], "background")
        return (value[0], value[1])
    parse_colour(value, "background")
    return str(value)


@dataclass(frozen=True, slots=True, init=False)
class Font:
    """A font file (TTF, OTF or WOFF) for ``Text``, and the weight it is.

        Text("Title", font=Font("fonts/Inter-Bold.ttf", weight="bold"), weight="bold")

    A missing file is a ``FileNotFoundError`` naming it. ``Text(weight="bold")``
    in a font marked ``"normal"`` is drawn faux bold.
    """

    path: str
    weight: Weight

    def __init__(self, path: str | os.PathLike[str], *, weight: Weight = "normal") -> None:
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, "font file not found", path)
        _check_choice(weight, Weight, "Font weight")
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "weight", weight)


@dataclass(frozen=True, slots=True, init=False)
class Text:
    """Text that wraps at word boundaries to the width its container gives it.

        Text("Hello, world", size=64, color="white", weight="bold", max_lines=2)

    A word longer than a line breaks between characters; ``max_lines`` cuts
    the rest and ends the last line with "…". ``align`` places each line in
    the text's own box: give it a wide box with the container's
    ``align="stretch"``. ``font=None`` is Pillow's bundled font (Aileron),
    which has no bold face: bold is then drawn with a stroke of the text's
    colour about ``size / 30`` wide (faux bold), as it is for a ``Font`` not
    marked bold.
    """

    text: str
    size: float
    color: str
    font: Font | None
    weight: Weight
    align: TextAlign
    line_height: float
    max_lines: int | None

    def __init__(
        self,
        text: str,
        *,
        size: float = 32,
        color: str = "#000",
        font: Font | str | os.PathLike[str] | None = None,
        weight: Weight = "normal",
        align: TextAlign = "left",
        line_height: float = 1.2,
        max_lines: int | None = None,
    ) -> None:
        if not isinstance(text, str):
            raise TypeError(f"Text takes a str; got {type(text).__name__}")
        _check_number(size, "Text size")
        parse_colour(color, "Text color")
        if font is not None and not isinstance(font, Font):
            font = Font(font)
        _check_choice(weight, Weight, "Text weight")
        _check_choice(align, TextAlign, "Text align")
        _check_number(line_height, "Text line_height")
        if max_lines is not None:
            check_size(max_lines, "Text max_lines")
        if font is not None:
            try:
                load_font(font.path, size)  # cached: drawing reuses it
            except OSError as err:
                raise ValueError(f"font {font.path!r}: Pillow cannot read it ({err})") from err
        for name, value in (
            ("text", text),
            ("size", size),
            ("color", color),
            ("font", font),
            ("weight", weight),
            ("align", align),
            ("line_height", line_height),
            ("max_lines", max_lines),
        ):
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True, init=False)
class _Flex:
    children: tuple[Element, ...]
    gap: int
    padding: tuple[int, int, int, int]
    background: Fill | None
    align: Align
    justify: Justify
    width: int | None
    height: int | None
    radius: int
    grow: float

    def __init__(
        self,
        *children: Element,
        gap: int = 0,
        padding: Padding = 0,
        background: Fill | None = None,
        align: Align = "start",
        justify: Justify = "start",
        width: int | None = None,
        height: int | None = None,
        radius: int = 0,
        grow: float = 0,
    ) -> None:
        kind = type(self).__name__
        for child in children:
            if not isinstance(child, Row | Column | Text | Picture):
                hint = " (wrap text in Text(...))" if isinstance(child, str) else ""
                raise TypeError(
                    f"{kind} children are Row, Column, Text or Picture; "
                    f"got {type(child).__name__}{hint}"
                )
        _check_choice(align, Align, f"{kind} align")
        _check_choice(justify, Justify, f"{kind} justify")
        for name, value in (
            ("children", children),
            ("gap", _check_length(gap, f"{kind} gap")),
            ("padding", _check_padding(padding)),
            ("background", _check_fill(background)),
            ("align", align),
            ("justify", justify),
            ("width", None if width is None else check_size(width, f"{kind} width")),
            ("height", None if height is None else check_size(height, f"{kind} height")),
            ("radius", _check_length(radius, f"{kind} radius")),
            ("grow", _check_number(grow, f"{kind} grow", zero_ok=True)),
        ):
            object.__setattr__(self, name, value)


@dataclass(frozen=True, slots=True, init=False)
class Row(_Flex):
    """Children side by side, left to right (CSS ``display: flex``).

        Row(Picture("avatar.png", width=64, height=64), Text("@ada"), gap=16, align="center")

    ``justify`` places them along the row, ``align`` across it; ``grow``
    shares the row's free width among children like ``flex-grow``; children
    wider than the row shrink (their text wraps), as ``flex-shrink: 1``.
    ``padding`` is CSS's; ``width``/``height`` include it (``border-box``).
    """


@dataclass(frozen=True, slots=True, init=False)
class Column(_Flex):
    """Children stacked top to bottom (CSS ``flex-direction: column``).

        Column(Text("Title", size=64), Text("Subtitle"), padding=48, background="#0b1220")

    The options are ``Row``'s, with the main axis vertical.
    """


@dataclass(frozen=True, slots=True, init=False)
class Picture:
    """A raster image (PNG, JPEG, WebP, …) drawn at ``width`` x ``height``.

        Picture("public/logo.png", width=128, height=128, radius=64)

    ``src`` is a file path (relative to the working directory, as Next.js's
    ``readFile`` in an image route) or the encoded bytes; it is decoded and fitted
    once, here. ``fit`` is CSS's ``object-fit``: ``"cover"`` crops,
    ``"contain"`` letterboxes, ``"fill"`` stretches.
    """

    src: bytes | str
    width: int
    height: int
    fit: Fit
    radius: int
    image: Image.Image = field(repr=False, compare=False)

    def __init__(
        self,
        src: bytes | str | os.PathLike[str],
        *,
        width: int,
        height: int,
        fit: Fit = "cover",
        radius: int = 0,
    ) -> None:
        source = bytes(src) if isinstance(src, bytes | bytearray) else os.fspath(src)
        check_size(width, "Picture width")
        check_size(height, "Picture height")
        _check_choice(fit, Fit, "Picture fit")
        _check_length(radius, "Picture radius")
        for name, value in (
            ("src", source),
            ("width", width),
            ("height", height),
            ("fit", fit),
            ("radius", radius),
            ("image", _fitted(source, (width, height), fit, radius)),
        ):
            object.__setattr__(self, name, value)


def _fitted(src: bytes | str, size: tuple[int, int], fit: Fit, radius: int) -> Image.Image:
    what = f"{len(src)} bytes" if isinstance(src, bytes) else repr(src)
    try:
        with Image.open(io.BytesIO(src) if isinstance(src, bytes) else src) as opened:
            # Browsers honour the EXIF orientation of photos; so do we.
            image = ImageOps.exif_transpose(opened).convert("RGBA")
    except UnidentifiedImageError as err:
        raise ValueError(f"Picture: {what} is not an image Pillow can read") from err
    if fit == "cover":
        image = ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    elif fit == "contain":
        image = ImageOps.pad(image, size, Image.Resampling.LANCZOS, color=(0, 0, 0, 0))
    else:
        image = image.resize(size, Image.Resampling.LANCZOS)
    if radius:
        mask = rounded_mask(size, (0, 0, *size), radius)
        image.putalpha(ImageChops.multiply(image.getchannel("A"), mask))
    return image


Element = Row | Column | Text | Picture
