"""The connection-level head limits both servers of ``approute start`` get
(``cli.protocols`` for uvicorn, ``cli.granian_server``): here, so that
either imports them without importing the other server."""

from __future__ import annotations

__all__ = ["HEAD_TIMEOUT", "MAX_HEAD_SIZE"]

HEAD_TIMEOUT = 10.0
# The pipeline answers 431 above 16 KiB; the cap here leaves it the exact
# check while still bounding what a parser buffers.
MAX_HEAD_SIZE = 24 * 1024
