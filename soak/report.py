"""Figures of a soak run: totals, errors by kind, the killed worker's
in-flight requests, latency per fault window, memory, the server's log;
as a dict (soak.json) and as the markdown of docs/reliability.md.

Windows (seconds from the start of the load; a request belongs to a window
when it was in flight during any part of it):

- ``redis down``: from the SIGTERM of redis-server until 2 s after it
  answers PING again;
- ``redis frozen``: from SIGSTOP until 2 s after SIGCONT;
- ``worker killed``: the 5 s from the kill -9;
- ``steady``: requests in none of them.

Attribution rule: a failed request is one of the killed worker's in-flight
requests when it failed with a connection error (closed or reset, no
response), was sent no later than 100 ms after the SIGKILL (the kernel
closes a dead process's sockets within a few ms; a request written on that
connection just before the close fails the same way), and failed within
2 s after the kill. Every other error counts against the goal.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from soak.load import ERROR_KINDS, Problem, Sample
from soak.mix import CACHED, MIX

__all__ = ["summarize"]

_CACHED_INDEXES = frozenset(i for i, kind in enumerate(MIX) if kind.name in CACHED)

KILL_SEND_SLACK = 0.1
KILL_FAIL_WITHIN = 2.0
WINDOW_TAIL = 2.0
KILL_WINDOW = 5.0


def _ms(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted seconds, in ms."""
    if not values:
        return None
    index = min(len(values) - 1, max(0, round(q * len(values) + 0.5) - 1))
    return round(values[index] * 1000, 1)


def _latency(samples: Iterable[Sample]) -> dict[str, float | None]:
    values = sorted(s.end - s.start for s in samples)
    return {"p50_ms": _ms(values, 0.50), "p99_ms": _ms(values, 0.99), "max_ms": _ms(values, 1.0)}


def _errors(samples: Iterable[Sample]) -> dict[str, int]:
    counts = Counter(s.error for s in samples if s.error)
    return {kind: counts.get(kind, 0) for kind in ERROR_KINDS}


def _windows(events: dict[str, Any]) -> dict[str, tuple[float, float]]:
    at = events["at"]
    windows = {}
    if "redis_stop" in at and "redis_started" in at:
        windows["redis down"] = (at["redis_stop"], at["redis_started"] + WINDOW_TAIL)
    if "redis_freeze" in at and "redis_thaw" in at:
        windows["redis frozen"] = (at["redis_freeze"], at["redis_thaw"] + WINDOW_TAIL)
    if "worker_kill" in at:
        windows["worker killed"] = (at["worker_kill"], at["worker_kill"] + KILL_WINDOW)
    return windows


def _lowest_rate(samples: Sequence[Sample], start: float, end: float) -> int | None:
    """Fewest requests completed in any whole second inside [start, end)."""
    first, last = math.ceil(start), math.floor(end)
    if last <= first:
        return None
    done = Counter(int(s.end) for s in samples if first <= s.end < last)
    return min(done.get(second, 0) for second in range(first, last))


def _window(samples: Sequence[Sample], start: float, end: float) -> dict[str, Any]:
    inside = [s for s in samples if s.start < end and s.end > start]
    cached = Counter(s.cache for s in inside if s.cache)
    uncached = _latency(s for s in inside if s.kind not in _CACHED_INDEXES)
    return {
        "from_s": round(start, 2),
        "to_s": round(end, 2),
        "requests": len(inside),
        "errors": _errors(inside),
        **_latency(inside),
        "uncached_p99_ms": uncached["p99_ms"],
        "lowest_1s_completed": _lowest_rate(samples, start, end),
        "cache": dict(cached),
    }


def _kill(samples: Sequence[Sample], kill: float | None) -> dict[str, Any]:
    if kill is None:
        return {"attributed": 0, "in_flight_at_kill": 0, "other_errors_near_kill": {}}
    attributed = [
        s
        for s in samples
        if s.error == "connection"
        and s.start <= kill + KILL_SEND_SLACK
        and kill <= s.end <= kill + KILL_FAIL_WITHIN
    ]
    near = [
        s
        for s in samples
        if s.error and kill - 1 <= s.end <= kill + KILL_WINDOW and s not in attributed
    ]
    return {
        "attributed": len(attributed),
        "in_flight_at_kill": sum(1 for s in samples if s.start <= kill < s.end),
        "other_errors_near_kill": dict(Counter(s.error for s in near)),
    }


_NUMBERS = re.compile(r"\d+(\.\d+)?")


