"""``approute dev | start | routes`` (argparse; one function per command)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from approute.app import create_app
from approute.cli.server import serve, uvicorn_config
from approute.errors import ProjectError

__all__ = ["main"]


def _project(args: argparse.Namespace) -> Path:
    return Path(args.dir).resolve()


def _dev(args: argparse.Namespace) -> int:
    root = _project(args)
    print(f"approute dev: http://{args.hostname}:{args.port} (project {root})", flush=True)
    serve(*uvicorn_config(root, host=args.hostname, port=args.port, dev=True))
    return 0


def _start(args: argparse.Namespace) -> int:
    root = _project(args)
    app = create_app(root)  # fail here, clearly, rather than in every worker
    print(
        f"approute start: http://{args.hostname}:{args.port} (project {root})",
        flush=True,
    )
    target, options = uvicorn_config(root, host=args.hostname, port=args.port, workers=args.workers)
    if args.workers == 1:
        # One process: serve the app just built instead of building it again.
        options["factory"] = False
        serve(app, options)
    else:
        serve(target, options)
    return 0


def _routes(args: argparse.Namespace) -> int:
    app = create_app(_project(args))
    routes = app.table.routes
    width = max([len(route.pattern) for route in routes] + [5])
    print(f"  {'Route':<{width}}  Methods")
    for route in routes:
        module = app.modules[route.file]
        marker = "ƒ"
        print(f"{marker} {route.pattern:<{width}}  {module.allow}")
    print("\nƒ  (Dynamic)  server-rendered on demand")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="approute", description="Next.js-style route handlers for Python."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    dev = commands.add_parser("dev", help="serve with reload on change")
    dev.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    dev.add_argument("-p", "--port", type=int, default=3000)
    dev.add_argument("-H", "--hostname", default="127.0.0.1")
    dev.set_defaults(run=_dev)

    start = commands.add_parser("start", help="production server")
    start.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    start.add_argument("-p", "--port", type=int, default=3000)
    start.add_argument("-H", "--hostname", default="0.0.0.0")
    start.add_argument("-w", "--workers", type=int, default=1)
    start.set_defaults(run=_start)

    routes = commands.add_parser("routes", help="print the route table")
    routes.add_argument("dir", nargs="?", default=".", help="project root (default: .)")
    routes.set_defaults(run=_routes)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``approute`` console script."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
