"""Declared handlers (docs/validation.md): ``ctx: Input[Body, Query, Params]``
validates the request before the call, ``@api(responses=...)`` checks or
serialises the answer; invalid input is an RFC 9457 problem."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from approute.app import create_app
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

MODELS = """
from typing import Literal

import msgspec
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from approute import NextRequest, NextResponse
from approute.validation import Form, Input, api


class NewItem(BaseModel):
    name: str = Field(min_length=1)
    price: float = Field(gt=0)


class Item(NewItem):
    id: int


class ListQuery(BaseModel):
    limit: int = 10
    tag: list[str] = []
    order: Literal["asc", "desc"] = "asc"


class ItemParams(TypedDict):
    id: int


class Event(msgspec.Struct):
    kind: str
    count: int
"""

ITEMS = (
    MODELS
    + """

@api(responses={201: Item})
async def POST(request: NextRequest, ctx: Input[NewItem]) -> Item:
    assert isinstance(ctx.body, NewItem)
    return Item(id=1, **ctx.body.model_dump())


@api(responses={200: list[Item]})
def GET(request: NextRequest, ctx: Input[None, ListQuery]) -> list[dict[str, object]]:
    query = ctx.query
    return [
        {"id": n, "name": ",".join(query.tag) or query.order, "price": 1}
        for n in range(query.limit)
    ]
"""
)
ONE_ITEM = (
    MODELS
    + """

async def GET(request: NextRequest, ctx: Input[None, None, ItemParams]) -> NextResponse:
    return NextResponse.json({"id": ctx.params["id"], "type": type(ctx.params["id"]).__name__})


@api(invalid_params=422)
async def DELETE(request: NextRequest, ctx: Input[None, None, ItemParams]) -> NextResponse:
    return NextResponse.json({"deleted": ctx.params["id"]})


@api(responses={200: Item})
async def PUT(request: NextRequest, ctx: Input[NewItem, None, ItemParams]) -> NextResponse:
    if ctx.body.name == "wrong":
        return NextResponse.json({"id": "not a number"})
    return NextResponse.json({"id": ctx.params["id"], **ctx.body.model_dump()})


@api(responses={200: Item})
async def PATCH(request: NextRequest, ctx: Input[NewItem, None, ItemParams]) -> dict[str, object]:
    return {"id": ctx.params["id"], "name": ctx.body.name}  # no price: does not match
"""
)
FORMS = (
    MODELS
    + """

async def POST(request: NextRequest, ctx: Input[Form[NewItem]]) -> NextResponse:
    return NextResponse.json(ctx.body.model_dump())
"""
)
EVENTS = (
    MODELS
    + """

@api(responses={202: Event})
async def POST(request: NextRequest, ctx: Input[Event]) -> Event:
    assert isinstance(ctx.body, Event)
    return Event(kind=ctx.body.kind.upper(), count=ctx.body.count + 1)
"""
)
PLAIN = """
from approute import NextResponse


async def POST(request, ctx):
    return NextResponse.json({"params": ctx.params, "body": await request.text()})
