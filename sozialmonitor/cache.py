"""The cache of computed views and values that every visitor shares.

What one anonymous visitor's switch computes — the values of an indicator on a level, a classified map, a
time series, a profile — is the same for every other visitor of that view, so it is computed once and kept
under a key built from

- the **frame's data generation** (bumped by every import into that frame, so importing into one frame leaves
  the other frames' entries valid, and no entry outlives the data it was computed from),
- the **audience class** where the answer depends on who asks (a planner sees internal indicators), and
- the **normalised view** (``ViewState`` with everything that does not change the answer removed).

Two implementations behind one small interface:

- :class:`RedisCache` (``SOZIALMONITOR_CACHE_URL=redis://…``): shared by every worker of every machine behind
  the load balancer; values are pickled (they are our own frozen dataclasses and DataFrames, written and read
  only by this app) and expire after ``ttl`` seconds. If Redis is unreachable, the app keeps answering: a
  failed read is a miss, a failed write is skipped, and the outage is logged once a minute, not per request.
- :class:`LocalCache`: an in-process LRU for one machine without Redis (and for the CLI and tests).

Level tables and geometry do not live here: they belong to the store's structure, are small, and are kept by
the service per process, so a burst of views can never evict them.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol, TypeVar, cast

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_TTL_S = 24 * 3600
MISSING = object()


class Cache(Protocol):
    def get(self, key: str) -> Any:
        """The value under ``key``, or ``MISSING``."""

    def set(self, key: str, value: Any) -> None: ...

    def clear(self) -> None:
        """Remove every entry of this cache (its key prefix only, for Redis)."""


def cached(cache: Cache, key: str, compute: Callable[[], T]) -> T:
    """The value under ``key``, computed and stored on a miss."""
    value = cache.get(key)
    if value is MISSING:
        value = compute()
        cache.set(key, value)
    return value  # type: ignore[no-any-return]


def key_of(*parts: object) -> str:
    """A short, stable key for any parts with a stable ``repr`` (strings, numbers, tuples, frozen dataclasses)."""
    text = "\x1f".join(repr(p) for p in parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class LocalCache:
    """Thread-safe LRU in this process, bounded by the number of entries."""

    def __init__(self, limit: int = 2048) -> None:
        self.limit = limit
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
            return MISSING

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class RedisCache:
    """Entries in Redis under ``prefix``, pickled, each expiring after ``ttl`` seconds."""

    def __init__(self, url: str, prefix: str = "sozialmonitor:", ttl: int = DEFAULT_TTL_S,
                 timeout_s: float = 0.5) -> None:
        import redis  # only needed when configured

        self.prefix = prefix
        self.ttl = ttl
        self.client = redis.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._errors = redis.RedisError
        self._warned_at = 0.0
        self.hits = 0
        self.misses = 0

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning("shared cache unavailable, computing without it: %s", exc)

    def get(self, key: str) -> Any:
        try:
            raw = self.client.get(self.prefix + key)
        except self._errors as exc:
            self._warn(exc)
            return MISSING
        if raw is None:
            self.misses += 1
            return MISSING
        self.hits += 1
        return pickle.loads(cast(bytes, raw))  # our own entries, written by this app only

    def set(self, key: str, value: Any) -> None:
        try:
            self.client.set(self.prefix + key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), ex=self.ttl)
        except self._errors as exc:
            self._warn(exc)

    def clear(self) -> None:
        try:
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
            for start in range(0, len(keys), 1000):
                self.client.delete(*keys[start:start + 1000])
        except self._errors as exc:
            self._warn(exc)


def make_cache(url: str | None, prefix: str = "sozialmonitor:") -> Cache:
    """Redis for a ``redis://`` or ``rediss://`` URL, else an in-process LRU."""
    if url:
        return RedisCache(url, prefix=prefix)
    return LocalCache()
