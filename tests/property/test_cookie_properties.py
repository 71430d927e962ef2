"""Cookies: Set-Cookie written by approute reads back the same, and no header
text, however broken, makes the parsers raise.

The browser's part is played by hand: it keeps the ``name=value`` before the
first ``;`` of a ``Set-Cookie`` line and sends those pairs joined with ``"; "``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from approute.http.cookies import RequestCookies, parse_cookie_header
from approute.http.headers import Headers
from approute.http.set_cookie import ResponseCookie, ResponseCookies, serialize_set_cookie

# RFC 6265 §4.1.1 cookie-name = token (RFC 9110 tchar).
_TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_NAME = st.text(_TCHARS, min_size=1, max_size=12)
# Any text a JavaScript string can hold (no lone surrogates): the value is
# written with encodeURIComponent, so ";", "=", spaces, "%" and emoji are fine.
_VALUE = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)
# Path and Domain are written as given: printable ASCII without ";", not
# starting or ending with a space (RFC 6265 §5.2 strips those when reading).
_ATTRIBUTE = st.text(st.sampled_from([chr(c) for c in range(0x21, 0x7F) if c != 0x3B]), max_size=16)
_WHEN = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


def _browser_cookie_header(set_cookie_lines: list[str]) -> str:
    return "; ".join(line.split(";", 1)[0] for line in set_cookie_lines)


@settings(max_examples=300, deadline=None)
@given(name=_NAME, value=_VALUE, http_only=st.booleans(), secure=st.booleans())
@example(name="a", value="x; b=y", http_only=True, secure=False)
@example(name="a", value="%41 %", http_only=False, secure=False)
@example(name="a", value="", http_only=False, secure=False)
def test_set_cookie_value_comes_back_from_the_cookie_header(
    name: str, value: str, http_only: bool, secure: bool
) -> None:
    line = serialize_set_cookie(ResponseCookie(name, value, http_only=http_only, secure=secure))
    assert line.split(";", 1)[0].split("=", 1)[0] == name
    assert parse_cookie_header(_browser_cookie_header([line])) == {name: value}


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(_NAME, _VALUE, max_size=8))
def test_many_set_cookies_come_back_as_the_next_requests_cookies(values: dict[str, str]) -> None:
    headers = Headers()
    response = ResponseCookies(headers)
    for name, value in values.items():
        response.set(name, value)
    lines = headers.get_set_cookie()
    assert len(lines) == len(values)
    header = _browser_cookie_header(lines)
    request = RequestCookies(Headers({"cookie": header}) if header else Headers())
    assert {c.name: c.value for c in request.get_all()} == values


@st.composite
def _response_cookies(draw: st.DrawFn) -> ResponseCookie:
    return ResponseCookie(
        draw(_NAME),
        draw(_VALUE),
        path=draw(st.none() | _ATTRIBUTE.filter(bool)),
        expires=draw(st.none() | _WHEN),
        max_age=draw(st.none() | st.integers(-(10**6), 10**9)),
        domain=draw(st.none() | _ATTRIBUTE.filter(bool)),
        secure=draw(st.booleans()),
        http_only=draw(st.booleans()),
        same_site=draw(st.sampled_from([None, "lax", "strict", "none"])),
        partitioned=draw(st.booleans()),
        priority=draw(st.sampled_from([None, "low", "medium", "high"])),
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(_response_cookies(), min_size=1, max_size=5))
def test_response_cookies_read_back_from_their_headers(cookies: list[ResponseCookie]) -> None:
    headers = Headers()
    jar = ResponseCookies(headers)
    for cookie in cookies:
        jar.set(cookie)
    # A second view of the same headers (as a middleware's response is read
    # again later) sees every cookie with every attribute approute writes.
    reread = ResponseCookies(headers)
    expected = {c.name: c for c in cookies}  # one Set-Cookie per name, the last wins
    assert [c.name for c in reread.get_all()] == list(expected)
    for name, original in expected.items():
        got = reread.get(name)
        assert got is not None
        assert got.value == original.value
        assert got.path == (original.path or "/")
        assert got.domain == original.domain
        assert got.max_age == original.max_age
        assert (got.secure, got.http_only, got.partitioned) == (
            original.secure,
            original.http_only,
            original.partitioned,
        )
        assert got.same_site == original.same_site
        assert got.priority == original.priority
        if original.expires is not None:
            assert got.expires == original.expires.replace(microsecond=0)
        elif original.max_age:
            # Fixed when set: now + max_age, give or take the test's own run.
            assert got.expires is not None
            expected_at = datetime.now(UTC) + timedelta(seconds=original.max_age)
            assert abs(got.expires - expected_at) < timedelta(seconds=30)
        else:
            assert got.expires is None


# -- hostile input ------------------------------------------------------------------

_LATIN1 = st.binary(max_size=80)
_COOKIE_TEXT = st.lists(
    st.sampled_from([*' ;=%"\\\t,aZ09é', "%C3", "%A9", "%ZZ", "%25"]), max_size=20
).map("".join)


@settings(max_examples=300, deadline=None)
@given(raw=st.lists(_LATIN1 | _COOKIE_TEXT.map(str.encode), max_size=3))
def test_request_cookie_headers_never_raise(raw: list[bytes]) -> None:
    # As the server hands them over: any bytes, possibly several lines.
    cookies = RequestCookies(Headers.from_asgi([(b"cookie", line) for line in raw]))
    for cookie in cookies.get_all():
        assert cookie.name
        assert cookies.get(cookie.name) == cookie
    # What RequestCookies writes back is a header it reads the same.
    rewritten = str(cookies)
    assert parse_cookie_header(rewritten) == {c.name: c.value for c in cookies.get_all()}


_SET_COOKIE_TEXT = st.lists(
    st.sampled_from(
        [
            "a=1",
            "=x",
            ";",
            " ",
            "=",
            "Path=/x",
            "Domain=.example",
            "Expires=",
            "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "Expires=Mon, 01 Jan 2000 00:00:00 +99999999999999999999",
            "Expires=Mon, 32 Foo 99999 99:99:99 -0000",
            "Max-Age=",
            "Max-Age=-1",
            "Max-Age=1e3",
            "Max-Age=" + "9" * 5000,
            "SameSite=Lax",
            "SameSite=bogus",
            "Priority=HIGH",
            "Secure",
            "HttpOnly",
            "Partitioned",
            "%ZZ",
            "é",
        ]
    ),
    max_size=8,
).map("; ".join)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_SET_COOKIE_TEXT | st.text(max_size=40), max_size=3))
def test_reading_any_set_cookie_headers_never_raises(lines: list[str]) -> None:
    # A response built from arbitrary upstream headers (a proxied or fetched
    # response): reading its cookies must not fail, whatever the lines say.
    raw = [(b"set-cookie", line.encode("utf-8")) for line in lines]
    headers = Headers.from_asgi(raw)
    jar = ResponseCookies(headers)
    for cookie in jar.get_all():
        assert cookie.name.strip() == cookie.name != ""
        assert jar.get(cookie.name) is cookie
