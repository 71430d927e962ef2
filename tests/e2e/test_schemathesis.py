"""schemathesis against the examples' validated todos API on a real
server, from the document the server itself serves (/openapi.json): no
5xx, every response matches its declared schema and status, every invalid
input gets a 4xx, and the links between operations hold (its stateful
phase). Bounded by examples per operation and a fixed seed (``--max-time``
would make schemathesis fuzz until the time is up), with a timeout."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute.app import create_app
from tests.support.servers import RunningServer, run_server

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def examples() -> Iterator[RunningServer]:
    with run_server(create_app(EXAMPLES), "httptools") as running:
        yield running


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert found is not None, "schemathesis is a test dependency (pip install -e '.[dev]')"
    return found


@pytest.mark.timeout(180)
def test_the_todos_api_holds_to_its_document(examples: RunningServer, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            _schemathesis(),
            "run",
            f"{examples.url}/openapi.json",
            "--checks",
            "all",
            "--include-path-regex",
            "^/api/todos",
            "--max-examples",
            "40",
            "--seed",
            "1",
            "--request-timeout",
            "5",
            "--workers",
            "1",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=150,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    assert "No issues found" in output
    assert "Tested: 5" in output  # GET/POST /api/todos, GET/PATCH/DELETE /api/todos/{id}
