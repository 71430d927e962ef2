"""One loop timer for many body channels (``http.body``): a timer per
request cost more than the rest of the request's channel.

``DisconnectWatch`` starts the disconnect pump of body-less requests still
running a while in; ``PaceWatch`` makes the first pace check of whole-body
reads. Both fire a fixed delay after a channel was added, so insertion
order is due order and one timer serves them all.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from approute.http.body_limits import BodyPace

if TYPE_CHECKING:
    from approute.http.body import BodyChannel

__all__ = ["WATCH_DELAY", "DisconnectWatch", "PaceWatch"]

# How long a body-less request runs before its disconnect watch starts.
WATCH_DELAY = 0.25


class _SharedTimer:
    """Calls ``_fire`` for each channel ``delay`` seconds after it was added,
    unless discarded first, with one loop timer for all of them: a timer per
    request cost more than the rest of the request's channel."""

    __slots__ = ("_loop", "_pending", "_timer", "delay")

    def __init__(self, delay: float | None) -> None:
        self.delay = delay
        self._loop: asyncio.AbstractEventLoop | None = None
        # Insertion order is due order: one delay for all, a monotonic clock.
        self._pending: dict[BodyChannel, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def add(self, channel: BodyChannel, loop: asyncio.AbstractEventLoop) -> None:
        """Fire for ``channel`` in ``delay`` seconds unless discarded first."""
        delay = self.delay
        if delay is None:  # pragma: no cover - callers check: no rule, no watch
            return
        if loop is not self._loop:  # a new loop (tests): the old one's are gone
            self._loop = loop
            self._pending.clear()
            self._timer = None
        self._pending[channel] = loop.time() + delay
        if self._timer is None:
            self._timer = loop.call_later(delay, self._sweep)

    def discard(self, channel: BodyChannel) -> None:
        """``channel`` is done: never fire for it."""
        self._pending.pop(channel, None)

    def _sweep(self) -> None:
        self._timer = None
        loop = self._loop
        if loop is None:  # pragma: no cover - a timer only runs after add()
            return
        now = loop.time()
        pending = self._pending
        while pending:
            channel, due = next(iter(pending.items()))
            if due > now:
                self._timer = loop.call_at(due, self._sweep)
                return
            del pending[channel]
            self._fire(channel, loop)

    def _fire(self, channel: BodyChannel, loop: asyncio.AbstractEventLoop) -> None:
        raise NotImplementedError


class DisconnectWatch(_SharedTimer):
    """Starts the disconnect pump of body-less requests still running
    ``delay`` seconds in."""

    __slots__ = ()

    def __init__(self, delay: float = WATCH_DELAY) -> None:
        super().__init__(delay)

    def _fire(self, channel: BodyChannel, loop: asyncio.AbstractEventLoop) -> None:
        channel._start()


class PaceWatch(_SharedTimer):
    """The first pace check of whole-body reads: every read is first due at
    the same offset from its start (the shortest of ``pace``'s rules), so
    one timer serves them all; a timer per read cost as much as the rest of
    a small POST."""

    __slots__ = ()

    def __init__(self, pace: BodyPace) -> None:
        super().__init__(pace.due(0.0, 0.0, 0))

    def _fire(self, channel: BodyChannel, loop: asyncio.AbstractEventLoop) -> None:
        channel._pace_checkpoint(loop)
