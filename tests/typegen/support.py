"""Shared by the type-checker tests: a project written from sources, and
``approute mypy --strict`` or pyright run over it in a fresh process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def write_sources(root: Path, sources: dict[str, str]) -> None:
    for name, source in sources.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)


def approute_mypy(root: Path) -> str:
    """What ``approute mypy --strict`` prints for the project at ``root``."""
    done = subprocess.run(
        [sys.executable, "-m", "approute.cli", "mypy", "--strict"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr


def pyright_output(root: Path) -> str:
    """What pyright prints for ``root/app``, with the venv's interpreter
    (where approute is installed)."""
    found = shutil.which("pyright", path=str(Path(sys.executable).parent))
    assert found is not None, "pyright is a test dependency (pip install -e '.[dev]')"
    done = subprocess.run(
        [found, "--pythonpath", sys.executable, "app"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.stdout + done.stderr
