"""The ``approute`` command: ``dev``, ``build``, ``start``, ``routes`` (docs/cli.md)."""

from __future__ import annotations

from approute.cli.main import main

__all__ = ["main"]
