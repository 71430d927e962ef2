"""``approute typegen`` and the mypy plugin, checked by a real ``mypy
--strict`` run over a project: ``RouteContext["/route"]`` types
``ctx.params`` as that route's TypedDict, and each misuse is an error with
its own message (docs/types.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import orjson
import pytest

from approute.cli.main import main
from approute.cli.typecheck import module_name
from tests.conftest import ProjectFactory
from tests.typegen.support import approute_mypy, write_sources

HEAD = "from approute import NextRequest, Response, RouteContext\n\n"

GOOD = {
    "app/api/users/[id]/route.py": """
        def GET(request: NextRequest, ctx: RouteContext["/api/users/[id]"]) -> Response:
            return Response(ctx.params["id"].upper())
    """,
    "app/docs/[...slug]/route.py": """
        def GET(request: NextRequest, ctx: RouteContext["/docs/[...slug]"]) -> Response:
            return Response("/".join(ctx.params["slug"]))
    """,
    "app/shop/[[...rest]]/route.py": """
        def GET(request: NextRequest, ctx: RouteContext["/shop/[[...rest]]"]) -> Response:
            return Response(str(len(ctx.params.get("rest", []))))
    """,
    "app/api/any/route.py": """
        def GET(request: NextRequest, ctx: RouteContext) -> Response:
            value = ctx.params.get("x", "")
            return Response(value if isinstance(value, str) else ",".join(value))
    """,
}
BAD = {
    "app/bad/key/route.py": (
        """
        def GET(request: NextRequest, ctx: RouteContext["/api/users/[id]"]) -> Response:
            return Response(ctx.params["slug"])
        """,
        '"slug" is not a valid TypedDict key; expected one of ("id")',
    ),
    "app/bad/route/route.py": (
        """
        def GET(request: NextRequest, ctx: RouteContext["/api/user/[id]"]) -> Response:
            return Response("")
        """,
        'RouteContext["/api/user/[id]"]: the app has no route /api/user/[id] '
        "(its routes: /api/any, /api/users/[id],",
    ),
    "app/bad/catchall/route.py": (
        """
        def GET(request: NextRequest, ctx: RouteContext["/docs/[...slug]"]) -> Response:
            return Response(str(int(ctx.params["slug"])))
        """,
        'No overload variant of "int" matches argument type "list[str]"',
    ),
}


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("typed")
    sources = {**GOOD, **{name: source for name, (source, _) in BAD.items()}}
    write_sources(
        root, {name: HEAD + textwrap.dedent(text).lstrip() for name, text in sources.items()}
    )
    assert main(["typegen", str(root)]) == 0
    # `approute mypy` is mypy with route folders such as [id] named by
    # their whole path (plain mypy calls both [id]/route.py and
    # [...slug]/route.py "route" and stops).
    return root, approute_mypy(root)


def test_typegen_lists_every_route_with_its_params(checked: tuple[Path, str]) -> None:
    root, _ = checked
    document = orjson.loads((root / ".approute" / "types" / "routes.json").read_bytes())
    routes = document["routes"]
    assert routes["/api/users/[id]"] == {"id": "str"}
    assert routes["/docs/[...slug]"] == {"slug": "list"}
    assert routes["/shop/[[...rest]]"] == {"rest": "optional_list"}
    assert routes["/api/any"] == {}


def test_typegen_configures_mypy_in_a_project_without_it(
    checked: tuple[Path, str],
) -> None:
    root, _ = checked
    text = (root / "pyproject.toml").read_text()
    assert 'plugins = ["approute.mypy_plugin"]' in text
    assert "explicit_package_bases = true" in text


@pytest.mark.parametrize("name", sorted(GOOD))
def test_well_typed_routes_pass_strict_mypy(checked: tuple[Path, str], name: str) -> None:
    output = checked[1]
    assert "(checked 7 source files)" in output, output
    assert [line for line in output.splitlines() if line.startswith(name)] == []


@pytest.mark.parametrize("name", sorted(BAD))
def test_each_misuse_is_a_mypy_error(checked: tuple[Path, str], name: str) -> None:
    output = checked[1]
    errors = [line for line in output.splitlines() if line.startswith(name) and ": error:" in line]
    assert errors, output
    assert BAD[name][1] in "\n".join(errors)


def test_a_pyproject_with_its_own_mypy_table_is_left_alone(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project({"app/route.py": "", "pyproject.toml": "[tool.mypy]\nstrict = true\n"})
    assert main(["typegen", str(root)]) == 0
    text = (root / "pyproject.toml").read_text()
    assert text.startswith("[tool.mypy]\nstrict = true\n\n[tool.pyright]\n")
    assert text.count("[tool.mypy]") == 1
    assert 'plugins = ["approute.mypy_plugin"]' in capsys.readouterr().out  # said, not done


def test_approute_mypy_names_each_route_file_apart() -> None:
    names = {
        module_name(path)
        for path in (
            "app/api/users/[id]/route.py",
            "app/docs/[...slug]/route.py",
            "app/docs/[[...slug]]/route.py",
            "app/(shop)/cart/route.py",
            "app/route.py",
        )
    }
    assert len(names) == 5
    assert all(part.isidentifier() for name in names for part in name.split("."))
    assert module_name("app/route.py") == "app.route"
