"""``approute build`` then ``approute start``, as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.build.conftest import PROJECT, calls
from tests.cli.test_cli import fetch, run_cli, serving
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for
from tests.support.servers import free_port

PID = """
import os

from approute import Response


def GET(request):
    return Response(str(os.getpid()))
"""


def test_build_then_start_serves_prerendered_paths_as_hits(
    make_project: ProjectFactory, start_server: str
) -> None:
    root = make_project(PROJECT)
    built = run_cli("build", str(root))
    assert built.returncode == 0, built.stderr
    assert "✓ Prerendered 10 paths" in built.stdout
    assert "└ ● /api/users/[id]" in built.stdout
    (root / "calls.log").unlink()

    started = serving("start", str(root), "--server", start_server, "--hostname", "127.0.0.1")
    with started as (url, _):
        first = httpx.get(url + "/api/users/4")
        # The very first request: the build's copy, the handler never runs.
        assert first.headers["x-approute-cache"] == "HIT"
        assert first.headers["cache-control"] == "s-maxage=60, stale-while-revalidate=31535940"
        assert first.json() == {"id": "4", "url": "http://localhost:3000/api/users/4"}
        assert httpx.get(url + "/api/files/z").headers["x-approute-cache"] == "HIT"
        assert httpx.get(url + "/_status").text == "ok"
        assert calls(root) == []
        # A param generate_static_params did not list: rendered on demand.
        other = httpx.get(url + "/api/users/40")
        assert (other.headers["x-approute-cache"], other.json()["id"]) == ("MISS", "40")
        assert httpx.get(url + "/api/users/40").headers["x-approute-cache"] == "HIT"
        assert calls(root) == ["/api/users/40"]
        # A cookie-setting GET stays dynamic, a dynamic GET stays dynamic.
        assert "x-approute-cache" not in httpx.get(url + "/api/login").headers
        assert httpx.get(url + "/api/now").text == "dynamic"


def test_start_without_a_build_fails_clearly(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    result = run_cli("start", str(root), "--port", "1")
    assert result.returncode == 1
    assert result.stderr == (
        f"error: {root}: no build output (.approute/build-manifest.json); "
        "run `approute build` first\n"
    )


def test_start_refuses_a_stale_build_but_not_other_changes(make_project: ProjectFactory) -> None:
    root = make_project(PROJECT)
    assert run_cli("build", str(root)).returncode == 0
    (root / "public").mkdir()
    (root / "public" / "notes.txt").write_text("not an input")
    (root / "app" / "api" / "__pycache__").mkdir(exist_ok=True)
    (root / "app" / "api" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "server.log").write_text("log line\n")
    with serving("start", str(root), "--hostname", "127.0.0.1") as (url, _):
        assert httpx.get(url + "/api/hello").text == "hello v1"
        assert httpx.get(url + "/notes.txt").text == "not an input"

    route = root / "app" / "api" / "hello" / "route.py"
    route.write_text(route.read_text().replace("hello v1", "hello v2!"))
    result = run_cli("start", str(root), "--port", "1")
    assert result.returncode == 1
    assert (
        "the build is stale: app/api/hello/route.py was changed since `approute build`; "
        "run `approute build` again"
    ) in result.stderr
    assert "Traceback" not in result.stderr


def test_workers_share_the_filesystem_cache(
    make_project: ProjectFactory, start_server: str
) -> None:
    root = make_project({**PROJECT, "app/api/pid/route.py": textwrap.dedent(PID)})
    assert run_cli("build", str(root)).returncode == 0
    (root / "calls.log").unlink()
    with serving(
        "start", str(root), "--server", start_server, "--hostname", "127.0.0.1", "--workers", "2"
    ) as (url, _):
        pids: set[str] = set()
        rounds = 0
        deadline = time.monotonic() + 30
        # New connections until both workers have answered (the kernel picks
        # the worker), each round asking for the same cached paths.
        while (rounds < 20 or len(pids) < 2) and time.monotonic() < deadline:
            with httpx.Client() as client:
                pids.add(client.get(url + "/api/pid").text)
                assert client.get(url + "/api/users/77").json()["id"] == "77"
                assert client.get(url + "/api/users/2").json()["id"] == "2"
            rounds += 1
        assert len(pids) == 2, "both workers served requests"
        # Rendered once in all: one worker's MISS is every worker's HIT.
        assert calls(root) == ["/api/users/77"]
        assert str(os.getpid()) not in pids


SERVE = """
from pathlib import Path

from approute.asgi import app_from_build

app = app_from_build(Path(__file__).parent)
"""


@contextmanager
def uvicorn_serving(*args: str, cwd: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *args, "--port", str(port), "--no-access-log"],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_for(lambda: fetch(url + "/") is not None, timeout=30), "no server"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_other_servers_run_the_build_as_deploy_md_shows(make_project: ProjectFactory) -> None:
    root = make_project({**PROJECT, "serve.py": SERVE})
    assert run_cli("build", str(root)).returncode == 0
    (root / "calls.log").unlink()
    # The factory, project from $APPROUTE_ROOT.
    with uvicorn_serving(
        "--factory", "approute.asgi:app_from_env", cwd=root, env={"APPROUTE_ROOT": str(root)}
    ) as url:
        assert httpx.get(url + "/api/users/1").headers["x-approute-cache"] == "HIT"
    # A module-level app object (what hypercorn or granian would import).
    with uvicorn_serving("serve:app", cwd=root, env={}) as url:
        assert httpx.get(url + "/api/hello").headers["x-approute-cache"] == "HIT"
    assert calls(root) == []
