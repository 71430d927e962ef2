"""Run an approute project under uvicorn, the way ``dev`` and ``start`` need."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any, Literal

import uvicorn

from approute._types import ASGIApp
from approute.asgi import ROOT_ENV
from approute.cli.log_config import LOG_CONFIG
from approute.cli.protocols import PROTOCOLS, guarded_protocol
from approute.cli.ws_protocol import GoingAwayWebSocketProtocol
from approute.project.layout import OUTPUT_DIR
from approute.routing.metadata_files import STATIC_FILE_GLOBS

__all__ = [
    "LOG_CONFIG",
    "Parser",
    "default_parser",
    "serve",
    "server_options",
    "uvicorn_config",
]

Parser = Literal["h11", "httptools"]


def default_parser() -> Parser:
    """httptools when installed (stricter and faster), else h11."""
    return "httptools" if importlib.util.find_spec("httptools") else "h11"


def server_options(
    *, parser: Parser | None = None, head_timeout: float | None = None
) -> dict[str, Any]:
    """uvicorn settings every approute server uses (tests use them too)."""
    chosen = parser or default_parser()
    http: type[Any] | str = PROTOCOLS[chosen]
    if head_timeout is not None:
        http = guarded_protocol(chosen, head_timeout=head_timeout)
    return {
        "http": http,
        "ws": GoingAwayWebSocketProtocol,
        "loop": "auto",
        # Our own head guard answers 431 first; h11's limit would say 400.
        "h11_max_incomplete_event_size": 64 * 1024,
        # request.url never comes from client headers (docs/security.md).
        "proxy_headers": False,
        "server_header": False,
        "log_config": None,  # the CLI passes LOG_CONFIG; tests keep pytest's logging
        "lifespan": "on",
    }


def uvicorn_config(
    root: Path,
    *,
    host: str,
    port: int,
    dev: bool = False,
    workers: int = 1,
    parser: Parser | None = None,
    head_timeout: float | None = None,
    shutdown_timeout: float = 10.0,
) -> tuple[str, dict[str, Any]]:
    """The uvicorn target and settings serving the project at ``root``.

    The app is built by a factory in each worker process from ``$APPROUTE_ROOT``.
    After SIGTERM, responses still open ``shutdown_timeout`` seconds later
    are cancelled (a never-ending stream would otherwise hold the exit).
    """
    os.environ[ROOT_ENV] = str(root)
    options = server_options(parser=parser, head_timeout=head_timeout)
    options.update(
        factory=True,
        host=host,
        port=port,
        log_config=LOG_CONFIG,
        timeout_graceful_shutdown=shutdown_timeout,
    )
    if dev:
        options.update(
            reload=True,
            reload_dirs=[str(root)],
            reload_includes=["*.py", *STATIC_FILE_GLOBS],
            reload_excludes=[f"{OUTPUT_DIR}/*", ".venv/*", "**/__pycache__/*"],
            access_log=True,
            # A reload waits this long for open responses and WebSockets.
            timeout_graceful_shutdown=3,
        )
        target = "approute.asgi:dev_app_from_env"
    else:
        options.update(workers=workers, access_log=False)
        target = "approute.asgi:app_from_env"
    return target, options


def serve(target: str | ASGIApp, options: dict[str, Any]) -> None:
    """Run uvicorn (with its reloader, or its worker processes, when asked;
    those need ``target`` as an import string)."""
    uvicorn.run(target, **options)
