"""approute.routing.scan: find app/ and list its route.py / page.py files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from approute.errors import ProjectError
from approute.routing.scan import RouteFile, scan_app
from approute.routing.segments import Segment, SegmentKind

FIXTURE = Path(__file__).parent.parent / "fixtures" / "routing_spec"


def _tree(root: Path, *files: str) -> Path:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('"""A test module."""\n')
    return root


def _listing(routes: list[RouteFile]) -> list[tuple[str, str, str]]:
    return [(r.display, r.kind, r.pattern) for r in routes]


def test_spec_tree_lists_routable_files_in_a_fixed_order() -> None:
    # The tree of docs/routing.md: groups leave the URL, private/hidden folders
    # and files other than route.py/page.py are never routed.
    routes = scan_app(FIXTURE / "app")
    assert _listing(routes) == [
        ("app/route.py", "route", "/"),
        ("app/%5Fsecret/route.py", "route", "/%5Fsecret"),
        ("app/(marketing)/about/page.py", "page", "/about"),
        ("app/api/docs/[[...slug]]/route.py", "route", "/api/docs/[[...slug]]"),
        ("app/api/files/[...path]/route.py", "route", "/api/files/[...path]"),
        ("app/api/hello/route.py", "route", "/api/hello"),
        ("app/api/hello.json/route.py", "route", "/api/hello.json"),
        ("app/api/users/[id]/route.py", "route", "/api/users/[id]"),
    ]


def test_route_file_points_at_the_file_and_carries_parsed_segments() -> None:
    routes = {r.pattern: r for r in scan_app(FIXTURE / "app")}
    users = routes["/api/users/[id]"]
    assert users.file == FIXTURE / "app" / "api" / "users" / "[id]" / "route.py"
    assert users.file.is_file()
    assert users.where == "app/api/users/[id]/route.py"
    assert users.segments == (
        Segment(SegmentKind.STATIC, "api"),
        Segment(SegmentKind.STATIC, "users"),
        Segment(SegmentKind.DYNAMIC, "id"),
    )
    assert routes["/%5Fsecret"].segments == (Segment(SegmentKind.STATIC, "_secret"),)
    assert routes["/"].segments == ()


def test_private_folder_and_everything_below_it_is_skipped(tmp_path: Path) -> None:
    app = _tree(
        tmp_path / "app",
        "_private/route.py",
        "_private/deep/er/route.py",
        "_private/[bad/route.py",  # never parsed: the folder is private
        "ok/_inner/route.py",
        "ok/route.py",
    )
    assert _listing(scan_app(app)) == [("app/ok/route.py", "route", "/ok")]


def test_pycache_and_hidden_folders_are_skipped(tmp_path: Path) -> None:
    app = _tree(
        tmp_path / "app",
        "__pycache__/route.py",
        ".git/route.py",
        "a/__pycache__/route.py",
        "a/route.py",
    )
    assert _listing(scan_app(app)) == [("app/a/route.py", "route", "/a")]


def test_folder_without_route_or_page_is_not_routable(tmp_path: Path) -> None:
    app = _tree(tmp_path / "app", "lib/util.py", "lib/route.txt", "api/x/route.py")
    assert _listing(scan_app(app)) == [("app/api/x/route.py", "route", "/api/x")]


def test_route_and_page_in_one_folder_are_both_listed(tmp_path: Path) -> None:
    # The conflict is validate_routes's job; scanning reports what is there.
    app = _tree(tmp_path / "app", "x/route.py", "x/page.py")
    assert _listing(scan_app(app)) == [
        ("app/x/page.py", "page", "/x"),
        ("app/x/route.py", "route", "/x"),
    ]


def test_nested_groups_vanish_from_the_pattern(tmp_path: Path) -> None:
    app = _tree(tmp_path / "app", "(a)/(b)/shop/(c)/[id]/route.py")
    [route] = scan_app(app)
    assert route.pattern == "/shop/[id]"
    assert route.display == "app/(a)/(b)/shop/(c)/[id]/route.py"


def test_order_does_not_depend_on_creation_order(tmp_path: Path) -> None:
    first = _tree(tmp_path / "one" / "app", "b/route.py", "a/route.py", "c/route.py")
    second = _tree(tmp_path / "two" / "app", "c/route.py", "a/route.py", "b/route.py")
    assert _listing(scan_app(first)) == _listing(scan_app(second))
    assert [r.pattern for r in scan_app(first)] == ["/a", "/b", "/c"]


def test_invalid_folder_name_fails_with_its_path(tmp_path: Path) -> None:
    app = _tree(tmp_path / "app", "api/[...id/helper.py")
    message = "Segment names may not start or end with extra brackets ('[...id')."
    with pytest.raises(ProjectError, match=re.escape(message)) as info:
        scan_app(app)
    assert "app/api/[...id" in str(info.value)


def test_src_app_is_shown_relative_to_its_parent(tmp_path: Path) -> None:
    app = _tree(tmp_path, "src/app/api/route.py") / "src" / "app"
    assert _listing(scan_app(app)) == [("app/api/route.py", "route", "/api")]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_cycle_does_not_loop(tmp_path: Path) -> None:
    app = _tree(tmp_path / "app", "a/route.py")
    (app / "a" / "loop").symlink_to(app / "a", target_is_directory=True)
    assert _listing(scan_app(app)) == [("app/a/route.py", "route", "/a")]
