"""``approute.config.py``: read once at startup, checked strictly.

Every module-level name that does not start with ``_`` and was not imported
must be a known key, so a typo (``trailingSlash``) is an error naming the
key and the file rather than a setting silently ignored.
"""

from __future__ import annotations

import asyncio
import inspect
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from approute.config.openapi import OpenAPIConfig, read_openapi_config
from approute.config.paths import plain_segments
from approute.config.rules import (
    HeaderRule,
    RedirectRule,
    RewriteRule,
    compile_header_rules,
    compile_redirect_rules,
    compile_rewrite_rules,
)
from approute.config.websocket import WebSocketConfig, read_pubsub, read_websocket_config
from approute.errors import ProjectError
from approute.http.body_limits import BodyPace, parse_size
from approute.project.layout import CONFIG_FILE
from approute.project.loader import load_module

__all__ = ["KNOWN_KEYS", "ProjectConfig", "load_config"]
KNOWN_KEYS: Final = (
    "base_path",
    "body_deadline",
    "body_min_rate",
    "body_size_limit",
    "body_timeout",
    "cache_handler",
    "cache_prefix",
    "compress",
    "headers",
    "openapi",
    "problem_details",
    "pubsub",
    "redirects",
    "rewrites",
    "route_cache_max_entries",
    "shutdown_timeout",
    "static_page_generation_timeout",
    "trailing_slash",
    "websocket",
)
_REWRITE_STAGES: Final = ("before_files", "after_files", "fallback")
# The body pace's defaults (approute.http.body_limits), written once.
_PACE: Final = BodyPace()
# No spaces, control or glob characters (* ? [ ]): a Redis key namespace.
_CACHE_PREFIX: Final = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(frozen=True, slots=True)
class ProjectConfig:
    """The validated configuration (defaults when there is no config file)."""

    base_path: str = ""
    trailing_slash: bool = False
    body_size_limit: int = 4 * 1024 * 1024
    compress: bool = True
    cache_handler: str | None = None
    # Redis keys start with "<cache_prefix>:"; None: derived from the project
    # folder (approute.cache.select.redis_prefix_for).
    cache_prefix: str | None = None
    # Seconds one prerender may take at `approute build` (Next.js's default).
    static_page_generation_timeout: float = 60.0
    # A request body: at most this many seconds without a byte, this many
    # in all, and at least this many bytes a second after the grace period
    # (docs/security.md: a body trickled in must not hold a connection).
    body_timeout: float | None = _PACE.idle
    body_deadline: float | None = _PACE.deadline
    body_min_rate: float | None = _PACE.min_rate
    # Seconds `approute start` lets open responses finish after SIGTERM.
    shutdown_timeout: float = 10.0
    # Entries one route keeps in the route cache (least recently used go).
    route_cache_max_entries: int = 1000
    headers: tuple[HeaderRule, ...] = ()
    redirects: tuple[RedirectRule, ...] = ()
    before_files: tuple[RewriteRule, ...] = ()
    after_files: tuple[RewriteRule, ...] = ()
    fallback: tuple[RewriteRule, ...] = field(default=())
    # None: no OpenAPI document nor docs page (the key is absent).
    openapi: OpenAPIConfig | None = None
    # problem_details(problem, request) -> dict: reshapes the problem+json
    # body of a declared handler's invalid request (docs/validation.md).
    problem_details: Callable[[dict[str, Any], Any], Any] | None = None
    # WebSocket limits, and the Redis URL topics are shared through (None: memory).
    websocket: WebSocketConfig = field(default_factory=WebSocketConfig)
    pubsub: str | None = None

    @property
    def external_outside_base_path(self) -> bool:
        """Whether a ``base_path: False`` rewrite may answer outside ``base_path``."""
        return any(
            not rule.source.with_base_path
            for rule in (*self.before_files, *self.after_files, *self.fallback)
        )

    @property
    def has_rules(self) -> bool:
        """Whether any headers/redirects/rewrites are configured."""
        return bool(
            self.headers or self.redirects or self.before_files or self.after_files or self.fallback
        )


def _own_names(module: ModuleType) -> dict[str, Any]:
    """Names the config file defines itself (not imports, not ``_private``)."""
    names = {}
    for name, value in vars(module).items():
        if name.startswith("_"):
            continue
        if isinstance(value, ModuleType):
            continue
        defined_in = getattr(value, "__module__", module.__name__)
        if (inspect.isfunction(value) or inspect.isclass(value)) and defined_in != module.__name__:
            continue
        names[name] = value
    return names


