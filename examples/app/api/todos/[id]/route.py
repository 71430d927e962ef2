"""/api/todos/[id] — one todo: read, update, delete. An id that is not an
int names no todo: 404, as an unknown id."""

from app._lib.todos import TODOS, Todo, TodoParams, TodoPatch

from approute import NextRequest, NextResponse
from approute.navigation import not_found
from approute.validation import Input, api


@api(responses={200: Todo, 404: None})
def GET(request: NextRequest, ctx: Input[None, None, TodoParams]) -> Todo:
    """Read a todo."""
    todo = TODOS.get(ctx.params["id"])
    if todo is None:
        not_found()
    return todo


@api(responses={200: Todo, 404: None})
def PATCH(request: NextRequest, ctx: Input[TodoPatch, None, TodoParams]) -> Todo:
    """Change some fields of a todo."""
    todo = TODOS.get(ctx.params["id"])
    if todo is None:
        not_found()
    changed = todo.model_copy(update=ctx.body.model_dump(exclude_unset=True, exclude_none=True))
    TODOS[todo.id] = changed
    return changed


@api(responses={204: None, 404: None})
def DELETE(request: NextRequest, ctx: Input[None, None, TodoParams]) -> NextResponse:
    """Delete a todo."""
    if TODOS.pop(ctx.params["id"], None) is None:
        not_found()
    return NextResponse(status=204)
