"""Token buckets per key (a client address), bounded in memory: what the servers use to rate-limit callers
they cannot hold to account otherwise (unauthenticated requests to the hub, appeals filed at the guard)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class Buckets:
    """`per_minute` tokens a minute per key, up to `burst` saved; the least recently seen keys beyond
    `max_keys` are forgotten (a forgotten key starts with a full bucket, so forgetting never blocks)."""

    def __init__(
        self,
        per_minute: float,
        burst: float | None = None,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate, self.burst = per_minute / 60.0, float(burst if burst is not None else per_minute)
        self.max_keys, self.clock = max_keys, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 when there was one, else the seconds until there will be one."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate if self.rate > 0 else float("inf")
            self._buckets[key] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait
