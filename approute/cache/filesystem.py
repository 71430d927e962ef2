"""The default cache store: files under ``.approute/cache`` (docs/caching.md).

Layout::

    <cache_dir>/entries/ab/abcdef…   one file per key, named by sha256(key)
    <cache_dir>/tags.json            {"version": 1, "revalidated": {tag: t}, "expired": {…}}
    <cache_dir>/tags.lock            serialises read-modify-write of tags.json

Every write goes to a temp file in the same folder and is moved into place
with ``os.replace``, so a reader sees the old file or the new one, never half
of one. Several worker processes on one machine share the folder; each
re-reads ``tags.json`` when its inode, size or mtime changes. A corrupt or
truncated entry is a miss: it is logged once and deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import anyio.to_thread
import orjson

from approute._files import atomic_write
from approute.cache.entry import CacheEntry, CacheFormatError, decode, encode
from approute.cache.handler import apply_tags

if sys.platform != "win32":
    import fcntl

__all__ = ["FilesystemCacheHandler"]

logger = logging.getLogger("approute.cache")

_TAGS_VERSION = 1
_Stamp = tuple[int, int, int]


def _timestamps(value: object) -> dict[str, float]:
    if not isinstance(value, dict):
        return {}
    return {
        tag: float(stamp)
        for tag, stamp in value.items()
        if isinstance(tag, str) and isinstance(stamp, int | float) and not isinstance(stamp, bool)
    }


class FilesystemCacheHandler:
    """Entries as files under ``cache_dir``; safe to share between processes."""

    def __init__(self, cache_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.cache_dir = Path(cache_dir)
        self._clock = clock
        self._entries_dir = self.cache_dir / "entries"
        self._tags_path = self.cache_dir / "tags.json"
        self._lock_path = self.cache_dir / "tags.lock"
        self._tags_stamp: _Stamp | None = None
        self._revalidated_at: dict[str, float] = {}
        self._expired_at: dict[str, float] = {}

    def path_for(self, key: str) -> Path:
        """The file that holds ``key``'s entry."""
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self._entries_dir / digest[:2] / digest

    # -- entries -----------------------------------------------------------

    async def get(self, key: str) -> CacheEntry | None:
        return await anyio.to_thread.run_sync(self._get, key)

    def _get(self, key: str) -> CacheEntry | None:
        path = self.path_for(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.warning("cache: cannot read %s (%s); treating as a miss", path, exc)
            return None
        try:
            entry = decode(data, key=key)
        except CacheFormatError as exc:
            logger.warning("cache: discarding unreadable entry %s: %s", path, exc)
            self._unlink(path)
            return None
        self._load_tags()
        result = apply_tags(
            entry,
            now=self._clock(),
            revalidated_at=self._revalidated_at,
            expired_at=self._expired_at,
        )
        if result is None:
            self._unlink(path)
        return result

    async def set(self, key: str, entry: CacheEntry) -> None:
        await anyio.to_thread.run_sync(self._set, key, entry)

    def _set(self, key: str, entry: CacheEntry) -> None:
        try:
            atomic_write(self.path_for(key), encode(entry, key=key), durable=False)
        except OSError as exc:
            logger.warning("cache: cannot write entry for %r: %s", key, exc)

    async def delete(self, key: str) -> None:
        await anyio.to_thread.run_sync(self._unlink, self.path_for(key))

    @staticmethod
    def _unlink(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    # -- tags --------------------------------------------------------------

    async def revalidate_tag(self, tags: Sequence[str], *, expire_now: bool) -> None:
        await anyio.to_thread.run_sync(self._revalidate_tag, list(tags), expire_now)

    def _revalidate_tag(self, tags: list[str], expire_now: bool) -> None:
        now = self._clock()
        with self._tags_lock():
            self._tags_stamp = None  # another process may have written just now
            self._load_tags()
            store = self._expired_at if expire_now else self._revalidated_at
            for tag in tags:
                store[tag] = max(now, store.get(tag, now))
            document = {
                "version": _TAGS_VERSION,
                "revalidated": self._revalidated_at,
                "expired": self._expired_at,
            }
            atomic_write(self._tags_path, orjson.dumps(document), durable=False)
            self._tags_stamp = self._stat_tags()

    def _stat_tags(self) -> _Stamp | None:
        try:
            stat = self._tags_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _load_tags(self) -> None:
        stamp = self._stat_tags()
        if stamp is not None and stamp == self._tags_stamp:
            return
        revalidated: dict[str, float] = {}
        expired: dict[str, float] = {}
        if stamp is not None:
            try:
                document = orjson.loads(self._tags_path.read_bytes())
            except FileNotFoundError:
                pass
            except (OSError, orjson.JSONDecodeError) as exc:
                logger.warning("cache: ignoring unreadable %s: %s", self._tags_path, exc)
            else:
                if isinstance(document, dict) and document.get("version") == _TAGS_VERSION:
                    revalidated = _timestamps(document.get("revalidated"))
                    expired = _timestamps(document.get("expired"))
                else:
                    logger.warning("cache: ignoring %s: unknown format", self._tags_path)
        self._revalidated_at, self._expired_at = revalidated, expired
        self._tags_stamp = stamp

    @contextlib.contextmanager
    def _tags_lock(self) -> Iterator[None]:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+b") as lock:
            if sys.platform != "win32":
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            yield  # the lock is released when the file closes

    async def close(self) -> None:
        return None
