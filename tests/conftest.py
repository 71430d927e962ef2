"""Shared fixtures: project trees on disk, clean module state, servers."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from approute.project.loader import unload_modules
from tests.support.servers import SERVER_KINDS, ServerKind

# redis_server / own_redis_server: a real redis-server, for any test.
pytest_plugins = ["tests.support.redis"]

ProjectFactory = Callable[[dict[str, str]], Path]


@pytest.fixture(autouse=True)
def _clean_modules() -> Iterator[None]:
    """Each test loads user projects afresh: no module or sys.path leaks."""
    modules = set(sys.modules)
    path = list(sys.path)
    yield
    unload_modules()
    for name in set(sys.modules) - modules:
        if name == "app" or name.startswith(("app.", "lib")):
            del sys.modules[name]
    sys.path[:] = path


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write ``{relative path: source}`` under a fresh project root."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "project"
        for name, source in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        return root

    return make


@pytest.fixture(params=SERVER_KINDS)
def server_kind(request: pytest.FixtureRequest) -> ServerKind:
    """Every supported server: uvicorn with each parser (they disagree on a
    dozen inputs) and granian."""
    return request.param  # type: ignore[no-any-return]
