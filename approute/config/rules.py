"""``headers()``, ``redirects()`` and ``rewrites()`` rules, compiled once.

Next.js's semantics (docs/config.md): sources are path-to-regexp, matched case-insensitively
with an optional trailing slash, prefixed with ``base_path`` unless the rule
says ``base_path: False``; ``has``/``missing`` conditions; params and named
captures substituted into destinations and header values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Final, Literal

from approute.errors import ProjectError
from approute.http.cookies import parse_cookie_header
from approute.http.headers import Headers
from approute.http.paths import normalize_path
from approute.http.search_params import SearchParams
from approute.http.targets import ExternalURL, InternalPath, RewriteTarget
from approute.patterns import (
    CompiledConditions,
    Destination,
    PathPattern,
    check_template,
    compile_conditions,
    compile_destination,
    compile_path,
    substitute,
)

__all__ = [
    "HeaderRule",
    "RedirectRule",
    "RequestFacts",
    "RewriteRule",
    "compile_header_rules",
    "compile_redirect_rules",
    "compile_rewrite_rules",
]

Params = dict[str, str | list[str]]
RewriteStage = Literal["before_files", "after_files", "fallback"]

_REDIRECT_STATUSES: Final = frozenset({301, 302, 303, 307, 308})
_HEADER_KEYS: Final = frozenset({"source", "headers", "has", "missing", "base_path", "locale"})
_REDIRECT_KEYS: Final = frozenset(
    {"source", "destination", "permanent", "status_code", "has", "missing", "base_path", "locale"}
)
_REWRITE_KEYS: Final = frozenset({"source", "destination", "has", "missing", "base_path", "locale"})


class RequestFacts:
    """What ``has``/``missing`` conditions look at, computed on first use."""

    __slots__ = ("__dict__", "_query", "_raw")

    def __init__(self, raw_headers: list[tuple[bytes, bytes]], query: str) -> None:
        self._raw = raw_headers
        self._query = query

    @cached_property
    def headers(self) -> Headers:
        """The request headers."""
        return Headers.from_asgi(self._raw)

    @cached_property
    def cookies(self) -> dict[str, str]:
        """The request cookies."""
        return parse_cookie_header(self.headers.get("cookie") or "")

    @cached_property
    def query(self) -> SearchParams:
        """The request query."""
        return SearchParams(self._query)

    @cached_property
    def host(self) -> str | None:
        """The Host header without its port, lower-cased."""
        host = self.headers.get("host")
        return host.rsplit(":", 1)[0].lower() if host else None


@dataclass(frozen=True, slots=True)
class _Source:
    pattern: PathPattern
    conditions: CompiledConditions | None
    with_base_path: bool

    def match(self, path: str | None, full_path: str, facts: RequestFacts) -> Params | None:
        """Params when the rule applies; ``path`` is None outside ``base_path``,
        where only ``base_path: False`` rules can match."""
        if self.with_base_path:
            if path is None:
                return None
            params = self.pattern.match(path)
        else:
            params = self.pattern.match(full_path)
        if params is None:
            return None
        if self.conditions is None:
            return params
        captured = self.conditions.match(facts.headers, facts.cookies, facts.query, facts.host)
        if captured is None:
            return None
        return {**params, **captured}


@dataclass(frozen=True, slots=True)
class HeaderRule:
    """``{"source", "headers": [{"key", "value"}]}``."""

    source: _Source
    headers: tuple[tuple[str, str], ...]

    def apply(self, params: Params) -> list[tuple[str, str]]:
        """The headers with ``:params`` filled in."""
        return [(substitute(k, params), substitute(v, params)) for k, v in self.headers]


@dataclass(frozen=True, slots=True)
class RedirectRule:
    """``{"source", "destination", "permanent" | "status_code"}``."""

    source: _Source
    destination: Destination
    status: int
    base_path: str

    def location(self, params: Params, query: str) -> str:
        """The ``Location`` for a match: incoming query first, then the
        destination's own (Next.js)."""
        url, search = self.destination.build(params, SearchParams(query))
        if not self.destination.external:
            url = self.base_path + url if url != "/" or not self.base_path else self.base_path
        text = search.to_string()
        return url + (f"?{text}" if text else "") + self.destination.fragment(params)


@dataclass(frozen=True, slots=True)
class RewriteRule:
    """``{"source", "destination"}``: serve the destination instead."""

    source: _Source
    destination: Destination

    def target(self, params: Params, query: str) -> RewriteTarget:
        """Where a match goes: a canonical path of this app, or another origin."""
        url, search = self.destination.build(params, SearchParams(query))
        if self.destination.external:
            return ExternalURL(url, search.to_string())
        return InternalPath(normalize_path(url.encode("latin-1")).path, search.to_string())


