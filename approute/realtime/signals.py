"""``approute start`` on granian: WebSockets closed with 1001 before a
worker stops.

granian drops open WebSockets without a close frame when its worker stops,
and gives the app no word before. So ``approute start``'s main process
(``cli/granian_server.py``) first sends each worker ``SIGUSR1``: the worker
closes its WebSockets (``hub.going_away``), waits for them, then sends
itself ``SIGTERM``, granian's own shutdown. The main process bounds the
whole by the shutdown grace period (``--shutdown-timeout``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from typing import Final

from approute.realtime.hub import going_away
from approute.realtime.served_by import on_granian

__all__ = ["GOING_AWAY_SIGNAL", "listen_for_going_away"]

GOING_AWAY_SIGNAL: Final = signal.SIGUSR1


def listen_for_going_away() -> None:
    """In a worker of ``approute start`` on granian (the app's startup):
    on ``GOING_AWAY_SIGNAL``, close the WebSockets, then stop."""
    if not on_granian():
        return
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        task = loop.create_task(_close_then_stop())
        _running.add(task)  # held until done: the loop keeps only weak references
        task.add_done_callback(_running.discard)

    loop.add_signal_handler(GOING_AWAY_SIGNAL, on_signal)


_running: set[asyncio.Task[None]] = set()


async def _close_then_stop() -> None:
    finished = going_away()
    if finished:
        await asyncio.wait(finished)
    os.kill(os.getpid(), signal.SIGTERM)
