"""Path patterns: path-to-regexp 6.3 syntax, as Next.js matchers and config rules use it.

    >>> pattern = compile_path("/blog/:slug/:rest*", where="middleware.py")
    >>> pattern.match("/blog/hello/a/b")
    {'slug': 'hello', 'rest': ['a', 'b']}
    >>> pattern.match("/blog") is None
    True

``:name`` is one segment, ``:name?`` optional, ``:name*`` zero or more and
``:name+`` one or more segments (a list); ``:name(regex)`` and ``(regex)``
(unnamed, params ``"0"``, ``"1"`` …) take a JavaScript regex; ``{...}`` groups
carry a prefix/suffix; ``\\`` escapes a special character. A ``/`` or ``.``
right before a parameter belongs to it, so ``/admin/:path*`` matches
``/admin``. The pattern is anchored at both ends and allows one trailing
``/`` (Next.js: path-to-regexp's non-strict end for middleware, the
``(?:\\/)?$`` that ``modifyRouteRegex`` appends for config rules).
:mod:`approute.patterns.tokens` reads the syntax; this module compiles the
tokens to a regex and matches with it.

The one delimiter is ``/`` (Next.js's config rules; its middleware compiler
also stops default parameters at ``#`` and ``?``, which never occur in a
pathname). Default parameters follow path-to-regexp 6.3, the CVE-2024-45296
fix: a parameter after literal text may not contain that text
(``/:a-:b`` on ``/x-y-z`` gives ``a="x-y"``, ``b="z"``); ``_guards`` closes
the shapes 6.3 still leaves open, so no emitted regex backtracks
catastrophically. Two or more repeating parameters would still make the
regex try every split: whole-segment patterns then match segment by segment
(:mod:`approute.patterns.segments`), others log a startup warning. Regexes
written by the user inside ``(...)`` are the user's responsibility.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from approute.errors import ProjectError
from approute.patterns.jsregex import _translate
from approute.patterns.segments import Part, SegmentMatcher
from approute.patterns.tokens import _DELIMITER, Key, _Group, _Param, _parse, _Token

__all__ = ["Key", "PathPattern", "compile_path"]

logger = logging.getLogger("approute")

_Params = dict[str, str | list[str]]


@dataclass(frozen=True, slots=True, eq=False)
class PathPattern:
    """A compiled source pattern; ``match`` returns the params or ``None``."""

    source: str
    regex: re.Pattern[str]
    keys: tuple[Key, ...]
    unnamed_params: bool = True
    # Patterns with several repeating parameters match segment by segment
    # (linear); the regex would try every split (approute/patterns/segments.py).
    segments: SegmentMatcher | None = None

    @property
    def test(self) -> Callable[[str], object]:
        """``path → None when it does not match``, the cheapest way: for
        matchers that need no params."""
        return self.regex.match if self.segments is None else self.segments.match

    def match(self, path: str) -> _Params | None:
        """The params of ``path`` (values as given, not decoded), or ``None``.

        ``*``/``+`` parameters are lists (split on their prefix); absent
        optional parameters are left out.
        """
        if self.segments is not None:
            return self.segments.match(path)
        m = self.regex.match(path)
        if m is None:
            return None
        params: _Params = {}
        for index, key in enumerate(self.keys, 1):
            value = m.group(index)
            if value is None or (key.unnamed and not self.unnamed_params):
                continue
            if not value and key.modifier == "?" and not key.prefix and not key.suffix:
                # JavaScript: an optional group that matched empty is undefined.
                continue
            if key.repeat:
                params[key.name] = value.split(key.prefix + key.suffix)
            else:
                params[key.name] = value
        return params

    def __repr__(self) -> str:
        return f"PathPattern({self.source!r})"


_escape = re.escape


def _default(excluded: list[str]) -> str:
    """One segment (``[^/]+?``) that contains none of ``excluded`` (path-to-regexp 6.3)."""
    if not excluded:
        return "[^/]+?"
    avoid = "|".join(_escape(text) for text in dict.fromkeys(excluded))
    return f"(?:(?!{avoid})[^/])+?"


def _separator(token: _Token) -> str:
    """The text between the items of a default-pattern repeat, when not ``/``."""
    if not isinstance(token, _Param) or not token.key.repeat or token.key.pattern:
        return ""
    separator = token.key.suffix + token.key.prefix
    return "" if _DELIMITER in separator else separator


def _guards(tokens: list[_Token]) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Extra text each default parameter must not contain, so no match backtracks badly.

    path-to-regexp 6.3 (the CVE-2024-45296 fix) keeps a parameter from
    containing the text before it, which makes ``/:a-:b`` linear. Two shapes
    still backtrack: a repeat whose items may contain their own separator
    (``/{:a-}+``: exponential) and a parameter before a repeat that may
    contain the repeat's separator (``/:a.:b+``: quadratic). So (1) repeat
    items never contain their separator, and (2) the parameters before such a
    repeat in the same segment never contain it either. Matches differ from
    Next.js only where such a parameter must contain the separator to match at
    all (``/x..y``, a trailing ``.``), paths its own ``split`` mangles anyway.
    """
    items: dict[int, list[str]] = {}
    last: dict[int, list[str]] = {}
    for index, token in enumerate(tokens):
        separator = _separator(token)
        if not separator:
            continue
        items.setdefault(index, []).append(separator)
        for before in range(index - 1, -1, -1):
            other = tokens[before]
            if isinstance(other, str):
                if _DELIMITER in other:
                    break
            elif isinstance(other, _Group):
                if _DELIMITER in other.prefix + other.suffix:
                    break
            else:
                key = other.key
                if _DELIMITER in key.suffix or key.pattern:
                    break  # another segment, or a user regex (the user's own)
                last.setdefault(before, []).append(separator)
                if _DELIMITER in key.prefix:
                    break
    return items, last


