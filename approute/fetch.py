"""``fetch``: an HTTP call whose response can live in the data cache, as
Next.js's extended ``fetch`` (docs/caching.md).

    from approute.fetch import fetch

    async def GET(request):
        response = await fetch(
            "https://api.example.com/prices",
            next={"revalidate": 60, "tags": ["prices"]},
        )
        return NextResponse.json(await response.json())

Uncached by default (Next.js 15+). ``cache="force-cache"`` stores the
response until revalidated, ``next={"revalidate": N}`` for N seconds (then
stale-while-revalidate); ``cache="no-store"`` or ``revalidate: 0`` never
stores. Only ``GET``/``HEAD`` answers with status 200 are stored (Next.js
stores 200s), as data (status, headers, body), and not over 2 MB. Tags
(``next={"tags": [...]}``) go on the entry and on the cached route being
computed, so ``revalidate_tag`` reaches both.

In middleware, outside a request, and in draft mode it is a plain HTTP call
(Next.js: fetch cache options have no effect in middleware). Bodies are read
in full before ``fetch`` returns, and decoded (gzip, deflate) in bounded
steps: once the decoded body is over ``max_response_size`` (50 MiB by
default) reading stops with :class:`~approute.errors.ResponseTooLarge`, so a
compression bomb costs the limit, not its inflated size. Redirects are
followed without reading their bodies.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator
from typing import Any, Literal, TypedDict

import httpx
import orjson

from approute.cache.data import Computed, DataCache, ReadMode, current_data_cache
from approute.cache.entry import CacheEntry
from approute.cache.route_entry import stored_headers_problem
from approute.cache.tags import current_collector, valid_tags
from approute.errors import ResponseTooLarge
from approute.http.content_encoding import ACCEPT_ENCODING, ContentDecoder
from approute.http.headers import Headers

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "FetchCache",
    "FetchResponse",
    "NextFetchOptions",
    "ResponseTooLarge",
    "fetch",
]

logger = logging.getLogger("approute.cache")

FetchCache = Literal["force-cache", "no-store"]
_CACHE_MODES = ("force-cache", "no-store")
_CACHEABLE_METHODS = frozenset({"GET", "HEAD"})
_REQUEST_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
DEFAULT_MAX_RESPONSE_SIZE = 50 * 1024 * 1024
"""Bytes a ``fetch`` response body may decode to (``max_response_size``)."""


class NextFetchOptions(TypedDict, total=False):
    """``next={...}``: ``revalidate`` seconds (``False``: until revalidated;
    ``0``: never cached) and the entry's ``tags``."""

    revalidate: float | Literal[False]
    tags: list[str]


class FetchResponse:
    """A Fetch-like response: ``status``, ``ok``, ``headers``, ``url``, and
    the body through ``await json()``, ``await text()``, ``await bytes()``."""

    __slots__ = ("_body", "headers", "redirected", "status", "url")

    def __init__(
        self, status: int, headers: Headers, body: bytes, url: str, *, redirected: bool = False
    ) -> None:
        self.status = status
        self.headers = headers
        self.url = url
        self.redirected = redirected
        self._body = body

    @property
    def ok(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status < 300

    async def bytes(self) -> bytes:
        """The body."""
        return self._body

    async def text(self) -> str:
        """The body decoded as UTF-8 (as Fetch's ``text()``)."""
        return self._body.decode("utf-8", "replace")

    async def json(self) -> Any:
        """The body parsed as JSON (``ValueError`` if it is not)."""
        return orjson.loads(self._body)

    def __repr__(self) -> str:
        return f"<FetchResponse [{self.status}] {self.url}>"


def _revalidate_option(value: object, url: str) -> float | Literal[False] | None:
    if value is None:
        return None
    if value is False:
        return False
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"fetch {url}: next['revalidate'] must be a number >= 0 or False")
    if value < 0:
        raise ValueError(f"fetch {url}: next['revalidate'] must be a number >= 0 or False")
    return False if math.isinf(value) else float(value)


