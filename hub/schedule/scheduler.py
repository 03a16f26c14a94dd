"""The server's scheduled syncs: one APScheduler cron job per source with a `schedule:`.

A firing only queues its source; one runner thread syncs what is queued, one run at a time (and
under one lock, which the caller may share with whatever else writes). Sources whose firings
arrive within ``gather_s`` of each other are synced in one run (one resolution pass for all). A
run that fails is retried by a one-off APScheduler job after the source's retry delay, up to its
``retries``; when a run of several sources fails, each of them is synced again on its own at
once, so that the failure, and its retries, belong to the source that caused it.

Firings are coalesced: a scheduler that could not fire for a while (the process was suspended)
runs a missed job once, however late (``misfire_grace_time=None``), not once per missed firing.
Jobs live in memory: firings missed while the server was down are found at start from when each
source was last synced (``last_synced``), and each such source is synced once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from prometheus_client.registry import Collector, CollectorRegistry

from connectors.config import ScheduleSpec, SourceConfig
from connectors.cron import cron_trigger
from hub.schedule.metrics import ScheduleCollector
from hub.schedule.plan import missed_since, next_fire
from hub.schedule.retry import SUCCEEDED, Attempt, Outcome, RetryPolicy, Submit, attempt, describe
from hub.schedule.status import ScheduledJob

log = structlog.get_logger("gridhub.schedule")

# Retries a test runs at once instead of through APScheduler: (source, delay_s, next attempt).
RetryLater = Callable[[str, float, int], None]
LastSynced = Callable[[], Mapping[str, datetime]]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Queued:
    attempt: int  # from 1: the firing's own attempt; 2, 3, …: its retries
    alone: bool  # a retry, or one source of a failed run of several: never joins other sources


@dataclass
class _Status:
    attempts: int = 0
    running: bool = False
    retry_at: datetime | None = None
    last_outcome: Outcome | None = None
    last_exit_code: int | None = None
    last_error: str | None = None
    last_finished_at: datetime | None = None
    failures: int = 0


class SyncScheduler:
    """Runs ``submit([source, …])`` when the sources' cron schedules fire, with retries.

    ``submit`` syncs the sources named and returns the exit code of `gridhub sync` (0, 2 refused,
    1 failed) or raises. ``lock`` is held around every call of it (pass the one anything else
    that syncs holds). ``last_synced`` (source → when it was last synced) is read at start to
    run once what was missed while the server was down. ``retry_later`` and ``clock`` are for
    tests. Started once, stopped once.
    """

    def __init__(
        self,
        configs: Sequence[SourceConfig],
        submit: Submit,
        *,
        lock: threading.Lock | None = None,
        last_synced: LastSynced | None = None,
        gather_s: float = 1.0,
        retry_later: RetryLater | None = None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._specs: dict[str, ScheduleSpec] = {c.name: c.schedule for c in configs if c.schedule is not None}
        self._submit = submit
        self._lock = lock if lock is not None else threading.Lock()
        self._last_synced = last_synced
        self._gather_s = gather_s
        self._retry_later = retry_later or self._schedule_retry
        self._clock = clock
        self._status = {name: _Status() for name in self._specs}
        self._queue: dict[str, _Queued] = {}
        # Guards the queue and the statuses; signalled when a source is queued or on stop.
        self._changed = threading.Condition()
        self._stopping = threading.Event()
        self._runner: threading.Thread | None = None
        self._scheduler = BackgroundScheduler(
            # A firing only queues its source: two threads are plenty.
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for name, spec in self._specs.items():
            self._scheduler.add_job(
                self.fire,
                cron_trigger(spec.cron, spec.timezone, spec.jitter_s),
                args=[name],
                id=name,
                name=f"sync {name}",
                coalesce=True,
                max_instances=1,
                misfire_grace_time=None,
            )

    @property
    def sources(self) -> list[str]:
        return list(self._specs)

    @property
    def running(self) -> bool:
        return self._runner is not None and self._runner.is_alive()

    # -- firing and running --------------------------------------------------------------------

    def fire(self, source: str, attempt: int = 1, alone: bool = False) -> None:
        """Queue ``source`` (what its cron job does when it fires). Queued already, it stays
        queued once; a new firing (attempt 1) replaces a queued retry."""
        if source not in self._specs:
            raise KeyError(f"source {source!r} has no schedule")
        with self._changed:
            queued = self._queue.get(source)
            if queued is None or attempt < queued.attempt:
                self._queue[source] = _Queued(attempt, alone)
            self._changed.notify_all()

    def run_pending(self) -> int:
        """Sync what is queued now, one run after another, in the caller's thread (the runner
        thread does this as firings arrive). Returns the number of runs."""
        runs = 0
        while not self._stopping.is_set():
            batch = self._take()
            if not batch:
                break
            self._run(batch)
            runs += 1
        return runs

    def _take(self) -> list[tuple[str, _Queued]]:
        """The next run: the oldest queued source alone if it must run alone, else every queued
        source that may run with others."""
        with self._changed:
            if not self._queue:
                return []
            first = next(iter(self._queue.items()))
            batch = [first] if first[1].alone else [(n, q) for n, q in self._queue.items() if not q.alone]
            for name, queued in batch:
                del self._queue[name]
                status = self._status[name]
                status.running, status.attempts, status.retry_at = True, queued.attempt, None
            return batch

    def _run(self, batch: list[tuple[str, _Queued]]) -> None:
        names = [name for name, _ in batch]
        log.info("scheduled sync started", sources=names, attempt=max(q.attempt for _, q in batch))
        with self._lock:
            result = attempt(self._submit, names)
        finished = self._clock()
        if result.exit_code != SUCCEEDED and len(batch) > 1:
            log.warning(
                "scheduled sync of several sources did not succeed: syncing each on its own",
                sources=names, exit_code=result.exit_code, error=result.error,
            )  # fmt: skip
        for name, queued in batch:
            if result.exit_code == SUCCEEDED:
                self._finished(name, queued.attempt, result, finished)
                log.info("scheduled sync succeeded", source=name, attempts=queued.attempt)
                self._cancel_retry(name)
            elif len(batch) > 1:  # whose failure was it? each source again, on its own
                self._set(name, running=False)
                self.fire(name, queued.attempt, alone=True)
            else:
                self._failed(name, queued.attempt, result, finished)

    def _failed(self, name: str, attempt_no: int, result: Attempt, finished: datetime) -> None:
        policy = RetryPolicy.of(self._specs[name])
        if policy.retries_after(attempt_no):
            delay = policy.delay(attempt_no)
            self._set(name, running=False, retry_at=finished + timedelta(seconds=delay))
            log.warning(
                "scheduled sync attempt failed: retrying", source=name, attempt=attempt_no,
                retries=policy.retries, exit_code=result.exit_code, error=result.error, retry_in_s=delay,
            )  # fmt: skip
            self._retry_later(name, delay, attempt_no + 1)
            return
        self._finished(name, attempt_no, result, finished)
        with self._changed:
            self._status[name].failures += 1
        log.error(
            "scheduled sync failed", source=name, outcome=result.outcome, attempts=attempt_no,
            exit_code=result.exit_code, error=result.error,
        )  # fmt: skip

    def _finished(self, name: str, attempt_no: int, result: Attempt, finished: datetime) -> None:
        self._set(
            name, running=False, retry_at=None, attempts=attempt_no, last_outcome=result.outcome,
            last_exit_code=result.exit_code, last_error=result.error, last_finished_at=finished,
        )  # fmt: skip

    def _set(self, name: str, **values: Any) -> None:
        with self._changed:
            status = self._status[name]
            for key, value in values.items():
                setattr(status, key, value)

    def _schedule_retry(self, source: str, delay_s: float, next_attempt: int) -> None:
        """A one-off job queueing the retry when it is due (one per source: a newer one replaces it)."""
        self._scheduler.add_job(
            self.fire,
            "date",
            run_date=datetime.now(UTC) + timedelta(seconds=delay_s),
            args=[source, next_attempt, True],
            id=f"{source}#retry",
            name=f"retry sync {source} (attempt {next_attempt})",
            replace_existing=True,
            misfire_grace_time=None,
        )

    def _cancel_retry(self, source: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(f"{source}#retry")

    # -- starting and stopping -----------------------------------------------------------------

    def start(self) -> None:
        """Queue what was missed while the server was down, start the cron jobs and the runner."""
        if self._runner is not None:
            raise RuntimeError("the schedule was started already")
        self._catch_up()
        self._scheduler.start()
        self._runner = threading.Thread(target=self._serve, name="gridhub-schedule", daemon=True)
        self._runner.start()
        log.info("schedule started", sources=self.sources)

    def stop(self, wait: bool = True, timeout: float | None = None) -> None:
        """Stop firing. A sync under way is not interrupted: ``wait`` waits for it (at most
        ``timeout`` seconds), so the store is not closed under it. Queued syncs are dropped."""
        self._stopping.set()
        with self._changed:
            self._changed.notify_all()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if wait and self._runner is not None:
            self._runner.join(timeout)
        log.info("schedule stopped", sources=self.sources)

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queue) or self._stopping.is_set())
            # Sources firing at the same moment (jitter aside) are synced in one run.
            if self._stopping.wait(self._gather_s):
                break
            try:
                self.run_pending()
            except Exception as exc:  # the runner must outlive a bug in the bookkeeping
                log.error("scheduled sync: the runner failed", error=describe(exc))

    def _catch_up(self) -> None:
        if self._last_synced is None:
            return
        try:
            known = self._last_synced()
        except Exception as exc:
            log.warning("schedule: cannot tell which firings were missed", error=describe(exc))
            return
        now = self._clock()
        for name, spec in self._specs.items():
            last = known.get(name)
            missed = missed_since(spec, last, now) if last is not None else None
            if missed is not None:
                log.info(
                    "scheduled sync missed while the server was down: syncing once now",
                    source=name, missed=missed.isoformat(),
                )  # fmt: skip
                self.fire(name)

    # -- what is scheduled ---------------------------------------------------------------------

    def jobs(self) -> list[ScheduledJob]:
        """Every scheduled source, in declaration order: its schedule, next run and last outcome."""
        now = self._clock()
        listed = []
        for name, spec in self._specs.items():
            job = self._scheduler.get_job(name)
            next_run: datetime | None = getattr(job, "next_run_time", None)
            if next_run is None and not self._scheduler.running:  # not started: as declared
                next_run = next_fire(spec, now)
            with self._changed:
                status = _Status(**vars(self._status[name]))
            job_now = ScheduledJob(
                source=name, cron=spec.cron, timezone=spec.timezone, retries=spec.retries,
                next_run=next_run, retry_at=status.retry_at, running=status.running,
                attempts=status.attempts, last_outcome=status.last_outcome,
                last_exit_code=status.last_exit_code, last_error=status.last_error,
                last_finished_at=status.last_finished_at, failures=status.failures,
            )  # fmt: skip
            listed.append(job_now)
        return listed

    def collector(self) -> Collector:
        """Prometheus metrics of the schedule, read from ``jobs()`` when scraped."""

        return ScheduleCollector(self.jobs)

    def register(self, registry: CollectorRegistry) -> None:
        registry.register(self.collector())
