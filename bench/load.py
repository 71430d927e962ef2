"""Start a server on 127.0.0.1 pinned to one core, check it answers right,
load it with wrk pinned to another core, read its RSS, stop it."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ECHO_BODY",
    "ECHO_LUA",
    "Server",
    "WrkResult",
    "free_port",
    "probe",
    "run_wrk",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
ECHO_LUA = BENCH_DIR / "echo.lua"
ECHO_BODY = b'{"name":"approute","n":42,"tags":["a","b"],"nested":{"ok":true}}'
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _request(
    port: int, method: str, path: str, body: bytes | None = None, timeout: float = 2.0
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"content-type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data
    finally:
        conn.close()


def probe(port: int, method: str, path: str, expect: Any, with_mw: bool) -> str | None:
    """None when the endpoint answers 200 with the expected body (and the
    middleware header exactly when ``with_mw``); else what is wrong."""
    body = ECHO_BODY if method == "POST" else None
    status, headers, data = _request(port, method, path, body)
    if status != 200:
        return f"{method} {path}: status {status}: {data[:200]!r}"
    got: Any = data.decode() if isinstance(expect, str) else json.loads(data)
    if got != expect:
        return f"{method} {path}: body {got!r}, expected {expect!r}"
    if (headers.get("x-mw") == "1") != with_mw:
        return f"{method} {path}: x-mw header {headers.get('x-mw')!r} (middleware: {with_mw})"
    return None


@dataclass
class Server:
    """One server process (``taskset -c cpu command``), its own session so it
    and anything it starts can be stopped together."""

    command: list[str]
    port: int
    cpu: str
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0

    def start(self) -> None:
        # Like a default Python (a deployment): write .pyc files, so only the
        # first start after generating an app compiles it. The dev machines
        # export PYTHONDONTWRITEBYTECODE=1.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(self.env)
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(
            ["taskset", "-c", self.cpu, *self.command],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        if out is not subprocess.DEVNULL:
            out.close()

    def wait_ready(self, path: str, timeout: float = 120.0) -> float:
        """Seconds from process start to the first 200 on ``path``."""
        assert self.proc is not None
        deadline = self.started_at + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.command}")
            try:
                status, _, _ = _request(self.port, "GET", path, timeout=5.0)
            except OSError:
                time.sleep(0.002)
                continue
            if status == 200:
                return time.perf_counter() - self.started_at
            time.sleep(0.002)
        raise RuntimeError(f"server not ready after {timeout}s: {self.command}")

    def rss_mib(self) -> dict[str, float]:
        """Resident set size now, and its peak, from /proc (MiB)."""
        assert self.proc is not None
        values: dict[str, float] = {}
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0]) / 1024
        return {"rss_mib": values.get("VmRSS", 0.0), "peak_rss_mib": values.get("VmHWM", 0.0)}

    def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"wrk latency {text!r}")
    return float(match[1]) * _UNITS[match[2]]


def parse_wrk(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p50 and p99 and total):
        raise RuntimeError(f"could not parse wrk output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        rps=float(rps[1]),
        p50_ms=_ms(p50[1]),
        p99_ms=_ms(p99[1]),
        requests=int(total[1]),
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(g) for g in errors.groups()) if errors else 0,
    )


def run_wrk(
    port: int, path: str, method: str, *, seconds: float, connections: int, cpu: str
) -> WrkResult:
    """One wrk run (whole seconds: wrk takes no fractions)."""
    command = [
        "taskset",
        "-c",
        cpu,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--latency",
        "--timeout",
        "5s",
    ]
    if method == "POST":
        command += ["-s", str(ECHO_LUA)]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 30, check=False
    )
    if done.returncode != 0:
        print(done.stdout, done.stderr, file=sys.stderr)
        raise RuntimeError(f"wrk failed ({done.returncode})")
    return parse_wrk(done.stdout)
