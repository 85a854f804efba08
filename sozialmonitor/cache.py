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
- :class:`LocalCache`: an in-process LRU for one machine without Redis (and for the CLI and tests), bounded by
  entries and by bytes.

With Redis, each worker also keeps a small **near** tier (a byte-bounded :class:`LocalCache`, setting
``SOZIALMONITOR_CACHE_LOCAL_MB``) of entries it read or wrote: every key carries the data generation, so an entry
never changes and the copy needs no invalidation. A view's repeated reads (a profile reads one entry per
indicator) then cost neither a network round-trip nor unpickling, and the worker's memory stays bounded.

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


DEFAULT_LOCAL_BYTES = 64 * 1024 * 1024


def weight(value: Any) -> int:
    """Bytes an entry is counted with: its pickled size (what Redis would hold)."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return 1024


class LocalCache:
    """Thread-safe LRU in this process, bounded by the number of entries and by ``max_bytes`` (each entry weighed
    by its pickled size; an entry larger than a quarter of the budget is not kept)."""

    def __init__(self, limit: int = 2048, max_bytes: int = DEFAULT_LOCAL_BYTES) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key][0]
            self.misses += 1
            return MISSING

    def set(self, key: str, value: Any, size: int | None = None) -> None:
        size = weight(value) if size is None else size
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while len(self._entries) > self.limit or self._bytes > self.max_bytes:
                self._bytes -= self._entries.popitem(last=False)[1][1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


class RedisCache:
    """Entries in Redis under ``prefix``, pickled, each expiring after ``ttl`` seconds; read through a near tier
    in this process (``near_bytes``, 0 for none)."""

    def __init__(self, url: str, prefix: str = "sozialmonitor:", ttl: int = DEFAULT_TTL_S,
                 timeout_s: float = 0.5, near_bytes: int = DEFAULT_LOCAL_BYTES) -> None:
        import redis  # only needed when configured

        self.near = LocalCache(limit=4096, max_bytes=near_bytes) if near_bytes > 0 else None
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
        if self.near is not None:
            value = self.near.get(key)
            if value is not MISSING:
                self.hits += 1
                return value
        try:
            raw = self.client.get(self.prefix + key)
        except self._errors as exc:
            self._warn(exc)
            return MISSING
        if raw is None:
            self.misses += 1
            return MISSING
        self.hits += 1
        value = pickle.loads(cast(bytes, raw))  # our own entries, written by this app only
        if self.near is not None:
            self.near.set(key, value, len(cast(bytes, raw)))
        return value

    def set(self, key: str, value: Any) -> None:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if self.near is not None:
            self.near.set(key, value, len(data))
        try:
            self.client.set(self.prefix + key, data, ex=self.ttl)
        except self._errors as exc:
            self._warn(exc)

    def clear(self) -> None:
        if self.near is not None:
            self.near.clear()
        try:
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
            for start in range(0, len(keys), 1000):
                self.client.delete(*keys[start:start + 1000])
        except self._errors as exc:
            self._warn(exc)


def make_cache(url: str | None, prefix: str = "sozialmonitor:", local_bytes: int = DEFAULT_LOCAL_BYTES) -> Cache:
    """Redis (with a near tier of ``local_bytes``) for a ``redis://`` or ``rediss://`` URL, else an in-process LRU
    of ``local_bytes``."""
    if url:
        return RedisCache(url, prefix=prefix, near_bytes=local_bytes)
    return LocalCache(max_bytes=local_bytes)
