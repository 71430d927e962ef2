"""``approute create NAME``: a new project, installable from the wheel, whose
own tests pass."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from approute.cli.create import FILES, create_project
from approute.errors import ProjectError
from tests.cli.test_cli import run_cli

REPO = Path(__file__).resolve().parents[2]


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout}\n{done.stderr}"
    return done


def test_the_wheel_in_a_fresh_venv_creates_a_project_whose_tests_pass(tmp_path: Path) -> None:
    # As a user would: the built wheel into a fresh virtualenv, then the
    # scaffold's own tests with that virtualenv's pytest.
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", "dist", REPO, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("approute-*.whl")
    _run(sys.executable, "-m", "venv", "venv", cwd=tmp_path)
    bin_dir = tmp_path / "venv" / "bin"
    _run(bin_dir / "pip", "install", "-q", wheel, "pytest", cwd=tmp_path)
    created = _run(bin_dir / "approute", "create", "demo", cwd=tmp_path)
    assert "Created" in created.stdout
    tested = _run(
        bin_dir / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=tmp_path / "demo"
    )
    assert "4 passed" in tested.stdout
    # The tests kept their cache in memory: no build output or cache files.
    assert not (tmp_path / "demo" / ".approute" / "cache").exists()


def test_create_writes_every_file_with_the_name(tmp_path: Path) -> None:
    root = create_project("shop-api", tmp_path)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) == sorted(
        FILES
    )
    assert 'name = "shop-api"' in (root / "pyproject.toml").read_text()
    assert (root / "README.md").read_text().startswith("# shop-api\n")
    # Route code keeps its own braces.
    assert 'f"Hello, {name}!"' in (root / "app/api/hello/route.py").read_text()


@pytest.mark.parametrize("name", ["../up", "a/b", "", ".hidden", "x" * 65, "sp ace"])
def test_a_name_that_is_not_a_folder_name_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ProjectError, match="is not a project name"):
        create_project(name, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_with_files_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "keep.txt").write_text("mine")
    result = run_cli("create", "demo", "--in", str(tmp_path))
    assert result.returncode == 1
    assert "already exists and is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "demo").iterdir()] == ["keep.txt"]
    # An empty folder is fine.
    (tmp_path / "empty").mkdir()
    assert run_cli("create", "empty", "--in", str(tmp_path)).returncode == 0
