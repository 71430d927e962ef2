"""No regular expression of approute's backtracks on what a client sends.

Every module-level pattern of the package is listed here, either as one
that reads request data (with the methods the code calls on it) or as one
that reads only the project (config, folder names, the build) with the
reason. A new pattern must be added to one of the tables: the first test
fails until it is. Request-data patterns then run on adversarial 16 KiB
inputs, the head limit, and each call must finish far under the time a
super-linear pattern takes on them (seconds: the Accept-Encoding regex that
stalled the server took ~3 s on one such header).

The path-to-regexp patterns compiled from a project's matchers and rules
are checked the same way, on paths of that size.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import approute
from approute.patterns.path import compile_path

# Each call's bound: a linear pattern answers 16 KiB in well under a
# millisecond; a quadratic one takes seconds.
_BOUND = 0.25
_SIZE = 16 * 1024

# (module, name) -> what the code calls on client-controlled text.
REQUEST_DATA: dict[tuple[str, str], tuple[str, ...]] = {
    ("approute.http.cookies", "_BAD_ESCAPE"): ("search",),
    ("approute.http.cookies", "_ESCAPE_RUN"): ("sub",),
    ("approute.http.cookies", "_PAIR_SEPARATOR"): ("split",),
    ("approute.http.cookies", "_TOKEN"): ("fullmatch",),
    ("approute.http.cookies", "_URI_UNRESERVED"): ("fullmatch",),
    ("approute.http.headers", "_BAD_VALUE"): ("search",),
    ("approute.http.headers", "_TOKEN"): ("fullmatch",),
    ("approute.http.search_params", "_ESCAPE_RUN"): ("sub",),
    ("approute.http.search_params", "_FORM_SAFE"): ("fullmatch",),
    ("approute.http.search_params", "_SURROGATE"): ("sub",),
    ("approute.http.set_cookie", "_BAD_ATTRIBUTE"): ("search",),
    ("approute.http.url", "_CANONICAL_QUERY"): ("fullmatch",),
    ("approute.http.url", "_FRAGMENT_UNSAFE"): ("sub",),
    ("approute.http.url", "_PATH_UNSAFE"): ("sub",),  # url_parts' own, bound here too
    ("approute.http.url", "_SCHEME"): ("match",),
    ("approute.http.url_parts", "_CRLF_NUL"): ("search",),
    ("approute.http.url_parts", "_HOSTNAME"): ("fullmatch",),
    ("approute.http.url_parts", "_NON_ASCII"): ("sub",),
    ("approute.http.url_parts", "_PATH_UNSAFE"): ("sub",),
    ("approute.patterns.destination", "_DNS_LABEL"): ("fullmatch",),
    ("approute.patterns.destination", "_FRAGMENT_UNSAFE"): ("sub",),
    ("approute.patterns.destination", "_PATH_UNSAFE"): ("sub",),
    ("approute.patterns.destination", "_REPEATED_SLASHES"): ("sub",),
    ("approute.patterns.destination", "_SEGMENT_UNSAFE"): ("sub",),
    ("approute.public.serve", "_BYTES_RANGE"): ("match",),
    ("approute.public.serve", "_INT"): ("match",),
    ("approute.public.serve", "_NO_CACHE"): ("search",),
    # msgspec's error names the place in the client's JSON: "- at `$.<keys>`".
    ("approute.schema.engine", "_AT"): ("search",),
    ("approute.schema.engine", "_STEP"): ("finditer",),
}

# (module, name) -> why no client text reaches it.
PROJECT_ONLY: dict[tuple[str, str], str] = {
    ("approute.cli.create", "_NAME"): "the name given to `approute create`",
    ("approute.build.manifest", "_BUILD_ID"): "the build id in the build's own manifest",
    ("approute.cache.select", "_UNSAFE"): "the project folder's name",
    ("approute.config.load", "_CACHE_PREFIX"): "approute.config.py",
    ("approute.config.paths", "_SEGMENT"): "approute.config.py (base_path, openapi paths)",
    ("approute.http.body_limits", "_SIZE"): "approute.config.py (body_size_limit)",
    ("approute.patterns.conditions", "_NOT_LETTERS"): "a has/missing key in the config",
    ("approute.patterns.destination", "_HOST_TEXT"): "a destination template in the config",
    ("approute.patterns.destination", "_IPV6"): "a destination template in the config",
    ("approute.patterns.destination", "_PLACEHOLDER"): "a destination template in the config",
    ("approute.patterns.destination", "_PORT"): "a destination template in the config",
    ("approute.patterns.destination", "_SCHEME"): "a destination template in the config",
    ("approute.patterns.jsregex", "_GROUP_NAME"): "a regex written in the config",
    ("approute.routing.metadata_files", "_FILE_NAME"): "a file name in the app folder",
    ("approute.patterns.jsregex", "_HEX2"): "a regex written in the config",
    ("approute.patterns.jsregex", "_HEX4"): "a regex written in the config",
    ("approute.patterns.jsregex", "_QUANTIFIER"): "a regex written in the config",
    ("approute.public.files", "_TEXTUAL"): "approute's own table of media types",
    ("approute.routing.validate", "_NON_WORD"): "folder names under app/",
}


def _module_patterns() -> Iterator[tuple[tuple[str, str], re.Pattern[Any]]]:
    for info in pkgutil.walk_packages(approute.__path__, "approute."):
        if info.name.endswith(".__main__"):
            continue  # runs the CLI when imported
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and getattr(module, name) is value:
                yield (info.name, name), value


_FOUND = dict(_module_patterns())


def test_every_pattern_is_classified() -> None:
    found = set(_FOUND)
    listed = set(REQUEST_DATA) | set(PROJECT_ONLY)
    assert not found - listed, f"classify these patterns here: {sorted(found - listed)}"
    assert not listed - found, f"gone from the package: {sorted(listed - found)}"
    assert not set(REQUEST_DATA) & set(PROJECT_ONLY)


# Runs that make a backtracking pattern try every split: one character over
# and over, or a short unit over and over, each with and without a last
# character that makes the match fail at the very end.
_UNITS = [
    *" \t,;=%a0.-/:@&*\\\r\n\x00\x7f[]<>\"'é",
    "a=",
    "a,",
    "a;",
    "; ",
    ", ",
    "%2",
    "%20",
    "%zz",
    "0.",
    "=&",
    "a&",
    "ab",
    "a-",
    "a.",
    "[:",
    "bytes=0-",
    "no-cache ",
    "gzip;q=1 ",
]


def _inputs() -> list[str]:
    texts = []
    for unit in _UNITS:
        run = unit * (_SIZE // len(unit))
        texts.extend([run, run + "!", "x" + run + "\x01"])
    return texts


_INPUTS = _inputs()


def _inputs_for(pattern: re.Pattern[Any]) -> list[str]:
    """The runs above, plus each run after a word the pattern spells out
    (``gzip`` + 16 KiB of spaces is what made the old Accept-Encoding
    pattern try every split)."""
    source = pattern.pattern
    if isinstance(source, bytes):
        source = source.decode("latin-1")
    texts = list(_INPUTS)
    for word in set(re.findall(r"[A-Za-z][A-Za-z-]{2,}", source)):
        for unit in " \t,;=":
            texts.append(word + unit * _SIZE + "x")
    return texts


def _call(pattern: re.Pattern[Any], method: str) -> Callable[[Any], object]:
    if method == "sub":
        return lambda text: pattern.sub(lambda m: "", text)
    if method == "split":
        return pattern.split
    return getattr(pattern, method)  # type: ignore[no-any-return]


def _slowest(call: Callable[[Any], object], texts: list[Any]) -> tuple[float, int]:
    worst, where = 0.0, -1
    for index, text in enumerate(texts):
        started = time.perf_counter()
        call(text)
        took = time.perf_counter() - started
        if took > worst:
            worst, where = took, index
            if worst >= _BOUND:
                break  # one is enough
    return worst, where


@pytest.mark.parametrize(
    ("key", "method"),
    [
        pytest.param(key, method, id=f"{key[0].removeprefix('approute.')}.{key[1]}.{method}")
        for key, methods in REQUEST_DATA.items()
        for method in methods
    ],
)
def test_request_data_patterns_are_linear(key: tuple[str, str], method: str) -> None:
    check_linear(_FOUND[key], method)


def check_linear(pattern: re.Pattern[Any], method: str) -> None:
    """Fail when ``pattern.method`` takes long on any adversarial input."""
    texts: list[Any] = _inputs_for(pattern)
    shown = list(texts)
    if isinstance(pattern.pattern, bytes):
        texts = [text.encode("latin-1") for text in texts]
    worst, where = _slowest(_call(pattern, method), texts)
    assert worst < _BOUND, f"{pattern.pattern!r}: {worst:.2f} s on {shown[where][:40]!r}…"


def test_the_check_catches_a_backtracking_pattern() -> None:
    # The Accept-Encoding pattern that stalled the server: two adjacent
    # whitespace runs, tried at every split.
    stalling = re.compile(
        rb"(?:^|,)\s*(?P<token>gzip|\*)\s*(?:;\s*q\s*=\s*(?P<q>[0-9.]+))?\s*(?=,|$)"
    )
    assert "gzip" + " " * _SIZE + "x" in _inputs_for(stalling)
    # Half the size (a quarter of the time) is already over the bound.
    worst, _ = _slowest(_call(stalling, "search"), [b"gzip" + b" " * (_SIZE // 2) + b"x"])
    assert worst >= _BOUND


# What projects write: matchers, has/missing sources, rewrite sources.
_SOURCES = [
    "/:path*",
    "/api/:path+",
    "/blog/:slug",
    "/docs/:section/:page?",
    "/shop/:category/:id(\\d+)",
    "/a-:b-:c",
    "/:name.:ext",
    "/files/:rest*.pdf",
    "/(.*)",
    "/((?!api|_next/static|favicon.ico).*)",
    "/:locale(en|fr|de)/:path*",
    "/:a*/:b*/:c*/end",
    "/pre/:a+/x/:b*/:c?",
]

_PATHS = [
    "/" + "a/" * (_SIZE // 2),
    "/" + "a/" * (_SIZE // 2) + "!",
    "/" + "-" * _SIZE,
    "/" + "a-" * (_SIZE // 2) + "/",
    "/" + "." * _SIZE,
    "/" + "a." * (_SIZE // 2) + "/x",
    "/files/" + "a/" * (_SIZE // 2) + "x.pdfx",
    "/en/" + "/" * _SIZE,
    "/" + "%2F" * (_SIZE // 3),
]


@pytest.mark.parametrize("source", _SOURCES)
def test_compiled_path_patterns_are_linear_on_long_paths(source: str) -> None:
    pattern = compile_path(source, where="approute.config.py")
    worst, where = _slowest(pattern.match, _PATHS)
    assert worst < _BOUND, f"{source}: {worst:.2f} s on {_PATHS[where][:40]!r}…"
