"""The offline docs page: Swagger UI over the OpenAPI document, with no CDN.

Swagger UI's files come from the ``swagger-ui-bundle-v2`` package (the
``openapi`` extra; it installs the ``swagger_ui_bundle`` module). Swagger UI
5 is needed: 4.x, which the older ``swagger-ui-bundle`` package ships,
refuses ``openapi: 3.1.0`` documents. The page is small and written here;
its init script is a file of its own, so a ``script-src 'self'`` policy
allows it.

The files are read once, at startup, into memory (about 2 MB): a request
only looks them up, like every other answer approute has ready, and a
package upgraded under a running server cannot serve half old, half new
files.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from approute.errors import ProjectError
from approute.public.files import content_type_for

__all__ = ["DocsPage", "docs_page"]

_PACKAGE: Final = "swagger_ui_bundle"
_INSTALL: Final = "pip install 'approute[openapi]' (the swagger-ui-bundle-v2 package)"
_HTML: Final = "text/html; charset=utf-8"
# Swagger UI's own files that the page loads.
_ASSETS: Final = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)
_INITIALIZER: Final = "swagger-initializer.js"

_PAGE: Final = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{base}/swagger-ui.css">
<link rel="icon" type="image/png" href="{base}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="{base}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{base}/swagger-ui-bundle.js"></script>
<script src="{base}/swagger-ui-standalone-preset.js"></script>
<script src="{base}/swagger-initializer.js"></script>
</body>
</html>
"""

# validatorUrl null: the default badge would load an image from
# validator.swagger.io; the page stays offline.
_SCRIPT: Final = """window.addEventListener("load", function () {{
  window.ui = SwaggerUIBundle({{
    url: {url},
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  }});
}});
"""


@dataclass(frozen=True, slots=True)
class DocsPage:
    """The page and its files: name under the docs URL → (body, content type);
    the page itself is ``index``."""

    index: bytes
    files: Mapping[str, tuple[bytes, str]]


def docs_page(*, docs_url: str, document_url: str, title: str, where: str) -> DocsPage:
    """The docs page served at ``docs_url`` (its files below it) showing the
    document at ``document_url``; both URLs as the browser sees them
    (``base_path`` included). A missing or too old Swagger UI is a
    ``ProjectError`` starting with ``where``."""
    folder = _swagger_ui(where)
    files: dict[str, tuple[bytes, str]] = {}
    for name in _ASSETS:
        try:
            body = folder.joinpath(name).read_bytes()
        except OSError as error:
            raise ProjectError(
                f"{where}: Swagger UI's {name} cannot be read ({error}); reinstall: {_INSTALL}"
            ) from None
        files[name] = (body, content_type_for(name))
    script = _SCRIPT.format(url=json.dumps(document_url))
    files[_INITIALIZER] = (script.encode(), content_type_for(_INITIALIZER))
    page = _PAGE.format(title=html.escape(title), base=html.escape(docs_url))
    return DocsPage(index=page.encode(), files=files)


def _swagger_ui(where: str) -> Any:
    """The folder of Swagger UI's files (a ``Traversable``)."""
    if importlib.util.find_spec(_PACKAGE) is None:
        raise ProjectError(
            f"{where}: the docs page serves Swagger UI, which is not installed: {_INSTALL}; "
            "or set 'docs': None to serve the document alone"
        )
    folder = importlib.import_module(_PACKAGE).swagger_ui_path
    version = str(folder.name).removeprefix("swagger-ui-")  # vendor/swagger-ui-5.31.0
    major = version.partition(".")[0]
    if major.isdigit() and int(major) < 5:
        raise ProjectError(
            f"{where}: the installed swagger_ui_bundle has Swagger UI {version}, which cannot "
            f"show OpenAPI 3.1 documents; pip uninstall swagger-ui-bundle, then {_INSTALL}"
        )
    return folder
