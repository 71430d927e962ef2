"""GET /opengraph-image — the link-preview card, drawn with Pillow
(``pip install 'approute[images]'``). Static: rendered once by
``approute build`` (or on the first request) and served from the cache."""

from approute.metadata import ImageSize
from approute.og import Column, ImageResponse, Row, Text

alt = "approute — Next.js route handlers for Python"
size: ImageSize = {"width": 1200, "height": 630}
content_type = "image/png"


def image() -> ImageResponse:
    return ImageResponse(
        Column(
            Text("approute", size=112, color="white", weight="bold"),
            Text(
                "Next.js App Router's route handlers and middleware, for Python.",
                size=44,
                color="#cbd5e1",
                max_lines=2,
            ),
            Row(
                Text("app/api/users/[id]/route.py", size=32, color="#38bdf8"),
                Text("serves GET /api/users/42", size=32, color="#94a3b8"),
                gap=24,
            ),
            background=("#0b1220", "#1e293b"),
            padding=(72, 88),
            gap=28,
            justify="center",
        ),
        size=size,
    )
