"""Topics on a real redis-server: two apps (as two instances would be) share
a room; Redis going away loses messages, never a connection, and the
listener comes back when Redis does (docs/websockets.md)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from approute.app import create_app
from approute.cache.memory import MemoryCacheHandler
from approute.testing import TestClient
from tests.support.raw import wait_for
from tests.support.redis import RedisServer

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "websockets"


def _project(tmp_path: Path, url: str) -> Path:
    root = tmp_path / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns(".approute", "__pycache__"))
    config = root / "approute.config.py"
    config.write_text(config.read_text() + f"\npubsub = {url!r}\n")
    return root


def _client(root: Path) -> TestClient:
    return TestClient(create_app(root, cache_handler=MemoryCacheHandler()))


def test_a_publish_reaches_a_subscriber_of_another_app(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    root = _project(tmp_path, redis_server.url)
    with (
        _client(root) as one,
        _client(root) as two,
        one.websocket_connect("/rooms/r") as listener,
        two.websocket_connect("/rooms/r") as speaker,
    ):
        listener.receive_json()
        speaker_id = speaker.receive_json()["id"]
        speaker.send_text("hello over redis")
        assert listener.receive_json() == {"from": speaker_id, "text": "hello over redis"}
        speaker.send_bytes(b"\x00binary")  # the route publishes text(): decoded
        assert listener.receive_json()["text"] == "\x00binary"


def test_the_sender_does_not_hear_itself_and_other_prefixes_do_not_hear(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    root = _project(tmp_path / "a", redis_server.url)
    other = _project(tmp_path / "b", redis_server.url)  # another folder: another prefix
    with (
        _client(root) as one,
        _client(other) as two,
        one.websocket_connect("/rooms/r") as speaker,
        one.websocket_connect("/rooms/r") as same_app,
        two.websocket_connect("/rooms/r") as other_app,
    ):
        speaker_id = speaker.receive_json()["id"]
        same_id = same_app.receive_json()["id"]
        other_app.receive_json()
        speaker.send_text("first")
        assert same_app.receive_json() == {"from": speaker_id, "text": "first"}
        other_app.send_text("from b")  # only b's room hears it: nobody else there
        same_app.send_text("reply")
        # Not its own "first", not b's message: the reply is the next thing.
        assert speaker.receive_json() == {"from": same_id, "text": "reply"}


def test_redis_down_loses_messages_not_connections_and_topics_resume(
    tmp_path: Path, own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="approute")
    root = _project(tmp_path, own_redis_server.url)
    with (
        _client(root) as one,
        _client(root) as two,
        one.websocket_connect("/rooms/r") as listener,
        two.websocket_connect("/rooms/r") as speaker,
    ):
        listener.receive_json()
        speaker_id = speaker.receive_json()["id"]
        own_redis_server.stop()
        speaker.send_text("lost")
        assert wait_for(lambda: "was lost" in caplog.text, timeout=10)
        own_redis_server.start()  # same port
        assert wait_for(lambda: "topics resumed" in caplog.text, timeout=15)
        speaker.send_text("after the restart")
        assert listener.receive_json() == {"from": speaker_id, "text": "after the restart"}


def test_a_first_subscribe_while_redis_is_down_is_retried(
    tmp_path: Path, own_redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="approute")
    root = _project(tmp_path, own_redis_server.url)
    own_redis_server.stop()
    with _client(root) as one, one.websocket_connect("/rooms/r") as listener:
        listener.receive_json()  # joined, though Redis did not answer
        assert "pubsub: Redis unavailable" in caplog.text
        own_redis_server.start()
        assert wait_for(lambda: "topics resumed" in caplog.text, timeout=15)
        with _client(root) as two, two.websocket_connect("/rooms/r") as speaker:
            speaker_id = speaker.receive_json()["id"]
            speaker.send_text("heard after all")
            assert listener.receive_json() == {"from": speaker_id, "text": "heard after all"}
