"""ASGI entry points, so any ASGI server runs an approute project.

    approute build path/to/project
    APPROUTE_ROOT=path/to/project uvicorn --factory approute.asgi:app_from_env

``app_from_env`` serves the build output exactly as ``approute start`` does:
no build, or a stale one, is an error at startup. In your own module::

    from approute.asgi import app_from_build, create_app
    app = app_from_build("path/to/project")   # the build output, as `start`
    app = create_app("path/to/project")       # no build: renders on demand
"""

from __future__ import annotations

import logging
import os

from approute._types import ASGIApp
from approute.app import App, ErrorApp, create_app
from approute.build import app_from_build
from approute.errors import ProjectError
from approute.http.access_log import AccessLog
from approute.typegen import typegen_quietly

__all__ = [
    "ACCESS_LOG_ENV",
    "ROOT_ENV",
    "App",
    "app_from_build",
    "app_from_env",
    "create_app",
    "dev_app_from_env",
    "with_access_log",
]

ROOT_ENV = "APPROUTE_ROOT"
# "1": app_from_env logs every request (``approute start --access-log``).
ACCESS_LOG_ENV = "APPROUTE_ACCESS_LOG"

logger = logging.getLogger("approute")


def app_from_env() -> App | AccessLog:
    """The build output of the project at ``$APPROUTE_ROOT`` (default: the
    working directory), as ``approute start`` serves it; with
    ``$APPROUTE_ACCESS_LOG=1``, logging each request (``AccessLog``). No
    build, or a stale one, raises ``ProjectError`` (logged first: ASGI
    servers print factory errors as a bare traceback)."""
    try:
        app = app_from_build(os.environ.get(ROOT_ENV, "."))
    except ProjectError as error:
        logger.error("%s", error)
        raise
    return with_access_log(app) if os.environ.get(ACCESS_LOG_ENV) == "1" else app


def with_access_log(app: ASGIApp) -> AccessLog:
    """``app`` logging one Common Log Format line per request on the
    ``approute.access`` logger."""
    return AccessLog(app)


def dev_app_from_env() -> App | ErrorApp:
    """Like ``app_from_env`` in dev mode; a broken project serves its error
    instead of stopping the server."""
    root = os.environ.get(ROOT_ENV, ".")
    typegen_quietly(root)  # on every reload: the editor's types follow the tree
    try:
        return create_app(root, dev=True)
    except ProjectError as error:
        logger.error("%s", error)
        return ErrorApp(error)
