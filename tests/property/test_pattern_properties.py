"""path-to-regexp sources (approute.patterns.path) on random patterns.

Patterns are built segment by segment from literal text (with escaped
specials), ``:name``, ``:name?``, ``:name*``, ``:name+`` and two-parameter
segments (``:a-:b``, ``:a.:b``). The test fills the parameters itself, writes
the path the pattern describes, and checks that the compiled pattern matches
it and gives the values back; any text either compiles or is refused with
``ProjectError``; and long hostile paths are answered in well under a second.
"""

from __future__ import annotations

import dataclasses
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from hypothesis import example, given, settings
from hypothesis import strategies as st

from approute.errors import ProjectError
from approute.patterns import compile_path

Params = dict[str, str | list[str]]

# -- random patterns and the paths they describe -------------------------------


@dataclass(frozen=True)
class _Literal:
    source: str  # as written in the pattern (specials escaped)
    text: str  # the URL text it matches


@dataclass(frozen=True)
class _Param:
    name: str
    modifier: str  # "", "?", "*", "+"


@dataclass(frozen=True)
class _Pair:
    first: str
    separator: str  # "-" or "."
    second: str


_Token = _Literal | _Param | _Pair

# Characters path-to-regexp reads as syntax: written with a backslash.
_SPECIALS = ":*+?(){}\\"
_LITERAL_CHARS = st.sampled_from([*"abcXY09-_~.", *_SPECIALS])
# Param values: never "/" (a segment), never "-" or "." (the _Pair separators,
# where path-to-regexp 6.3 would split differently by design).
_VALUE = st.text(st.sampled_from([*"abcXYZ019_~%:é", "😀"]), min_size=1, max_size=6)


@st.composite
def _literal(draw: st.DrawFn) -> _Literal:
    chars = draw(st.lists(_LITERAL_CHARS, min_size=1, max_size=6))
    source = "".join("\\" + c if c in _SPECIALS else c for c in chars)
    return _Literal(source, "".join(chars))


@st.composite
def _tokens(draw: st.DrawFn, max_repeats: int | None = None, *, pairs: bool = True) -> list[_Token]:
    tokens: list[_Token] = []
    repeats = 0
    for i in range(draw(st.integers(0, 6))):
        kind = draw(
            st.sampled_from(["literal", "param", "pair"] if pairs else ["literal", "param"])
        )
        if kind == "literal":
            tokens.append(draw(_literal()))
        elif kind == "pair":
            separator = draw(st.sampled_from("-."))
            tokens.append(_Pair(f"p{i}", separator, f"q{i}"))
        else:
            modifiers = ["", "?", "*", "+"]
            if max_repeats is not None and repeats >= max_repeats:
                modifiers = ["", "?"]
            modifier = draw(st.sampled_from(modifiers))
            repeats += modifier in ("*", "+")
            tokens.append(_Param(f"p{i}", modifier))
    return tokens


def _source(tokens: list[_Token]) -> str:
    out = []
    for token in tokens:
        if isinstance(token, _Literal):
            out.append("/" + token.source)
        elif isinstance(token, _Param):
            out.append(f"/:{token.name}{token.modifier}")
        else:
            out.append(f"/:{token.first}{token.separator}:{token.second}")
    return "".join(out) or "/"


def _draw_params(draw: st.DrawFn, tokens: list[_Token]) -> Params:
    params: Params = {}
    for token in tokens:
        if isinstance(token, _Pair):
            params[token.first] = draw(_VALUE)
            params[token.second] = draw(_VALUE)
        elif isinstance(token, _Param):
            if token.modifier == "":
                params[token.name] = draw(_VALUE)
            elif token.modifier == "?":
                if draw(st.booleans()):
                    params[token.name] = draw(_VALUE)
            else:
                low = 1 if token.modifier == "+" else 0
                values = draw(st.lists(_VALUE, min_size=low, max_size=3))
                if values:  # zero segments: the param is absent
                    params[token.name] = values
    return params


def _path(tokens: list[_Token], params: Params) -> str:
    """The path ``tokens`` describe with ``params`` filled in (the test's own builder)."""
    out = []
    for token in tokens:
        if isinstance(token, _Literal):
            out.append("/" + token.text)
        elif isinstance(token, _Pair):
            out.append(f"/{params[token.first]}{token.separator}{params[token.second]}")
        elif token.name in params:
            value = params[token.name]
            out.append("/" + (value if isinstance(value, str) else "/".join(value)))
    return "".join(out) or "/"


@st.composite
def _pattern_and_params(
    draw: st.DrawFn, max_repeats: int | None = None, *, pairs: bool = True
) -> tuple[list[_Token], Params]:
    tokens = draw(_tokens(max_repeats, pairs=pairs))
    return tokens, _draw_params(draw, tokens)


def _variable(tokens: list[_Token]) -> int:
    """How many parameters may take a varying number of segments."""
    return sum(isinstance(t, _Param) and t.modifier != "" for t in tokens)


@settings(max_examples=300, deadline=None)
@given(_pattern_and_params())
@example(([_Param("a", "*"), _Literal("x", "x"), _Param("b", "+")], {"b": ["x"]}))
@example(([_Pair("a", "-", "b")], {"a": "x", "b": "y"}))
def test_a_path_built_from_a_pattern_matches_it(case: tuple[list[_Token], Params]) -> None:
    tokens, params = case
    source = _source(tokens)
    pattern = compile_path(source, where="test")  # valid syntax: never raises
    path = _path(tokens, params)
    found = pattern.match(path)
    assert found is not None, (source, path)
    # Whatever split the pattern chose, it describes the same path ...
    assert _path(tokens, found) == path, (source, path, found)
    # ... and it is the one we filled in when the split is unambiguous (at
    # most one parameter whose segment count varies).
    if _variable(tokens) <= 1:
        assert found == params, (source, path)
    # One trailing slash is allowed; text after the pattern never is.
    assert pattern.match(path.rstrip("/") + "/") == found, (source, path)
    assert pattern.match(path + "//") is None, (source, path)


