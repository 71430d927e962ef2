"""``openapi = {...}`` in approute.config.py: the document and the offline
docs page served as routes, the key's checks, and ``approute openapi``."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from approute.app import create_app
from approute.cli.main import main
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.conftest import ProjectFactory

ITEMS = '''
from pydantic import BaseModel

from approute import NextRequest
from approute.validation import Input, api


class Item(BaseModel):
    id: int
    name: str


@api(responses={200: list[Item]})
def GET(request: NextRequest) -> list[Item]:
    """List the items."""
    return [Item(id=1, name="pen")]
'''

SWAGGER_UI = Path(importlib.import_module("swagger_ui_bundle").swagger_ui_path)


def project(make_project: ProjectFactory, config: str | None, **files: str) -> Path:
    tree = {"app/api/items/route.py": ITEMS, **files}
    if config is not None:
        tree["approute.config.py"] = config
    return make_project(tree)


@pytest.fixture
def client(make_project: ProjectFactory) -> TestClient:
    return TestClient(create_app(project(make_project, "openapi = {}\n")))


def test_the_document_describes_the_user_routes_not_itself(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    document = response.json()
    validate(document)
    # The defaults: the project folder's name, 0.1.0.
    assert document["info"] == {"title": "project", "version": "0.1.0"}
    assert list(document["paths"]) == ["/api/items"]
    assert document["paths"]["/api/items"]["get"]["summary"] == "List the items."


def test_the_document_route_answers_head_and_refuses_post(client: TestClient) -> None:
    assert client.head("/openapi.json").status_code == 200
    refused = client.post("/openapi.json")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET, HEAD, OPTIONS"


def test_the_docs_page_loads_swagger_ui_from_below_itself(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    for src in (
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "swagger-initializer.js",
    ):
        assert f'<script src="/docs/{src}"></script>' in page.text
    assert '<link rel="stylesheet" href="/docs/swagger-ui.css">' in page.text
    assert "<title>project</title>" in page.text
    assert "http" not in page.text.lower().replace("http-equiv", "")  # no CDN, nothing remote
    script = client.get("/docs/swagger-initializer.js")
    assert script.headers["content-type"] == "application/javascript; charset=UTF-8"
    assert 'url: "/openapi.json",' in script.text
    assert "validatorUrl: null," in script.text  # no badge from validator.swagger.io


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        pytest.param("swagger-ui.css", "text/css; charset=UTF-8", id="css"),
        pytest.param("swagger-ui-bundle.js", "application/javascript; charset=UTF-8", id="js"),
        pytest.param(
            "swagger-ui-standalone-preset.js", "application/javascript; charset=UTF-8", id="preset"
        ),
        pytest.param("favicon-32x32.png", "image/png", id="icon"),
    ],
)
def test_swagger_ui_files_are_served_as_the_package_ships_them(
    client: TestClient, name: str, content_type: str
) -> None:
    response = client.get(f"/docs/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.content == (SWAGGER_UI / name).read_bytes()


def test_no_key_serves_nothing(make_project: ProjectFactory) -> None:
    client = TestClient(create_app(project(make_project, None)))
    assert client.get("/openapi.json").status_code == 404
    assert client.get("/docs").status_code == 404


def test_paths_title_version_and_base_path_are_configurable(make_project: ProjectFactory) -> None:
    config = (
        'base_path = "/shop"\n'
        'openapi = {"path": "/spec/openapi.json", "docs": "/reference", '
        '"title": "Shop <API>", "version": "2.0.0"}\n'
    )
    client = TestClient(create_app(project(make_project, config)))
    document = client.get("/shop/spec/openapi.json").json()
    assert document["info"] == {"title": "Shop <API>", "version": "2.0.0"}
    assert document["servers"] == [{"url": "/shop"}]
    page = client.get("/shop/reference").text
    assert '<script src="/shop/reference/swagger-ui-bundle.js"></script>' in page
    assert "<title>Shop &lt;API&gt;</title>" in page
    script = client.get("/shop/reference/swagger-initializer.js").text
    assert 'url: "/shop/spec/openapi.json",' in script
    assert client.get("/shop/reference/swagger-ui.css").status_code == 200
    assert client.get("/shop/docs").status_code == 404


def test_docs_none_serves_the_document_alone(make_project: ProjectFactory) -> None:
    client = TestClient(create_app(project(make_project, 'openapi = {"docs": None}\n')))
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 404
    assert client.get("/docs/swagger-ui.css").status_code == 404


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param(
            "openapi = True\n", "openapi must be a dict like {'path': '/openapi.json'", id="type"
        ),
        pytest.param(
            'openapi = {"url": "/x"}\n',
            "openapi has unknown key 'url'; known keys are path, docs, title, version",
            id="unknown",
        ),
        pytest.param(
            'openapi = {"title": 3}\n',
            "openapi['title'] must be a non-empty string; got 3",
            id="title",
        ),
        pytest.param(
            'openapi = {"version": 1.0}\n',
            "openapi['version'] must be a non-empty string; got 1.0",
            id="version",
        ),
        pytest.param(
            'openapi = {"path": "openapi.json"}\n',
            "openapi['path'] must be a path like '/docs'",
            id="no-slash",
        ),
        pytest.param(
            'openapi = {"docs": "/docs/"}\n',
            "openapi['docs'] must be a path like '/docs'",
            id="trailing-slash",
        ),
        pytest.param(
            'openapi = {"docs": "/a b"}\n',
            "openapi['docs'] must be a path like '/docs'",
            id="space",
        ),
        pytest.param(
            'openapi = {"docs": False}\n',
            "openapi['docs'] must be a non-empty string (or None: no docs page); got False",
            id="docs-false",
        ),
        pytest.param(
            'openapi = {"path": "/docs"}\n',
            "openapi['path'] and openapi['docs'] are both '/docs'",
            id="same-url",
        ),
    ],
)
def test_a_bad_openapi_key_is_a_startup_error_naming_it(
    make_project: ProjectFactory, config: str, message: str
) -> None:
    root = project(make_project, config)
    with pytest.raises(ProjectError) as raised:
        create_app(root)
    assert str(raised.value).startswith("approute.config.py: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("file", "url", "key"),
    [
        pytest.param("app/openapi.json/route.py", "/openapi.json", "path", id="document"),
        pytest.param("app/(site)/docs/page.py", "/docs", "docs", id="page"),
        pytest.param("app/docs/swagger-ui.css/route.py", "/docs/swagger-ui.css", "docs", id="file"),
    ],
)
def test_a_user_route_at_a_served_url_is_a_startup_error(
    make_project: ProjectFactory, file: str, url: str, key: str
) -> None:
    source = "def GET(request):\n    pass\n" if file.endswith("route.py") else ""
    if file.endswith("page.py"):
        source = "def page(request, ctx):\n    pass\n"
    root = project(make_project, "openapi = {}\n", **{file: source})
    with pytest.raises(ProjectError) as raised:
        create_app(root)
    assert str(raised.value) == (
        f"approute.config.py: openapi['{key}'] serves {url}, which {file} serves too; "
        "move the route or choose another URL in approute.config.py"
    )


def test_without_swagger_ui_the_docs_page_names_the_extra(make_project: ProjectFactory) -> None:
    root = project(make_project, "openapi = {}\n")
    # A fresh interpreter in which swagger_ui_bundle cannot be imported.
    script = (
        "import sys\n"
        "sys.modules['swagger_ui_bundle'] = None\n"
        "from approute.app import create_app\n"
        "from approute.errors import ProjectError\n"
        "try:\n"
        f"    create_app({str(root)!r})\n"
        "except ProjectError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout == (
        "approute.config.py: openapi['docs']: the docs page serves Swagger UI, which is not "
        "installed: pip install 'approute[openapi]' (the swagger-ui-bundle-v2 package); "
        "or set 'docs': None to serve the document alone\n"
    )


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["openapi", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_the_served_document(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(make_project, 'openapi = {"title": "Shop", "version": "3.1.4"}\n')
    code, out, _ = cli(capsys, str(root))
    assert code == 0
    document: dict[str, Any] = json.loads(out)
    validate(document)
    assert document == TestClient(create_app(root)).get("/openapi.json").json()
    assert document["info"] == {"title": "Shop", "version": "3.1.4"}
    assert out.startswith('{\n  "openapi": "3.1.0",\n  "info": {\n')  # indent 2


def test_cli_without_the_key_uses_the_defaults(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(make_project, None)
    code, out, _ = cli(capsys, str(root))
    assert code == 0
    assert json.loads(out)["info"] == {"title": "project", "version": "0.1.0"}


def test_cli_writes_the_document_to_a_file(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = project(make_project, None)
    output = tmp_path / "out" / "openapi.json"
    output.parent.mkdir()
    code, out, _ = cli(capsys, str(root), "--output", str(output))
    assert code == 0
    assert out == f"✓ OpenAPI document written to {output}\n"
    assert list(json.loads(output.read_text())["paths"]) == ["/api/items"]


def test_cli_reports_a_broken_project(
    make_project: ProjectFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(make_project, "openapi = 1\n")
    code, out, err = cli(capsys, str(root))
    assert (code, out) == (1, "")
    assert err.startswith("error: approute.config.py: openapi must be a dict")
