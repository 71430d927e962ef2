"""The draft-mode secret: the value of the ``__prerender_bypass`` cookie.

As Next.js's ``draftMode()`` (docs/caching.md, "Draft mode"), a request carrying the cookie with the
right value bypasses the route cache and the data cache. The value must be
the same in every worker and every instance, or a draft session would work on
one worker and not the next:

* ``APPROUTE_DRAFT_SECRET`` in the environment, if set (several machines must
  set it: they share no disk);
* otherwise a random secret kept in ``.approute/draft-secret`` of the project
  (outside ``.approute/cache/``, which may be wiped), created atomically by
  whichever worker needs it first and read by the others.

It is read on first use (a draft cookie arrives, or ``draft_mode().enable()``
runs), never at startup, so projects that do not use draft mode never write
the file.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Final

from approute.errors import ProjectError
from approute.http.cookies import parse_cookie_header

__all__ = ["DRAFT_COOKIE", "ENV_SECRET", "DraftSecret"]

DRAFT_COOKIE: Final = "__prerender_bypass"
ENV_SECRET: Final = "APPROUTE_DRAFT_SECRET"
_COOKIE_MARK: Final = DRAFT_COOKIE.encode() + b"="
_MIN_LENGTH: Final = 16


class DraftSecret:
    """One app's draft-mode secret, loaded once on first use."""

    __slots__ = ("_environ", "_lock", "_value", "path")

    def __init__(self, path: Path, *, environ: Mapping[str, str] | None = None) -> None:
        self.path = path  # the project's ``.approute/draft-secret`` (project.layout)
        self._environ = os.environ if environ is None else environ
        self._value: str | None = None
        self._lock = threading.Lock()
        configured = self._environ.get(ENV_SECRET)
        if configured is not None and len(configured) < _MIN_LENGTH:
            # A startup error, not a failing request later.
            raise ProjectError(
                f"{ENV_SECRET} must be at least {_MIN_LENGTH} characters "
                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
            )

    def value(self) -> str:
        """The secret (from the environment, else the shared file)."""
        value = self._value
        if value is None:
            with self._lock:
                value = self._value
                if value is None:
                    value = self._value = self._load()
        return value

    def _load(self) -> str:
        configured = self._environ.get(ENV_SECRET)
        if configured is not None:
            return configured
        stored = self._read()
        if stored:
            return stored
        return self._create()

    def _read(self) -> str | None:
        try:
            return self.path.read_text("ascii").strip() or None
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def _create(self) -> str:
        """Write a new secret unless another worker just did; either way,
        return the one on disk (a hard link publishes the whole file at once
        and fails if the name exists, so no worker ever reads half a secret)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".draft-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(secrets.token_hex(32) + "\n")
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass
            except OSError:  # no hard links here (some network filesystems)
                if not self.path.exists():
                    os.replace(tmp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        stored = self._read()
        if stored is None:  # pragma: no cover - the file was just written
            raise ProjectError(f"{self.path}: cannot read the draft-mode secret")
        return stored

    def matches(self, value: str | None) -> bool:
        """Whether a ``__prerender_bypass`` cookie value enables draft mode."""
        if not value:
            return False
        return hmac.compare_digest(value.encode(), self.value().encode())

    def in_headers(self, raw_headers: Iterable[tuple[bytes, bytes]]) -> bool:
        """Whether raw request headers carry a valid draft cookie; cheap when
        they carry none (no parsing, the secret is not even loaded)."""
        lines = [value for name, value in raw_headers if name == b"cookie"]
        if not any(_COOKIE_MARK in line for line in lines):
            return False
        joined = "; ".join(line.decode("latin-1") for line in lines)
        return self.matches(parse_cookie_header(joined).get(DRAFT_COOKIE))
