"""``Set-Cookie``: the response cookies of ``NextResponse.cookies`` and
``cookies().set()``, serialised as Next.js's ``@edge-runtime/cookies`` does."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal, overload

from approute.http.cookies import (
    check_cookie_name,
    decode_uri_component,
    encode_uri_component,
)
from approute.http.headers import Headers

__all__ = ["ResponseCookie", "ResponseCookies", "serialize_set_cookie"]

# RFC 6265 §4.1.1 path-value: any CHAR except CTLs or ";" (attribute
# injection; Next writes Path= and Domain= unvalidated).
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
    with ``;`` or control characters, or an unknown option value (tests/http/test_cookies.py).
    """
    check_cookie_name(cookie.name)
    if not isinstance(cookie.value, str):
        raise ValueError(f"cookie {cookie.name!r}: value must be str")
    parts = [f"{cookie.name}={encode_uri_component(cookie.value)}"]
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
    decoded = decode_uri_component(raw.strip())
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
            # Unreadable dates are dropped; a huge zone offset ("+9999999999")
            # overflows timedelta inside parsedate_to_datetime.
            with suppress(TypeError, ValueError, OverflowError):
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
