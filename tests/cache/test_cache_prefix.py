"""``cache_prefix``: apps sharing one Redis share entries and tags only when
they share a prefix (issue 11, finding 8). Two real uvicorn servers on one
real redis-server; the config key's validation and the default prefix
(derived from the project's folder) in-process."""

from __future__ import annotations

import re
import textwrap
import uuid
from pathlib import Path

import httpx
import pytest

from approute.app import create_app
from approute.cache.redis import RedisCacheHandler
from approute.config.load import load_config
from approute.errors import ProjectError
from tests.support.redis import RedisServer
from tests.support.servers import run_server

ROUTE = textwrap.dedent(
    """
    from pathlib import Path
    from approute import NextResponse
    from approute.cache import revalidate_tag

    dynamic = "force-static"
    INSTANCE = Path(__file__).parents[3].name

    def GET(request):
        return NextResponse.json({"instance": INSTANCE})

    def POST(request):
        revalidate_tag("_path:/api/x", {"expire": 0})  # revalidate_path("/api/x")
        return NextResponse.json({"ok": True})
    """
)


def _project(root: Path, redis_url: str, prefix: str | None) -> Path:
    route = root / "app" / "api" / "x" / "route.py"
    route.parent.mkdir(parents=True)
    route.write_text(ROUTE)
    config = f"cache_handler = {redis_url!r}\n"
    if prefix is not None:
        config += f"cache_prefix = {prefix!r}\n"
    (root / "approute.config.py").write_text(config)
    return root


def _unique() -> str:
    return f"t{uuid.uuid4().hex[:12]}"  # tests share one redis-server


def _get(url: str) -> tuple[str, str]:
    response = httpx.get(url + "/api/x")
    assert response.status_code == 200
    return response.headers["x-approute-cache"], response.json()["instance"]


@pytest.mark.redis
@pytest.mark.parametrize(
    "prefixes",
    [
        pytest.param((_unique(), _unique()), id="different-prefixes"),
        pytest.param((None, None), id="default-prefixes"),
    ],
)
def test_apps_with_different_prefixes_share_nothing(
    tmp_path: Path, redis_server: RedisServer, prefixes: tuple[str | None, str | None]
) -> None:
    a = _project(tmp_path / "a", redis_server.url, prefixes[0])
    b = _project(tmp_path / "b", redis_server.url, prefixes[1])
    with (
        run_server(create_app(a), "httptools") as server_a,
        run_server(create_app(b), "h11") as server_b,
    ):
        assert _get(server_a.url) == ("MISS", "a")
        assert _get(server_b.url) == ("MISS", "b")  # not a's entry
        assert _get(server_a.url) == ("HIT", "a")
        assert _get(server_b.url) == ("HIT", "b")
        # a's revalidate_tag expires a's entry only.
        assert httpx.post(server_a.url + "/api/x").status_code == 200
        assert _get(server_a.url) == ("MISS", "a")
        assert _get(server_b.url) == ("HIT", "b")


@pytest.mark.redis
def test_apps_with_the_same_prefix_share_entries_and_tags(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    prefix = _unique()
    a = _project(tmp_path / "a", redis_server.url, prefix)
    b = _project(tmp_path / "b", redis_server.url, prefix)
    with (
        run_server(create_app(a), "httptools") as server_a,
        run_server(create_app(b), "h11") as server_b,
    ):
        assert _get(server_a.url) == ("MISS", "a")
        assert _get(server_b.url) == ("HIT", "a")  # computed by the other app
        assert httpx.post(server_b.url + "/api/x").status_code == 200
        assert _get(server_a.url) == ("MISS", "a")  # b's revalidate_tag reached it
        assert _get(server_b.url) == ("HIT", "a")


@pytest.mark.redis
def test_keys_and_tags_live_under_the_prefix(tmp_path: Path, redis_server: RedisServer) -> None:
    import redis

    prefix = f"shop.{_unique()}:v1"
    root = _project(tmp_path / "a", redis_server.url, prefix)
    with run_server(create_app(root), "h11") as server:
        assert _get(server.url)[0] == "MISS"
        assert httpx.post(server.url + "/api/x").status_code == 200
    client = redis.Redis.from_url(redis_server.url)
    try:
        keys = sorted(key.decode() for key in client.scan_iter(match=f"*{prefix}*"))
    finally:
        client.close()
    assert keys == [f"{prefix}:e:route:/api/x:/api/x", f"{prefix}:tags:expired"]


def test_the_default_prefix_is_the_folder_and_a_hash_of_its_path(tmp_path: Path) -> None:
    from approute.cache.select import redis_prefix_for

    one = redis_prefix_for(tmp_path / "one" / "my shop", None)
    other = redis_prefix_for(tmp_path / "two" / "my shop", None)
    assert re.fullmatch(r"approute:my-shop-[0-9a-f]{12}:", one)
    assert one != other  # same folder name, another project
    assert one == redis_prefix_for(tmp_path / "one" / "my shop", None)  # stable
    assert redis_prefix_for(tmp_path, "shop") == "shop:"


def test_a_redis_handler_gets_the_prefix(tmp_path: Path) -> None:
    pytest.importorskip("redis")
    from approute.cache.select import cache_handler_from_config, redis_prefix_for

    handler = cache_handler_from_config(
        "redis://127.0.0.1:1/0",
        cache_dir=tmp_path,
        redis_prefix=redis_prefix_for(tmp_path, "shop"),
    )
    assert isinstance(handler, RedisCacheHandler)
    assert handler.redis_key("route:/x") == "shop:e:route:/x"


@pytest.mark.parametrize(
    "value",
    ["", "a b", "a*", "a\nb", "x" * 65, 5, b"shop"],
    ids=["empty", "space", "glob", "newline", "too-long", "int", "bytes"],
)
def test_a_bad_cache_prefix_names_the_key_and_file(tmp_path: Path, value: object) -> None:
    (tmp_path / "approute.config.py").write_text(f"cache_prefix = {value!r}\n")
    with pytest.raises(ProjectError, match=r"approute\.config\.py: cache_prefix must be"):
        load_config(tmp_path)


def test_a_good_cache_prefix_is_kept(tmp_path: Path) -> None:
    (tmp_path / "approute.config.py").write_text("cache_prefix = 'myco:shop-1.v2_x'\n")
    assert load_config(tmp_path).cache_prefix == "myco:shop-1.v2_x"
    (tmp_path / "approute.config.py").write_text("")
    assert load_config(tmp_path).cache_prefix is None
