"""One interface to the validation engines: pydantic v2 (models,
dataclasses, TypedDicts and plain types, through ``TypeAdapter``) and
msgspec (``Struct``s). A ``Schema`` is compiled once at startup; a request
only calls it.

    schema = schema_for(NewItem, "app/api/items/route.py: POST body")
    item = schema.validate_json(b'{"name": "pen", "price": 2}')   # a NewItem
    schema.validate_python({"limit": "10"})                         # strings coerced

Failures raise :class:`SchemaError` with one :class:`Issue` per problem
(location, message, type), whatever the engine.
"""

from __future__ import annotations

import importlib.util
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from approute.errors import ProjectError

__all__ = ["Issue", "Schema", "SchemaError", "engine_available", "schema_for", "type_name"]

Location = tuple[str | int, ...]
Engine = Literal["pydantic", "msgspec"]

_EXTRAS: Final = {"pydantic": "approute[pydantic]", "msgspec": "approute[msgspec]"}


@dataclass(frozen=True, slots=True)
class Issue:
    """One thing wrong with the input: where, what, and the engine's error type."""

    location: Location
    message: str
    type: str


class SchemaError(ValueError):
    """The input does not match the schema (``issues``), or is not JSON at all
    (``malformed``: answered 400 rather than 422)."""

    def __init__(self, issues: list[Issue], *, malformed: bool = False) -> None:
        super().__init__("; ".join(_described(issue) for issue in issues))
        self.issues = issues
        self.malformed = malformed


def _described(issue: Issue) -> str:
    where = ".".join(map(str, issue.location))
    return f"{where}: {issue.message}" if where else issue.message


class Schema(Protocol):
    """A compiled type: validate, dump, describe."""

    engine: Engine
    type: Any

    def validate_json(self, data: bytes) -> Any:
        """Parse and validate a JSON document, strictly (JSON has types)."""
        ...

    def validate_python(self, data: object) -> Any:
        """Validate Python data, coercing strings (a query or path params)."""
        ...

    def dump_json(self, value: object) -> bytes:
        """``value`` as JSON bytes."""
        ...

    def json_schema(self, ref_template: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The JSON Schema (2020-12, as OpenAPI 3.1 reads it) and the named
        definitions it refers to through ``ref_template``, written with
        pydantic's placeholder whatever the engine:
        ``"#/components/schemas/{model}"``."""
        ...


def engine_available(engine: Engine) -> bool:
    """Whether the engine's package is installed."""
    return importlib.util.find_spec(engine) is not None


def schema_for(tp: object, where: str) -> Schema:
    """The compiled schema of ``tp``: msgspec for a ``msgspec.Struct``
    (or a container of them), pydantic for everything else. A missing engine
    is a ``ProjectError`` naming ``where`` and the extra to install."""
    engine: Engine = "msgspec" if _mentions_struct(tp) else "pydantic"
    if not engine_available(engine):
        raise ProjectError(
            f"{where}: {type_name(tp)} needs {engine}: pip install '{_EXTRAS[engine]}'"
        )
    if engine == "msgspec":
        return _MsgspecSchema(tp, where)
    return _PydanticSchema(tp, where)


def type_name(tp: object) -> str:
    """``tp`` as messages name it: ``NewItem``, ``list[Item]``."""
    if typing.get_origin(tp) is not None:  # list[Item], not "list"
        return repr(tp).replace("typing.", "")
    return getattr(tp, "__qualname__", None) or repr(tp)


def _mentions_struct(tp: object) -> bool:
    if not engine_available("msgspec"):
        return False
    import msgspec

    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return True
    return any(_mentions_struct(arg) for arg in getattr(tp, "__args__", ()) or ())


class _PydanticSchema:
    __slots__ = ("_adapter", "_error", "engine", "type")

    def __init__(self, tp: Any, where: str) -> None:
        import pydantic

        self.engine: Engine = "pydantic"
        self.type = tp
        self._error = pydantic.ValidationError
        try:
            self._adapter: Any = pydantic.TypeAdapter(tp)
        except pydantic.PydanticUserError as error:
            raise ProjectError(
                f"{where}: {type_name(tp)} is not a type pydantic can validate: {error}"
            ) from None

    def validate_json(self, data: bytes) -> Any:
        try:
            # Strict: a JSON document matches its schema as written (0 is not
            # a bool, "1" not a number); ISO dates and UUIDs are still read.
            return self._adapter.validate_json(data, strict=True)
        except self._error as error:
            raise _pydantic_error(error) from None

    def validate_python(self, data: object) -> Any:
        try:
            return self._adapter.validate_python(data)
        except self._error as error:
            raise _pydantic_error(error) from None

    def dump_json(self, value: object) -> bytes:
        return self._adapter.dump_json(value)  # type: ignore[no-any-return]

    def json_schema(self, ref_template: str) -> tuple[dict[str, Any], dict[str, Any]]:
        schema = dict(self._adapter.json_schema(ref_template=ref_template))
        return schema, schema.pop("$defs", {})


def _pydantic_error(error: Any) -> SchemaError:
    found = error.errors(include_url=False, include_input=False)
    if len(found) == 1 and found[0]["type"] == "json_invalid":
        return SchemaError([Issue((), found[0]["msg"], "json_invalid")], malformed=True)
    return SchemaError([Issue(tuple(item["loc"]), item["msg"], item["type"]) for item in found])


# msgspec says where as "- at `$.items[0].name`".
_AT: Final = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP: Final = re.compile(r"\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]|\[\.\.\.\]")


class _MsgspecSchema:
    __slots__ = ("_convert", "_decoder", "_encoder", "_schema", "engine", "type")

    def __init__(self, tp: Any, where: str) -> None:
        import msgspec

        self.engine: Engine = "msgspec"
        self.type = tp
        try:
            self._decoder = msgspec.json.Decoder(tp)
        except TypeError as error:
            raise ProjectError(
                f"{where}: {type_name(tp)} is not a type msgspec can validate: {error}"
            ) from None
        self._encoder = msgspec.json.Encoder()
        self._convert: Callable[[object], Any] = lambda data: msgspec.convert(
            data, tp, strict=False
        )
        self._schema = msgspec.json.schema_components

    def validate_json(self, data: bytes) -> Any:
        import msgspec

        try:
            return self._decoder.decode(data)
        except msgspec.ValidationError as error:
            raise _msgspec_error(str(error)) from None
        except msgspec.DecodeError as error:
            raise SchemaError(
                [Issue((), f"Invalid JSON: {error}", "json_invalid")], malformed=True
            ) from None

    def validate_python(self, data: object) -> Any:
        import msgspec

        try:
            return self._convert(data)
        except msgspec.ValidationError as error:
            raise _msgspec_error(str(error)) from None

    def dump_json(self, value: object) -> bytes:
        return self._encoder.encode(value)

    def json_schema(self, ref_template: str) -> tuple[dict[str, Any], dict[str, Any]]:
        # msgspec names the placeholder {name}; the protocol's is pydantic's {model}.
        template = ref_template.replace("{model}", "{name}")
        (schema,), defs = self._schema((self.type,), ref_template=template)
        return dict(schema), dict(defs)


def _msgspec_error(text: str) -> SchemaError:
    match = _AT.search(text)
    location: Location = ()
    if match is not None:
        text = text[: match.start()]
        location = tuple(
            step["key"] if step["key"] is not None else int(step["index"])
            for step in _STEP.finditer(match["path"])
            if step["key"] is not None or step["index"] is not None
        )
    return SchemaError([Issue(location, text, "validation")])
