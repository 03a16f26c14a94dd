"""Prometheus metrics of the scheduled syncs."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest

from hub.schedule import SyncScheduler
from tests.hub.schedule.declarations import source

NOW = datetime(2025, 3, 8, 9, 0, tzinfo=UTC)


def test_next_run_last_outcome_and_failures_per_source() -> None:
    answers = iter([1, 2])  # pop fails once and is retried; grid is refused and has no retries
    scheduler = SyncScheduler(
        [
            source("pop", {"cron": "0 10 * * *", "timezone": "UTC", "retries": 1}),
            source("grid", {"cron": "30 9 * * *", "timezone": "UTC", "retries": 0}),
        ],
        lambda sources: next(answers, 0),
        retry_later=lambda name, delay, attempt: None,
        clock=lambda: NOW,
    )
    registry = CollectorRegistry()
    scheduler.register(registry)

    def value(name: str, source: str) -> float | None:
        return registry.get_sample_value(name, {"source": source})

    assert (
        value("gridhub_schedule_next_run_timestamp_seconds", "pop")
        == datetime(2025, 3, 8, 10, 0, tzinfo=UTC).timestamp()
    )
    assert value("gridhub_schedule_last_outcome", "pop") is None  # never ran
    assert value("gridhub_schedule_failures_total", "pop") == 0
    scheduler.fire("pop")
    scheduler.run_pending()
    assert value("gridhub_schedule_retry_timestamp_seconds", "pop") == NOW.timestamp() + 60
    assert value("gridhub_schedule_last_outcome", "pop") is None  # a retry waits
    scheduler.fire("grid")
    scheduler.run_pending()
    assert value("gridhub_schedule_last_outcome", "grid") == 2
    assert value("gridhub_schedule_last_run_timestamp_seconds", "grid") == NOW.timestamp()
    assert value("gridhub_schedule_last_attempts", "grid") == 1
    assert value("gridhub_schedule_failures_total", "grid") == 1
    scheduler.fire("pop", 2, alone=True)  # the retry comes due, and succeeds
    scheduler.run_pending()
    assert value("gridhub_schedule_last_outcome", "pop") == 0
    assert value("gridhub_schedule_last_attempts", "pop") == 2
    assert value("gridhub_schedule_retry_timestamp_seconds", "pop") is None
    text = generate_latest(registry).decode()
    assert 'gridhub_schedule_last_outcome{source="grid"} 2.0' in text
