"""Prometheus metrics of the scheduled syncs, read from the scheduler when scraped: alert on a
source whose last scheduled sync did not succeed, or whose next run lies too far ahead (a
schedule that stopped)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.schedule.status import ScheduledJob


class ScheduleCollector(Collector):
    """``jobs`` is the scheduler's listing (`SyncScheduler.jobs`)."""

    def __init__(self, jobs: Callable[[], Sequence[ScheduledJob]]) -> None:
        self._jobs = jobs

    def collect(self) -> Iterator[Metric]:
        jobs = self._jobs()
        next_run = GaugeMetricFamily(
            "gridhub_schedule_next_run_timestamp_seconds",
            "When the source's scheduled sync fires next (a retry waiting aside).",
            labels=["source"],
        )
        retry_at = GaugeMetricFamily(
            "gridhub_schedule_retry_timestamp_seconds",
            "When the retry of the source's failed scheduled sync is due (only while one waits).",
            labels=["source"],
        )
        outcome = GaugeMetricFamily(
            "gridhub_schedule_last_outcome",
            "Exit code of the source's last scheduled sync after its retries: 0 succeeded, "
            "2 refused by its data contract, 1 failed (absent before its first).",
            labels=["source"],
        )
        finished = GaugeMetricFamily(
            "gridhub_schedule_last_run_timestamp_seconds",
            "When the source's last scheduled sync ended (after its retries).",
            labels=["source"],
        )
        attempts = GaugeMetricFamily(
            "gridhub_schedule_last_attempts",
            "Attempts the source's last scheduled sync took (1: no retry).",
            labels=["source"],
        )
        failures = CounterMetricFamily(
            "gridhub_schedule_failures",
            "Scheduled syncs of the source that failed or were refused after all their retries.",
            labels=["source"],
        )
        for job in jobs:
            if job.next_run is not None:
                next_run.add_metric([job.source], job.next_run.timestamp())
            if job.retry_at is not None:
                retry_at.add_metric([job.source], job.retry_at.timestamp())
            if job.last_exit_code is not None and job.last_finished_at is not None:
                outcome.add_metric([job.source], job.last_exit_code)
                finished.add_metric([job.source], job.last_finished_at.timestamp())
                attempts.add_metric([job.source], job.attempts)
            failures.add_metric([job.source], job.failures)
        yield from (next_run, retry_at, outcome, finished, attempts, failures)
