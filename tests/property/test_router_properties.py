"""The router against a tiny linear reference matcher, on random route trees.

Each example writes a random tree of ``route.py`` / ``page.py`` files (static
folders, ``[x]``, ``[...x]``, ``[[...x]]``, route groups, private folders) to
a temporary ``app/``, scans it, and asks the real table for random raw paths
the way the pipeline does (``normalize_path`` → ``match_path``). The
reference knows the folder names' meaning from its own table below and picks
the most specific route segment by segment, as Next.js does: static beats
``[x]`` beats ``[...x]`` beats ``[[...x]]``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from approute.errors import ProjectError
from approute.http.paths import normalize_path, split_segments
from approute.routing.scan import RouteFile, scan_app
from approute.routing.table import RouteTable

Params = dict[str, str | list[str]]

# Static folder name → the raw URL segment it matches, written out by hand
# (canonical percent-encoding: upper-case hex, as browsers send it).
_STATIC_URL = {
    "a": "a",
    "b": "b",
    "hello world": "hello%20world",
    "café": "caf%C3%A9",
    "%5Fpriv": "_priv",  # Next.js: a URL segment starting with "_" is folder %5F…
}
_PRIVATE = "_priv"  # skipped by the scan, with everything below it
_GROUPS = ("(g1)", "(g2)")
# Next.js's order of segment kinds, most specific first.
_STATIC, _DYNAMIC, _CATCH_ALL, _OPTIONAL = range(4)


@dataclass(frozen=True)
class _Model:
    """What the test itself thinks a route file stands for."""

    file: Path
    segments: tuple[tuple[int, str], ...]  # (kind, raw URL text or param name)


def _folder(depth: int) -> st.SearchStrategy[str]:
    # One param name per URL depth and kind keeps most trees valid.
    return st.sampled_from(
        [
            *_STATIC_URL,
            _PRIVATE,
            *_GROUPS,
            f"[p{depth}]",
            f"[...r{depth}]",
            f"[[...o{depth}]]",
        ]
    )


@st.composite
def _route_dirs(draw: st.DrawFn) -> tuple[tuple[str, ...], str]:
    folders: list[str] = []
    depth = 0
    for _ in range(draw(st.integers(0, 5))):
        name = draw(_folder(depth))
        folders.append(name)
        if name not in _GROUPS:
            depth += 1
    return tuple(folders), draw(st.sampled_from(["route.py", "page.py"]))


def _meaning(folders: Sequence[str]) -> tuple[tuple[int, str], ...] | None:
    """The reference's reading of a folder path; None when it is private."""
    out: list[tuple[int, str]] = []
    for name in folders:
        if name == _PRIVATE:
            return None
        if name in _GROUPS:
            continue
        if name.startswith("[[..."):
            out.append((_OPTIONAL, name[5:-2]))
        elif name.startswith("[..."):
            out.append((_CATCH_ALL, name[4:-1]))
        elif name.startswith("["):
            out.append((_DYNAMIC, name[1:-1]))
        else:
            out.append((_STATIC, _STATIC_URL[name]))
    return tuple(out)


def _reference_one(segments: tuple[tuple[int, str], ...], request: list[str]) -> Params | None:
    params: Params = {}
    for i, (kind, value) in enumerate(segments):
        rest = request[i:]
        if kind == _CATCH_ALL:
            if not rest:
                return None
            params[value] = [unquote(s) for s in rest]
            return params
        if kind == _OPTIONAL:
            if rest:
                params[value] = [unquote(s) for s in rest]
            return params
        if not rest:
            return None
        if kind == _STATIC:
            if rest[0] != value:
                return None
        else:
            params[value] = unquote(rest[0])
    return params if len(request) == len(segments) else None


def _reference(models: Sequence[_Model], request: list[str]) -> tuple[Path, Params] | None:
    best: tuple[tuple[int, ...], Path, Params] | None = None
    for model in models:
        params = _reference_one(model.segments, request)
        if params is None:
            continue
        ranks = tuple(kind for kind, _ in model.segments)
        if best is None or ranks < best[0]:
            best = (ranks, model.file, params)
    return None if best is None else (best[1], best[2])


def _keep_valid(routes: list[RouteFile]) -> list[RouteFile]:
    # Trees Next.js refuses are not what this test is about: keep the files
    # the table accepts together, first come first kept.
    kept: list[RouteFile] = []
    for route in routes:
        try:
            RouteTable([*kept, route])
        except ProjectError:
            continue
        kept.append(route)
    return kept


# Raw request segments: plain and encoded spellings of the folders above,
# encoded "/", dot segments (resolved) and empty ones ("//": a redirect).
_REQUEST_SEGMENT = st.sampled_from(
    [
        "a",
        "b",
        "A",
        "%61",
        "hello%20world",
        "caf%C3%A9",
        "caf%c3%a9",
        "_priv",
        "%5Fpriv",
        "x%2Fy",
        "z",
        ".",
        "..",
        "%2e",
        "",
    ]
)
_RAW_PATH = st.lists(_REQUEST_SEGMENT, max_size=6).map(lambda s: ("/" + "/".join(s)).encode())


def _canonical(raw: bytes, trailing_slash: bool) -> str:
    """The path the pipeline hands the router (a redirect is followed once)."""
    normalized = normalize_path(raw, trailing_slash=trailing_slash)
    if normalized.redirect is None:
        return normalized.path
    again = normalize_path(normalized.path.encode(), trailing_slash=trailing_slash)
    assert again.redirect is None
    return again.path


@settings(max_examples=150, deadline=None)
@given(
    dirs=st.lists(_route_dirs(), min_size=1, max_size=10),
    requests=st.lists(_RAW_PATH, min_size=1, max_size=10),
    trailing_slash=st.booleans(),
)
def test_router_agrees_with_linear_reference_on_random_trees(
    dirs: list[tuple[tuple[str, ...], str]],
    requests: list[bytes],
    trailing_slash: bool,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = Path(tmp) / "app"
        app.mkdir()
        meanings: dict[Path, tuple[tuple[int, str], ...] | None] = {}
        for folders, filename in dirs:
            file = app.joinpath(*folders, filename)
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text('"""A route."""\n')
            meanings[file] = _meaning(folders)

        scanned = scan_app(app)
        # The scan finds every file but the private ones, each once.
        assert sorted(r.file for r in scanned) == sorted(
            file for file, meaning in meanings.items() if meaning is not None
        )
        for route in scanned:
            assert route.kind == route.file.stem

        routes = _keep_valid(scanned)
        table = RouteTable(routes)
        models = []
        for route in routes:
            meaning = meanings[route.file]
            assert meaning is not None
            models.append(_Model(route.file, meaning))

        for raw in requests:
            path = _canonical(raw, trailing_slash)
            segments = split_segments(path)
            expected = _reference(models, segments)
            for found in (table.match_path(path), table.match(segments), table.match_path(path)):
                if expected is None:
                    assert found is None, (raw, path)
                else:
                    assert found is not None, (raw, path)
                    assert (found.route.file, found.params) == expected, (raw, path)
