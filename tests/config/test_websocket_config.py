"""``websocket = {...}`` and ``pubsub`` in approute.config.py: defaults, and a
clear error naming the key for each bad value (docs/websockets.md)."""

from __future__ import annotations

import pytest

from approute.config.load import load_config
from approute.config.websocket import WebSocketConfig, normalize_origin, origin_is_host
from approute.errors import ProjectError
from tests.conftest import ProjectFactory


def test_defaults(make_project: ProjectFactory) -> None:
    config = load_config(make_project({"approute.config.py": "compress = True\n"}))
    assert config.websocket == WebSocketConfig()
    assert (config.websocket.max_message_size, config.websocket.max_queued_bytes) == (
        1024 * 1024,
        4 * 1024 * 1024,
    )
    assert config.pubsub is None


def test_every_key(make_project: ProjectFactory) -> None:
    config = load_config(
        make_project(
            {
                "approute.config.py": "websocket = {'max_message_size': '2kb', "
                "'max_queued_bytes': 10_000, 'idle_timeout': None, 'max_connections': 3, "
                "'allowed_origins': ['https://A.example/', '*']}\n"
            }
        )
    )
    assert config.websocket == WebSocketConfig(
        max_message_size=2048,
        max_queued_bytes=10_000,
        idle_timeout=None,
        max_connections=3,
        allowed_origins=("https://a.example:443", "*"),
    )


@pytest.mark.parametrize(
    ("source", "pubsub"),
    [
        ("cache_handler = 'redis://db:6379/0'\n", "redis://db:6379/0"),
        ("cache_handler = 'redis://db/0'\npubsub = 'memory'\n", None),
        ("pubsub = 'rediss://db:6380/1'\n", "rediss://db:6380/1"),
        ("cache_handler = 'memory'\n", None),
    ],
)
def test_pubsub_follows_a_redis_cache_handler_unless_set(
    make_project: ProjectFactory, source: str, pubsub: str | None
) -> None:
    assert load_config(make_project({"approute.config.py": source})).pubsub == pubsub


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("websocket = []\n", "websocket must be a dict"),
        ("websocket = {'maxPayload': 1}\n", "websocket has unknown key 'maxPayload'"),
        (
            "websocket = {'max_message_size': 'huge'}\n",
            "websocket['max_message_size']: cannot read 'huge'",
        ),
        ("websocket = {'max_queued_bytes': 0}\n", "must be more than 0 bytes"),
        ("websocket = {'idle_timeout': 0}\n", "idle_timeout'] must be a number of seconds > 0"),
        ("websocket = {'max_connections': 0}\n", "max_connections'] must be a whole number"),
        ("websocket = {'allowed_origins': 'https://a.example'}\n", "must be a list"),
        ("websocket = {'allowed_origins': ['a.example']}\n", "'a.example' is not an origin"),
        ("pubsub = 'kafka://x'\n", "pubsub must be 'memory' or a redis://"),
    ],
)
def test_bad_values_name_the_key(make_project: ProjectFactory, source: str, message: str) -> None:
    with pytest.raises(ProjectError) as error:
        load_config(make_project({"approute.config.py": source}))
    assert str(error.value).startswith("approute.config.py: ")
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("origin", "normalized"),
    [
        ("https://example.com", "https://example.com:443"),
        ("HTTP://Example.COM:8080", "http://example.com:8080"),
        ("http://[::1]:3000", "http://[::1]:3000"),
        ("https://example.com/", "https://example.com:443"),
        ("null", None),
        ("https://user@example.com", None),
        ("https://example.com/path", None),
        ("ftp://example.com", None),
        ("https://example.com:99999", None),
    ],
)
def test_origins_are_normalised_once(origin: str, normalized: str | None) -> None:
    assert normalize_origin(origin) == normalized


@pytest.mark.parametrize(
    ("origin", "host", "same"),
    [
        ("https://example.com:443", "example.com", True),
        ("https://example.com:443", "Example.COM:443", True),
        ("http://example.com:80", "example.com:8080", False),
        ("http://[::1]:3000", "[::1]:3000", True),
        ("http://[::1]:80", "[::1]", True),
        ("https://example.com:443", "evil.example", False),
    ],
)
def test_origin_is_host_fills_in_the_default_port(origin: str, host: str, same: bool) -> None:
    assert origin_is_host(origin, host) is same
