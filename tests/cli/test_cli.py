"""The ``approute`` command, run as a user runs it: a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
APPROUTE = [sys.executable, "-m", "approute.cli"]

HELLO = """
from approute import Response

def GET(request):
    return Response("hello v1")
"""


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*APPROUTE, *args], capture_output=True, text=True, timeout=60, check=False
    )


def fetch(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2)
    except httpx.TransportError:
        return None


@contextmanager
def serving(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [*APPROUTE, *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: fetch(url + "/") is not None, timeout=30), "server did not start"
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_routes_prints_the_route_table() -> None:
    result = run_cli("routes", str(EXAMPLES))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # examples/app/api/prices is ISR (revalidate = 60): the columns appear.
    assert lines[0].split() == ["Route", "(app)", "Revalidate", "Expire", "Methods"]
    assert any(line.startswith("├ ○ /api/prices ") and " 1m " in line for line in lines)
    assert any(
        line.startswith(("├ ƒ /api/users/[id] ", "└ ƒ /api/users/[id] "))
        and line.endswith("DELETE, GET, HEAD, OPTIONS")
        for line in lines
    )
    assert any(line.startswith("├ ƒ /about ") and line.endswith("GET, HEAD") for line in lines)
    assert "ƒ Proxy (Middleware)" in lines
    assert not any("_lib" in line for line in lines)
    assert not (EXAMPLES / ".approute" / "build-manifest.json").exists()


def test_broken_project_exits_1_naming_file_and_line(make_project: ProjectFactory) -> None:
    root = make_project({"app/api/x/route.py": "def GET(request):\n    return (\n"})
    for command in ("routes", "build"):
        result = run_cli(command, str(root))
        assert result.returncode == 1
        assert "error: app/api/x/route.py:2: syntax error" in result.stderr
        assert "Traceback" not in result.stderr


def test_missing_app_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("routes", str(tmp_path))
    assert result.returncode == 1
    assert "no app/ or src/app/ folder" in result.stderr


def test_start_serves_the_project(make_project: ProjectFactory, start_server: str) -> None:
    root = make_project({"app/route.py": HELLO})
    assert run_cli("build", str(root)).returncode == 0
    with serving("start", str(root), "--server", start_server, "--hostname", "127.0.0.1") as (
        url,
        _,
    ):
        response = httpx.get(url + "/")
        assert response.status_code == 200
        assert response.text == "hello v1"
        # uvicorn runs with server_header=False; granian has no such switch.
        assert response.headers.get("server") == ("granian" if start_server == "granian" else None)


def test_dev_reloads_shows_errors_and_recovers(make_project: ProjectFactory) -> None:
    root = make_project({"app/route.py": HELLO})
    route = root / "app" / "route.py"
    with serving("dev", str(root)) as (url, process):
        assert httpx.get(url + "/").text == "hello v1"

        broken = "def GET(request):\n    return (\n"

        def shows_error() -> bool:
            # Written on every poll: the reloader's file watcher may start
            # only after the server first answers.
            route.write_text(broken)
            response = fetch(url + "/")
            return response is not None and response.status_code == 500

        assert wait_for(shows_error, timeout=30)
        body = httpx.get(url + "/").text
        assert "app/route.py:2: syntax error" in body

        def recovered() -> bool:
            route.write_text(HELLO.replace("v1", "v2"))
            response = fetch(url + "/")
            return response is not None and response.text == "hello v2"

        assert wait_for(recovered, timeout=30)
        assert process.poll() is None


def test_dev_logs_each_request(make_project: ProjectFactory) -> None:
    root = make_project({"app/route.py": HELLO})
    with serving("dev", str(root)) as (url, process):
        httpx.get(url + "/?probe=1")
        process.terminate()
        output, _ = process.communicate(timeout=15)
    assert f"http://127.0.0.1:{url.rsplit(':', 1)[1]}" in output
    assert '"GET /?probe=1 HTTP/1.1" 200' in output


@pytest.mark.parametrize("command", ["dev", "build", "start", "routes"])
def test_help_lists_options(command: str) -> None:
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert "dir" in result.stdout
