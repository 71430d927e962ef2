"""``generate_static_params()``: called here and nowhere else.

The build lists the paths to prerender from it; under ``dynamic_params =
False`` the router serves only the params it lists. Both read them through
:func:`static_params`, so a sync or async function, and its errors, are
handled one way.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping
from typing import Any

from approute.errors import ProjectError
from approute.handlers.module import RouteModule
from approute.project.callables import defined_at

__all__ = ["static_params", "static_params_where"]

logger = logging.getLogger("approute")


def static_params_where(route: RouteModule) -> str:
    """``file:line`` of the route's ``generate_static_params``, for messages."""
    return defined_at(route.segment.generate_static_params, route.where)


async def static_params(route: RouteModule) -> list[Any]:
    """The entries ``route``'s ``generate_static_params()`` returns (each is
    meant to be a dict of params; the caller checks them); ``[]`` when it
    exports none. Raises ``ProjectError`` naming the file and line when it
    raises or returns something other than a list."""
    generate = route.segment.generate_static_params
    if generate is None:
        return []
    where = static_params_where(route)
    try:
        result = generate()
        if inspect.isawaitable(result):
            result = await result
    except Exception as error:
        logger.error("%s: generate_static_params() raised", where, exc_info=error)
        raise ProjectError(
            f"{where}: generate_static_params() raised {type(error).__name__}: {error}"
        ) from None
    if isinstance(result, str | bytes | Mapping) or not hasattr(result, "__iter__"):
        raise ProjectError(f"{where}: generate_static_params() must return a list of dicts")
    return list(result)
