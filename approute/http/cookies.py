"""Request and response cookies, as Next.js's ``@edge-runtime/cookies`` has them.

``http.cookies`` is never used: its parser is quadratic on backslashes
(CPython CVE-2024-7592) and it raises on input browsers send.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, overload
from urllib.parse import quote

from approute.http.headers import Headers

__all__ = [
    "Cookie",
    "RequestCookies",
    "ResponseCookie",
    "ResponseCookies",
    "parse_cookie_header",
    "serialize_set_cookie",
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
# RFC 6265 §4.1.1 path-value: any CHAR except CTLs or ";" (HI-02; Next
# writes Path= and Domain= unvalidated).
_BAD_ATTRIBUTE = re.compile(r"[\x00-\x1f\x7f;]")

_SAME_SITE = frozenset({"lax", "strict", "none"})
_PRIORITY = frozenset({"low", "medium", "high"})
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Cookie:
    """A request cookie, as ``request.cookies.get("theme")`` returns it."""

    name: str
    value: str


@dataclass(slots=True)
class ResponseCookie:
    """A cookie to send with ``Set-Cookie``; only ``path`` has a default (Next.js)."""

    name: str
    value: str
    path: str | None = "/"
    expires: datetime | None = None
    max_age: int | None = None
    domain: str | None = None
    secure: bool = False
    http_only: bool = False
    same_site: Literal["lax", "strict", "none"] | bool | None = None
    partitioned: bool = False
    priority: Literal["low", "medium", "high"] | None = None


def _decode_run(match: re.Match[str]) -> str:
    return bytes.fromhex(match.group().replace("%", "")).decode("utf-8")


def _decode_uri_component(value: str) -> str | None:
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


def _encode_uri_component(value: str) -> str:
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
        decoded = _decode_uri_component(pair[eq + 1 :])
        if decoded is not None:
            cookies[pair[:eq]] = decoded
    return cookies


def _check_name(name: str) -> None:
    if not isinstance(name, str) or _TOKEN.fullmatch(name) is None:
        raise ValueError(f"invalid cookie name {name!r}: it must be an RFC 6265 token")


def _check_attribute(attribute: str, value: str) -> None:
    if _BAD_ATTRIBUTE.search(value) is not None:
        raise ValueError(f"cookie {attribute} {value!r} contains ';' or a control character")


def _http_date(when: datetime) -> str:
    """RFC 7231 IMF-fixdate, locale-independent (``Date.toUTCString()``)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # naive datetimes are read as UTC
    t = when.astimezone(UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )


def serialize_set_cookie(cookie: ResponseCookie) -> str:
    """One ``Set-Cookie`` value in Next.js's attribute order.

        >>> serialize_set_cookie(ResponseCookie("a", "x; y", http_only=True))
        'a=x%3B%20y; Path=/; HttpOnly'

    Raises ``ValueError`` for a name that is not a token, a path or domain
    with ``;`` or control characters, or an unknown option value (HI-02).
    """
    _check_name(cookie.name)
    if not isinstance(cookie.value, str):
        raise ValueError(f"cookie {cookie.name!r}: value must be str")
    parts = [f"{cookie.name}={_encode_uri_component(cookie.value)}"]
    if cookie.path:
        _check_attribute("path", cookie.path)
        parts.append(f"Path={cookie.path}")
    max_age = cookie.max_age
    if max_age is not None and (type(max_age) is not int):
        raise ValueError(f"cookie {cookie.name!r}: max_age must be an int of seconds")
    expires = cookie.expires
    if expires is not None:
        if not isinstance(expires, datetime):
            raise ValueError(f"cookie {cookie.name!r}: expires must be a datetime")
        parts.append(f"Expires={_http_date(expires)}")
    elif max_age:
        # Next's normalizeCookie: a (non-zero) maxAge also sets expires.
        parts.append(f"Expires={_http_date(_expiry(max_age))}")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if cookie.domain:
        _check_attribute("domain", cookie.domain)
        parts.append(f"Domain={cookie.domain}")
    if cookie.secure:
        parts.append("Secure")
    if cookie.http_only:
        parts.append("HttpOnly")
    same_site = cookie.same_site
    if same_site is True:
        parts.append("SameSite=strict")  # `cookie`'s convention: true means strict
    elif isinstance(same_site, str) and same_site.lower() in _SAME_SITE:
        parts.append(f"SameSite={same_site}")
    elif same_site not in (None, False):
        raise ValueError(
            f"cookie {cookie.name!r}: same_site must be 'lax', 'strict', 'none', "
            f"True or False; got {same_site!r}"
        )
    if cookie.partitioned:
        parts.append("Partitioned")
    if cookie.priority is not None:
        if cookie.priority not in _PRIORITY:
            raise ValueError(
                f"cookie {cookie.name!r}: priority must be 'low', 'medium' or "
                f"'high'; got {cookie.priority!r}"
            )
        parts.append(f"Priority={cookie.priority}")
    return "; ".join(parts)


def _expiry(max_age: int) -> datetime:
    return datetime.fromtimestamp(int(time.time()) + max_age, UTC)


