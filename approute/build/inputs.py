"""What a build depends on, and whether it changed since (docs/cli.md).

The inputs are the files whose content decides what the app does: every
``*.py`` under ``app/`` (or ``src/app/``, private ``_lib/`` folders too: route
modules import them), the middleware file (``middleware.py`` / ``proxy.py``,
at the root or in ``src/``) and ``approute.config.py``. Nothing else —
``__pycache__``, ``public/``, ``.approute/``, logs — makes a build stale.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from approute.config.load import CONFIG_FILE
from approute.project.layout import MIDDLEWARE_NAMES

__all__ = ["first_change", "hash_inputs", "input_files"]


def _python_files(folder: Path) -> Iterator[Path]:
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
        for name in files:
            if name.endswith(".py"):
                yield Path(current, name)


def input_files(root: Path) -> list[Path]:
    """The build inputs of the project at ``root``, sorted."""
    found: list[Path] = []
    for app_dir in (root / "app", root / "src" / "app"):
        if app_dir.is_dir():
            found.extend(_python_files(app_dir))
    for folder in (root, root / "src"):
        found.extend(folder / name for name in MIDDLEWARE_NAMES if (folder / name).is_file())
    config = root / CONFIG_FILE
    if config.is_file():
        found.append(config)
    return sorted(found)


def hash_inputs(root: Path) -> dict[str, str]:
    """``{"app/api/route.py": sha256 hex, ...}`` for every input, by path
    relative to ``root`` (``/``-separated)."""
    hashes: dict[str, str] = {}
    for file in input_files(root):
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            continue  # removed while we looked: absent, as it soon will be
        hashes[file.relative_to(root).as_posix()] = digest
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
