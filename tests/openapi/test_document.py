"""``openapi_document``: a real project's route handlers as an OpenAPI 3.1.0
document (docs/openapi.md). Every document made here is checked with
``openapi_spec_validator``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
from openapi_spec_validator import validate

from approute.app import create_app
from approute.openapi import openapi_document
from approute.testing import TestClient
from tests.conftest import ProjectFactory

MODELS = """
from __future__ import annotations

import msgspec
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from approute import NextRequest, Response
from approute.validation import Form, Input, api


class Tag(BaseModel):
    label: str


class NewItem(BaseModel):
    name: str = Field(min_length=1)
    price: float
    tags: list[Tag] = []


class Item(NewItem):
    id: int


class ListQuery(TypedDict, total=False):
    limit: int
    tag: list[str]


class ItemParams(TypedDict):
    id: int


class Event(msgspec.Struct):
    kind: str
    count: int = 0
"""

ITEMS = (
    MODELS
    + '''

@api(responses={200: list[Item]})
async def GET(request: NextRequest, ctx: Input[None, ListQuery]) -> list[Item]:
    """List the items.

    Filtered by ``tag``; at most ``limit``.
    """
    return []


@api(responses={201: Item}, tags=["store"], deprecated=True)
async def POST(request: NextRequest, ctx: Input[NewItem]) -> Item:
    """Create an item."""
    return Item(id=1, **ctx.body.model_dump())


def HEAD(request):
    return Response()


def OPTIONS(request):
    return Response()
'''
)

ONE_ITEM = (
    MODELS
    + '''

@api(responses={200: Item, 404: None}, summary="One item", description="By its id.")
async def GET(request: NextRequest, ctx: Input[None, None, ItemParams]) -> Item:
    """Ignored: @api gives the summary and description."""
    return Item(id=ctx.params["id"], name="pen", price=1)


@api(responses={200: Item}, invalid_params=422)
async def PATCH(request: NextRequest, ctx: Input[Form[NewItem], None, ItemParams]) -> Item:
    return Item(id=ctx.params["id"], **ctx.body.model_dump())


async def DELETE(request, ctx):
    """Delete it."""
    return Response(status=204)
'''
)

EVENTS = (
    MODELS
    + """

@api(responses={202: Event})
async def POST(request: NextRequest, ctx: Input[Event]) -> Event:
    return ctx.body
"""
)

# Another route's own Item: a different type under the same name.
ORDERS = """
from pydantic import BaseModel

from approute.validation import api


class Item(BaseModel):
    sku: str


@api(responses={200: list[Item]})
def GET(request):
    return []
