"""JavaScript regular expressions (as written in Next.js configs) → Python ``re``.

Next.js evaluates matcher groups and ``has`` values with ``new RegExp(...)``
and no flags, so this translates the non-Unicode (Annex B) dialect:

    >>> translate(r"(?<ver>\\d+)\\.x$", where="middleware.py")
    '(?P<ver>[0-9]+)\\\\.x\\\\Z'

``\\d``, ``\\w``, ``\\s`` and ``\\b`` keep their JavaScript (ASCII) meaning, ``.``
does not match line terminators (:mod:`approute.patterns.jschars` spells
these out), ``$`` is the end of the input, ``[]`` matches nothing and ``[^]``
anything. Syntax Python would read differently is refused: ``\\u{...}`` and
``\\p{...}`` (they need the ``u`` flag, which Next.js never sets), legacy
octal escapes, and anything that does not compile.
Variable-width lookbehind, fine in JavaScript, is refused by Python's ``re``.
"""

from __future__ import annotations

import re

from approute.errors import ProjectError
from approute.patterns.jschars import (
    _BOUNDARY,
    _DOT,
    _NOT_BOUNDARY,
    _as_item,
    _char,
    _set_class,
)

__all__ = ["translate"]

_CONTROL_ESCAPES = {"t": 0x09, "n": 0x0A, "v": 0x0B, "f": 0x0C, "r": 0x0D}
_QUANTIFIER = re.compile(r"\{([0-9]+)(,([0-9]*))?\}")
_HEX2 = re.compile(r"[0-9A-Fa-f]{2}")
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_GROUP_NAME = re.compile(r"<([^>]*)>")
# Characters Python's re treats specially outside a class.
_PY_SPECIAL = frozenset(".^$*+?{}[]\\|()#&~- \t\n\r\v\f")


