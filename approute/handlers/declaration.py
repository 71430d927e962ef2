"""A handler's declaration, read once at startup, applied per request.

What a handler accepts is its second parameter's annotation,
``ctx: Input[Body, Query, Params]`` (``handlers.context.Input``); what it
answers is ``@api(responses={201: Item, 404: None})``. From them
``read_declaration`` compiles a :class:`Declaration` (one ``Schema`` per
part, ``schema.engine``); per request :meth:`Declaration.read_input`
validates the params, query and body into the ``Input`` the handler gets,
and :meth:`Declaration.response` checks (or serialises) what it returns.
A handler without either stays exactly as it was: no declaration, no cost.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, TypeVar

from approute.errors import HTTPStatusSignal, ProblemError, ProjectError
from approute.handlers.context import Input, Params
from approute.http.request import NextRequest
from approute.http.response import Response
from approute.project.callables import defined_at
from approute.schema.engine import Issue, Schema, SchemaError, schema_for, type_name

__all__ = [
    "API_ATTRIBUTE",
    "ApiOptions",
    "Declaration",
    "Form",
    "api",
    "problem",
    "read_declaration",
]

T = TypeVar("T")


class _FormBody:
    """The marker ``Form[T]`` puts on a body type: read a form, not JSON."""

    def __repr__(self) -> str:
        return "Form"


_FORM: Final = _FormBody()
Form = Annotated[T, _FORM]
"""``Input[Form[NewItem]]``: the body is a form (urlencoded or multipart)."""

API_ATTRIBUTE: Final = "__approute_api__"
_JSON: Final = "application/json"
_PROBLEM: Final = "application/problem+json"
_TITLES: Final = {400: "Bad Request", 422: "Unprocessable Content"}


@dataclass(frozen=True, slots=True)
class ApiOptions:
    """What ``@api(...)`` says about a handler."""

    responses: Mapping[int, object] = field(default_factory=dict)
    invalid_params: Literal[404, 422] = 404
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] | None = None
    deprecated: bool = False


F = TypeVar("F", bound=Callable[..., Any])


def api(
    *,
    responses: Mapping[int, object] | None = None,
    invalid_params: Literal[404, 422] = 404,
    summary: str | None = None,
    description: str | None = None,
    tags: list[str] | tuple[str, ...] | None = None,
    deprecated: bool = False,
) -> Callable[[F], F]:
    """Declare what a handler answers, for validation and OpenAPI.

        @api(responses={201: Item, 404: None})
        async def POST(request: NextRequest, ctx: Input[NewItem]) -> Item: ...

    ``responses`` maps each status to the type of its JSON body (``None``:
    no body described). A plain value returned by the handler is sent as
    JSON with the first declared 2xx status; a JSON ``Response`` whose
    status is declared is checked against it (a mismatch is a 500).
    ``invalid_params``: what a path param that does not convert to its
    declared type answers, 404 (the URL names no resource) or 422.
    ``summary``/``description`` default to the docstring; ``tags`` to the
    route's first folder.
    """
    if invalid_params not in (404, 422):
        raise ValueError(f"invalid_params is 404 or 422; got {invalid_params!r}")
    options = ApiOptions(
        responses=dict(responses or {}),
        invalid_params=invalid_params,
        summary=summary,
        description=description,
        tags=tuple(tags) if tags is not None else None,
        deprecated=deprecated,
    )

    def mark(func: F) -> F:
        setattr(func, API_ATTRIBUTE, options)
        return func

    return mark


def problem(status: int, detail: str, issues: list[Issue] | None = None) -> dict[str, Any]:
    """An RFC 9457 problem object; ``issues`` become its ``errors`` list."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Bad Request"),
        "status": status,
        "detail": detail,
    }
    if issues is not None:
        body["errors"] = [
            {"location": list(issue.location), "message": issue.message, "type": issue.type}
            for issue in issues
        ]
    return body


