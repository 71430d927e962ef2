"""The route table ``approute build`` and ``approute routes`` print, in
``next build``'s shape (docs/cli.md)::

    Route (app)                 Revalidate  Expire
    ┌ ○ /api/hello
    ├ ● /api/users/[id]                 1m      1y
    ├   ├ /api/users/1                  1m      1y
    ├   ├ /api/users/2                  1m      1y
    ├   ├ /api/users/3                  1m      1y
    ├   └ [+2 more paths]
    └ ƒ /api/users/me

    ƒ Proxy (Middleware)

    ○  (Static)   prerendered as static content
    ●  (SSG)      prerendered with generate_static_params
    ƒ  (Dynamic)  server-rendered on demand

The Revalidate/Expire columns appear only when a route has ISR; the legend
lists only the glyphs in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from approute.handlers.segment import ONE_YEAR

__all__ = ["GLYPHS", "Glyph", "RouteRow", "format_duration", "format_table"]

Glyph = Literal["○", "●", "ƒ"]
"""``○`` static, ``●`` prerendered with params, ``ƒ`` on demand (Next.js's glyphs)."""

GLYPHS: Final[dict[Glyph, str]] = {
    "○": "(Static)   prerendered as static content",
    "●": "(SSG)      prerendered with generate_static_params",
    "ƒ": "(Dynamic)  server-rendered on demand",
}
_SHOWN_PATHS: Final = 3
_UNITS: Final = (("y", ONE_YEAR), ("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60))


@dataclass(frozen=True, slots=True)
class RouteRow:
    """One line of the table (plus its prerendered paths, for ``●``)."""

    url: str
    glyph: Glyph
    paths: tuple[str, ...] = ()
    revalidate: float | None = None  # ISR seconds; None: not ISR
    methods: str = ""


def format_duration(seconds: float) -> str:
    """``60`` → ``1m``, ``3600`` → ``1h``, ``90`` → ``90s`` (the largest
    unit that divides it exactly, as ``next build`` shows ISR times)."""
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    for unit, size in _UNITS:
        if whole >= size and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def _tree(index: int, count: int) -> str:
    if count == 1:
        return "─"
    return "┌" if index == 0 else "└" if index == count - 1 else "├"


def format_table(
    rows: Sequence[RouteRow], *, middleware: str | None = None, methods: bool = False
) -> str:
    """The table as text (no trailing newline). ``middleware`` is the file
    name (``proxy.py`` / ``middleware.py``) when there is one; ``methods``
    adds the methods each route answers."""
    isr = any(row.revalidate is not None for row in rows)
    lines: list[tuple[str, str, str, str]] = []  # label, revalidate, expire, methods
    for index, row in enumerate(rows):
        timing = (
            (format_duration(row.revalidate), format_duration(ONE_YEAR))
            if row.revalidate is not None
            else ("", "")
        )
        lines.append((f"{_tree(index, len(rows))} {row.glyph} {row.url}", *timing, row.methods))
        if row.glyph != "●":
            continue
        shown = row.paths if len(row.paths) <= _SHOWN_PATHS else row.paths[:_SHOWN_PATHS]
        more = len(row.paths) - len(shown)
        trunk = " " if index == len(rows) - 1 else "├"
        for number, path in enumerate(shown):
            branch = "└" if number == len(shown) - 1 and not more else "├"
            lines.append((f"{trunk}   {branch} {path}", *timing, ""))
        if more:
            lines.append((f"{trunk}   └ [+{more} more paths]", "", "", ""))
    header = ("Route (app)", "Revalidate", "Expire", "Methods")
    width = max(len(line[0]) for line in [header, *lines]) + 2
    out: list[str] = []
    for label, revalidate, expire, allow in [header, *lines]:
        text = f"{label:<{width}}"
        if isr:
            text += f"{revalidate:>10}  {expire:>6}  "
        if methods:
            text += allow
        out.append(text.rstrip())
    used: set[str] = {row.glyph for row in rows}
    if middleware is not None:
        label = "Proxy (Middleware)" if middleware == "proxy.py" else "Middleware"
        out += ["", f"ƒ {label}"]
        used.add("ƒ")
    out.append("")
    out += [f"{glyph}  {text}" for glyph, text in GLYPHS.items() if glyph in used]
    return "\n".join(out)