"""


@pytest.fixture
def root(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "app/api/items/route.py": ITEMS,
            "app/api/items/[id]/route.py": ONE_ITEM,
            "app/api/forms/route.py": FORMS,
            "app/api/events/route.py": EVENTS,
            "app/api/plain/[id]/route.py": PLAIN,
        }
    )


@pytest.fixture
def client(root: Path) -> TestClient:
    return TestClient(create_app(root))


def test_a_valid_body_reaches_the_handler_as_the_declared_type(client: TestClient) -> None:
    response = client.post("/api/items", json={"name": "pen", "price": 2})
    assert response.status_code == 201  # the first declared 2xx
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"name": "pen", "price": 2.0, "id": 1}


def test_invalid_values_are_a_422_problem_listing_each(client: TestClient) -> None:
    response = client.post("/api/items", json={"name": "", "price": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Unprocessable Content",
        "status": 422,
        "detail": "The request has 2 invalid values.",
        "errors": [
            {
                "location": ["body", "name"],
                "message": "String should have at least 1 character",
                "type": "string_too_short",
            },
            {
                # Strict JSON: a string is not a number, even one that reads as one.
                "location": ["body", "price"],
                "message": "Input should be a valid number",
                "type": "float_type",
            },
        ],
    }


@pytest.mark.parametrize("body", [b"{bad", b"", b'{"name": "pen"'], ids=["bad", "empty", "cut"])
def test_malformed_json_stays_400_in_the_problem_shape(client: TestClient, body: bytes) -> None:
    response = client.post("/api/items", content=body)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["type"], problem["title"], problem["status"]) == (
        "about:blank",
        "Bad Request",
        400,
    )
    assert problem["detail"].startswith("Invalid JSON")
    assert "errors" not in problem


def test_the_query_is_coerced_and_lists_take_every_value(client: TestClient) -> None:
    response = client.get("/api/items?limit=2&tag=a&tag=b")
    assert [item["name"] for item in response.json()] == ["a,b", "a,b"]
    one_tag = client.get("/api/items?limit=1&tag=solo")
    assert one_tag.json()[0]["name"] == "solo"  # a list field with one value
    assert client.get("/api/items?order=desc&limit=1").json()[0]["name"] == "desc"
    defaults = client.get("/api/items")
    assert len(defaults.json()) == 10


def test_an_invalid_query_value_is_located_in_the_query(client: TestClient) -> None:
    problem = client.get("/api/items?limit=x&order=up").json()
    assert problem["status"] == 422
    assert [error["location"] for error in problem["errors"]] == [
        ["query", "limit"],
        ["query", "order"],
    ]


def test_typed_params_are_coerced(client: TestClient) -> None:
    assert client.get("/api/items/7").json() == {"id": 7, "type": "int"}


def test_a_param_that_does_not_convert_is_404_or_422_when_asked(client: TestClient) -> None:
    # The URL names no resource: 404 by default (docs/validation.md).
    assert (client.get("/api/items/abc").status_code, client.get("/api/items/abc").content) == (
        404,
        b"",
    )
    problem = client.delete("/api/items/abc").json()
    assert problem["status"] == 422
    assert problem["errors"][0]["location"] == ["path", "id"]
    assert client.delete("/api/items/3").json() == {"deleted": 3}


def test_errors_from_every_part_come_in_one_problem(client: TestClient) -> None:
    response = client.put("/api/items/x", json={"price": 0})
    # invalid_params is 404 for PUT: the path decides first.
    assert response.status_code == 404
    response = client.put("/api/items/1", json={"price": 0})
    assert [error["location"] for error in response.json()["errors"]] == [
        ["body", "name"],
        ["body", "price"],
    ]


def test_a_json_response_is_checked_against_its_declared_status(
    root: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(create_app(root), raise_server_exceptions=False)
    assert client.put("/api/items/1", json={"name": "pen", "price": 1}).json() == {
        "id": 1,
        "name": "pen",
        "price": 1.0,
    }
    caplog.set_level(logging.ERROR, "approute")
    wrong = client.put("/api/items/1", json={"name": "wrong", "price": 1})
    assert (wrong.status_code, wrong.content) == (500, b"")
    assert "PUT answered 200 with a body that does not match its declared Item" in caplog.text


def test_a_returned_value_that_does_not_match_is_500_and_a_clear_error_in_dev(
    make_project: ProjectFactory, root: Path
) -> None:
    client = TestClient(create_app(root), raise_server_exceptions=False)
    assert client.patch("/api/items/1", json={"name": "pen", "price": 1}).status_code == 500
    dev_root = make_project({"app/api/items/[id]/route.py": ONE_ITEM})
    dev = TestClient(create_app(dev_root, dev=True), raise_server_exceptions=False)
    response = dev.patch("/api/items/1", json={"name": "pen", "price": 1})
    assert response.status_code == 500
    assert "returned a dict that does not match its declared 200 Item" in response.text
    assert "price: Field required" in response.text


def test_json_bodies_are_strict_while_forms_and_queries_are_coerced(client: TestClient) -> None:
    assert client.post("/api/items", json={"name": "pen", "price": "2"}).status_code == 422
    assert client.post("/api/forms", data={"name": "pen", "price": "2"}).status_code == 200
    assert client.get("/api/items?limit=1").status_code == 200


def test_a_form_body(client: TestClient) -> None:
    response = client.post("/api/forms", data={"name": "pen", "price": "2.5"})
    assert response.json() == {"name": "pen", "price": 2.5}
    problem = client.post("/api/forms", data={"name": "pen"}).json()
    assert problem["errors"][0]["location"] == ["body", "price"]


def test_a_msgspec_struct_through_the_same_interface(client: TestClient) -> None:
    response = client.post("/api/events", json={"kind": "click", "count": 1})
    assert (response.status_code, response.json()) == (202, {"kind": "CLICK", "count": 2})
    problem = client.post("/api/events", json={"kind": "click", "count": "x"}).json()
    assert problem["errors"] == [
        {
            "location": ["body", "count"],
            "message": "Expected `int`, got `str`",
            "type": "validation",
        }
    ]


def test_an_undeclared_handler_is_unchanged(client: TestClient) -> None:
    response = client.post("/api/plain/x", content=b"not json")
    assert response.json() == {"params": {"id": "x"}, "body": "not json"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param(
            MODELS + "async def GET(request, ctx: Input[None, None, ItemParams]): ...\n",
            "app/api/route.py:34 GET: the params type declares 'id', which the route "
            "has no folder for (its params: none)",
            id="a param the route lacks",
        ),
        pytest.param(
            "from __future__ import annotations\n"
            + MODELS
            + "async def POST(request, ctx: Input[Missing]): ...\n",
            "app/api/route.py:35: POST's annotations cannot be resolved: NameError: "
            "name 'Missing' is not defined",
            id="an undefined name",
        ),
        pytest.param(
            MODELS + "@api(responses={99: Item})\nasync def POST(request, ctx: Input[NewItem]):"
            " ...\n",
            "app/api/route.py:34 POST: response status 99 is not an HTTP status",
            id="a bad status",
        ),
    ],
)
def test_startup_errors_name_the_handler(
    make_project: ProjectFactory, source: str, message: str
) -> None:
    with pytest.raises(ProjectError) as raised:
        create_app(make_project({"app/api/route.py": source}))
    assert message in str(raised.value)


HOOK = """
def problem_details(problem, request):
    return {**problem, "type": "https://errors.example.com/invalid",
            "instance": request.next_url.pathname}
