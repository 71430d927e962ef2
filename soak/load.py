"""The load: ``clients`` concurrent httpx clients, each one keep-alive
connection sending the mix back to back until a deadline, every request
recorded with its start, end, status and what went wrong.

About every ``per_connection`` requests a client sends ``Connection: close``
and opens a new connection for the next one, as real clients come and go;
otherwise connections would stay on the workers that accepted them first
and a replaced worker would never get any.

Errors are classified as:

- ``connection``: the connection failed (refused, reset, closed without a
  response): ``httpx.TransportError`` other than a timeout;
- ``timeout``: no response within the client timeout;
- ``5xx``: any 5xx status;
- ``unexpected-status``: another status than the one the mix expects;
- ``wrong-response``: the expected status with a wrong body or header.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import NamedTuple

import httpx

from soak.mix import CACHED, MIX, pick

__all__ = ["ERROR_KINDS", "Problem", "Sample", "run_clients"]

ERROR_KINDS = ("connection", "timeout", "5xx", "unexpected-status", "wrong-response")
_CACHED_INDEXES = frozenset(i for i, kind in enumerate(MIX) if kind.name in CACHED)
_MAX_PROBLEMS = 1000


class Sample(NamedTuple):
    """One request: monotonic start and end, its kind (index in MIX), the
    status (0 without a response), the error kind ("" when right), and the
    ``x-approute-cache`` of a cached route."""

    start: float
    end: float
    kind: int
    status: int
    error: str
    cache: str


class Problem(NamedTuple):
    """The detail of one failed request (the first ``_MAX_PROBLEMS`` kept)."""

    start: float
    end: float
    kind: str
    path: str
    error: str
    detail: str


async def _client(
    number: int,
    base_url: str,
    deadline: float,
    request_timeout: float,
    per_connection: int,
    seed: int,
    samples: list[Sample],
    problems: list[Problem],
) -> None:
    rng = random.Random(seed * 100_003 + number)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(
        base_url=base_url,
        timeout=request_timeout,
        limits=limits,
        follow_redirects=False,
        trust_env=False,
    ) as client:
        # Spread, so that clients do not reconnect in step.
        until_close = rng.randint(1, per_connection) if per_connection else 0
        while time.monotonic() < deadline:
            index, path = pick(rng)
            kind = MIX[index]
            headers = kind.headers
            if per_connection:
                until_close -= 1
                if until_close <= 0:
                    headers = {**headers, "connection": "close"}
                    until_close = rng.randint(per_connection // 2, per_connection * 3 // 2)
            status, error, cache, detail = 0, "", "", ""
            start = time.monotonic()
            try:
                response = await client.request(
                    kind.method, path, headers=headers, content=kind.body
                )
            except httpx.TimeoutException as exc:
                error, detail = "timeout", f"{type(exc).__name__}: {exc}"
            except httpx.TransportError as exc:
                error, detail = "connection", f"{type(exc).__name__}: {exc}"
            else:
                status = response.status_code
                if status >= 500:
                    error, detail = "5xx", response.text[:200]
                elif status != kind.status:
                    error, detail = "unexpected-status", f"{status}: {response.text[:200]!r}"
                elif kind.check is not None and (problem := kind.check(response)):
                    error, detail = "wrong-response", problem
                if index in _CACHED_INDEXES:
                    cache = response.headers.get("x-approute-cache", "")
            end = time.monotonic()
            samples.append(Sample(start, end, index, status, error, cache))
            if error and len(problems) < _MAX_PROBLEMS:
                problems.append(Problem(start, end, kind.name, path, error, detail))


async def run_clients(
    base_url: str,
    *,
    clients: int,
    seconds: float,
    request_timeout: float,
    per_connection: int,
    seed: int,
) -> tuple[list[Sample], list[Problem]]:
    """Load ``base_url`` for ``seconds``; every request and the failed ones' detail."""
    samples: list[Sample] = []
    problems: list[Problem] = []
    deadline = time.monotonic() + seconds
    async with asyncio.TaskGroup() as group:
        for number in range(clients):
            group.create_task(
                _client(
                    number,
                    base_url,
                    deadline,
                    request_timeout,
                    per_connection,
                    seed,
                    samples,
                    problems,
                )
            )
    return samples, problems
