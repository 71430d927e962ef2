"""The public Next.js-shaped modules are for users: no module of approute
imports them. import-linter's forbidden contract (pyproject.toml) covers
``approute.server``, ``.headers``, ``.navigation``, ``.fetch`` and ``.og``; it
cannot forbid ``approute.cache``'s ``__init__`` alone while its submodules
stay importable, so this test checks all six on the import graph itself."""

from __future__ import annotations

import grimp
import pytest

FACADES = (
    "approute.cache",
    "approute.fetch",
    "approute.headers",
    "approute.navigation",
    "approute.og",
    "approute.server",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("approute")


@pytest.mark.parametrize("facade", FACADES)
def test_no_approute_module_imports_a_facade(graph: grimp.ImportGraph, facade: str) -> None:
    assert graph.find_modules_that_directly_import(facade) == set()


def test_the_graph_sees_imports_of_a_package_init(graph: grimp.ImportGraph) -> None:
    # The check above would pass on an empty graph: the root package does
    # import approute.app, so package imports are seen.
    assert "approute" in graph.find_modules_that_directly_import("approute.app")
