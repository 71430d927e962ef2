"""``RouteContext``: the second argument of a route handler."""

from __future__ import annotations

from typing import Any

__all__ = ["Params", "RouteContext"]

Params = dict[str, str | list[str]]


class RouteContext:
    """What a handler learns about its route: ``ctx.params``.

    ``params`` maps each dynamic segment to its percent-decoded value
    (``[id]`` → ``str``, ``[...path]`` → ``list[str]``; an optional catch-all
    that matched nothing is absent). ``RouteContext["/api/users/[id]"]`` is
    accepted as an annotation and means plain ``RouteContext``: there is no
    ``approute typegen`` yet to make it precise (docs/route-handlers.md).
    """

    __slots__ = ("params",)

    def __init__(self, params: Params) -> None:
        self.params = params

    def __class_getitem__(cls, route: Any) -> type[RouteContext]:
        return cls

    def __repr__(self) -> str:
        return f"RouteContext(params={self.params!r})"