class _Translator:
    """One pass over the JavaScript source, emitting Python ``re`` source."""

    def __init__(self, js: str, where: str, *, groups: bool) -> None:
        self.js = js
        self.where = where
        self.groups_allowed = groups
        self.i = 0
        self.out: list[str] = []
        self.capture_count, self.names = self._scan_groups()

    def fail(self, problem: str, at: int | None = None) -> ProjectError:
        index = self.i if at is None else at
        return ProjectError(
            f"{self.where}: regular expression {self.js!r}: {problem} (at index {index})"
        )

    def _scan_groups(self) -> tuple[int, frozenset[str]]:
        """Count capturing groups and collect names (for backreferences)."""
        js, i, count, names = self.js, 0, 0, set()
        in_class = False
        while i < len(js):
            ch = js[i]
            if ch == "\\":
                i += 2
                continue
            if in_class:
                in_class = ch != "]"
            elif ch == "[":
                in_class = True
            elif ch == "(":
                if not js.startswith("(?", i):
                    count += 1
                elif js.startswith("(?<", i) and js[i + 3 : i + 4] not in ("=", "!"):
                    count += 1
                    name = _GROUP_NAME.match(js, i + 2)
                    if name is not None:
                        names.add(name.group(1))
            i += 1
        return count, frozenset(names)

    # -- the main loop ----------------------------------------------------

    def run(self) -> str:
        js = self.js
        depth: list[int] = []  # index of each open "("
        seen_names: set[str] = set()
        # Whether the last thing emitted may take a quantifier.
        quantifiable = False
        while self.i < len(js):
            ch = js[self.i]
            start = self.i
            if ch == "\\":
                quantifiable = self._escape()
            elif ch == "[":
                self._class()
                quantifiable = True
            elif ch == "(":
                self._open_group(seen_names)
                depth.append(start)
                quantifiable = False
            elif ch == ")":
                if not depth:
                    raise self.fail("unmatched ')'")
                depth.pop()
                self.out.append(")")
                self.i += 1
                quantifiable = True
            elif ch in "*+?" or (ch == "{" and _QUANTIFIER.match(js, self.i)):
                if not quantifiable:
                    raise self.fail(f"nothing to repeat before {ch!r}")
                self._quantifier(_QUANTIFIER.match(js, self.i))
                quantifiable = False
            elif ch == "|":
                self.out.append("|")
                self.i += 1
                quantifiable = False
            elif ch == "^":
                self.out.append("^")
                self.i += 1
                quantifiable = False
            elif ch == "$":
                # JavaScript's $ (no m flag) is the end of the input; Python's
                # would also match before a final "\n".
                self.out.append("\\Z")
                self.i += 1
                quantifiable = False
            elif ch == ".":
                self.out.append(_DOT)
                self.i += 1
                quantifiable = True
            else:
                # Annex B: a lone "{", "}" or "]" is a literal.
                self.out.append(_char(ord(ch)) if ch in _PY_SPECIAL else ch)
                self.i += 1
                quantifiable = True
        if depth:
            raise self.fail("unterminated group", at=depth[-1])
        return "".join(self.out)

    def _quantifier(self, m: re.Match[str] | None) -> None:
        """``*``, ``+``, ``?`` or the ``{n,m}`` in ``m``, plus a lazy ``?``."""
        js = self.js
        if m is not None:
            low = int(m.group(1))
            high = m.group(3)
            if high and int(high) < low:
                raise self.fail("numbers out of order in {} quantifier")
            self.out.append(m.group())
            self.i = m.end()
        else:
            self.out.append(js[self.i])
            self.i += 1
        if self.i < len(js) and js[self.i] == "?":
            self.out.append("?")
            self.i += 1
        # "a**" or "a+*" is a SyntaxError in JavaScript (and "a*+" would be a
        # possessive quantifier in Python 3.11).
        if self.i < len(js) and (js[self.i] in "*+?" or _QUANTIFIER.match(js, self.i)):
            raise self.fail(f"nothing to repeat before {js[self.i]!r}")

    def _open_group(self, seen_names: set[str]) -> None:
        js, i = self.js, self.i
        if not js.startswith("(?", i):
            if not self.groups_allowed:
                raise self.fail("capturing groups are not allowed here; use (?:...)")
            self.out.append("(")
            self.i += 1
            return
        for opener in ("(?:", "(?=", "(?!", "(?<=", "(?<!"):
            if js.startswith(opener, i):
                self.out.append(opener)
                self.i += len(opener)
                return
        if js.startswith("(?<", i):
            m = _GROUP_NAME.match(js, i + 2)
            if m is None:
                raise self.fail("unterminated group name")
            name = m.group(1)
            if not self.groups_allowed:
                raise self.fail(f"named group <{name}> is not allowed here; use :name(...)")
            if not name.isidentifier():
                raise self.fail(f"group name {name!r} must be letters, digits and _")
            if name in seen_names:
                raise self.fail(f"duplicate group name {name!r}")
            seen_names.add(name)
            self.out.append(f"(?P<{name}>")
            self.i = m.end()
            return
        raise self.fail("invalid group: after '(?' expected ':', '=', '!', '<=', '<!' or '<name>'")

    # -- escapes ----------------------------------------------------------

    def _escape(self) -> bool:
        """Translate the escape at ``self.i``; return whether it is quantifiable."""
        js = self.js
        at = self.i
        if at + 1 >= len(js):
            raise self.fail("\\ at end of pattern")
        ch = js[at + 1]
        self.i = at + 2
        if ch in "dDwWsS":
            self.out.append(f"[{_set_class(ch)}]")
            return True
        if ch == "b":
            self.out.append(_BOUNDARY)
            return False
        if ch == "B":
            self.out.append(_NOT_BOUNDARY)
            return False
        if ch.isdigit() and ch != "0":
            return self._backreference(at)
        if ch == "k" and self.names:
            m = _GROUP_NAME.match(js, self.i)
            if m is None or m.group(1) not in self.names:
                raise self.fail("\\k must name a group of this pattern", at)
            if not self.groups_allowed:
                raise self.fail("backreferences are not allowed here", at)
            self.out.append(f"(?P={m.group(1)})")
            self.i = m.end()
            return True
        code = self._character_escape(ch, at, in_class=False)
        self.out.append(_char(code))
        return True

    def _backreference(self, at: int) -> bool:
        js = self.js
        end = at + 1
        while end < len(js) and js[end].isdigit():
            end += 1
        number = int(js[at + 1 : end])
        if not self.groups_allowed:
            raise self.fail("backreferences are not allowed here", at)
        if number > self.capture_count:
            # Annex B would read it as an octal escape; refuse the ambiguity.
            raise self.fail(f"\\{number} refers to a group that does not exist", at)
        self.i = end
        self.out.append(f"\\{number}(?:)")
        return True

    def _character_escape(self, ch: str, at: int, *, in_class: bool) -> int:
        """The code point of a character escape whose letter is ``ch``."""
        js = self.js
        if ch in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[ch]
        if ch == "0":
            if self.i < len(js) and js[self.i].isdigit():
                raise self.fail("octal escapes are not supported; use \\xHH", at)
            return 0
        if ch.isdigit():  # only reachable inside a class
            raise self.fail("octal escapes are not supported; use \\xHH", at)
        if ch == "c":
            letter = js[self.i : self.i + 1]
            if not (letter.isascii() and letter.isalpha()):
                raise self.fail("\\c must be followed by a letter", at)
            self.i += 1
            return ord(letter) % 32
        if ch == "x":
            m = _HEX2.match(js, self.i)
            if m is None:
                return ord("x")  # Annex B identity escape
            self.i = m.end()
            return int(m.group(), 16)
        if ch == "u":
            if js.startswith("{", self.i):
                raise self.fail(
                    "\\u{...} needs the u flag, which Next.js does not use; write \\uHHHH", at
                )
            m = _HEX4.match(js, self.i)
            if m is None:
                return ord("u")
            self.i = m.end()
            code = int(m.group(), 16)
            # A surrogate pair written as two escapes is one Python character.
            if 0xD800 <= code <= 0xDBFF and js.startswith("\\u", self.i):
                low = _HEX4.match(js, self.i + 2)
                if low is not None and 0xDC00 <= int(low.group(), 16) <= 0xDFFF:
                    self.i = low.end()
                    return 0x10000 + ((code - 0xD800) << 10) + (int(low.group(), 16) - 0xDC00)
            return code
        if ch in "pP" and js.startswith("{", self.i):
            raise self.fail(f"\\{ch}{{...}} needs the u flag, which Next.js does not use", at)
        if ch == "b" and in_class:
            return 0x08
        return ord(ch)  # identity escape: \/ → "/", \. → "."

    # -- character classes --------------------------------------------------

    def _class(self) -> None:
        js = self.js
        start = self.i
        self.i += 1
        negated = js.startswith("^", self.i)
        if negated:
            self.i += 1
        items: list[str] = []
        while True:
            if self.i >= len(js):
                raise self.fail("unterminated character class", at=start)
            if js[self.i] == "]":
                self.i += 1
                break
            low = self._class_atom()
            if js.startswith("-", self.i) and self.i + 1 < len(js) and js[self.i + 1] != "]":
                self.i += 1
                high = self._class_atom()
                if isinstance(low, int) and isinstance(high, int):
                    if low > high:
                        raise self.fail("range out of order in character class")
                    items.append(f"{_char(low)}-{_char(high)}")
                    continue
                # Annex B: a class escape next to "-" makes the "-" literal.
                items.extend((_as_item(low), _char(ord("-")), _as_item(high)))
                continue
            items.append(_as_item(low))
        body = "".join(items)
        if not body:
            # [] matches nothing, [^] matches any character.
            self.out.append("[\\x00-\\U0010ffff]" if negated else "(?!)")
        else:
            self.out.append(f"[{'^' if negated else ''}{body}]")

    def _class_atom(self) -> int | str:
        """A code point, or the ranges of a class escape (``\\d`` ...)."""
        js = self.js
        ch = js[self.i]
        if ch != "\\":
            self.i += 1
            return ord(ch)
        at = self.i
        if at + 1 >= len(js):
            raise self.fail("\\ at end of pattern")
        letter = js[at + 1]
        self.i = at + 2
        if letter in "dDwWsS":
            return _set_class(letter)
        if letter == "-":
            return ord("-")
        return self._character_escape(letter, at, in_class=True)


def _translate(js: str, where: str, *, groups: bool) -> str:
    python = _Translator(js, where, groups=groups).run()
    try:
        re.compile(python)
    except re.error as exc:
        raise ProjectError(
            f"{where}: regular expression {js!r} is not supported by Python's re: {exc}"
        ) from None
    except (OverflowError, RecursionError):
        raise ProjectError(f"{where}: regular expression {js!r} is too large") from None
    return python


def translate(js: str, *, where: str) -> str:
    """Translate JavaScript regex source to Python ``re`` source (checked to compile).

    Named groups ``(?<name>...)`` become ``(?P<name>...)`` and ``\\k<name>``
    becomes ``(?P=name)``; anything JavaScript would reject, or Python would
    read differently, raises ``ProjectError`` naming ``where``.
    """
    return _translate(js, where, groups=True)
