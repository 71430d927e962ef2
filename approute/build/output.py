"""Serving from the build output: ``approute start`` and ``approute.asgi``.

A missing build or a stale one (an input changed since) is a
``ProjectError`` naming what to do, as ``next start`` refuses to run without
``next build``. The prerendered entries are read lazily, each at most once
per process: a path's entry moves into the configured cache handler on its
first miss and is served from there afterwards.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from types import EllipsisType

import anyio.to_thread

from approute.app import App, create_app
from approute.build.inputs import first_change, hash_inputs
from approute.build.manifest import BuildManifest, read_manifest
from approute.cache.entry import CacheEntry, CacheFormatError, decode
from approute.errors import ProjectError
from approute.project.layout import ProjectLayout

__all__ = ["PrerenderedFiles", "app_from_build", "load_build"]

logger = logging.getLogger("approute")


class PrerenderedFiles:
    """A build's prerendered entries, by canonical path, read on demand."""

    __slots__ = ("_files", "_folder")

    def __init__(self, folder: Path, files: Mapping[str, str]) -> None:
        self._folder = folder
        self._files = dict(files)

    def __len__(self) -> int:
        return len(self._files)

    async def get(self, path: str) -> CacheEntry | None:
        """The entry prerendered for ``path``; None when there is none (or
        it cannot be read: the path is then rendered on demand)."""
        name = self._files.get(path)
        if name is None:
            return None
        return await anyio.to_thread.run_sync(self._read, name, path)

    def _read(self, name: str, path: str) -> CacheEntry | None:
        file = self._folder / name
        try:
            return decode(file.read_bytes(), key=path)
        except (OSError, CacheFormatError) as error:
            logger.warning(
                "build output: cannot use %s (%s); rendering %s on demand", file, error, path
            )
            return None


def load_build(root: str | os.PathLike[str] | ProjectLayout) -> BuildManifest:
    """The manifest of the project's current build, checked against the
    inputs on disk; ``ProjectError`` when there is none or it is stale."""
    layout = root if isinstance(root, ProjectLayout) else ProjectLayout.find(root)
    manifest = read_manifest(layout)
    if manifest is None:
        raise ProjectError(
            f"{layout.root}: no build output ({layout.where(layout.manifest_file)}); "
            "run `approute build` first"
        )
    change = first_change(manifest.inputs, hash_inputs(layout, also=manifest.inputs))
    if change is not None:
        raise ProjectError(
            f"{layout.root}: the build is stale: {change} since `approute build`; "
            "run `approute build` again"
        )
    return manifest


def app_from_build(
    root: str | os.PathLike[str] = ".",
    *,
    body_size_limit: int | str | None = None,
    body_timeout: float | EllipsisType | None = ...,
) -> App:
    """The production app from the project's build output: route cache keys
    under the build id, misses seeded with the prerendered responses."""
    layout = ProjectLayout.find(root)
    manifest = load_build(layout)
    return create_app(
        layout,
        body_size_limit=body_size_limit,
        body_timeout=body_timeout,
        build_id=manifest.build_id,
        prerendered=PrerenderedFiles(manifest.entries_dir(layout), manifest.prerendered),
    )
