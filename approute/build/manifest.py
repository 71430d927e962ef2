"""The build manifest: ``.approute/build-manifest.json`` (docs/cli.md).

    {"version": 1, "build_id": "…", "created_at": 1764097200.0,
     "inputs": {"app/api/route.py": "<sha256>", …},
     "prerendered": {"/api/users/1": "<file name>", …}}

The prerendered entries live in ``.approute/build/<build_id>/``, one file per
path in the cache entry framing (:mod:`approute.cache.entry`, never pickle).
The manifest is written last, atomically (temp file + rename): it is the
commit point, so a build that crashed half-way leaves the previous build in
place (or none), never half of one that looks valid. Build metadata lives
outside ``.approute/cache/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import orjson

from approute._files import atomic_write
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout

__all__ = [
    "BuildManifest",
    "is_build_id",
    "read_manifest",
    "write_manifest",
]

_VERSION: Final = 1
# A build id names a folder and prefixes cache keys: keep it plain.
_BUILD_ID: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")


def is_build_id(value: str) -> bool:
    """Whether ``value`` may be a build id (1-64 of ``A-Za-z0-9._-``, no leading dot)."""
    return _BUILD_ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class BuildManifest:
    """What one ``approute build`` produced."""

    build_id: str
    created_at: float
    inputs: dict[str, str]
    prerendered: dict[str, str] = field(default_factory=dict)

    def entries_dir(self, layout: ProjectLayout) -> Path:
        """The folder holding this build's prerendered entries."""
        return layout.builds_dir / self.build_id


def write_manifest(layout: ProjectLayout, manifest: BuildManifest) -> None:
    """Commit ``manifest`` as the project's current build."""
    document = {
        "version": _VERSION,
        "build_id": manifest.build_id,
        "created_at": manifest.created_at,
        "inputs": manifest.inputs,
        "prerendered": manifest.prerendered,
    }
    atomic_write(layout.manifest_file, orjson.dumps(document, option=orjson.OPT_INDENT_2))


def _str_map(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return None
    return value


def read_manifest(layout: ProjectLayout) -> BuildManifest | None:
    """The current build's manifest; None when there is no build. An
    unreadable manifest is a ``ProjectError`` saying to build again."""
    path = layout.manifest_file
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ProjectError(f"{path}: cannot read the build manifest ({error})") from None
    problem = f"{layout.where(path)} is not a build manifest of this approute version"
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        document = None
    if not isinstance(document, dict) or document.get("version") != _VERSION:
        raise ProjectError(f"{problem}; run `approute build` again")
    build_id, created_at = document.get("build_id"), document.get("created_at")
    inputs, prerendered = _str_map(document.get("inputs")), _str_map(document.get("prerendered"))
    if (
        not isinstance(build_id, str)
        or not is_build_id(build_id)
        or isinstance(created_at, bool)
        or not isinstance(created_at, int | float)
        or inputs is None
        or prerendered is None
    ):
        raise ProjectError(f"{problem}; run `approute build` again")
    return BuildManifest(build_id, float(created_at), inputs, prerendered)
