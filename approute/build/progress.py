"""The prerendering progress bar: redrawn in place on a terminal, a plain
line at the start and at the end otherwise (CI logs stay readable)."""

from __future__ import annotations

import shutil
import time
from typing import Final, TextIO

__all__ = ["ProgressBar"]

_WIDTH: Final = 24


class ProgressBar:
    """``progress(done, total, path)`` for :func:`approute.build.prerender.prerender`."""

    __slots__ = ("_out", "_started", "_tty")

    def __init__(self, out: TextIO, *, tty: bool) -> None:
        self._out = out
        self._tty = tty
        self._started = time.monotonic()

    def __call__(self, done: int, total: int, path: str) -> None:
        out = self._out
        finished = done == total and not path
        if not self._tty:
            if done == 0 and not finished:
                out.write(f"  Prerendering {total} path{'s' if total != 1 else ''}\n")
            elif finished:
                out.write(self._summary(total) + "\n")
            out.flush()
            return
        if finished:
            out.write("\r\x1b[2K" + self._summary(total) + "\n")
        else:
            filled = _WIDTH * done // total if total else _WIDTH
            bar = "█" * filled + "░" * (_WIDTH - filled)
            line = f"  Prerendering [{bar}] {done}/{total} {path}"
            # One terminal line, or "\r" would not redraw it in place.
            columns = shutil.get_terminal_size().columns - 1
            if len(line) > columns:
                line = line[: max(columns - 1, 0)] + "…"
            out.write(f"\r\x1b[2K{line}")
        out.flush()

    def _summary(self, total: int) -> str:
        seconds = time.monotonic() - self._started
        return f"✓ Prerendered {total} path{'s' if total != 1 else ''} in {seconds:.1f}s"
