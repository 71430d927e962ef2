"""A setting written as a dict (``openapi = {...}``, ``websocket = {...}``):
checked to be one, with only known keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from approute.errors import ProjectError

__all__ = ["checked_dict"]


def checked_dict(
    value: Any, name: str, keys: tuple[str, ...], example: str, where: str
) -> Mapping[str, Any]:
    """``value`` as a mapping whose keys are all in ``keys``; a
    ``ProjectError`` naming ``name`` and showing ``example`` otherwise."""
    if not isinstance(value, Mapping):
        raise ProjectError(
            f"{where}: {name} must be a dict like {example}; got {type(value).__name__}"
        )
    unknown = sorted(map(repr, set(value) - set(keys)))
    if unknown:
        raise ProjectError(
            f"{where}: {name} has unknown key {', '.join(unknown)}; "
            f"known keys are {', '.join(keys)}"
        )
    return value
