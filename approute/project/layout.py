"""Where a project's special files live: ``middleware.py`` / ``proxy.py``."""

from __future__ import annotations

from pathlib import Path

from approute.errors import ProjectError

__all__ = ["MIDDLEWARE_NAMES", "find_middleware_file"]

# Next.js 16 calls it proxy; middleware is the older name. One per project.
MIDDLEWARE_NAMES = ("middleware.py", "proxy.py")


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