"""

PLAIN = '''
def GET(request, ctx):
    """Plain."""
'''

FILES = {
    "app/api/items/route.py": ITEMS,
    "app/api/items/[id]/route.py": ONE_ITEM,
    "app/api/events/route.py": EVENTS,
    "app/api/orders/route.py": ORDERS,
    "app/api/files/[...path]/route.py": PLAIN,
    "app/api/docs/[[...slug]]/route.py": PLAIN,
    "app/api/a-b/route.py": PLAIN,
    "app/api/a_b/route.py": PLAIN,
    "app/api/route.py": PLAIN,
    "app/health/route.py": PLAIN,
    "app/route.py": PLAIN,
    "app/about/page.py": "def page(request, ctx):\n    pass\n",
    "app/robots.txt": "User-agent: *\n",
    "app/sitemap.py": "def sitemap():\n    return []\n",
}

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
ANY = {"default": {"description": "Any response: the handler declares none (@api(responses=...))."}}


def document_of(root: Path, **options: Any) -> dict[str, Any]:
    """The document of the project at ``root``, checked against OpenAPI 3.1."""
    app = create_app(root)
    options = {"title": "Shop", "version": "1.2.3", **options}
    document = openapi_document(app.project.table, app.project.modules, **options)
    validate(document)
    return document


@pytest.fixture
def root(make_project: ProjectFactory) -> Path:
    return make_project(FILES)


@pytest.fixture
def document(root: Path) -> dict[str, Any]:
    return document_of(root)


def test_the_document_is_openapi_3_1_with_the_title_and_version(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"] == {"title": "Shop", "version": "1.2.3"}
    assert "servers" not in document


def test_paths_are_sorted_templates_of_routes_only(document: dict[str, Any]) -> None:
    # No /about (a page), /robots.txt or /sitemap.xml (metadata routes).
    assert list(document["paths"]) == [
        "/",
        "/api",
        "/api/a-b",
        "/api/a_b",
        "/api/docs",
        "/api/docs/{slug}",
        "/api/events",
        "/api/files/{path}",
        "/api/items",
        "/api/items/{id}",
        "/api/orders",
        "/health",
    ]


def test_head_and_options_are_left_out_even_when_exported(document: dict[str, Any]) -> None:
    assert list(document["paths"]["/api/items"]) == ["get", "post"]
    assert list(document["paths"]["/api/items/{id}"]) == ["get", "delete", "patch"]


def test_operation_ids_are_method_and_segments_and_unique(document: dict[str, Any]) -> None:
    ids = {
        (path, method): op["operationId"]
        for path, item in document["paths"].items()
        for method, op in item.items()
    }
    assert ids == {
        ("/", "get"): "get_index",
        ("/api", "get"): "get_api",
        ("/api/a-b", "get"): "get_api_a_b",
        ("/api/a_b", "get"): "get_api_a_b_2",
        ("/api/docs", "get"): "get_api_docs_slug_empty",
        ("/api/docs/{slug}", "get"): "get_api_docs_slug",
        ("/api/events", "post"): "post_api_events",
        ("/api/files/{path}", "get"): "get_api_files_path",
        ("/api/items", "get"): "get_api_items",
        ("/api/items", "post"): "post_api_items",
        ("/api/items/{id}", "get"): "get_api_items_id",
        ("/api/items/{id}", "delete"): "delete_api_items_id",
        ("/api/items/{id}", "patch"): "patch_api_items_id",
        ("/api/orders", "get"): "get_api_orders",
        ("/health", "get"): "get_health",
    }


def test_tags_come_from_api_else_the_first_segment_after_api(document: dict[str, Any]) -> None:
    paths = document["paths"]
    assert paths["/api/items"]["get"]["tags"] == ["items"]
    assert paths["/api/items/{id}"]["delete"]["tags"] == ["items"]
    assert paths["/api/items"]["post"]["tags"] == ["store"]  # @api(tags=...)
    assert paths["/api"]["get"]["tags"] == ["api"]  # nothing after api
    assert paths["/health"]["get"]["tags"] == ["health"]
    assert "tags" not in paths["/"]["get"]


def test_summary_and_description_come_from_the_docstring_or_api(
    document: dict[str, Any],
) -> None:
    items = document["paths"]["/api/items"]
    assert items["get"]["summary"] == "List the items."
    assert items["get"]["description"] == "Filtered by ``tag``; at most ``limit``."
    assert items["post"]["summary"] == "Create an item."
    assert "description" not in items["post"]
    one = document["paths"]["/api/items/{id}"]
    assert (one["get"]["summary"], one["get"]["description"]) == ("One item", "By its id.")
    assert one["delete"]["summary"] == "Delete it."
    assert "summary" not in one["patch"]


def test_deprecated_is_set_only_when_declared(document: dict[str, Any]) -> None:
    assert document["paths"]["/api/items"]["post"]["deprecated"] is True
    assert "deprecated" not in document["paths"]["/api/items"]["get"]


def test_query_parameters_follow_the_declared_schema(document: dict[str, Any]) -> None:
    assert document["paths"]["/api/items"]["get"]["parameters"] == [
        {
            "name": "limit",
            "in": "query",
            "required": False,
            "schema": {"title": "Limit", "type": "integer"},
        },
        {
            "name": "tag",
            "in": "query",
            "required": False,
            "style": "form",
            "explode": True,
            "schema": {"items": {"type": "string"}, "title": "Tag", "type": "array"},
        },
    ]


def test_path_params_are_strings_unless_declared(document: dict[str, Any]) -> None:
    one = document["paths"]["/api/items/{id}"]
    declared = {"name": "id", "in": "path", "required": True}
    assert one["get"]["parameters"] == [{**declared, "schema": {"title": "Id", "type": "integer"}}]
    assert one["delete"]["parameters"] == [{**declared, "schema": {"type": "string"}}]


def test_a_catch_all_is_one_string_spanning_segments(document: dict[str, Any]) -> None:
    (parameter,) = document["paths"]["/api/files/{path}"]["get"]["parameters"]
    assert parameter["schema"] == {"type": "string"}
    assert parameter["required"] is True
    assert "one or more path segments" in parameter["description"]


def test_an_optional_catch_all_is_two_path_items(document: dict[str, Any]) -> None:
    with_slug = document["paths"]["/api/docs/{slug}"]["get"]
    without = document["paths"]["/api/docs"]["get"]
    assert [p["name"] for p in with_slug["parameters"]] == ["slug"]
    assert "parameters" not in without
    same = {key: value for key, value in with_slug.items() if key not in ("parameters",)}
    assert {**same, "operationId": without["operationId"]} == without


def test_a_json_body_is_required_and_may_be_answered_400_or_422(
    document: dict[str, Any],
) -> None:
    post = document["paths"]["/api/items"]["post"]
    assert post["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NewItem"}}},
    }
    assert post["responses"] == {
        "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
        },
        "400": {
            "description": "Bad Request: the body is not JSON.",
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        },
        "422": {
            "description": "Unprocessable Content: invalid input.",
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        },
    }


def test_a_form_body_offers_both_form_types_and_no_400(document: dict[str, Any]) -> None:
    patch = document["paths"]["/api/items/{id}"]["patch"]
    schema = {"schema": {"$ref": "#/components/schemas/NewItem"}}
    assert patch["requestBody"]["content"] == {
        "application/x-www-form-urlencoded": schema,
        "multipart/form-data": schema,
    }
    assert list(patch["responses"]) == ["200", "422"]


def test_declared_responses_refer_to_components(document: dict[str, Any]) -> None:
    get = document["paths"]["/api/items"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "items": {"$ref": "#/components/schemas/Item"},
        "type": "array",
    }
    assert list(get["responses"]) == ["200", "422"]  # the query may be invalid; no body: no 400
    one = document["paths"]["/api/items/{id}"]["get"]["responses"]
    # 404 None: a description only. invalid_params=404: no 422 either.
    assert one == {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
        },
        "404": {"description": "Not Found"},
    }


def test_an_undeclared_handler_gets_an_honest_default_response(document: dict[str, Any]) -> None:
    delete = document["paths"]["/api/items/{id}"]["delete"]
    assert delete["responses"] == ANY
    assert "requestBody" not in delete


def test_a_msgspec_struct_is_a_component_too(document: dict[str, Any]) -> None:
    post = document["paths"]["/api/events"]["post"]
    ref = {"$ref": "#/components/schemas/Event"}
    assert post["requestBody"]["content"]["application/json"]["schema"] == ref
    assert post["responses"]["202"]["content"]["application/json"]["schema"] == ref
    assert document["components"]["schemas"]["Event"] == {
        "title": "Event",
        "type": "object",
        "properties": {"kind": {"type": "string"}, "count": {"type": "integer", "default": 0}},
        "required": ["kind"],
    }


def test_components_hold_every_definition_once(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert sorted(schemas) == ["Event", "Item", "Item_2", "NewItem", "Problem", "Tag"]
    assert schemas["Item"]["properties"]["tags"] == {
        "default": [],
        "items": {"$ref": "#/components/schemas/Tag"},
        "title": "Tags",
        "type": "array",
    }


def test_a_different_type_of_the_same_name_is_renamed_not_overwritten(
    document: dict[str, Any],
) -> None:
    schemas = document["components"]["schemas"]
    assert set(schemas["Item"]["properties"]) == {"id", "name", "price", "tags"}
    assert schemas["Item_2"]["properties"] == {"sku": {"title": "Sku", "type": "string"}}
    orders = document["paths"]["/api/orders"]["get"]["responses"]["200"]
    assert orders["content"]["application/json"]["schema"]["items"] == {
        "$ref": "#/components/schemas/Item_2"
    }


def test_the_problem_schema_describes_the_422_approute_sends(
    root: Path, document: dict[str, Any]
) -> None:
    problem = TestClient(create_app(root)).post("/api/items", json={"name": "", "price": "x"})
    assert problem.status_code == 422
    schema = {
        **document["components"]["schemas"]["Problem"],
        "$schema": "https://json-schema.org/draft/2020-12/schema",
    }
    jsonschema.validate(problem.json(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"status": "422"}, schema)


def test_base_path_is_the_server_url(root: Path) -> None:
    assert document_of(root, base_path="/shop")["servers"] == [{"url": "/shop"}]


def test_a_project_without_routes_is_an_empty_document(make_project: ProjectFactory) -> None:
    root = make_project({"app/page.py": "def page(request, ctx):\n    pass\n"})
    assert document_of(root) == {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1.2.3"},
        "paths": {},
    }
