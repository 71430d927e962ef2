"""The one path normaliser, and the middleware matcher and router seeing one path.

``normalize_path`` is checked against a tiny reference (collapse ``//`` and
``\\``, resolve ``.``/``..`` also when encoded, clamped at ``/``). Then the
property behind Astro CVE-2025-64765 and GHSA-cxrg-g7r8-w69p: whatever the
spelling of a request path, a request that reaches an ``/admin`` route has
passed a middleware whose matcher is ``/admin/:path*`` — first with the
functions ``Pipeline.__call__``/``_serve`` compose (``normalize_path`` →
``strip_base_path`` → ``MiddlewareMatcher.matches_path`` and
``RouteTable.match_path`` on the same string), then through a real app.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from approute._types import Message
from approute.app import App, create_app
from approute.errors import BadRequest
from approute.http.paths import normalize_path, split_segments
from approute.middleware.matcher import compile_matcher
from approute.pipeline.cycle import strip_base_path
from approute.routing.table import RouteTable
from tests.support.routes import route_file

# Raw path segments: plain, encoded and dot spellings, "\" and empty ones.
_PIECE = st.sampled_from(
    [
        "admin",
        "ADMIN",
        "%61dmin",
        "%61%64%6D%69%6E",
        "adm%69n",
        "admin%2F",
        "admin;x",
        "admin.",
        "settings",
        "%73ettings",
        "docs",
        "x",
        "a%2Fb",
        "caf%C3%A9",
        ".",
        "..",
        "%2e",
        "%2E",
        ".%2e",
        "%2E%2e",
        "...",
        "",
        "\\",
        "\\..",
        ".well-known",
    ]
)
_RAW = st.builds(
    lambda pieces, slash: ("/" + "/".join(pieces) + ("/" if slash else "")).encode(),
    st.lists(_PIECE, max_size=7),
    st.booleans(),
)
_BASE_PATH = st.sampled_from(["", "/docs"])

_DOTS = {".", "%2e"}
_DOTDOTS = {"..", ".%2e", "%2e.", "%2e%2e"}


def _reference_segments(raw: bytes) -> list[str]:
    """RFC 3986 §5.2.4 on the collapsed path, dots also percent-encoded."""
    out: list[str] = []
    for segment in raw.decode("ascii").replace("\\", "/").split("/"):
        if segment == "" or segment.lower() in _DOTS:
            continue
        if segment.lower() in _DOTDOTS:
            if out:
                out.pop()
            continue
        out.append(segment)
    return out


def _canonical(
    raw: bytes, *, trailing_slash: bool = False, base_path: str = ""
) -> tuple[str, bool]:
    """(canonical path, whether a redirect was due), following the redirect once."""
    first = normalize_path(raw, trailing_slash=trailing_slash, base_path=base_path)
    if first.redirect is None:
        return first.path, False
    assert first.redirect == first.path  # no query: the Location is the path itself
    return first.path, True


@settings(max_examples=400, deadline=None)
@given(raw=_RAW, trailing_slash=st.booleans(), base_path=_BASE_PATH)
@example(raw=b"/../../../etc/passwd", trailing_slash=False, base_path="")
@example(raw=b"/%2e%2e/%2E%2e/admin", trailing_slash=True, base_path="/docs")
@example(raw=b"/docs/..", trailing_slash=True, base_path="/docs")
def test_normalized_path_is_canonical_and_a_fixed_point(
    raw: bytes, trailing_slash: bool, base_path: str
) -> None:
    path, redirected = _canonical(raw, trailing_slash=trailing_slash, base_path=base_path)
    # Same segments as the reference: no "//", no "." or ".." (however
    # spelled), never above "/" ("/../x" is "/x").
    assert path.startswith("/")
    assert "//" not in path
    assert "\\" not in path
    assert split_segments(path) == _reference_segments(raw)
    # A "//" or "\" is always answered with a redirect, never served.
    if "//" in raw.decode() or "\\" in raw.decode():
        assert redirected
    # Idempotent: the canonical path is served as is, with no redirect.
    again = normalize_path(path.encode(), trailing_slash=trailing_slash, base_path=base_path)
    assert (again.path, again.redirect) == (path, None)


@settings(max_examples=200, deadline=None)
@given(
    climbs=st.lists(st.sampled_from(["..", "%2e%2e", ".%2E", "%2E.", ".", "%2e"]), max_size=6),
    rest=st.lists(st.sampled_from(["etc", "passwd", "a", "%41"]), max_size=3),
)
def test_dot_segments_never_climb_above_the_root(climbs: list[str], rest: list[str]) -> None:
    raw = ("/" + "/".join([*climbs, *rest])).encode()
    path, _ = _canonical(raw)
    assert path == "/" + "/".join(rest)


# -- the middleware matcher and the router see the same path ---------------------------


_ADMIN_ROUTES = ("/admin", "/admin/[id]", "/admin/settings")
_TABLE = RouteTable(
    [route_file(p) for p in (*_ADMIN_ROUTES, "/", "/[section]", "/[section]/[...rest]")]
)
_MATCHER = compile_matcher({"matcher": "/admin/:path*"}, where="middleware.py")


@settings(max_examples=400, deadline=None)
@given(raw=_RAW, trailing_slash=st.booleans(), base_path=_BASE_PATH, in_base=st.booleans())
@example(raw=b"/%61dmin", trailing_slash=False, base_path="", in_base=False)
@example(raw=b"/admin/admin%2F", trailing_slash=True, base_path="", in_base=False)
@example(raw=b"//admin/x/../settings/", trailing_slash=True, base_path="/docs", in_base=True)
def test_a_request_reaching_an_admin_route_passed_the_admin_matcher(
    raw: bytes, trailing_slash: bool, base_path: str, in_base: bool
) -> None:
    if in_base:
        raw = base_path.encode() + raw
    try:
        full_path, _ = _canonical(raw, trailing_slash=trailing_slash, base_path=base_path)
    except BadRequest:
        return  # answered 400 before anything matches
    # What Pipeline.__call__ computes once; _serve hands this one string to
    # the middleware matcher and (no rewrite configured) to the router.
    path = strip_base_path(full_path, base_path)
    if path is None:
        return  # outside base_path: 404, no route runs
    found = _TABLE.match_path(path)
    if found is not None and found.route.pattern in _ADMIN_ROUTES:
        assert _MATCHER.matches_path(path), (raw, path)
        # The hand-written matcher agrees on the path or its decoded form
        # (the two the middleware matcher tries; "%2F" decodes to "/").
        decoded = unquote_to_bytes(path).decode()
        assert _under_admin(path) or _under_admin(decoded), (raw, path)


# -- the same through a real app ---------------------------------------------------

_ROUTE = (
    "from approute import Response\n"
    "def GET(request):\n"
    "    return Response({body!r} + request.next_url.pathname)\n"
)
_PROJECT = {
    "app/route.py": _ROUTE.format(body="other:"),
    "app/admin/route.py": _ROUTE.format(body="admin:"),
    "app/admin/[id]/route.py": _ROUTE.format(body="admin:"),
    "app/admin/settings/route.py": _ROUTE.format(body="admin:"),
    "app/[section]/route.py": _ROUTE.format(body="other:"),
    "app/[section]/[...rest]/route.py": _ROUTE.format(body="other:"),
    "middleware.py": (
        "from approute import NextResponse\n"
        "config = {'matcher': '/admin/:path*'}\n"
        "def middleware(request):\n"
        "    return NextResponse.json({'blocked': request.next_url.pathname}, status=403)\n"
    ),
}


@pytest.fixture(scope="module")
def admin_app(tmp_path_factory: pytest.TempPathFactory) -> App:
    root = tmp_path_factory.mktemp("project")
    for name, source in _PROJECT.items():
        file = root / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(source)
    return create_app(root)


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    with asyncio.Runner() as runner:
        yield runner


async def _get(app: App, raw: bytes) -> tuple[int, bytes]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote_to_bytes(raw).decode("latin-1"),
        "raw_path": raw,
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@settings(max_examples=150, deadline=None)
@given(raw=_RAW)
@example(raw=b"/%61dmin/settings")
@example(raw=b"/x/%2e%2e/admin")
def test_no_spelling_reaches_an_admin_route_past_the_middleware(
    admin_app: App, runner: asyncio.Runner, raw: bytes
) -> None:
    status, body = runner.run(_get(admin_app, raw))
    assert not body.startswith(b"admin:"), (raw, status, body)
    try:
        path, redirected = _canonical(raw)
    except BadRequest:
        assert status == 400, raw
        return
    if redirected:
        assert status == 308, raw
        return
    # "/admin/:path*" matches /admin and below, as sent or decoded.
    if _under_admin(path) or _under_admin(unquote_to_bytes(path).decode()):
        # The middleware answered, and saw the path the router would have.
        assert (status, body) == (403, b'{"blocked":"' + path.encode() + b'"}'), raw
    else:
        found = _TABLE.match_path(path)
        assert found is not None
        assert found.route.pattern not in _ADMIN_ROUTES
        assert (status, body) == (200, b"other:" + path.encode()), raw


def _under_admin(path: str) -> bool:
    """``/admin/:path*`` by hand: /admin, then non-empty segments, one trailing "/"."""
    if path in ("/admin", "/admin/"):
        return True
    if not path.startswith("/admin/"):
        return False
    rest = path.removeprefix("/admin/").removesuffix("/")
    return all(rest.split("/"))
