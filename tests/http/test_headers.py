"""Headers: Fetch semantics (WHATWG Fetch §5.2), CR/LF validation (response
splitting, docs/security.md), ASGI round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approute.http.headers import Headers

READONLY = "headers() are read-only; copy() them to change"
TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
token = st.text(alphabet=TCHARS, min_size=1, max_size=20)
# Values Fetch keeps as-is: latin-1, no CR/LF/NUL, no surrounding space or tab.
safe_value = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF), max_size=30)


# -- construction --------------------------------------------------------


@pytest.mark.parametrize(
    "init",
    [
        pytest.param({"Content-Type": "text/plain", "X-A": "1"}, id="mapping"),
        pytest.param([("Content-Type", "text/plain"), ("X-A", "1")], id="pairs"),
        pytest.param(Headers({"content-type": "text/plain", "x-a": "1"}), id="other-headers"),
    ],
)
def test_init_accepts_mapping_pairs_and_headers(init: object) -> None:
    h = Headers(init)  # type: ignore[arg-type]
    assert h.get("content-type") == "text/plain"
    assert h.get("X-A") == "1"


def test_init_from_headers_copies_instead_of_sharing() -> None:
    source = Headers({"a": "1"})
    copy = Headers(source)
    copy.set("a", "2")
    assert source.get("a") == "1"


def test_init_rejects_non_pairs() -> None:
    with pytest.raises(TypeError):
        Headers(["ab"])  # type: ignore[list-item]


# -- Fetch accessors -------------------------------------------------------


def test_get_is_case_insensitive() -> None:
    assert Headers({"Content-Type": "a/b"}).get("CONTENT-TYPE") == "a/b"


def test_get_joins_repeated_values_with_comma_space() -> None:
    h = Headers([("accept", "a/b"), ("Accept", "c/d")])
    assert h.get("accept") == "a/b, c/d"


def test_get_missing_is_none() -> None:
    assert Headers().get("x") is None


def test_get_all_returns_every_value_in_order() -> None:
    h = Headers([("x", "1"), ("y", "2"), ("X", "3")])
    assert h.get_all("x") == ["1", "3"]
    assert h.get_all("missing") == []


def test_has() -> None:
    h = Headers({"X-A": "1"})
    assert h.has("x-a")
    assert not h.has("x-b")


def test_set_replaces_every_value() -> None:
    h = Headers([("x", "1"), ("x", "2"), ("y", "3")])
    h.set("X", "9")
    assert h.get_all("x") == ["9"]
    assert h.get("y") == "3"


def test_append_keeps_existing_values() -> None:
    h = Headers({"x": "1"})
    h.append("X", "2")
    assert h.get_all("x") == ["1", "2"]


def test_delete_removes_every_value_and_ignores_missing_names() -> None:
    h = Headers([("x", "1"), ("x", "2"), ("y", "3")])
    h.delete("X")
    h.delete("never-there")
    assert h.multi_items() == [("y", "3")]


def test_get_set_cookie_returns_each_cookie_separately() -> None:
    h = Headers([("set-cookie", "a=1"), ("content-type", "x/y"), ("Set-Cookie", "b=2")])
    assert h.get_set_cookie() == ["a=1", "b=2"]


def test_items_are_sorted_and_combined_except_set_cookie() -> None:
    # Fetch "sort and combine": one pair per name, set-cookie one per value.
    h = Headers(
        [
            ("x-b", "1"),
            ("Set-Cookie", "a=1"),
            ("x-a", "2"),
            ("x-b", "3"),
            ("set-cookie", "b=2"),
        ]
    )
    assert h.items() == [
        ("set-cookie", "a=1"),
        ("set-cookie", "b=2"),
        ("x-a", "2"),
        ("x-b", "1, 3"),
    ]
    assert h.keys() == ["set-cookie", "set-cookie", "x-a", "x-b"]
    assert h.values() == ["a=1", "b=2", "2", "1, 3"]
    assert list(h) == h.keys()
    assert len(h) == 4


def test_multi_items_keeps_insertion_order_and_lower_cases_names() -> None:
    h = Headers([("X-B", "1"), ("x-a", "2"), ("x-b", "3")])
    assert h.multi_items() == [("x-b", "1"), ("x-a", "2"), ("x-b", "3")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("  v  ", "v", id="spaces"),
        pytest.param("\tv\t", "v", id="tabs"),
        pytest.param("a b", "a b", id="inner-space-kept"),
    ],
)
def test_values_are_stripped_of_surrounding_whitespace(raw: str, expected: str) -> None:
    h = Headers()
    h.set("x", raw)
    assert h.get("x") == expected


# -- Python protocols ------------------------------------------------------


def test_mapping_style_access() -> None:
    h = Headers()
    h["X-A"] = "1"
    assert h["x-a"] == "1"
    assert "X-A" in h
    assert 1 not in h
    del h["x-a"]
    assert "x-a" not in h


def test_getitem_and_delitem_raise_key_error_when_missing() -> None:
    h = Headers()
    with pytest.raises(KeyError):
        h["x"]
    with pytest.raises(KeyError):
        del h["x"]


def test_equality_ignores_name_case_and_order_between_names() -> None:
    assert Headers([("A", "1"), ("b", "2")]) == Headers([("b", "2"), ("a", "1")])
    assert Headers([("a", "1"), ("a", "2")]) != Headers([("a", "2"), ("a", "1")])
    assert Headers() != {"a": "1"}


def test_repr_hides_credentials() -> None:
    text = repr(Headers({"authorization": "Bearer secret", "x": "1"}))
    assert "secret" not in text
    assert "'x', '1'" in text


# -- validation (response splitting, docs/security.md) ---------------------


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("v\r\nSet-Cookie: pwn=1", id="crlf"),
        pytest.param("a\nb", id="bare-lf"),
        pytest.param("a\rb", id="bare-cr"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("snow ☃", id="above-latin-1"),
    ],
)
@pytest.mark.parametrize("method", ["set", "append"])
def test_unsafe_values_raise_value_error_naming_the_header(method: str, value: str) -> None:
    h = Headers()
    with pytest.raises(ValueError, match="x-a"):
        getattr(h, method)("x-a", value)
    assert h.multi_items() == []


def test_unsafe_value_in_init_raises_value_error() -> None:
    with pytest.raises(ValueError, match="x"):
        Headers({"x": "a\nb"})


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("X A", id="space"),
        pytest.param("X-A:", id="colon"),
        pytest.param("", id="empty"),
        pytest.param("x\r\ny", id="crlf"),
        pytest.param("(x)", id="separator"),
        pytest.param("é", id="non-ascii"),
    ],
)
def test_names_that_are_not_tokens_raise_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="token"):
        Headers().set(name, "v")


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(1, id="int"),
        pytest.param(b"v", id="bytes"),
        pytest.param(None, id="none"),
    ],
)
def test_non_str_values_raise_type_error(value: object) -> None:
    with pytest.raises(TypeError):
        Headers().set("x", value)  # type: ignore[arg-type]


# -- read-only and copies ----------------------------------------------------


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda h: h.set("x", "1"), id="set"),
        pytest.param(lambda h: h.append("x", "1"), id="append"),
        pytest.param(lambda h: h.delete("a"), id="delete"),
        pytest.param(lambda h: h.delete("missing"), id="delete-missing"),
        pytest.param(lambda h: h.__setitem__("x", "1"), id="setitem"),
        pytest.param(lambda h: h.__delitem__("a"), id="delitem"),
    ],
)
def test_readonly_headers_refuse_every_mutation(mutate: object) -> None:
    h = Headers({"a": "1"}).readonly()
    with pytest.raises(TypeError, match=r"^headers\(\) are read-only; copy\(\) them"):
        mutate(h)  # type: ignore[operator]
    assert h.multi_items() == [("a", "1")]


def test_readonly_headers_still_read() -> None:
    h = Headers.from_asgi([(b"x-a", b"1")]).readonly()
    assert h.get("X-A") == "1"
    assert h.to_asgi() == [(b"x-a", b"1")]


def test_copy_of_readonly_headers_is_mutable_and_independent() -> None:
    source = Headers({"a": "1"})
    view = source.readonly()
    copy = view.copy()
    copy.set("a", "2")
    assert view.get("a") == "1"
    assert source.get("a") == "1"


def test_copy_does_not_follow_later_changes() -> None:
    source = Headers.from_asgi([(b"a", b"1")])
    copy = source.copy()
    source.append("a", "2")
    assert copy.get_all("a") == ["1"]


# -- ASGI --------------------------------------------------------------------


def test_from_asgi_decodes_latin_1() -> None:
    # Non-ASCII header bytes decode as latin-1 (RFC 9110 obs-text).
    h = Headers.from_asgi([(b"x-a", b"\xff\xfe"), (b"host", b"a.test")])
    assert h.get("x-a") == "\xff\xfe"
    assert h.get("Host") == "a.test"


def test_from_asgi_sends_the_same_list_back_untouched() -> None:
    raw = [(b"x-a", b"1"), (b"x-a", b"2")]
    assert Headers.from_asgi(raw).to_asgi() is raw


def test_to_asgi_lower_cases_names_in_insertion_order() -> None:
    h = Headers([("X-B", "1"), ("Content-Type", "caf\xe9"), ("x-b", "2")])
    assert h.to_asgi() == [
        (b"x-b", b"1"),
        (b"content-type", b"caf\xe9"),
        (b"x-b", b"2"),
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        pytest.param(lambda h: h.set("a", "9"), [(b"a", b"9")], id="set"),
        pytest.param(lambda h: h.append("b", "2"), [(b"a", b"1"), (b"b", b"2")], id="append"),
        pytest.param(lambda h: h.delete("a"), [], id="delete"),
    ],
)
def test_to_asgi_reflects_mutations_after_a_first_call(
    mutate: object, expected: list[tuple[bytes, bytes]]
) -> None:
    h = Headers.from_asgi([(b"a", b"1")])
    h.to_asgi()
    h.get("a")
    mutate(h)  # type: ignore[operator]
    assert h.to_asgi() == expected


def test_mutating_after_a_lookup_keeps_lookups_in_step() -> None:
    h = Headers.from_asgi([(b"a", b"1")])
    assert h.get("a") == "1"
    h.append("a", "2")
    h.append("b", "3")
    assert h.get("a") == "1, 2"
    assert h.get("b") == "3"


# -- properties ----------------------------------------------------------------


@given(name=token, value=safe_value)
def test_set_then_get_round_trips(name: str, value: str) -> None:
    h = Headers()
    h.set(name, value)
    assert h.get(name.upper()) == value
    assert h.to_asgi() == [(name.lower().encode(), value.encode("latin-1"))]


@given(
    raw=st.lists(
        st.tuples(
            token.map(lambda s: s.lower().encode()),
            st.binary(max_size=20),
        ),
        max_size=10,
    )
)
def test_asgi_bytes_survive_a_copy_round_trip(raw: list[tuple[bytes, bytes]]) -> None:
    copy = Headers.from_asgi(raw).copy()
    copy.append("x-extra", "1")
    assert copy.to_asgi()[: len(raw)] == raw


@given(pairs=st.lists(st.tuples(token, safe_value), max_size=10))
def test_get_agrees_with_get_all(pairs: list[tuple[str, str]]) -> None:
    h = Headers(pairs)
    for name, _ in pairs:
        assert h.get(name) == ", ".join(h.get_all(name))


def test_checked_names_are_remembered_within_a_bound() -> None:
    from approute.http import headers as module

    h = Headers()
    for i in range(2000):  # more distinct names than are remembered
        h.set(f"X-Name-{i}", "v")
    assert h.get("x-name-1999") == "v"
    assert len(module._CHECKED_NAMES) <= module._MAX_CHECKED_NAMES
    for _ in range(2):  # a remembered name is still lowered, a bad one still refused
        h.set("X-Name-1", "w")
        assert h.get_all("x-name-1") == ["w"]
        with pytest.raises(ValueError, match="RFC 9110 token"):
            h.set("bad name", "v")
