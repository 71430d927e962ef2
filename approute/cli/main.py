"""``approute create | dev | build | start | routes | openapi | typegen | mypy``
(argparse; one function per command)."""

from __future__ import annotations

import argparse
import json
import logging
import logging.config
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from approute import __version__
from approute._types import ASGIApp
from approute.app import create_app
from approute.asgi import ACCESS_LOG_ENV, with_access_log
from approute.build import app_from_build, build_project, routes_table
from approute.cli.log_config import LOG_CONFIG
from approute.cli.typecheck import run_mypy
from approute.config.openapi import OpenAPIConfig
from approute.errors import ProjectError
from approute.openapi import openapi_document
from approute.project.layout import ProjectLayout
from approute.typegen import typegen, typegen_quietly

__all__ = ["main"]


def _project(args: argparse.Namespace) -> Path:
    return Path(args.dir).resolve()


def _dev(args: argparse.Namespace) -> int:
    root = _project(args)
    from approute.cli.server import serve, uvicorn_config

    print(f"approute dev: http://{args.hostname}:{args.port} (project {root})", flush=True)
    serve(*uvicorn_config(root, host=args.hostname, port=args.port, dev=True))
    return 0


def _log_to_stderr() -> None:
    """Load warnings and handler errors, as the server logs them (unless the
    caller already logs somewhere)."""
    if not logging.getLogger().handlers and not logging.getLogger("approute").handlers:
        logging.config.dictConfig(LOG_CONFIG)


def _build(args: argparse.Namespace) -> int:
    _log_to_stderr()
    build_project(_project(args), out=sys.stdout, tty=sys.stdout.isatty())
    return 0


def _start(args: argparse.Namespace) -> int:
    root = _project(args)
    # Fail here, clearly, rather than in every worker: no build, a stale one,
    # or a broken project.
    app = app_from_build(root)
    served: ASGIApp = app
    if args.access_log:
        os.environ[ACCESS_LOG_ENV] = "1"  # for workers, which build their own app
        served = with_access_log(app)
    print(
        f"approute start: http://{args.hostname}:{args.port} (project {root})",
        flush=True,
    )
    shutdown_timeout = args.shutdown_timeout
    if shutdown_timeout is None:
        shutdown_timeout = app.project.config.shutdown_timeout
    # Only the server that runs is imported (each costs 0.1-0.2 s of startup).
    if args.server == "granian":
        from approute.cli.granian_server import serve_granian

        serve_granian(
            root,
            served if args.workers == 1 else None,
            host=args.hostname,
            port=args.port,
            workers=args.workers,
            shutdown_timeout=shutdown_timeout,
        )
        return 0
    from approute.cli.server import serve, uvicorn_config

    target, options = uvicorn_config(
        root,
        host=args.hostname,
        port=args.port,
        workers=args.workers,
        shutdown_timeout=shutdown_timeout,
    )
    if args.workers == 1:
        # One process: serve the app just built instead of building it again.
        options["factory"] = False
        serve(served, options)
    else:
        serve(target, options)
    return 0


def _create(args: argparse.Namespace) -> int:
    from approute.cli.create import create_project

    root = create_project(args.name, Path(args.parent).resolve())
    typegen_quietly(root)  # `approute mypy` works before the first `approute dev`
    print(f"✓ Created {root}\n")
    print(f"  cd {root.name}")
    print("  python -m venv .venv && . .venv/bin/activate && pip install -e '.[dev]'")
    print("  approute dev      # http://127.0.0.1:3000/api/hello")
    print("  pytest")
    return 0


def _routes(args: argparse.Namespace) -> int:
    print(routes_table(_project(args)))
    return 0


def _openapi(args: argparse.Namespace) -> int:
    _log_to_stderr()  # stdout is the document
    app = create_app(_project(args))
    config = app.project.config
    # The served document's title and version, else the same defaults.
    settings = config.openapi or OpenAPIConfig(title=app.project.layout.root.name)
    document = openapi_document(
        app.project.table,
        app.project.modules,
        title=settings.title,
        version=settings.version,
        base_path=config.base_path,
    )
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"✓ OpenAPI document written to {args.output}")
    return 0


def _mypy(args: argparse.Namespace) -> int:
    # Everything after "mypy" is mypy's (argparse would take --strict as ours).
    targets = list(args.args)
    if not any(not arg.startswith("-") for arg in targets):
        targets.append(ProjectLayout.find(".").app_dir.relative_to(Path.cwd().resolve()).as_posix())
    return run_mypy(targets)


def _typegen(args: argparse.Namespace) -> int:
    layout = ProjectLayout.find(_project(args))
    written, hint = typegen(layout)
    print(f"✓ Route types written to {written}")
    if hint is not None:
        print(f"  ! {hint}")
    # The types come from the tree alone; the modules are checked as
    # approute build checks them (errors exit 1, warnings are printed).
    _log_to_stderr()
    create_app(layout)
    print("✓ Route modules load")
    return 0


def _seconds(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0; got {text}")
    return value


def _version() -> str:
    """``approute 0.1.0 (compiled)``: the version, and which build runs
    (docs/compiled.md)."""
    import approute.http.headers as probe

    build = "pure Python" if probe.__file__.endswith(".py") else "compiled"
    return f"approute {__version__} ({build}), Python {sys.version.split()[0]}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="approute", description="Next.js-style route handlers for Python."
    )
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="write a new project (routes, middleware, tests)")
    create.add_argument("name", help="the project's folder and name")
    create.add_argument("--in", dest="parent", default=".", help="where (default: .)")
    create.set_defaults(run=_create)

    dev = commands.add_parser("dev", help="serve with reload on change")
    dev.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    dev.add_argument("-p", "--port", type=int, default=3000)
    dev.add_argument("-H", "--hostname", default="127.0.0.1")
    dev.set_defaults(run=_dev)

    build = commands.add_parser("build", help="validate, prerender, write .approute/")
    build.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    build.set_defaults(run=_build)

    start = commands.add_parser("start", help="production server from the build output")
    start.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    start.add_argument("-p", "--port", type=int, default=3000)
    start.add_argument("-H", "--hostname", default="0.0.0.0")
    start.add_argument("-w", "--workers", type=int, default=1)
    start.add_argument(
        "--server",
        choices=["granian", "uvicorn"],
        default="granian",
        help="the HTTP server (default: granian, the faster; docs/deploy.md)",
    )
    start.add_argument(
        "--shutdown-timeout",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="after SIGTERM, cancel responses still open this long "
        "(default: shutdown_timeout in approute.config.py, else 10)",
    )
    start.add_argument(
        "--access-log",
        action="store_true",
        help="log every request to stdout in the Common Log Format (default: off)",
    )
    start.set_defaults(run=_start)

    routes = commands.add_parser("routes", help="print the route table")
    routes.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    routes.set_defaults(run=_routes)

    openapi = commands.add_parser("openapi", help="print the OpenAPI 3.1 document of the routes")
    openapi.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    openapi.add_argument("-o", "--output", metavar="FILE", help="write it to FILE instead")
    openapi.set_defaults(run=_openapi)

    types = commands.add_parser("typegen", help="write route types for mypy (.approute/types)")
    types.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    types.set_defaults(run=_typegen)

    mypy = commands.add_parser(
        "mypy",
        help="mypy over the project, route folders such as [id] included",
        add_help=False,
    )
    mypy.add_argument("args", nargs=argparse.REMAINDER, help="mypy's arguments (default: app)")
    mypy.set_defaults(run=_mypy)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``approute`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["mypy"]:
        args = argparse.Namespace(run=_mypy, args=argv[1:])
    else:
        args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
