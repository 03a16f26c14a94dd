"""The token bucket: bursts up to the limit, then the steady rate; per key; exact under threads."""

from __future__ import annotations

import threading

import pytest

from hub.api.security.rate_limit import RateLimiter, retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate_per_s=2, burst=3, clock=clock)
    assert [limiter.acquire("k") for _ in range(3)] == [None, None, None]
    wait = limiter.acquire("k")
    assert wait == pytest.approx(0.5)  # one token every half second
    clock.now += 0.5
    assert limiter.acquire("k") is None
    assert limiter.acquire("k") == pytest.approx(0.5)
    # A long pause refills up to the burst, not beyond.
    clock.now += 60
    assert [limiter.acquire("k") for _ in range(4)][:3] == [None, None, None]
    assert limiter.acquire("k") is not None


def test_each_key_has_its_own_bucket() -> None:
    limiter = RateLimiter(rate_per_s=1, burst=1, clock=Clock())
    assert limiter.acquire("a") is None
    assert limiter.acquire("a") is not None
    assert limiter.acquire("b") is None


def test_threads_get_exactly_the_burst() -> None:
    limiter = RateLimiter(rate_per_s=1e-9, burst=500)  # no refill during the test
    granted: list[bool] = []

    def hammer() -> None:
        for _ in range(100):
            granted.append(limiter.acquire("shared") is None)

    threads = [threading.Thread(target=hammer) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 500
    assert len(granted) == 1000


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert retry_after(0.02) == "1"
    assert retry_after(1.0) == "1"
    assert retry_after(1.2) == "2"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        RateLimiter(rate_per_s=0, burst=1)
