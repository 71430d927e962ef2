"""Segment-by-segment matching for patterns with several repeating parameters.

``/:a*/:b*/end`` compiles to a regex in which each repeating parameter may
take any number of segments; on a path that fails, the regex engine tries
every split, so matching costs segments to the power of the number of
repeating parameters (path-to-regexp's shape, Next.js's too): a 16 KiB path
can hold the event loop for minutes. When every part of such a pattern is
whole segments (``/literal``, ``/:x``, ``/:x?``, ``/:x*``, ``/:x+``), this
matcher walks the segments instead, remembering the states that failed, so
each (part, segment) pair is tried once: linear in the path. It tries the
choices in the regex's own order (a parameter present before absent, a
repeat taking more segments before fewer), so its first match, and so its
params, are the regex's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Part", "SegmentMatcher"]

_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

# (part, segment index, inside a repeat that took at least one segment)
_State = tuple[int, int, bool]
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
        found = self._search(compared)
        return None if found is None else self._params(found, segments)

    def _search(self, segments: list[str]) -> list[_State] | None:
        """The states of the first match, depth first; a state that failed
        once is never entered again."""
        failed: set[_State] = set()
        start: _State = (0, 0, False)
        stack: list[tuple[_State, Iterator[_State]]] = [(start, self._next(start, segments))]
        while stack:
            state, choices = stack[-1]
            following = next(choices, None)
            if following is None:
                failed.add(state)
                stack.pop()
                continue
            if following in failed:
                continue
            if following[0] == len(self._parts):
                if self._ends(following[1], segments):
                    return [entry for entry, _ in stack] + [following]
                failed.add(following)
                continue
            stack.append((following, self._next(following, segments)))
        return None

    def _ends(self, index: int, segments: list[str]) -> bool:
        # The regex's "/?\Z": every segment used, or one trailing "/" left.
        left = len(segments) - index
        return left == 0 or (not self._strict and left == 1 and segments[index] == "")

    def _next(self, state: _State, segments: list[str]) -> Iterator[_State]:
        """The states after ``state``, in the order the regex tries them."""
        index, at, inside = state
        part = self._parts[index]
        has_segment = at < len(segments) and segments[at] != ""
        if part.segments:
            end = at + len(part.segments)
            if tuple(segments[at:end]) == part.segments:
                yield (index + 1, end, False)
            return
        if part.modifier in ("*", "+"):
            if has_segment:
                yield (index, at + 1, True)  # greedy: one more segment first
            if inside or part.modifier == "*":
                yield (index + 1, at, False)
            return
        if has_segment:
            yield (index + 1, at + 1, False)
        if part.modifier == "?":
            yield (index + 1, at, False)

    def _params(self, states: list[_State], segments: list[str]) -> _Params:
        params: _Params = {}
        started: dict[int, int] = {}
        for (index, at, inside), (after, to, now_inside) in itertools.pairwise(states):
            part = self._parts[index]
            if part.segments:
                continue
            if part.modifier in ("*", "+"):
                if now_inside and not inside:
                    started[index] = at
                elif inside and not now_inside:
                    params[part.name] = segments[started[index] : at]
            elif after == index + 1 and to == at + 1:
                params[part.name] = segments[at]
        return params


def _fold(text: str) -> str:
    # The regex's re.IGNORECASE | re.ASCII: only A-Z fold.
    return text.translate(_ASCII_LOWER)
