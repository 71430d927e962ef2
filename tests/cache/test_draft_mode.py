"""``draft_mode()`` (docs/caching.md, "Draft mode"): the
``__prerender_bypass`` cookie, its shared secret, and bypassing the route
and data caches for requests that carry it."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from approute.cache.draft import DraftSecret
from approute.errors import ProjectError
from approute.testing import TestClient
from tests.cache.support import MEMORY_CONFIG, clocked_app, count, counter
from tests.conftest import ProjectFactory
from tests.support.servers import run_server

TOGGLE = """
from approute import NextResponse
from approute.headers import draft_mode


def GET(request):
    action = request.next_url.search_params.get("action")
    before = draft_mode().is_enabled
    if action == "enable":
        draft_mode().enable()
    elif action == "disable":
        draft_mode().disable()
    return NextResponse.json({"before": before, "after": draft_mode().is_enabled})
"""

STATIC = (
    counter(3)
    + """
from approute import NextResponse
from approute.cache import cached
from approute.headers import draft_mode

dynamic = "force-static"


@cached
async def content():
    return {"content": bump("content.txt")}


async def GET(request):
    return NextResponse.json(
        {
            "route": bump(),
            "draft": draft_mode().is_enabled,
            "agent": request.headers.get("user-agent"),
            **(await content()),
        }
    )
