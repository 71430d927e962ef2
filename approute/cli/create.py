"""``approute create NAME``: a new project whose own tests pass.

The files are here as text, not copied from a folder, so the wheel carries
them without package-data settings. ``{project}`` in a file is the project's
name; nothing else is filled in (route code keeps its own braces).
"""

from __future__ import annotations

import re
from pathlib import Path

from approute import __version__
from approute.errors import ProjectError

__all__ = ["FILES", "create_project"]

# A folder and a distribution name: letters, digits, "-", "_", "."; no path.
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

FILES: dict[str, str] = {
    "app/api/hello/route.py": '''\
"""GET /api/hello: the first route. Edit it, the dev server reloads."""

from approute import NextRequest, NextResponse


async def GET(request: NextRequest) -> NextResponse:
    name = request.next_url.search_params.get("name") or "world"
    return NextResponse.json({"message": f"Hello, {name}!"})
''',
    "app/api/users/[id]/route.py": '''\
"""GET /api/users/42: a dynamic segment; ``ctx.params`` is typed by the folder."""

from approute import NextRequest, NextResponse, RouteContext


async def GET(request: NextRequest, ctx: RouteContext["/api/users/[id]"]) -> NextResponse:
    user_id = ctx.params["id"]
    if not user_id.isdigit():
        return NextResponse.json({"error": "id must be a number"}, status=400)
    return NextResponse.json({"id": user_id})
''',
    "middleware.py": '''\
"""Runs before the routes it matches: here it tags every API response."""

from approute import NextRequest, NextResponse


async def middleware(request: NextRequest) -> NextResponse:
    response = NextResponse.next()
    response.headers.set("x-powered-by", "approute")
    return response


config = {"matcher": ["/api/:path*"]}
''',
    "approute.config.py": '''\
"""The project's settings (Next.js's next.config); every name here is one.

See the approute docs (config.md) for headers(), redirects(), rewrites(),
body limits and the cache handler.
"""

trailing_slash = False
body_size_limit = "4mb"
''',
    "tests/test_routes.py": '''\
"""The routes through approute's in-process test client (no server, no cache
files: the client keeps its cache in memory)."""

from pathlib import Path

from approute.testing import TestClient

ROOT = Path(__file__).resolve().parents[1]
client = TestClient(ROOT)


def test_hello_greets() -> None:
    response = client.get("/api/hello", params={"name": "Ada"})
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, Ada!"}


def test_the_middleware_tags_api_responses() -> None:
    assert client.get("/api/hello").headers["x-powered-by"] == "approute"


def test_users_by_id() -> None:
    assert client.get("/api/users/42").json() == {"id": "42"}
    assert client.get("/api/users/abc").status_code == 400


def test_unknown_paths_are_404() -> None:
    assert client.get("/api/nothing").status_code == 404
''',
    "pyproject.toml": f"""\
[project]
name = "{{project}}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["approute>={__version__}"]

[project.optional-dependencies]
dev = ["pytest>=8", "mypy>=1.13", "ruff>=0.8"]

[tool.pytest.ini_options]
testpaths = ["tests"]

[tool.mypy]
strict = true
plugins = ["approute.mypy_plugin"]
""",
    ".gitignore": """\
# approute's build output and caches (approute build, approute dev)
.approute/
__pycache__/
.venv/
.pytest_cache/
.mypy_cache/
.ruff_cache/
""",
    "README.md": """\
# {project}

An [approute](https://pypi.org/project/approute/) API: Next.js-style route
handlers and middleware in Python.

```
pip install -e '.[dev]'
approute dev            # http://127.0.0.1:3000/api/hello
pytest                  # the tests in tests/
approute mypy           # mypy --strict over app/, [id] folders included
                        # (route types from `approute typegen`; dev refreshes them)
approute build && approute start
```

Routes are `app/**/route.py` files exporting `GET`, `POST`, …;
`middleware.py` runs before them; `approute.config.py` holds the settings.
""",
}


def create_project(name: str, parent: Path) -> Path:
    """Write a new project called ``name`` into ``parent / name`` and return
    that folder. ``ProjectError`` for a bad name or a folder that exists
    and is not empty (nothing is overwritten)."""
    if _NAME.fullmatch(name) is None:
        raise ProjectError(
            f"{name!r} is not a project name: use letters, digits, '-', '_' or '.' "
            "(at most 64, starting with a letter or digit)"
        )
    root = parent / name
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ProjectError(f"{root} already exists and is not empty; choose another name")
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{project}", name), encoding="utf-8")
    return root