"""


def test_the_config_hook_reshapes_problem_bodies(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/items/route.py": ITEMS, "approute.config.py": HOOK})
    client = TestClient(create_app(root))
    invalid = client.post("/api/items", json={"name": "", "price": 1})
    assert invalid.status_code == 422
    body = invalid.json()
    assert (body["type"], body["instance"], body["status"]) == (
        "https://errors.example.com/invalid",
        "/api/items",
        422,
    )
    assert body["errors"][0]["location"] == ["body", "name"]
    malformed = client.post("/api/items", content=b"{")
    assert (malformed.status_code, malformed.json()["instance"]) == (400, "/api/items")


def test_a_hook_that_returns_no_dict_is_a_500(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "app/api/items/route.py": ITEMS,
            "approute.config.py": "def problem_details(problem, request):\n    return 'no'\n",
        }
    )
    caplog.set_level(logging.ERROR, "approute")
    client = TestClient(create_app(root), raise_server_exceptions=False)
    response = client.post("/api/items", json={})
    assert (response.status_code, response.content) == (500, b"")
    assert "problem_details() returned str; return the body, a dict" in caplog.text


def test_a_hook_that_is_not_a_function_stops_startup(make_project: ProjectFactory) -> None:
    root = make_project(
        {"app/api/items/route.py": ITEMS, "approute.config.py": "problem_details = 1\n"}
    )
    with pytest.raises(ProjectError, match="problem_details must be a function"):
        create_app(root)
