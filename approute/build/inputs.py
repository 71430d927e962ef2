"""What a build depends on, and whether it changed since (docs/cli.md).

The inputs are the files whose content decides what the app does: every
``*.py`` under ``app/`` (or ``src/app/``, private ``_lib/`` folders too: route
modules import them) and its static metadata files (``icon.png``,
``robots.txt``…: served from the build), the middleware file (``middleware.py`` / ``proxy.py``,
at the root or in ``src/``) and ``approute.config.py``. Nothing else —
``__pycache__``, ``public/``, ``.approute/``, logs — makes a build stale.

Code the project keeps outside ``app/`` (``lib/queries.py``) is an input
too once a route, the middleware or the config imported it: the build
records every module it loaded whose file is in the project (a virtualenv
or ``site-packages`` inside it excluded), and a start compares those files
as well. A file nothing imported is not an input.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from approute.project.layout import ProjectLayout
from approute.routing.metadata_files import metadata_file

__all__ = ["first_change", "hash_files", "hash_inputs", "imported_files", "input_files"]


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


def hash_inputs(layout: ProjectLayout, *, also: Iterable[str] = ()) -> dict[str, str]:
    """``{"app/api/route.py": sha256 hex, ...}`` for every input, by path
    relative to the project root (``/``-separated); ``also`` names more
    files (the imported ones a build recorded), absent when missing."""
    names = [layout.where(file) for file in input_files(layout)]
    known = set(names)
    return hash_files(layout, [*names, *(name for name in also if name not in known)])


def hash_files(layout: ProjectLayout, names: Iterable[str]) -> dict[str, str]:
    """The sha256 of each named file (relative to the root); a missing one is left out."""
    hashes: dict[str, str] = {}
    for name in names:
        try:
            digest = hashlib.sha256((layout.root / name).read_bytes()).hexdigest()
        except OSError:
            continue  # removed while we looked: absent, as it soon will be
        hashes[name] = digest
    return hashes


# Folders inside a project that hold installed packages, not its code.
_ENVIRONMENTS = frozenset({".venv", "venv", ".tox", ".nox", "node_modules", ".approute"})


def imported_files(layout: ProjectLayout, known: Collection[str]) -> list[str]:
    """The project's own modules loaded so far (``sys.modules``) whose file
    is in the project but not in ``known`` (the inputs already hashed), by
    relative name (``lib/queries.py``); virtualenvs and ``site-packages`` in
    the project left out."""
    root = layout.root
    found: set[str] = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if not path.is_relative_to(root):
            continue
        folders = path.relative_to(root).parts[:-1]
        if any(
            part in _ENVIRONMENTS or part.endswith("-packages") or part == "__pycache__"
            for part in folders
        ) or _in_virtualenv(root, path):
            continue
        name = layout.where(path)
        if name not in known:
            found.add(name)
    return sorted(found)


def _in_virtualenv(root: Path, path: Path) -> bool:
    """Whether a folder between ``root`` and ``path`` is a virtualenv (any name)."""
    folder = path.parent
    while folder != root and folder.is_relative_to(root):
        if (folder / "pyvenv.cfg").is_file():
            return True
        folder = folder.parent
    return False


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
