"""``approute build`` and serving from its output (docs/cli.md).

    from approute.build import app_from_build, build_project

    build_project("path/to/project", out=sys.stdout)   # what `approute build` does
    app = app_from_build("path/to/project")             # what `approute start` serves

The output lives under ``<root>/.approute/``: ``build-manifest.json`` (build
id, input hashes, prerendered paths) and ``build/<build_id>/`` (the
prerendered responses); the cache stays in ``.approute/cache/``.
"""

from approute.build.builder import BUILD_ID_ENV, build_project, routes_table
from approute.build.output import app_from_build, load_build

__all__ = ["BUILD_ID_ENV", "app_from_build", "build_project", "load_build", "routes_table"]