def _policy(
    url: str, method: str, cache: str | None, next: NextFetchOptions | None
) -> tuple[bool, float | None, tuple[str, ...]]:
    """(store?, revalidate seconds or None for "until revalidated", tags),
    with Next.js's rules for conflicting options."""
    if cache is not None and cache not in _CACHE_MODES:
        raise ValueError(f"fetch {url}: cache is 'force-cache', 'no-store' or None; got {cache!r}")
    options = next or {}
    if not isinstance(options, dict):
        raise TypeError(f"fetch {url}: next is a dict like {{'revalidate': 60, 'tags': [...]}}")
    revalidate = _revalidate_option(options.get("revalidate"), url)
    raw_tags = options.get("tags") or []
    if isinstance(raw_tags, str):
        raise TypeError(f"fetch {url}: next['tags'] is a list of tags, not a string")
    tags = valid_tags(raw_tags, f"fetch {url}")
    # (False == 0 in Python: "until revalidated" is tested with `is False`.)
    zero = revalidate is not False and revalidate == 0
    conflicting = (cache == "force-cache" and zero) or (
        cache == "no-store" and revalidate is not None and not zero
    )
    if conflicting:
        # Next.js warns and drops both, falling back to the default (uncached).
        logger.warning(
            'fetch %s: specified cache="%s" and revalidate=%r; only one should be specified',
            url,
            cache,
            revalidate,
        )
        cache, revalidate = None, None
    if method not in _CACHEABLE_METHODS:
        return False, None, tags
    if cache == "force-cache" or revalidate is False:
        return True, revalidate or None, tags
    if cache == "no-store" or revalidate is None or zero:
        return False, None, tags
    return True, revalidate, tags


def _cache_key(method: str, url: str, headers: list[tuple[str, str]], body: bytes | None) -> str:
    material = orjson.dumps(
        [method, url, sorted((k.lower(), v) for k, v in headers), (body or b"").hex()]
    )
    return "fetch:" + hashlib.sha256(material).hexdigest()


async def _read(response: httpx.Response, url: str, limit: int) -> bytes:
    """The decoded body, stopping once it is over ``limit`` bytes."""
    decoder = ContentDecoder(response.headers.get_list("content-encoding", split_commas=True))
    body = bytearray()

    def add(chunks: Iterator[bytes]) -> None:
        for chunk in chunks:
            if len(body) + len(chunk) > limit:
                raise ResponseTooLarge(url, limit)
            body.extend(chunk)

    async for raw in response.aiter_raw():
        add(decoder.decode(raw))
    add(decoder.flush())
    return bytes(body)


async def _send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: list[tuple[str, str]],
    body: bytes | None,
    limit: int,
) -> FetchResponse:
    if not any(name.lower() == "accept-encoding" for name, _ in headers):
        # Only codings decoded in bounded steps (httpx adds br/zstd when installed).
        headers = [*headers, ("accept-encoding", ACCEPT_ENCODING)]
    request = client.build_request(method, url, headers=headers, content=body)
    redirects = 0
    while True:
        # Redirects are followed here: httpx would read (and inflate) each
        # redirect's body in full; this closes it unread.
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is None:
                content = await _read(response, url, limit)
                break
            request = response.next_request
        finally:
            await response.aclose()
        redirects += 1
        if redirects > client.max_redirects:
            raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
    return FetchResponse(
        response.status_code,
        Headers(response.headers.multi_items()),
        content,
        str(response.url),
        redirected=redirects > 0,
    )


def _entry(response: FetchResponse, tags: tuple[str, ...], revalidate: float | None) -> Computed:
    entry = CacheEntry(
        value=response._body,
        meta={
            "status": response.status,
            "headers": [[k, v] for k, v in response.headers.multi_items()],
            "url": response.url,
            "redirected": response.redirected,
        },
        tags=tags,
        revalidate=revalidate,
    )
    return entry, response.status == 200


