"""``ImageResponse``: PNG images drawn with Pillow, as Next.js's ``next/og``.

    # app/og/route.py
    from approute.og import Column, ImageResponse, Row, Text

    def GET(request):
        title = request.next_url.search_params.get("title") or "approute"
        return ImageResponse(
            Column(
                Text(title, size=72, color="white", weight="bold", max_lines=2),
                Row(Text("approute.dev", size=28, color="#94a3b8")),
                background=("#0b1220", "#1e293b"),
                padding=(64, 80),
                justify="space-between",
            )
        )

Next.js draws JSX with CSS flexbox (Satori); Python has no JSX, so the tree
is built from ``Row``, ``Column``, ``Text`` and ``Picture`` with a small,
checked set of flexbox options (docstrings of each). Needs Pillow
(``pip install 'approute[images]'``): importing this module without it
raises ``ImportError`` saying so.
"""

from __future__ import annotations

from approute.og.elements import Column, Element, Font, Picture, Row, Text
from approute.og.response import ImageResponse

__all__ = ["Column", "Element", "Font", "ImageResponse", "Picture", "Row", "Text"]
