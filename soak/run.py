"""``make soak``: concurrent clients against the example app under ``approute
start``, with Redis restarted, Redis frozen and a worker killed mid-run; the
report goes to stdout and (runs of a minute or more) docs/reliability.md.

Knobs (environment):

    SOAK_CLIENTS=32          concurrent clients (one keep-alive connection each)
    SOAK_MINUTES=3           minutes of load; fractions work (0.5 is a smoke run)
    SOAK_WORKERS=2           approute start --workers
    SOAK_TIMEOUT=10          seconds a client waits for one response
    SOAK_PER_CONNECTION=100  requests per connection, about (0: keep-alive for good)
    SOAK_SEED=1              seed of the request mix
    SOAK_FAULTS=1            0: no fault injection (a baseline to compare with)
    SOAK_OUTAGE=             seconds Redis stays down, then frozen (default 5; less
                             under a minute of load)
    SOAK_DOCS=auto           write docs/reliability.md: 1, 0, auto (runs >= 1 minute)
    SOAK_OUT=                directory for the run (default: a new temp dir, kept)

The run directory keeps the project copy, ``build.log``, ``server.log``
(the server's stdout and stderr), ``redis/`` (its data and log),
``soak.json`` (every figure of the report) and ``samples.csv`` (every
request: start and end in seconds from the load's start, kind, status,
error, x-approute-cache).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.load import REPO, Server, free_port
from soak import page, processes, report
from soak.faults import Events, Schedule, inject, sample_processes, schedule_for
from soak.load import Sample, run_clients
from soak.mix import MIX
from soak.redis_server import RedisServer, loopback_port

EXAMPLES = REPO / "examples"
READY_PATH = "/api/hello"


@dataclass(frozen=True)
class Config:
    clients: int
    minutes: float
    workers: int
    timeout: float
    per_connection: int
    seed: int
    faults: bool
    outage: float | None
    docs: bool

    @property
    def seconds(self) -> float:
        return self.minutes * 60


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _config() -> Config:
    minutes = float(_env("SOAK_MINUTES", "3"))
    docs = _env("SOAK_DOCS", "auto")
    return Config(
        clients=int(_env("SOAK_CLIENTS", "32")),
        minutes=minutes,
        workers=int(_env("SOAK_WORKERS", "2")),
        timeout=float(_env("SOAK_TIMEOUT", "10")),
        per_connection=int(_env("SOAK_PER_CONNECTION", "100")),
        seed=int(_env("SOAK_SEED", "1")),
        faults=_env("SOAK_FAULTS", "1") != "0",
        outage=float(os.environ["SOAK_OUTAGE"]) if _env("SOAK_OUTAGE", "") else None,
        docs=minutes >= 1 if docs == "auto" else docs == "1",
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _copy_project(run: Path, redis_url: str) -> Path:
    """examples/ copied into the run directory, its cache in our Redis."""
    project = run / "project"
    shutil.copytree(EXAMPLES, project, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    config = project / "approute.config.py"
    config.write_text(
        config.read_text() + f"\n# Added by the soak test (soak/run.py): its own redis-server.\n"
        f"cache_handler = {redis_url!r}\n"
    )
    return project


def _build(project: Path, log: Path) -> None:
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "approute.cli", "build", str(project)],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"approute build failed ({done.returncode}): see {log}")


def _wait_workers(server: Server, log: Path, count: int, timeout: float = 60.0) -> list[int]:
    """The workers' PIDs once ``count`` of them have finished their startup."""
    assert server.proc is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = processes.workers(server.proc.pid)
        started = log.read_text(errors="replace").count("Application startup complete")
        if len(pids) == count and started >= count:
            return pids
        time.sleep(0.1)
    raise RuntimeError(f"{count} workers not up after {timeout}s: see {log}")


def _memory(parent: int) -> dict[str, Any]:
    pids = processes.workers(parent)
    return {
        "parent": processes.rss_mib(parent),
        "workers": {str(pid): processes.rss_mib(pid) for pid in pids},
    }


async def _soak(
    config: Config, server: Server, redis: RedisServer, schedule: Schedule | None
) -> tuple[Any, Events, list[dict[str, Any]], float]:
    assert server.proc is not None
    parent = server.proc.pid
    events = Events()
    memory: list[dict[str, Any]] = []
    t0 = time.monotonic()
    load = asyncio.create_task(
        run_clients(
            f"http://127.0.0.1:{server.port}",
            clients=config.clients,
            seconds=config.seconds,
            request_timeout=config.timeout,
            per_connection=config.per_connection,
            seed=config.seed,
        )
    )
    side = [asyncio.create_task(sample_processes(parent, server.port, t0, config.seconds, memory))]
    if schedule is not None:
        side.append(asyncio.create_task(inject(redis, parent, t0, schedule, events)))
    samples, problems = await load
    elapsed = time.monotonic() - t0
    for task in side:
        if not task.done():
            task.cancel()
    for result in await asyncio.gather(*side, return_exceptions=True):
        if isinstance(result, Exception):
            raise result
    return (samples, problems, t0), events, memory, elapsed


