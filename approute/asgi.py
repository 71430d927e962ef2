"""ASGI entry points, so any ASGI server runs an approute project.

    uvicorn --factory approute.asgi:app_from_env      # APPROUTE_ROOT=path/to/project

or in your own module::

    from approute.asgi import create_app
    app = create_app("path/to/project")
"""

from __future__ import annotations

import logging
import os

from approute.app import App, ErrorApp, create_app
from approute.errors import ProjectError

__all__ = ["ROOT_ENV", "App", "app_from_env", "create_app", "dev_app_from_env"]

ROOT_ENV = "APPROUTE_ROOT"

logger = logging.getLogger("approute")


def app_from_env() -> App:
    """The project at ``$APPROUTE_ROOT`` (default: the working directory)."""
    return create_app(os.environ.get(ROOT_ENV, "."))


def dev_app_from_env() -> App | ErrorApp:
    """Like ``app_from_env`` in dev mode; a broken project serves its error
    instead of stopping the server."""
    try:
        return create_app(os.environ.get(ROOT_ENV, "."), dev=True)
    except ProjectError as error:
        logger.error("%s", error)
        return ErrorApp(error)