def _parse_set_cookie(line: str) -> ResponseCookie | None:
    """Read a ``Set-Cookie`` value back; ``None`` when it has no name."""
    first, _, rest = line.partition(";")
    name, eq, raw = first.partition("=")
    name = name.strip()
    if not eq or not name:
        return None
    decoded = _decode_uri_component(raw.strip())
    cookie = ResponseCookie(name, raw.strip() if decoded is None else decoded, None)
    for attribute in rest.split(";"):
        key, _, value = attribute.partition("=")
        key = key.strip().lower()
        value = value.strip()
        if key == "path":
            cookie.path = value or None
        elif key == "domain":
            cookie.domain = value or None
        elif key == "expires":
            with suppress(TypeError, ValueError):  # unreadable dates are dropped
                cookie.expires = parsedate_to_datetime(value)
        elif key == "max-age":
            with suppress(ValueError):
                cookie.max_age = int(value)
        elif key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.http_only = True
        elif key == "partitioned":
            cookie.partitioned = True
        elif key == "samesite" and value.lower() in _SAME_SITE:
            cookie.same_site = value.lower()  # type: ignore[assignment]  # checked
        elif key == "priority" and value.lower() in _PRIORITY:
            cookie.priority = value.lower()  # type: ignore[assignment]  # checked
    return cookie


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
        _check_name(name)
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
        return "; ".join(f"{n}={_encode_uri_component(v)}" for n, v in self._cookies().items())

    def __repr__(self) -> str:
        return f"RequestCookies({self._cookies()!r})"


class ResponseCookies:
    """A response's cookies (``response.cookies``): one ``Set-Cookie`` per name.

    >>> h = Headers()
    >>> ResponseCookies(h).set("theme", "dark", http_only=True)
    ResponseCookies(['theme=dark; Path=/; HttpOnly'])
    """

    __slots__ = ("_headers", "_jar", "_opaque")

    def __init__(self, headers: Headers) -> None:
        self._headers = headers
        # name -> (cookie, its Set-Cookie line); lines read from the headers
        # are kept verbatim so attributes approute does not model survive.
        self._jar: dict[str, tuple[ResponseCookie, str]] = {}
        self._opaque: list[str] = []
        for line in headers.get_set_cookie():
            cookie = _parse_set_cookie(line)
            if cookie is None:
                self._opaque.append(line)
            else:
                self._jar[cookie.name] = (cookie, line)

    def _write(self) -> None:
        headers = self._headers
        headers.delete("set-cookie")
        for line in self._opaque:
            headers.append("set-cookie", line)
        for _, line in self._jar.values():
            headers.append("set-cookie", line)

    @overload
    def set(self, name: ResponseCookie, /) -> ResponseCookies: ...
    @overload
    def set(
        self,
        name: str,
        value: str,
        /,
        *,
        path: str | None = "/",
        expires: datetime | None = None,
        max_age: int | None = None,
        domain: str | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: Literal["lax", "strict", "none"] | bool | None = None,
        partitioned: bool = False,
        priority: Literal["low", "medium", "high"] | None = None,
    ) -> ResponseCookies: ...
    def set(
        self,
        name: str | ResponseCookie,
        value: str | None = None,
        /,
        *,
        path: str | None = "/",
        expires: datetime | None = None,
        max_age: int | None = None,
        domain: str | None = None,
        secure: bool = False,
        http_only: bool = False,
        same_site: Literal["lax", "strict", "none"] | bool | None = None,
        partitioned: bool = False,
        priority: Literal["low", "medium", "high"] | None = None,
    ) -> ResponseCookies:
        """Add or replace the cookie ``name``; raises ``ValueError`` on bad input."""
        if isinstance(name, ResponseCookie):
            cookie = name
        else:
            if not isinstance(value, str):
                raise ValueError(f"cookie {name!r}: value must be str")
            cookie = ResponseCookie(
                name,
                value,
                path,
                expires,
                max_age,
                domain,
                secure,
                http_only,
                same_site,
                partitioned,
                priority,
            )
        if cookie.path is None:
            cookie = replace(cookie, path="/")  # Next's normalizeCookie
        if cookie.expires is None and cookie.max_age and type(cookie.max_age) is int:
            # Fix Expires now, so that get() shows it and it never moves.
            cookie = replace(cookie, expires=_expiry(cookie.max_age))
        line = serialize_set_cookie(cookie)  # validates before anything changes
        # A dict keeps the first position of a name, as Next's Map does.
        self._jar[cookie.name] = (cookie, line)
        self._write()
        return self

    def get(self, name: str) -> ResponseCookie | None:
        """The cookie set under ``name``, or ``None``."""
        entry = self._jar.get(name)
        return None if entry is None else entry[0]

    def get_all(self, name: str | None = None) -> list[ResponseCookie]:
        """Every cookie, or the one called ``name``."""
        if name is None:
            return [cookie for cookie, _ in self._jar.values()]
        entry = self._jar.get(name)
        return [] if entry is None else [entry[0]]

    def has(self, name: str) -> bool:
        """Whether a cookie called ``name`` is set on the response."""
        return name in self._jar

    def delete(self, name: str, *, path: str = "/", domain: str | None = None) -> bool:
        """Expire ``name`` in the browser; ``True`` if it was set on this response.

        Writes ``name=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT``; the
        browser only drops it when path and domain match the original.
        """
        existed = name in self._jar
        self.set(ResponseCookie(name, "", path, _EPOCH, domain=domain))
        return existed

    def __contains__(self, name: object) -> bool:
        return name in self._jar

    def __len__(self) -> int:
        return len(self._jar)

    def __iter__(self) -> Iterator[ResponseCookie]:
        return iter(self.get_all())

    def __str__(self) -> str:
        return "; ".join(line for _, line in self._jar.values())

    def __repr__(self) -> str:
        return f"ResponseCookies({[line for _, line in self._jar.values()]!r})"
