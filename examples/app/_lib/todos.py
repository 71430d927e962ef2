"""The validated CRUD example's models and store (an in-memory dict: one
process's, reset on restart)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
from typing import Literal

from pydantic import BaseModel, Field
from typing_extensions import TypedDict


class NewTodo(BaseModel):
    """What a client sends to create a todo."""

    title: str = Field(min_length=1, max_length=200)
    done: bool = False
    priority: Literal["low", "normal", "high"] = "normal"


class TodoPatch(BaseModel):
    """A partial update: only the fields sent change."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    done: bool | None = None
    priority: Literal["low", "normal", "high"] | None = None


class Todo(NewTodo):
    """A stored todo."""

    id: int
    created_at: datetime


class TodoQuery(BaseModel):
    """Filters for the list."""

    done: bool | None = None
    priority: list[Literal["low", "normal", "high"]] = []
    limit: int = Field(default=50, ge=1, le=100)


class TodoParams(TypedDict):
    """The folder ``[id]``, as an int."""

    id: int


TODOS: dict[int, Todo] = {}
_IDS = count(1)


def create(new: NewTodo) -> Todo:
    todo = Todo(id=next(_IDS), created_at=datetime.now(UTC), **new.model_dump())
    TODOS[todo.id] = todo
    return todo
