"""Serve ``module:attr`` with approute's own uvicorn settings (its guarded
httptools protocol): the ``raw_asgi+guard`` diagnostic target, which shows
what approute's server layer costs apart from its pipeline.

    python -m bench.serve bench.targets.raw_asgi:app 8000
"""

from __future__ import annotations

import sys

import uvicorn

from approute.cli.server import server_options


def main() -> None:
    spec, port = sys.argv[1], int(sys.argv[2])
    options = server_options(parser="httptools")
    options.update(host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")
    uvicorn.run(spec, **options)


if __name__ == "__main__":
    main()
