"""``@cached``: keep a function's results in the data cache (Next.js's
``unstable_cache`` / ``"use cache"``, as a decorator).

    from approute.cache import cached

    @cached(tags=["prices"], revalidate=60)
    async def load_prices(currency: str) -> list[dict]:
        return await db.fetch_prices(currency)

The key is the function's module, qualified name and source (so an edited
function never reads an older version's results, as ``unstable_cache`` keys
on the function's text) plus its arguments, bound to the signature
(``f(1)``, ``f(x=1)`` and a default of 1 are one key) and serialised with
orjson, sorted keys. Values are stored as JSON, never pickled, and come back
as JSON data on a hit and on a miss alike (a tuple reads back as a list).

Outside a route handler (import time, scripts, tests, middleware) the
function is simply called.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import inspect
import math
from collections.abc import Callable, Sequence
from contextvars import copy_context
from typing import Any, Literal, ParamSpec, TypeVar, cast, overload

import anyio.from_thread
import anyio.to_thread
import orjson

from approute.cache.data import Computed, DataCache, ReadMode, current_data_cache
from approute.cache.entry import CacheEntry
from approute.cache.tags import MAX_TAG_LENGTH, MAX_TAGS, collecting, current_collector

__all__ = ["cached"]

P = ParamSpec("P")
R = TypeVar("R")


@overload
def cached(func: Callable[P, R], /) -> Callable[P, R]: ...


@overload
def cached(
    *, tags: Sequence[str] = (), revalidate: float | Literal[False] = False
) -> Callable[[Callable[P, R]], Callable[P, R]]: ...


def cached(
    func: Callable[P, R] | None = None,
    /,
    *,
    tags: Sequence[str] = (),
    revalidate: float | Literal[False] = False,
) -> Callable[P, R] | Callable[[Callable[P, R]], Callable[P, R]]:
    """Cache a sync or async function's results in the data cache.

    ``tags`` name the entries for ``revalidate_tag``; ``revalidate=N`` makes
    them stale after N seconds (served stale while one refresh runs),
    ``False`` (the default) keeps them until revalidated. Use it bare
    (``@cached``) or with options (``@cached(tags=[...], revalidate=60)``).
    """
    if func is not None:
        return _CachedFunction.wrap(func, (), None)
    checked_tags = _check_tags(tags)
    checked_revalidate = _check_revalidate(revalidate)

    def decorate(inner: Callable[P, R]) -> Callable[P, R]:
        return _CachedFunction.wrap(inner, checked_tags, checked_revalidate)

    return decorate


def _check_tags(tags: Sequence[str]) -> tuple[str, ...]:
    if isinstance(tags, str):
        raise TypeError(f"@cached(tags=...) takes a list of tags, not the string {tags!r}")
    checked: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH:
            raise ValueError(
                f"@cached: a cache tag is 1 to {MAX_TAG_LENGTH} characters; got {tag!r}"
            )
        if tag not in checked:
            checked.append(tag)
    if len(checked) > MAX_TAGS:
        raise ValueError(f"@cached: at most {MAX_TAGS} tags; got {len(checked)}")
    return tuple(checked)


def _check_revalidate(revalidate: object) -> float | None:
    if revalidate is False:
        return None
    if (
        isinstance(revalidate, bool)
        or not isinstance(revalidate, int | float)
        or not math.isfinite(revalidate)
        or revalidate <= 0
    ):
        raise ValueError(
            f"@cached(revalidate=...) is a number of seconds > 0 or False; got {revalidate!r}"
        )
    return float(revalidate)


def _source_digest(func: Callable[..., Any]) -> str:
    try:
        source = inspect.getsource(func)
    except (OSError, TypeError):
        return ""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


class _CachedFunction:
    """What ``@cached`` knows about one function, worked out at decoration."""

    __slots__ = ("func", "name", "prefix", "revalidate", "signature", "tags")

    def __init__(
        self, func: Callable[..., Any], tags: tuple[str, ...], revalidate: float | None
    ) -> None:
        self.func = func
        self.tags = tags
        self.revalidate = revalidate
        module = getattr(func, "__module__", None) or "?"
        qualname = getattr(func, "__qualname__", None) or repr(func)
        self.name = f"{module}.{qualname}"
        self.prefix = f"data:{self.name}:{_source_digest(func)}:"
        try:
            self.signature: inspect.Signature | None = inspect.signature(func)
        except (TypeError, ValueError):
            self.signature = None

    @classmethod
    def wrap(
        cls, func: Callable[P, R], tags: tuple[str, ...], revalidate: float | None
    ) -> Callable[P, R]:
        if not callable(func):
            raise TypeError(f"@cached decorates a function; got {type(func).__name__}")
        spec = cls(func, tags, revalidate)
        if inspect.iscoroutinefunction(func):

            async def cached_async(*args: Any, **kwargs: Any) -> Any:
                return await spec.call_async(*args, **kwargs)

            return cast("Callable[P, R]", functools.wraps(func)(cached_async))

        def cached_sync(*args: Any, **kwargs: Any) -> Any:
            return spec.call_sync(*args, **kwargs)

        return cast("Callable[P, R]", functools.wraps(func)(cached_sync))

    # -- keys and values -----------------------------------------------------

    def key(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """The cache key of one call; a clear TypeError for arguments that
        cannot be serialised."""
        arguments: Any
        if self.signature is not None:
            try:
                bound = self.signature.bind(*args, **kwargs)
            except TypeError:
                arguments = [args, kwargs]  # the call itself will raise
            else:
                bound.apply_defaults()
                arguments = bound.arguments
        else:
            arguments = [args, kwargs]
        try:
            raw = orjson.dumps(arguments, option=orjson.OPT_SORT_KEYS)
        except TypeError as error:
            raise TypeError(
                f"@cached {self.name}: its arguments are part of the cache key and must be "
                f"JSON-serialisable (str, int, float, bool, None, list, dict, dataclass, "
                f"datetime...): {error}"
            ) from None
        return self.prefix + hashlib.sha256(raw).hexdigest()

    def entry(self, result: Any, collected: set[str], implicit: tuple[str, ...]) -> Computed:
        """The entry for ``result`` with this function's tags, the tags read
        while computing it, and a route's implicit tags (``revalidate_path``)."""
        try:
            value = orjson.dumps(result)
        except TypeError as error:
            raise TypeError(
                f"@cached {self.name} returned a value that is not JSON-serialisable "
                f"({type(result).__name__}): {error}; return dicts, lists, str, numbers, "
                "bools or None"
            ) from None
        tags = dict.fromkeys((*self.tags, *sorted(collected), *implicit))
        return CacheEntry(value=value, tags=tuple(tags), revalidate=self.revalidate), True

    # -- async functions -----------------------------------------------------

    async def call_async(self, *args: Any, **kwargs: Any) -> Any:
        found = current_data_cache()
        if found is None:
            return await self.func(*args, **kwargs)
        cache, state = found
        mode = cache.read_mode(state)
        if mode == "bypass":  # draft mode: live data, nothing stored
            return await self.func(*args, **kwargs)
        return await self._lookup(cache, mode, self.key(args, kwargs), args, kwargs, True)

    async def _lookup(
        self,
        cache: DataCache,
        mode: ReadMode,
        key: str,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        is_async: bool,
    ) -> Any:
        collector = current_collector()
        if collector is not None:
            collector.add(self.tags)

        async def compute() -> Computed:
            with collecting() as inner:
                if is_async:
                    result = await self.func(*args, **kwargs)
                else:
                    result = await anyio.to_thread.run_sync(
                        functools.partial(self.func, *args, **kwargs)
                    )
            return self.entry(result, inner.tags, inner.implicit)

        entry = await cache.lookup(key, compute, mode=mode, description=f"@cached {self.name}")
        return orjson.loads(entry.value)

    # -- sync functions ------------------------------------------------------

    def call_sync(self, *args: Any, **kwargs: Any) -> Any:
        found = current_data_cache()
        if found is None:
            return self.func(*args, **kwargs)
        cache, state = found
        mode = cache.read_mode(state)
        if mode == "bypass":
            return self.func(*args, **kwargs)
        if _on_event_loop():
            raise TypeError(
                f"@cached {self.name} is a plain `def` called from async code (the event "
                "loop cannot wait for the cache there); make it `async def` and await it, "
                "or call it from a sync handler"
            )
        key = self.key(args, kwargs)
        started = False
        # The lookup runs on the event loop in this thread's context (the
        # request state, the open tag collector), whatever anyio propagates.
        context = copy_context()

        async def run() -> Any:
            nonlocal started
            started = True
            lookup = self._lookup(cache, mode, key, args, kwargs, False)
            return await asyncio.get_running_loop().create_task(lookup, context=context)

        try:
            return anyio.from_thread.run(run)
        except RuntimeError:
            if started:
                raise
            # Not an approute worker thread (a thread the user started):
            # there is no event loop to reach the cache through.
            return self.func(*args, **kwargs)


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True
