"""``ImageResponse``: an element tree drawn to a PNG response."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from approute.http.headers import Headers
from approute.http.response import HeadersInit, Response
from approute.og.colours import parse_colour
from approute.og.elements import Column, Element, Picture, Row, Text, check_size
from approute.og.render import render_png

__all__ = ["ImageResponse"]

# What Next.js's ImageResponse sends in production (16.x): the image may be
# stored, but is checked with the server on every use.
_DEFAULT_HEADERS: Final = (
    ("content-type", "image/png"),
    ("cache-control", "public, max-age=0, must-revalidate"),
)


def _canvas_size(size: tuple[int, int] | Mapping[str, object]) -> tuple[object, object]:
    if isinstance(size, Mapping):
        if "width" not in size or "height" not in size:
            raise ValueError(f'size needs "width" and "height"; got {dict(size)!r}')
        return size["width"], size["height"]
    if not isinstance(size, tuple | list) or len(size) != 2:
        raise ValueError(f"size is (width, height) or a width/height mapping; got {size!r}")
    return size[0], size[1]


class ImageResponse(Response):
    """A PNG drawn from an element tree, as Next.js's ``ImageResponse`` (``next/og``).

        from approute.og import Column, ImageResponse, Text

        def GET(request):
            return ImageResponse(
                Column(Text("Hello", size=96, color="white"), background="#0b1220",
                       align="center", justify="center"),
            )

    1200 x 630 by default; ``size`` (a tuple, or a metadata route's
    ``{"width": ..., "height": ...}``) overrides ``width``/``height``. The
    canvas is transparent unless ``background`` is given. The image is drawn
    here, in the constructor (CPU-bound: tens of milliseconds for a card).
    ``headers`` are set over the defaults (``content-type: image/png``,
    ``cache-control: public, max-age=0, must-revalidate``).
    """

    __slots__ = ()

    def __init__(
        self,
        element: Element,
        *,
        width: int = 1200,
        height: int = 630,
        size: tuple[int, int] | Mapping[str, object] | None = None,
        background: str | None = None,
        status: int = 200,
        headers: HeadersInit | None = None,
    ) -> None:
        if not isinstance(element, Row | Column | Text | Picture):
            raise TypeError(
                f"ImageResponse draws a Row, Column, Text or Picture; got {type(element).__name__}"
            )
        given = (width, height) if size is None else _canvas_size(size)
        width = check_size(given[0], "ImageResponse width")
        height = check_size(given[1], "ImageResponse height")
        if background is not None:
            parse_colour(background, "background")
        merged = Headers(headers)
        for name, value in _DEFAULT_HEADERS:
            if not merged.has(name):
                merged.set(name, value)
        super().__init__(
            render_png(element, width, height, background), status=status, headers=merged
        )
