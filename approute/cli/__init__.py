"""The ``approute`` command: ``dev``, ``start``, ``routes``."""

from __future__ import annotations

from approute.cli.main import main

__all__ = ["main"]
