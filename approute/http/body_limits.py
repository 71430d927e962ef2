"""The limits on a request body: how fast it must arrive and how big it may be.

:class:`BodyPace` is the 408 rule a :class:`~approute.http.body.BodyChannel`
applies while it reads (an ``idle`` pause, a ``deadline`` for the whole body,
a ``min_rate`` once ``grace`` has passed); :func:`parse_size` reads the
``body_size_limit`` setting (``"4mb"``). Both are settings read once at
startup, kept apart from the channel that reads ``receive``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BodyPace", "parse_size"]

_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_SIZE = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>b|kb|mb|gb)?")


@dataclass(frozen=True, slots=True)
class BodyPace:
    """How fast a request body must arrive; None switches a rule off.

    ``idle``: most seconds without a byte; ``deadline``: most seconds for
    the whole body; ``min_rate``: fewest bytes a second, on average since
    the first read, enforced once ``grace`` seconds have passed (a client
    may start slowly).
    """

    idle: float | None = 30.0
    deadline: float | None = 300.0
    min_rate: float | None = 240.0
    grace: float = 5.0

    def due(self, started: float, progress: float, received: int) -> float | None:
        """When (loop time) a body read since ``started``, last seen at
        ``progress`` with ``received`` bytes so far, is late; None: never."""
        due: float | None = None
        if self.idle is not None:
            due = progress + self.idle
        if self.deadline is not None:
            end = started + self.deadline
            due = end if due is None else min(due, end)
        if self.min_rate is not None:
            # The average stays >= min_rate until received / min_rate seconds.
            end = started + max(self.grace, received / self.min_rate)
            due = end if due is None else min(due, end)
        return due


def parse_size(value: int | str, *, where: str = "body_size_limit") -> int:
    """Bytes from an int or a string like ``"512kb"``, ``"4mb"``, ``"1gb"``."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"{where} must be bytes (int) or a size like '4mb'")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"{where} must not be negative; got {value}")
        return value
    match = _SIZE.fullmatch(value.strip().lower())
    if match is None:
        raise ValueError(f"{where}: cannot read {value!r}; write e.g. '512kb' or '4mb'")
    return int(float(match["number"]) * _UNITS[match["unit"] or "b"])
