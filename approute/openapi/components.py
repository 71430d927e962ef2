"""``components.schemas``: the named schemas of a whole OpenAPI document,
gathered from many ``Schema``s, each compiled on its own.

A definition is named by its title (the class name). Each ``Schema``
names its definitions without knowing the others, so two route modules
that each define an ``Item`` both call it ``Item``: equal schemas under one
name become one component; a different schema under a taken name is
renamed ``Item_2`` (``Item_3``…), the references to it with it, so nothing
is overwritten and the same document comes out on every run.

    components = Components()
    components.schema(schema_for(Item, "here"))   # {"$ref": "#/components/schemas/Item"}
    components.schemas                            # {"Item": {...}}
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from typing import Any, Final

from approute.schema.engine import Schema

__all__ = ["REF_PREFIX", "REF_TEMPLATE", "Components"]

REF_PREFIX: Final = "#/components/schemas/"
REF_TEMPLATE: Final = REF_PREFIX + "{model}"
# OpenAPI 3.1: component names match ^[a-zA-Z0-9.\-_]+$.
_NAME_CHARS: Final = frozenset(string.ascii_letters + string.digits + "._-")


class Components:
    """The document's named schemas, filled while its operations are built."""

    __slots__ = ("_schemas",)

    def __init__(self) -> None:
        self._schemas: dict[str, Any] = {}

    @property
    def schemas(self) -> dict[str, Any]:
        """The named schemas so far, sorted by name."""
        return dict(sorted(self._schemas.items()))

    def schema(self, schema: Schema) -> dict[str, Any]:
        """The JSON Schema of a body: a ``$ref`` to a component for a named
        type (a model, dataclass, TypedDict or Struct), inline otherwise."""
        root, defs = schema.json_schema(REF_TEMPLATE)
        name = _component_name(getattr(schema.type, "__name__", ""))
        # pydantic writes a top-level model inline (msgspec refers to it):
        # as a component too, so both engines read the same.
        named = isinstance(schema.type, type) and "title" in root and "$ref" not in root
        if named and name and name not in defs:
            defs = {**defs, name: root}
            root = {"$ref": REF_PREFIX + name}
        placed: dict[str, Any] = self.place([root], defs)[0]
        return placed

    def properties(self, schema: Schema) -> tuple[dict[str, Any], frozenset[str]]:
        """The properties of an object schema (a query, the path params),
        each as a component-referring schema, and the required names."""
        root, defs = schema.json_schema(REF_TEMPLATE)
        body = defs.get(_ref_name(root), {}) if "$ref" in root else root
        properties = body.get("properties", {})
        placed = self.place(list(properties.values()), defs)
        return dict(zip(properties, placed, strict=True)), frozenset(body.get("required", ()))

    def place(self, fragments: list[Any], defs: Mapping[str, Any]) -> list[Any]:
        """``fragments`` (referring to ``defs`` by name) with their references
        pointing at the components, the definitions they use added."""
        used = _reachable(fragments, defs)
        renames = self._register({name: defs[name] for name in used})
        return [_rewrite(fragment, renames) for fragment in fragments]

    def _register(self, local: Mapping[str, Any]) -> dict[str, str]:
        """Add ``local`` definitions; their names in the document (``Item``,
        or ``Item_2`` when another ``Item`` is there)."""
        bases = {name: _base_name(name, body) for name, body in local.items()}
        renames = dict(bases)
        # A rename changes the schemas that refer to it, which may rename
        # them in turn: go on until nothing moves.
        for _ in range(len(local) + 1):
            claimed: dict[str, str] = {}
            moved = False
            for name in sorted(local):
                body = _rewrite(local[name], renames)
                target = self._free_name(bases[name], body, claimed, name)
                claimed[target] = name
                if renames[name] != target:
                    renames[name] = target
                    moved = True
            if not moved:
                break
        else:  # pragma: no cover - a cycle of renames; never seen
            raise RuntimeError(f"cannot name the schemas {sorted(local)} in the document")
        for name, body in local.items():
            self._schemas[renames[name]] = _rewrite(body, renames)
        return renames

    def _free_name(self, base: str, body: Any, claimed: Mapping[str, str], owner: str) -> str:
        """``base``, or ``base_2``…: the first name free in the document (or
        holding this very schema) and not taken by another definition of
        the same batch."""
        count = 1
        while True:
            candidate = base if count == 1 else f"{base}_{count}"
            held = self._schemas.get(candidate)
            mine = claimed.get(candidate, owner) == owner
            if mine and (held is None or held == body):
                return candidate
            count += 1


def _component_name(name: str) -> str:
    return "".join(char if char in _NAME_CHARS else "_" for char in name)


def _base_name(name: str, body: Any) -> str:
    """A definition's name in the document: its title (the class name), as
    the engines' own names may be long (pydantic's for a model in an
    ``[id]`` folder's module: ``items___id___Tag``)."""
    title = body.get("title") if isinstance(body, dict) else None
    if isinstance(title, str) and _component_name(title):
        return _component_name(title)
    return _component_name(name) or "Schema"


def _ref_name(schema: Mapping[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref[len(REF_PREFIX) :] if isinstance(ref, str) and ref.startswith(REF_PREFIX) else ""


def _refs(value: Any) -> Iterable[str]:
    """Every definition name ``value`` refers to."""
    if isinstance(value, dict):
        name = _ref_name(value)
        if name:
            yield name
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _reachable(fragments: list[Any], defs: Mapping[str, Any]) -> list[str]:
    """The definitions ``fragments`` use, directly or through one another."""
    seen: list[str] = []
    pending = [name for fragment in fragments for name in _refs(fragment)]
    while pending:
        name = pending.pop()
        if name in seen or name not in defs:
            continue
        seen.append(name)
        pending.extend(_refs(defs[name]))
    return seen


def _rewrite(value: Any, renames: Mapping[str, str]) -> Any:
    """``value`` with each ``$ref`` to a renamed definition following it."""
    if isinstance(value, dict):
        out = {key: _rewrite(item, renames) for key, item in value.items()}
        name = _ref_name(value)
        if name in renames:
            out["$ref"] = REF_PREFIX + renames[name]
        return out
    if isinstance(value, list):
        return [_rewrite(item, renames) for item in value]
    return value
