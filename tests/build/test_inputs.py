"""A build is stale exactly when one of its inputs changed (docs/cli.md,
"Build inputs")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from approute.build import load_build
from approute.errors import ProjectError
from tests.build.conftest import PROJECT, build
from tests.conftest import ProjectFactory


@pytest.fixture
def built(make_project: ProjectFactory) -> Path:
    root = make_project({**PROJECT, "approute.config.py": "compress = True\n"})
    build(root)
    return root


def test_fresh_build_loads(built: Path) -> None:
    assert load_build(built).build_id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda root: (root / "app/api/now/route.py").write_text("def GET(r): ...\n"),
            "app/api/now/route.py was changed",
            id="route-edited",
        ),
        pytest.param(
            lambda root: (root / "app/_lib/helpers.py").write_text("VALUE = 22\n"),
            "app/_lib/helpers.py was changed",
            id="private-module-edited",
        ),
        pytest.param(
            lambda root: (root / "app/_lib/more.py").write_text("X = 1\n"),
            "app/_lib/more.py was added",
            id="module-added",
        ),
        pytest.param(
            lambda root: (root / "app/_lib/helpers.py").unlink(),
            "app/_lib/helpers.py was removed",
            id="module-removed",
        ),
        pytest.param(
            lambda root: (root / "proxy.py").write_text("def proxy(request): ...\n"),
            "proxy.py was changed",
            id="proxy-edited",
        ),
        pytest.param(
            lambda root: (root / "approute.config.py").write_text("compress = False\n"),
            "approute.config.py was changed",
            id="config-edited",
        ),
    ],
)
def test_changed_input_makes_the_build_stale(built: Path, change: object, message: str) -> None:
    change(built)  # type: ignore[operator]
    with pytest.raises(ProjectError) as caught:
        load_build(built)
    assert f"the build is stale: {message} since `approute build`" in str(caught.value)
    assert "run `approute build` again" in str(caught.value)


def test_other_files_never_make_it_stale(built: Path) -> None:
    (built / "public").mkdir()
    (built / "public" / "logo.txt").write_text("new")
    cache = built / "app" / "api" / "__pycache__"
    cache.mkdir(exist_ok=True)
    (cache / "route.cpython-311.pyc").write_bytes(b"\0")
    (cache / "generated.py").write_text("x = 1\n")
    (built / ".approute" / "cache").mkdir(parents=True, exist_ok=True)
    (built / ".approute" / "cache" / "x.py").write_text("x = 1\n")
    (built / "server.log").write_text("GET /\n")
    (built / "app" / "api" / "notes.txt").write_text("notes")
    (built / "manage.py").write_text("print('outside app/')\n")
    # Touching an input without changing it is not a change either.
    route = built / "app" / "api" / "now" / "route.py"
    os.utime(route, (0, 0))
    assert load_build(built).build_id


def test_no_build_says_to_run_build(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    with pytest.raises(ProjectError, match=r"no build output .*; run `approute build` first"):
        load_build(root)


def test_unreadable_manifest_says_to_build_again(built: Path) -> None:
    (built / ".approute" / "build-manifest.json").write_text('{"version": 1, "build_id": "../x"}')
    with pytest.raises(ProjectError, match=r"is not a build manifest.*run `approute build` again"):
        load_build(built)


QUERIES = "def rows():\n    return [1, 2]\n"
USES_LIB = """
import sys
from pathlib import Path

from approute import NextResponse
from lib_shop.queries import rows

# As if installed into the project's own virtualenv.
sys.path.append(str(Path(__file__).parents[3] / ".venv/lib/python3.11/site-packages"))
import lib_installed

def GET(request):
    return NextResponse.json(rows())
"""


@pytest.fixture
def built_with_lib(make_project: ProjectFactory) -> Path:
    root = make_project(
        {
            "app/api/rows/route.py": USES_LIB,
            "lib_shop/__init__.py": "",
            "lib_shop/queries.py": QUERIES,
            "lib_shop/unused.py": "X = 1\n",
            "scripts/seed.py": "print('seed')\n",
            # A virtualenv inside the project: installed code, never an input.
            ".venv/pyvenv.cfg": "home = /usr/bin\n",
            ".venv/lib/python3.11/site-packages/lib_installed.py": "Y = 1\n",
        }
    )
    build(root)
    return root


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(
            lambda root: (root / "lib_shop/queries.py").write_text("def rows():\n    return []\n"),
            "lib_shop/queries.py was changed",
            id="imported-module-edited",
        ),
        pytest.param(
            lambda root: (root / "lib_shop/queries.py").unlink(),
            "lib_shop/queries.py was removed",
            id="imported-module-removed",
        ),
        pytest.param(
            lambda root: (root / "lib_shop/__init__.py").write_text("Z = 1\n"),
            "lib_shop/__init__.py was changed",
            id="imported-package-edited",
        ),
    ],
)
def test_a_module_the_routes_import_is_an_input(
    built_with_lib: Path, change: object, message: str
) -> None:
    assert load_build(built_with_lib).build_id
    change(built_with_lib)  # type: ignore[operator]
    with pytest.raises(ProjectError, match=f"the build is stale: {message} since"):
        load_build(built_with_lib)


def test_project_files_nothing_imported_are_not_inputs(built_with_lib: Path) -> None:
    (built_with_lib / "lib_shop/unused.py").write_text("X = 2\n")
    (built_with_lib / "scripts/seed.py").write_text("print('seed v2')\n")
    (built_with_lib / ".venv/lib/python3.11/site-packages/lib_installed.py").write_text("Y = 2\n")
    assert load_build(built_with_lib).build_id
