"""The "Latest run" section of docs/reliability.md, from the figures of
soak/report.py, and writing it between the page's markers."""

from __future__ import annotations

import re
from typing import Any

from bench.load import REPO

__all__ = ["DOCS", "END", "START", "markdown", "write_docs"]

DOCS = REPO / "docs" / "reliability.md"
START = "<!-- soak:start -->"
END = "<!-- soak:end -->"


def _fmt(value: float | None, unit: str = "") -> str:
    return "–" if value is None else f"{value:,.1f}{unit}"


def _error_text(errors: dict[str, int]) -> str:
    found = [f"{kind} {count}" for kind, count in errors.items() if count]
    return ", ".join(found) if found else "0"


def markdown(data: dict[str, Any]) -> str:
    """The "Latest run" section of docs/reliability.md."""
    m, c, lat = data["machine"], data["config"], data["latency"]
    kill, verdict = data["kill"], data["verdict"]
    lines = [
        "## Latest run",
        "",
        f"{data['date']}, commit `{data['commit']}`, `{data['command']}`: "
        f"{c['clients']} clients for {data['elapsed_s']:g} s against "
        f"`approute start --workers {c['workers']}`.",
        f"Machine: {m['nproc']} cores ({m['cpu']}), {m['memory_mib'] / 1024:.1f} GiB; "
        f"Python {m['python']}, uvicorn {m['versions']['uvicorn']}, "
        f"redis-server {m['redis_server']}, redis-py {m['versions']['redis']}; "
        f"load average before the run {m['loadavg_before']} (a shared machine).",
        "",
        f"**Errors beyond the killed worker's in-flight requests: "
        f"{verdict['errors_beyond_killed_in_flight']}** (goal: 0; "
        f"{'met' if verdict['ok'] else 'NOT met'}).",
        "",
        "| | |",
        "|---|---|",
        f"| requests | {data['requests']:,} in {data['elapsed_s']:g} s: {data['rps']:,.0f} req/s |",
        f"| latency | p50 {_fmt(lat['p50_ms'], ' ms')}, p99 {_fmt(lat['p99_ms'], ' ms')}, "
        f"max {_fmt(lat['max_ms'], ' ms')} |",
        f"| errors by kind | {_error_text(data['errors'])} |",
    ]
    if "worker_kill" in data["events"]["at"]:
        lines += [
            f"| the killed worker's in-flight requests | {kill['attributed']} failed "
            f"(of {kill['in_flight_at_kill']} in flight on both workers at the kill) |",
            f"| other errors within 5 s of the kill | "
            f"{_error_text(kill['other_errors_near_kill'])} |",
        ]
    lines += [
        "",
        "| window | from–to (s) | requests | errors | p50 | p99 | p99 uncached routes "
        "| slowest second | cached routes |",
        "|---|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for name, w in data["windows"].items():
        span = "whole run" if w["from_s"] is None else f"{w['from_s']:.1f}–{w['to_s']:.1f}"
        slowest = w["lowest_1s_completed"]
        cache = ", ".join(f"{k} {v}" for k, v in sorted(w["cache"].items())) or "–"
        lines.append(
            f"| {name} | {span} | {w['requests']:,} | {_error_text(w['errors'])} | "
            f"{_fmt(w['p50_ms'], ' ms')} | {_fmt(w['p99_ms'], ' ms')} | "
            f"{_fmt(w['uncached_p99_ms'], ' ms')} | "
            f"{'–' if slowest is None else f'{slowest:,} req'} | {cache} |"
        )
    lines += [
        "",
        "A request is in a window when it was in flight during any part of it. "
        "Uncached routes: every kind but `isr` and `static-params`. Slowest second: "
        "the fewest requests completed in one whole second of the window. Cached "
        "routes: their `x-approute-cache` answers.",
    ]
    lines += _events_markdown(data)
    lines += _memory_markdown(data)
    lines += _log_markdown(data)
    return "\n".join(lines)


def _events_markdown(data: dict[str, Any]) -> list[str]:
    events, rep = data["events"], data["replacement"]
    at = events["at"]
    if not at:
        return ["", "No fault injection in this run."]
    names = {
        "redis_stop": "redis-server stopped (SIGTERM)",
        "redis_stopped": "… exited",
        "redis_start": "redis-server started again (same port and dir)",
        "redis_started": "… answering PING",
        "redis_freeze": "redis-server frozen (SIGSTOP)",
        "redis_thaw": "… thawed (SIGCONT)",
        "worker_kill": f"kill -9 of worker {events['killed_pid']}",
        "replacement_seen": f"new worker {rep['pid']} under the supervisor",
    }
    lines = ["", "| t (s) | event |", "|---:|---|"]
    lines += [f"| {t:.1f} | {names.get(name, name)} |" for name, t in at.items()]
    log, redis = data["server_log"], data["redis_log"]
    lines += [
        "",
        f"- Redis keys: {events['keys_before_stop']} before the stop, "
        f"{events['keys_after_restart']} after the restart (saved on shutdown "
        f"{redis.get('saved_on_shutdown', 0)}×, loaded {redis.get('loaded_from_disk', 0)}×), "
        f"{data['redis_keys_end']} at the end.",
        f"- Server log: {log.get('redis_unavailable', 0)} × `cache: Redis unavailable …`, "
        f"{log.get('redis_back', 0)} × `cache: Redis reachable again`.",
    ]
    if rep["pid"]:
        lines.append(
            f"- uvicorn replaced the killed worker: new worker {rep['pid']} seen "
            f"{rep['seen_after_s']} s after the kill (log: `Child process […] died` "
            f"{'yes' if rep['log_child_died'] else 'no'}, `Started server process "
            f"[{rep['pid']}]` {'yes' if rep['log_started'] else 'no'})."
        )
    elif "worker_kill" in at:
        lines.append("- uvicorn did **not** replace the killed worker within 30 s.")
    return lines


def _memory_markdown(data: dict[str, Any]) -> list[str]:
    # Each process's RSS at the first 5-s sample it appears in: past the
    # warm-up, so that growth after it is what a leak would show.
    warm: dict[int, float | None] = {}
    parent_warm = None
    for sample in data["memory_samples"]:
        if parent_warm is None:
            parent_warm = sample["parent_rss_mib"]
        for pid, figures in sample["workers"].items():
            warm.setdefault(int(pid), figures["rss_mib"])
    lines = [
        "",
        "| process | pid | RSS at start | after 5 s | at end | growth | since 5 s "
        "| CPU s | clients held |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in data["memory"]:
        start, end = row["start_mib"], row["end_mib"]
        after = parent_warm if row["pid"] is None else warm.get(row["pid"])
        growth = None if start is None or end is None else end - start
        since = None if after is None or end is None else end - after
        lines.append(
            f"| {row['process']} | {row['pid'] or '–'} | {_fmt(start, ' MiB')} | "
            f"{_fmt(after, ' MiB')} | {_fmt(end, ' MiB')} | {_fmt(growth, ' MiB')} | "
            f"{_fmt(since, ' MiB')} | {_fmt(row.get('cpu_s'))} | "
            f"{row.get('clients_last_sample', '–')} |"
        )
    lines += [
        "",
        "RSS at start: right before the load (the replacement: its first sample); "
        "after 5 s: the first sample with the process (past the warm-up); CPU s and "
        "clients held: its last sample (1 s before the load ended; the killed worker: "
        "its last sample before the kill).",
    ]
    return lines


def _log_markdown(data: dict[str, Any]) -> list[str]:
    log, problems = data["server_log"], data["problems"]
    levels = ", ".join(f"{k} {v}" for k, v in sorted(log.get("levels", {}).items()))
    lines = [
        "",
        f"Server log (`server.log` in the run directory): {log.get('lines', 0)} lines "
        f"({levels or 'none'}), {log.get('tracebacks', 0)} tracebacks. "
        "Messages other than uvicorn's start and stop lines:",
        "",
    ]
    routine = (
        "Started server process",
        "Waiting for application",
        "Application startup",
        "Application shutdown",
        "Shutting down",
        "Finished server process",
        "Started parent process",
        "Uvicorn running",
        "Stopping parent process",
        "Received SIGINT",
        "Waiting for child process",
        "Terminated child process",
    )
    other = [(msg, n) for msg, n in log.get("top", []) if not any(r in msg for r in routine)]
    lines += [f"    {n:>5} × {msg}" for msg, n in other] or ["    (none)"]
    if problems["groups"]:
        lines += ["", "Failed requests, grouped (mix kind, error, detail with numbers as N):", ""]
        lines += [
            f"    {n:>5} × {kind} {error}: {detail}"
            for kind, error, detail, n in problems["groups"]
        ]
    return lines


def write_docs(text: str) -> None:
    """Put ``text`` between the markers of docs/reliability.md."""
    page = DOCS.read_text()
    if START not in page or END not in page:
        raise RuntimeError(f"{DOCS} lacks the {START} / {END} markers")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    DOCS.write_text(pattern.sub(lambda _: f"{START}\n{text}\n{END}", page))
