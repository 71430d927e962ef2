"""``make bench`` / ``make bench-smoke``: run the benchmark, print the table,
write bench/results/*.json, and (full runs) docs/benchmarks.md + the chart.

Knobs (environment, or the flags of ``python -m bench --help``):

    BENCH_ROUNDS=3        rounds; targets interleaved within each round
    BENCH_DURATION=3      seconds of measured load per sample (whole seconds)
    BENCH_WARMUP=1        seconds of load before each measurement (discarded; 0: none)
    BENCH_CONNECTIONS=64  wrk connections (wrk -t1)
    BENCH_TARGETS=...     comma list (default: every installed target)
    BENCH_ROUTES=10,1000,10000   route counts for the scaling runs
    BENCH_SERVER_CPU=0 BENCH_WRK_CPU=1   taskset cores
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import generate, report
from bench.load import ECHO_BODY, REPO, Server, free_port, probe, run_wrk
from bench.machine import OtherWork

RESULTS = REPO / "bench" / "results"
COMPILED_PYTHON = REPO / ".venv-compiled" / "bin" / "python"

ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "plain": ("GET", "/api/plain", "Hello, world!"),
    "json": ("GET", "/api/json", {"message": "Hello, world!", "ok": True, "n": 42}),
    "users": ("GET", "/api/users/42", {"id": "42", "name": "user 42"}),
    "echo": ("POST", "/api/echo", json.loads(ECHO_BODY)),
}


@dataclass(frozen=True)
class Target:
    name: str
    # "approute" / "approute-uvicorn" / "nextjs" (a project folder),
    # "uvicorn", "guarded" or "granian" (module:attr)
    kind: str
    spec: str
    with_mw: bool
    needs: str = ""  # a module that must be importable
    tool: str = ""  # a program that must be on PATH


TARGETS = [
    Target("raw_asgi", "uvicorn", "bench.targets.raw_asgi:app", False),
    Target("raw_asgi+mw", "uvicorn", "bench.targets.raw_asgi:app_mw", True),
    # Diagnostic: the ceiling under approute's server settings (guarded protocol).
    Target("raw_asgi+guard", "guarded", "bench.targets.raw_asgi:app", False),
    Target("approute", "approute", "approute", False),
    Target("approute+mw", "approute", "approute_mw", True),
    Target("starlette", "uvicorn", "bench.targets.starlette_app:app", False, "starlette"),
    Target("starlette+mw", "uvicorn", "bench.targets.starlette_app:app_mw", True, "starlette"),
    Target(
        "starlette+asgimw", "uvicorn", "bench.targets.starlette_app:app_asgimw", True, "starlette"
    ),
    Target("fastapi", "uvicorn", "bench.targets.fastapi_app:app", False, "fastapi"),
    Target("fastapi+mw", "uvicorn", "bench.targets.fastapi_app:app_mw", True, "fastapi"),
    Target("litestar", "uvicorn", "bench.targets.litestar_app:app", False, "litestar"),
    Target("litestar+mw", "uvicorn", "bench.targets.litestar_app:app_mw", True, "litestar"),
    # The same apps on granian: ASGI interface, one worker, single-threaded
    # runtime, uvloop.
    Target("raw_asgi@granian", "granian", "bench.targets.raw_asgi:app", False, "granian"),
    Target("starlette@granian", "granian", "bench.targets.starlette_app:app", False, "granian"),
    # The same with the compiled build (docs/compiled.md), when `make compiled`
    # has made it: `approute start` run by .venv-compiled's interpreter.
    Target("approute·compiled", "approute-compiled", "approute", False, tool=str(COMPILED_PYTHON)),
    Target(
        "approute+mw·compiled", "approute-compiled", "approute_mw", True, tool=str(COMPILED_PYTHON)
    ),
    # `approute start --server uvicorn` (guarded uvicorn): the other server.
    Target("approute@uvicorn", "approute-uvicorn", "approute", False),
    # `next start` (Node.js, one process), route.js files and a proxy.js.
    Target("nextjs", "nextjs", "nextjs", False, tool="npm"),
    Target("nextjs+mw", "nextjs", "nextjs_mw", True, tool="npm"),
]
SMOKE_TARGETS = "raw_asgi,approute,approute+mw"


def uvicorn_command(app: str) -> list[str]:
    """Every non-approute Python target: uvicorn, 1 worker, uvloop + httptools,
    no access log."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--workers",
        "1",
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
        "--host",
        "127.0.0.1",
    ]


