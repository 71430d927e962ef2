"""The server's process tree and memory, read from /proc (no psutil).

``approute start --workers N`` is uvicorn's supervisor: a parent that spawns
N worker processes (multiprocessing's ``spawn``), plus multiprocessing's
resource tracker, also its child. Workers are told apart by their command
line, which runs ``multiprocessing.spawn.spawn_main``.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["children", "client_connections", "cpu_seconds", "rss_mib", "workers"]

_TICKS = os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (every thread's list), sorted; [] once it is gone."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.update(int(child) for child in task.read_text().split())
        except OSError:
            continue
    return sorted(found)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def workers(parent: int) -> list[int]:
    """uvicorn's worker processes under ``parent`` (not the resource tracker)."""
    return [pid for pid in children(parent) if "spawn_main" in _cmdline(pid)]


def rss_mib(pid: int) -> float | None:
    """Resident set size of ``pid`` in MiB, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time ``pid`` has used, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    # utime and stime are fields 14 and 15 of stat (11 and 12 after the name).
    return (int(fields[11]) + int(fields[12])) / _TICKS


def client_connections(pid: int, port: int) -> int | None:
    """Established TCP connections on local ``port`` that ``pid`` holds: the
    clients a worker is serving (its Redis and supervisor sockets excluded)."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    inodes = set()
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEX_IP:HEX_PORT; state 01 is ESTABLISHED; field 9 the inode.
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                count += fields[9] in inodes
    return count
