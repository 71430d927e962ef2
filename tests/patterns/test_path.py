"""approute.patterns.path: path-to-regexp 6.3 sources as Next.js compiles them."""

from __future__ import annotations

import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approute.errors import ProjectError
from approute.http.url import SearchParams
from approute.patterns import Key, compile_destination, compile_path

Params = dict[str, str | list[str]]

NEGATIVE_MATCHER = r"/((?!api|_next/static|_next/image|.*\.png$).*)"


# Sources: Next.js docs (redirects.mdx "Path Matching", proxy.mdx "Matcher"),
# test/integration/custom-routes/next.config.js, and path-to-regexp 6.3.0's
# own results (`match(source, {delimiter: "/"})`, compared in Node).
@pytest.mark.parametrize(
    ("source", "path", "expected"),
    [
        pytest.param("/about", "/about", {}, id="static"),
        pytest.param("/about", "/about/", {}, id="optional-trailing-slash"),
        pytest.param("/about/:path*", "/about", {}, id="star-matches-zero-segments"),
        pytest.param("/about/:path*", "/about/a/b", {"path": ["a", "b"]}, id="star-many"),
        pytest.param("/about/:path*", "/about/a/", {"path": ["a"]}, id="star-trailing-slash"),
        pytest.param("/admin/:path*", "/admin/", {}, id="proxy-docs-admin-slash"),
        pytest.param("/about/:path+", "/about/a", {"path": ["a"]}, id="plus-one"),
        pytest.param("/blog/:slug", "/blog/hello-world", {"slug": "hello-world"}, id="docs-slug"),
        pytest.param("/blog/:slug?", "/blog", {}, id="optional-absent"),
        pytest.param("/blog/:slug?", "/blog/x", {"slug": "x"}, id="optional-present"),
        pytest.param("/post/:slug(\\d{1,})", "/post/123", {"slug": "123"}, id="docs-regex-param"),
        pytest.param("/about/(.*)", "/about/x/y", {"0": "x/y"}, id="unnamed-group"),
        pytest.param(
            "/unnamed/(first|second)/(.*)",
            "/unnamed/first/final",
            {"0": "first", "1": "final"},
            id="custom-routes-unnamed-numbered",
        ),
        pytest.param(
            "/docs/:first(integrations|now-cli)/v2:second(.*)",
            "/docs/integrations/v2-some/thing",
            {"first": "integrations", "second": "-some/thing"},
            id="custom-routes-named-regex-after-text",
        ),
        pytest.param(
            "/named-like-unnamed/:0", "/named-like-unnamed/first", {"0": "first"}, id="n0"
        ),
        pytest.param("/:path((?!api|_next/static).*)", "/x", {"path": "x"}, id="lookahead-match"),
        pytest.param(NEGATIVE_MATCHER, "/dashboard/a", {"0": "dashboard/a"}, id="proxy-docs-neg"),
        pytest.param(NEGATIVE_MATCHER, "/", {"0": ""}, id="neg-root"),
        pytest.param(
            "/api/:ver(v\\d+)/:rest*", "/api/v2/a", {"ver": "v2", "rest": ["a"]}, id="ver"
        ),
        pytest.param("/:a-:b", "/x-y-z", {"a": "x-y", "b": "z"}, id="p2r-6.3-later-param-no-dash"),
        pytest.param("/:a.:b", "/x.y.z", {"a": "x.y", "b": "z"}, id="p2r-6.3-dot-prefix"),
        pytest.param("/:file.:ext?", "/readme", {"file": "readme"}, id="optional-dot-prefix"),
        pytest.param("/{a}?b", "/b", {}, id="optional-literal-group"),
        pytest.param("/x{-:y}?", "/x-1", {"y": "1"}, id="group-prefix"),
        pytest.param("/x{-:y}?", "/x", {}, id="group-absent"),
        pytest.param("/a\\(b\\)", "/a(b)", {}, id="escaped-parens"),
        pytest.param("/a\\:b", "/a:b", {}, id="escaped-colon"),
        pytest.param("/%61dmin", "/%61dmin", {}, id="percent-literal"),
        pytest.param("/blog/:slug", "/blog/caf%C3%A9", {"slug": "caf%C3%A9"}, id="not-decoded"),
        pytest.param("/([a-z]+)(.*)?.:x", "/a.2AAb", {"0": "a", "x": "2AAb"}, id="js-empty-opt"),
    ],
)
def test_source_matches(source: str, path: str, expected: Params) -> None:
    assert compile_path(source, where="test").match(path) == expected


