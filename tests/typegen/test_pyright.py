"""The spelling every checker reads: ``RouteContext[ApiUsersIdParams]`` with
the TypedDicts ``approute typegen`` writes to ``app_routes.pyi``, checked
by a real ``pyright`` (strict) and ``approute mypy --strict`` over one
project; each misuse fails with its own message (docs/types.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from approute.cli.main import main
from tests.typegen.support import approute_mypy, pyright_output, write_sources

HEAD = """\
# pyright: strict
from __future__ import annotations

from typing import TYPE_CHECKING

from approute import NextRequest, Response, RouteContext

if TYPE_CHECKING:
    from app_routes import {name}

"""

GOOD = {
    "app/route.py": (
        "StaticRoute",
        """
        HOME: StaticRoute = "/"


        def GET(request: NextRequest, ctx: RouteContext) -> Response:
            return Response(HOME)
        """,
    ),
    "app/api/users/[id]/route.py": (
        "ApiUsersIdParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[ApiUsersIdParams]) -> Response:
            return Response(ctx.params["id"].upper())
        """,
    ),
    "app/docs/[...slug]/route.py": (
        "DocsSlugParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[DocsSlugParams]) -> Response:
            return Response("/".join(ctx.params["slug"]))
        """,
    ),
    "app/shop/[[...rest]]/route.py": (
        "ShopRestParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[ShopRestParams]) -> Response:
            return Response(str(len(ctx.params.get("rest", []))))
        """,
    ),
}
# file -> (imported name, source, pyright's words, mypy's words)
BAD = {
    "app/bad/key/route.py": (
        "ApiUsersIdParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[ApiUsersIdParams]) -> Response:
            return Response(ctx.params["slug"])
        """,
        '"slug" is not a defined key in "ApiUsersIdParams"',
        'TypedDict "ApiUsersIdParams" has no key "slug"',
    ),
    "app/bad/route/route.py": (
        "ApiUserIdParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[ApiUserIdParams]) -> Response:
            return Response("")
        """,
        '"ApiUserIdParams" is unknown import symbol',
        'Module "app_routes" has no attribute "ApiUserIdParams"',
    ),
    "app/bad/link/route.py": (
        "StaticRoute",
        """
        HOME: StaticRoute = "/api/users"


        def GET(request: NextRequest, ctx: RouteContext) -> Response:
            return Response(HOME)
        """,
        'Type "Literal[\'/api/users\']" is not assignable to declared type "StaticRoute"',
        "Incompatible types in assignment (expression has type \"Literal['/api/users']\"",
    ),
    "app/bad/catchall/route.py": (
        "DocsSlugParams",
        """
        def GET(request: NextRequest, ctx: RouteContext[DocsSlugParams]) -> Response:
            return Response(str(int(ctx.params["slug"])))
        """,
        'Argument of type "list[str]" cannot be assigned to parameter "x"',
        'No overload variant of "int" matches argument type "list[str]"',
    ),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("aliases")
    files = {name: (imported, source) for name, (imported, source, *_) in BAD.items()}
    write_sources(
        root,
        {
            name: HEAD.format(name=imported) + textwrap.dedent(source).lstrip()
            for name, (imported, source) in {**GOOD, **files}.items()
        },
    )
    assert main(["typegen", str(root)]) == 0
    return root


@pytest.fixture(scope="module", name="pyright_output")
def pyright_output_fixture(project: Path) -> str:
    return pyright_output(project)


@pytest.fixture(scope="module")
def mypy_output(project: Path) -> str:
    return approute_mypy(project)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_well_typed_routes_pass_pyright_and_mypy(
    pyright_output: str, mypy_output: str, name: str
) -> None:
    assert "error" not in "\n".join(line for line in pyright_output.splitlines() if name in line)
    assert [line for line in mypy_output.splitlines() if line.startswith(name)] == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_misuse_fails_in_both_checkers(
    pyright_output: str, mypy_output: str, name: str
) -> None:
    _, _, pyright_words, mypy_words = BAD[name]
    assert pyright_words in pyright_output, pyright_output
    mypy_errors = [line for line in mypy_output.splitlines() if line.startswith(name)]
    assert mypy_words in "\n".join(mypy_errors), mypy_output