def _commit() -> str:
    """HEAD, and the files under approute/, examples/ and soak/ that differ
    from it (other work in the same tree runs too)."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()

    dirty = [
        line.split(maxsplit=1)[1]
        for line in git("status", "--porcelain", "approute", "examples", "soak").splitlines()
    ]
    head = git("rev-parse", "--short", "HEAD")
    return f"{head} + uncommitted {', '.join(dirty)}" if dirty else head


def _command(config: Config) -> str:
    knobs = " ".join(
        f"{name}={os.environ[name]}"
        for name in sorted(os.environ)
        if name.startswith("SOAK_") and os.environ[name].strip()
    )
    runner = "make soak" if "MAKELEVEL" in os.environ else ".venv/bin/python -m soak"
    return f"{knobs} {runner}".strip()


def _machine() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    versions: dict[str, str | None] = {}
    for name in ("uvicorn", "uvloop", "httptools", "httpx", "redis"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "memory_mib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20,
        "python": sys.version.split()[0],
        "redis_server": next((w[2:] for w in redis_version if w.startswith("v=")), "?"),
        "versions": versions,
        "loadavg_before": [round(x, 2) for x in os.getloadavg()],
    }


def _write_samples(path: Path, samples: list[Sample], t0: float) -> None:
    """Every request, for analyses the report does not make."""
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["start_s", "end_s", "kind", "status", "error", "cache"])
        for s in sorted(samples):
            writer.writerow(
                [
                    f"{s.start - t0:.4f}",
                    f"{s.end - t0:.4f}",
                    MIX[s.kind].name,
                    s.status,
                    s.error,
                    s.cache,
                ]
            )


def main() -> int:
    config = _config()
    if shutil.which("redis-server") is None:
        _log("soak: redis-server is missing (make redis, or apt-get install redis-server)")
        return 2
    if importlib.util.find_spec("redis") is None:
        _log("soak: the redis package is missing (pip install -e '.[dev]', or make dev)")
        return 2
    schedule = schedule_for(config.seconds, config.outage) if config.faults else None
    if config.faults and schedule is None:
        _log("soak: under 20 s of load: no fault injection")
    out = os.environ.get("SOAK_OUT", "").strip()
    run = Path(out) if out else Path(tempfile.mkdtemp(prefix="approute-soak-"))
    run.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC)
    machine = _machine()
    commit = _commit()  # now: other work may change the tree during the run
    _log(f"soak: run directory {run}")
    redis = RedisServer(loopback_port(), run / "redis")
    server: Server | None = None
    try:
        redis.start()
        project = _copy_project(run, redis.url)
        _log(f"soak: redis-server on {redis.url}; approute build {project}")
        _build(project, run / "build.log")
        cpus = f"0-{(os.cpu_count() or 1) - 1}"
        port = free_port()
        command = [sys.executable, "-m", "approute.cli", "start", str(project)]
        command += ["--workers", str(config.workers), "-H", "127.0.0.1", "-p", str(port)]
        server_log = run / "server.log"
        server = Server(command, port, cpus, log=server_log)
        server.start()
        server.wait_ready(READY_PATH, timeout=60)
        _wait_workers(server, server_log, config.workers)
        assert server.proc is not None
        parent = server.proc.pid
        memory_start = _memory(parent)
        _log(
            f"soak: approute start --workers {config.workers} on :{port} (parent {parent}, "
            f"workers {', '.join(memory_start['workers'])}); {config.clients} clients for "
            f"{config.seconds:g} s"
        )
        (samples, problems, t0), events, memory, elapsed = asyncio.run(
            _soak(config, server, redis, schedule)
        )
        memory_end = _memory(parent)
        keys_end = redis.dbsize()
    finally:
        exit_code = None
        if server is not None and server.proc is not None:
            server.stop()
            exit_code = server.proc.returncode
        redis.close()
    data = report.summarize(
        samples=samples,
        problems=problems,
        t0=t0,
        elapsed=elapsed,
        events=asdict(events),
        schedule=asdict(schedule) if schedule else None,
        memory={"start": memory_start, "end": memory_end, "samples": memory},
        server_log=server_log,
        redis_log=redis.directory / "redis.log",
    )
    data.update(
        date=stamp.isoformat(timespec="seconds"),
        commit=commit,
        command=_command(config),
        config=asdict(config),
        machine=machine,
        run_dir=str(run),
        redis_keys_end=keys_end,
        server_exit_code=exit_code,
    )
    (run / "soak.json").write_text(json.dumps(data, indent=2))
    _write_samples(run / "samples.csv", samples, t0)
    markdown = page.markdown(data)
    print(markdown)
    if config.docs:
        page.write_docs(markdown)
        _log("soak: figures written to docs/reliability.md")
    _log(f"soak: done; server log, redis log and soak.json in {run}")
    return 0 if data["verdict"]["ok"] else 1
