"""``approute start --access-log`` (a Common Log Format line per request on
stdout, the same on every server) and ``approute --version``."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import threading

import httpx

from tests.cli.test_cli import APPROUTE, run_cli, serving
from tests.conftest import ProjectFactory
from tests.support.raw import wait_for

ROUTE = """
from approute import Response

def GET(request):
    return Response("logged body")
"""
# host ident user [date] "request" status size
CLF = re.compile(
    r"^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) (?P<size>\d+|-)$'
)


def _served_lines(root: str, server: str, *extra: str) -> list[str]:
    """Every stdout line of ``approute start`` while it answers two requests."""
    lines: list[str] = []
    built = run_cli("build", root)
    assert built.returncode == 0, built.stderr
    started = serving("start", root, "--server", server, "--hostname", "127.0.0.1", *extra)
    with started as (url, process):
        assert process.stdout is not None
        stdout = process.stdout
        reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")))
        reader.start()
        plain = {"accept-encoding": "identity"}  # the logged size is of the bytes sent
        assert httpx.get(url + "/api/log?q=1&r=%22x%22", headers=plain).text == "logged body"
        assert httpx.get(url + "/nothing-here").status_code == 404
        if extra:
            # Both lines read here: after the block, serving() drains stdout itself.
            wanted = ('"GET /api/log?', '"GET /nothing-here ')
            wait_for(lambda: all(any(w in line for line in lines) for w in wanted), timeout=15)
    reader.join(timeout=15)
    return [line.rstrip("\n") for line in lines]


def test_access_log_writes_one_common_log_format_line_per_request(
    make_project: ProjectFactory, start_server: str
) -> None:
    root = str(make_project({"app/api/log/route.py": ROUTE}))
    found = [m for m in map(CLF.match, _served_lines(root, start_server, "--access-log")) if m]
    requests = {m["request"]: (m["status"], m["size"]) for m in found}
    # The readiness probe's own requests are logged too; these two are ours.
    assert requests["GET /api/log?q=1&r=%22x%22 HTTP/1.1"] == ("200", str(len(b"logged body")))
    assert requests["GET /nothing-here HTTP/1.1"][0] == "404"


def test_no_access_log_unless_asked(make_project: ProjectFactory, start_server: str) -> None:
    root = str(make_project({"app/api/log/route.py": ROUTE}))
    assert not [line for line in _served_lines(root, start_server) if CLF.match(line)]


def test_version_names_the_release_and_the_build() -> None:
    done = subprocess.run([*APPROUTE, "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    version = importlib.metadata.version("approute")  # the installed package's metadata
    assert re.fullmatch(
        rf"approute {re.escape(version)} \((pure Python|compiled)\), Python 3\.\d+\.\d+\n",
        done.stdout,
    )
