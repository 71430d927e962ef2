"""Run an approute project under granian, the way ``start --server granian`` needs.

granian (a Rust HTTP server with an ASGI interface) is the default server of
``approute start`` because it is faster (docs/benchmarks.md). Its settings
here are the ones that keep approute's guarantees (docs/deploy.md says what
each is for and what granian does differently from guarded uvicorn):

* HTTP/1 only: ``auto`` also accepts cleartext HTTP/2 and never closes an idle
  connection, so idle sockets could starve new ones.
* ``header_read_timeout`` is the head deadline (granian closes, without a 408)
  and the idle keep-alive timeout; ``max_buffer_size`` caps an incomplete
  head (431), as the guarded uvicorn protocols do.
* asyncio tasks: granian's Rust tasks ignore ``cancel()``, so a client that
  disconnects would not cancel its handler.
* ``backpressure`` far above any expected connection count: it bounds open
  connections, and idle ones count.
* WebSockets: granian stops a worker without closing them, so on shutdown
  each worker is first asked (``realtime.signals``) to close its own with
  1001 and to stop once they are closed or the grace period is over.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path
from typing import Any

from granian.constants import HTTPModes, Interfaces, Loops, RuntimeModes, TaskImpl
from granian.http import HTTP1Settings
from granian.server import MPServer

from approute._types import ASGIApp
from approute.asgi import ROOT_ENV
from approute.cli.head_limits import HEAD_TIMEOUT, MAX_HEAD_SIZE
from approute.cli.log_config import LOG_CONFIG
from approute.realtime import GOING_AWAY_SIGNAL, SERVER_ENV

__all__ = ["BACKPRESSURE", "granian_settings", "serve_granian"]

BACKPRESSURE = 8192


def granian_settings(*, head_timeout: float = HEAD_TIMEOUT) -> dict[str, Any]:
    """granian settings every approute server uses, embedded (tests) or not."""
    return {
        "interface": Interfaces.ASGI,
        "http": HTTPModes.http1,
        "task_impl": TaskImpl.asyncio,
        "websockets": True,
        "backpressure": BACKPRESSURE,
        "http1_settings": HTTP1Settings(
            header_read_timeout=max(1, round(head_timeout * 1000)),
            keep_alive=True,
            max_buffer_size=MAX_HEAD_SIZE,
        ),
        "log_access": False,
    }


def serve_granian(
    root: Path,
    app: ASGIApp | None,
    *,
    host: str,
    port: int,
    workers: int = 1,
    shutdown_timeout: float = 10.0,
) -> None:
    """Serve the project at ``root`` with granian's worker processes: ``app``
    itself when given (one worker, forked from this process), else each
    worker builds the app from ``$APPROUTE_ROOT`` (``app_from_env``)."""
    os.environ[ROOT_ENV] = str(root)
    os.environ[SERVER_ENV] = "granian"
    # Workers inherit "ignored" until their app listens: a signal sent while
    # one starts must not kill it.
    signal.signal(GOING_AWAY_SIGNAL, signal.SIG_IGN)
    server = _GoingAwayGranian(
        "approute.asgi:app_from_env",
        address=host,
        port=port,
        workers=workers,
        factory=app is None,
        loop=Loops.auto,
        runtime_mode=RuntimeModes.st,
        # After SIGTERM, a worker still busy this long later is killed.
        workers_kill_timeout=max(1, round(shutdown_timeout)),
        log_dictconfig=LOG_CONFIG,
        **granian_settings(),
    )
    if app is None:
        server.serve()
    else:
        server.serve(target_loader=lambda *_: app, wrap_loader=False)


class _GoingAwayGranian(MPServer):  # the Server of a GIL build: worker processes
    """granian's server, asking its workers to close their WebSockets (1001)
    before it stops them."""

    def _stop_workers(self) -> None:
        for worker in self.wrks:
            worker.interrupt_by_parent = True  # an exit granian expects
            with contextlib.suppress(ProcessLookupError, TypeError):
                os.kill(worker.inner.pid, GOING_AWAY_SIGNAL)
        # Each worker stops itself once its WebSockets are closed; the grace
        # period bounds both steps together.
        grace = self.workers_kill_timeout or 10
        deadline = time.monotonic() + grace
        for worker in self.wrks:
            worker.join(max(0.001, deadline - time.monotonic()))  # type: ignore[no-untyped-call]  # granian is untyped here
        self.workers_kill_timeout = max(1, round(deadline - time.monotonic()))
        super()._stop_workers()  # type: ignore[no-untyped-call]  # granian is untyped here
