"""One request on its way through the stages: its path (changed by a
middleware rewrite), query, headers, body channel, the requests built for
it and the ``after()`` work it collected."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from approute._scope import AfterTask
from approute._types import Scope, Send
from approute.config.rules import RequestFacts
from approute.http.body import BodyChannel
from approute.http.request import NextRequest, RequestLimits
from approute.http.static_request import static_request

__all__ = ["RequestCycle", "strip_base_path"]


def strip_base_path(path: str, base_path: str) -> str | None:
    """``path`` without ``base_path``; None when it is outside it."""
    if not base_path:
        return path
    if path == base_path:
        return "/"
    if path.startswith(base_path + "/"):
        return path[len(base_path) :]
    return None


class RequestCycle:
    """One request on its way through the stages."""

    __slots__ = (
        "_facts",
        "add_forwarded",
        "after",
        "base_path",
        "cancelled_by_disconnect",
        "channel",
        "done",
        "full_path",
        "head_only",
        "outside_base_path",
        "path",
        "query",
        "raw_headers",
        "requests",
        "reusable_request",
        "scope",
        "send",
        "task",
    )

    def __init__(
        self,
        task: asyncio.Task[object],
        scope: Scope,
        channel: BodyChannel,
        send: Send,
        path: str | None,
        full_path: str,
        query: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        base_path: str,
    ) -> None:
        self.task = task
        self.scope = scope
        self.channel = channel
        self.send = send
        # Outside base_path only base_path: False rewrites apply, on full_path.
        self.outside_base_path = path is None
        self.path = full_path if path is None else path
        self.full_path = full_path
        self.query = query.decode("latin-1")
        self.raw_headers = raw_headers
        self.base_path = base_path
        self.head_only = scope["method"] == "HEAD"
        self.add_forwarded = True
        self.after: list[AfterTask | Awaitable[Any]] = []
        self.requests: list[NextRequest] = []
        self.reusable_request: NextRequest | None = None
        self.done = False
        self.cancelled_by_disconnect = False
        self._facts: RequestFacts | None = None

    def facts(self) -> RequestFacts:
        """Headers, cookies, query and host for ``has``/``missing`` conditions."""
        facts = self._facts
        if facts is None:
            facts = self._facts = RequestFacts(self.raw_headers, self.query)
        return facts

    def reset_facts(self) -> None:
        """The middleware changed the request: conditions see the new one."""
        self._facts = None

    def url_path(self) -> str:
        """The path the handler's URL shows: ``base_path`` + the current path."""
        base = self.base_path
        if not base:
            return self.path
        return base if self.path == "/" else base + self.path

    def request(
        self,
        raw_headers: list[tuple[bytes, bytes]],
        limits: RequestLimits,
        add_forwarded: bool,
        request_type: type[NextRequest] = NextRequest,
    ) -> NextRequest:
        """A ``NextRequest`` (or ``request_type``) for the current path, query and headers."""
        base = self.base_path
        request = request_type.from_asgi(
            self.scope,
            self.channel,
            path=self.url_path(),
            query=self.query,
            raw_headers=raw_headers,
            limits=limits,
            base_path=base,
            add_forwarded=add_forwarded,
        )
        self.requests.append(request)
        return request

    def static_request(
        self, limits: RequestLimits, path: str, *, strict: bool = False
    ) -> NextRequest:
        """The empty request a cached handler sees at the route's own ``path``
        (``http.static_request``), closed with the cycle."""
        request = static_request(path, limits, strict=strict, served=(self.scope, self.channel))
        self.requests.append(request)
        return request

    def on_disconnect(self) -> None:
        """Cancel the request task, unless the response is already done."""
        if not self.done:
            self.cancelled_by_disconnect = True
            self.task.cancel()
