"""The docs page in a real browser: headless Chromium loads ``/docs`` from a
real uvicorn, with no network beyond loopback, and Swagger UI (from the
``openapi`` extra, no CDN) shows the project's operations."""

from __future__ import annotations

import os
import re
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from approute.app import create_app
from tests.support.servers import RunningServer, ServerKind, run_server

CHROMIUM = Path("/usr/bin/chromium")

ITEMS = '''
from pydantic import BaseModel

from approute import NextRequest
from approute.validation import Input, api


class NewItem(BaseModel):
    name: str


class Item(NewItem):
    id: int


@api(responses={200: list[Item]})
def GET(request: NextRequest) -> list[Item]:
    """List the items."""
    return []


@api(responses={201: Item})
def POST(request: NextRequest, ctx: Input[NewItem]) -> Item:
    """Create an item."""
    return Item(id=1, name=ctx.body.name)
'''

ONE_ITEM = '''
def GET(request, ctx):
    """Read one item."""
'''


@pytest.fixture(scope="module")
def server(
    server_kind: ServerKind, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("docs")
    files = {
        "app/api/items/route.py": ITEMS,
        "app/api/items/[id]/route.py": ONE_ITEM,
        "approute.config.py": 'openapi = {"title": "Shop API", "version": "1.0.0"}\n',
    }
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    with run_server(create_app(root), server_kind) as running:
        yield running


def chromium() -> Path:
    """The browser; CI must have it (``make test`` installs it), a laptop may not."""
    if CHROMIUM.is_file():
        return CHROMIUM
    message = f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def rendered(url: str, profile: Path) -> str:
    """The page's DOM once its scripts ran, every host but 127.0.0.1 unresolvable."""
    done = subprocess.run(
        [
            str(chromium()),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=45,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_swagger_ui_shows_every_operation(server: RunningServer, tmp_path: Path) -> None:
    dom = rendered(f"{server.url}/docs", tmp_path / "profile")
    text = re.sub(r"<[^>]+>", "", dom)  # what a reader sees (paths carry <wbr> tags)
    assert "Shop API" in text
    for path in ("/api/items", "/api/items/{id}"):
        assert f'data-path="{path}"' in dom
        assert path in text
    for summary in ("List the items.", "Create an item.", "Read one item."):
        assert summary in text
    # Swagger UI drew it: not the page's bare markup, nor its error box.
    assert 'class="swagger-ui' in dom
    assert "Unable to render this definition" not in text
    assert "Failed to load API definition" not in text
