"""approute.config.py: every bad setting is a startup error naming key and file."""

from __future__ import annotations

import pytest

from approute.app import create_app
from approute.config.load import load_config
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ROUTE = "from approute import Response\ndef GET(request):\n    return Response('ok')\n"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param("trailingSlash = True\n", "unknown setting 'trailingSlash'", id="typo"),
        pytest.param("trailing_slash = 'yes'\n", "trailing_slash must be True or False", id="type"),
        pytest.param("compress = 1\n", "compress must be True or False", id="compress"),
        pytest.param("base_path = 'docs'\n", "base_path must start with '/'", id="base-no-slash"),
        pytest.param("base_path = '/docs/'\n", "not end with '/'", id="base-trailing"),
        pytest.param("body_size_limit = 'lots'\n", "body_size_limit: cannot read", id="size"),
        pytest.param("cache_handler = 5\n", "cache_handler must be None", id="cache"),
        pytest.param(
            "static_page_generation_timeout = 0\n",
            "static_page_generation_timeout must be a number of seconds > 0",
            id="timeout",
        ),
        pytest.param("headers = []\n", "headers must be a function", id="not-callable"),
        pytest.param(
            "def redirects():\n"
            "    return [{'source': 'old', 'destination': '/new', 'permanent': True}]\n",
            "redirects()[0]: 'source' must be a string starting with '/'",
            id="source-slash",
        ),
        pytest.param(
            "def redirects():\n    return [{'source': '/old', 'destination': '/new'}]\n",
            "redirects()[0]: 'permanent' (True/False) or 'status_code' is required",
            id="no-permanent",
        ),
        pytest.param(
            "def redirects():\n    return [{'source': '/o', 'destination': '/n', "
            "'permanent': True, 'status_code': 301}]\n",
            "give 'permanent' or 'status_code', not both",
            id="both",
        ),
        pytest.param(
            "def redirects():\n"
            "    return [{'source': '/o', 'destination': '/n', 'status_code': 200}]\n",
            "'status_code' must be one of 301, 302, 303, 307, 308",
            id="status",
        ),
        pytest.param(
            "def headers():\n    return [{'source': '/a', 'headers': [{'key': 'x'}]}]\n",
            "'key' and 'value' must be strings",
            id="header-value",
        ),
        pytest.param(
            "def headers():\n    return [{'source': '/a', 'header': []}]\n",
            "headers()[0] has unknown keys ['header']",
            id="header-typo",
        ),
        pytest.param(
            "def rewrites():\n    return {'beforeFiles': []}\n",
            "rewrites() has unknown keys ['beforeFiles']",
            id="rewrite-stage-typo",
        ),
        pytest.param(
            "def rewrites():\n    return [{'source': '/a/:path*', 'destination': '/b/:path'}]\n",
            "To use a multi-match in the destination you must add `*`",
            id="multi-match",
        ),
        pytest.param(
            "def rewrites():\n"
            "    return [{'source': '/a', 'destination': '/b', 'base_path': False}]\n",
            "'base_path': False is only allowed with an external destination",
            id="base-path-false-internal",
        ),
        pytest.param(
            "def headers():\n    raise RuntimeError('db down')\n",
            "headers() raised RuntimeError: db down",
            id="raises",
        ),
        pytest.param(
            "def headers():\n    return {'source': '/a'}\n",
            "headers() must return a list",
            id="not-a-list",
        ),
    ],
)
def test_bad_config_is_a_startup_error(
    make_project: ProjectFactory, config: str, message: str
) -> None:
    root = make_project({"app/route.py": ROUTE, "approute.config.py": config})
    with pytest.raises(ProjectError) as error:
        create_app(root)
    assert "approute.config.py" in str(error.value)
    assert message in str(error.value)


def test_imports_and_private_names_are_not_settings(make_project: ProjectFactory) -> None:
    config = (
        "import os\nfrom pathlib import Path\n_HERE = Path(__file__)\n"
        "base_path = '/docs'\n"
        "async def headers():\n"
        "    return [{'source': '/:p*', 'headers': [{'key': 'x-a', 'value': '1'}]}]\n"
    )
    root = make_project({"app/route.py": ROUTE, "approute.config.py": config})
    loaded = load_config(root)
    assert loaded.base_path == "/docs"
    assert len(loaded.headers) == 1


def test_no_config_file_gives_defaults(make_project: ProjectFactory) -> None:
    loaded = load_config(make_project({"app/route.py": ROUTE}))
    assert (loaded.base_path, loaded.trailing_slash, loaded.compress) == ("", False, True)
    assert loaded.body_size_limit == 4 * 1024 * 1024
    assert not loaded.has_rules


@pytest.mark.parametrize("value", ["/a//b", "/a b", "/a#b", "/a/../b", "/./a"])
def test_base_path_must_be_plain_segments(make_project: ProjectFactory, value: str) -> None:
    root = make_project({"app/route.py": ROUTE, "approute.config.py": f"base_path = {value!r}\n"})
    with pytest.raises(ProjectError, match="must be plain path segments"):
        create_app(root)


@pytest.mark.parametrize("value", ["memroy", "redis:/x", "postgres://db"])
def test_cache_handler_must_be_known(make_project: ProjectFactory, value: str) -> None:
    root = make_project(
        {"app/route.py": ROUTE, "approute.config.py": f"cache_handler = {value!r}\n"}
    )
    with pytest.raises(ProjectError, match="cache_handler must be None, 'memory'"):
        create_app(root)


def test_a_config_header_that_would_inject_is_skipped(make_project: ProjectFactory) -> None:
    config = (
        "def headers():\n"
        "    return [{'source': '/', 'has': [{'type': 'query', 'key': 'v', 'value': '(?<v>.*)'}],\n"
        "             'headers': [{'key': 'x-v', 'value': ':v'}]}]\n"
    )
    root = make_project({"app/route.py": ROUTE, "approute.config.py": config})
    client = TestClient(create_app(root))
    assert client.get("/?v=ok").headers["x-v"] == "ok"
    injected = client.get("/?v=a%0D%0ASet-Cookie:%20x=1")
    assert injected.status_code == 200
    assert "x-v" not in injected.headers
    assert "set-cookie" not in injected.headers