def _mapping(item: Any, where: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(item, Mapping):
        raise ProjectError(f"{where} must be a dict; got {type(item).__name__}")
    unknown = sorted(set(item) - allowed)
    if unknown:
        raise ProjectError(f"{where} has unknown keys {unknown}; allowed: {sorted(allowed)}")
    return item


def _source(item: Mapping[str, Any], where: str) -> _Source:
    source = item.get("source")
    if not isinstance(source, str) or not source.startswith("/"):
        raise ProjectError(f"{where}: 'source' must be a string starting with '/'; got {source!r}")
    base = item.get("base_path", True)
    if base not in (True, False):
        raise ProjectError(f"{where}: 'base_path' may only be False")
    pattern = compile_path(
        source, where=f"{where}.source", case_sensitive=False, unnamed_params=False
    )
    has, missing = item.get("has"), item.get("missing")
    conditions = compile_conditions(has, missing, where=where) if has or missing else None
    return _Source(pattern, conditions, bool(base))


def _destination(
    item: Mapping[str, Any], where: str, source: _Source, *, for_redirect: bool
) -> Destination:
    destination = item.get("destination")
    if not isinstance(destination, str) or not destination:
        raise ProjectError(f"{where}: 'destination' must be a non-empty string")
    compiled = compile_destination(
        destination,
        source=source.pattern,
        where=f"{where}.destination",
        conditions=source.conditions,
        for_redirect=for_redirect,
    )
    if not source.with_base_path and not compiled.external:
        raise ProjectError(
            f"{where}: 'base_path': False is only allowed with an external destination"
        )
    return compiled


def compile_header_rules(items: Sequence[Any], where: str) -> tuple[HeaderRule, ...]:
    """Compile ``headers()``'s list."""
    rules = []
    for index, raw in enumerate(items):
        label = f"{where}[{index}]"
        item = _mapping(raw, label, _HEADER_KEYS)
        source = _source(item, label)
        pairs = item.get("headers")
        if not isinstance(pairs, Sequence) or isinstance(pairs, str) or not pairs:
            raise ProjectError(f"{label}: 'headers' must be a non-empty list of {{key, value}}")
        headers = []
        for j, pair in enumerate(pairs):
            entry = _mapping(pair, f"{label}.headers[{j}]", frozenset({"key", "value"}))
            key, value = entry.get("key"), entry.get("value")
            if not isinstance(key, str) or not isinstance(value, str):
                raise ProjectError(f"{label}.headers[{j}]: 'key' and 'value' must be strings")
            for template in (key, value):
                check_template(template, source=source.pattern, where=f"{label}.headers[{j}]")
            headers.append((key, value))
        rules.append(HeaderRule(source, tuple(headers)))
    return tuple(rules)


def compile_redirect_rules(
    items: Sequence[Any], where: str, base_path: str
) -> tuple[RedirectRule, ...]:
    """Compile ``redirects()``'s list."""
    rules = []
    for index, raw in enumerate(items):
        label = f"{where}[{index}]"
        item = _mapping(raw, label, _REDIRECT_KEYS)
        source = _source(item, label)
        destination = _destination(item, label, source, for_redirect=True)
        permanent, status = item.get("permanent"), item.get("status_code")
        if permanent is not None and status is not None:
            raise ProjectError(f"{label}: give 'permanent' or 'status_code', not both")
        if status is None:
            if not isinstance(permanent, bool):
                raise ProjectError(
                    f"{label}: 'permanent' (True/False) or 'status_code' is required"
                )
            status = 308 if permanent else 307
        elif status not in _REDIRECT_STATUSES:
            raise ProjectError(f"{label}: 'status_code' must be one of 301, 302, 303, 307, 308")
        rules.append(
            RedirectRule(source, destination, status, base_path if source.with_base_path else "")
        )
    return tuple(rules)


def compile_rewrite_rules(items: Sequence[Any], where: str) -> tuple[RewriteRule, ...]:
    """Compile one list of ``rewrites()``."""
    rules = []
    for index, raw in enumerate(items):
        label = f"{where}[{index}]"
        item = _mapping(raw, label, _REWRITE_KEYS)
        source = _source(item, label)
        rules.append(RewriteRule(source, _destination(item, label, source, for_redirect=False)))
    return tuple(rules)
