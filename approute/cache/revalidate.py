"""``revalidate_path``, ``revalidate_tag`` and ``update_tag``: on-demand revalidation.

As Next.js, ``revalidate_path`` is a ``revalidate_tag`` of implicit tags that
every route cache entry carries: one for its exact path, and one per
ancestor for ``type="layout"`` (``revalidate_path("/", "layout")`` purges
every route). Calls are recorded on the request and applied by the pipeline
once the handler returns, so they work from sync and async handlers alike.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from approute._scope import current_state

__all__ = ["ExpireProfile", "path_tags", "revalidate_path", "revalidate_tag", "update_tag"]

_MAX_TAG = 256  # Next.js's limit on a tag's length
_MAX_PATH = 1024  # and on a path's


class ExpireProfile(TypedDict):
    """``{"expire": 0}``: expire now instead of marking stale."""

    expire: int


def path_tags(path: str) -> tuple[str, ...]:
    """The implicit tags of the route entry at ``path`` (exact + layouts)."""
    tags = [f"_path:{path}", "_layout:/"]
    parts = [p for p in path.split("/") if p]
    for depth in range(1, len(parts) + 1):
        tags.append("_layout:/" + "/".join(parts[:depth]))
    return tuple(tags)


def revalidate_path(path: str, type: Literal["page", "layout"] | None = None) -> None:
    """Expire the cached route at ``path`` (``type="layout"``: and everything
    under it); the next request regenerates it synchronously (MISS)."""
    if not path.startswith("/") or len(path) > _MAX_PATH:
        raise ValueError(
            f"revalidate_path needs a path starting with '/' (≤ 1024 chars); got {path!r}"
        )
    normalized = path.rstrip("/") or "/"
    tag = f"_layout:{normalized}" if type == "layout" else f"_path:{normalized}"
    current_state("revalidate_path()").revalidations.append((tag, True))


def revalidate_tag(tag: str, profile: Literal["max"] | ExpireProfile = "max") -> None:
    """Revalidate entries tagged ``tag``: ``"max"`` marks them stale (the next
    request gets the stale copy and one background regeneration);
    ``{"expire": 0}`` expires them now (the next request regenerates: MISS)."""
    _check_tag(tag)
    if profile == "max":
        expire_now = False
    elif isinstance(profile, dict) and profile.get("expire") == 0:
        expire_now = True
    else:
        raise ValueError("revalidate_tag profile is 'max' or {'expire': 0}")
    current_state("revalidate_tag()").revalidations.append((tag, expire_now))


def update_tag(tag: str) -> None:
    """Expire entries tagged ``tag`` now, so the next read renders fresh data
    (Next.js 16's read-your-own-writes ``updateTag``): what a handler that
    changed the data calls, where ``revalidate_tag(tag)`` would let the next
    read see the old copy once. Same as ``revalidate_tag(tag, {"expire": 0})``."""
    _check_tag(tag)
    current_state("update_tag()").revalidations.append((tag, True))


def _check_tag(tag: str) -> None:
    if not isinstance(tag, str) or not tag or len(tag) > _MAX_TAG:
        raise ValueError(f"a cache tag is 1 to 256 characters; got {tag!r}")
