"""A token bucket per caller: a steady rate, with bursts up to a limit after a pause."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

# Bounds memory when many distinct callers come and go (JWT subjects). Forgetting the least
# recently seen caller gives it a full bucket again; with this many callers that is harmless.
_MAX_BUCKETS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``rate_per_s`` requests per second per key on average, ``burst`` at once. Thread-safe:
    the API checks from the event loop and from worker threads alike."""

    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a rate limit needs a positive rate and a burst of at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float | None:
        """Take one token for ``key``: None when granted, else the seconds until one is free."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.burst), now)
                while len(self._buckets) > _MAX_BUCKETS:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
                refill = (now - bucket.updated) * self.rate_per_s
                bucket.tokens = min(float(self.burst), bucket.tokens + refill)
                bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return (1 - bucket.tokens) / self.rate_per_s


def retry_after(seconds: float) -> str:
    """The Retry-After header's value: whole seconds, at least one."""
    return str(max(1, math.ceil(seconds)))
