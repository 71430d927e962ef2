"""``approute mypy [MYPY ARGS]``: mypy over an approute project.

Plain ``mypy app`` refuses a Next.js-style tree: it names a module after its
folders only up to the first folder that is not a Python identifier, so
``app/api/users/[id]/route.py`` and ``app/docs/[...slug]/route.py`` are both
the module ``route`` ("Duplicate module named 'route'"). No setting changes
that, and mypy names the modules before any plugin loads. This command
runs mypy's own build with the same arguments and configuration, after
naming each file under such a folder by its whole path
(``app.api.users._5bid_5d.route``). Messages name the files as mypy does;
the exit status is mypy's (0 clean, 1 errors, 2 a blocking error).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import PurePath

__all__ = ["module_name", "run_mypy"]


def module_name(path: str) -> str:
    """A module name for ``path`` that no other path shares: folders that
    are not identifiers spelled with ``_xx`` for each other character."""
    parts = PurePath(path.removesuffix(".pyi").removesuffix(".py")).parts
    return ".".join(
        part
        if part.isidentifier()
        else "_" + "".join(char if char.isalnum() else f"_{ord(char):02x}" for char in part)
        for part in parts
        if part not in (".", "/")
    )


def _below_non_identifier(path: str) -> bool:
    """Whether mypy would cut the module name of ``path`` short."""
    return any(
        not part.isidentifier() for part in PurePath(path).parent.parts if part not in (".", "/")
    )


def run_mypy(args: Sequence[str]) -> int:
    """Run mypy with ``args``; its exit status."""
    try:
        from mypy import build
        from mypy.errors import CompileError
        from mypy.main import process_options
        from mypy.modulefinder import BuildSource
    except ImportError:
        print("approute mypy: mypy is not installed (pip install mypy)", file=sys.stderr)
        return 2
    sources, options = process_options(list(args))
    renamed = [
        BuildSource(source.path, module_name(source.path), source.text, source.base_dir)
        if source.path is not None and _below_non_identifier(source.path)
        else source
        for source in sources
    ]
    try:
        result = build.build(renamed, options)
    except CompileError as error:
        print("\n".join(error.messages))
        return 2
    for line in result.errors:
        print(line)
    errors = [line for line in result.errors if ": error:" in line]
    count = len(renamed)
    plural = "s" if count != 1 else ""
    if errors:
        files = len({line.split(":", 1)[0] for line in errors})
        print(
            f"Found {len(errors)} error{'s' if len(errors) != 1 else ''} in {files} "
            f"file{'s' if files != 1 else ''} (checked {count} source file{plural})"
        )
        return 1
    print(f"Success: no issues found in {count} source file{plural}")
    return 0
