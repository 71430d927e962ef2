"""The request mix: what the clients send to the example app, how often,
and what each must get back.

Every entry names the part of approute it exercises (proxy.py's guard,
redirect and rewrite; the route cache; dynamic routes; public/ files; a
body; 404s). A response is right when its status is the expected one and
its ``check`` (a few bytes of body or one header) passes; anything else is
an error of the soak.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["CACHED", "MIX", "Kind", "pick"]

ECHO_BODY = {"soak": True, "n": 42, "tags": ["a", "b"]}

Check = Callable[[httpx.Response], str | None]


def _header(name: str, value: str) -> Check:
    def check(response: httpx.Response) -> str | None:
        got = response.headers.get(name)
        return None if got == value else f"{name}: {got!r}, expected {value!r}"

    return check


def _location(suffix: str) -> Check:
    def check(response: httpx.Response) -> str | None:
        got = response.headers.get("location") or ""
        return None if got.endswith(suffix) else f"location {got!r}, expected …{suffix}"

    return check


def _contains(text: str) -> Check:
    def check(response: httpx.Response) -> str | None:
        return None if text in response.text else f"body lacks {text!r}: {response.text[:80]!r}"

    return check


def _cache_header(response: httpx.Response) -> str | None:
    # A cached route always says how it was served, Redis up or down.
    got = response.headers.get("x-approute-cache")
    return None if got in ("HIT", "MISS", "STALE") else f"x-approute-cache: {got!r}"


def _echo(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return f"not JSON: {response.text[:80]!r}"
    return None if data == ECHO_BODY else f"echo body {data!r}"


def _both(first: Check, second: Check) -> Check:
    def check(response: httpx.Response) -> str | None:
        return first(response) or second(response)

    return check


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of request in the mix."""

    name: str
    exercises: str
    weight: int
    method: str
    paths: tuple[str, ...]
    status: int
    check: Check | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None


MIX: tuple[Kind, ...] = (
    Kind(
        "mw-pass",
        "proxy.py: matched, passed on with security headers",
        10,
        "GET",
        ("/api/hello?name=soak",),
        200,
        _both(_contains("Hello, soak!"), _header("x-frame-options", "DENY")),
    ),
    Kind(
        "mw-admin",
        "proxy.py: auth guard passes (session cookie), request header added",
        4,
        "GET",
        ("/admin",),
        200,
        _contains('"user":"soak"'),
        {"cookie": "session=soak"},
    ),
    Kind(
        "mw-blocked",
        "proxy.py: auth guard answers 401 (no cookie)",
        4,
        "GET",
        ("/admin",),
        401,
    ),
    Kind(
        "mw-redirect",
        "proxy.py: locale redirect 307",
        4,
        "GET",
        ("/greeting",),
        307,
        _location("/fr/greeting"),
        {"accept-language": "fr-FR"},
    ),
    Kind(
        "mw-rewrite",
        "proxy.py: A/B rewrite by cookie",
        3,
        "GET",
        ("/api/experiment",),
        200,
        _contains('"variant":"B"'),
        {"cookie": "bucket=b"},
    ),
    Kind(
        "isr",
        "route cache: ISR (revalidate = 60) + @cached data",
        10,
        "GET",
        ("/api/prices",),
        200,
        _both(_cache_header, _contains('"prices"')),
    ),
    Kind(
        "static-params",
        "route cache: force-static, generate_static_params (prerendered)",
        10,
        "GET",
        ("/api/products/1", "/api/products/2"),
        200,
        _both(_cache_header, _contains('"name"')),
    ),
    Kind(
        "static-params-404",
        "dynamic_params = False: a param not listed",
        2,
        "GET",
        ("/api/products/9",),
        404,
    ),
    Kind(
        "dynamic",
        "dynamic routes: [id], [[...slug]], [lang]",
        12,
        "GET",
        ("/api/users/42", "/api/items/7", "/api/docs/intro/setup", "/en/greeting"),
        200,
    ),
    Kind(
        "public",
        "public/ files (and a before_files rewrite to one)",
        8,
        "GET",
        ("/hello.txt", "/security.txt"),
        200,
    ),
    Kind(
        "post-echo",
        "POST with a JSON body",
        6,
        "POST",
        ("/api/echo",),
        200,
        _echo,
        {"content-type": "application/json"},
        json.dumps(ECHO_BODY).encode(),
    ),
    Kind(
        "post-revalidate",
        "POST with a body + revalidate_tag('prices') (Redis tag hash)",
        1,
        "POST",
        ("/api/prices",),
        200,
        None,
        {"content-type": "application/json"},
        b'{"usd": 1.08}',
    ),
    Kind(
        "config-redirect",
        "approute.config.py redirect 308",
        2,
        "GET",
        ("/blog/hello",),
        308,
        _location("/api/docs/hello"),
    ),
    Kind(
        "not-found",
        "404s (no route; under the middleware matcher too)",
        4,
        "GET",
        ("/api/nope", "/no/such/page"),
        404,
    ),
)

CACHED = frozenset({"isr", "static-params"})
"""Kinds served by the route cache: their ``x-approute-cache`` is recorded."""

_WEIGHTS = [kind.weight for kind in MIX]


def pick(rng: random.Random) -> tuple[int, str]:
    """A kind (its index in MIX) and one of its paths, by weight."""
    index = rng.choices(range(len(MIX)), _WEIGHTS)[0]
    return index, rng.choice(MIX[index].paths)
