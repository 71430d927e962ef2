"""Paths written in approute.config.py (``base_path``, the OpenAPI URLs):
plain segments only, so a configured URL never needs escaping."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["plain_segments"]

_SEGMENT: Final = re.compile(r"[A-Za-z0-9._~-]+")


def plain_segments(path: str) -> bool:
    """Whether every segment after the leading ``/`` is letters, digits or
    ``- . _ ~`` (no empty, ``.`` or ``..`` segment).

    >>> plain_segments("/docs/v1"), plain_segments("/docs/"), plain_segments("/a/../b")
    (True, False, False)
    """
    return all(
        _SEGMENT.fullmatch(segment) and segment not in (".", "..")
        for segment in path.split("/")[1:]
    )
