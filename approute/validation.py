"""Validated and documented handlers (docs/validation.md).

    from pydantic import BaseModel
    from approute import NextRequest
    from approute.validation import Input, api

    class NewItem(BaseModel):
        name: str
        price: float

    class Item(NewItem):
        id: int

    @api(responses={201: Item})
    async def POST(request: NextRequest, ctx: Input[NewItem]) -> Item:
        return Item(id=1, **ctx.body.model_dump())

The second parameter's annotation, ``Input[Body, Query, Params]``, is what
the handler accepts: the body is validated before the call and the handler
sees a ``NewItem``; invalid input answers 422 ``application/problem+json``.
``@api`` declares what it answers. Both feed ``approute openapi``.
"""

from __future__ import annotations

from approute.handlers.context import Input
from approute.handlers.declaration import Form, api

__all__ = ["Form", "Input", "api"]
