"""What else the machine was doing: CPU time used by processes that are not
the benchmark's own (this process, its servers, wrk), read from /proc."""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

__all__ = ["OtherWork"]

_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (ppid, CPU ticks used, command name)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        # fields[1] is ppid; utime and stime are fields 14 and 15 of stat.
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), name)
    return table


class OtherWork:
    """Sample /proc every ``interval`` s while running; ``cpu_seconds`` of
    other processes (ours: this process and its descendants)."""

    def __init__(self, interval: float = 2.0) -> None:
        self.interval = interval
        self.by_name: Counter[str] = Counter()
        self.elapsed = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._last: dict[int, int] = {}

    def _ours(self, table: dict[int, tuple[int, int, str]]) -> set[int]:
        ours = {os.getpid()}
        grew = True
        while grew:
            grew = False
            for pid, (ppid, _, _) in table.items():
                if ppid in ours and pid not in ours:
                    ours.add(pid)
                    grew = True
        return ours

    def _sample(self) -> None:
        table = _processes()
        ours = self._ours(table)
        for pid, (_, ticks, name) in table.items():
            before = self._last.get(pid)
            if before is not None and pid not in ours and ticks > before:
                self.by_name[name] += ticks - before
        self._last = {pid: ticks for pid, (_, ticks, _) in table.items()}

    def _run(self) -> None:
        started = time.monotonic()
        self._sample()
        while not self._stop.wait(self.interval):
            self._sample()
        self._sample()
        self.elapsed = time.monotonic() - started

    def __enter__(self) -> OtherWork:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict[str, object]:
        seconds = sum(self.by_name.values()) / _TICKS
        return {
            "cpu_seconds": round(seconds, 1),
            "share_of_one_core": round(seconds / self.elapsed, 3) if self.elapsed else 0.0,
            "top": {name: round(t / _TICKS, 1) for name, t in self.by_name.most_common(5)},
        }
