"""``openapi = {...}`` in approute.config.py: where the OpenAPI document and
its docs page are served (docs/openapi.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from approute.config.paths import plain_segments
from approute.config.settings_dict import checked_dict
from approute.errors import ProjectError

__all__ = ["OpenAPIConfig", "read_openapi_config"]

_KEYS: Final = ("path", "docs", "title", "version")


@dataclass(frozen=True, slots=True)
class OpenAPIConfig:
    """``openapi = {...}``: serve the OpenAPI document at ``path`` and the
    Swagger UI page at ``docs`` (None: no page), both under ``base_path``."""

    path: str = "/openapi.json"
    docs: str | None = "/docs"
    title: str = "approute"  # load_config: the project folder's name
    version: str = "0.1.0"


def read_openapi_config(value: Any, root: Path, where: str) -> OpenAPIConfig | None:
    """``openapi = {"path": ..., "docs": ..., "title": ..., "version": ...}``,
    every key optional; absent: nothing is served."""
    if value is None:
        return None
    example = "{'path': '/openapi.json', 'docs': '/docs'}"
    value = checked_dict(value, "openapi", _KEYS, example, where)
    found = OpenAPIConfig(title=root.name)
    settings: dict[str, Any] = {}
    for key in _KEYS:
        given = value.get(key, getattr(found, key))
        if key == "docs" and given is None:
            settings[key] = None
            continue
        if not isinstance(given, str) or not given:
            allowed = " (or None: no docs page)" if key == "docs" else ""
            raise ProjectError(
                f"{where}: openapi['{key}'] must be a non-empty string{allowed}; got {given!r}"
            )
        if key in ("path", "docs") and (not given.startswith("/") or not plain_segments(given)):
            raise ProjectError(
                f"{where}: openapi['{key}'] must be a path like '/docs': starting with '/', "
                f"plain segments (letters, digits, - . _ ~), no trailing '/'; got {given!r}"
            )
        settings[key] = given
    if settings["path"] == settings["docs"]:
        raise ProjectError(
            f"{where}: openapi['path'] and openapi['docs'] are both {settings['path']!r}; "
            "the document and the docs page need a URL each"
        )
    return OpenAPIConfig(**settings)
