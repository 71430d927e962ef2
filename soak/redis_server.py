"""A redis-server of the soak's own: a loopback port, its own directory, and
the three things the soak does to it (stop, start again, freeze).

It saves to ``dump.rdb`` in its directory when stopped (SIGTERM with a save
point configured) and loads it when started again, as a restarted
production Redis would; the save point itself (one hour) never triggers
during a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import time
from pathlib import Path

__all__ = ["RedisServer", "loopback_port"]

HOST = "127.0.0.1"


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def loopback_port() -> int:
    """A free 127.0.0.1 port below the ephemeral range, so that no outgoing
    connection (the clients', the workers' to Redis) takes it while Redis is
    down between a stop and a start."""
    low, _ = _ephemeral_range()
    for _ in range(200):
        port = random.randint(20000, max(20001, low - 1))
        with socket.socket() as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port below the ephemeral range")


class RedisServer:
    """``redis-server`` on ``HOST:port`` with ``directory`` for its data and log."""

    def __init__(self, port: int, directory: Path) -> None:
        self.port = port
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def _command(self) -> list[str]:
        return [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--dir",
            str(self.directory),
            "--save",
            "3600 1",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]

    def _ping(self) -> bool:
        try:
            with socket.create_connection((HOST, self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        """One inline command (``DBSIZE``); its raw reply."""
        with socket.create_connection((HOST, self.port), timeout=2.0) as sock:
            sock.sendall(" ".join(words).encode() + b"\r\n")
            return sock.recv(4096)

    def dbsize(self) -> int | None:
        try:
            reply = self.command("DBSIZE")
        except OSError:
            return None
        return int(reply[1:].strip()) if reply.startswith(b":") else None

    def start(self, timeout: float = 10.0) -> None:
        """Start (or start again) and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.directory / "redis.log"
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}; see {log}")
            if self._ping():
                return
            time.sleep(0.02)
        raise RuntimeError(f"redis-server not answering on port {self.port} after {timeout}s")

    async def start_async(self) -> None:
        """``start`` without blocking the clients' event loop."""
        await asyncio.to_thread(self.start)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Redis saves, then exits) and wait for the exit."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    async def stop_async(self) -> None:
        """``stop`` without blocking the clients' event loop."""
        await asyncio.to_thread(self.stop)

    def freeze(self) -> None:
        """SIGSTOP: connections stay open, nothing answers (a hung Redis)."""
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if self.proc is not None:
            os.kill(self.proc.pid, signal.SIGCONT)

    def close(self) -> None:
        """Stop for good, whatever state it is in (frozen included)."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGCONT)
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
