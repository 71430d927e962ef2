"""``RouteContext``: generic in its params for type checkers, plain at run
time; a missing params key names the route's params."""

from __future__ import annotations

from typing import TypedDict, get_args

import pytest

from approute import RouteContext
from approute.app import create_app
from approute.errors import ProjectError
from approute.handlers.context import RouteParams
from approute.testing import TestClient
from tests.conftest import ProjectFactory


class UserParams(TypedDict):
    id: str


def test_a_route_string_is_plain_route_context_at_run_time() -> None:
    assert RouteContext["/api/users/[id]"] is RouteContext


def test_a_params_type_makes_a_generic_alias() -> None:
    assert get_args(RouteContext[UserParams]) == (UserParams,)


def test_a_missing_key_names_the_route_and_its_params() -> None:
    params = RouteParams.for_route("/api/users/[id]", ("id",))({"id": "7"})
    assert params["id"] == "7"
    with pytest.raises(KeyError, match=r"'slug': the route /api/users/\[id\] has no such param"):
        params["slug"]
    assert params.get("slug") is None  # .get and `in` stay dict's


def test_handlers_get_route_params(make_project: ProjectFactory) -> None:
    source = (
        "from approute import Response\n"
        "def GET(request, ctx):\n"
        "    try:\n"
        "        return Response(ctx.params['slug'])\n"
        "    except KeyError as error:\n"
        "        return Response(str(error.args[0]), status=404)\n"
    )
    root = make_project({"app/docs/[section]/[...rest]/route.py": source})
    response = TestClient(create_app(root)).get("/docs/a/b/c")
    assert response.status_code == 404
    assert response.text == (
        "'slug': the route /docs/[section]/[...rest] has no such param "
        "(its params: 'section', 'rest')"
    )


@pytest.mark.parametrize(
    ("signature", "shown"),
    [
        pytest.param("request, id: int", "`id: int`", id="fastapi-habit"),
        pytest.param("request, id: 'int'", "`id: int`", id="string-annotation"),
        pytest.param("request, params: dict", "`params: dict`", id="a-dict"),
    ],
)
def test_a_second_parameter_annotated_as_a_param_value_is_refused(
    make_project: ProjectFactory, signature: str, shown: str
) -> None:
    source = f"from approute import Response\n\ndef GET({signature}):\n    return Response('')\n"
    root = make_project({"app/api/users/[id]/route.py": source})
    with pytest.raises(ProjectError) as info:
        create_app(root)
    message = str(info.value)
    assert message.startswith("app/api/users/[id]/route.py:3: GET's second parameter ")
    assert shown in message
    assert 'annotate it `ctx: RouteContext["/api/users/[id]"]`' in message


@pytest.mark.parametrize(
    "annotation",
    [
        "RouteContext",
        'RouteContext["/api/users/[id]"]',
        "approute.RouteContext",
        "RouteContext[UserParams]",
        "Any",
        "object",
    ],
)
@pytest.mark.parametrize("future", [True, False], ids=["string", "evaluated"])
def test_route_context_annotations_are_accepted(
    make_project: ProjectFactory, annotation: str, future: bool
) -> None:
    source = (
        ("from __future__ import annotations\n" if future else "")
        + "from typing import Any, TypedDict\n"
        + "import approute\n"
        + "from approute import Response, RouteContext\n"
        + "class UserParams(TypedDict):\n    id: str\n"
        + f"def GET(request, ctx: {annotation}):\n    return Response(ctx.params['id'])\n"
    )
    root = make_project({"app/api/users/[id]/route.py": source})
    assert TestClient(create_app(root)).get("/api/users/7").text == "7"
