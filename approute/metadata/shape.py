"""Checking the dicts a ``robots()``/``sitemap()``/``manifest()`` returns,
with errors that name the file and the key (``app/robots.py: robots()
returned rules[1]: unknown key 'userAgent'; did you mean 'user_agent'?``),
and writing their values as Next.js's JavaScript templates do."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from approute.errors import ProjectError

__all__ = ["MetadataShapeError", "Shape", "js_text"]


class MetadataShapeError(ProjectError):
    """A metadata function returned data of the wrong shape (``approute
    build`` fails naming the file and the key; at runtime a 500 and a log line)."""


class Shape:
    """A place in the data a metadata function returned:
    ``Shape("app/robots.py", "robots()").key("rules").item(1)`` is named
    ``app/robots.py: robots() returned rules[1]`` in errors."""

    __slots__ = ("_call", "_path", "_where")

    def __init__(self, where: str, call: str, path: str = "") -> None:
        self._where = where
        self._call = call
        self._path = path

    def key(self, name: str) -> Shape:
        """The value under ``name``."""
        return Shape(self._where, self._call, f"{self._path}.{name}" if self._path else name)

    def item(self, index: int) -> Shape:
        """The ``index``-th item of a list."""
        return Shape(self._where, self._call, f"{self._path}[{index}]")

    def error(self, problem: str) -> MetadataShapeError:
        """An error naming the file and this place."""
        place = f" {self._path}" if self._path else ""
        return MetadataShapeError(f"{self._where}: {self._call} returned{place}: {problem}")

    def items(self, value: object) -> list[object]:
        """``value`` as a list (a list or tuple)."""
        if not isinstance(value, list | tuple):
            raise self.error(f"expected a list; got {type(value).__name__}")
        return list(value)

    def mapping(
        self, value: object, known: Iterable[str] | None, *, required: Iterable[str] = ()
    ) -> Mapping[str, Any]:
        """``value`` as a dict with only ``known`` keys (None: any str key)
        and every ``required`` one."""
        if not isinstance(value, Mapping):
            raise self.error(f"expected a dict; got {type(value).__name__}")
        allowed = None if known is None else tuple(known)
        for name in value:
            if not isinstance(name, str):
                raise self.error(f"keys are str; got {name!r}")
            if allowed is not None and name not in allowed:
                hint = _suggestion(name, allowed) or f"the keys are {', '.join(allowed)}"
                raise self.error(f"unknown key {name!r}; {hint}")
        for name in required:
            if value.get(name) is None:
                raise self.error(f"missing key {name!r}")
        return value

    def strings(self, value: object) -> list[str]:
        """A str or a list of them, as a list (Next.js's ``resolveArray``)."""
        listed = isinstance(value, list | tuple)
        items: list[str] = []
        for index, item in enumerate(value if isinstance(value, list | tuple) else [value]):
            if not isinstance(item, str):
                where = self.item(index) if listed else self
                raise where.error(f"expected a str; got {type(item).__name__}")
            items.append(item)
        return items

    def text(self, value: object) -> str:
        """A str, int or float written as JavaScript writes it in a template."""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.error(f"expected a str or a number; got {type(value).__name__}")
        return js_text(value)


def js_text(value: str | int | float) -> str:
    """``${value}`` in JavaScript: ``2.0`` → ``2``, ``0.5`` → ``0.5``."""
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        if not math.isfinite(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return str(value)


def _suggestion(name: str, allowed: tuple[str, ...]) -> str:
    # camelCase from Next.js's docs → the snake_case key approute reads.
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return f"did you mean {snake!r}?" if snake != name and snake in allowed else ""
