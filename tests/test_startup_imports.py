"""Cold start: serving an app imports neither the HTTP client (httpx, only
for ``fetch`` and external rewrites) nor the server ``approute start`` does
not run. Each is a tenth of a second or more before the first response."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

_CHECK = """
import sys
from approute.app import create_app
import approute.cli.main
import approute.cli.{module}
create_app(sys.argv[1])
print(",".join(sorted(m for m in {unwanted} if m in sys.modules)))
"""


@pytest.mark.parametrize(
    ("server", "unwanted"),
    [("granian", ("httpx", "uvicorn", "rich")), ("uvicorn", ("httpx", "granian", "rich"))],
)
def test_serving_imports_only_what_it_runs(
    tmp_path: Path, server: str, unwanted: tuple[str, ...]
) -> None:
    route = tmp_path / "app" / "api" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(
        "from approute import Response\nasync def GET(request):\n    return Response('hi')\n"
    )
    module = "granian_server" if server == "granian" else "server"
    code = _CHECK.format(module=module, unwanted=unwanted)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