def compile_path(
    source: str,
    *,
    where: str,
    case_sensitive: bool = True,
    end: bool = True,
    strict: bool = False,
    unnamed_params: bool = True,
) -> PathPattern:
    """Compile a Next.js ``source`` pattern; errors are ``ProjectError`` naming ``where``.

    ``case_sensitive=False`` for config rules (Next.js's default
    ``caseSensitiveRoutes: false``; middleware matchers are case-sensitive).
    ``end=False`` matches a prefix ending at a segment boundary;
    ``strict=True`` refuses the optional trailing ``/``;
    ``unnamed_params=False`` leaves ``(regex)`` groups out of the params (as
    Next.js does for config rules).
    """
    if not isinstance(source, str):
        raise ProjectError(f"{where}: a pattern must be a string; got {source!r}")
    if not source.startswith("/"):
        raise ProjectError(f"{where}: pattern {source!r} must start with '/'")
    tokens = _parse(source, where)
    item_guards, last_guards = _guards(tokens)
    parts = ["^"]
    keys: list[Key] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            parts.append(_escape(token))
            continue
        if isinstance(token, _Group):
            parts.append(f"(?:{_escape(token.prefix)}{_escape(token.suffix)}){token.modifier}")
            continue
        key = token.key
        keys.append(key)
        prefix, suffix = _escape(key.prefix), _escape(key.suffix)
        own = [token.exclude] if token.exclude else []
        if key.pattern:
            python = _translate(key.pattern, f"{where}: pattern {source!r}", groups=False)
            body = last_body = f"(?:{python})"
        else:
            body = _default(own + item_guards.get(index, []))
            last_body = _default(own + item_guards.get(index, []) + last_guards.get(index, []))
        if key.repeat:
            optional = "?" if key.modifier == "*" else ""
            if last_body == body:
                value = f"{body}(?:{suffix}{prefix}{body})*"
            else:
                value = f"(?:{body}{suffix}{prefix})*{last_body}"
            parts.append(f"(?:{prefix}({value}){suffix}){optional}")
        elif prefix or suffix:
            parts.append(f"(?:{prefix}({last_body}){suffix}){key.modifier}")
        else:
            parts.append(f"({last_body}){key.modifier}")
    if end:
        if not strict:
            parts.append("/?")
        parts.append("\\Z")
    else:
        if not strict:
            parts.append("(?:/(?=\\Z))?")
        last = tokens[-1] if tokens else None
        if not (isinstance(last, str) and last.endswith("/")):
            parts.append("(?=/|\\Z)")
    segments = None
    repeats = sum(1 for key in keys if key.repeat)
    if repeats > 1:
        # Each repeating parameter may take any number of segments: the
        # regex tries every split, so matching costs segments**repeats
        # (path-to-regexp's shape, so Next.js's too). docs/security.md.
        whole = _whole_segments(tokens, item_guards, last_guards) if end else None
        if whole is not None:
            segments = SegmentMatcher(whole, case_sensitive=case_sensitive, strict=strict)
        else:
            logger.warning(
                "%s: pattern %r has %d repeating parameters (:x* or :x+) and text "
                "inside segments; matching it takes time that grows as the path's "
                "segments to the power %d, so a long request path can stall the "
                "server: use one :path* and split it in code",
                where,
                source,
                repeats,
                repeats,
            )
    flags = 0 if case_sensitive else re.IGNORECASE | re.ASCII
    try:
        regex = re.compile("".join(parts), flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ProjectError(f"{where}: pattern {source!r} does not compile: {exc}") from None
    return PathPattern(source, regex, tuple(keys), unnamed_params, segments)


def _whole_segments(
    tokens: list[_Token], item_guards: dict[int, list[str]], last_guards: dict[int, list[str]]
) -> list[Part] | None:
    """``tokens`` as whole-segment parts (literal segments; ``/:x`` with any
    modifier and the default pattern), or None when any is not."""
    parts: list[Part] = []
    for index, token in enumerate(tokens):
        if isinstance(token, str):
            pieces = token.split(_DELIMITER)
            if pieces[0] or not all(pieces[1:]):
                return None  # text inside a segment, or an empty segment
            parts.append(Part(segments=tuple(pieces[1:])))
        elif isinstance(token, _Param):
            key = token.key
            if (
                key.prefix != _DELIMITER
                or key.suffix
                or key.pattern
                or token.exclude
                or item_guards.get(index)
                or last_guards.get(index)
            ):
                return None
            parts.append(Part(name=key.name, modifier=key.modifier))
        else:
            return None  # a {group}
    return parts
