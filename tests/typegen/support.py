"""Shared by the type-checker tests: a project written from sources, and
``approute mypy --strict`` run over it in a fresh interpreter."""

from __future__ import annotations

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
