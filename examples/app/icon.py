"""GET /icon — the site icon, a 32 x 32 PNG drawn at build time."""

from approute.metadata import ImageSize
from approute.og import Column, ImageResponse, Text

size: ImageSize = {"width": 32, "height": 32}
content_type = "image/png"


def icon() -> ImageResponse:
    return ImageResponse(
        Column(
            Text("a", size=26, color="white", weight="bold"),
            background="#0ea5e9",
            radius=8,
            align="center",
            justify="center",
        ),
        size=size,
    )