def _log_summary(path: Path) -> dict[str, Any]:
    """Counts by level and the most frequent messages (numbers as N)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return {"lines": 0}
    levels: Counter[str] = Counter()
    messages: Counter[str] = Counter()
    for line in lines:
        level = line.split(None, 1)[0] if line.strip() else ""
        if level in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            levels[level] += 1
            messages[_NUMBERS.sub("N", line.strip())[:160]] += 1
    return {
        "lines": len(lines),
        "levels": dict(levels),
        "tracebacks": sum(line.startswith("Traceback") for line in lines),
        "redis_unavailable": sum("cache: Redis unavailable" in line for line in lines),
        "redis_back": sum("cache: Redis reachable again" in line for line in lines),
        "top": messages.most_common(15),
    }


def _redis_log(path: Path) -> dict[str, int]:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return {}
    return {
        "ready": text.count("Ready to accept connections"),
        "saved_on_shutdown": text.count("DB saved on disk"),
        "loaded_from_disk": text.count("DB loaded from disk"),
    }


def _memory(memory: dict[str, Any], events: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per process: RSS at the load's start and end (the replacement:
    from its first sample), with CPU time and client connections last seen."""
    start, end = memory["start"], memory["end"]
    rows = [
        {
            "process": "parent (supervisor)",
            "pid": None,
            "start_mib": start["parent"],
            "end_mib": end["parent"],
        }
    ]
    seen: dict[str, dict[str, Any]] = {}
    first: dict[str, float | None] = {}
    for sample in memory["samples"]:
        for pid, figures in sample["workers"].items():
            seen[pid] = figures
            first.setdefault(pid, figures["rss_mib"])
    pids = list(dict.fromkeys([*start["workers"], *seen, *end["workers"]]))
    for pid in pids:
        if int(pid) == events.get("killed_pid"):
            role = "worker (killed)"
        elif int(pid) == events.get("replacement_pid"):
            role = "worker (replacement)"
        else:
            role = "worker"
        rows.append(
            {
                "process": role,
                "pid": int(pid),
                "start_mib": start["workers"].get(pid, first.get(pid)),
                "end_mib": end["workers"].get(pid),
                "cpu_s": (seen.get(pid) or {}).get("cpu_s"),
                "clients_last_sample": (seen.get(pid) or {}).get("clients"),
            }
        )
    return rows


def _problems(problems: Sequence[Problem], t0: float) -> dict[str, Any]:
    groups = Counter((p.kind, p.error, _NUMBERS.sub("N", p.detail)[:120]) for p in problems)
    return {
        "groups": [[*key, count] for key, count in groups.most_common(20)],
        "first": [
            [round(p.start - t0, 3), round(p.end - t0, 3), p.kind, p.path, p.error, p.detail]
            for p in problems[:50]
        ],
    }


def summarize(
    *,
    samples: Sequence[Sample],
    problems: Sequence[Problem],
    t0: float,
    elapsed: float,
    events: dict[str, Any],
    schedule: dict[str, float] | None,
    memory: dict[str, Any],
    server_log: Path,
    redis_log: Path,
) -> dict[str, Any]:
    """Every figure of the run (times relative to the load's start)."""
    rel = sorted(
        (Sample(s.start - t0, s.end - t0, s.kind, s.status, s.error, s.cache) for s in samples),
        key=lambda s: s.start,
    )
    windows = _windows(events)
    kill = _kill(rel, events["at"].get("worker_kill"))
    errors = _errors(rel)
    beyond = sum(errors.values()) - kill["attributed"]

    def steady(s: Sample) -> bool:
        return not any(s.start < end and s.end > start for start, end in windows.values())

    by_kind = {}
    for index, kind in enumerate(MIX):
        mine = [s for s in rel if s.kind == index]
        by_kind[kind.name] = {
            "requests": len(mine),
            "errors": sum(1 for s in mine if s.error),
            **_latency(mine),
        }
    log = _log_summary(server_log)
    replacement = events.get("replacement_pid")
    log_text = server_log.read_text(errors="replace") if server_log.exists() else ""
    return {
        "requests": len(rel),
        "elapsed_s": round(elapsed, 2),
        "rps": round(len(rel) / elapsed, 1) if elapsed else 0.0,
        "errors": errors,
        "latency": _latency(rel),
        "by_kind": by_kind,
        "schedule": schedule,
        "events": events,
        "windows": {
            "steady": {
                **_window([s for s in rel if steady(s)], 0, elapsed),
                "from_s": None,
                "to_s": None,
                "lowest_1s_completed": None,
            },
            **{
                name: _window(rel, start, min(end, elapsed))
                for name, (start, end) in windows.items()
            },
        },
        "kill": kill,
        "replacement": {
            "pid": replacement,
            "seen_after_s": (
                round(events["at"]["replacement_seen"] - events["at"]["worker_kill"], 2)
                if replacement
                else None
            ),
            "log_child_died": bool(
                events.get("killed_pid")
                and f"Child process [{events['killed_pid']}] died" in log_text
            ),
            "log_started": bool(
                replacement and f"Started server process [{replacement}]" in log_text
            ),
        },
        "memory": _memory(memory, events),
        "memory_samples": memory["samples"],
        "server_log": log,
        "redis_log": _redis_log(redis_log),
        "problems": _problems(problems, t0),
        "verdict": {"errors_beyond_killed_in_flight": beyond, "ok": beyond == 0},
    }
