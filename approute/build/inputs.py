"""What a build depends on, and whether it changed since (docs/cli.md).

The inputs are the files whose content decides what the app does: every
``*.py`` under ``app/`` (or ``src/app/``, private ``_lib/`` folders too: route
modules import them) and its static metadata files (``icon.png``,
``robots.txt``…: served from the build), the middleware file (``middleware.py`` / ``proxy.py``,
at the root or in ``src/``) and ``approute.config.py``. Nothing else —
``__pycache__``, ``public/``, ``.approute/``, logs — makes a build stale.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from approute.project.layout import ProjectLayout
from approute.routing.metadata_files import metadata_file

__all__ = ["first_change", "hash_inputs", "input_files"]


def _app_files(folder: Path) -> Iterator[Path]:
    # Symlinked folders are followed (the route scan follows them), never
    # into themselves.
    seen: set[str] = set()
    for current, folders, files in os.walk(folder, followlinks=True):
        real = os.path.realpath(current)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        folders[:] = [name for name in folders if name != "__pycache__"]
        at_root = current == str(folder)
        for name in files:
            if name.endswith(".py") or metadata_file(name, at_root=at_root) is not None:
                yield Path(current, name)


def input_files(layout: ProjectLayout) -> list[Path]:
    """The build inputs of the project, sorted."""
    found = list(_app_files(layout.app_dir))
    if layout.middleware_file is not None:
        found.append(layout.middleware_file)
    if layout.config_file.is_file():
        found.append(layout.config_file)
    return sorted(found)


def hash_inputs(layout: ProjectLayout) -> dict[str, str]:
    """``{"app/api/route.py": sha256 hex, ...}`` for every input, by path
    relative to the project root (``/``-separated)."""
    hashes: dict[str, str] = {}
    for file in input_files(layout):
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            continue  # removed while we looked: absent, as it soon will be
        hashes[layout.where(file)] = digest
    return hashes


def first_change(built: Mapping[str, str], now: Mapping[str, str]) -> str | None:
    """The first input (by name) that differs, as ``"app/x.py was changed"``;
    None when the inputs are the same."""
    for name in sorted(set(built) | set(now)):
        if name not in now:
            return f"{name} was removed"
        if name not in built:
            return f"{name} was added"
        if built[name] != now[name]:
            return f"{name} was changed"
    return None
