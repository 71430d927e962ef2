"""approute.http.paths: the one path normaliser (docs/routing.md, "Path
normalisation"; docs/security.md, "One path, normalised once")."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from approute.errors import BadRequest
from approute.http.paths import (
    NormalizedPath,
    _normalize_slow,
    decode_segment,
    normalize_path,
    split_segments,
)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        pytest.param(b"/", "/", id="root"),
        pytest.param(b"/api/users/42", "/api/users/42", id="plain"),
        pytest.param(b"/api/hello.json", "/api/hello.json", id="dot-in-segment"),
        pytest.param(b"/a%2Fb", "/a%2Fb", id="encoded-slash-kept"),
        pytest.param(b"/%61dmin", "/%61dmin", id="escape-kept-as-sent"),
        pytest.param(b"/%2561dmin", "/%2561dmin", id="double-encoding-kept"),
        pytest.param(b"/caf%C3%A9", "/caf%C3%A9", id="utf8-escape"),
        pytest.param(b"/admin;x=1", "/admin;x=1", id="semicolon-ordinary"),
        pytest.param(b"/admin.", "/admin.", id="trailing-dot-kept"),
        pytest.param(b"/admin%2e", "/admin%2e", id="encoded-trailing-dot-kept"),
        pytest.param(b"/%5Cevil.com", "/%5Cevil.com", id="encoded-backslash-kept"),
        pytest.param(b"/API/X", "/API/X", id="case-kept"),
        pytest.param(b"/a/%09/b", "/a/%09/b", id="encoded-tab-allowed"),
    ],
)
def test_canonical_path_needs_no_redirect(raw: bytes, path: str) -> None:
    assert normalize_path(raw) == NormalizedPath(path, None)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        pytest.param(b"/x/../admin", "/admin", id="dotdot"),
        pytest.param(b"/./admin", "/admin", id="dot"),
        pytest.param(b"/admin/./1", "/admin/1", id="dot-middle"),
        pytest.param(b"/../../a", "/a", id="clamped-at-root"),
        pytest.param(b"/x/%2e%2e/admin", "/admin", id="encoded-dotdot"),
        pytest.param(b"/x/%2E%2E/admin", "/admin", id="encoded-dotdot-upper"),
        pytest.param(b"/x/.%2e/admin", "/admin", id="half-encoded-dotdot"),
        pytest.param(b"/x/%2E./admin", "/admin", id="half-encoded-dotdot-2"),
        pytest.param(b"/x/%2e/admin", "/x/admin", id="encoded-dot"),
        pytest.param(b"/api/private/../../admin", "/admin", id="two-levels-up"),
        pytest.param(b"/api/private/%2e%2e/%2e%2e/admin", "/admin", id="two-levels-up-encoded"),
        pytest.param(b"/x/..", "/", id="back-to-root"),
        pytest.param(b"/a/b/..", "/a", id="trailing-dotdot-no-slash"),
        pytest.param(b"/admin%2F..", "/admin%2F..", id="dotdot-inside-segment-kept"),
        pytest.param(b"/admin/..%2F", "/admin/..%2F", id="dotdot-with-slash-kept"),
        pytest.param(b"/...", "/...", id="three-dots-ordinary"),
        pytest.param(b"/.well-known/x", "/.well-known/x", id="dot-prefixed-name"),
    ],
)
def test_dot_segments_resolve_without_redirect(raw: bytes, path: str) -> None:
    assert normalize_path(raw) == NormalizedPath(path, None)


@pytest.mark.parametrize(
    ("raw", "query", "expected"),
    [
        pytest.param(b"//a//b", b"", NormalizedPath("/a/b", "/a/b"), id="slashes"),
        pytest.param(b"//admin", b"", NormalizedPath("/admin", "/admin"), id="leading"),
        pytest.param(b"///admin", b"", NormalizedPath("/admin", "/admin"), id="three"),
        pytest.param(b"/admin//1", b"", NormalizedPath("/admin/1", "/admin/1"), id="mid"),
        pytest.param(b"//", b"", NormalizedPath("/", "/"), id="only-slashes"),
        pytest.param(
            b"/\\evil.com",
            b"",
            NormalizedPath("/evil.com", "/evil.com"),
            id="backslash",
        ),
        pytest.param(
            b"/admin\\1",
            b"",
            NormalizedPath("/admin/1", "/admin/1"),
            id="backslash-mid",
        ),
        pytest.param(b"/\\/evil.com/", b"", NormalizedPath("/evil.com", "/evil.com"), id="mixed"),
        pytest.param(b"//a//b", b"x=1&y", NormalizedPath("/a/b", "/a/b?x=1&y"), id="query-kept"),
        pytest.param(
            b"//a",
            b"q=%20+%ZZ",
            NormalizedPath("/a", "/a?q=%20+%ZZ"),
            id="query-as-sent",
        ),
        pytest.param(b"//a", b"q=a\r\nb", NormalizedPath("/a", "/a?q=a%0D%0Ab"), id="query-crlf"),
        pytest.param(b"/a//../b", b"", NormalizedPath("/b", "/b"), id="collapse-then-resolve"),
        pytest.param(b"/a/", b"", NormalizedPath("/a", "/a"), id="trailing-slash"),
        pytest.param(b"/a/", b"k=v", NormalizedPath("/a", "/a?k=v"), id="slash-query"),
        pytest.param(b"/a//", b"", NormalizedPath("/a", "/a"), id="double-trailing"),
        pytest.param(b"/x/../a/", b"", NormalizedPath("/a", "/a"), id="dots-and-slash"),
    ],
)
def test_repeated_slashes_backslashes_and_trailing_slash_redirect(
    raw: bytes, query: bytes, expected: NormalizedPath
) -> None:
    assert normalize_path(raw, query) == expected


# Trailing slashes and dots, Next.js's skipTrailingSlashRedirect doc table
# (docs/config.md, "trailing_slash").
@pytest.mark.parametrize(
    ("raw", "off", "on"),
    [
        pytest.param(b"/", ("/", None), ("/", None), id="root"),
        pytest.param(b"/about", ("/about", None), ("/about/", "/about/"), id="about"),
        pytest.param(b"/about/", ("/about", "/about"), ("/about/", None), id="about/"),
        pytest.param(b"/gcc.git/", ("/gcc.git", "/gcc.git"), ("/gcc.git", "/gcc.git"), id="file/"),
        pytest.param(b"/gcc.git", ("/gcc.git", None), ("/gcc.git", None), id="file"),
        pytest.param(
            b"/version/1.2.3/",
            ("/version/1.2.3", "/version/1.2.3"),
            ("/version/1.2.3", "/version/1.2.3"),
            id="version/",
        ),
        pytest.param(
            b"/version/1.2.3/my-page/",
            ("/version/1.2.3/my-page", "/version/1.2.3/my-page"),
            ("/version/1.2.3/my-page/", None),
            id="dot-only-in-parent",
        ),
        pytest.param(
            b"/.well-known/x/",
            ("/.well-known/x", "/.well-known/x"),
            ("/.well-known/x/", None),
            id="well-known/",
        ),
        pytest.param(
            b"/.well-known/x",
            ("/.well-known/x", None),
            ("/.well-known/x", None),
            id="well-known",
        ),
        pytest.param(b"//about", ("/about", "/about"), ("/about/", "/about/"), id="collapse"),
    ],
)
def test_trailing_slash_setting(
    raw: bytes,
    off: tuple[str, str | None],
    on: tuple[str, str | None],
) -> None:
    assert normalize_path(raw) == NormalizedPath(*off)
    assert normalize_path(raw, trailing_slash=True) == NormalizedPath(*on)


def test_trailing_slash_redirect_keeps_the_query() -> None:
    assert normalize_path(b"/about", b"a=1", trailing_slash=True) == NormalizedPath(
        "/about/", "/about/?a=1"
    )


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"*", id="asterisk"),
        pytest.param(b"@evil.com", id="at-host"),
        pytest.param(b"http://evil/admin", id="absolute-form"),
        pytest.param(b"admin", id="relative"),
        pytest.param(b"/admin#x", id="fragment"),
        pytest.param(b"/a b", id="space"),
        pytest.param(b"/a\tb", id="tab"),
        pytest.param(b"/a\x00b", id="raw-nul"),
        pytest.param(b"/a\r\nb", id="raw-crlf"),
        pytest.param(b"/caf\xc3\xa9", id="raw-utf8"),
        pytest.param(b"/\x7f", id="del"),
        pytest.param(b"/api/users/%ZZ", id="bad-escape"),
        pytest.param(b"/%", id="lone-percent"),
        pytest.param(b"/%4", id="short-escape"),
        pytest.param(b"/a%", id="percent-at-end"),
        pytest.param(b"/%E0%A4%A", id="truncated-utf8-escape"),
        pytest.param(b"/%C0%AF", id="overlong-utf8"),
        pytest.param(b"/%FF", id="invalid-utf8"),
        pytest.param(b"/a%00b", id="encoded-nul"),
        pytest.param(b"/api/echo%00", id="encoded-nul-at-end"),
        pytest.param(b"/hello.txt%00", id="encoded-nul-after-file"),
        pytest.param(b"//a/%ZZ", id="bad-escape-beats-redirect"),
    ],
)
def test_malformed_target_is_bad_request(raw: bytes) -> None:
    with pytest.raises(BadRequest) as info:
        normalize_path(raw)
    assert info.value.status == 400


# Open redirects (Next.js CVE-2021-37699, docs/security.md): no Location may
# leave the origin.
@pytest.mark.parametrize(
    "raw",
    [
        b"//evil.com/",
        b"//evil.com",
        b"///evil.com/",
        b"/\\evil.com/",
        b"/%5Cevil.com/",
        b"/%2F%2Fevil.com/",
        b"/%2f%2fevil.com",
        b"/.//evil.com/",
        b"/%09/evil.com/",
        b"/%0d%0a//evil.com/",
        b"//evil.com/%2e%2e",
        b"/\\/evil.com/",
        b"/..//evil.com",
        b"/x/..//evil.com/",
    ],
)
@pytest.mark.parametrize("trailing_slash", [False, True])
def test_redirect_never_leaves_the_origin(raw: bytes, trailing_slash: bool) -> None:
    result = normalize_path(raw, b"next=//evil.com", trailing_slash=trailing_slash)
    for location in (result.path, result.redirect):
        if location is None:
            continue
        assert location.startswith("/")
        assert not location.startswith(("//", "/\\"))
        assert "\\" not in location
        assert not any(c in location for c in "\r\n\t")
        assert urlsplit(urljoin("https://app.test/", location)).netloc == "app.test"


@pytest.mark.parametrize(
    ("path", "segments"),
    [
        pytest.param("/", [], id="root"),
        pytest.param("/a", ["a"], id="one"),
        pytest.param("/api/users/42", ["api", "users", "42"], id="three"),
        pytest.param("/api/users/", ["api", "users"], id="trailing-slash-ignored"),
        pytest.param("/a%2Fb/c", ["a%2Fb", "c"], id="still-encoded"),
    ],
)
def test_split_segments(path: str, segments: list[str]) -> None:
    assert split_segments(path) == segments


@pytest.mark.parametrize(
    ("segment", "value"),
    [
        pytest.param("42", "42", id="plain"),
        pytest.param("a%2Fb", "a/b", id="encoded-slash"),
        pytest.param("hello%20world", "hello world", id="space"),
        pytest.param("a+b", "a+b", id="plus-is-not-space"),
        pytest.param("caf%C3%A9", "café", id="utf8"),
        pytest.param("%2561", "%61", id="decoded-once"),
    ],
)
def test_decode_segment(segment: str, value: str) -> None:
    assert decode_segment(segment) == value


@pytest.mark.parametrize("segment", ["%ZZ", "%", "%E0%A4%A", "%C0%AF", "a%00"])
def test_decode_segment_refuses_what_decodeURIComponent_refuses(segment: str) -> None:
    with pytest.raises(BadRequest):
        decode_segment(segment)


# Hypothesis: paths built from the pieces that matter to the normaliser.
_PIECES = st.sampled_from(
    [
        "/",
        "//",
        "\\",
        "a",
        "b",
        "x.y",
        ".",
        "..",
        "%2e",
        "%2E",
        ".%2e",
        "%2e%2e",
        "%41",
        "%2F",
        "%5C",
        "%20",
        "%C3%A9",
        ".well-known",
        "_",
        "~",
        ";",
        "@",
        "?",
    ]
)
_RAW = st.lists(_PIECES, max_size=12).map(lambda p: ("/" + "".join(p)).encode())


@given(raw=_RAW, trailing_slash=st.booleans())
@example(raw=b"/.well-known/", trailing_slash=True)
def test_canonical_path_is_a_fixed_point(raw: bytes, trailing_slash: bool) -> None:
    result = normalize_path(raw, trailing_slash=trailing_slash)
    again = normalize_path(result.path.encode(), trailing_slash=trailing_slash)
    assert again == NormalizedPath(result.path, None)
    assert result.redirect in (None, result.path)
    assert "//" not in result.path
    assert "\\" not in result.path
    segments = split_segments(result.path)
    assert all(s not in (".", "..") and s.lower() not in ("%2e", "%2e%2e") for s in segments)


@given(raw=_RAW | st.binary(max_size=20), trailing_slash=st.booleans())
@example(raw=b"/a/b/", trailing_slash=True)
@example(raw=b"/a/b.c", trailing_slash=True)
def test_fast_path_agrees_with_the_general_one(raw: bytes, trailing_slash: bool) -> None:
    try:
        fast = normalize_path(raw, b"q", trailing_slash=trailing_slash)
    except BadRequest:
        with pytest.raises(BadRequest):
            _normalize_slow(raw, b"q", trailing_slash)
        return
    assert _normalize_slow(raw, b"q", trailing_slash) == fast


@given(raw=_RAW, trailing_slash=st.booleans())
def test_query_only_changes_the_redirect(raw: bytes, trailing_slash: bool) -> None:
    # The query only shows in a redirect; asking with one must not change the
    # path or whether a redirect is due.
    plain = normalize_path(raw, trailing_slash=trailing_slash)
    with_query = normalize_path(raw, b"q=1", trailing_slash=trailing_slash)
    assert with_query.path == plain.path
    assert (with_query.redirect is None) == (plain.redirect is None)
    if plain.redirect is not None:
        assert with_query.redirect == plain.redirect + "?q=1"


@given(raw=st.binary(max_size=40), trailing_slash=st.booleans())
def test_any_bytes_give_a_path_or_bad_request(raw: bytes, trailing_slash: bool) -> None:
    try:
        result = normalize_path(raw, trailing_slash=trailing_slash)
    except BadRequest:
        return
    assert result.path.startswith("/")
    assert not result.path.startswith("//")
    assert result.path.isascii()


@pytest.mark.parametrize(
    ("raw", "trailing_slash", "redirect"),
    [
        pytest.param(b"/docs/.well-known/x", True, None, id="well-known-under-base-kept"),
        pytest.param(b"/docs/a", True, "/docs/a/", id="adds-slash-under-base"),
        pytest.param(b"/docs", True, "/docs/", id="base-itself-gets-slash"),
        pytest.param(b"/docs/", False, "/docs", id="base-slash-removed"),
        pytest.param(b"/other/a", True, None, id="outside-base-no-add"),
        pytest.param(b"/other/a/", False, None, id="outside-base-no-remove"),
    ],
)
def test_trailing_slash_applies_inside_base_path_only(
    raw: bytes, trailing_slash: bool, redirect: str | None
) -> None:
    result = normalize_path(raw, trailing_slash=trailing_slash, base_path="/docs")
    assert result.redirect == redirect
