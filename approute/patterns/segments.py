"""Segment-by-segment matching for patterns with several repeating parameters.

``/:a*/:b*/end`` compiles to a regex in which each repeating parameter may
take any number of segments; on a path that fails, the regex engine tries
every split, so matching costs segments to the power of the number of
repeating parameters (path-to-regexp's shape, Next.js's too): a 16 KiB path
can hold the event loop for minutes. When every part of such a pattern is
whole segments (``/literal``, ``/:x``, ``/:x?``, ``/:x*``, ``/:x+``), this
matcher fills a table instead: for each part and segment, whether the rest
can match from there (one backward pass, linear in the path), then reads the
regex's first match off it, taking the choices in the regex's own order (a
parameter present before absent, a repeat taking more segments before
fewer), so its params are the regex's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Part", "SegmentMatcher"]

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_Params = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True)
class Part:
    """Whole segments: a literal (``segments``) or a parameter (``name``)."""

    segments: tuple[str, ...] = ()
    name: str = ""
    modifier: Literal["", "?", "*", "+"] = ""


class SegmentMatcher:
    """Matches like the pattern's regex, in time linear in the path."""

    __slots__ = ("_case_sensitive", "_parts", "_strict")

    def __init__(self, parts: Sequence[Part], *, case_sensitive: bool, strict: bool) -> None:
        self._case_sensitive = case_sensitive
        self._strict = strict
        fold = (lambda text: text) if case_sensitive else _fold
        self._parts = tuple(
            Part(tuple(fold(s) for s in part.segments), part.name, part.modifier) for part in parts
        )

    def match(self, path: str) -> _Params | None:
        """The params of ``path`` (as :meth:`PathPattern.match` gives them), or None."""
        if path and path[0] != "/":
            return None
        segments = path.split("/")[1:] if path else []
        compared = segments if self._case_sensitive else [_fold(s) for s in segments]
        table = self._table(compared)
        if not table[0][0][0]:
            return None
        return self._walk(table, compared, segments)

    def _table(self, segments: list[str]) -> list[tuple[list[bool], list[bool]]]:
        """For each part ``i`` and segment ``j``: whether parts ``i…`` can
        match segments ``j…``, from outside part ``i`` and (for a repeat)
        from inside it after at least one segment. Filled backwards, each
        cell from cells already known: one pass, no backtracking."""
        count = len(segments)
        filled = [segment != "" for segment in segments] + [False]
        last = len(segments) - 1
        ends = [False] * (count + 1)
        ends[count] = True
        if not self._strict and count and segments[last] == "":
            ends[last] = True  # the regex's optional trailing "/"
        table: list[tuple[list[bool], list[bool]]] = [([False], [False])] * len(self._parts)
        after = ends  # parts i+1… from segment j
        for index in range(len(self._parts) - 1, -1, -1):
            part = self._parts[index]
            outside = [False] * (count + 1)
            inside = [False] * (count + 2)
            if part.segments:
                width = len(part.segments)
                for at in range(count - width + 1):
                    if after[at + width] and tuple(segments[at : at + width]) == part.segments:
                        outside[at] = True
            elif part.modifier in ("*", "+"):
                optional = part.modifier == "*"
                for at in range(count, -1, -1):
                    more = filled[at] and inside[at + 1]
                    inside[at] = more or after[at]
                    outside[at] = more or (optional and after[at])
            else:
                optional = part.modifier == "?"
                for at in range(count + 1):
                    one = filled[at] and at < count and after[at + 1]
                    outside[at] = one or (optional and after[at])
            table[index] = (outside, inside)
            after = outside
        return table

    def _walk(
        self,
        table: list[tuple[list[bool], list[bool]]],
        compared: list[str],
        segments: list[str],
    ) -> _Params:
        """The regex's first match, read off the table: at each part the
        choices in the regex's order (present before absent, more segments
        before fewer), taking the first that can still end in a match."""
        params: _Params = {}
        at = 0
        count = len(self._parts)

        def can(index: int, position: int) -> bool:
            if index == count:
                left = len(compared) - position
                return left == 0 or (not self._strict and left == 1 and compared[position] == "")
            return table[index][0][position]

        for index, part in enumerate(self._parts):
            filled = at < len(compared) and compared[at] != ""
            if part.segments:
                at += len(part.segments)
            elif part.modifier in ("*", "+"):
                inside = table[index][1]
                if filled and inside[at + 1]:
                    start = at
                    at += 1
                    # Greedy: one more segment while a match can still follow
                    # (where it cannot, inside[at] holds: leaving can match).
                    while at < len(compared) and compared[at] != "" and inside[at + 1]:
                        at += 1
                    params[part.name] = segments[start:at]
            elif filled and can(index + 1, at + 1):
                params[part.name] = segments[at]
                at += 1
        return params


def _fold(text: str) -> str:
    # The regex's re.IGNORECASE | re.ASCII: only A-Z fold.
    return text.translate(_ASCII_LOWER)
