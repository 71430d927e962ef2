"""``websocket = {...}`` and ``pubsub`` in approute.config.py: the limits of
WebSocket connections and where topics are shared (docs/websockets.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from approute.config.settings_dict import checked_dict
from approute.errors import ProjectError
from approute.http.body_limits import parse_size

__all__ = [
    "WebSocketConfig",
    "normalize_origin",
    "origin_is_host",
    "read_pubsub",
    "read_websocket_config",
]

_KEYS: Final = (
    "allowed_origins",
    "idle_timeout",
    "max_connections",
    "max_message_size",
    "max_queued_bytes",
)


@dataclass(frozen=True, slots=True)
class WebSocketConfig:
    """Limits of each worker's WebSocket connections; each one a limit
    closes is logged with its RFC 6455 close code."""

    # A message from a client larger than this closes with 1009.
    max_message_size: int = 1024 * 1024
    # Messages queued for a client that reads too slowly: over this, 1008.
    max_queued_bytes: int = 4 * 1024 * 1024
    # Seconds without a message either way: 1001. None: no limit.
    idle_timeout: float | None = 300.0
    # Open connections per worker process: one more is closed with 1013.
    max_connections: int = 4096
    # Origins (scheme://host[:port]) allowed besides the request's own host;
    # "*" allows any. A browser handshake from another origin gets 403.
    allowed_origins: tuple[str, ...] = ()


_DEFAULT_PORTS: Final = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def normalize_origin(origin: str) -> str | None:
    """``scheme://host:port`` in lower case with the port always written
    (``https://Example.com`` → ``https://example.com:443``); None when
    ``origin`` is not one (a path, a query, user info, ``null``)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port if port is not None else _DEFAULT_PORTS[scheme]}"


def origin_is_host(origin: str, host: str) -> bool:
    """Whether ``origin`` (from ``normalize_origin``) names the request's
    ``Host``; a ``Host`` without a port has the origin scheme's default one."""
    scheme, _, origin_host = origin.partition("://")
    own = host.strip().lower()
    if ":" not in own.rpartition("]")[2]:  # no port (after an IPv6 address's "]")
        own += ":" + _DEFAULT_PORTS[scheme]
    return origin_host == own


def read_websocket_config(value: Any, where: str) -> WebSocketConfig:
    """``websocket = {"max_message_size": "1mb", ...}``, every key optional."""
    defaults = WebSocketConfig()
    if value is None:
        return defaults
    value = checked_dict(value, "websocket", _KEYS, "{'max_message_size': '1mb'}", where)
    settings: dict[str, Any] = {}
    for key in ("max_message_size", "max_queued_bytes"):
        if key in value:
            label = f"websocket['{key}']"
            try:
                settings[key] = parse_size(value[key], where=label)
            except ValueError as error:
                raise ProjectError(f"{where}: {error}") from None
            if not settings[key]:
                raise ProjectError(f"{where}: {label} must be more than 0 bytes")
    if "idle_timeout" in value:
        idle = value["idle_timeout"]
        if idle is not None and (
            isinstance(idle, bool) or not isinstance(idle, int | float) or not idle > 0
        ):
            raise ProjectError(
                f"{where}: websocket['idle_timeout'] must be a number of seconds > 0 "
                f"or None for no limit; got {idle!r}"
            )
        settings["idle_timeout"] = None if idle is None else float(idle)
    if "max_connections" in value:
        count = value["max_connections"]
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ProjectError(
                f"{where}: websocket['max_connections'] must be a whole number >= 1; got {count!r}"
            )
        settings["max_connections"] = count
    if "allowed_origins" in value:
        settings["allowed_origins"] = _origins(value["allowed_origins"], where)
    return WebSocketConfig(**{**_as_dict(defaults), **settings})


def _as_dict(config: WebSocketConfig) -> dict[str, Any]:
    return {key: getattr(config, key) for key in _KEYS}


def _origins(value: Any, where: str) -> tuple[str, ...]:
    label = f"{where}: websocket['allowed_origins']"
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ProjectError(f"{label} must be a list like ['https://example.com']; got {value!r}")
    origins = []
    for origin in value:
        if origin == "*":
            origins.append(origin)
            continue
        normalized = normalize_origin(origin) if isinstance(origin, str) else None
        if normalized is None:
            raise ProjectError(
                f"{label}: {origin!r} is not an origin; write scheme://host[:port] "
                "(e.g. 'https://example.com'), or '*' for any"
            )
        origins.append(normalized)
    return tuple(origins)


def read_pubsub(value: Any, cache_handler: str | None, where: str) -> str | None:
    """``pubsub = "redis://..."`` (or ``"memory"``): where topics are shared.
    By default the Redis of a Redis ``cache_handler``; else memory (None)."""
    if value is None:
        if cache_handler is not None and cache_handler.startswith(("redis", "unix")):
            return cache_handler
        return None
    if value == "memory":
        return None
    if isinstance(value, str) and value.startswith(("redis://", "rediss://", "unix://")):
        return value
    raise ProjectError(
        f"{where}: pubsub must be 'memory' or a redis://, rediss:// or unix:// URL; got {value!r}"
    )
