"""The metadata of a route-cache entry, checked before it is served.

:mod:`approute.cache.entry` checks the framing; this checks what the route
cache keeps in ``meta``::

    {"status": 200, "headers": [["content-type", "application/json"], ...]}

A store is shared (files of the machine, one Redis for every instance), so
an entry may have been written by another version, truncated by hand or
forged: one whose meta is not exactly that shape is a miss (the route is
rendered again and the entry overwritten) with one warning, never a 500
(docs/security.md; tests/cache/test_route_entry.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from approute.cache.entry import CacheEntry
from approute.http.headers import header_problem

__all__ = ["RouteMeta", "route_meta", "stored_headers_problem"]

logger = logging.getLogger("approute.cache")


@dataclass(frozen=True, slots=True)
class RouteMeta:
    """A stored response's status and headers, ready for ASGI."""

    status: int
    headers: list[tuple[bytes, bytes]]


def _problem(meta: dict[str, object]) -> str | None:
    """What is wrong with ``meta``; None when it is a route entry's."""
    status = meta.get("status")
    # The route cache stores 2xx answers only, so no other status can have
    # been written by approute: a 1xx or 99 breaks the protocol, and a
    # 3xx/4xx/5xx placed in a shared store would be served to everybody.
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 299:
        return f"status is {status!r:.40}, not an int from 200 to 299"
    return stored_headers_problem(meta.get("headers"))


def stored_headers_problem(headers: object) -> str | None:
    """What is wrong with stored ``[[name, value], …]`` headers (route and
    ``fetch`` entries alike); None when each pair can be sent."""
    if not isinstance(headers, list):
        return "headers is not a list"
    for pair in headers:
        if not (
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            return f"header {pair!r:.60} is not a [name, value] pair of strings"
        problem = header_problem(pair[0], pair[1])
        if problem is not None:
            return problem
    return None


def route_meta(entry: CacheEntry, key: str) -> RouteMeta | None:
    """``entry``'s status and headers; None (and a warning naming ``key``)
    when its meta is not what the route cache stores."""
    problem = _problem(entry.meta)
    if problem is not None:
        logger.warning("cache: route entry %r is malformed (%s); rendering it again", key, problem)
        return None
    return RouteMeta(
        entry.meta["status"],
        [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in entry.meta["headers"]
        ],
    )
