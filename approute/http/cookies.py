"""Request cookies (the ``Cookie`` header), as Next.js's ``@edge-runtime/cookies``
has them; ``Set-Cookie`` lives in :mod:`approute.http.set_cookie`.

``http.cookies`` is never used: its parser is quadratic on backslashes
(CPython CVE-2024-7592) and it raises on input browsers send.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import overload
from urllib.parse import quote

from approute._compiled import mypyc_attr
from approute.http.headers import Headers

__all__ = [
    "Cookie",
    "RequestCookies",
    "check_cookie_name",
    "decode_uri_component",
    "encode_uri_component",
    "parse_cookie_header",
]

# @edge-runtime/cookies splits the header with /; */ (spaces only, not tabs).
_PAIR_SEPARATOR = re.compile(r"; *")
# RFC 6265 §4.1.1: cookie-name = token (RFC 2616 token = RFC 9110 tchar+).
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# decodeURIComponent throws on a "%" not followed by two hex digits.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ESCAPE_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# Characters encodeURIComponent leaves alone (ECMA-262 uriUnreserved).
_URI_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.!~*'()]*")


@mypyc_attr(allow_interpreted_subclasses=True)
@dataclass(frozen=True, slots=True)
class Cookie:
    """A request cookie, as ``request.cookies.get("theme")`` returns it."""

    name: str
    value: str


def _decode_run(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8")


def decode_uri_component(value: str) -> str | None:
    """JavaScript's ``decodeURIComponent``; ``None`` where it would throw."""
    if "%" not in value:
        return value
    if _BAD_ESCAPE.search(value) is not None:
        return None
    try:
        # A run of escapes must be whole UTF-8, as in JS (strict: no
        # surrogates, no overlong forms).
        return _ESCAPE_RUN.sub(_decode_run, value)
    except UnicodeDecodeError:
        return None


def encode_uri_component(value: str) -> str:
    """JavaScript's ``encodeURIComponent`` (cookie values are written with it)."""
    if _URI_UNRESERVED.fullmatch(value) is not None:
        return value
    # quote() keeps A-Za-z0-9_.-~ ; adding !*'() gives encodeURIComponent's set.
    return quote(value, safe="!*'()")


def parse_cookie_header(value: str) -> dict[str, str]:
    """Parse a ``Cookie`` header the way Next.js does; never raises.

    Pairs split on ``;`` plus spaces and at the first ``=``; a bare name
    reads ``"true"``; values are ``decodeURIComponent``-ed and a pair that
    fails to decode is skipped; the last duplicate wins. Pairs with an empty
    name are dropped (Werkzeug CVE-2023-23934: ``=__Host-x=bad`` must not
    become ``__Host-x``).

        >>> parse_cookie_header("a=1; b=%20x; flag; a=2")
        {'a': '2', 'b': ' x', 'flag': 'true'}
    """
    cookies: dict[str, str] = {}
    for pair in _PAIR_SEPARATOR.split(value):
        eq = pair.find("=")
        if eq == -1:
            if pair:
                cookies[pair] = "true"
            continue
        if eq == 0:
            continue
        decoded = decode_uri_component(pair[eq + 1 :])
        if decoded is not None:
            cookies[pair[:eq]] = decoded
    return cookies


def check_cookie_name(name: str) -> None:
    """Refuse a name that is not an RFC 6265 token (``ValueError``)."""
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        raise ValueError(f"invalid cookie name {name!r}: it must be an RFC 6265 token")


@mypyc_attr(allow_interpreted_subclasses=True)
class RequestCookies:
    """The request's cookies (``request.cookies``), parsed once on first use.

    ``set``/``delete``/``clear`` rewrite the ``cookie`` header of the headers
    they view, as Next.js does, so later code sees the change.
    """

    __slots__ = ("_headers", "_parsed")

    def __init__(self, headers: Headers) -> None:
        self._headers = headers
        self._parsed: dict[str, str] | None = None

    def _cookies(self) -> dict[str, str]:
        parsed = self._parsed
        if parsed is None:
            # RFC 9113 §8.2.3: split cookie fields are rejoined with "; ".
            lines = self._headers.get_all("cookie")
            parsed = self._parsed = parse_cookie_header("; ".join(lines))
        return parsed

    def _write(self) -> None:
        serialized = str(self)
        if serialized:
            self._headers.set("cookie", serialized)
        else:
            self._headers.delete("cookie")

    def get(self, name: str) -> Cookie | None:
        """The cookie called ``name``, or ``None``."""
        value = self._cookies().get(name)
        return None if value is None else Cookie(name, value)

    def get_all(self, name: str | None = None) -> list[Cookie]:
        """Every cookie, or the one called ``name`` (``[]`` when absent)."""
        cookies = self._cookies()
        if name is None:
            return [Cookie(n, v) for n, v in cookies.items()]
        value = cookies.get(name)
        return [] if value is None else [Cookie(name, value)]

    def has(self, name: str) -> bool:
        """Whether a cookie called ``name`` was sent (or set since)."""
        return name in self._cookies()

    @overload
    def set(self, name: Cookie, /) -> RequestCookies: ...
    @overload
    def set(self, name: str, value: str, /) -> RequestCookies: ...
    def set(self, name: str | Cookie, value: str | None = None, /) -> RequestCookies:
        """Add or replace a cookie and rewrite the ``cookie`` header."""
        if isinstance(name, Cookie):
            value = name.value
            name = name.name
        check_cookie_name(name)
        if not isinstance(value, str):
            raise TypeError(f"cookie {name!r}: value must be str")
        self._cookies()[name] = value
        self._write()
        return self

    @overload
    def delete(self, names: str) -> bool: ...
    @overload
    def delete(self, names: list[str]) -> list[bool]: ...
    def delete(self, names: str | list[str]) -> bool | list[bool]:
        """Remove one or several cookies; ``True`` for each that existed."""
        cookies = self._cookies()
        if isinstance(names, str):
            found: bool | list[bool] = cookies.pop(names, None) is not None
        else:
            found = [cookies.pop(n, None) is not None for n in names]
        self._write()
        return found

    def clear(self) -> RequestCookies:
        """Remove every cookie (and the ``cookie`` header)."""
        self._cookies().clear()
        self._write()
        return self

    def __contains__(self, name: object) -> bool:
        return name in self._cookies()

    def __len__(self) -> int:
        return len(self._cookies())

    def __iter__(self) -> Iterator[Cookie]:
        return iter(self.get_all())

    def __str__(self) -> str:
        return "; ".join(f"{n}={encode_uri_component(v)}" for n, v in self._cookies().items())

    def __repr__(self) -> str:
        return f"RequestCookies({self._cookies()!r})"
