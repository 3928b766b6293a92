"""Per-client sliding-window limit on person queries, to slow down enumeration. Pure."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RateLimiter:
    per_minute: int
    clock: Callable[[], float] = time.monotonic
    window_seconds: float = 60.0
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def check(self, client: str) -> float:
        """Record a hit; return 0 if allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now = self.clock()
        hits = self._hits.setdefault(client, deque())
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return hits[0] + self.window_seconds - now
        hits.append(now)
        self._forget_idle(now)
        return 0.0

    def _forget_idle(self, now: float) -> None:
        # Bound memory: drop clients with no hit inside the window, now and then.
        if len(self._hits) < 10_000:
            return
        for client in [c for c, h in self._hits.items() if not h or h[-1] <= now - 60]:
            del self._hits[client]
