"""``RouteContext``: the second argument of a route handler.

``ctx.params`` maps each dynamic segment to its percent-decoded value
(``[id]`` → ``str``, ``[...path]`` → ``list[str]``; an optional catch-all
that matched nothing is absent). For type checkers ``RouteContext`` is
generic in the params' type: ``RouteContext["/api/users/[id]"]`` (with the
mypy plugin, ``approute.mypy_plugin``) or ``RouteContext[SomeTypedDict]``
make ``ctx.params`` a TypedDict; plain ``RouteContext`` keeps
``dict[str, str | list[str]]`` (docs/types.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Generic

from typing_extensions import TypeVar

__all__ = ["Input", "Params", "RouteContext", "RouteParams"]

Params = dict[str, str | list[str]]

P = TypeVar("P", bound=Mapping[str, Any], default=Params)
B = TypeVar("B", default=None)
Q = TypeVar("Q", default=None)


class RouteParams(Params):
    """``ctx.params``: a ``dict`` whose missing key names the route's params.

    Each route has its own subclass (:meth:`for_route`, made at load), so a
    request's params are a plain dict copy: no ``__init__`` of ours runs."""

    __slots__ = ()
    route: ClassVar[str] = ""
    names: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def for_route(cls, route: str, names: tuple[str, ...]) -> type[RouteParams]:
        """The params type of one route."""
        return type(cls.__name__, (cls,), {"__slots__": (), "route": route, "names": names})

    def __missing__(self, key: str) -> str | list[str]:
        known = ", ".join(repr(name) for name in self.names) or "none"
        raise KeyError(f"{key!r}: the route {self.route} has no such param (its params: {known})")


class RouteContext(Generic[P]):
    """What a handler learns about its route: ``ctx.params``."""

    __slots__ = ("params",)

    def __init__(self, params: P) -> None:
        self.params = params

    def __class_getitem__(cls, item: Any) -> Any:
        # RouteContext["/api/users/[id]"] names a route: a type checker's
        # business (the mypy plugin); at run time it is plain RouteContext.
        if isinstance(item, str):
            return cls
        return super().__class_getitem__(item)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"RouteContext(params={dict(self.params)!r})"


class Input(RouteContext[P], Generic[B, Q, P]):
    """A ``RouteContext`` that also carries the validated request: the
    annotation is the declaration (docs/validation.md).

        async def POST(request: NextRequest, ctx: Input[NewItem]) -> Response:
            item = ctx.body            # a NewItem, checked before the call

    ``Input[Body, Query, Params]``: the JSON body (``Form[T]`` for a form),
    the query and the path params, each a pydantic-validatable type or a
    msgspec ``Struct``; ``None`` (the default) for "not declared", where
    ``ctx.body``/``ctx.query`` are ``None`` and ``ctx.params`` the plain
    strings.
    """

    __slots__ = ("body", "query")

    def __init__(self, params: P, body: B, query: Q) -> None:
        super().__init__(params)
        self.body = body
        self.query = query

    def __repr__(self) -> str:
        return f"Input(params={self.params!r}, body={self.body!r}, query={self.query!r})"