def _from_entry(entry: CacheEntry) -> FetchResponse | None:
    """The stored response; None when the entry's meta is not what ``_entry``
    writes (another version's, or forged in a shared store)."""
    meta = entry.meta
    status, headers, url = meta.get("status"), meta.get("headers"), meta.get("url")
    if (
        isinstance(status, bool)
        or not isinstance(status, int)
        or not 100 <= status <= 599
        or not isinstance(url, str)
    ):
        return None
    if stored_headers_problem(headers) is not None:
        return None
    pairs = Headers([(name, value) for name, value in meta["headers"]])
    return FetchResponse(status, pairs, entry.value, url, redirected=bool(meta.get("redirected")))


async def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Headers | dict[str, str] | list[tuple[str, str]] | None = None,
    body: str | bytes | None = None,
    json: Any = None,
    cache: FetchCache | None = None,
    next: NextFetchOptions | None = None,
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
) -> FetchResponse:
    """Make an HTTP request; cache the response when ``cache``/``next`` say so.

    ``body`` (str or bytes) or ``json`` (serialised with orjson, with
    ``content-type: application/json``) is the request body. Redirects are
    followed; ``response.url`` is the final URL. A body that decodes to more
    than ``max_response_size`` bytes raises :class:`ResponseTooLarge`.
    """
    limit = max_response_size
    if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
        raise ValueError(
            f"fetch {url}: max_response_size must be an int of bytes > 0; got {limit!r}"
        )
    method = method.upper()
    pairs = list(Headers(headers).multi_items()) if headers is not None else []
    if json is not None:
        if body is not None:
            raise TypeError(f"fetch {url}: pass body= or json=, not both")
        content: bytes | None = orjson.dumps(json)
        if not any(name == "content-type" for name, _ in pairs):
            pairs.append(("content-type", "application/json"))
    else:
        content = body.encode() if isinstance(body, str) else body
    store, revalidate, tags = _policy(url, method, cache, next)
    found = current_data_cache()
    if found is None:
        # Middleware, scripts: a plain request (Next.js: fetch cache options have
        # no effect in middleware; docs/middleware.md).
        async with httpx.AsyncClient(
            follow_redirects=True, timeout=_REQUEST_TIMEOUT, trust_env=False
        ) as client:
            return await _send(client, method, url, pairs, content, limit)
    data, state = found
    mode = data.read_mode(state)
    collector = current_collector()
    if mode == "bypass":  # draft mode: the plain fetch, as Next.js
        return await _send(data.http(), method, url, pairs, content, limit)
    if collector is not None:
        collector.add(tags)  # uncached fetches tag the route too (Next.js)
    if not store:
        return await _send(data.http(), method, url, pairs, content, limit)
    return await _cached_send(data, mode, url, method, pairs, content, tags, revalidate, limit)


async def _cached_send(
    data: DataCache,
    mode: ReadMode,
    url: str,
    method: str,
    pairs: list[tuple[str, str]],
    content: bytes | None,
    tags: tuple[str, ...],
    revalidate: float | None,
    limit: int,
) -> FetchResponse:
    collector = current_collector()
    implicit = collector.implicit if collector is not None else ()
    all_tags = tuple(dict.fromkeys((*tags, *implicit)))

    async def compute() -> Computed:
        response = await _send(data.http(), method, url, pairs, content, limit)
        return _entry(response, all_tags, revalidate)

    key = _cache_key(method, url, pairs, content)
    description = f"fetch {method} {url}"
    entry = await data.lookup(key, compute, mode=mode, description=description)
    response = _from_entry(entry)
    if response is None:
        logger.warning("cache: %s: stored entry is malformed; fetching again", description)
        entry = await data.lookup(key, compute, mode="refresh", description=description)
        response = _from_entry(entry)
        assert response is not None  # _entry wrote it
    if len(entry.value) > limit:  # stored by a call with a larger limit
        raise ResponseTooLarge(url, limit)
    return response
