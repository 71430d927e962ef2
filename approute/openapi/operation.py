"""One handler → one OpenAPI operation: what it says it accepts and answers.

A handler that declares nothing (no ``Input[...]``, no ``@api``) gets its
path params as strings and one honest ``default`` response: approute does
not guess bodies it was not told about.
"""

from __future__ import annotations

import http
import inspect
from collections.abc import Mapping
from typing import Any, Final

from approute.handlers.declaration import Declaration
from approute.handlers.module import Handler
from approute.openapi.components import REF_PREFIX, Components
from approute.routing.segments import Segment, SegmentKind
from approute.schema.engine import Schema

__all__ = ["PROBLEM", "operation"]

_JSON: Final = "application/json"
_PROBLEM_JSON: Final = "application/problem+json"
_FORMS: Final = ("application/x-www-form-urlencoded", "multipart/form-data")
_CATCH_ALL: Final = (
    "A catch-all: one or more path segments, written as they are in the URL "
    "(`a/b/c`); the handler gets them as a list."
)
_ANY_RESPONSE: Final = {
    "description": "Any response: the handler declares none (@api(responses=...))."
}

# RFC 9457, as approute.handlers.declaration.problem() writes it.
PROBLEM: Final[dict[str, Any]] = {
    "title": "Problem",
    "description": "An RFC 9457 problem: what is wrong with the request.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "One item per invalid value.",
            "items": {
                "type": "object",
                "properties": {
                    "location": {
                        "type": "array",
                        "description": 'Where: the part ("path", "query", "body"), then keys '
                        "and indexes.",
                        "items": {"type": ["string", "integer"]},
                    },
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["location", "message", "type"],
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}


def operation(
    handler: Handler, params: tuple[Segment, ...], components: Components
) -> dict[str, Any]:
    """The operation object of ``handler`` (without ``operationId`` and
    ``tags``, which depend on the whole document), its path taking the
    ``params`` segments."""
    declaration = handler.declaration
    op: dict[str, Any] = {}
    summary, description = _texts(handler, declaration)
    if summary:
        op["summary"] = summary
    if description:
        op["description"] = description
    parameters = _path_parameters(params, declaration, components)
    if declaration is not None and declaration.query is not None:
        parameters += _query_parameters(declaration.query, declaration.query_lists, components)
    if parameters:
        op["parameters"] = parameters
    if declaration is not None and declaration.body is not None:
        schema = components.schema(declaration.body)
        types = _FORMS if declaration.form else (_JSON,)
        op["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media in types},
        }
    op["responses"] = _responses(declaration, components)
    if declaration is not None and declaration.options.deprecated:
        op["deprecated"] = True
    return op


def _texts(handler: Handler, declaration: Declaration | None) -> tuple[str, str]:
    """``@api``'s summary and description, else the docstring's first line
    and the rest."""
    doc = inspect.cleandoc(handler.func.__doc__ or "")
    first, _, rest = doc.partition("\n")
    options = declaration.options if declaration is not None else None
    summary = options.summary if options is not None and options.summary else first.strip()
    if options is not None and options.description:
        return summary, options.description
    return summary, rest.strip()


def _path_parameters(
    params: tuple[Segment, ...], declaration: Declaration | None, components: Components
) -> list[dict[str, Any]]:
    declared: Mapping[str, Any] = {}
    if declaration is not None and declaration.params is not None:
        declared, _ = components.properties(declaration.params)
    parameters = []
    for segment in params:
        parameter: dict[str, Any] = {"name": segment.value, "in": "path", "required": True}
        if segment.kind is SegmentKind.DYNAMIC:
            parameter["schema"] = declared.get(segment.value, {"type": "string"})
        else:
            # One string in the URL, whatever the list type the handler reads.
            parameter["description"] = _CATCH_ALL
            parameter["schema"] = {"type": "string"}
        parameters.append(parameter)
    return parameters


def _query_parameters(
    query: Schema, lists: frozenset[str], components: Components
) -> list[dict[str, Any]]:
    properties, required = components.properties(query)
    parameters = []
    for name, schema in properties.items():
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if name in lists:
            # ?tag=a&tag=b: each value its own pair (what the handler reads).
            parameter.update(style="form", explode=True)
        parameter["schema"] = schema
        parameters.append(parameter)
    return parameters


def _responses(declaration: Declaration | None, components: Components) -> dict[str, Any]:
    if declaration is None:
        return {"default": dict(_ANY_RESPONSE)}
    responses: dict[str, Any] = {}
    for status in sorted(declaration.responses):
        schema = declaration.responses[status]
        response: dict[str, Any] = {"description": _phrase(status)}
        if schema is not None:
            response["content"] = {_JSON: {"schema": components.schema(schema)}}
        responses[str(status)] = response
    if not responses:
        responses["default"] = dict(_ANY_RESPONSE)
    invalid_params = declaration.params is not None and declaration.options.invalid_params == 422
    if declaration.body is not None and not declaration.form:
        _problem(responses, 400, "Bad Request: the body is not JSON.", components)
    if declaration.body is not None or declaration.query is not None or invalid_params:
        _problem(responses, 422, "Unprocessable Content: invalid input.", components)
    if declaration.params is not None and not invalid_params:
        responses.setdefault("404", {"description": "Not Found: a path param does not convert."})
    return dict(sorted(responses.items(), key=lambda item: (item[0] == "default", item[0])))


def _problem(responses: dict[str, Any], status: int, text: str, components: Components) -> None:
    if str(status) in responses:
        return  # the handler's own declaration wins
    (schema,) = components.place([{"$ref": REF_PREFIX + "Problem"}], {"Problem": PROBLEM})
    responses[str(status)] = {"description": text, "content": {_PROBLEM_JSON: {"schema": schema}}}


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"
