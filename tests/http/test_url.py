"""SearchParams (WHATWG URLSearchParams: ``;`` never separates) and NextURL
(WHATWG URL + basePath)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approute.errors import BadRequest
from approute.http.url import NextURL, SearchParams

READONLY = r"^request\.next_url is read-only; use request\.next_url\.clone\(\)$"
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=15)

# -- SearchParams: parsing --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("a=1&b=2", [("a", "1"), ("b", "2")], id="two-pairs"),
        pytest.param("?a=1", [("a", "1")], id="leading-question-mark-dropped"),
        pytest.param("??a=1", [("?a", "1")], id="only-one-question-mark-dropped"),
        pytest.param("a=1;b=2", [("a", "1;b=2")], id="py-04-semicolon-is-not-separator"),
        pytest.param("q=hello+world", [("q", "hello world")], id="plus-is-space"),
        pytest.param("a=%2B", [("a", "+")], id="escaped-plus-is-plus"),
        pytest.param("a=%ZZ", [("a", "%ZZ")], id="bad-escape-kept"),
        pytest.param("b=%FF", [("b", "\ufffd")], id="invalid-utf-8-is-replacement"),
        pytest.param("a=%E2%82", [("a", "\ufffd")], id="truncated-utf-8"),
        pytest.param("%E2%82%AC=%e2%82%ac", [("€", "€")], id="utf-8-escapes"),
        pytest.param("c", [("c", "")], id="bare-name-is-empty-value"),
        pytest.param("a==b", [("a", "=b")], id="first-equals-splits"),
        pytest.param("=x", [("", "x")], id="empty-name"),
        pytest.param("&&a=1&&", [("a", "1")], id="empty-fields-skipped"),
        pytest.param("", [], id="empty"),
        pytest.param("?", [], id="question-mark-only"),
        pytest.param("é=ü", [("é", "ü")], id="non-ascii-text"),
        pytest.param("a=%ZZ&b=%FF&c", [("a", "%ZZ"), ("b", "\ufffd"), ("c", "")], id="bi-11"),
    ],
)
def test_search_params_parse_like_url_search_params(
    query: str, expected: list[tuple[str, str]]
) -> None:
    assert SearchParams(query).items() == expected


@pytest.mark.parametrize(
    "init",
    [
        pytest.param({"a": "1", "b": "2"}, id="mapping"),
        pytest.param([("a", "1"), ("b", "2")], id="pairs"),
        pytest.param(SearchParams("a=1&b=2"), id="search-params"),
    ],
)
def test_search_params_accept_mappings_and_pairs(init: object) -> None:
    assert SearchParams(init).items() == [("a", "1"), ("b", "2")]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "init",
    [pytest.param({"a": 1}, id="int-value"), pytest.param(["ab"], id="not-a-pair")],
)
def test_search_params_refuse_non_str_input(init: object) -> None:
    with pytest.raises(TypeError):
        SearchParams(init)  # type: ignore[arg-type]


def test_more_than_max_params_is_a_bad_request() -> None:
    query = "&".join(f"k{i}=v" for i in range(1001))
    with pytest.raises(BadRequest, match="too many query parameters"):
        SearchParams(query, max_params=1000)


def test_max_params_counts_fields_not_separators() -> None:
    query = "&".join(f"k{i}=v" for i in range(1000)) + "&&&&"
    assert len(SearchParams(query, max_params=1000)) == 1000


def test_max_params_applies_to_pairs_too() -> None:
    with pytest.raises(BadRequest):
        SearchParams([("a", "1"), ("b", "2")], max_params=1)


def test_a_megabyte_of_semicolons_is_one_field() -> None:
    params = SearchParams("a=" + ";" * 1_000_000)
    assert len(params) == 1


# -- SearchParams: serialising ----------------------------------------------------


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param([("a", "x y")], "a=x+y", id="space-is-plus"),
        pytest.param([("a", "*-._")], "a=*-._", id="safe-set"),
        pytest.param([("a", "~!'()")], "a=%7E%21%27%28%29", id="tilde-and-marks-encoded"),
        pytest.param([("a&b", "c=d")], "a%26b=c%3Dd", id="delimiters-encoded"),
        pytest.param([("a", "+/?#%")], "a=%2B%2F%3F%23%25", id="reserved-encoded"),
        pytest.param([("a", "€")], "a=%E2%82%AC", id="utf-8"),
        pytest.param([("a", "\ud800")], "a=%EF%BF%BD", id="lone-surrogate-is-replacement"),
        pytest.param([("a", ""), ("", "")], "a=&=", id="empty-strings"),
        pytest.param([], "", id="empty"),
    ],
)
def test_search_params_serialise_as_urlencoded(pairs: list[tuple[str, str]], expected: str) -> None:
    params = SearchParams(pairs)
    assert params.to_string() == expected
    assert str(params) == expected


@given(st.lists(st.tuples(text, text), max_size=8))
def test_search_params_round_trip(pairs: list[tuple[str, str]]) -> None:
    assert SearchParams(SearchParams(pairs).to_string()).items() == pairs


@given(st.text(max_size=100))
def test_search_params_parse_never_raises(query: str) -> None:
    SearchParams(query).to_string()


# -- SearchParams: methods -------------------------------------------------------


def test_get_returns_the_first_value_and_get_all_every_value() -> None:
    params = SearchParams("a=1&a=2")
    assert params.get("a") == "1"
    assert params.get_all("a") == ["1", "2"]
    assert params.get("b") is None
    assert params.get_all("b") == []


def test_has_with_and_without_value() -> None:
    params = SearchParams("a=1&b=2")
    assert params.has("a")
    assert params.has("a", "1")
    assert not params.has("a", "2")
    assert not params.has("c")
    assert "b" in params


def test_set_replaces_the_first_and_drops_the_rest() -> None:
    params = SearchParams("a=1&b=2&a=3")
    params.set("a", "4")
    assert params.to_string() == "a=4&b=2"
    params.set("c", "5")
    assert params.to_string() == "a=4&b=2&c=5"


def test_append_and_delete() -> None:
    params = SearchParams("a=1&b=2&a=3")
    params.append("a", "4")
    assert params.get_all("a") == ["1", "3", "4"]
    params.delete("a", "3")
    assert params.get_all("a") == ["1", "4"]
    params.delete("a")
    assert params.to_string() == "b=2"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("c=1&a=2&c=0&a=1", "a=2&a=1&c=1&c=0", id="stable"),
        # WPT url/urlsearchparams-sort: UTF-16 code units, not code points.
        pytest.param("\ufb03&\U0001f308", "%F0%9F%8C%88=&%EF%AC%83=", id="utf-16-order"),
    ],
)
def test_sort_is_stable_by_name(query: str, expected: str) -> None:
    params = SearchParams(query)
    params.sort()
    assert params.to_string() == expected


def test_keys_values_items_iter_len() -> None:
    params = SearchParams("a=1&b=2&a=3")
    assert params.keys() == ["a", "b", "a"]
    assert params.values() == ["1", "2", "3"]
    assert params.items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert list(params) == params.items()
    assert len(params) == 3


def test_copy_is_independent_and_equal() -> None:
    params = SearchParams("a=1")
    copy = params.copy()
    assert copy == params
    copy.append("b", "2")
    assert copy != params
    assert params.to_string() == "a=1"
    assert repr(params) == "SearchParams('a=1')"


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda p: p.set("a", "2"), id="set"),
        pytest.param(lambda p: p.append("a", "2"), id="append"),
        pytest.param(lambda p: p.delete("a"), id="delete"),
        pytest.param(lambda p: p.sort(), id="sort"),
    ],
)
def test_frozen_search_params_refuse_mutation(mutate: object) -> None:
    params = SearchParams("a=1")._frozen()
    with pytest.raises(TypeError, match=READONLY):
        mutate(params)  # type: ignore[operator]
    assert params.to_string() == "a=1"
    params.copy().set("a", "2")


# -- NextURL: parsing --------------------------------------------------------------


def test_next_url_exposes_whatwg_parts() -> None:
    url = NextURL("http://a.test:3000/x/y?q=1#top")
    assert url.href == "http://a.test:3000/x/y?q=1#top"
    assert url.origin == "http://a.test:3000"
    assert url.protocol == "http:"
    assert url.host == "a.test:3000"
    assert url.hostname == "a.test"
    assert url.port == "3000"
    assert url.pathname == "/x/y"
    assert url.search == "?q=1"
    assert url.hash == "#top"
    assert url.search_params.get("q") == "1"
    assert url.base_path == ""


@pytest.mark.parametrize(
    ("given_url", "href"),
    [
        pytest.param("http://a.test:80/", "http://a.test/", id="http-default-port"),
        pytest.param("https://a.test:443", "https://a.test/", id="https-default-port"),
        pytest.param("https://a.test:80/", "https://a.test:80/", id="other-port-kept"),
        pytest.param("HTTP://A.TEST/X", "http://a.test/X", id="scheme-host-lower-cased"),
        pytest.param("http://a.test/?a=%20", "http://a.test/?a=+", id="search-re-serialised"),
        pytest.param("http://a.test/?flag", "http://a.test/?flag=", id="flag-gets-equals"),
        pytest.param("http://a.test/?", "http://a.test/", id="empty-query-dropped"),
        pytest.param("http://a.test/a/b/../c", "http://a.test/a/c", id="dot-dot"),
        pytest.param("http://a.test/a/./b/.", "http://a.test/a/b/", id="dot"),
        pytest.param("http://a.test/a/%2e%2E/c", "http://a.test/c", id="encoded-dot-dot"),
        pytest.param("http://a.test/../../x", "http://a.test/x", id="clamped-at-root"),
        pytest.param("http://a.test\\x\\y", "http://a.test/x/y", id="backslash-is-slash"),
        pytest.param("https:\\\\b.test/", "https://b.test/", id="backslash-authority"),
        pytest.param("http://a.test/a b", "http://a.test/a%20b", id="space-encoded"),
        pytest.param("http://a.test/é", "http://a.test/%C3%A9", id="non-ascii-encoded"),
        pytest.param("http://a.test/a%2Fb", "http://a.test/a%2Fb", id="escapes-kept"),
        pytest.param("http://a.test/a^b", "http://a.test/a%5Eb", id="caret-encoded"),
        pytest.param("  http://a.test/x  ", "http://a.test/x", id="outer-space-stripped"),
        pytest.param(
            "https://a.test/x\r\nSet-Cookie: a=b",
            "https://a.test/xSet-Cookie:%20a=b",
            id="hi-01-crlf-removed",
        ),
        pytest.param("http://[::1]:3000/", "http://[::1]:3000/", id="ipv6"),
        pytest.param("http://a.test/#a b", "http://a.test/#a%20b", id="hash-encoded"),
    ],
)
def test_next_url_normalises_like_whatwg_url(given_url: str, href: str) -> None:
    url = NextURL(given_url)
    assert url.href == href
    assert str(url) == href
    assert "\r" not in url.href
    assert "\n" not in url.href


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        pytest.param("/relative", "absolute", id="relative"),
        pytest.param("a.test/x", "absolute", id="no-scheme"),
        pytest.param("ftp://a.test/", "absolute", id="ftp"),
        pytest.param("javascript:alert(1)", "absolute", id="javascript"),
        pytest.param("http://", "host", id="no-host"),
        pytest.param("http://a.test:99999/", "port", id="port-out-of-range"),
        pytest.param("http://a.test:x/", "port", id="port-not-digits"),
        pytest.param("http://a b/", "hostname", id="space-in-host"),
        pytest.param("http://a\x00b/", "host", id="nul-in-host"),
        pytest.param("http://user:pw@a.test/", "credentials", id="credentials"),
    ],
)
def test_next_url_refuses_what_is_not_an_absolute_http_url(bad: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NextURL(bad)


@given(st.text(max_size=60))
def test_next_url_raises_only_value_error(candidate: str) -> None:
    try:
        url = NextURL("http://a.test/" + candidate)
    except ValueError:
        return
    assert "\n" not in url.href
    assert "\r" not in url.href


# -- NextURL: base_path -------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_url", "pathname", "base_path", "href"),
    [
        pytest.param(
            "http://a.test/docs/x?q=1",
            "/x",
            "/docs",
            "http://a.test/docs/x?q=1",
            id="prefix",
        ),
        pytest.param("http://a.test/docs", "/", "/docs", "http://a.test/docs", id="exact"),
        # formatNextPathnameInfo keeps the trailing slash the URL came with.
        pytest.param("http://a.test/docs/", "/", "/docs", "http://a.test/docs/", id="slash"),
        pytest.param(
            "http://a.test/docsx",
            "/docsx",
            "",
            "http://a.test/docsx",
            id="not-a-prefix",
        ),
        pytest.param("http://a.test/x", "/x", "", "http://a.test/x", id="absent"),
    ],
)
def test_pathname_never_includes_base_path(
    given_url: str, pathname: str, base_path: str, href: str
) -> None:
    url = NextURL(given_url, base_path="/docs")
    assert url.pathname == pathname
    assert url.base_path == base_path
    assert url.href == href


def test_base_path_must_start_with_slash() -> None:
    with pytest.raises(ValueError, match="base_path"):
        NextURL("http://a.test/", base_path="docs")


# -- NextURL.from_parts (the request's URL) ------------------------------------------


def request_url(**overrides: object) -> NextURL:
    parts: dict[str, object] = {
        "scheme": "http",
        "host": "127.0.0.1:3000",
        "path": "/api/x",
        "query": "",
        "frozen": True,
    }
    parts.update(overrides)
    return NextURL.from_parts(**parts)  # type: ignore[arg-type]


def test_from_parts_builds_the_request_url() -> None:
    url = request_url(query="a=%20&flag")
    assert url.href == "http://127.0.0.1:3000/api/x?a=+&flag="
    assert url.origin == "http://127.0.0.1:3000"
    assert url.pathname == "/api/x"
    assert url.search == "?a=+&flag="
    assert url.search_params.items() == [("a", " "), ("flag", "")]
    assert url.hash == ""


def test_from_parts_drops_the_default_port() -> None:
    url = request_url(scheme="https", host="a.test:443", path="/")
    assert url.host == "a.test"
    assert url.href == "https://a.test/"


def test_from_parts_splits_base_path() -> None:
    url = request_url(path="/docs/api/x", base_path="/docs")
    assert url.pathname == "/api/x"
    assert url.base_path == "/docs"
    assert url.href == "http://127.0.0.1:3000/docs/api/x"


def test_from_parts_parses_the_query_only_when_asked() -> None:
    query = "&".join(f"k{i}=v" for i in range(2000))
    url = request_url(query=query, max_params=1000)
    assert url.pathname == "/api/x"
    with pytest.raises(BadRequest, match="too many query parameters"):
        url.search_params  # noqa: B018
    with pytest.raises(BadRequest):
        url.search  # noqa: B018


def test_from_parts_reads_raw_utf_8_bytes() -> None:
    # ASGI raw_path/query_string decoded as latin-1; WHATWG encodes as UTF-8.
    raw = "café".encode().decode("latin-1")
    url = request_url(path="/" + raw, query="q=" + raw)
    assert url.pathname == "/caf%C3%A9"
    assert url.search_params.get("q") == "café"
    assert url.search == "?q=caf%C3%A9"


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        pytest.param("pathname", "/x", id="pathname"),
        pytest.param("search", "?a=1", id="search"),
        pytest.param("hash", "#a", id="hash"),
    ],
)
def test_request_url_is_read_only(attribute: str, value: str) -> None:
    url = request_url()
    with pytest.raises(TypeError, match=READONLY):
        setattr(url, attribute, value)


def test_request_search_params_are_read_only() -> None:
    url = request_url(query="a=1")
    with pytest.raises(TypeError, match=READONLY):
        url.search_params.set("a", "2")
    assert url.search == "?a=1"


# -- clone and setters -----------------------------------------------------------------


def test_clone_is_mutable_and_leaves_the_original_alone() -> None:
    original = request_url(query="a=1")
    clone = original.clone()
    clone.pathname = "/new"
    clone.search_params.set("a", "2")
    assert clone.href == "http://127.0.0.1:3000/new?a=2"
    assert original.href == "http://127.0.0.1:3000/api/x?a=1"


@pytest.mark.parametrize(
    ("changes", "href"),
    [
        pytest.param({"pathname": "/y"}, "http://a.test:3000/b/y?q=1", id="pathname"),
        pytest.param({"pathname": "y"}, "http://a.test:3000/b/y?q=1", id="pathname-gets-slash"),
        pytest.param({"search": "?r=2"}, "http://a.test:3000/b/x?r=2", id="search"),
        pytest.param({"search": "r=a b"}, "http://a.test:3000/b/x?r=a+b", id="search-no-mark"),
        pytest.param({"search": ""}, "http://a.test:3000/b/x", id="search-cleared"),
        pytest.param({"hash": "top"}, "http://a.test:3000/b/x?q=1#top", id="hash"),
        pytest.param({"host": "c.test:8080"}, "http://c.test:8080/b/x?q=1", id="host"),
        pytest.param({"host": "c.test"}, "http://c.test:3000/b/x?q=1", id="host-keeps-port"),
        pytest.param({"hostname": "C.test"}, "http://c.test:3000/b/x?q=1", id="hostname"),
        pytest.param({"port": "8080"}, "http://a.test:8080/b/x?q=1", id="port"),
        pytest.param({"port": 80}, "http://a.test/b/x?q=1", id="default-port-int"),
        pytest.param({"port": ""}, "http://a.test/b/x?q=1", id="port-cleared"),
        pytest.param(
            {"protocol": "https:", "port": "443"},
            "https://a.test/b/x?q=1",
            id="protocol",
        ),
        pytest.param({"protocol": "https"}, "https://a.test:3000/b/x?q=1", id="protocol-no-colon"),
        pytest.param({"base_path": ""}, "http://a.test:3000/x?q=1", id="base-path-removed"),
        pytest.param({"base_path": "/c/"}, "http://a.test:3000/c/x?q=1", id="base-path"),
    ],
)
def test_clone_replaces_fields(changes: dict[str, object], href: str) -> None:
    url = NextURL("http://a.test:3000/b/x?q=1", base_path="/b")
    assert url.clone(**changes).href == href
    assert url.href == "http://a.test:3000/b/x?q=1"


def test_clone_refuses_unknown_fields() -> None:
    with pytest.raises(TypeError, match="username"):
        NextURL("http://a.test/").clone(username="x")


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        pytest.param({"pathname": "/a\r\nSet-Cookie: x=1"}, "pathname", id="pathname-crlf"),
        pytest.param({"pathname": "/a\x00"}, "pathname", id="pathname-nul"),
        pytest.param({"host": "a.test\r\nX: y"}, "host", id="host-crlf"),
        pytest.param({"hostname": "a\nb"}, "hostname", id="hostname-lf"),
        pytest.param({"hash": "a\rb"}, "hash", id="hash-cr"),
        pytest.param({"base_path": "/a\n"}, "base_path", id="base-path-lf"),
        pytest.param({"protocol": "ftp:"}, "protocol", id="protocol-not-http"),
        pytest.param({"port": "http"}, "port", id="port-not-digits"),
        pytest.param({"host": "a/b"}, "hostname", id="host-with-slash"),
    ],
)
def test_clone_refuses_values_that_would_break_a_location(
    changes: dict[str, object], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        NextURL("http://a.test/").clone(**changes)


def test_pathname_setter_normalises_like_whatwg() -> None:
    url = NextURL("http://a.test/")
    url.pathname = "/a/../b c?d#e"
    assert url.pathname == "/b%20c%3Fd%23e"


def test_setting_search_reparses_search_params() -> None:
    url = NextURL("http://a.test/?a=1")
    params = url.search_params
    url.search = "?b=2"
    assert url.search_params is params
    assert params.items() == [("b", "2")]
    assert url.href == "http://a.test/?b=2"


def test_mutating_search_params_changes_search_and_href() -> None:
    url = NextURL("http://a.test/x")
    url.search_params.append("q", "a b")
    assert url.search == "?q=a+b"
    assert url.href == "http://a.test/x?q=a+b"
    url.search_params.delete("q")
    assert url.search == ""


def test_hash_setter() -> None:
    url = NextURL("http://a.test/x#old")
    url.hash = "#new"
    assert url.hash == "#new"
    url.hash = ""
    assert url.href == "http://a.test/x"


# -- protocols ------------------------------------------------------------------------


def test_next_url_equality_compares_href() -> None:
    url = NextURL("http://a.test/x?a=%20")
    assert url == "http://a.test/x?a=+"
    assert url == NextURL("http://a.test:80/x?a=+")
    assert url != NextURL("http://a.test/y")
    assert url != 1
    assert repr(url) == "NextURL('http://a.test/x?a=+')"


def test_next_url_copy_constructor_is_mutable() -> None:
    original = request_url()
    copy = NextURL(original)
    copy.pathname = "/z"
    assert copy.href == "http://127.0.0.1:3000/z"
    assert original.pathname == "/api/x"


def test_next_url_copy_constructor_can_split_a_base_path() -> None:
    url = NextURL(NextURL("http://a.test/docs/x"), base_path="/docs")
    assert (url.pathname, url.base_path) == ("/x", "/docs")


@given(st.text(max_size=30))
def test_pathname_setter_never_puts_raw_controls_in_href(path: str) -> None:
    url = NextURL("http://a.test/")
    try:
        url.pathname = path
    except ValueError:
        assert any(c in path for c in "\r\n\x00")
        return
    assert url.pathname.startswith("/")
    assert all(0x20 < ord(c) < 0x7F for c in url.href)
