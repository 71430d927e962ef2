"""``approute start`` exits after SIGTERM even while a never-ending stream is
being sent: open responses are cancelled after the shutdown grace period
(``--shutdown-timeout`` or ``shutdown_timeout`` in approute.config.py)."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest

from tests.cli.test_cli import run_cli, serving
from tests.conftest import ProjectFactory

FOREVER = """
import asyncio

from approute import Response


async def GET(request):
    async def ticks():
        while True:
            yield b"tick\\n"
            await asyncio.sleep(0.05)

    return Response(ticks(), headers={"content-type": "text/plain"})
"""

FINITE = """
import asyncio

from approute import Response


async def GET(request):
    async def ticks():
        for _ in range(10):
            yield b"tick\\n"
            await asyncio.sleep(0.1)

    return Response(ticks(), headers={"content-type": "text/plain"})
"""


def _stop_while_streaming(url: str, process: subprocess.Popen[str]) -> tuple[float, bytes]:
    """SIGTERM once a stream has started; seconds until the process exits
    (or 30 when it did not) and what the stream received."""
    received = b""
    with (
        httpx.Client(timeout=30) as client,
        client.stream(
            "GET", url + "/api/stream", headers={"accept-encoding": "identity"}
        ) as stream,
    ):
        chunks = stream.iter_raw()
        received += next(chunks)
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            for chunk in chunks:
                received += chunk
        except httpx.HTTPError:
            pass  # the stream was cut: what a cancelled response looks like
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            return 30.0, received
    return time.monotonic() - started, received


@pytest.mark.parametrize("where", ["flag", "config"])
def test_sigterm_ends_a_never_ending_stream_after_the_grace_period(
    make_project: ProjectFactory, where: str, start_server: str
) -> None:
    files = {"app/api/stream/route.py": FOREVER, "app/route.py": FINITE}
    if where == "config":
        files["approute.config.py"] = "shutdown_timeout = 1\n"
    root = make_project(files)
    assert run_cli("build", str(root)).returncode == 0
    flags = ["--shutdown-timeout", "1"] if where == "flag" else []
    with serving(
        "start", str(root), "--server", start_server, "--hostname", "127.0.0.1", *flags
    ) as (url, process):
        seconds, received = _stop_while_streaming(url, process)
        # Before the grace period existed, the process never exited.
        assert process.poll() is not None, "approute start did not exit after SIGTERM"
        assert seconds < 15
        assert received.startswith(b"tick\n")


def test_a_finite_stream_completes_during_shutdown(
    make_project: ProjectFactory, start_server: str
) -> None:
    root = make_project({"app/api/stream/route.py": FINITE, "app/route.py": FINITE})
    assert run_cli("build", str(root)).returncode == 0
    with serving("start", str(root), "--server", start_server, "--hostname", "127.0.0.1") as (
        url,
        process,
    ):
        _, received = _stop_while_streaming(url, process)
        assert received == b"tick\n" * 10
        # uvicorn re-raises the SIGTERM it handled once it has shut down.
        assert process.poll() in (0, -signal.SIGTERM)
