"""The OpenAPI 3.1 document of a project's route handlers, and the routes
that serve it with an offline Swagger UI page (docs/openapi.md).

    document = openapi_document(app.project.table, app.project.modules,
                                title="shop", version="1.0.0")
"""

from __future__ import annotations

from approute.openapi.document import openapi_document
from approute.openapi.routes import openapi_routes

__all__ = ["openapi_document", "openapi_routes"]
