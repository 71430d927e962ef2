"""Where a project's files live, resolved once: ``ProjectLayout``.

A project is a folder with ``app/`` (or ``src/app/``), and beside it
optionally ``public/``, ``approute.config.py`` and one middleware file
(``middleware.py`` or ``proxy.py``, beside the ``app`` folder). What
approute writes lives under ``.approute/``: the build output
(``build-manifest.json``, ``build/<id>/``), the filesystem cache store
(``cache/``) and the draft-mode secret. ``create_app``, ``approute build``
and ``approute start`` all take these paths from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from approute.errors import ProjectError
from approute.project.loader import relative_name

__all__ = [
    "CONFIG_FILE",
    "MIDDLEWARE_NAMES",
    "OUTPUT_DIR",
    "ProjectLayout",
    "find_app_dir",
    "find_middleware_file",
]

CONFIG_FILE: Final = "approute.config.py"
OUTPUT_DIR: Final = ".approute"
# Next.js 16 calls it proxy; middleware is the older name. One per project.
MIDDLEWARE_NAMES: Final = ("middleware.py", "proxy.py")


@dataclass(frozen=True, slots=True)
class ProjectLayout:
    """The paths of one project (absolute; files that may not exist are
    the paths approute would read or write)."""

    root: Path
    app_dir: Path
    middleware_file: Path | None

    @classmethod
    def find(cls, root: str | os.PathLike[str]) -> ProjectLayout:
        """Resolve the project at ``root``; ``ProjectError`` when it is no
        project (no folder, no ``app/``) or an ambiguous one."""
        root_path = Path(root).resolve()
        if not root_path.is_dir():
            raise ProjectError(f"{root_path}: no such project folder")
        app_dir = find_app_dir(root_path)
        if app_dir is None:
            raise ProjectError(
                f"{root_path}: no app/ or src/app/ folder; create app/route.py to start"
            )
        return cls(root_path, app_dir, find_middleware_file(root_path, app_dir))

    @property
    def public_dir(self) -> Path:
        """``public/``: static files served at ``/``."""
        return self.root / "public"

    @property
    def config_file(self) -> Path:
        """``approute.config.py`` (defaults apply when it does not exist)."""
        return self.root / CONFIG_FILE

    @property
    def output_dir(self) -> Path:
        """``.approute/``: everything approute writes."""
        return self.root / OUTPUT_DIR

    @property
    def cache_dir(self) -> Path:
        """The filesystem cache store."""
        return self.output_dir / "cache"

    @property
    def builds_dir(self) -> Path:
        """``build/<build_id>/`` folders of prerendered entries."""
        return self.output_dir / "build"

    @property
    def types_dir(self) -> Path:
        """What ``approute typegen`` writes for type checkers."""
        return self.output_dir / "types"

    @property
    def manifest_file(self) -> Path:
        """The current build's manifest, written last by ``approute build``."""
        return self.output_dir / "build-manifest.json"

    @property
    def draft_secret_file(self) -> Path:
        """The draft-mode secret, when ``$APPROUTE_DRAFT_SECRET`` is not set."""
        return self.output_dir / "draft-secret"

    def where(self, path: Path) -> str:
        """``path`` as the user sees it: relative to the root when inside it."""
        return relative_name(path, self.root)


def find_app_dir(root: Path) -> Path | None:
    """Return ``root/app`` or ``root/src/app``, or None when neither exists.

    Both existing is a :class:`~approute.errors.ProjectError`: Next.js
    silently prefers ``app/``; approute refuses to guess.
    """
    app = root / "app"
    src_app = root / "src" / "app"
    if app.is_dir():
        if src_app.is_dir():
            raise ProjectError(
                f"Both app and src/app exist in {root}: keep one of app/ and "
                "src/app/ (approute will not guess which one you mean)"
            )
        return app
    if src_app.is_dir():
        return src_app
    return None


def find_middleware_file(root: Path, app_dir: Path) -> Path | None:
    """The project's middleware file: beside ``app/`` (the root, or ``src/``
    for ``src/app/``). Two of them, or one in the wrong folder, is an error."""
    home = app_dir.parent
    found = [home / name for name in MIDDLEWARE_NAMES if (home / name).is_file()]
    if len(found) > 1:
        raise ProjectError(
            f"both {found[0].relative_to(root)} and {found[1].relative_to(root)} exist; "
            "a project has one middleware file: keep proxy.py only"
        )
    other = root if home != root else root / "src"
    stray = [other / name for name in MIDDLEWARE_NAMES if (other / name).is_file()]
    if stray and not found:
        raise ProjectError(
            f"{stray[0].relative_to(root)} is not beside {app_dir.relative_to(root)}/; "
            f"move it to {(home / stray[0].name).relative_to(root)}"
        )
    return found[0] if found else None
