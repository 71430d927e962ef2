"""The faults a soak injects, in order, mid-run: Redis stopped then started
again, Redis frozen then thawed, one worker killed with SIGKILL; and the
sampler that follows the server's processes meanwhile.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from soak import processes
from soak.redis_server import RedisServer

__all__ = ["Events", "Schedule", "inject", "sample_processes", "schedule_for"]


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Schedule:
    """Seconds from the start of the load at which each fault begins and ends."""

    redis_stop: float
    redis_start: float
    freeze: float
    thaw: float
    kill: float


@dataclass
class Events:
    """What the fault injection did, and when (seconds from the load's start)."""

    at: dict[str, float] = field(default_factory=dict)
    keys_before_stop: int | None = None
    keys_after_restart: int | None = None
    killed_pid: int | None = None
    workers_before_kill: list[int] = field(default_factory=list)
    replacement_pid: int | None = None


def schedule_for(seconds: float, outage: float | None = None) -> Schedule | None:
    """The faults in the middle of the run, in order, with gaps between
    (10 s gaps from 100 s of load up, shorter before; Redis down and frozen
    for ``outage`` seconds, by default 5, less under 60 s of load), or None
    when the run is too short to see their effect."""
    if seconds < 20:
        return None
    gap = min(10.0, max(2.0, seconds / 10))
    if outage is None:
        outage = min(5.0, max(2.0, seconds / 12))
    block = outage + gap + outage + gap
    stop = max(gap, (seconds - block) / 2)
    return Schedule(
        redis_stop=stop,
        redis_start=stop + outage,
        freeze=stop + outage + gap,
        thaw=stop + outage + gap + outage,
        kill=stop + block,
    )


async def sample_processes(
    parent: int, port: int, t0: float, seconds: float, samples: list[dict[str, Any]]
) -> None:
    """Every 5 s (and 1 s before the load ends): RSS, CPU time and client
    connections of the parent and each worker."""
    times = [t for t in range(5, int(seconds), 5) if t < seconds - 1.5] + [seconds - 1]
    for offset in times:
        await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))
        pids = processes.workers(parent)
        samples.append(
            {
                "t": round(time.monotonic() - t0, 2),
                "parent_rss_mib": processes.rss_mib(parent),
                "workers": {
                    str(pid): {
                        "rss_mib": processes.rss_mib(pid),
                        "cpu_s": processes.cpu_seconds(pid),
                        "clients": processes.client_connections(pid, port),
                    }
                    for pid in pids
                },
            }
        )


async def inject(
    redis: RedisServer, parent: int, t0: float, schedule: Schedule, events: Events
) -> None:
    """Run ``schedule`` (seconds from ``t0``), recording into ``events``."""

    def mark(name: str) -> None:
        events.at[name] = round(time.monotonic() - t0, 3)

    async def until(offset: float) -> None:
        await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))

    await until(schedule.redis_stop)
    events.keys_before_stop = await asyncio.to_thread(redis.dbsize)
    mark("redis_stop")
    _log(f"soak: {events.at['redis_stop']:.1f} s: stopping redis-server")
    await redis.stop_async()
    mark("redis_stopped")
    await until(schedule.redis_start)
    mark("redis_start")
    _log(f"soak: {events.at['redis_start']:.1f} s: starting redis-server again")
    await redis.start_async()
    mark("redis_started")
    events.keys_after_restart = await asyncio.to_thread(redis.dbsize)

    await until(schedule.freeze)
    redis.freeze()
    mark("redis_freeze")
    _log(f"soak: {events.at['redis_freeze']:.1f} s: redis-server frozen (SIGSTOP)")
    await until(schedule.thaw)
    redis.thaw()
    mark("redis_thaw")
    _log(f"soak: {events.at['redis_thaw']:.1f} s: redis-server thawed (SIGCONT)")

    await until(schedule.kill)
    before = processes.workers(parent)
    events.workers_before_kill = before
    if not before:
        _log("soak: no worker to kill")
        return
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    mark("worker_kill")
    events.killed_pid = victim
    _log(f"soak: {events.at['worker_kill']:.1f} s: kill -9 worker {victim}")
    # uvicorn's supervisor checks its workers every 0.5 s; look for a new one.
    for _ in range(300):
        await asyncio.sleep(0.1)
        new = [pid for pid in processes.workers(parent) if pid not in before]
        if new:
            events.replacement_pid = new[0]
            mark("replacement_seen")
            _log(f"soak: {events.at['replacement_seen']:.1f} s: new worker {new[0]}")
            return