@dataclass(frozen=True, slots=True)
class Declaration:
    """A handler's compiled declaration."""

    where: str  # "app/api/items/route.py:12 POST", for messages
    body: Schema | None = None
    form: bool = False
    query: Schema | None = None
    query_lists: frozenset[str] = frozenset()  # query fields that take every value
    params: Schema | None = None
    responses: Mapping[int, Schema | None] = field(default_factory=dict)
    options: ApiOptions = field(default_factory=ApiOptions)
    takes_input: bool = False  # the handler's ctx is an Input
    # approute.config.py's problem_details(problem, request): the body sent.
    reshape: Callable[[dict[str, Any], NextRequest], Any] | None = None
    # The status and type a plain returned value is sent with: the first
    # declared 2xx (decided here, not per request).
    success: tuple[int, Schema | None] = field(init=False)

    def __post_init__(self) -> None:
        success = next((code for code in sorted(self.responses) if 200 <= code < 300), None)
        pair = (200, None) if success is None else (success, self.responses[success])
        object.__setattr__(self, "success", pair)

    async def read_input(self, request: NextRequest, params: Params) -> Input[Any, Any, Any]:
        """The validated ``Input`` for this request; a ``ProblemError`` (400
        or 422) or a 404 signal when it does not match."""
        issues: list[Issue] = []
        typed_params: Any = params
        if self.params is not None:
            try:
                typed_params = self.params.validate_python(params)
            except SchemaError as error:
                if self.options.invalid_params == 404:
                    raise HTTPStatusSignal(404) from None
                issues.extend(_located("path", error.issues))
        query = None
        if self.query is not None:
            try:
                query = self.query.validate_python(self._query_data(request))
            except SchemaError as error:
                issues.extend(_located("query", error.issues))
        body = None
        if self.body is not None:
            try:
                body = await self._read_body(request)
            except SchemaError as error:
                if error.malformed:
                    raise self._problem(request, 400, error.issues[0].message) from None
                issues.extend(_located("body", error.issues))
        if issues:
            count = f"{len(issues)} invalid value{'s' if len(issues) > 1 else ''}"
            raise self._problem(request, 422, f"The request has {count}.", issues)
        return Input(typed_params, body, query)

    def _problem(
        self, request: NextRequest, status: int, detail: str, issues: list[Issue] | None = None
    ) -> ProblemError:
        body = problem(status, detail, issues)
        if self.reshape is not None:
            body = self.reshape(body, request)
            if not isinstance(body, dict):
                raise TypeError(
                    f"problem_details() returned {type(body).__name__}; return the body, a dict"
                )
        return ProblemError(body, status=status)

    def _query_data(self, request: NextRequest) -> dict[str, Any]:
        return _grouped(request.next_url.search_params, self.query_lists)

    async def _read_body(self, request: NextRequest) -> Any:
        assert self.body is not None
        if not self.form:
            return self.body.validate_json(await request.bytes())
        return self.body.validate_python(_grouped(await request.form_data(), frozenset()))

    def response(self, result: Any) -> Response:
        """What the handler returned, as the declared response: a plain value
        is serialised with the first declared 2xx schema; a JSON ``Response``
        with a declared status is checked. A mismatch raises ``TypeError``."""
        if isinstance(result, Response):
            schema = self.responses.get(result.status)
            body = result.body
            if schema is not None and isinstance(body, bytes) and _is_json(result):
                try:
                    schema.validate_json(body)
                except SchemaError as error:
                    raise TypeError(
                        f"{self.where} answered {result.status} with a body that does not match "
                        f"its declared {type_name(schema.type)}: {error}"
                    ) from None
            return result
        status, schema = self.success
        if schema is None:
            raise TypeError(
                f"{self.where} returned {type(result).__name__}; declare the body it sends "
                f"(@api(responses={{200: Item}})) or return a Response"
            )
        try:
            # An instance of the declared class is valid by construction.
            value = result if type(result) is schema.type else schema.validate_python(result)
        except SchemaError as error:
            raise TypeError(
                f"{self.where} returned a {type(result).__name__} that does not match its "
                f"declared {status} {type_name(schema.type)}: {error}"
            ) from None
        return Response(schema.dump_json(value), status=status, headers={"content-type": _JSON})