@pytest.mark.parametrize(
    ("source", "path"),
    [
        pytest.param("/about/:path*", "/aboutx", id="star-needs-a-slash"),
        pytest.param("/about", "/about/team", id="anchored-end"),
        pytest.param("/about", "/about//", id="one-trailing-slash-only"),
        pytest.param("/about", "/blog/about", id="anchored-start"),
        pytest.param("/blog/:slug", "/blog/a/b", id="docs-slug-one-segment"),
        pytest.param("/blog/:slug", "/archive/blog/x", id="docs-not-nested"),
        pytest.param("/blog/:slug", "/blog/", id="param-not-empty"),
        pytest.param("/about/:path+", "/about", id="plus-needs-one"),
        pytest.param("/:path((?!api|_next/static).*)", "/api/x", id="lookahead-excludes"),
        pytest.param("/:path((?!api|_next/static).*)", "/_next/static/a.js", id="lookahead-2"),
        pytest.param(NEGATIVE_MATCHER, "/api/users", id="proxy-docs-neg-api"),
        pytest.param(NEGATIVE_MATCHER, "/img/logo.png", id="proxy-docs-neg-png"),
        pytest.param("/post/:slug(\\d{1,})", "/post/abc", id="regex-param-refuses"),
        pytest.param("/admin/:path*", "/ADMIN", id="case-sensitive-by-default"),
        pytest.param("/admin", "/admin\n", id="no-newline-before-end"),
    ],
)
def test_source_does_not_match(source: str, path: str) -> None:
    assert compile_path(source, where="test").match(path) is None


def test_config_rules_are_case_insensitive_on_request() -> None:
    # Next.js config rules: caseSensitiveRoutes defaults to false.
    pattern = compile_path("/Docs/:slug", where="test", case_sensitive=False)
    assert pattern.match("/docs/Intro") == {"slug": "Intro"}
    # ASCII-only folding: "ı" (dotless i) is not "i" (JavaScript's i flag agrees).
    assert compile_path("/admin", where="test", case_sensitive=False).match("/admın") is None


def test_unnamed_params_can_be_left_out() -> None:
    # Next.js's config rules use removeUnnamedParams; a named :0 stays.
    source = "/unnamed/(first|second)/:name/(.*)"
    pattern = compile_path(source, where="test", unnamed_params=False)
    assert pattern.match("/unnamed/first/x/y") == {"name": "x"}
    named = compile_path("/n/:0", where="test", unnamed_params=False)
    assert named.match("/n/a") == {"0": "a"}


def test_keys_describe_the_params() -> None:
    pattern = compile_path("/a/:b(\\d+)/(x)/:c*", where="test")
    assert pattern.keys == (
        Key("b", "/", "", "\\d+", ""),
        Key("0", "/", "", "x", "", unnamed=True),
        Key("c", "/", "", "", "*"),
    )
    assert pattern.keys[2].repeat
    assert pattern.keys[2].optional
    assert pattern.source == "/a/:b(\\d+)/(x)/:c*"
    assert isinstance(pattern.regex, re.Pattern)


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        pytest.param("/api", True, id="itself"),
        pytest.param("/api/", True, id="trailing-slash"),
        pytest.param("/api/users", True, id="below"),
        pytest.param("/apix", False, id="not-a-segment-boundary"),
    ],
)
def test_prefix_matching_with_end_false(path: str, matches: bool) -> None:
    pattern = compile_path("/api", where="test", end=False)
    assert (pattern.match(path) is not None) is matches


def test_strict_refuses_the_trailing_slash() -> None:
    pattern = compile_path("/about", where="test", strict=True)
    assert pattern.match("/about") == {}
    assert pattern.match("/about/") is None


# path-to-regexp 6.3.0's parse errors (checkCustomRoutes → tryToParsePath).
@pytest.mark.parametrize(
    ("source", "problem"),
    [
        pytest.param("about", "must start with '/'", id="no-leading-slash"),
        pytest.param("", "must start with '/'", id="empty"),
        pytest.param("/about/*", "must follow a :name", id="bare-star"),
        pytest.param("/a?", "must follow a :name", id="bare-question-mark"),
        pytest.param("/:a:b", "need text between them", id="adjacent-params"),
        pytest.param("/{:a}{:b}", "need text between them", id="adjacent-groups"),
        pytest.param("/x:a*", "can only repeat after", id="repeat-without-prefix"),
        pytest.param("/:", "followed by a parameter name", id="colon-without-name"),
        pytest.param("/(?:a)", "cannot start with '?'", id="pattern-starting-with-question"),
        pytest.param("/(a(b))", "capturing groups are not allowed", id="nested-capture"),
        pytest.param("/(a", "unbalanced", id="unbalanced-paren"),
        pytest.param("/()", "empty", id="empty-pattern"),
        pytest.param("/{a", "expected '}'", id="unclosed-group"),
        pytest.param("/a}", "without '{'", id="stray-close"),
        pytest.param("/a\\", "lone backslash", id="trailing-backslash"),
        pytest.param("/:a((?<x>b))", "named group", id="named-group-in-pattern"),
        pytest.param("/:a(\\u{41})", "u flag", id="bad-js-regex"),
    ],
)
def test_invalid_sources_are_project_errors(source: str, problem: str) -> None:
    where = "approute.config.py: redirects()[2].source"
    with pytest.raises(ProjectError, match=re.escape(problem) if "'" in problem else problem) as e:
        compile_path(source, where=where)
    assert str(e.value).startswith(where + ": ")
    assert repr(source) in str(e.value)


