"""``manifest()``'s dict → ``/manifest.webmanifest``: compact JSON, as
JavaScript's ``JSON.stringify`` writes it (no spaces, non-ASCII kept)."""

from __future__ import annotations

import json

from approute.metadata.shape import Shape

__all__ = ["render_manifest"]


def render_manifest(data: object, where: str) -> str:
    """The web app manifest for ``data``; a value JSON cannot hold raises
    :class:`~approute.metadata.shape.MetadataShapeError` naming ``where``
    and the key."""
    shape = Shape(where, "manifest()")
    manifest = shape.mapping(data, None)
    try:
        return json.dumps(manifest, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        pass
    # Only when it failed: find the key whose value cannot be written.
    for key, value in manifest.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise shape.key(key).error(f"cannot be written as JSON: {error}") from None
    raise AssertionError("unreachable: the whole failed, so one value does")
