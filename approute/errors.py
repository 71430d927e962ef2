"""The exceptions approute raises, and the ones it turns into responses.

ApprouteError
├── ProjectError             the user's project is wrong (file:line in the message)
├── DynamicUsageError        a ``dynamic = "error"`` handler read request data
├── ResponseTooLarge         a ``fetch`` response decoded to more than its limit
├── RequestError             the request is wrong; carries the HTTP ``status``
│   ├── BadRequest           400: malformed path, query, header or body
│   │   ├── InvalidJSON      400, also a ValueError: ``await request.json()``
│   │   └── InvalidForm      400, also a ValueError: ``await request.form_data()``
│   ├── ProblemError         400 / 422 with an RFC 9457 problem+json body (declared input)
│   ├── BodyTooLarge         413 (deliberately *not* a ValueError)
│   ├── HeadersTooLarge      431
│   ├── BodyTimeout          408: the body stopped arriving (in approute.http.body)
│   └── ClientDisconnected   499: the client left mid-body (in approute.http.body)
└── NavigationSignal         raised by approute.navigation helpers
    ├── RedirectSignal       307 / 308 with a Location
    └── HTTPStatusSignal     bare 401 / 403 / 404
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApprouteError",
    "BadRequest",
    "BodyTooLarge",
    "DynamicUsageError",
    "HTTPStatusSignal",
    "HeadersTooLarge",
    "InvalidForm",
    "InvalidJSON",
    "NavigationSignal",
    "ProblemError",
    "ProjectError",
    "RedirectSignal",
    "RequestError",
    "ResponseTooLarge",
]


class ApprouteError(Exception):
    """Base class of every exception approute defines."""


class ProjectError(ApprouteError):
    """The user's project is wrong; the message names the file (and line)."""


class DynamicUsageError(ApprouteError):
    """A handler with ``dynamic = "error"``, or a metadata route rendered
    statically, read request data (headers, cookies, the query, the URL, the
    body): Next.js fails its build."""

    def __init__(self, used: str) -> None:
        super().__init__(
            f'a route with `dynamic = "error"` (or a metadata route, static by default) '
            f"couldn't be rendered statically because it used `{used}`; remove the read, or "
            'use dynamic = "force-static" (empty request data) or "force-dynamic"'
        )
        self.used = used


class ResponseTooLarge(ApprouteError):
    """A ``fetch`` response body decoded to more than ``limit`` bytes
    (``max_response_size``): reading stopped there, nothing is returned."""

    def __init__(self, url: str, limit: int) -> None:
        super().__init__(
            f"fetch {url}: the response body is over {limit} bytes (decoded); "
            "pass a larger max_response_size= to fetch() if it is expected"
        )
        self.url = url
        self.limit = limit


class RequestError(ApprouteError):
    """The client sent something approute refuses; ``status`` is the 4xx to answer."""

    status: int = 400

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status

    @property
    def closes_connection(self) -> bool:
        """Whether the answer closes the connection: after a body error
        (408, 413) the rest of the body was never read."""
        return self.status in (408, 413)


class ProblemError(RequestError):
    """A request that does not match its handler's declaration: answered
    with ``problem`` as ``application/problem+json`` (RFC 9457), 422 for
    invalid values, 400 for a body that is not JSON at all."""

    def __init__(self, problem: dict[str, Any], *, status: int | None = None) -> None:
        super().__init__(str(problem.get("detail", "")), status=status or int(problem["status"]))
        self.problem = problem


class BadRequest(RequestError):
    """400: a malformed path, query, header or body."""

    status = 400


class AmbiguousFraming(BadRequest):
    """400: both ``Content-Length`` and ``Transfer-Encoding``. The body's
    end is uncertain, so the connection closes after the answer (RFC 9112
    §6.3: a request-smuggling attempt)."""

    @property
    def closes_connection(self) -> bool:
        return True


class InvalidJSON(BadRequest, ValueError):
    """The request body is not valid JSON (``except ValueError`` catches it)."""


class InvalidForm(BadRequest, ValueError):
    """The request body is not a form approute can parse."""


class BodyTooLarge(RequestError):
    """413: the body is over the configured limit.

    Not a ``ValueError``, so ``except ValueError`` around ``request.json()``
    never turns a 413 into a 400.
    """

    status = 413


class HeadersTooLarge(RequestError):
    """431: the request line or headers are over the limit."""

    status = 431


class NavigationSignal(ApprouteError):
    """Control flow raised by ``approute.navigation``; never an error the user sees."""


class RedirectSignal(NavigationSignal):
    """``redirect()`` / ``permanent_redirect()``: answer ``status`` with ``Location``."""

    def __init__(self, location: str, status: int) -> None:
        super().__init__(f"redirect to {location} ({status})")
        self.location = location
        self.status = status


class HTTPStatusSignal(NavigationSignal):
    """``not_found()`` / ``forbidden()`` / ``unauthorized()``: a bare status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