# -- ReDoS: path-to-regexp CVE-2024-45296, CVE-2024-52798, CVE-2026-4867 ----
# No timing asserts: these inputs take minutes (or forever) with a
# backtracking regex, so pytest-timeout's 60 s is the guard.

_ATTACKS = {
    "dash-a": "/" + "-a" * 8000 + "/x",
    "dot-a": "/" + ".a" * 8000 + "/x",
    "a-dash": "/" + "a-" * 8000 + "a.x",
    "100k": "/" + "a" * 100_000,
    "100k-dashes": "/" + "-" * 100_000 + "/",
    "segments": "/a" * 30_000 + "!",
}


@pytest.mark.parametrize(
    "source",
    [
        "/:a-:b",
        "/:a-:b-:c",
        "/:a.:b",
        "/:a.:b.:c",
        "/:a-:b-:c-:d-:e",
        "/x/:a-:b/:c-:d",
        "/{a}?{b}?{c}?-:z",
        "/:a*.:b*",
        "/:a.:b+",
        "/{:a-}+",
        "/:a{-:b}?{-:c}?{-:d}?",
        "/:path*",
        "/:a-x-:b",
    ],
)
@pytest.mark.parametrize("attack", sorted(_ATTACKS))
def test_no_catastrophic_backtracking(source: str, attack: str) -> None:
    pattern = compile_path(source, where="test")
    pattern.match(_ATTACKS[attack])  # must return; the answer is irrelevant


# -- properties --------------------------------------------------------------

_SAFE = st.text(st.sampled_from("abcXYZ019-_~.%"), min_size=1, max_size=8)
_LITERAL_PATH = st.lists(_SAFE, min_size=0, max_size=5).map(lambda parts: "/" + "/".join(parts))


@given(_LITERAL_PATH)
def test_literal_sources_match_exactly_themselves(path: str) -> None:
    pattern = compile_path(path, where="test")
    assert pattern.match(path) == {}
    assert pattern.match(path + "x") is None
    assert pattern.match("/x" + path) is None


_SPECIAL = set(":*+?(){}\\")


@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=20))
def test_escaped_specials_are_literal(text: str) -> None:
    source = "/" + "".join("\\" + ch if ch in _SPECIAL else ch for ch in text)
    assert compile_path(source, where="test").match("/" + text) == {}


_SEGMENT = st.text(st.sampled_from("ab.-~1"), min_size=1, max_size=6)


@pytest.mark.parametrize(
    "source",
    ["/:a-:b", "/files/:name.:ext", "/:a/:rest*", "/x/:a-:b-:c", "/:a.:b+", "/{:a-}+"],
)
@given(segments=st.lists(_SEGMENT, min_size=1, max_size=4))
def test_params_rebuild_the_path(source: str, segments: list[str]) -> None:
    # Whatever matches, substituted back into the same pattern, gives the path.
    path = "/" + "/".join(segments)
    pattern = compile_path(source, where="test")
    params = pattern.match(path)
    if params is None:
        return
    destination = compile_destination(source, source=pattern, where="test", for_redirect=True)
    rebuilt, _ = destination.build(params, SearchParams())
    assert rebuilt == path


@pytest.mark.parametrize(
    ("source", "warned"),
    [
        pytest.param("/:path*", False, id="one-repeat"),
        pytest.param("/:a/:b?/:c", False, id="no-repeat"),
        pytest.param("/:a*/:b+", False, id="whole-segments"),
        pytest.param("/:a+/x/:b*/y/:c*", False, id="whole-segments-three"),
        pytest.param("/:a*.:b*", True, id="text-inside-a-segment"),
        pytest.param("/:a*/v.:b+", True, id="literal-and-param-in-one-segment"),
    ],
)
def test_several_repeats_inside_segments_warn_at_startup(
    source: str, warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # Their matching time is polynomial in the path's segments (docs/security.md);
    # whole-segment ones match segment by segment instead.
    pattern = compile_path(source, where="middleware.py")
    messages = [r.getMessage() for r in caplog.records if r.name == "approute"]
    assert bool(messages) is warned
    if warned:
        assert messages[0].startswith(f"middleware.py: pattern {source!r} has ")
    else:
        assert pattern.match("/x" * 8_000 + "//") is None  # quick either way


_SEVERAL_REPEATS = ["/:a*/:b*", "/:a+/:b+/end", "/:a*/x/:b?/:c*", "/pre/:a+/:b*/:c?/end"]
_PATHS = ["/", "/x", "/x/", "/x/y", "/x/y/z", "/x/end", "/pre/x/y/end/", "/x//y", "x/y", "/END"]


@pytest.mark.parametrize("source", _SEVERAL_REPEATS)
@pytest.mark.parametrize("case_sensitive", [True, False])
@pytest.mark.parametrize("strict", [False, True])
def test_segment_matching_gives_the_regex_answer(
    source: str, case_sensitive: bool, strict: bool
) -> None:
    pattern = compile_path(source, where="t", case_sensitive=case_sensitive, strict=strict)
    assert pattern.segments is not None
    regex_only = dataclasses.replace(pattern, segments=None)
    for path in _PATHS:
        assert pattern.match(path) == regex_only.match(path), path
