"""Where a rewrite sends a request: a path of this app, or another origin.

A config ``rewrites()`` rule and a middleware ``NextResponse.rewrite(url)``
both end in one of these two values, decided once where the destination is
known, so no later stage tells them apart by looking at the string.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ExternalURL", "InternalPath", "RewriteTarget"]


@dataclass(frozen=True, slots=True)
class InternalPath:
    """A path of this app, routed again: canonical (normalised once), with
    the query the destination gives."""

    path: str
    query: str = ""


@dataclass(frozen=True, slots=True)
class ExternalURL:
    """An absolute URL on another origin: the request is proxied there."""

    url: str
    query: str = ""

    @property
    def href(self) -> str:
        """The URL with its query, as the proxy requests it."""
        return f"{self.url}?{self.query}" if self.query else self.url


RewriteTarget = InternalPath | ExternalURL
