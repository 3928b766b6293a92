"""Budgets of person queries and batches, counted by the `limits` package. Pure (no web).

With CERTBRIDGE_REDIS_URL the counts live in Redis, so every worker process (and every
server) spends from one budget; without it, in this process's memory. The strategy is the
moving window: the times of a client's requests in the last minute, never more than its
budget, so the limit holds exactly (no burst at a minute's turn), the work and memory per
client are bounded by the budget, and a client's entries expire a minute after its last
request.

When Redis is configured but cannot be reached, the limiter falls back to this process's
memory (logged, then Redis is tried again after RETRY_SECONDS): a person query is never
refused because the store is down, and a client is still limited, per process.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("certbridge.ratelimit")

RETRY_SECONDS: Final = 10.0
# A Redis that does not answer in this time counts as down: a request waits no longer.
REDIS_TIMEOUT_SECONDS: Final = 0.25


@dataclass(frozen=True)
class Budget:
    """A named allowance per minute; 0 means unlimited."""

    name: str
    per_minute: int


@lru_cache(maxsize=64)
def _item(per_minute: int) -> RateLimitItem:
    return RateLimitItemPerMinute(per_minute, namespace="budget")


class Limiter:
    """Spends budgets and remembers one-time things (used challenge solutions)."""

    def __init__(self, redis_url: str = "", prefix: str = "certbridge") -> None:
        self._local_storage = MemoryStorage(wrap_exceptions=True)
        self._local = MovingWindowRateLimiter(self._local_storage)
        self._shared_storage: RedisStorage | None = None
        self._shared: MovingWindowRateLimiter | None = None
        self._prefix = prefix
        if redis_url:
            self._shared_storage = RedisStorage(
                redis_url,
                key_prefix=prefix,
                wrap_exceptions=True,
                socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            )
            self._shared = MovingWindowRateLimiter(self._shared_storage)
        self._shared_down_until = 0.0

    @property
    def shared(self) -> bool:
        """Whether the counters are shared between processes (Redis configured)."""
        return self._shared is not None

    def spend(self, budget: Budget, who: str) -> float:
        """Count one request of `who` against the budget: 0 if allowed, else the seconds
        until the next one would be."""
        if budget.per_minute <= 0:
            return 0.0
        item = _item(budget.per_minute)
        limiter = self._limiter()
        try:
            if limiter.hit(item, budget.name, who):
                return 0.0
            reset_at = limiter.get_window_stats(item, budget.name, who).reset_time
        except StorageError as error:
            self._store_failed(error)
            return self.spend(budget, who)
        return max(1.0, reset_at - time.time())

    def first_use(self, kind: str, key: str, seconds: int) -> bool:
        """True the first time (kind, key) is seen within `seconds`, False on any repeat."""
        storage = self._storage()
        try:
            return storage.incr(f"once/{kind}/{key}", seconds) == 1
        except StorageError as error:
            self._store_failed(error)
            return self.first_use(kind, key, seconds)

    def reset(self) -> None:
        """Forget every counter (tests, and an operator's `reset` after an incident)."""
        self._local_storage.reset()
        if self._shared_storage is not None:
            self._shared_storage.reset()

    def _limiter(self) -> MovingWindowRateLimiter:
        if self._shared is not None and time.monotonic() >= self._shared_down_until:
            return self._shared
        return self._local

    def _storage(self) -> MemoryStorage | RedisStorage:
        if self._shared_storage is not None and time.monotonic() >= self._shared_down_until:
            return self._shared_storage
        return self._local_storage

    def _store_failed(self, error: StorageError) -> None:
        if self._shared is None or time.monotonic() < self._shared_down_until:
            raise error  # the local store failed: nothing to fall back to
        self._shared_down_until = time.monotonic() + RETRY_SECONDS
        log.warning(
            "rate-limit store unreachable (%s); counting in this process for %.0f s",
            type(error.storage_error).__name__,
            RETRY_SECONDS,
        )
