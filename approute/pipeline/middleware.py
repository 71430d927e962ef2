"""The middleware stage: run the middleware when its matcher matches, read
its answer as a ``MiddlewareResult``, and apply that to the request.

What a middleware's answer means (Next.js):

* ``None`` / ``NextResponse.next()`` → ``Continue``: the route runs;
  ``next(request={"headers": h})`` makes it see exactly ``h``; headers and
  cookies on the returned response go on the final response, and its cookies
  are visible to the route's ``cookies()``;
* ``NextResponse.rewrite(url)`` → same origin: ``Rewrite`` (route the
  destination's path and query instead, with the headers as for ``next()``);
  another origin: ``Proxy`` (the request is forwarded there);
* a 3xx with ``Location`` → ``Redirect``: a same-origin ``Location`` made
  relative (its ``#fragment`` kept), the location as the body;
* any other response → ``Respond``: sent as it is; the route never runs.

A middleware that raises answers 500 and the route never runs (fail closed);
in dev the 500 shows its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Sequence
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlsplit

from approute.errors import RequestError
from approute.http.default_headers import DefaultHeaders
from approute.http.dev_error import dev_error_response, error_text
from approute.http.headers import Headers
from approute.http.paths import normalize_path
from approute.http.request import NextRequest, RequestLimits
from approute.http.response import REDIRECT_STATUSES, NextResponse, Response
from approute.http.set_cookie import ResponseCookies
from approute.http.targets import ExternalURL, InternalPath
from approute.http.websocket import UpgradeResponse
from approute.middleware.module import MiddlewareModule
from approute.middleware.run import merge_cookies, run_middleware, wrong_answer
from approute.pipeline.answers import report_server_error, send_server_error, with_headers
from approute.pipeline.config_rules import ConfigRules
from approute.pipeline.cycle import RequestCycle, strip_base_path
from approute.pipeline.proxy import ProxyStage

__all__ = [
    "Continue",
    "MiddlewareResult",
    "MiddlewareStage",
    "Proxy",
    "Redirect",
    "Respond",
    "Rewrite",
    "middleware_result",
]

logger = logging.getLogger("approute")

Pairs = tuple[tuple[bytes, bytes], ...]

# Never copied from the middleware's response onto the final one (Next.js
# filters these when it merges the middleware's headers).
_NOT_MERGED: Final = frozenset(
    {
        b"content-length",
        b"content-type",
        b"content-encoding",
        b"transfer-encoding",
        b"connection",
        b"keep-alive",
        b"expect",
        b"accept-encoding",
    }
)
_PATH_SAFE: Final = "/%:@!$&'()*+,;=-._~"
# All printable ASCII but WHATWG's fragment percent-encode set (space " < > `).
_FRAGMENT_SAFE: Final = "!#$%&'()*+,-./:;=?@[\\]^_{|}~"


class Continue(NamedTuple):
    """The route runs. ``response_headers`` go on its response (losing to
    its own); the route sees exactly ``request_headers`` when given, and
    ``cookies`` (the middleware's ``Set-Cookie``s) in its ``cookies()``."""

    response_headers: Pairs = ()
    request_headers: Headers | None = None
    cookies: ResponseCookies | None = None


class Rewrite(NamedTuple):
    """The route of ``to`` runs instead, with ``then`` applied as for ``next()``."""

    to: InternalPath
    then: Continue


class Proxy(NamedTuple):
    """The request is forwarded to another origin."""

    to: ExternalURL


class Redirect(NamedTuple):
    """A redirect in Next.js's middleware shape, sent as it is."""

    response: Response


class Respond(NamedTuple):
    """The middleware's own response, sent as it is."""

    response: Response


# Tuples, not frozen dataclasses: one is made for every middleware run.
MiddlewareResult = Continue | Rewrite | Proxy | Redirect | Respond


def _same_origin_path(url: str, origin: str, *, fragment: bool = False) -> str | None:
    """The path+query of ``url`` when it is on ``origin``, else None;
    ``fragment=True`` keeps its ``#fragment`` too (a redirect's, not a
    rewrite's: routing never sees one)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}".lower() != origin.lower():
        return None
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    path += f"?{parts.query}" if parts.query else ""
    if fragment and parts.fragment:
        path += "#" + quote(parts.fragment, safe=_FRAGMENT_SAFE)
    return path


def _redirect(response: Response, location: str, origin: str) -> Response:
    """A middleware redirect's shape (Next.js): a same-origin ``Location``
    relative (only the origin is stripped), the location as the body, no
    content type, no refresh."""
    relative = _same_origin_path(location, origin, fragment=True)
    target = relative if relative is not None else location
    headers = Headers([(name, value) for name, value in response.headers.multi_items()])
    headers.set("location", target)
    headers.delete("content-type")
    headers.delete("content-length")
    return Response(target.encode(), status=response.status, headers=headers)


_CONTINUE: Final = Continue()


def middleware_result(answer: Response | None, request: NextRequest) -> MiddlewareResult:
    """What the middleware's ``answer`` to ``request`` means."""
    if answer is None:
        return _CONTINUE
    is_next = isinstance(answer, NextResponse) and answer.is_next
    rewrite_url = answer.rewrite_url if isinstance(answer, NextResponse) else None
    if not is_next and rewrite_url is None:
        if type(answer) is UpgradeResponse:
            raise TypeError(
                "NextResponse.upgrade() was returned by the middleware; only a route "
                "handler's GET accepts a WebSocket (the middleware may refuse or rewrite it)"
            )
        location = answer.headers.get("location") if answer.status in REDIRECT_STATUSES else None
        if location:
            return Redirect(_redirect(answer, location, request.next_url.origin))
        return Respond(answer)
    # One pass: the headers that carry over, and whether a cookie was set.
    kept = []
    has_cookie = False
    for pair in answer.raw_headers():
        name = pair[0]
        if name not in _NOT_MERGED:
            kept.append(pair)
            has_cookie = has_cookie or name == b"set-cookie"
    request_headers = cookies = None
    if isinstance(answer, NextResponse):
        # Next.js skips an empty override list: the route keeps its headers.
        request_headers = answer.forward_headers or None
        if has_cookie:
            cookies = answer.cookies
    if not kept and request_headers is None:
        then = _CONTINUE
    else:  # tuple.__new__: NamedTuple's own __new__ is a Python-level call
        then = tuple.__new__(Continue, (tuple(kept), request_headers, cookies))
    if rewrite_url is None:
        return then
    target = _same_origin_path(rewrite_url, request.next_url.origin)
    if target is None:
        return Proxy(ExternalURL(rewrite_url))
    path, _, query = target.partition("?")
    return Rewrite(InternalPath(normalize_path(path.encode("latin-1")).path, query), then)


class MiddlewareStage:
    """The project's middleware, and applying its result to a request."""

    __slots__ = (
        "_config",
        "_dev",
        "_direct",
        "_limits",
        "_middleware",
        "_proxy",
        "_rewrite_headers",
    )

    def __init__(
        self,
        middleware: MiddlewareModule,
        *,
        limits: RequestLimits,
        proxy: ProxyStage,
        config: ConfigRules,
        rewrite_headers: bool,
        dev: bool = False,
    ) -> None:
        self._middleware = middleware
        self._dev = dev  # a raising middleware shows its traceback
        self._limits = limits
        self._proxy = proxy
        self._config = config
        # Whether any config headers() rule exists to re-match after a rewrite.
        self._rewrite_headers = rewrite_headers
        # ``async def middleware(request)``, the usual shape: awaited here,
        # without run_middleware's coroutine around it.
        self._direct = middleware.is_async and not middleware.takes_event

    def matches(self, cycle: RequestCycle) -> bool:
        """Whether the matcher takes this request (its canonical path)."""
        matcher = self._middleware.matcher
        if not matcher.needs_request_data:
            return matcher.matches_path(cycle.path)
        facts = cycle.facts()
        return matcher.matches(
            cycle.path,
            headers=facts.headers,
            cookies=facts.cookies,
            query=facts.query,
            host=facts.host,
        )

    async def run(self, cycle: RequestCycle) -> bool:
        """Run the middleware and apply its result; False when it answered
        (the route never runs), True when the request goes on."""
        middleware = self._middleware
        request = cycle.request(cycle.raw_headers, self._limits, True)
        pending: Sequence[Awaitable[Any]] = ()
        try:
            if self._direct:
                answer = await middleware.func(request)
                if answer is not None and not isinstance(answer, Response):
                    raise wrong_answer(middleware, answer)
            else:
                answer, pending = await run_middleware(middleware, request)
            result = middleware_result(answer, request)
        except RequestError:
            raise
        except Exception as error:
            logger.error(
                "%s: middleware raised %s: %s",
                middleware.where,
                type(error).__name__,
                error,
                exc_info=error,
            )
            report_server_error(cycle.scope, error)
            if self._dev:
                title = f"500 Internal Server Error in {middleware.where}"
                accept = request.headers.get("accept")
                await dev_error_response(title, error_text(error), accept).send_asgi(cycle.send)
            else:
                await send_server_error(cycle.send)
            return False
        if pending:
            cycle.after.extend(pending)
        if result is _CONTINUE:  # None or a bare next(): nothing to apply
            if not request.body_used:
                cycle.reusable_request = request  # the route sees the same request
            return True
        if type(result) is Continue:  # the common case: no await, no match
            if result.request_headers is None and result.cookies is None:
                # Only response headers: the route sends them with its own.
                cycle.send = DefaultHeaders(cycle.send, result.response_headers)
                if not request.body_used:
                    cycle.reusable_request = request
            else:
                self._continue(result, cycle)
            return True
        return await self._answer(result, request, cycle)

    async def _answer(
        self, result: MiddlewareResult, request: NextRequest, cycle: RequestCycle
    ) -> bool:
        """Every result but ``Continue``."""
        match result:
            case Rewrite(to, then):
                self._rewrite(to, cycle)
                self._continue(then, cycle)
            case Proxy(to):
                await self._proxy.forward(to, cycle, request)
                return False
            case Respond(response) | Redirect(response):
                await response.send_asgi(cycle.send, head_only=cycle.head_only)
                return False
        return True

    def _rewrite(self, to: InternalPath, cycle: RequestCycle) -> None:
        """The route sees the destination's path and query (Next.js)."""
        cycle.path = strip_base_path(to.path, cycle.base_path) or to.path
        cycle.query = to.query
        cycle.reset_facts()
        if self._rewrite_headers:
            # Rules matching the destination add their headers too
            # (Next.js); the request's own path's rules win a clash.
            extra = self._config.headers(cycle.path, to.path, cycle.facts())
            if extra:
                cycle.send = with_headers(cycle.send, overrides=extra)

    @staticmethod
    def _continue(then: Continue, cycle: RequestCycle) -> None:
        if then.response_headers:
            cycle.send = with_headers(cycle.send, defaults=then.response_headers)
        if then.request_headers is None and then.cookies is None:
            return
        headers = then.request_headers
        if headers is None:
            headers = Headers.from_asgi(cycle.raw_headers)
        else:
            cycle.add_forwarded = False  # exactly the headers it chose
        if then.cookies is not None:
            headers = merge_cookies(headers, then.cookies)
        cycle.raw_headers = list(headers.to_asgi())
        cycle.reset_facts()
