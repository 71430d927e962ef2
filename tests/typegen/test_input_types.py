"""``ctx: Input[NewItem, ListQuery, ItemParams]`` gives the handler a
``NewItem``, not ``Any``: checked by a real pyright (strict) and ``approute
mypy --strict`` (docs/validation.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.typegen.support import approute_mypy, pyright_output, write_sources

MODELS = """\
from __future__ import annotations

from typing_extensions import TypedDict, assert_type

from pydantic import BaseModel

from approute import NextRequest, NextResponse
from approute.validation import Form, Input, api


class NewItem(BaseModel):
    name: str


class ListQuery(BaseModel):
    limit: int = 10


class ItemParams(TypedDict):
    id: int

"""
GOOD = (
    MODELS
    + """
@api(responses={201: NewItem})
async def POST(
    request: NextRequest, ctx: Input[NewItem, ListQuery, ItemParams]
) -> NextResponse:
    assert_type(ctx.body, NewItem)
    assert_type(ctx.query, ListQuery)
    assert_type(ctx.params, ItemParams)
    assert_type(ctx.params["id"], int)
    return NextResponse.json({"name": ctx.body.name, "limit": ctx.query.limit})


def PUT(request: NextRequest, ctx: Input[Form[NewItem]]) -> NextResponse:
    assert_type(ctx.body, NewItem)
    assert_type(ctx.query, None)
    return NextResponse.json(ctx.body.name)
"""
)
BAD = (
    MODELS
    + """
async def POST(request: NextRequest, ctx: Input[NewItem]) -> NextResponse:
    return NextResponse.json(ctx.body.title)
"""
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inputs")
    write_sources(
        root,
        {
            "app/items/[id]/route.py": GOOD,
            "app/bad/route.py": BAD,
            "pyproject.toml": '[tool.pyright]\ntypeCheckingMode = "strict"\n',
        },
    )
    return root


def test_pyright_sees_the_declared_types(project: Path) -> None:
    output = pyright_output(project)
    good = [line for line in output.splitlines() if "items" in line and "error" in line]
    assert good == [], output
    assert 'Cannot access attribute "title" for class "NewItem"' in output


def test_mypy_sees_the_declared_types(project: Path) -> None:
    output = approute_mypy(project)
    assert "app/items/[id]/route.py" not in output, output
    assert '"NewItem" has no attribute "title"' in output
