"""approute.routing.validate: trees Next.js refuses (docs/routing.md, "Startup errors")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import pytest

from approute.errors import ProjectError
from approute.routing.scan import RouteFile, scan_app
from approute.routing.segments import parse_segment
from approute.routing.validate import validate_routes


def _route(display: str) -> RouteFile:
    """A RouteFile for ``app/…/route.py`` or ``…/page.py``, as scan_app makes it."""
    *folders, filename = display.split("/")
    kind: Literal["route", "page"] = "page" if filename == "page.py" else "route"
    names: list[str] = []
    segments = []
    for i, name in enumerate(folders[1:], start=2):
        segment = parse_segment(name, "/".join(folders[:i]))
        if segment is not None:
            names.append(name)
            segments.append(segment)
    return RouteFile(
        file=Path("/project", display),
        kind=kind,
        pattern="/" + "/".join(names),
        segments=tuple(segments),
        display=display,
    )


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(["app/page.py", "app/api/route.py"], id="page-root-and-api"),
        pytest.param(["app/[user]/page.py", "app/api/route.py"], id="dynamic-and-api"),
        pytest.param(
            ["app/a/[id]/route.py", "app/b/[slug]/route.py"],
            id="different-names-under-different-parents",
        ),
        pytest.param(
            ["app/[a]/route.py", "app/[a]/[b]/route.py", "app/[a]/x/route.py"],
            id="nested-dynamic",
        ),
        pytest.param(
            ["app/a/route.py", "app/a/[...x]/route.py", "app/a/[y]/route.py"],
            id="route-beside-required-catch-all",
        ),
        pytest.param(
            ["app/[[...x]]/route.py", "app/a/route.py"],
            id="static-child-beside-optional-catch-all",
        ),
        pytest.param(
            ["app/(a)/one/route.py", "app/(b)/two/route.py"],
            id="groups-different-urls",
        ),
        pytest.param(["app/[a-b]/[c]/route.py"], id="dash-names"),
        pytest.param(["app/x/[id]/route.py"], id="single-route"),
        pytest.param([], id="no-routes"),
    ],
)
def test_valid_tree_passes(files: list[str]) -> None:
    validate_routes([_route(f) for f in files])


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            ["app/x/page.py", "app/x/route.py"],
            "Conflicting route and page at /x: route at app/x/route.py and page at app/x/page.py",
            id="route-and-page",
        ),
        pytest.param(
            ["app/page.py", "app/route.py"],
            "Conflicting route and page at /: route at app/route.py and page at app/page.py",
            id="route-and-page-at-root",
        ),
        pytest.param(
            ["app/(a)/about/route.py", "app/(b)/about/route.py"],
            "You cannot have two parallel pages that resolve to the same path. "
            "Please check app/(a)/about/route.py and app/(b)/about/route.py.",
            id="two-groups",
        ),
        pytest.param(
            ["app/(a)/route.py", "app/route.py"],
            "You cannot have two parallel pages that resolve to the same path. "
            "Please check app/(a)/route.py and app/route.py.",
            id="group-at-root",
        ),
        pytest.param(
            ["app/(a)/x/route.py", "app/x/page.py", "app/x/route.py"],
            "You cannot have two parallel pages that resolve to the same path. "
            "Please check app/(a)/x/route.py, app/x/page.py and app/x/route.py.",
            id="three-files",
        ),
        pytest.param(
            ["app/%5Fx/route.py", "app/%5fx/route.py"],
            "You cannot have two parallel pages that resolve to the same path. "
            "Please check app/%5Fx/route.py and app/%5fx/route.py.",
            id="same-url-through-escapes",
        ),
        pytest.param(
            ["app/[...a]/b/route.py"],
            "Catch-all must be the last part of the URL. In app/[...a]/b/route.py",
            id="catch-all-not-last",
        ),
        pytest.param(
            ["app/docs/[[...a]]/[b]/route.py"],
            "Catch-all must be the last part of the URL. In app/docs/[[...a]]/[b]/route.py",
            id="optional-catch-all-not-last",
        ),
        pytest.param(
            ["app/api/[id]/route.py", "app/api/[slug]/route.py"],
            "You cannot use different slug names for the same dynamic path "
            "('id' !== 'slug'). In app/api/[id]/route.py and app/api/[slug]/route.py",
            id="different-slug-names",
        ),
        pytest.param(
            ["app/api/users/[id]/x/route.py", "app/api/users/[userId]/y/route.py"],
            "You cannot use different slug names for the same dynamic path "
            "('id' !== 'userId'). In app/api/users/[id]/x/route.py and "
            "app/api/users/[userId]/y/route.py",
            id="different-slug-names-subtrees-never-overlap",
        ),
        pytest.param(
            ["app/[a]/[b]/route.py", "app/[a]/[c]/page.py"],
            "You cannot use different slug names for the same dynamic path ('b' !== 'c').",
            id="different-slug-names-below-dynamic",
        ),
        pytest.param(
            ["app/a/[...x]/route.py", "app/a/[...y]/page.py"],
            "You cannot use different slug names for the same dynamic path ('x' !== 'y').",
            id="different-catch-all-names",
        ),
        pytest.param(
            ["app/[id]/[id]/route.py"],
            'You cannot have the same slug name "id" repeat within a single dynamic '
            "path. In app/[id]/[id]/route.py",
            id="repeated-name",
        ),
        pytest.param(
            ["app/[id]/x/[...id]/route.py"],
            'You cannot have the same slug name "id" repeat within a single dynamic path.',
            id="repeated-name-catch-all",
        ),
        pytest.param(
            ["app/[a-b]/[ab]/route.py"],
            'You cannot have the slug names "a-b" and "ab" differ only by non-word '
            "symbols within a single dynamic path. In app/[a-b]/[ab]/route.py",
            id="names-differ-by-symbols",
        ),
        pytest.param(
            ["app/a/route.py", "app/a/[[...x]]/route.py"],
            "You cannot define a route with the same specificity as a optional "
            'catch-all route ("/a" and "/a[[...x]]"). In app/a/route.py and '
            "app/a/[[...x]]/route.py",
            id="route-beside-optional-catch-all",
        ),
        pytest.param(
            ["app/[[...x]]/page.py", "app/route.py"],
            "You cannot define a route with the same specificity as a optional "
            'catch-all route ("/" and "/[[...x]]").',
            id="root-beside-optional-catch-all",
        ),
        pytest.param(
            ["app/(g)/a/page.py", "app/a/[[...x]]/route.py"],
            "You cannot define a route with the same specificity as a optional "
            'catch-all route ("/a" and "/a[[...x]]").',
            id="through-a-group",
        ),
        pytest.param(
            ["app/a/[...x]/route.py", "app/a/[[...y]]/route.py"],
            "You cannot use both an required and optional catch-all route at the "
            'same level ("[...x]" and "[[...y]]" ). In app/a/[...x]/route.py and '
            "app/a/[[...y]]/route.py",
            id="required-then-optional",
        ),
        pytest.param(
            ["app/a/[[...y]]/route.py", "app/a/[...x]/route.py"],
            "You cannot use both an optional and required catch-all route at the "
            'same level ("[[...y]]" and "[...x]"). In app/a/[[...y]]/route.py and '
            "app/a/[...x]/route.py",
            id="optional-then-required",
        ),
    ],
)
def test_invalid_tree_is_a_project_error(files: list[str], message: str) -> None:
    with pytest.raises(ProjectError, match=re.escape(message)):
        validate_routes([_route(f) for f in files])


def test_scanned_conflict_names_both_files(tmp_path: Path) -> None:
    app = tmp_path / "app"
    for name in ("(a)/about/route.py", "(b)/about/route.py"):
        (app / name).parent.mkdir(parents=True)
        (app / name).write_text("")
    with pytest.raises(ProjectError) as info:
        validate_routes(scan_app(app))
    assert "app/(a)/about/route.py and app/(b)/about/route.py" in str(info.value)
