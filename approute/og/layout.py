"""Where each element goes: a two-pass flexbox (measure, then place).

Measuring gives an element's size for a maximum width (text wraps to it);
placing gives each child its box in its parent's: ``justify`` and ``grow``
along the main axis (x in a ``Row``, y in a ``Column``), ``align`` across.
Whole pixels throughout, remainders handed out left to right, so the same
tree always lands on the same pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

from approute.og.elements import Column, Element, Picture, Row, Text
from approute.og.lines import set_lines

__all__ = ["Box", "layout"]


@dataclass(frozen=True, slots=True)
class Box:
    """An element's border box on the canvas, in pixels."""

    x: int
    y: int
    width: int
    height: int


def layout(root: Element, width: int, height: int) -> list[tuple[Element, Box]]:
    """Every element of the tree with its box, parents before children (the
    order to paint them in). The root fills the ``width`` x ``height`` canvas
    unless it has a fixed size."""
    if isinstance(root, Picture):
        box = Box(0, 0, root.width, root.height)
    elif isinstance(root, Text):
        box = Box(0, 0, width, height)
    else:
        box = Box(0, 0, root.width or width, root.height or height)
    placed: list[tuple[Element, Box]] = []
    _Layout(placed).place(root, box)
    return placed


def _inner(element: Row | Column, width: int, height: int) -> tuple[int, int]:
    top, right, bottom, left = element.padding
    return max(0, width - left - right), max(0, height - top - bottom)


class _Layout:
    __slots__ = ("_placed", "_sizes")

    def __init__(self, placed: list[tuple[Element, Box]]) -> None:
        self._placed = placed
        # (id(element), max width) -> size: a nested container is measured
        # by each ancestor; the answer does not change within one layout.
        self._sizes: dict[tuple[int, int], tuple[int, int]] = {}

    def measure(self, element: Element, max_width: int) -> tuple[int, int]:
        key = (id(element), max_width)
        size = self._sizes.get(key)
        if size is None:
            size = self._sizes[key] = self._measure(element, max_width)
        return size

    def _measure(self, element: Element, max_width: int) -> tuple[int, int]:
        if isinstance(element, Text):
            lines = set_lines(element, max_width)
            return lines.width, lines.height
        if isinstance(element, Picture):
            return element.width, element.height
        top, right, bottom, left = element.padding
        inner_width, _ = _inner(element, element.width or max_width, 0)
        sizes = self.child_sizes(element, inner_width)
        gaps = element.gap * max(0, len(sizes) - 1)
        widths = [w for w, _ in sizes]
        heights = [h for _, h in sizes]
        if isinstance(element, Row):
            content = (sum(widths) + gaps, max(heights, default=0))
        else:
            content = (max(widths, default=0), sum(heights) + gaps)
        return (
            element.width or content[0] + left + right,
            element.height or content[1] + top + bottom,
        )

    def child_sizes(self, element: Row | Column, inner_width: int) -> list[tuple[int, int]]:
        """The children's sizes in a box ``inner_width`` wide; a row's shrink
        when they overflow it."""
        children = element.children
        sizes = [self.measure(child, inner_width) for child in children]
        if isinstance(element, Column):
            return sizes
        overflow = sum(w for w, _ in sizes) + element.gap * max(0, len(sizes) - 1) - inner_width
        # flex-shrink: 1, scaled by each child's width as CSS does; a Picture
        # or a fixed width does not shrink.
        shrinking = [i for i, child in enumerate(children) if _can_shrink(child)]
        total = sum(sizes[i][0] for i in shrinking)
        if overflow <= 0 or total == 0:
            return sizes
        cut_so_far = running = 0
        for i in shrinking:
            running += sizes[i][0]
            cut = min(overflow, total) * running // total - cut_so_far
            cut_so_far += cut
            sizes[i] = self.measure(children[i], max(0, sizes[i][0] - cut))
        return sizes

    def place(self, element: Element, box: Box) -> None:
        self._placed.append((element, box))
        if isinstance(element, Text | Picture):
            return
        row = isinstance(element, Row)
        top, _, _, left = element.padding
        inner_width, inner_height = _inner(element, box.width, box.height)
        sizes = self.child_sizes(element, inner_width)
        mains = [w if row else h for w, h in sizes]
        crosses = [h if row else w for w, h in sizes]
        main_room, cross_room = (inner_width, inner_height) if row else (inner_height, inner_width)
        free = main_room - sum(mains) - element.gap * max(0, len(mains) - 1)
        grows = [
            child.grow if isinstance(child, Row | Column) else 0.0 for child in element.children
        ]
        if free > 0 and sum(grows) > 0:
            _grow(mains, grows, free)
            free = 0
        offsets = _justify(element.justify, mains, element.gap, free)
        for child, main, cross, offset in zip(
            element.children, mains, crosses, offsets, strict=True
        ):
            if element.align == "stretch" and _can_stretch(child, row):
                cross = cross_room
            across = {
                "start": 0,
                "center": (cross_room - cross) // 2,
                "end": cross_room - cross,
                "stretch": 0,
            }[element.align]
            x, y = (offset, across) if row else (across, offset)
            width, height = (main, cross) if row else (cross, main)
            self.place(child, Box(box.x + left + x, box.y + top + y, width, height))


def _can_shrink(child: Element) -> bool:
    return isinstance(child, Text) or (isinstance(child, Row | Column) and child.width is None)


def _can_stretch(child: Element, row: bool) -> bool:
    if isinstance(child, Text):
        return True
    if isinstance(child, Picture):
        return False
    return (child.height if row else child.width) is None


def _grow(mains: list[int], grows: list[float], free: int) -> None:
    # Cumulative rounding: the shares add up to exactly `free`.
    total = sum(grows)
    given = 0
    running = 0.0
    for i, grow in enumerate(grows):
        running += grow
        share = round(free * running / total) - given
        given += share
        mains[i] += share


def _justify(justify: str, mains: list[int], gap: int, free: int) -> list[int]:
    n = len(mains)
    lead = {"end": free, "center": free // 2}.get(justify, 0)
    spread = [0] * n
    if justify == "space-between" and n > 1 and free > 0:
        spread = [free * i // (n - 1) for i in range(n)]
    elif justify == "space-around" and n and free > 0:
        spread = [free * (2 * i + 1) // (2 * n) for i in range(n)]
    elif justify == "space-around":
        lead = free // 2  # CSS: an overflowing space-around is centred
    offsets = []
    position = lead
    for i, main in enumerate(mains):
        offsets.append(position + spread[i])
        position += main + gap
    return offsets
