"""The names a Python file defines at its top level, read from its source.

Next.js decides a metadata route's URLs from its module's exports before
running it (``generateSitemaps`` → ``/sitemap/<id>.xml``); approute reads
the same from the syntax tree, so the route table is known before any user
code runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["top_level_lines", "top_level_names"]


def top_level_names(file: Path) -> frozenset[str]:
    """Names bound at the top level of ``file`` by ``def``, ``class``,
    assignment or import; empty when it cannot be parsed (loading it then
    reports the error with its line)."""
    return frozenset(top_level_lines(file))


def top_level_lines(file: Path) -> dict[str, int]:
    """The line of each top-level name's last binding, for ``file:line``
    messages; empty when ``file`` cannot be parsed."""
    try:
        tree = ast.parse(file.read_bytes(), filename=str(file))
    except (OSError, SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}
    for node in _top_level(tree.body):
        names: list[str] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        elif isinstance(node, ast.Assign):
            names = [name for target in node.targets for name in _targets(target)]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            names = _targets(node.target)
        for name in names:
            lines[name] = node.lineno
    return lines


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    # Statements under a top-level if/try (``try: from x import y``) bind
    # top-level names too.
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If):
            found.extend(_top_level(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            found.extend(_top_level(node.body + handlers + node.orelse + node.finalbody))
    return found


def _targets(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for item in target.elts for name in _targets(item)]
    return []
