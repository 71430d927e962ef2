"""``Components``: many separately compiled schemas in one
``components.schemas``, no name overwritten, equal schemas shared."""

from __future__ import annotations

from typing import Any

import msgspec
from pydantic import BaseModel, create_model

from approute.openapi.components import Components
from approute.schema.engine import schema_for

TagA = create_model("Tag", label=(str, ...))
TagB = create_model("Tag", size=(int, ...))
# Item's own schema reads the same for both: only the Tag it refers to differs.
ItemA = create_model("Item", tag=(TagA, ...))
ItemB = create_model("Item", tag=(TagB, ...))


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Item(msgspec.Struct):
    sku: str


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_a_named_type_becomes_a_component_whatever_the_engine() -> None:
    components = Components()
    assert components.schema(schema_for(TagA, "here")) == ref("Tag")
    assert components.schema(schema_for(Item, "here")) == ref("Item")
    assert components.schemas == {
        "Item": {
            "title": "Item",
            "type": "object",
            "properties": {"sku": {"type": "string"}},
            "required": ["sku"],
        },
        "Tag": {
            "properties": {"label": {"title": "Label", "type": "string"}},
            "required": ["label"],
            "title": "Tag",
            "type": "object",
        },
    }


def test_equal_schemas_share_one_component() -> None:
    components = Components()
    assert components.schema(schema_for(ItemA, "here")) == ref("Item")
    assert components.schema(schema_for(list[ItemA], "here")) == {
        "items": ref("Item"),
        "type": "array",
    }
    assert sorted(components.schemas) == ["Item", "Tag"]


def test_a_rename_follows_the_references_that_lead_to_it() -> None:
    components = Components()
    components.schema(schema_for(ItemA, "here"))
    # ItemB's text equals ItemA's, but its Tag is another: both are renamed.
    assert components.schema(schema_for(ItemB, "here")) == ref("Item_2")
    schemas = components.schemas
    assert sorted(schemas) == ["Item", "Item_2", "Tag", "Tag_2"]
    assert schemas["Item"]["properties"]["tag"] == ref("Tag")
    assert schemas["Item_2"]["properties"]["tag"] == ref("Tag_2")
    assert schemas["Tag_2"]["properties"] == {"size": {"title": "Size", "type": "integer"}}


def test_the_same_name_from_two_engines_is_kept_apart() -> None:
    components = Components()
    components.schema(schema_for(ItemA, "here"))
    assert components.schema(schema_for(Item, "here")) == ref("Item_2")
    assert components.schemas["Item_2"]["properties"] == {"sku": {"type": "string"}}


def test_a_recursive_model_refers_to_itself() -> None:
    components = Components()
    assert components.schema(schema_for(Node, "here")) == ref("Node")
    assert components.schemas["Node"]["properties"]["children"]["items"] == ref("Node")


def test_properties_of_a_struct_are_inlined_without_a_component() -> None:
    components = Components()
    properties, required = components.properties(schema_for(Item, "here"))
    assert (properties, required) == ({"sku": {"type": "string"}}, frozenset({"sku"}))
    assert components.schemas == {}


def test_plain_types_stay_inline() -> None:
    components = Components()
    assert components.schema(schema_for(int, "here")) == {"type": "integer"}
    assert components.schema(schema_for(dict[str, int], "here")) == {
        "additionalProperties": {"type": "integer"},
        "type": "object",
    }
    assert components.schemas == {}
