"""``project.layout.ProjectLayout``: every path of a project resolved once,
and the project mistakes found while resolving them."""

from __future__ import annotations

from pathlib import Path

import pytest

from approute.errors import ProjectError
from approute.project.layout import ProjectLayout, find_app_dir


def _touch(root: Path, *names: str) -> Path:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not name.endswith("/"):
            path.write_text("")
    return root


def test_a_project_at_the_root(tmp_path: Path) -> None:
    layout = ProjectLayout.find(_touch(tmp_path, "app/route.py", "proxy.py"))
    assert layout.root == tmp_path.resolve()
    assert layout.app_dir == layout.root / "app"
    assert layout.middleware_file == layout.root / "proxy.py"
    assert layout.public_dir == layout.root / "public"
    assert layout.config_file == layout.root / "approute.config.py"
    assert layout.cache_dir == layout.root / ".approute" / "cache"
    assert layout.builds_dir == layout.root / ".approute" / "build"
    assert layout.manifest_file == layout.root / ".approute" / "build-manifest.json"
    assert layout.draft_secret_file == layout.root / ".approute" / "draft-secret"
    assert layout.where(layout.app_dir / "x" / "route.py") == "app/x/route.py"


def test_a_src_project_keeps_its_middleware_in_src(tmp_path: Path) -> None:
    layout = ProjectLayout.find(_touch(tmp_path, "src/app/route.py", "src/middleware.py"))
    assert layout.app_dir == layout.root / "src" / "app"
    assert layout.middleware_file == layout.root / "src" / "middleware.py"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(("README.md",), "no app/ or src/app/ folder", id="no-app"),
        pytest.param(("app/route.py", "src/app/route.py"), "keep one of app/", id="both-apps"),
        pytest.param(
            ("app/route.py", "middleware.py", "proxy.py"),
            "keep proxy.py only",
            id="two-middlewares",
        ),
        pytest.param(
            ("src/app/route.py", "middleware.py"), "move it to src/middleware.py", id="stray"
        ),
    ],
)
def test_project_mistakes_are_named(tmp_path: Path, files: tuple[str, ...], message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        ProjectLayout.find(_touch(tmp_path, *files))


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match="no such project folder"):
        ProjectLayout.find(tmp_path / "nowhere")


def test_find_app_dir_prefers_nothing_and_ignores_a_file_named_app(tmp_path: Path) -> None:
    (tmp_path / "app").write_text("")
    assert find_app_dir(tmp_path) is None
