"""approute.patterns.jsregex: JavaScript regex source (no flags, Annex B) → Python re."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from approute.errors import ProjectError
from approute.patterns.jsregex import translate


def _full(js: str, text: str) -> bool:
    return re.fullmatch(translate(js, where="test"), text) is not None


# Expected values: what `new RegExp(js).test(text)` answers with the whole
# text required (ECMAScript 2024 §22.2 and Annex B.1.2, checked with Node 20).
@pytest.mark.parametrize(
    ("js", "text", "matches"),
    [
        pytest.param(r"\d+", "123", True, id="digits"),
        pytest.param(r"\d", "\u0663", False, id="digit-is-ascii-only"),
        pytest.param(r"\w+", "a_Z9", True, id="word"),
        pytest.param(r"\w", "é", False, id="word-is-ascii-only"),
        pytest.param(r"\W", "é", True, id="non-word-includes-non-ascii"),
        pytest.param(r"\s", "\ufeff", True, id="space-includes-bom"),
        pytest.param(r"\s", "\x1c", False, id="space-excludes-file-separator"),
        pytest.param(r"\s", "\x85", False, id="space-excludes-nel"),
        pytest.param(r"\S", "\x1c", True, id="non-space-is-the-complement"),
        pytest.param(r"a.c", "abc", True, id="dot"),
        pytest.param(r"a.c", "a\rc", False, id="dot-excludes-cr"),
        pytest.param(r"a.c", "a\u2028c", False, id="dot-excludes-line-separator"),
        pytest.param(r"[^]", "\n", True, id="negated-empty-class-is-anything"),
        pytest.param(r"a[]", "a", False, id="empty-class-is-nothing"),
        pytest.param(r"[\d-z]+", "5-z", True, id="annex-b-class-escape-then-dash-literal"),
        pytest.param(r"[\d-z]", "a", False, id="annex-b-no-range-from-class-escape"),
        pytest.param(r"[a-c]+", "abc", True, id="range"),
        pytest.param(r"[[]", "[", True, id="bracket-literal-in-class"),
        pytest.param(r"[a&&b]", "&", True, id="ampersands-literal-in-class"),
        pytest.param(r"[--/]", ".", True, id="dash-range"),
        pytest.param(r"[\b]", "\b", True, id="class-backspace"),
        pytest.param(r"x]", "x]", True, id="lone-close-bracket-literal"),
        pytest.param(r"x{", "x{", True, id="lone-brace-literal"),
        pytest.param(r"x{,2}", "x{,2}", True, id="not-a-quantifier-is-literal"),
        pytest.param(r"x{2}", "xx", True, id="quantifier"),
        pytest.param(r"x{2,}?", "xxx", True, id="lazy-quantifier"),
        pytest.param(r"\/api", "/api", True, id="escaped-slash"),
        pytest.param(r"\A\z", "Az", True, id="identity-escapes-are-letters"),
        pytest.param(r"\x41\u0042\cJ", "AB\n", True, id="character-escapes"),
        pytest.param(r"\x4", "x4", True, id="short-hex-escape-is-identity"),
        pytest.param(r"\uD83D\uDE00", "\U0001f600", True, id="surrogate-pair-escapes"),
        pytest.param(r"\0", "\x00", True, id="nul"),
        pytest.param(r"\bfoo\b", "foo", True, id="word-boundaries"),
        pytest.param(r"é\b", "é", False, id="boundary-is-ascii-word"),
        pytest.param(r"a\Bb", "ab", True, id="non-boundary"),
        pytest.param(r"(a)\1", "aa", True, id="backreference"),
        pytest.param(r"(?<x>a)\k<x>", "aa", True, id="named-backreference"),
        pytest.param(r"\k<x>", "k<x>", True, id="k-without-named-groups-is-literal"),
        pytest.param(r"(?=a)a", "a", True, id="lookahead"),
        pytest.param(r"(?!api).*", "apix", False, id="negative-lookahead"),
        pytest.param(r"(?<=a)b", "b", False, id="lookbehind"),
        pytest.param(r"a|b", "b", True, id="alternation"),
        pytest.param(r"a#b c", "a#b c", True, id="hash-and-space-are-plain"),
    ],
)
def test_translation_keeps_javascript_meaning(js: str, text: str, matches: bool) -> None:
    assert _full(js, text) is matches


def test_dollar_is_the_end_of_input() -> None:
    # JS: /^a$/.test("a\n") is false; Python's $ would match before the "\n".
    regex = re.compile(translate("^a$", where="test"))
    assert regex.match("a\n") is None
    assert regex.match("a") is not None


def test_named_groups_become_python_named_groups() -> None:
    # Next.js docs (has): value '(?<authorized>yes|true)' gives :authorized.
    regex = re.compile(translate("(?<authorized>yes|true)", where="test"))
    m = regex.fullmatch("true")
    assert m is not None
    assert m.groupdict() == {"authorized": "true"}


@pytest.mark.parametrize(
    ("js", "problem"),
    [
        pytest.param(r"\u{41}", r"\\u\{\.\.\.\} needs the u flag", id="u-brace-escape"),
        pytest.param(r"\p{L}", "needs the u flag", id="property-escape"),
        pytest.param(r"(?<a>x)(?<a>y)", "duplicate group name", id="duplicate-name"),
        pytest.param(r"(?<a$>x)", "must be letters", id="dollar-in-name"),
        pytest.param(r"a**", "nothing to repeat", id="double-quantifier"),
        pytest.param(r"a*+", "nothing to repeat", id="possessive-is-not-js"),
        pytest.param(r"*a", "nothing to repeat", id="leading-quantifier"),
        pytest.param(r"a|?", "nothing to repeat", id="quantifier-after-bar"),
        pytest.param(r"^*", "nothing to repeat", id="quantified-anchor"),
        pytest.param(r"(a", "unterminated group", id="open-group"),
        pytest.param(r"a)", "unmatched", id="close-group"),
        pytest.param(r"[a", "unterminated character class", id="open-class"),
        pytest.param(r"\1", "does not exist", id="backreference-without-group"),
        pytest.param(r"(a)\01", "octal", id="octal-escape"),
        pytest.param(r"[\1]", "octal", id="octal-in-class"),
        pytest.param(r"(?i:a)", "invalid group", id="modifier-group"),
        pytest.param(r"(?<=a+)b", "not supported by Python", id="variable-lookbehind"),
        pytest.param(r"[z-a]", "out of order", id="reversed-range"),
        pytest.param(r"a{3,1}", "out of order", id="reversed-quantifier"),
        pytest.param(r"\c1", r"\\c must be followed by a letter", id="bad-control"),
        pytest.param("a\\", "at end of pattern", id="trailing-backslash"),
        pytest.param(r"\k<y>(?<x>a)", "must name a group", id="unknown-named-backreference"),
    ],
)
def test_unsupported_or_invalid_regexes_are_project_errors(js: str, problem: str) -> None:
    with pytest.raises(ProjectError, match=problem) as info:
        translate(js, where="middleware.py")
    assert str(info.value).startswith("middleware.py: ")
    assert repr(js) in str(info.value)


_JS_SYNTAX = set("^$\\.*+?()[]{}|/")


@given(st.text(st.characters(exclude_categories=["Cs"]), max_size=30))
def test_escaped_literal_text_matches_exactly_itself(text: str) -> None:
    js = "".join("\\" + ch if ch in _JS_SYNTAX else ch for ch in text)
    regex = re.compile(translate(js, where="test"))
    assert regex.fullmatch(text) is not None
    assert regex.fullmatch(text + "x") is None


@given(st.text(st.sampled_from("ab-/."), max_size=12))
def test_class_of_literals_matches_its_members(text: str) -> None:
    regex = re.compile(translate(r"[\-./ab]*", where="test"))
    assert regex.fullmatch(text) is not None
