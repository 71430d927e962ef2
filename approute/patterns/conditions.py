"""``has`` / ``missing`` conditions, with Next.js's ``matchHas`` semantics.

    >>> conditions = compile_conditions(
    ...     [{"type": "header", "key": "x-role", "value": "(?<role>admin|staff)"}],
    ...     None,
    ...     where="middleware.py",
    ... )
    >>> conditions.match(Headers({"x-role": "staff"}), {}, SearchParams(), None)
    {'role': 'staff'}

A condition reads one value: a header (key lower-cased), a cookie, a query
parameter (the last one when repeated) or the host (the ``Host`` header
without its port, lower-cased). An empty value counts as absent. Without
``value`` the condition holds when the value is present, and captures it
under the key with everything but ASCII letters removed (``x-rewrite-me``
→ ``xrewriteme``). With ``value`` it holds when the JavaScript regex
``value`` matches the **whole** value, case-sensitively; its named groups
become params, and a ``host`` value without groups captures ``host``.

Two deliberate differences: the regex is anchored as ``^(?:value)$`` where
Next.js writes ``^${value}$`` (so there a top-level ``yes|true`` also
accepted ``yesss``), and a bracketed IPv6 ``Host`` keeps its brackets
(Next.js cuts at the first ``:``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NotRequired, TypedDict

from approute.errors import ProjectError
from approute.http.headers import Headers
from approute.http.search_params import SearchParams
from approute.patterns.jsregex import translate

__all__ = ["CompiledConditions", "Condition", "compile_conditions"]

_ConditionType = Literal["header", "cookie", "query", "host"]
_TYPES: tuple[_ConditionType, ...] = ("header", "cookie", "query", "host")
_KEYS = frozenset({"type", "key", "value"})
_NOT_LETTERS = re.compile(r"[^A-Za-z]+")


class Condition(TypedDict):
    """One ``has``/``missing`` item as written in a matcher or config rule.

    ``{"type": "cookie", "key": "session"}``,
    ``{"type": "query", "key": "page", "value": "(?<page>\\\\d+)"}``,
    ``{"type": "host", "value": "(?<tenant>[a-z]+)\\\\.example\\\\.com"}``.
    """

    type: _ConditionType
    key: NotRequired[str]
    value: NotRequired[str]


@dataclass(frozen=True, slots=True)
class _Compiled:
    type: _ConditionType
    key: str  # lower-cased for headers; "" for host
    regex: re.Pattern[str] | None
    param: str  # the capture name when there is no value


def _safe_param_name(key: str) -> str:
    """Next.js's ``getSafeParamName``: ASCII letters only."""
    return _NOT_LETTERS.sub("", key)


def _host_name(host: str) -> str:
    # Next.js splits at the first ":"; keep an IPv6 literal whole instead.
    if host.startswith("["):
        end = host.find("]")
        return (host[: end + 1] if end != -1 else host).lower()
    return host.split(":", 1)[0].lower()


@dataclass(frozen=True, slots=True)
class CompiledConditions:
    """Compiled ``has`` and ``missing`` lists; ``match`` tests a request."""

    has: tuple[_Compiled, ...]
    missing: tuple[_Compiled, ...]
    types: frozenset[_ConditionType]
    param_names: frozenset[str]

    def match(
        self,
        headers: Headers,
        cookies: Mapping[str, str],
        query: SearchParams,
        host: str | None,
    ) -> dict[str, str] | None:
        """The captured params when every ``has`` holds and no ``missing`` does, else None.

        ``host`` is the request's ``Host`` header as received (port allowed).
        """
        params: dict[str, str] = {}
        for item in self.has:
            if not _holds(item, headers, cookies, query, host, params):
                return None
        for item in self.missing:
            if _holds(item, headers, cookies, query, host, {}):
                return None
        return params


def _holds(
    item: _Compiled,
    headers: Headers,
    cookies: Mapping[str, str],
    query: SearchParams,
    host: str | None,
    params: dict[str, str],
) -> bool:
    value: str | None
    if item.type == "header":
        value = headers.get(item.key)
    elif item.type == "cookie":
        value = cookies.get(item.key)
    elif item.type == "query":
        # Next.js tests the last value of a repeated parameter.
        values = query.get_all(item.key)
        value = values[-1] if values else None
    else:
        value = _host_name(host) if host else None
    if not value:
        return False
    regex = item.regex
    if regex is None:
        if item.param:
            params[item.param] = value
        return True
    m = regex.match(value)
    if m is None:
        return False
    if regex.groupindex:
        for name, group in m.groupdict().items():
            if group is not None:
                params[name] = group
    elif item.type == "host" and m.group():
        params["host"] = m.group()
    return True


def _compile_one(item: Any, label: str) -> _Compiled:
    if not isinstance(item, Mapping):
        raise ProjectError(f"{label} must be a dict like {{'type': 'header', 'key': ...}}")
    unknown = set(item) - _KEYS
    if unknown:
        raise ProjectError(f"{label} has unknown keys {sorted(unknown)}; use type, key, value")
    kind = item.get("type")
    if kind not in _TYPES:
        raise ProjectError(f"{label}: type must be one of {', '.join(_TYPES)}; got {kind!r}")
    key = item.get("key")
    value = item.get("value")
    if value is not None and not isinstance(value, str):
        raise ProjectError(f"{label}: value must be a string (a regex); got {value!r}")
    if kind == "host":
        if not value:
            raise ProjectError(f"{label}: a host condition needs a value (a regex)")
        if key is not None and not isinstance(key, str):
            raise ProjectError(f"{label}: key must be a string; got {key!r}")
        key = ""
    elif not isinstance(key, str) or not key:
        raise ProjectError(f"{label}: a {kind} condition needs a non-empty string key")
    if kind == "header":
        key = key.lower()
    regex = None
    if value:  # "" means "present", as in Next.js (a falsy value)
        python = translate(value, where=f"{label}.value")
        regex = re.compile(f"(?:{python})\\Z")
    return _Compiled(kind, key, regex, _safe_param_name(key))


def _items(items: Any, name: str, where: str) -> list[Any]:
    if items is None:
        return []
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise ProjectError(f"{where}: {name} must be a list of conditions; got {items!r}")
    return list(items)


def compile_conditions(
    has: Sequence[Condition] | None,
    missing: Sequence[Condition] | None,
    *,
    where: str,
) -> CompiledConditions:
    """Validate and compile ``has``/``missing``; errors are ``ProjectError`` naming ``where``."""
    compiled_has = tuple(
        _compile_one(item, f"{where}: has[{i}]") for i, item in enumerate(_items(has, "has", where))
    )
    compiled_missing = tuple(
        _compile_one(item, f"{where}: missing[{i}]")
        for i, item in enumerate(_items(missing, "missing", where))
    )
    names: set[str] = set()
    for item in compiled_has:
        if item.regex is None:
            if item.param:
                names.add(item.param)
        else:
            names.update(item.regex.groupindex)
            if item.type == "host":
                names.add("host")
    types = frozenset(item.type for item in compiled_has + compiled_missing)
    return CompiledConditions(compiled_has, compiled_missing, types, frozenset(names))
