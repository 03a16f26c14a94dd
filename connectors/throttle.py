"""Pacing for HTTP sources: a token-bucket rate limit, exponential backoff, Retry-After."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class TokenBucket:
    """At most ``rate_per_s`` acquisitions per second on average, in bursts of at most ``burst``.

    The bucket starts full, so the first request leaves at once; with the default burst of 1,
    N requests take at least (N - 1) / rate seconds — the plain reading of "n requests per second"
    that department APIs publish.
    """

    def __init__(
        self,
        rate_per_s: float | None,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()

    def acquire(self) -> None:
        """Take one token, sleeping until one has accrued when the bucket is empty."""
        if self.rate is None:
            return
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens < 1:
            wait = (1 - self._tokens) / self.rate
            self._sleep(wait)
            # The token that accrued while sleeping is the one taken now.
            self._tokens = 1.0
            self._updated = now + wait
        self._tokens -= 1


def backoff_delay(attempt: int, base_s: float, cap_s: float) -> float:
    """Wait before retry ``attempt`` (0-based): base, 2×base, 4×base, … capped."""
    return float(min(cap_s, base_s * 2**attempt))


def retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date); None if absent or
    unreadable, so the caller falls back to its own backoff."""
    if not header:
        return None
    header = header.strip()
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
