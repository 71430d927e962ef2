"""``approute build``: validate, prerender, write the output, print the table.

Steps, in order: hash the inputs (before loading, so a file edited during
the build makes the result stale rather than wrong); load the project the
way ``approute start`` will (every route module, the middleware, the
config: a mistake is a ``ProjectError`` with ``file:line``); prerender;
write the entries into a fresh ``.approute/build/<build_id>/`` and commit
the manifest; print the route table.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import shutil
import time
from collections.abc import Sequence
from typing import Final, TextIO

from approute.app import App, create_app
from approute.build.inputs import hash_files, hash_inputs, imported_files
from approute.build.manifest import BuildManifest, is_build_id, write_manifest
from approute.build.prerender import PlannedRoute, PrerenderOutcome, plan_routes, prerender
from approute.build.progress import ProgressBar
from approute.build.table import Glyph, RouteRow, format_table
from approute.cache.entry import CacheEntry, encode
from approute.errors import ProjectError
from approute.project.layout import OUTPUT_DIR, ProjectLayout
from approute.typegen import typegen_quietly

__all__ = ["BUILD_ID_ENV", "build_project", "route_rows", "routes_table"]

BUILD_ID_ENV: Final = "APPROUTE_BUILD_ID"
"""Set it at build time to choose the build id (e.g. the git commit), as
Next.js's ``generateBuildId``; by default each build gets a random one."""


def _build_id() -> str:
    chosen = os.environ.get(BUILD_ID_ENV)
    if chosen is None or chosen == "":
        return secrets.token_hex(8)
    if not is_build_id(chosen):
        raise ProjectError(
            f"${BUILD_ID_ENV} must be 1-64 of A-Z a-z 0-9 . _ - (no leading dot); got {chosen!r}"
        )
    return chosen


def _entry_name(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest() + ".entry"


def _write_entries(
    layout: ProjectLayout, build_id: str, entries: dict[str, CacheEntry]
) -> dict[str, str]:
    """Write the entries into ``.approute/build/<build_id>/`` (filled under a
    temporary name, then moved into place); the manifest's file map."""
    builds = layout.builds_dir
    builds.mkdir(parents=True, exist_ok=True)
    staging = builds / f".tmp-{secrets.token_hex(6)}"
    staging.mkdir()
    files: dict[str, str] = {}
    try:
        for path, entry in entries.items():
            name = files[path] = _entry_name(path)
            (staging / name).write_bytes(encode(entry, key=path))
        final = builds / build_id
        if final.exists():  # the same $APPROUTE_BUILD_ID built again
            final.rename(builds / f".old-{secrets.token_hex(6)}")
        staging.rename(final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return files


def _prune(layout: ProjectLayout, keep: str) -> None:
    """Remove older builds' entries (and leftovers of crashed builds)."""
    builds = layout.builds_dir
    with contextlib.suppress(FileNotFoundError):
        for folder in builds.iterdir():
            if folder.name != keep:
                shutil.rmtree(folder, ignore_errors=True)


def route_rows(plan: Sequence[PlannedRoute], outcome: PrerenderOutcome | None) -> list[RouteRow]:
    """Table rows for ``plan``; with ``outcome``, only what was prerendered
    counts as ``○``/``●`` (without it, what a build would prerender)."""
    rows: list[RouteRow] = []
    for item in plan:
        paths = tuple(path for path, _ in item.paths)
        if outcome is not None:
            paths = tuple(path for path in paths if path in outcome.entries)
        glyph: Glyph = "ƒ"
        if item.cached and item.listed:
            glyph = "●"
        elif item.cached and not item.dynamic and paths:
            glyph = "○"
        interval = item.module.segment.interval if glyph != "ƒ" else None
        rows.append(
            RouteRow(item.url, glyph, paths if glyph == "●" else (), interval, item.module.allow)
        )
    return rows


def _middleware_name(app: App) -> str | None:
    middleware = app.project.layout.middleware_file
    return middleware.name if middleware is not None else None


async def _prerender_and_write(app: App, inputs: dict[str, str], out: TextIO, tty: bool) -> None:
    try:
        plan = await plan_routes(app)
        total = sum(len(item.paths) for item in plan)
        progress = ProgressBar(out, tty=tty) if total else None
        outcome = await prerender(app, plan, progress)
    finally:
        await app.close()
    for path, why in outcome.on_demand.items():
        out.write(f"  ! {path} is rendered on demand: its GET {why}\n")
    build_id = _build_id()
    layout = app.project.layout
    # What the routes, middleware and config imported from the project
    # (lib/…), now that loading and prerendering imported it all.
    inputs = {**inputs, **hash_files(layout, imported_files(layout, inputs))}
    files = _write_entries(layout, build_id, outcome.entries)
    write_manifest(layout, BuildManifest(build_id, time.time(), inputs, files))
    _prune(layout, build_id)
    out.write(f"✓ Build output written to {OUTPUT_DIR}/ (build id {build_id})\n\n")
    rows = route_rows(plan, outcome)
    out.write(format_table(rows, middleware=_middleware_name(app)) + "\n")


def build_project(root: str | os.PathLike[str], *, out: TextIO, tty: bool = False) -> None:
    """Build the project at ``root``: prerendered entries and the manifest
    under ``root/.approute/``, the route table on ``out``. A mistake in the
    project or a failing prerender is a ``ProjectError``; the previous build
    output is then left as it was."""
    layout = ProjectLayout.find(root)
    inputs = hash_inputs(layout)  # before loading: an edit meanwhile makes the build stale
    app = create_app(layout)
    count = len(app.project.modules)
    out.write(f"approute build: {layout.root}\n")
    out.write(f"✓ Loaded {count} route module{'s' if count != 1 else ''}\n")
    if typegen_quietly(layout) is not None:
        out.write(f"✓ Route types written to {layout.where(layout.types_dir)}/\n")
    out.flush()
    asyncio.run(_prerender_and_write(app, inputs, out, tty))


def routes_table(root: str | os.PathLike[str]) -> str:
    """``approute routes``: the build's table without prerendering (with the
    methods each route answers); ``generate_static_params()`` is called to
    list the ``●`` paths."""
    app = create_app(root)

    async def plan() -> list[PlannedRoute]:
        try:
            return await plan_routes(app)
        finally:
            await app.close()

    rows = route_rows(asyncio.run(plan()), None)
    return format_table(rows, middleware=_middleware_name(app), methods=True)
