"""``app_routes.pyi`` stays valid Python whatever the folder names are."""

from __future__ import annotations

import ast

from approute.typegen import params_names, typegen
from tests.conftest import ProjectFactory


def test_param_names_that_are_not_identifiers_use_the_functional_form(
    make_project: ProjectFactory,
) -> None:
    root = make_project({"app/a/[user-id]/route.py": "", "app/b/[class]/route.py": ""})
    typegen(root)
    stub = (root / ".approute" / "types" / "app_routes.pyi").read_text()
    ast.parse(stub)
    assert "AUserIdParams = TypedDict('AUserIdParams', {\"user-id\": str})" in stub
    assert "BClassParams = TypedDict('BClassParams', {\"class\": str})" in stub
    assert "StaticRoute = Never" in stub  # no route without params


def test_params_names_are_camel_case_and_unique() -> None:
    names = params_names(["/", "/api/users/[id]", "/api/users/id", "/2fa"])
    assert names == {
        "/": "RootParams",
        "/2fa": "Route2faParams",
        "/api/users/[id]": "ApiUsersIdParams",
        "/api/users/id": "ApiUsersIdParams2",
    }
