"""The two validation engines behind one ``Schema``: pydantic v2 for models,
dataclasses, TypedDicts and plain types; msgspec for ``Struct``s."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from approute.errors import ProjectError
from approute.schema.engine import Issue, SchemaError, schema_for


class Item(BaseModel):
    name: str = Field(min_length=1)
    tags: list[str] = []


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Query(TypedDict):
    limit: int


class Event(msgspec.Struct):
    name: str
    count: int


@pytest.mark.parametrize(
    ("tp", "data", "expected"),
    [
        pytest.param(Item, b'{"name": "pen"}', Item(name="pen"), id="pydantic model"),
        pytest.param(Point, b'{"x": 1, "y": 2}', Point(1, 2), id="dataclass"),
        pytest.param(Query, b'{"limit": 5}', {"limit": 5}, id="TypedDict"),
        pytest.param(list[int], b"[1, 2]", [1, 2], id="plain type"),
        pytest.param(Event, b'{"name": "a", "count": 2}', Event("a", 2), id="msgspec Struct"),
    ],
)
def test_validate_json_gives_the_declared_type(tp: object, data: bytes, expected: object) -> None:
    assert schema_for(tp, "here").validate_json(data) == expected


def test_the_engine_follows_the_type() -> None:
    assert schema_for(Item, "here").engine == "pydantic"
    assert schema_for(Event, "here").engine == "msgspec"
    assert schema_for(list[Event], "here").engine == "msgspec"


@pytest.mark.parametrize(
    ("tp", "data", "issues"),
    [
        pytest.param(
            Item,
            b'{"name": "", "tags": ["a", 3]}',
            [
                Issue(("name",), "String should have at least 1 character", "string_too_short"),
                Issue(("tags", 1), "Input should be a valid string", "string_type"),
            ],
            id="pydantic",
        ),
        pytest.param(
            Event,
            b'{"name": "a", "count": "x"}',
            [Issue(("count",), "Expected `int`, got `str`", "validation")],
            id="msgspec",
        ),
        pytest.param(
            list[Event],
            b'[{"name": "a", "count": 1}, {"name": 2, "count": 1}]',
            [Issue((1, "name"), "Expected `str`, got `int`", "validation")],
            id="msgspec list",
        ),
    ],
)
def test_invalid_values_are_issues_with_locations(
    tp: object, data: bytes, issues: list[Issue]
) -> None:
    with pytest.raises(SchemaError) as raised:
        schema_for(tp, "here").validate_json(data)
    assert raised.value.issues == issues
    assert not raised.value.malformed


@pytest.mark.parametrize("tp", [Item, Event], ids=["pydantic", "msgspec"])
@pytest.mark.parametrize("data", [b"{bad", b"", b'{"name": "a"'], ids=["syntax", "empty", "cut"])
def test_malformed_json_is_marked_malformed(tp: object, data: bytes) -> None:
    with pytest.raises(SchemaError) as raised:
        schema_for(tp, "here").validate_json(data)
    assert raised.value.malformed
    assert raised.value.issues[0].type == "json_invalid"


@pytest.mark.parametrize(
    ("tp", "data", "expected"),
    [
        pytest.param(Query, {"limit": "10"}, {"limit": 10}, id="pydantic"),
        pytest.param(Event, {"name": "a", "count": "3"}, Event("a", 3), id="msgspec"),
    ],
)
def test_validate_python_coerces_strings(tp: object, data: object, expected: object) -> None:
    # A query's and a path's values are strings: "10" must give 10.
    assert schema_for(tp, "here").validate_python(data) == expected


def test_dump_json_and_json_schema() -> None:
    item = schema_for(Item, "here")
    assert item.dump_json(Item(name="pen")) == b'{"name":"pen","tags":[]}'
    schema, defs = item.json_schema("#/components/schemas/{model}")
    assert schema["properties"]["name"] == {"minLength": 1, "title": "Name", "type": "string"}
    assert defs == {}
    nested, defs = schema_for(list[Item], "here").json_schema("#/components/schemas/{model}")
    assert nested == {"items": {"$ref": "#/components/schemas/Item"}, "type": "array"}
    assert set(defs) == {"Item"}
    assert schema_for(Event, "here").dump_json(Event("a", 1)) == b'{"name":"a","count":1}'


def test_a_type_the_engine_cannot_take_names_the_place() -> None:
    class NotAType:
        pass

    with pytest.raises(ProjectError, match=r"^app/x.py:3 POST body: .*NotAType"):
        schema_for(NotAType, "app/x.py:3 POST body")


def _without(package: str, code: str) -> str:
    """What ``code`` prints in a fresh interpreter where ``package`` cannot
    be imported, as if it were not installed."""
    script = f"import sys\nsys.modules[{package!r}] = None\n{code}"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


def test_a_declared_type_without_pydantic_names_the_extra() -> None:
    printed = _without(
        "pydantic",
        "from approute.errors import ProjectError\n"
        "from approute.schema.engine import schema_for\n"
        "try:\n"
        "    schema_for(dict[str, int], 'app/api/route.py:4 POST body')\n"
        "except ProjectError as error:\n"
        "    print(error)\n",
    )
    assert printed == (
        "app/api/route.py:4 POST body: dict[str, int] needs pydantic: "
        "pip install 'approute[pydantic]'\n"
    )


def test_a_route_importing_msgspec_without_it_names_the_extra(tmp_path: Path) -> None:
    route = tmp_path / "app" / "api" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text("import msgspec\n")
    printed = _without(
        "msgspec",
        "from approute.app import create_app\n"
        "from approute.errors import ProjectError\n"
        "try:\n"
        f"    create_app({str(tmp_path)!r})\n"
        "except ProjectError as error:\n"
        "    print(error)\n",
    )
    assert printed.startswith("app/api/route.py:1: failed to import: ModuleNotFoundError")
    assert printed.rstrip().endswith("(pip install 'approute[msgspec]')")