"""
)


@pytest.fixture(autouse=True)
def _no_secret_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APPROUTE_DRAFT_SECRET", raising=False)


def project(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "app/api/draft/route.py": TOGGLE,
            "app/api/page/route.py": STATIC,
            "approute.config.py": MEMORY_CONFIG,
        }
    )


def secret_of(root: Path) -> str:
    return (root / ".approute" / "draft-secret").read_text().strip()


def draft_cookie(root: Path) -> dict[str, str]:
    """A request ``Cookie`` header that enables draft mode."""
    return {"cookie": f"__prerender_bypass={secret_of(root)}"}


def cookie_parts(response: httpx.Response) -> list[str]:
    lines = response.headers.get_list("set-cookie")
    assert len(lines) == 1
    return lines[0].split("; ")


def test_enable_sets_the_bypass_cookie_with_the_shared_secret(
    make_project: ProjectFactory,
) -> None:
    root = project(make_project)
    client = TestClient(create_app(root))
    assert not (root / ".approute" / "draft-secret").exists()  # written on first use only
    response = client.get("/api/draft?action=enable")
    assert response.json() == {"before": False, "after": True}
    secret = secret_of(root)
    assert len(secret) == 64
    parts = cookie_parts(response)
    assert parts[0] == f"__prerender_bypass={secret}"
    assert {"Path=/", "HttpOnly", "Secure", "SameSite=none"} <= set(parts)
    # The cookie turns draft mode on for later requests.
    client.cookies.set("__prerender_bypass", secret)
    assert client.get("/api/draft").json() == {"before": True, "after": True}


def test_in_dev_the_cookie_is_lax_and_not_secure(make_project: ProjectFactory) -> None:
    root = project(make_project)
    response = TestClient(create_app(root, dev=True)).get("/api/draft?action=enable")
    parts = cookie_parts(response)
    assert "SameSite=lax" in parts
    assert "Secure" not in parts
    assert "HttpOnly" in parts


def test_disable_deletes_the_cookie(make_project: ProjectFactory) -> None:
    root = project(make_project)
    client = TestClient(create_app(root))
    client.get("/api/draft?action=enable")
    client.cookies.clear()
    response = client.get("/api/draft?action=disable", headers=draft_cookie(root))
    assert response.json() == {"before": True, "after": False}
    parts = cookie_parts(response)
    assert parts[0] == "__prerender_bypass="
    assert "Expires=Thu, 01 Jan 1970 00:00:00 GMT" in parts


def test_a_cookie_with_the_wrong_value_is_not_draft_mode(make_project: ProjectFactory) -> None:
    root = project(make_project)
    client = TestClient(create_app(root))
    client.get("/api/draft?action=enable")
    client.cookies.clear()
    forged = client.get("/api/draft", headers={"cookie": "__prerender_bypass=" + "0" * 64})
    assert forged.json() == {"before": False, "after": False}


def test_the_secret_is_shared_by_every_app_on_the_project(make_project: ProjectFactory) -> None:
    root = project(make_project)
    values = []
    for _ in range(2):  # two workers of one machine
        response = TestClient(create_app(root)).get("/api/draft?action=enable")
        values.append(cookie_parts(response)[0])
    assert values[0] == values[1]


def test_concurrent_first_uses_agree_on_one_secret(tmp_path: Path) -> None:
    secrets: list[str] = []
    barrier = threading.Barrier(8)

    def first_use() -> None:
        barrier.wait()
        secrets.append(DraftSecret(tmp_path / ".approute" / "draft-secret", environ={}).value())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(secrets)) == 1
    assert secret_of(tmp_path) == secrets[0]
    assert [p.name for p in (tmp_path / ".approute").iterdir()] == ["draft-secret"]


def test_the_environment_secret_wins_and_no_file_is_written(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROUTE_DRAFT_SECRET", "s" * 32)
    root = project(make_project)
    response = TestClient(create_app(root)).get("/api/draft?action=enable")
    assert cookie_parts(response)[0] == "__prerender_bypass=" + "s" * 32
    assert not (root / ".approute").exists()


def test_a_short_environment_secret_is_a_startup_error(
    make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROUTE_DRAFT_SECRET", "short")
    with pytest.raises(ProjectError, match="APPROUTE_DRAFT_SECRET must be at least 16"):
        create_app(project(make_project))


def test_draft_mode_bypasses_the_route_and_data_caches(make_project: ProjectFactory) -> None:
    root = project(make_project)
    app, _ = clocked_app(root)
    client = TestClient(app)
    client.get("/api/draft?action=enable")
    client.cookies.clear()
    first = client.get("/api/page", headers={**draft_cookie(root), "user-agent": "editor"})
    # The handler ran with the real request; nothing was cached or labelled.
    assert first.json() == {"route": 1, "draft": True, "agent": "editor", "content": 1}
    assert "x-approute-cache" not in first.headers
    assert "cache-control" not in first.headers
    second = client.get("/api/page", headers=draft_cookie(root))
    assert second.json()["route"] == 2
    assert second.json()["content"] == 2  # the data cache is bypassed too
    # Nothing was stored: the first normal request is a MISS, then HIT.
    normal = client.get("/api/page", headers={"user-agent": "visitor"})
    assert normal.headers["x-approute-cache"] == "MISS"
    assert normal.json() == {"route": 3, "draft": False, "agent": None, "content": 3}
    assert client.get("/api/page").headers["x-approute-cache"] == "HIT"
    # A forged cookie is served from the cache.
    forged = client.get("/api/page", headers={"cookie": "__prerender_bypass=" + "x" * 64})
    assert forged.headers["x-approute-cache"] == "HIT"
    assert count(root) == 3


def test_enable_in_middleware_is_a_clear_error(
    make_project: ProjectFactory, caplog: pytest.LogCaptureFixture
) -> None:
    root = make_project(
        {
            "middleware.py": "from approute.headers import draft_mode\n\n"
            "def middleware(request):\n    draft_mode().enable()\n",
            "app/api/draft/route.py": TOGGLE,
        }
    )
    client = TestClient(create_app(root), raise_server_exceptions=False)
    response = client.get("/api/draft")
    assert response.status_code == 500
    assert "draft_mode() was called outside a request scope" in caplog.text


def test_draft_mode_end_to_end_on_uvicorn(make_project: ProjectFactory) -> None:
    root = project(make_project)
    (root / "approute.config.py").write_text("cache_handler = 'filesystem'\n")
    with run_server(create_app(root), "httptools") as server:
        enabled = httpx.get(server.url + "/api/draft?action=enable")
        cookie = enabled.cookies.get("__prerender_bypass")
        assert cookie == secret_of(root)
        assert httpx.get(server.url + "/api/page").headers["x-approute-cache"] == "MISS"
        assert httpx.get(server.url + "/api/page").headers["x-approute-cache"] == "HIT"
        live = httpx.get(server.url + "/api/page", headers=draft_cookie(root))
        assert "x-approute-cache" not in live.headers
        assert live.json()["draft"] is True
