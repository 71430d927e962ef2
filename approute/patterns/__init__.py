"""Next.js path patterns and ``has``/``missing`` conditions, compiled once at startup.

Shared by the middleware matcher and ``approute.config.py`` rules:
``compile_path`` (path-to-regexp sources), ``compile_conditions``
(``has``/``missing``), ``compile_destination`` and ``substitute``
(redirect/rewrite destinations, header templates), ``translate``
(JavaScript regex → Python ``re``).
"""

from __future__ import annotations

from approute.patterns.conditions import CompiledConditions, Condition, compile_conditions
from approute.patterns.destination import (
    Destination,
    check_template,
    compile_destination,
    substitute,
)
from approute.patterns.jsregex import translate
from approute.patterns.path import PathPattern, compile_path
from approute.patterns.tokens import Key

__all__ = [
    "CompiledConditions",
    "Condition",
    "Destination",
    "Key",
    "PathPattern",
    "check_template",
    "compile_conditions",
    "compile_destination",
    "compile_path",
    "substitute",
    "translate",
]