def _grouped(pairs: Iterable[tuple[str, Any]], lists: frozenset[str]) -> dict[str, Any]:
    """Query or form pairs as a dict: a repeated key (or a list field) gives
    a list, any other key its one value."""
    grouped: dict[str, list[Any]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return {
        name: values if name in lists or len(values) > 1 else values[0]
        for name, values in grouped.items()
    }


def _located(part: str, issues: list[Issue]) -> list[Issue]:
    return [Issue((part, *issue.location), issue.message, issue.type) for issue in issues]


def _is_json(response: Response) -> bool:
    content_type = response.headers.get("content-type") or ""
    return content_type.startswith(_JSON) or content_type.startswith(_PROBLEM)


def read_declaration(
    func: Callable[..., Any],
    method: str,
    where: str,
    param_names: tuple[str, ...],
    reshape: Callable[[dict[str, Any], NextRequest], Any] | None = None,
) -> Declaration | None:
    """The declaration of handler ``func``, or None when it declares nothing;
    ``reshape`` is the config's ``problem_details``."""
    options = getattr(func, API_ATTRIBUTE, None)
    if options is not None and not isinstance(options, ApiOptions):
        options = None
    parts = _input_parts(func, method, where)
    if parts is None and options is None:
        return None
    location = f"{defined_at(func, where)} {method}"
    body_type, query_type, params_type = parts or (None, None, None)
    form = False
    if typing.get_origin(body_type) is Annotated:
        form = any(extra is _FORM for extra in typing.get_args(body_type)[1:])
        body_type = typing.get_args(body_type)[0] if form else body_type
    query = None if query_type is None else schema_for(query_type, f"{location} query")
    params = None if params_type is None else schema_for(params_type, f"{location} params")
    if params is not None:
        _check_param_names(params, param_names, location)
    responses = {
        status: None if tp is None else schema_for(tp, f"{location} response {status}")
        for status, tp in (options.responses if options else {}).items()
    }
    for status in responses:
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise ProjectError(f"{location}: response status {status!r} is not an HTTP status")
    return Declaration(
        where=location,
        body=None if body_type is None else schema_for(body_type, f"{location} body"),
        form=form,
        query=query,
        query_lists=_array_fields(query),
        params=params,
        responses=responses,
        options=options or ApiOptions(),
        takes_input=parts is not None,
        reshape=reshape,
    )


def _input_parts(func: Callable[..., Any], method: str, where: str) -> tuple[Any, Any, Any] | None:
    """``(body, query, params)`` of an ``Input[...]`` second parameter, or None."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    if len(parameters) < 2 or parameters[1].annotation is inspect.Parameter.empty:
        return None
    annotation = parameters[1].annotation
    if isinstance(annotation, str) and "Input" not in annotation:
        return None
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as error:  # a name the annotation uses is not defined
        raise ProjectError(
            f"{defined_at(func, where)}: {method}'s annotations cannot be resolved: "
            f"{type(error).__name__}: {error}"
        ) from None
    hint = hints.get(parameters[1].name)
    origin = typing.get_origin(hint) or hint
    if not (isinstance(origin, type) and issubclass(origin, Input)):
        return None
    args = list(typing.get_args(hint))
    args += [None] * (3 - len(args))
    body, query, params = (None if arg is type(None) else arg for arg in args[:3])
    if params is Params or typing.get_origin(params) is dict:
        params = None  # the default: plain strings
    return body, query, params


def _check_param_names(params: Schema, names: tuple[str, ...], location: str) -> None:
    schema, _ = params.json_schema("#/$defs/{model}")
    declared = set(schema.get("properties", {}))
    unknown = sorted(declared - set(names))
    if unknown:
        raise ProjectError(
            f"{location}: the params type declares {', '.join(map(repr, unknown))}, which the "
            f"route has no folder for (its params: {', '.join(map(repr, names)) or 'none'})"
        )


def _array_fields(query: Schema | None) -> frozenset[str]:
    """The query fields typed as lists: they take every value of a repeated key."""
    if query is None:
        return frozenset()
    schema, defs = query.json_schema("#/$defs/{model}")
    if "$ref" in schema:
        schema = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return frozenset(
        name for name, field in schema.get("properties", {}).items() if _is_array(field)
    )


def _is_array(field: Mapping[str, Any]) -> bool:
    if field.get("type") == "array":
        return True
    return any(_is_array(option) for option in field.get("anyOf", ()))
