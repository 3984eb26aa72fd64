"""A Redis cache that the portal can lose: an unreachable Redis reads as an empty cache.

Everything the portal keeps in the cache is a shortcut (the business calendar, the audit
verification summary, the double-submit token, sign-up throttles), and every durable fact is
in the database. So while Redis is down or restarting, a read is a miss, a write is dropped
and `add` reports success (the caller goes ahead as if the key were new); requests keep
working, only slower and without the throttles. The outage is logged once, and the
recovery once. After a failure Redis is left alone for `RETRY_AFTER_SECONDS`, so that a
Redis that hangs instead of refusing does not cost every request a connection timeout.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_T = TypeVar("_T")
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class DisposableRedisCache(RedisCache):
    RETRY_AFTER_SECONDS = 5.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        # A refused connection fails at once; these bound a Redis that accepts but never answers.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._state_lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0

    def _guarded(self, operation: Callable[[], _T], fallback: _T) -> _T:
        if self._down_since is not None and time.monotonic() < self._retry_at:
            return fallback
        try:
            result = operation()
        except _UNAVAILABLE as exc:
            self._mark_down(exc)
            return fallback
        if self._down_since is not None:
            self._mark_up()
        return result

    def _mark_down(self, exc: BaseException) -> None:
        with self._state_lock:
            first = self._down_since is None
            now = time.monotonic()
            if first:
                self._down_since = now
            self._retry_at = now + self.RETRY_AFTER_SECONDS
        if first:
            logger.warning("cache unavailable, serving misses until it is back: %s", exc)

    def _mark_up(self) -> None:
        with self._state_lock:
            down_since, self._down_since = self._down_since, None
        if down_since is not None:
            logger.warning("cache available again after %.0f s", time.monotonic() - down_since)

    @property
    def is_available(self) -> bool:
        return self._down_since is None

    # --- the cache API, each with what an empty cache would answer -------------------------------

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(lambda: super(DisposableRedisCache, self).get(key, default, version), default)

    def add(self, key: Any, value: Any, *args: Any, **kwargs: Any) -> bool:
        # True: the caller proceeds as if it had been first (a guard, not a lock, is lost).
        return self._guarded(lambda: super(DisposableRedisCache, self).add(key, value, *args, **kwargs), True)

    def set(self, key: Any, value: Any, *args: Any, **kwargs: Any) -> None:
        self._guarded(lambda: super(DisposableRedisCache, self).set(key, value, *args, **kwargs), None)

    def touch(self, key: Any, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(DisposableRedisCache, self).touch(key, *args, **kwargs), False)

    def delete(self, key: Any, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(DisposableRedisCache, self).delete(key, *args, **kwargs), False)

    def get_many(self, keys: Any, *args: Any, **kwargs: Any) -> dict:
        return self._guarded(lambda: super(DisposableRedisCache, self).get_many(keys, *args, **kwargs), {})

    def has_key(self, key: Any, *args: Any, **kwargs: Any) -> bool:
        return self._guarded(lambda: super(DisposableRedisCache, self).has_key(key, *args, **kwargs), False)

    def incr(self, key: Any, *args: Any, **kwargs: Any) -> int:
        missing = object()
        result = self._guarded(lambda: super(DisposableRedisCache, self).incr(key, *args, **kwargs), missing)
        if result is missing:
            # What Django's caches raise for a key that is not there; callers already handle it.
            raise ValueError(f"Key '{key}' not found (cache unavailable)")
        return result  # type: ignore[return-value]

    def set_many(self, data: Any, *args: Any, **kwargs: Any) -> list:
        return self._guarded(lambda: super(DisposableRedisCache, self).set_many(data, *args, **kwargs), [])

    def delete_many(self, keys: Any, *args: Any, **kwargs: Any) -> None:
        self._guarded(lambda: super(DisposableRedisCache, self).delete_many(keys, *args, **kwargs), None)

    def clear(self) -> None:
        self._guarded(lambda: super(DisposableRedisCache, self).clear(), None)
