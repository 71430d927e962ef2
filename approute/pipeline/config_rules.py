"""The ``approute.config.py`` stages: ``headers()``, ``redirects()`` and
``rewrites()`` applied to one request.

Rules are compiled at startup (``config.rules``); here they meet a request.
Every matching ``headers()`` rule adds its headers (a later rule wins per
name, ``Set-Cookie`` lines add up); the first matching ``redirects()`` rule
answers; a rewrite rule gives a typed target (``http.targets``): a path of
this app to route again, or another origin to proxy to.
"""

from __future__ import annotations

import logging

from approute._types import Send
from approute.config.load import ProjectConfig
from approute.config.rules import RequestFacts, RewriteRule
from approute.http.targets import RewriteTarget
from approute.pipeline.answers import send_router_redirect
from approute.pipeline.cycle import RequestCycle

__all__ = ["ConfigRules", "header_pair"]

logger = logging.getLogger("approute")

Pairs = list[tuple[bytes, bytes]]


def header_pair(key: str, value: str) -> tuple[bytes, bytes] | None:
    """A config header as ASGI bytes, or None when a substituted request value
    (a percent-decoded cookie or query capture) holds CR, LF or NUL and would split
    the response (tests/config/test_load.py)."""
    if any(char in value for char in "\r\n\0") or any(char in key for char in "\r\n\0 :"):
        return None
    try:
        return key.lower().encode("latin-1"), value.encode("latin-1")
    except UnicodeEncodeError:
        return None


class ConfigRules:
    """The project's rules, and how each kind meets a request."""

    __slots__ = ("_config",)

    def __init__(self, config: ProjectConfig) -> None:
        self._config = config

    def headers(self, path: str | None, full_path: str, facts: RequestFacts) -> Pairs:
        """Every matching ``headers()`` rule; a later rule wins per name,
        ``Set-Cookie`` lines add up."""
        values: dict[bytes, bytes] = {}
        cookies: Pairs = []
        for rule in self._config.headers:
            params = rule.source.match(path, full_path, facts)
            if params is None:
                continue
            for key, value in rule.apply(params):
                pair = header_pair(key, value)
                if pair is None:
                    logger.warning("config header %r skipped: its value cannot be sent", key)
                elif pair[0] == b"set-cookie":
                    cookies.append(pair)
                else:
                    values[pair[0]] = pair[1]
        return [*values.items(), *cookies]

    async def redirect(
        self, send: Send, path: str | None, full_path: str, query: str, facts: RequestFacts
    ) -> bool:
        """Answer with the first matching ``redirects()`` rule; False when none matches."""
        for rule in self._config.redirects:
            params = rule.source.match(path, full_path, facts)
            if params is not None:
                await send_router_redirect(send, rule.location(params, query), rule.status)
                return True
        return False

    @staticmethod
    def rewrite(rule: RewriteRule, route_path: str, cycle: RequestCycle) -> RewriteTarget | None:
        """Where ``rule`` sends this request at ``route_path``; None when it
        does not match. Outside ``base_path`` only ``base_path: False`` rules
        match, on the full path."""
        if cycle.outside_base_path:
            params = rule.source.match(None, cycle.full_path, cycle.facts())
        else:
            params = rule.source.match(route_path, cycle.base_path + route_path, cycle.facts())
        if params is None:
            return None
        return rule.target(params, cycle.query)
