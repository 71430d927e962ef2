"""JavaScript's character sets, written as Python ``re`` source.

What ``\\d``, ``\\w``, ``\\s`` (and their negations), ``\\b``, ``\\B`` and ``.``
mean in a JavaScript regex without flags, as explicit ASCII/Unicode ranges
(Python's own ``\\d`` or ``\\s`` would match other characters), and one code
point as a literal that is safe inside and outside ``[...]``. The pieces
:mod:`approute.patterns.jsregex` emits; kept apart so the translator is only
the walk over the source.
"""

from __future__ import annotations

__all__: list[str] = []

# JavaScript's WhiteSpace and LineTerminator code points (what \s matches).
_JS_SPACE_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)
_DIGIT_RANGES = ((0x30, 0x39),)
_WORD_RANGES = ((0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A))
_CLASS_ESCAPES = {"d": _DIGIT_RANGES, "w": _WORD_RANGES, "s": _JS_SPACE_RANGES}
_MAX_CODE_POINT = 0x10FFFF

_WORD = "[0-9A-Z_a-z]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NOT_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_DOT = "[^\\n\\r\\u2028\\u2029]"


def _char(code: int) -> str:
    """One code point as a Python ``re`` literal, safe in and out of classes."""
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    if 0x20 <= code <= 0x7E:
        return "\\" + ch  # re: a backslash before ASCII punctuation is a literal
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _ranges(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(_char(a) if a == b else f"{_char(a)}-{_char(b)}" for a, b in ranges)


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    start = 0
    for a, b in ranges:
        if a > start:
            out.append((start, a - 1))
        start = b + 1
    if start <= _MAX_CODE_POINT:
        out.append((start, _MAX_CODE_POINT))
    return tuple(out)


def _set_class(letter: str) -> str:
    """``\\d``/``\\D``/... as the ranges to put inside ``[...]``."""
    ranges = _CLASS_ESCAPES[letter.lower()]
    return _ranges(_complement(ranges) if letter.isupper() else ranges)


def _as_item(atom: int | str) -> str:
    return _char(atom) if isinstance(atom, int) else atom
