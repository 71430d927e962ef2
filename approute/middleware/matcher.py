"""``config["matcher"]``: which requests the middleware runs for.

Compiled once at startup. As Next.js: a string or a list of strings and
``{"source", "has", "missing", "locale"}`` dicts; path-to-regexp syntax,
anchored, case-sensitive, an optional trailing slash; no matcher → every
request. A request matches when its canonical pathname **or** that pathname
fully decoded matches (so ``/%61dmin`` is caught by ``/admin``). The root
source ``"/"`` also matches ``/index``, as Next.js.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

from approute.errors import ProjectError
from approute.http.headers import Headers
from approute.http.search_params import SearchParams
from approute.patterns import CompiledConditions, PathPattern, compile_conditions, compile_path

__all__ = ["MiddlewareMatcher", "compile_matcher"]

_MATCHER_KEYS = frozenset({"source", "has", "missing", "locale"})
# Next.js (getMiddlewareMatchers) compiles a source that is exactly "/" (a
# string or a dict's, with or without has/missing) with an optional index
# suffix, so /index runs the root middleware. Its ".json" variants serve
# Pages Router data requests, which approute has none of.
_ROOT: Final = "/"
_ROOT_WITH_INDEX: Final = "/{index}?"


@dataclass(frozen=True, slots=True)
class _Rule:
    pattern: PathPattern
    conditions: CompiledConditions | None


@dataclass(frozen=True, slots=True)
class MiddlewareMatcher:
    """The compiled matcher; ``rules`` empty means "every request"."""

    rules: tuple[_Rule, ...]
    # Whether any rule has has/missing conditions (set in __post_init__).
    needs_request_data: bool = field(init=False, default=False)
    # Each rule's cheapest path test, for matches_path (set in __post_init__).
    _tests: tuple[Callable[[str], object], ...] = field(init=False, default=(), repr=False)

    @property
    def matches_everything(self) -> bool:
        """No matcher was configured."""
        return not self.rules

    def matches(
        self,
        pathname: str,
        *,
        headers: Headers,
        cookies: Mapping[str, str],
        query: SearchParams,
        host: str | None,
    ) -> bool:
        """Whether the middleware runs for this request."""
        if not self.rules:
            return True
        decoded = unquote(pathname) if "%" in pathname else pathname
        for rule in self.rules:
            if rule.pattern.match(pathname) is None and (
                decoded == pathname or rule.pattern.match(decoded) is None
            ):
                continue
            if rule.conditions is None:
                return True
            if rule.conditions.match(headers, cookies, query, host) is not None:
                return True
        return False

    def matches_path(self, pathname: str) -> bool:
        """:meth:`matches` when no rule has conditions (``needs_request_data``
        is False): the path alone decides, and no params are extracted."""
        decoded = unquote(pathname) if "%" in pathname else pathname
        for test in self._tests:
            if test(pathname) is not None or (decoded != pathname and test(decoded) is not None):
                return True
        return not self.rules

    def __post_init__(self) -> None:
        # Read on every request: decided once here.
        object.__setattr__(
            self,
            "needs_request_data",
            any(rule.conditions is not None for rule in self.rules),
        )
        object.__setattr__(self, "_tests", tuple(rule.pattern.test for rule in self.rules))


def _pattern(source: str, label: str) -> PathPattern:
    return compile_path(_ROOT_WITH_INDEX if source == _ROOT else source, where=label)


def _rule(item: Any, where: str, index: int) -> _Rule:
    label = f"{where}: config['matcher'][{index}]"
    if isinstance(item, str):
        return _Rule(_pattern(item, label), None)
    if not isinstance(item, Mapping):
        raise ProjectError(f"{label} must be a string or a dict with 'source'; got {item!r}")
    unknown = set(item) - _MATCHER_KEYS
    if unknown:
        raise ProjectError(
            f"{label} has unknown keys {sorted(unknown)}; use source, has, missing, locale"
        )
    source = item.get("source")
    if not isinstance(source, str):
        raise ProjectError(f"{label} needs a 'source' string")
    has = item.get("has")
    missing = item.get("missing")
    conditions = compile_conditions(has, missing, where=label) if has or missing else None
    return _Rule(_pattern(source, label), conditions)


def compile_matcher(config: Any, *, where: str) -> MiddlewareMatcher:
    """Compile a middleware ``config`` dict (or None); errors name ``where``."""
    if config is None:
        return MiddlewareMatcher(())
    if not isinstance(config, Mapping):
        raise ProjectError(f"{where}: config must be a dict like {{'matcher': [...]}}")
    unknown = set(config) - {"matcher", "runtime", "regions"}
    if unknown:
        raise ProjectError(f"{where}: config has unknown keys {sorted(unknown)}; use 'matcher'")
    matcher = config.get("matcher")
    if matcher is None:
        return MiddlewareMatcher(())
    items: Sequence[Any] = [matcher] if isinstance(matcher, str | Mapping) else matcher
    if not isinstance(items, Sequence) or not items:
        raise ProjectError(f"{where}: config['matcher'] must be a string or a non-empty list")
    return MiddlewareMatcher(tuple(_rule(item, where, i) for i, item in enumerate(items)))
