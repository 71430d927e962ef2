"""Path-pattern tokens: path-to-regexp 6.3's lexer and ``parse``.

A source such as ``/blog/:slug{-:lang}?`` becomes a list of tokens: literal
text (``str``), parameters (``_Param``, holding the public :class:`Key`) and
parameter-less ``{...}`` groups (``_Group``); syntax errors are
``ProjectError`` naming ``where`` (and the index, where one is known). Kept
apart from the regex compiler (:mod:`approute.patterns.path`) because
redirect and rewrite destinations (:mod:`approute.patterns.destination`)
parse with it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from approute.errors import ProjectError

__all__ = ["Key"]

_Modifier = Literal["", "?", "*", "+"]

_NAME_CHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_PREFIXES = "./"
_DELIMITER = "/"


@dataclass(frozen=True, slots=True)
class Key:
    """One parameter of a pattern (path-to-regexp's key)."""

    name: str
    prefix: str
    suffix: str
    pattern: str  # JavaScript regex source ("" when the default was used)
    modifier: _Modifier
    unnamed: bool = False

    @property
    def repeat(self) -> bool:
        """``*`` or ``+``: the value is a list of segments."""
        return self.modifier in ("*", "+")

    @property
    def optional(self) -> bool:
        """``?`` or ``*``: the parameter may be absent."""
        return self.modifier in ("?", "*")


@dataclass(frozen=True, slots=True)
class _Group:
    """A ``{prefix suffix}`` group with no parameter (optional literal text)."""

    prefix: str
    suffix: str
    modifier: _Modifier


@dataclass(frozen=True, slots=True)
class _Param:
    """A parameter as parsed: its key, and the text its default pattern excludes."""

    key: Key
    exclude: str  # "" → [^/]+?, else (?:(?!exclude)[^/])+?


_Token = str | _Param | _Group


_LexemeKind = Literal["MODIFIER", "ESCAPED", "OPEN", "CLOSE", "NAME", "PATTERN", "CHAR", "END"]
_SINGLE: dict[str, _LexemeKind] = {
    "*": "MODIFIER",
    "+": "MODIFIER",
    "?": "MODIFIER",
    "{": "OPEN",
    "}": "CLOSE",
}


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: _LexemeKind
    index: int
    value: str


def _fail(where: str, source: str, problem: str, index: int | None = None) -> ProjectError:
    at = "" if index is None else f" (at index {index})"
    return ProjectError(f"{where}: invalid pattern {source!r}: {problem}{at}")


def _lex(source: str, where: str) -> list[_Lexeme]:
    """path-to-regexp's lexer, with its errors."""
    out: list[_Lexeme] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in _SINGLE:
            out.append(_Lexeme(_SINGLE[ch], i, ch))
            i += 1
        elif ch == "\\":
            if i + 1 >= n:
                raise _fail(where, source, "ends with a lone backslash", i)
            out.append(_Lexeme("ESCAPED", i, source[i + 1]))
            i += 2
        elif ch == ":":
            j = i + 1
            while j < n and source[j] in _NAME_CHARS:
                j += 1
            if j == i + 1:
                raise _fail(where, source, "':' must be followed by a parameter name", i)
            out.append(_Lexeme("NAME", i, source[i + 1 : j]))
            i = j
        elif ch == "(":
            j = i + 1
            if j < n and source[j] == "?":
                raise _fail(where, source, "a (pattern) cannot start with '?'", j)
            count = 1
            while j < n:
                if source[j] == "\\":
                    j += 2
                    continue
                if source[j] == ")":
                    count -= 1
                    if count == 0:
                        break
                elif source[j] == "(":
                    count += 1
                    if source[j + 1 : j + 2] != "?":
                        raise _fail(
                            where,
                            source,
                            "capturing groups are not allowed inside a (pattern); use (?:...)",
                            j,
                        )
                j += 1
            if count:
                raise _fail(where, source, "unbalanced '('", i)
            pattern = source[i + 1 : j]
            if not pattern:
                raise _fail(where, source, "empty '()' pattern", i)
            out.append(_Lexeme("PATTERN", i, pattern))
            i = j + 1
        else:
            out.append(_Lexeme("CHAR", i, ch))
            i += 1
    out.append(_Lexeme("END", n, ""))
    return out


class _Parser:
    """path-to-regexp 6.3's ``parse`` (prefixes ``./``, delimiter ``/``)."""

    def __init__(self, source: str, where: str) -> None:
        self.source = source
        self.where = where
        self.lexemes = _lex(source, where)
        self.i = 0
        self.tokens: list[_Token] = []
        self.unnamed = 0

    def take(self, kind: str) -> str | None:
        lexeme = self.lexemes[self.i]
        if lexeme.kind == kind:
            self.i += 1
            return lexeme.value
        return None

    def text(self) -> str:
        out = ""
        while (value := self.take("CHAR")) is not None or (
            value := self.take("ESCAPED")
        ) is not None:
            out += value
        return out

    def safe_pattern(self, prefix: str) -> str:
        """The default pattern: one segment that cannot contain the text before it."""
        prev = self.tokens[-1] if self.tokens else None
        prev_text = prefix or (prev if isinstance(prev, str) else "")
        if prev is not None and not prev_text:
            name = prev.key.name if isinstance(prev, _Param) else "group"
            raise _fail(
                self.where,
                self.source,
                f"two parameters need text between them (nothing after {name!r})",
            )
        if not prev_text or _DELIMITER in prev_text:
            return ""  # [^/]+?
        return prev_text  # (?:(?!prev_text)[^/])+?

    def parse(self) -> list[_Token]:
        path = ""
        while True:
            char = self.take("CHAR")
            name = self.take("NAME")
            pattern = self.take("PATTERN")
            if name is not None or pattern is not None:
                prefix = char or ""
                if prefix not in _PREFIXES:
                    path += prefix
                    prefix = ""
                if path:
                    self.tokens.append(path)
                    path = ""
                self.tokens.append(self.key(name, pattern, prefix, ""))
                continue
            value = char if char is not None else self.take("ESCAPED")
            if value is not None:
                path += value
                continue
            if path:
                self.tokens.append(path)
                path = ""
            if self.take("OPEN") is not None:
                prefix = self.text()
                name = self.take("NAME")
                pattern = self.take("PATTERN")
                suffix = self.text()
                if self.take("CLOSE") is None:
                    lexeme = self.lexemes[self.i]
                    raise _fail(self.where, self.source, "expected '}' to close '{'", lexeme.index)
                if name is None and pattern is None:
                    self.tokens.append(_Group(prefix, suffix, self.modifier()))
                else:
                    self.tokens.append(self.key(name, pattern, prefix, suffix))
                continue
            lexeme = self.lexemes[self.i]
            if lexeme.kind != "END":
                raise _fail(self.where, self.source, self.unexpected(lexeme), lexeme.index)
            return self.tokens

    def modifier(self) -> _Modifier:
        return cast(_Modifier, self.take("MODIFIER") or "")

    def key(self, name: str | None, pattern: str | None, prefix: str, suffix: str) -> _Param:
        unnamed = name is None
        if name is None:
            name = str(self.unnamed)
            self.unnamed += 1
        exclude = self.safe_pattern(prefix) if pattern is None else ""
        modifier = self.modifier()
        if modifier in ("*", "+") and not prefix and not suffix:
            # path-to-regexp 6.3: "Can not repeat without a prefix and suffix".
            raise _fail(
                self.where,
                self.source,
                f"{name!r} can only repeat after '/' or '.' (write /:{name}{modifier})",
            )
        return _Param(Key(name, prefix, suffix, pattern or "", modifier, unnamed), exclude)

    @staticmethod
    def unexpected(lexeme: _Lexeme) -> str:
        if lexeme.kind == "MODIFIER":
            return (
                f"{lexeme.value!r} must follow a :name, a (pattern) or a {{group}} "
                "(write /:path* rather than /*)"
            )
        if lexeme.kind == "CLOSE":
            return "'}' without '{'"
        if lexeme.kind == "OPEN":
            return "'{' groups cannot nest"
        return f"unexpected {lexeme.value!r}"


def _parse(source: str, where: str) -> list[_Token]:
    """path-to-regexp's ``parse``: literal strings, parameters and optional groups."""
    return _Parser(source, where).parse()
