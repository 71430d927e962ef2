"""Route segment config: ``dynamic``, ``revalidate``, ``dynamic_params``,
``generate_static_params`` — read once at load, checked with ``file:line``.

Only GET is ever cached. It is cached when the module exports ``dynamic =
"force-static"``, ``revalidate = N`` (N > 0, ISR) or an explicit ``revalidate
= False`` (Next.js: static forever); ``force-dynamic`` and ``revalidate = 0``
keep it dynamic, as does exporting nothing (Next.js 15+ default).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Final, Literal

from approute.errors import ProjectError
from approute.routing.module_names import top_level_lines

__all__ = [
    "DYNAMIC_VALUES",
    "ONE_YEAR",
    "SegmentConfig",
    "cache_control_for",
    "read_segment_config",
]

DYNAMIC_VALUES: Final = ("auto", "force-dynamic", "force-static", "error")
ONE_YEAR: Final = 31_536_000  # Next.js's default expireTime, in seconds

Dynamic = Literal["auto", "force-dynamic", "force-static", "error"]


@dataclass(frozen=True, slots=True)
class SegmentConfig:
    """A route module's caching settings."""

    dynamic: Dynamic = "auto"
    revalidate: float | Literal[False] | None = None  # None: not exported
    dynamic_params: bool = True
    generate_static_params: Callable[[], Any] | None = None

    @property
    def cached(self) -> bool:
        """Whether GET responses go through the route cache."""
        revalidate = self.revalidate
        if self.dynamic == "force-dynamic" or (revalidate is not False and revalidate == 0):
            return False
        if self.dynamic in ("force-static", "error"):
            return True
        return self.revalidate is False or (
            isinstance(self.revalidate, int | float) and self.revalidate > 0
        )

    @property
    def static_request(self) -> bool:
        """Whether the handler sees an empty request (force-static, error)."""
        return self.dynamic in ("force-static", "error")

    @property
    def forbids_request_data(self) -> bool:
        """``dynamic = "error"``: reading request data is an error (Next.js
        fails the build), rather than reading empty data."""
        return self.dynamic == "error"

    @property
    def interval(self) -> float | None:
        """Seconds until a cached entry is stale; None when it never is."""
        revalidate = self.revalidate
        if isinstance(revalidate, int | float) and revalidate is not False and revalidate > 0:
            return float(revalidate)
        return None

    @property
    def cache_control(self) -> str:
        """``Cache-Control`` of cached responses, as Next.js sends it."""
        return cache_control_for(self.interval)


@functools.lru_cache(maxsize=256)
def cache_control_for(interval: float | None) -> str:
    """``Cache-Control`` of a cached response regenerated every ``interval``
    seconds (None: only when revalidated), as Next.js sends it."""
    if interval is None:
        return f"s-maxage={ONE_YEAR}"
    seconds = int(interval)
    return f"s-maxage={seconds}, stale-while-revalidate={ONE_YEAR - seconds}"


# Next.js's spellings of the names approute reads: a module ported as is
# would otherwise be silently dynamic (or serve params it should 404).
_NEXT_SPELLINGS: Final = {
    "dynamicParams": "dynamic_params",
    "generateStaticParams": "generate_static_params",
}


def read_segment_config(module: ModuleType, *, file: Path, where: str) -> SegmentConfig:
    """The module's segment config; a wrong value is a ``ProjectError``."""
    names = vars(module)
    for next_name, name in _NEXT_SPELLINGS.items():
        if next_name in names:
            line = top_level_lines(file).get(next_name)
            place = f"{where}:{line}" if line else where
            raise ProjectError(
                f"{place}: `{next_name}` is Next.js's spelling; approute reads `{name}`"
            )
    if not any(name in names for name in ("dynamic", "revalidate", "dynamic_params")) and (
        "generate_static_params" not in names
    ):
        return SegmentConfig()
    lines = top_level_lines(file)

    def fail(name: str, message: str) -> ProjectError:
        line = lines.get(name)
        return ProjectError(f"{where}:{line}: {message}" if line else f"{where}: {message}")

    dynamic = names.get("dynamic", "auto")
    if dynamic not in DYNAMIC_VALUES:
        raise fail(
            "dynamic",
            f"dynamic must be one of {', '.join(map(repr, DYNAMIC_VALUES))}; got {dynamic!r}",
        )
    revalidate = names.get("revalidate")
    if revalidate is not None and (
        revalidate is True
        or (revalidate is not False and not isinstance(revalidate, int | float))
        or (revalidate is not False and revalidate < 0)
    ):
        raise fail(
            "revalidate",
            f"revalidate must be False, 0 or a number of seconds > 0; got {revalidate!r}",
        )
    dynamic_params = names.get("dynamic_params", True)
    if not isinstance(dynamic_params, bool):
        raise fail(
            "dynamic_params", f"dynamic_params must be True or False; got {dynamic_params!r}"
        )
    generate = names.get("generate_static_params")
    if generate is not None and not callable(generate):
        raise fail("generate_static_params", "generate_static_params must be a function")
    return SegmentConfig(dynamic, revalidate, dynamic_params, generate)
