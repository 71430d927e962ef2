"""The error page of ``approute dev``: what went wrong, readable where it is
read. A browser (``Accept`` with ``text/html``) gets an HTML page with the
text escaped; curl and test clients get the same text as ``text/plain``.
Production never shows it (a 500 there is empty, as Next.js's)."""

from __future__ import annotations

import traceback
from html import escape
from typing import Final

from approute.http.response import Response

__all__ = ["dev_error_response", "error_text"]

_STYLE: Final = (
    "body{font:15px/1.5 system-ui,sans-serif;margin:2rem;color:#222}"
    "h1{font-size:1.3rem;color:#b00020}"
    "pre{background:#fff4f4;border:1px solid #f3c4c4;padding:1rem;"
    "white-space:pre-wrap;overflow-wrap:anywhere}"
    "p{color:#666}"
)


def error_text(error: BaseException) -> str:
    """``error`` with its traceback, as Python prints it."""
    return "".join(traceback.format_exception(error))


def dev_error_response(title: str, text: str, accept: str | None, *, status: int = 500) -> Response:
    """``title`` and ``text`` (a traceback, a load error) as a page for a
    browser, else as plain text (``title``, a blank line, ``text``)."""
    if accept is not None and "text/html" in accept:
        page = (
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<pre>{escape(text)}</pre>"
            "<p>approute dev shows this page; in production the answer is an empty 500.</p>"
            "</body></html>"
        )
        return Response(page, status=status, headers={"content-type": "text/html; charset=utf-8"})
    return Response(
        f"{title}\n\n{text}",
        status=status,
        headers={"content-type": "text/plain; charset=utf-8"},
    )