def granian_command(app: str, port: int) -> list[str]:
    """A target on granian: ASGI, 1 worker, single-threaded runtime, uvloop,
    no access log (its fastest settings for one core, measured)."""
    command = [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "asgi",
        "--workers",
        "1",
        "--runtime-mode",
        "st",
        "--loop",
        "uvloop",
        "--no-ws",
        "--no-access-log",
        "--log-level",
        "warning",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    return [*command, app]


def approute_command(
    root: Path, server: str = "granian", python: str = sys.executable
) -> list[str]:
    """approute's production path: ``approute start`` (granian by default;
    ``uvicorn``: guarded httptools protocol, uvloop, access log off)."""
    start = [python, "-m", "approute.cli", "start", str(root), "-H", "127.0.0.1"]
    return [*start, "--server", server]


def server_for(
    kind: str, spec: str, roots: dict[str, Path], log: Path, env: dict[str, str]
) -> Server:
    port = free_port()
    if kind == "approute":
        command = [*approute_command(roots[spec]), "-p", str(port)]
    elif kind == "approute-compiled":
        command = [*approute_command(roots[spec], python=str(COMPILED_PYTHON)), "-p", str(port)]
        env = {**env, "PYTHONSAFEPATH": "1"}  # the installed (compiled) package, not the checkout
    elif kind == "approute-uvicorn":
        command = [*approute_command(roots[spec], "uvicorn"), "-p", str(port)]
    elif kind == "nextjs":
        root = roots[spec]
        next_bin = str(root / "node_modules" / ".bin" / "next")
        command = [next_bin, "start", str(root), "-p", str(port), "-H", "127.0.0.1"]
        env = {**env, "NEXT_TELEMETRY_DISABLED": "1", "NODE_ENV": "production"}
    elif kind == "guarded":
        command = [sys.executable, "-m", "bench.serve", spec, str(port)]
    elif kind == "granian":
        command = granian_command(spec, port)
    else:
        command = [*uvicorn_command(spec), "--port", str(port)]
    return Server(command, port, CONFIG.server_cpu, env=env, log=log)


@dataclass
class Config:
    rounds: int
    duration: int
    warmup: int
    connections: int
    targets: list[str]
    routes: list[int]
    server_cpu: str
    wrk_cpu: str
    smoke: bool


CONFIG: Config  # set by main()


def _env_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _config(argv: list[str] | None) -> Config:
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="1 round, 2 s, approute + raw only")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--duration", type=int)
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "64")))
    parser.add_argument("--targets", help="comma list of target names")
    parser.add_argument("--routes", help="comma list of route counts")
    args = parser.parse_args(argv)
    smoke = args.smoke
    available = [
        t.name
        for t in TARGETS
        if (not t.needs or importlib.util.find_spec(t.needs))
        and (not t.tool or shutil.which(t.tool))
    ]
    wanted = _env_list(args.targets or env("BENCH_TARGETS", SMOKE_TARGETS if smoke else ""))
    targets = [name for name in available if not wanted or name in wanted]
    unknown = set(wanted) - {t.name for t in TARGETS}
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    routes = args.routes or env("BENCH_ROUTES", "10,100" if smoke else "10,1000,10000")
    return Config(
        rounds=args.rounds or int(env("BENCH_ROUNDS", "1" if smoke else "3")),
        duration=args.duration or int(env("BENCH_DURATION", "2" if smoke else "3")),
        warmup=args.warmup if args.warmup is not None else int(env("BENCH_WARMUP", "1")),
        connections=args.connections,
        targets=targets,
        routes=[int(n) for n in _env_list(routes)],
        server_cpu=env("BENCH_SERVER_CPU", "0"),
        wrk_cpu=env("BENCH_WRK_CPU", "1"),
        smoke=smoke,
    )


