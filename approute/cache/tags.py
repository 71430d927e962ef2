"""Cache tags: validating the ones users pass, and collecting the ones a
cached computation reads, so that its own entry carries them (docs/caching.md).

As Next.js, a route entry carries the tags of every ``@cached``/``fetch``
call made while its response was computed, and a ``@cached`` entry the tags
of the calls made inside it: ``revalidate_tag("prices")`` then reaches
everything built from the prices. A :class:`TagCollector` is the open entry;
the innermost one is in a ``ContextVar`` (copied into worker threads, so sync
code reports its tags too).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import Context, ContextVar, copy_context
from typing import Final

__all__ = [
    "IMPLICIT_PREFIXES",
    "MAX_TAGS",
    "MAX_TAG_LENGTH",
    "TagCollector",
    "collecting",
    "current_collector",
    "valid_tags",
    "without_collector",
]

logger = logging.getLogger("approute.cache")

MAX_TAGS: Final = 128
"""Next.js's ``NEXT_CACHE_TAG_MAX_ITEMS``: tags after the 128th are dropped."""
MAX_TAG_LENGTH: Final = 256
"""Next.js's ``NEXT_CACHE_TAG_MAX_LENGTH``: longer tags are dropped."""
IMPLICIT_PREFIXES: Final = ("_path:", "_layout:")
"""The implicit path tags ``revalidate_path`` targets (see ``path_tags``)."""


def valid_tags(tags: Iterable[object], description: str) -> tuple[str, ...]:
    """The usable ``tags``, as Next.js's ``validateTags``: non-strings and tags
    over 256 characters are dropped with a warning, and so is everything after
    the 128th tag."""
    valid: list[str] = []
    invalid: list[str] = []
    items = list(tags)
    for index, tag in enumerate(items):
        if not isinstance(tag, str) or not tag:
            invalid.append(f"{tag!r} (must be a non-empty string)")
        elif len(tag) > MAX_TAG_LENGTH:
            invalid.append(f"{tag[:40]!r}… (longer than {MAX_TAG_LENGTH} characters)")
        elif tag not in valid:
            valid.append(tag)
        if len(valid) > MAX_TAGS:
            dropped = items[index:]
            valid.pop()
            logger.warning(
                "cache: more than %d tags for %s; dropped: %s",
                MAX_TAGS,
                description,
                ", ".join(map(str, dropped)),
            )
            break
    if invalid:
        logger.warning("cache: invalid tags for %s dropped: %s", description, "; ".join(invalid))
    return tuple(valid)


class TagCollector:
    """The tags read while one cached value (a route entry, a ``@cached``
    result) is computed, plus the implicit path tags new data entries get."""

    __slots__ = ("implicit", "revalidate", "tags")

    def __init__(self, implicit: tuple[str, ...] = ()) -> None:
        self.implicit = implicit
        self.tags: set[str] = set()
        # The shortest ``revalidate`` (seconds) of what was read: a route
        # entry regenerates at least that often (Next.js's fetch and
        # unstable_cache shrink the route's revalidate the same way).
        self.revalidate: float | None = None

    def add(self, tags: Iterable[str]) -> None:
        """Record ``tags``; implicit path tags are not passed on (they name
        the route whose render stored the data, not this one)."""
        self.tags.update(tag for tag in tags if not tag.startswith(IMPLICIT_PREFIXES))

    def shrink(self, revalidate: float | None) -> None:
        """Record a read value's ``revalidate``; None (never stale) or 0
        (not cached) do not shorten anything."""
        if revalidate is not None and revalidate > 0:
            current = self.revalidate
            if current is None or revalidate < current:
                self.revalidate = revalidate

    @property
    def rendering_route(self) -> bool:
        """True while a cached route computes its response."""
        return bool(self.implicit)


_collector: ContextVar[TagCollector | None] = ContextVar("approute_tag_collector", default=None)


def current_collector() -> TagCollector | None:
    """The innermost open collector, if a cached value is being computed."""
    return _collector.get()


@contextmanager
def collecting(implicit: tuple[str, ...] | None = None) -> Iterator[TagCollector]:
    """Open a collector for the ``with`` block; the caller passes what it
    collected on to its own entry (and, through it, to enclosing ones).

    ``implicit`` (a route's path tags) starts a route render; without it the
    enclosing collector's implicit tags are kept.
    """
    if implicit is None:
        parent = _collector.get()
        implicit = parent.implicit if parent is not None else ()
    collector = TagCollector(implicit)
    token = _collector.set(collector)
    try:
        yield collector
    finally:
        _collector.reset(token)


def without_collector() -> Context:
    """A copy of the current context with no open collector, for background
    work that may outlive what is being computed now."""
    context = copy_context()
    context.run(_collector.set, None)
    return context
