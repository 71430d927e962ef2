"""The route cache's key: one entry per resolved route and params, whatever the spelling.

The pipeline keys a cached route by ``route_key(pattern,
RouteFile.path_for(params))``: the route and its own canonical path for the
router's decoded params, never the incoming path. So every spelling of one
request (``%61`` for ``a``, lower- or upper-case escapes, dot segments,
``//``) must give the same key, and a key must never be shared by two
different (route, params): that would serve one route's cached response for
another (cache poisoning).
"""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import example, given, settings
from hypothesis import strategies as st

from approute.handlers.route_cache import route_key
from approute.http.paths import normalize_path, split_segments
from approute.routing.scan import RouteFile
from approute.routing.table import RouteTable
from tests.support.routes import route_file

Params = dict[str, str | list[str]]


_PATTERNS = (
    "/",
    "/a",
    "/a/b",
    "/[id]",
    "/[id]/b",
    "/users/[id]",
    "/files/[...path]",
    "/docs/[[...slug]]",
    "/caf%C3%A9",
)
_TABLE = RouteTable([route_file(p) for p in _PATTERNS])
_BY_PATTERN = {r.pattern: r for r in _TABLE.routes}


def _key(route: RouteFile, params: Params, trailing_slash: bool) -> str:
    return route.path_for(params, trailing_slash=trailing_slash)


# -- spelling one request many ways ------------------------------------------------

# Characters a client may send unencoded in a path segment (RFC 3986 pchar
# without "%"); anything else is always sent as %XX of its UTF-8 bytes.
_RAW_OK = set("abcXYZ019-._~!$&'()*+,;=:@")
_VALUE = st.text(
    st.sampled_from([*"abcXYZ019-._~!$&'()*+,;=:@", *' /%?#\\"<>é€', "😀"]),
    min_size=1,
    max_size=8,
).filter(lambda v: v not in (".", ".."))  # those are dot segments, never params


@st.composite
def _spelling(draw: st.DrawFn, value: str) -> str:
    """One way a client may write ``value`` as a path segment."""
    out = []
    for char in value:
        if char in _RAW_OK and draw(st.booleans()):
            out.append(char)
            continue
        for byte in char.encode("utf-8"):
            hex_ = f"{byte:02X}"
            out.append("%" + (hex_.lower() if draw(st.booleans()) else hex_))
    return "".join(out)


@st.composite
def _noise(draw: st.DrawFn, segments: list[str]) -> str:
    """``segments`` as a raw path with dot segments and doubled slashes added."""
    out = []
    for segment in segments:
        extra = draw(st.sampled_from(["", "./", "x/../", "%2e/", "zz/%2E%2e/"]))
        out.append(extra + segment)
    slashes = draw(st.sampled_from(["/", "//"]))
    return slashes + "/".join(out) + draw(st.sampled_from(["", "/", "/."]))


@st.composite
def _request(draw: st.DrawFn) -> tuple[RouteFile, Params, list[str]]:
    """A route, params for it (decoded, as the router gives them), and 3 raw spellings."""
    pattern = draw(st.sampled_from(["/users/[id]", "/files/[...path]", "/docs/[[...slug]]"]))
    route = _BY_PATTERN[pattern]
    params: Params = {}
    if pattern == "/users/[id]":
        value = draw(_VALUE)
        params["id"] = value
        decoded = ["users", value]
    else:
        name = "path" if pattern.startswith("/files") else "slug"
        values = draw(st.lists(_VALUE, min_size=1 if name == "path" else 0, max_size=3))
        if values:
            params[name] = values
        decoded = [pattern.split("/")[1], *values]
    spellings = []
    for _ in range(3):
        # The static segment is compared as sent: spelled as the folder is.
        raw = [decoded[0], *(draw(_spelling(v)) for v in decoded[1:])]
        spellings.append(draw(_noise(raw)))
    return route, params, spellings


def _resolve(raw: str, trailing_slash: bool) -> tuple[RouteFile, Params] | None:
    """The pipeline's steps: normalise (following a 308 once), then route."""
    first = normalize_path(raw.encode(), trailing_slash=trailing_slash)
    path = first.path
    if first.redirect is not None:
        again = normalize_path(path.encode(), trailing_slash=trailing_slash)
        assert again.redirect is None
        path = again.path
    found = _TABLE.match_path(path)
    return None if found is None else (found.route, found.params)


@settings(max_examples=300, deadline=None)
@given(request=_request(), trailing_slash=st.booleans())
def test_spellings_of_one_request_resolve_to_one_route_and_params(
    request: tuple[RouteFile, Params, list[str]], trailing_slash: bool
) -> None:
    # What the key is made of: the router's decoded params, the same for
    # every spelling (the canonical paths themselves differ: "/users/%61"
    # stays as sent, and so does "/users/a").
    route, params, spellings = request
    for raw in spellings:
        assert _resolve(raw, trailing_slash) == (route, params), raw


@settings(max_examples=200, deadline=None)
@given(request=_request(), trailing_slash=st.booleans())
def test_spellings_of_one_request_share_one_key(
    request: tuple[RouteFile, Params, list[str]], trailing_slash: bool
) -> None:
    route, params, spellings = request
    keys = set()
    for raw in spellings:
        found = _resolve(raw, trailing_slash)
        assert found is not None, raw
        keys.add(_key(*found, trailing_slash))
    assert len(keys) == 1, (spellings, keys)
    (key,) = keys
    # The key is a path of its own: its segments decode to the static folder
    # and the params, and it routes back to the same route and params.
    values = [
        v for value in params.values() for v in ([value] if isinstance(value, str) else value)
    ]
    assert [unquote(s) for s in split_segments(key)] == [route.pattern.split("/")[1], *values]
    assert _resolve(key, trailing_slash) == (route, params)


@settings(max_examples=100, deadline=None)
@given(request=_request(), trailing_slash=st.booleans())
@example(
    request=(_BY_PATTERN["/users/[id]"], {"id": "a.b"}, ["/users/a.b"]),
    trailing_slash=True,
)
def test_a_key_is_the_canonical_path_the_server_serves(
    request: tuple[RouteFile, Params, list[str]], trailing_slash: bool
) -> None:
    # path_for's promise ("the canonical URL path this route serves"), which
    # the cached handler also sees as its request's path.
    route, params, _ = request
    key = _key(route, params, trailing_slash)
    assert normalize_path(key.encode(), trailing_slash=trailing_slash) == (key, None)


# -- one key, one (route, params) ------------------------------------------------------

_PIECE = st.sampled_from(
    [
        "a",
        "%61",
        "%41",
        "b",
        "%62",
        "users",
        "files",
        "docs",
        "x",
        "x%2Fy",
        "caf%C3%A9",
        "caf%c3%a9",
    ]
)
_RAW = st.lists(_PIECE, min_size=0, max_size=4).map(lambda p: "/" + "/".join(p))


@settings(max_examples=300, deadline=None)
@given(raws=st.lists(_RAW, min_size=2, max_size=6), trailing_slash=st.booleans())
@example(raws=["/a", "/%61"], trailing_slash=False)
def test_one_key_never_serves_two_routes_or_params(raws: list[str], trailing_slash: bool) -> None:
    owners: dict[str, tuple[RouteFile, Params]] = {}
    for raw in raws:
        found = _resolve(raw, trailing_slash)
        if found is None:
            continue  # a 404: nothing to cache
        route, params = found
        # The store key: /a (static) and /%61 ([id] = "a") share a path.
        key = route_key(route.pattern, _key(route, params, trailing_slash))
        owner = owners.setdefault(key, (route, params))
        assert owner == (route, params), (raw, key, owner)