def _version(module: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(module)
    except Exception:
        return None


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _busy_processes() -> list[str]:
    """Other processes using CPU right now (other work on the machine)."""
    done = subprocess.run(
        ["ps", "-eo", "pid,pcpu,etimes,comm", "--sort=-pcpu", "--no-headers"],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = []
    for line in done.stdout.splitlines()[:10]:
        pid, cpu, elapsed, comm = line.split(None, 3)
        # ps's %CPU is a lifetime average: skip ourselves and processes younger than 10 s.
        if int(pid) != os.getpid() and int(elapsed) >= 10 and float(cpu) >= 5.0:
            lines.append(f"{comm.strip()} {cpu}%")
    return lines


def machine_facts() -> dict[str, Any]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "approute"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "wrk": (wrk.stdout or wrk.stderr).split("[")[0].strip(),
        "approute_commit": commit + ("+uncommitted" if dirty else ""),
        "approute_server": "granian",
        "approute_build": approute_build(),
        "versions": {
            name: _version(name)
            for name in (
                "uvicorn",
                "uvloop",
                "httptools",
                "orjson",
                "starlette",
                "fastapi",
                "litestar",
                "granian",
            )
        }
        | _node_versions(),
        "memory_mib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20,
    }


def approute_build() -> str:
    """Whether the installed approute runs compiled (mypyc) modules."""
    spec = importlib.util.find_spec("approute")
    package = Path(spec.origin if spec and spec.origin else "").parent
    compiled = any(package.rglob("*.so"))
    return "compiled (mypyc)" if compiled else "pure Python"


def _node_versions() -> dict[str, Any]:
    """Node.js and Next.js versions, when a Next.js target runs."""
    if not any(name.startswith("nextjs") for name in CONFIG.targets):
        return {}
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return {"node": node.stdout.strip(), "next": generate.NEXT_VERSION}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def measure(server: Server, method: str, path: str) -> dict[str, Any]:
    """Warm up, then one measured wrk run; RSS read right after the load."""
    cfg = CONFIG
    if cfg.warmup >= 1:
        run_wrk(
            server.port,
            path,
            method,
            seconds=cfg.warmup,
            connections=cfg.connections,
            cpu=cfg.wrk_cpu,
        )
    result = run_wrk(
        server.port,
        path,
        method,
        seconds=cfg.duration,
        connections=cfg.connections,
        cpu=cfg.wrk_cpu,
    )
    return {**asdict(result), **server.rss_mib()}


class NotReady(RuntimeError):
    """A server that did not come up (a port taken meanwhile, a stall)."""


def _one_sample(
    target: Target, roots: dict[str, Path], log: Path, method: str, path: str, expect: Any
) -> tuple[dict[str, Any], float]:
    """Fresh server, correctness probe, load; one retry on a new port when the
    server does not come up (other work on the machine may take its port)."""
    for attempt in (1, 2):
        server = server_for(target.kind, target.spec, roots, log, {})
        try:
            server.start()
            try:
                startup = server.wait_ready(ENDPOINTS["plain"][1], timeout=30)
            except RuntimeError as error:
                if attempt == 2:
                    raise NotReady(f"{target.name}: {error}") from error
                _log(f"   !! {target.name} did not start ({error}); retrying once")
                continue
            problem = probe(server.port, method, path, expect, target.with_mw)
            if problem:
                raise RuntimeError(f"{target.name}: {problem}")
            return measure(server, method, path), startup
        finally:
            server.stop()
    raise AssertionError("unreachable")


def run_matrix(roots: dict[str, Path], log: Path) -> list[dict[str, Any]]:
    targets = [t for t in TARGETS if t.name in CONFIG.targets]
    samples = []
    total = CONFIG.rounds * len(ENDPOINTS) * len(targets)
    count = 0
    for round_ in range(CONFIG.rounds):
        shift = round_ % len(targets)
        order = targets[shift:] + targets[:shift]  # interleaved, rotated per round
        for endpoint, (method, path, expect) in ENDPOINTS.items():
            for target in order:
                count += 1
                sample, startup = _one_sample(target, roots, log, method, path, expect)
                sample.update(
                    target=target.name, endpoint=endpoint, round=round_, startup_s=startup
                )
                samples.append(sample)
                _log(
                    f"[{count}/{total}] r{round_} {endpoint:5} {target.name:17} "
                    f"{sample['rps']:>9,.0f} rps  p99 {sample['p99_ms']:.2f} ms  "
                    f"rss {sample['rss_mib']:.0f} MiB"
                )
                if sample["non_2xx"] or sample["socket_errors"]:
                    _log(f"   !! {sample['non_2xx']} non-2xx, {sample['socket_errors']} socket err")
    return samples


def _create_app_seconds(root: Path) -> float:
    """Import approute + ``create_app(root)`` in a fresh interpreter (the
    build alone, without uvicorn)."""
    code = (
        "import time; t = time.perf_counter(); from approute import create_app; "
        f"create_app({str(root)!r}); print(time.perf_counter() - t)"
    )
    done = subprocess.run(
        ["taskset", "-c", CONFIG.server_cpu, sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return float(done.stdout.strip())


def run_scaling(log: Path) -> dict[str, Any]:
    """approute apps of each route count (and Starlette with 1,000 routes):
    ``approute build`` time, first start, then per round: cold start, load on
    the last dynamic route, RSS."""
    apps_dir = RESULTS / "apps"
    sizes = CONFIG.routes
    roots = {f"routes-{n}": generate.routes_app(n, apps_dir) for n in sizes}
    built: dict[str, float] = {}
    for n in sizes:
        started = time.perf_counter()
        generate.build(roots[f"routes-{n}"])
        built[f"approute/{n}"] = time.perf_counter() - started
    memory_n = 1000 if 1000 in sizes and "starlette" in CONFIG.targets else None
    runs: list[tuple[str, str, str, int]] = [
        (f"approute/{n}", "approute", f"routes-{n}", n) for n in sizes
    ]
    if memory_n:
        runs.append(
            (f"starlette/{memory_n}", "uvicorn", "bench.targets.starlette_routes:app", memory_n)
        )
    first: dict[str, float] = {}
    build: dict[str, float] = {}
    for name, kind, spec, n in runs:
        path = generate.dynamic_path(n)
        server = server_for(kind, spec, roots, log, {"BENCH_ROUTE_COUNT": str(n)})
        try:
            server.start()
            first[name] = server.wait_ready(path, timeout=600)
        finally:
            server.stop()
        if kind == "approute":
            build[name] = _create_app_seconds(roots[spec])
        _log(
            f"first start {name}: {first[name]:.2f} s (approute build {built.get(name, 0):.2f} s, "
            f"create_app {build.get(name, 0):.2f} s)"
        )
    samples = []
    for round_ in range(CONFIG.rounds):
        for name, kind, spec, n in runs:
            path = generate.dynamic_path(n)
            server = server_for(kind, spec, roots, log, {"BENCH_ROUTE_COUNT": str(n)})
            try:
                server.start()
                cold = server.wait_ready(path, timeout=600)
                group = int(path.split("/")[2][1:])
                problem = probe(server.port, "GET", path, {"group": group, "id": "42"}, False)
                if problem:
                    raise RuntimeError(f"{name}: {problem}")
                sample = measure(server, "GET", path)
            finally:
                server.stop()
            sample.update(target=name, routes=n, round=round_, cold_start_s=cold, path=path)
            samples.append(sample)
            _log(
                f"r{round_} {name:16} {path:26} {sample['rps']:>9,.0f} rps  "
                f"cold start {cold:.2f} s  rss {sample['rss_mib']:.0f} MiB"
            )
    return {"first_start_s": first, "create_app_s": build, "build_s": built, "samples": samples}


def main(argv: list[str] | None = None) -> int:
    global CONFIG
    CONFIG = _config(argv)
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            print(f"bench: `{tool}` is missing (apt-get install wrk util-linux)", file=sys.stderr)
            return 2
    if (os.cpu_count() or 1) < 2:
        print("bench: needs 2 cores (server and wrk pinned apart)", file=sys.stderr)
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC)
    log = RESULTS / ("smoke-servers.log" if CONFIG.smoke else "servers.log")
    log.write_bytes(b"")
    roots = generate.four_endpoint_apps()
    if any(name.startswith("nextjs") for name in CONFIG.targets):
        try:
            roots.update(generate.nextjs_apps())
        except (generate.NextjsUnavailable, OSError, subprocess.TimeoutExpired) as error:
            _log(f"bench: Next.js skipped: {error}")
            CONFIG.targets = [name for name in CONFIG.targets if not name.startswith("nextjs")]
    facts = machine_facts()
    facts["loadavg_before"] = _loadavg()
    facts["busy_before"] = _busy_processes()
    _log(
        f"bench: targets {', '.join(CONFIG.targets)}; {CONFIG.rounds} round(s) × "
        f"{CONFIG.duration:g} s (+{CONFIG.warmup:g} s warm-up), wrk -t1 -c{CONFIG.connections}"
    )
    started = time.perf_counter()
    # Processes started before the monitor's first sample (our servers are
    # children, so they never count; a process that starts and ends between
    # two samples is missed).
    with OtherWork() as other:
        matrix = run_matrix(roots, log)
        scaling = run_scaling(log)
    facts["other_work"] = other.summary()
    facts["loadavg_after"] = _loadavg()
    facts["busy_after"] = _busy_processes()
    data = {
        "date": stamp.isoformat(timespec="seconds"),
        "command": "make bench-smoke" if CONFIG.smoke else "make bench",
        "config": asdict(CONFIG),
        "machine": facts,
        "elapsed_s": round(time.perf_counter() - started, 1),
        "endpoints": {name: [m, p] for name, (m, p, _) in ENDPOINTS.items()},
        "samples": matrix,
        "scaling": scaling,
    }
    summary = report.summarize(data)
    data["summary"] = summary
    name = "smoke.json" if CONFIG.smoke else f"bench-{stamp:%Y%m%d-%H%M%S}.json"
    (RESULTS / name).write_text(json.dumps(data, indent=2))
    if not CONFIG.smoke:
        (RESULTS / "latest.json").write_text(json.dumps(data, indent=2))
    markdown = report.markdown(data, summary)
    print(markdown)
    if not CONFIG.smoke:
        report.write_docs(markdown)
        report.chart(data, summary)
    _log(f"bench: done in {data['elapsed_s']:.0f} s; raw results in {RESULTS / name}")
    return 0