def _call(func: Callable[[], Any]) -> Any:
    """Call a sync or async config function (also from inside a running loop)."""
    result = func()
    if not inspect.isawaitable(result):
        return result
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_await(result))
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = asyncio.run(_await(result))
        except BaseException as error:  # re-raised in the calling thread
            box["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _rules_of(names: Mapping[str, Any], key: str, where: str) -> Any:
    value = names.get(key)
    if value is None:
        return None
    if not callable(value):
        raise ProjectError(f"{where}: {key} must be a function returning a list (sync or async)")
    try:
        return _call(value)
    except ProjectError:
        raise
    except Exception as error:
        raise ProjectError(f"{where}: {key}() raised {type(error).__name__}: {error}") from error


def _list(value: Any, label: str) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ProjectError(f"{label} must return a list; got {type(value).__name__}")
    return value


def _base_path(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ProjectError(f"{where}: base_path must be a string like '/docs'; got {value!r}")
    if value and (not value.startswith("/") or value.endswith("/")):
        raise ProjectError(
            f"{where}: base_path must start with '/' and not end with '/'; got {value!r}"
        )
    if value and not plain_segments(value):
        raise ProjectError(
            f"{where}: base_path {value!r} must be plain path segments "
            "(letters, digits, - . _ ~; no empty, '.' or '..' segments)"
        )
    return value


def _positive(
    names: Mapping[str, Any],
    key: str,
    default: float | None,
    where: str,
    *,
    unit: str = "seconds",
    optional: bool = False,
) -> Any:
    """A number of seconds (or bytes a second) > 0; None too when ``optional``
    (no limit)."""
    value = names.get(key, default)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        allowed = " or None for no limit" if optional else ""
        raise ProjectError(f"{where}: {key} must be a number of {unit} > 0{allowed}; got {value!r}")
    return float(value)


def _cache_handler(value: Any, where: str) -> str | None:
    if value is None or value in ("memory", "filesystem"):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str) and value.startswith(("redis://", "rediss://", "unix://")):
        return value
    raise ProjectError(
        f"{where}: cache_handler must be None, 'memory', 'filesystem' or 'redis://...'; "
        f"got {value!r}"
    )


def _cache_prefix(value: Any, where: str) -> str | None:
    if value is None or (isinstance(value, str) and _CACHE_PREFIX.fullmatch(value)):
        return value
    raise ProjectError(
        f"{where}: cache_prefix must be 1 to 64 letters, digits or . _ : - "
        f"(the namespace of this app's Redis keys, e.g. 'shop'); got {value!r}"
    )


def load_config(root: Path) -> ProjectConfig:
    """Read ``root/approute.config.py``; defaults when it does not exist."""
    file = root / CONFIG_FILE
    if not file.is_file():
        return ProjectConfig()
    where = CONFIG_FILE
    names = _own_names(load_module(file, root))
    unknown = sorted(set(names) - set(KNOWN_KEYS))
    if unknown:
        raise ProjectError(
            f"{where}: unknown setting {', '.join(map(repr, unknown))}; "
            f"known settings are {', '.join(KNOWN_KEYS)}"
        )
    base_path = _base_path(names.get("base_path", ""), where)
    trailing_slash = names.get("trailing_slash", False)
    compress = names.get("compress", True)
    for key, value in (("trailing_slash", trailing_slash), ("compress", compress)):
        if not isinstance(value, bool):
            raise ProjectError(f"{where}: {key} must be True or False; got {value!r}")
    try:
        body_size_limit = parse_size(names.get("body_size_limit", "4mb"))
    except ValueError as error:
        raise ProjectError(f"{where}: {error}") from None
    cache_handler = _cache_handler(names.get("cache_handler"), where)
    cache_prefix = _cache_prefix(names.get("cache_prefix"), where)
    defaults = ProjectConfig()
    timeout = _positive(names, "static_page_generation_timeout", 60.0, where)
    body_timeout, body_deadline, body_min_rate = (
        _positive(names, key, getattr(defaults, key), where, unit=unit, optional=True)
        for key, unit in (
            ("body_timeout", "seconds"),
            ("body_deadline", "seconds"),
            ("body_min_rate", "bytes a second"),
        )
    )
    shutdown_timeout = _positive(names, "shutdown_timeout", defaults.shutdown_timeout, where)
    max_entries = names.get("route_cache_max_entries", defaults.route_cache_max_entries)
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise ProjectError(
            f"{where}: route_cache_max_entries must be a whole number >= 1; got {max_entries!r}"
        )
    headers = compile_header_rules(
        _list(_rules_of(names, "headers", where), f"{where}: headers()"), f"{where}: headers()"
    )
    redirects = compile_redirect_rules(
        _list(_rules_of(names, "redirects", where), f"{where}: redirects()"),
        f"{where}: redirects()",
        base_path,
    )
    stages = _rewrite_stages(_rules_of(names, "rewrites", where), where)
    openapi = read_openapi_config(names.get("openapi"), root, where)
    problem_details = names.get("problem_details")
    if problem_details is not None and not callable(problem_details):
        raise ProjectError(
            f"{where}: problem_details must be a function (problem, request) -> dict; "
            f"got {type(problem_details).__name__}"
        )
    websocket = read_websocket_config(names.get("websocket"), where)
    pubsub = read_pubsub(names.get("pubsub"), cache_handler, where)
    return ProjectConfig(
        base_path=base_path,
        trailing_slash=trailing_slash,
        body_size_limit=body_size_limit,
        compress=compress,
        cache_handler=cache_handler,
        cache_prefix=cache_prefix,
        static_page_generation_timeout=timeout,
        shutdown_timeout=shutdown_timeout,
        route_cache_max_entries=max_entries,
        body_timeout=body_timeout,
        body_deadline=body_deadline,
        body_min_rate=body_min_rate,
        headers=headers,
        redirects=redirects,
        openapi=openapi,
        problem_details=problem_details,
        websocket=websocket,
        pubsub=pubsub,
        **stages,
    )


def _rewrite_stages(value: Any, where: str) -> dict[str, tuple[RewriteRule, ...]]:
    """``rewrites()`` returns a list (= after_files) or a dict of the three lists."""
    if value is None:
        return {}
    label = f"{where}: rewrites()"
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - set(_REWRITE_STAGES))
        if unknown:
            raise ProjectError(f"{label} has unknown keys {unknown}; use {list(_REWRITE_STAGES)}")
        return {
            stage: compile_rewrite_rules(
                _list(value.get(stage), f"{label}[{stage!r}]"), f"{label}[{stage!r}]"
            )
            for stage in _REWRITE_STAGES
        }
    return {"after_files": compile_rewrite_rules(_list(value, label), label)}