_ANY_SOURCE = st.lists(
    st.sampled_from([*"/:*+?(){}\\[]^$|.-ab0", "\\d", "(?:", "(?=", ".*"]), max_size=16
).map(lambda parts: "/" + "".join(parts))


@settings(max_examples=300, deadline=None)
@given(source=_ANY_SOURCE, paths=st.lists(st.text(max_size=12), max_size=4))
def test_any_source_compiles_or_is_a_project_error(source: str, paths: list[str]) -> None:
    try:
        pattern = compile_path(source, where="middleware.py")
    except ProjectError as error:
        refused = str(error)
    else:
        refused = ""
    if refused:
        # The message names the file and the pattern as written.
        assert refused.startswith("middleware.py: "), refused
        assert repr(source) in refused, refused
        return
    for path in paths:
        found = pattern.match("/" + path)
        if found is not None:
            assert all(isinstance(v, str | list) for v in found.values())


# -- long hostile inputs ---------------------------------------------------------


class _TooSlow(Exception):
    pass


@contextmanager
def _within(seconds: float) -> Iterator[None]:
    """Raise ``_TooSlow`` if the block takes longer than ``seconds``.

    SIGALRM interrupts a running regex (``re`` checks for signals while
    matching), so a hopeless match fails after ``seconds`` rather than after
    minutes. pytest-timeout's own alarm is put back afterwards.
    """

    def _alarm(signum: int, frame: FrameType | None) -> None:
        raise _TooSlow(f"took longer than {seconds} s")

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, _alarm)
    outer, interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = max(outer - (time.monotonic() - start), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, interval)


def _hostile_inputs(tokens: list[_Token], params: Params) -> list[str]:
    """Paths of about 4 KiB that look like the pattern for a long time, then fail."""
    path = _path(tokens, params)
    inputs = []
    for unit in (path.rstrip("/") or "/x", "/x", "/a-", "/.a", "-a"):
        long = unit * (4096 // len(unit) + 1)
        inputs += [long, long + "/!", "/" + long.lstrip("/") + "!"]
    return inputs


def _assert_quick(match: Callable[[str], object], inputs: list[str]) -> None:
    for text in inputs:
        with _within(1.0):
            match(text)


# A pattern with one :x* / :x+ parameter (any number of :x?, literals and
# two-parameter segments). With two or more, the regex would try every split
# (segments to that power): those of whole segments match segment by segment
# (the tests below); others log a startup warning (tests/patterns/test_path.py).
@settings(max_examples=60, deadline=None)
@given(_pattern_and_params(max_repeats=1))
@example(([_Param("a", "*"), _Param("b", "?"), _Param("c", "?"), _Literal("end", "end")], {}))
@example(
    ([_Param("a", "+"), _Literal("x", "x"), _Param("b", "?"), _Literal("x", "x")], {"a": ["x"]})
)
def test_long_hostile_paths_match_quickly(case: tuple[list[_Token], Params]) -> None:
    tokens, params = case
    pattern = compile_path(_source(tokens), where="test")
    _assert_quick(pattern.match, _hostile_inputs(tokens, params))


def test_three_repeat_parameters_match_long_paths_quickly() -> None:
    # The regex alone takes minutes on this (2 KiB; 16 KiB fit in a head).
    pattern = compile_path("/:a*/:b*/:c*/end", where="test")
    _assert_quick(pattern.match, ["/x" * 1024 + "/nope", "/x" * 8000 + "/nope"])
    assert pattern.match("/x" * 8000 + "/end") == {"a": ["x"] * 8000}


@settings(max_examples=60, deadline=None)
@given(_pattern_and_params(pairs=False))
def test_whole_segment_patterns_with_any_repeats_match_quickly(
    case: tuple[list[_Token], Params],
) -> None:
    tokens, params = case
    pattern = compile_path(_source(tokens), where="test")
    _assert_quick(pattern.match, _hostile_inputs(tokens, params))


_PIECES = st.sampled_from(["x", "end", "a", "X", ""])


@settings(max_examples=400, deadline=None)
@given(
    case=_pattern_and_params(pairs=False),
    extra=st.lists(st.lists(_PIECES, max_size=3), max_size=3),
    trailing=st.booleans(),
    case_sensitive=st.booleans(),
)
def test_segment_matching_gives_the_regex_answer(
    case: tuple[list[_Token], Params],
    extra: list[list[str]],
    trailing: bool,
    case_sensitive: bool,
) -> None:
    # On short paths the regex is quick: both must agree, params included
    # (the regex's split is the first it tries; so must the segments' be).
    tokens, params = case
    pattern = compile_path(_source(tokens), where="test", case_sensitive=case_sensitive)
    if pattern.segments is None:
        return  # fewer than two repeats: the regex matches alone
    regex_only = dataclasses.replace(pattern, segments=None)
    built = _path(tokens, params)
    paths = [built, built + "/"] + ["/" + "/".join(pieces) for pieces in extra]
    for path in paths:
        path = path + "/" if trailing and not path.endswith("/") else path
        for spelled in (path, path.upper()):
            assert pattern.match(spelled) == regex_only.match(spelled), (pattern.source, spelled)
