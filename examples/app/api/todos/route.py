"""/api/todos — a validated CRUD API (docs/validation.md): the ctx
annotation declares the input, ``@api`` the answers; both feed
``approute openapi`` and the /docs page."""

from app._lib.todos import TODOS, NewTodo, Todo, TodoQuery, create

from approute import NextRequest
from approute.validation import Input, api


@api(responses={200: list[Todo]})
def GET(request: NextRequest, ctx: Input[None, TodoQuery]) -> list[Todo]:
    """List todos.

    Filter by `done` and by one or more `priority` values.
    """
    query = ctx.query
    found = [
        todo
        for todo in TODOS.values()
        if (query.done is None or todo.done == query.done)
        and (not query.priority or todo.priority in query.priority)
    ]
    return found[: query.limit]


@api(responses={201: Todo})
def POST(request: NextRequest, ctx: Input[NewTodo]) -> Todo:
    """Create a todo."""
    return create(ctx.body)
