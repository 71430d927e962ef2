"""HTTP methods a route module can export, and the answers approute makes for
the ones it does not: automatic ``HEAD`` and ``OPTIONS``, and 405."""

from __future__ import annotations

from typing import Final

__all__ = ["HTTP_METHODS", "allow_header"]

# Next.js's list (docs/route-handlers.md). Anything else is answered 405 with ``Allow``.
HTTP_METHODS: Final = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH")


def allow_header(exported: set[str]) -> str:
    """The ``Allow`` value for a module exporting ``exported``.

    Next.js's rule for the automatic OPTIONS: the implemented methods, plus
    ``OPTIONS``, plus ``HEAD`` when ``GET`` exists; sorted, joined ``", "``.
    """
    allowed = set(exported) | {"OPTIONS"}
    if "GET" in allowed:
        allowed.add("HEAD")
    return ", ".join(sorted(allowed))
